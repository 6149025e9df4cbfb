/** The training state: the backend in use, the experiment running or shown, the stored ones. */
import type { StateCreator } from 'zustand';
import { PAPER_COMPARISON, type LossId } from '../core/losses/registry';
import type { ExperimentSnapshot } from '../core/training/experiment';
import type { BackendInfo, BackendName } from '../worker/backend';
import type { BrokenExperiment, ExperimentRequest, ExperimentStatus, StoredExperiment } from '../worker/trainingProtocol';

export interface TrainingSettings {
  losses: LossId[];
  /** The paper's Figure 3: each ticked unified loss at γ = 0.1 … 0.9 instead of one run per loss. */
  gammaSweep: boolean;
  inputSize: number;
  depth: number;
  baseFilters: number;
  maxEpochs: number;
  /** 0: one pass over the training samples per epoch. */
  stepsPerEpoch: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  scheduling: 'interleaved' | 'sequential';
  seed: number;
}

export interface LiveExperiment {
  request: ExperimentRequest;
  snapshot: ExperimentSnapshot | null;
  status: ExperimentStatus;
  message?: string;
  stepsPerEpoch: number;
  startedAt: number;
  /** Steps taken over all runs (from step events). */
  stepsDone: number;
  lastStepAt: number;
  /** The newest step event: run, epoch, step. */
  position: { run: string; epoch: number; step: number } | null;
}

export interface TrainingState {
  backend: BackendInfo | null;
  backendStatus: 'idle' | 'starting' | 'ready' | 'failed';
  backendMessage: string | null;
  skipped: string[];
  forced: BackendName | 'auto';
  settings: TrainingSettings;
  live: LiveExperiment | null;
  experiments: StoredExperiment[];
  /** Stored records that fail validation (damaged, or written by an older studio): listed to be deleted. */
  brokenExperiments: BrokenExperiment[];
  /** Id of the stored experiment shown instead of the live one. */
  viewing: string | null;
  /** Per-case results of a model loaded from files and run on the current dataset. */
  inference: { name: string; status: 'running' | 'done'; perCase: { id: string; dsc: number[] }[] } | null;
  error: string | null;
}

export interface TrainingSlice {
  training: TrainingState;
}

export const DEFAULT_SETTINGS: TrainingSettings = {
  losses: [...PAPER_COMPARISON],
  gammaSweep: false,
  inputSize: 64,
  depth: 3,
  baseFilters: 8,
  maxEpochs: 30,
  stepsPerEpoch: 0,
  batchSize: 2,
  learningRate: 0.1,
  optimizer: 'sgd',
  scheduling: 'interleaved',
  seed: 1,
};

export function initialTraining(): TrainingState {
  return {
    backend: null,
    backendStatus: 'idle',
    backendMessage: null,
    skipped: [],
    forced: 'auto',
    settings: { ...DEFAULT_SETTINGS, losses: [...DEFAULT_SETTINGS.losses] },
    live: null,
    experiments: [],
    brokenExperiments: [],
    viewing: null,
    inference: null,
    error: null,
  };
}

export const createTrainingSlice: StateCreator<TrainingSlice, [], [], TrainingSlice> = () => ({ training: initialTraining() });
