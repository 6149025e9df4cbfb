/** Messages between the page and the dataset worker, which decodes dropped files off the main thread. */
import type { LabelMapping, MappingProposal, ValueCount } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { DatasetSummary } from '../core/data/summary';
import type { Case } from '../core/data/types';
import type { LoadIssue } from '../core/data/dataset';
import type { SyntheticOptions } from '../core/data/synthetic';

export interface DroppedFile {
  path: string;
  file: File;
}

export type DatasetCommand =
  | { type: 'load'; files: DroppedFile[]; pairing?: Pairing; mapping?: LabelMapping }
  | { type: 'demo'; options?: Partial<SyntheticOptions> };

export interface DatasetResult {
  /** 'files' for dropped data, 'demo' for the synthetic generator. */
  origin: 'files' | 'demo';
  cases: Case[];
  pairing: Pairing;
  mapping: MappingProposal;
  labelValues: ValueCount[];
  summary: DatasetSummary;
  issues: LoadIssue[];
  notes: { file: string; note: string }[];
}

export type DatasetEvent =
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'loaded'; result: DatasetResult }
  | { type: 'error'; message: string };
