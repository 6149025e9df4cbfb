/** The training state: the backend in use, the experiment running or shown, the stored ones. */
import type { StateCreator } from 'zustand';
import { defaultSettings, type TrainingSettings } from '../core/engine/configuration';
import type { ExperimentSnapshot } from '../core/training/experiment';
import type { BackendInfo, BackendName } from '../worker/backend';
import type { BrokenExperiment, ExperimentRequest, ExperimentStatus, StoredExperiment } from '../worker/trainingProtocol';
import type { ProbeResult } from '../core/engine/probe';
import type { BackendMeasurement } from '../worker/backendChoice';

export { DEFAULT_SETTINGS, type TrainingSettings } from '../core/engine/configuration';

/** The localStorage key of the backend the user asked for ('auto', 'webgpu', 'webgl' or 'cpu'). */
export const BACKEND_PREFERENCE_KEY = 'segstudio.backend';
const BACKEND_CHOICES: readonly (BackendName | 'auto')[] = ['auto', 'webgpu', 'webgl', 'cpu'];

/** The backend asked for in an earlier session; 'auto' when none was, or storage is unavailable. */
export function rememberedBackend(): BackendName | 'auto' {
  try {
    const v = globalThis.localStorage?.getItem(BACKEND_PREFERENCE_KEY);
    return BACKEND_CHOICES.find((c) => c === v) ?? 'auto';
  } catch {
    return 'auto';
  }
}

/** Keeps the backend asked for across reloads (nothing else is kept there). */
export function rememberBackend(choice: BackendName | 'auto'): void {
  try {
    if (choice === 'auto') globalThis.localStorage?.removeItem(BACKEND_PREFERENCE_KEY);
    else globalThis.localStorage?.setItem(BACKEND_PREFERENCE_KEY, choice);
  } catch {
    // Storage refused (private mode, quota): the choice holds for this session only.
  }
}

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
  /** 'measuring': the automatic mode is timing the backends on the model about to train. */
  backendStatus: 'idle' | 'starting' | 'measuring' | 'ready' | 'failed';
  backendMessage: string | null;
  skipped: string[];
  /** The backend asked for: one by name, or 'auto' (the fastest measured); kept across reloads (BACKEND_PREFERENCE_KEY). */
  forced: BackendName | 'auto';
  /** In automatic mode, the backends as timed on the last model started (worker/backendChoice.ts); null before. */
  measurements: BackendMeasurement[] | null;
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
    forced: rememberedBackend(),
    measurements: null,
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
