/** Messages between the page and the dataset worker, which decodes dropped files off the main thread. */
import type { LabelMapping } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { LoadedDataset } from '../core/data/dataset';
import type { SyntheticOptions } from '../core/data/synthetic';

export interface DroppedFile {
  path: string;
  file: File;
}

export type DatasetCommand =
  | { type: 'load'; files: DroppedFile[]; pairing?: Pairing; mapping?: LabelMapping }
  | { type: 'demo'; options?: Partial<SyntheticOptions> };

/** A loaded dataset (core/data/dataset.ts) and where it came from. */
export interface DatasetResult extends LoadedDataset {
  /** 'files' for dropped data, 'demo' for the synthetic generator. */
  origin: 'files' | 'demo';
}

export type DatasetEvent =
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'loaded'; result: DatasetResult }
  | { type: 'error'; message: string };
