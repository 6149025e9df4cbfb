/** The dataset's state: what was loaded, how it was paired and mapped, its summary and problems. */
import type { StateCreator } from 'zustand';
import type { LoadIssue } from '../core/data/dataset';
import type { MappingProposal, ValueCount } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { DatasetSummary } from '../core/data/summary';

export interface DatasetState {
  status: 'empty' | 'loading' | 'ready' | 'error';
  origin: 'files' | 'demo' | null;
  progress: { done: number; total: number; label: string } | null;
  /** A failure of the whole load (worker crash); per-file problems are in `issues`. */
  error: string | null;
  pairing: Pairing | null;
  mapping: MappingProposal | null;
  labelValues: ValueCount[];
  summary: DatasetSummary | null;
  issues: LoadIssue[];
  notes: { file: string; note: string }[];
  /** Changes whenever the decoded cases in datasetRegistry change. */
  version: number;
  splitSeed: number;
}

export interface DatasetSlice {
  dataset: DatasetState;
}

export function initialDataset(): DatasetState {
  return {
    status: 'empty',
    origin: null,
    progress: null,
    error: null,
    pairing: null,
    mapping: null,
    labelValues: [],
    summary: null,
    issues: [],
    notes: [],
    version: 0,
    splitSeed: 1,
  };
}

export const createDatasetSlice: StateCreator<DatasetSlice, [], [], DatasetSlice> = () => ({ dataset: initialDataset() });
