/** The training state: the backend in use, the experiment running or shown, the stored ones. */
import type { StateCreator } from 'zustand';
import { defaultSettings, type TrainingSettings } from '../core/engine/configuration';
import type { ExperimentSnapshot } from '../core/training/experiment';
import type { BackendInfo, BackendName } from '../worker/backend';
import type { BrokenExperiment, ExperimentRequest, ExperimentStatus, StoredExperiment } from '../worker/trainingProtocol';
import type { ProbeResult } from '../core/engine/probe';

export { DEFAULT_SETTINGS, type TrainingSettings } from '../core/engine/configuration';

export interface LiveExperiment {
  request: ExperimentRequest;
  snapshot: ExperimentSnapshot | null;
  status: ExperimentStatus;
  message?: string;
  stepsPerEpoch: number;
  startedAt: number;
  /** Steps taken over all runs since this start or resume (from step events). */
  stepsDone: number;
  /** Steps the runs had taken before a resume (0 for a fresh start): the progress bar starts there. */
  stepsBefore?: number;
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
  /** The planner's step-time probe of the configuration `key` (its request without id and date). */
  probe: { key: string; status: 'running' | 'done' | 'failed'; result?: ProbeResult; message?: string } | null;
  error: string | null;
}

export interface TrainingSlice {
  training: TrainingState;
}

export function initialTraining(): TrainingState {
  return {
    backend: null,
    backendStatus: 'idle',
    backendMessage: null,
    skipped: [],
    forced: 'auto',
    settings: defaultSettings(),
    live: null,
    experiments: [],
    brokenExperiments: [],
    viewing: null,
    inference: null,
    probe: null,
    error: null,
  };
}

export const createTrainingSlice: StateCreator<TrainingSlice, [], [], TrainingSlice> = () => ({ training: initialTraining() });
