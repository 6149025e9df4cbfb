/**
 * What the engine's services report and answer, as plain data (numbers, strings, typed arrays):
 * the browser worker posts these to the page unchanged, a command line prints them. tfjs-free.
 */
import type { ExperimentEvent, ExperimentSnapshot } from '../training/experiment';
import type { ExperimentStatus } from '../training/experimentFile';

export type EngineEvent =
  /** An experiment has built its models and takes its first step (or continues from a checkpoint). */
  | { type: 'started'; id: string; snapshot: ExperimentSnapshot; stepsPerEpoch: number }
  /** Every step, epoch, end of run and test result (core/training/experiment.ts). */
  | { type: 'experiment'; id: string; event: ExperimentEvent }
  /** The history after an epoch, an end of run or test results. */
  | { type: 'snapshot'; id: string; snapshot: ExperimentSnapshot }
  /** The experiment ended: 'finished' (every run ended by itself), 'stopped' or 'failed'. */
  | { type: 'ended'; id: string; status: ExperimentStatus; message?: string; snapshot: ExperimentSnapshot | null }
  /** Something went wrong that does not end the experiment (a record or weights not saved). */
  | { type: 'error'; message: string };

export type EngineEventSink = (e: EngineEvent) => void;

/** How an experiment ended (the 'ended' event's content). */
export interface RunOutcome {
  id: string;
  status: ExperimentStatus;
  message?: string;
  snapshot: ExperimentSnapshot | null;
}

export interface RunPrediction {
  run: string;
  /** One label map per requested slice (slice width × height, class per pixel). */
  labels: Uint8Array[];
  /** Epochs the weights had seen, and whether they are the run's best (stored or restored) weights. */
  epochs: number;
  weights: 'current' | 'best';
}

export interface PredictionResult {
  results: RunPrediction[];
  /** Runs that could not answer, with the reason (the others still did). */
  failed: { run: string; message: string }[];
}

/** Per-case test metrics of a model run on a dataset, one entry per foreground class. */
export interface InferenceCaseResult {
  id: string;
  dsc: number[];
  iou: number[];
  precision: number[];
  recall: number[];
}
