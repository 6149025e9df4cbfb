/** Messages between the page and the training worker (which owns tfjs, the backend and every tensor). */
import type { DatasetSplit } from '../core/data/split';
import type { Case } from '../core/data/types';
import type { UNetConfig } from '../core/model';
import type { TrainingConfig } from '../core/training/config';
import type { ExperimentEvent, ExperimentSnapshot, InterleaveUnit, RunSpec, Scheduling } from '../core/training/experiment';
import type { BackendInfo, BackendName } from './backend';

/** Everything that defines an experiment except the data itself (kept with its results). */
export interface ExperimentRequest {
  id: string;
  name: string;
  createdAt: string;
  runs: RunSpec[];
  training: Partial<TrainingConfig>;
  /** Input size, depth, base filters, seed; channels and classes come from the dataset. */
  model: Pick<UNetConfig, 'inputHeight' | 'inputWidth' | 'depth' | 'baseFilters' | 'seed'>;
  scheduling: Scheduling;
  interleave: InterleaveUnit;
  split: DatasetSplit;
  dataset: { origin: 'demo' | 'files'; description: string; numClasses: number; channels: number; caseIds: string[] };
}

export type ExperimentStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'interrupted';

/** What IndexedDB keeps per experiment. */
export interface StoredExperiment {
  id: string;
  request: ExperimentRequest;
  status: ExperimentStatus;
  message?: string;
  updatedAt: string;
  snapshot: ExperimentSnapshot | null;
  /** Runs whose final (best) weights are stored. */
  savedWeights: string[];
}

export type TrainingCommand =
  | { type: 'init'; backend: BackendName | 'auto' }
  | { type: 'start'; request: ExperimentRequest; cases: Case[] }
  | { type: 'stop' }
  | { type: 'list' }
  | { type: 'remove'; id: string };

export type TrainingEvent =
  | { type: 'ready'; backend: BackendInfo; skipped: string[] }
  | { type: 'backendFailed'; message: string }
  | { type: 'started'; id: string; snapshot: ExperimentSnapshot; stepsPerEpoch: number }
  | { type: 'experiment'; id: string; event: ExperimentEvent }
  | { type: 'snapshot'; id: string; snapshot: ExperimentSnapshot }
  | { type: 'ended'; id: string; status: ExperimentStatus; message?: string; snapshot: ExperimentSnapshot | null }
  | { type: 'experiments'; list: StoredExperiment[] }
  | { type: 'error'; message: string };
