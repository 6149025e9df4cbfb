/**
 * What the Train view says about the experiment before it starts and while it runs, as pure
 * functions of the settings and the live experiment (tested in Node):
 * - the run count (loss configurations × seeds × folds) shown beside the Start button;
 * - the progress bar and time left, with the step budget (core/training/progress.ts).
 */
import { SETTING_LIMITS, withinRule, type StudioConfiguration } from '../../core/engine/configuration';
import { configurationRuns } from '../../core/engine/experimentRequest';
import { DEFAULT_TRAINING } from '../../core/training/config';
import { EXPERIMENT_LIMITS } from '../../core/training/experimentFile';
import { estimateProgress, type ProgressEstimate } from '../../core/training/progress';
import type { LiveExperiment } from '../../state/trainingSlice';

export interface RunPlan {
  /** Loss configurations: ticked losses, or γ-sweep runs. */
  configurations: number;
  seeds: number;
  folds: number;
  runs: number;
  /** "8 loss configurations × 3 seeds × 2 folds = 48 runs" (factors of 1 left out). */
  text: string;
  /** Why Start would refuse this count, or null. */
  tooMany: string | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The runs the settings train, or null while seeds or folds are out of their bounds. */
export function runPlan(configuration: Pick<StudioConfiguration, 'settings' | 'params'>): RunPlan | null {
  const { settings } = configuration;
  const { seeds, folds } = settings;
  if (!withinRule(SETTING_LIMITS.seeds, seeds) || !withinRule(SETTING_LIMITS.folds, folds)) return null;
  const configurations = configurationRuns({ settings: { ...settings, seeds: 1, folds: 1 }, params: configuration.params }).length;
  const runs = configurations * seeds * folds;
  const factors = [plural(configurations, 'loss configuration'), ...(seeds > 1 ? [plural(seeds, 'seed')] : []), ...(folds > 1 ? [plural(folds, 'fold')] : [])];
  const text = factors.length > 1 ? `${factors.join(' × ')} = ${plural(runs, 'run')}` : plural(runs, 'run');
  const tooMany = runs > EXPERIMENT_LIMITS.runs ? `more than the ${EXPERIMENT_LIMITS.runs} runs an experiment holds` : null;
  return { configurations, seeds, folds, runs, text, tooMany };
}

/**
 * The live experiment's progress: steps done out of the most its runs can take (epoch limit ×
 * steps per epoch, or the step budget when that is fewer) and the time left at the rate so far.
 * A resumed experiment counts the steps it had taken before, and its rate from the resume on.
 */
export function liveProgress(live: Pick<LiveExperiment, 'request' | 'snapshot' | 'stepsPerEpoch' | 'stepsDone' | 'stepsBefore' | 'startedAt'>, now: number): ProgressEstimate {
  // The engine's resolved configuration once it has started; the request's (with the defaults) before.
  const resolved = live.snapshot?.config;
  const asked = live.request.training;
  const before = live.stepsBefore ?? 0;
  const elapsed = Math.max(0, (now - live.startedAt) / 1000);
  return estimateProgress({
    runs: live.request.runs.length,
    maxEpochs: resolved?.maxEpochs ?? asked.maxEpochs ?? DEFAULT_TRAINING.maxEpochs,
    stepsPerEpoch: live.stepsPerEpoch,
    maxSteps: resolved ? resolved.maxSteps : (asked.maxSteps ?? DEFAULT_TRAINING.maxSteps),
    stepsDone: before + live.stepsDone,
    // The time the steps done would have taken at this session's rate (the rate is what the estimate uses).
    elapsedSeconds: live.stepsDone > 0 ? (elapsed * (before + live.stepsDone)) / live.stepsDone : 0,
  });
}
