/** Messages between the page and the training worker (which owns tfjs, the backend and every tensor). */
import type { Case } from '../core/data/types';
import type { BrokenExperiment } from '../core/engine/store';
import type { ProbeResult } from '../core/engine/probe';
import type { EngineEvent, InferenceCaseResult, RunPrediction } from '../core/engine/types';
import type { ExperimentFile, ExperimentRequest, ModelFiles, StoredExperiment } from '../core/training/experimentFile';
import type { BackendInfo, BackendName } from './backend';
import type { BackendMeasurement } from './backendChoice';

export type { ExperimentFile, ExperimentRequest, ExperimentStatus, ModelFiles, StoredExperiment } from '../core/training/experimentFile';
export type { BrokenExperiment } from '../core/engine/store';
export type { InferenceCaseResult, RunPrediction } from '../core/engine/types';

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

export type TrainingCommand =
  | { type: 'init'; backend: BackendName | 'auto' }
  | { type: 'exportExperiment'; id: string }
  | { type: 'importExperiment'; file: ExperimentFile }
  | { type: 'exportModel'; id: string; run: string }
  | { type: 'infer'; model: ModelFiles; name: string; cases: Case[]; numClasses: number }
  /** `modelKey` names the model (the page's probeKey): in automatic mode the backends are measured once per model. */
  | { type: 'start'; request: ExperimentRequest; cases: Case[]; datasetKey: string; modelKey: string }
  | { type: 'resume'; id: string; cases: Case[]; datasetKey: string }
  | ({ type: 'predict' } & PredictRequest)
  | { type: 'stop' }
  /** Times a few training steps of a request's model on the running backend (core/engine/probe.ts). */
  | { type: 'probe'; request: ExperimentRequest; key: string }
  | { type: 'list' }
  /** Deletes a stored experiment (a StoredExperiment's or a BrokenExperiment's id), its weights and checkpoint. */
  | { type: 'remove'; id: string };

export type TrainingEvent =
  /** The backend in place; with `measurements` when the automatic mode timed the backends on a model (backendChoice.ts). */
  | { type: 'ready'; backend: BackendInfo; skipped: string[]; measurements?: BackendMeasurement[] }
  /** The automatic mode is timing the backends on the model about to train. */
  | { type: 'backendMeasuring' }
  | { type: 'backendFailed'; message: string }
  /** started, experiment (steps, epochs, results), snapshot, ended, error: core/engine/types.ts */
  | EngineEvent
  /** The stored experiments, newest first, and the stored records that fail validation. */
  | { type: 'experiments'; list: StoredExperiment[]; broken: BrokenExperiment[] }
  | { type: 'experimentFile'; file: ExperimentFile }
  | { type: 'modelFiles'; name: string; model: ModelFiles }
  | { type: 'inferenceFailed'; name: string; message: string }
  | { type: 'inference'; name: string; perCase: InferenceCaseResult[] }
  | { type: 'prediction'; requestId: number; results: RunPrediction[]; failed: { run: string; message: string }[] }
  | { type: 'predictionFailed'; requestId: number; message: string; missingCase?: boolean }
  | { type: 'probe'; key: string; result: ProbeResult }
  | { type: 'probeFailed'; key: string; message: string };
