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
  /** An epoch checkpoint is stored: the experiment can resume where it stopped. */
  resumable?: boolean;
}

/** tfjs model artifacts as plain data: what model.json and its weights file hold. */
export interface ModelFiles {
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: ArrayBuffer;
}

/** An experiment as a file: its record and the best weights of every run that finished. */
export interface ExperimentFile {
  format: 'segmentation-studio-experiment';
  version: 1;
  record: StoredExperiment;
  weights: Record<string, ModelFiles>;
}

export interface InferenceCaseResult {
  id: string;
  dsc: number[];
}

/**
 * Segmentation of chosen axial slices of one case by runs of an experiment: the live (or last)
 * experiment's models with their current weights, or the best weights stored for the runs of
 * an experiment kept in IndexedDB. The worker keeps the cases it was sent under `datasetKey`
 * (the page's dataset version); `case` is sent when the worker may not have it yet.
 */
export interface PredictRequest {
  requestId: number;
  experimentId: string;
  runs: string[];
  datasetKey: string;
  caseId: string;
  case?: Case;
  slices: number[];
}

export interface RunPrediction {
  run: string;
  /** One label map per requested slice (slice width × height, class per pixel). */
  labels: Uint8Array[];
  /** Epochs the weights had seen, and whether they are the run's best (stored or restored) weights. */
  epochs: number;
  weights: 'current' | 'best';
}

export type TrainingCommand =
  | { type: 'init'; backend: BackendName | 'auto' }
  | { type: 'exportExperiment'; id: string }
  | { type: 'importExperiment'; file: ExperimentFile }
  | { type: 'exportModel'; id: string; run: string }
  | { type: 'infer'; model: ModelFiles; name: string; cases: Case[]; numClasses: number }
  | { type: 'start'; request: ExperimentRequest; cases: Case[]; datasetKey: string }
  | { type: 'resume'; id: string; cases: Case[]; datasetKey: string }
  | ({ type: 'predict' } & PredictRequest)
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
  | { type: 'experimentFile'; file: ExperimentFile }
  | { type: 'modelFiles'; name: string; model: ModelFiles }
  | { type: 'inferenceFailed'; name: string; message: string }
  | { type: 'inference'; name: string; perCase: { id: string; dsc: number[]; iou: number[]; precision: number[]; recall: number[] }[] }
  | { type: 'prediction'; requestId: number; results: RunPrediction[]; failed: { run: string; message: string }[] }
  | { type: 'predictionFailed'; requestId: number; message: string; missingCase?: boolean }
  | { type: 'error'; message: string };
