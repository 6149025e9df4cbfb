/**
 * Progress of an experiment for people: steps done out of the most it can take (runs × the
 * fewer of epoch limit × steps per epoch and the step budget; early stopping may end it sooner), the time left at the rate so far,
 * and durations written for reading. tfjs-free: the page and the command line both use it.
 */

export interface ProgressInput {
  runs: number;
  maxEpochs: number;
  stepsPerEpoch: number;
  /** The step budget of a run (TrainingConfig.maxSteps); null or absent: none. */
  maxSteps?: number | null;
  stepsDone: number;
  elapsedSeconds: number;
}

export interface ProgressEstimate {
  /** The most steps the experiment can take. */
  total: number;
  done: number;
  /** 0…1. */
  fraction: number;
  /** Seconds left at the rate so far (NaN before the first step). */
  etaSeconds: number;
}

export function estimateProgress(p: ProgressInput): ProgressEstimate {
  const perRun = Math.min(p.maxEpochs * Math.max(1, p.stepsPerEpoch), p.maxSteps ?? Infinity);
  const total = Math.max(1, p.runs * perRun);
  const done = Math.min(p.stepsDone, total);
  const etaSeconds = done > 0 && p.elapsedSeconds > 0 ? ((total - done) * p.elapsedSeconds) / done : Number.NaN;
  return { total, done, fraction: done / total, etaSeconds };
}

/** 42 s, 7 min, 2.5 h. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
