/**
 * The experiment a configuration defines on a dataset: the runs (one per ticked loss at its
 * parameters, or the γ sweep of the ticked unified focal losses), the U-Net, the training
 * protocol and the split. The studio's Start button and the command line both build the
 * ExperimentRequest the engine trains here, so one configuration link trains one experiment
 * wherever it runs. tfjs-free.
 */
import { DEFAULT_AUGMENTATION } from '../data/augment';
import type { DatasetSplit } from '../data/split';
import type { Case } from '../data/types';
import { LOSSES, paperParams, type LossId } from '../losses/registry';
import type { ExperimentRequest } from '../training/experimentFile';
import { gammaSweepRuns, replicateRuns, type RunSpec } from '../training/runs';
import { EXPERIMENT_LIMITS } from '../training/experimentFile';
import { settingsProblems, type StudioConfiguration } from './configuration';

/** What an experiment records about its dataset (ExperimentRequest['dataset']). */
export type DatasetFacts = ExperimentRequest['dataset'];

/** The image channels a model takes for images of `channels` channels: alpha dropped, at most 3. */
export function modelChannels(channels: number): number {
  return Math.min(3, channels === 2 || channels === 4 ? channels - 1 : channels);
}

/**
 * The facts of a loaded dataset: its case ids in order, its classes (the label mapping's), the
 * model's input channels (from the first case's image), where it came from and a description
 * (the pairing's layout).
 */
export function describeDataset(cases: readonly Pick<Case, 'id' | 'image'>[], opts: { numClasses: number; origin: DatasetFacts['origin']; description: string }): DatasetFacts {
  return { origin: opts.origin, description: opts.description, numClasses: opts.numClasses, channels: modelChannels(cases[0]?.image.channels ?? 1), caseIds: cases.map((c) => c.id) };
}

/** A configuration that defines no experiment, with the reasons. */
export class ConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ConfigurationError';
  }
}

const UNIFIED: readonly LossId[] = ['symmetricUnifiedFocal', 'asymmetricUnifiedFocal'];

/**
 * The runs a configuration trains, in order: one per ticked loss at its parameters (or the γ
 * sweep of the ticked unified focal losses), each repeated over the configuration's seeds and
 * folds (runs.ts replicateRuns).
 */
export function configurationRuns(configuration: Pick<StudioConfiguration, 'settings' | 'params'>): RunSpec[] {
  const { settings, params } = configuration;
  const base = settings.gammaSweep
    ? gammaSweepRuns(settings.losses.filter((id) => UNIFIED.includes(id)))
    : settings.losses.map((loss) => ({ loss, params: { ...(params[loss] ?? paperParams(loss)) } }));
  return replicateRuns(base, { seeds: settings.seeds ?? 1, folds: settings.folds ?? 1, firstSeed: settings.seed });
}

/** A fresh experiment id: the time and a random suffix (ids never contain '/'). */
export function newExperimentId(now: Date = new Date()): string {
  return `exp-${now.toISOString().replace(/[:.]/g, '-')}-${Math.floor(Math.random() * 1e6)}`;
}

/**
 * The ExperimentRequest of a configuration on a dataset with a split. Throws a
 * ConfigurationError when the configuration defines no experiment (no loss, a γ sweep without
 * a unified focal loss, a setting out of its bounds) or the split names cases the dataset lacks.
 * `id` and `createdAt` default to a fresh id and now.
 */
export function buildExperimentRequest(
  configuration: Pick<StudioConfiguration, 'settings' | 'params'>,
  dataset: DatasetFacts,
  split: DatasetSplit,
  opts: { id?: string; createdAt?: Date } = {},
): ExperimentRequest {
  const { settings } = configuration;
  const problems = settingsProblems(settings);
  const unified = settings.losses.filter((id) => UNIFIED.includes(id));
  if (!settings.losses.length) problems.push('no loss to train: choose at least one');
  else if (settings.gammaSweep && !unified.length) problems.push('the γ sweep needs a unified focal loss (symmetric or asymmetric) among the losses');
  const known = new Set(dataset.caseIds);
  for (const k of ['train', 'validation', 'test'] as const) {
    const missing = split[k].filter((id) => !known.has(id));
    if (missing.length) problems.push(`the ${k} split names ${missing.length} case${missing.length === 1 ? '' : 's'} the dataset does not have (e.g. ${missing.slice(0, 3).join(', ')})`);
  }
  const development = split.train.length + split.validation.length;
  if (!problems.length && settings.folds > 1 && development < settings.folds) {
    problems.push(`${settings.folds} folds need at least ${settings.folds} development (training + validation) cases; the split has ${development}`);
  }
  const base = settings.gammaSweep ? unified.length * 9 : settings.losses.length;
  const runCount = base * (settings.seeds ?? 1) * (settings.folds ?? 1);
  if (!problems.length && runCount > EXPERIMENT_LIMITS.runs) {
    problems.push(`${runCount} runs (${base} loss configurations × ${settings.seeds} seeds × ${settings.folds} folds) are more than an experiment holds (${EXPERIMENT_LIMITS.runs})`);
  }
  if (problems.length) throw new ConfigurationError(problems);
  const createdAt = opts.createdAt ?? new Date();
  const shorts = (settings.gammaSweep ? unified : settings.losses).map((id) => LOSSES[id].short).join(' · ');
  return {
    id: opts.id ?? newExperimentId(createdAt),
    name: `${settings.gammaSweep ? `γ sweep of ${shorts}` : shorts}${replicateWords(settings.seeds, settings.folds)} on ${dataset.description || 'data'}${settings.dims === 3 ? ' (3D)' : ''}`,
    createdAt: createdAt.toISOString(),
    runs: configurationRuns(configuration),
    training: {
      maxEpochs: settings.maxEpochs,
      maxSteps: settings.maxSteps > 0 ? settings.maxSteps : null,
      stepsPerEpoch: settings.stepsPerEpoch > 0 ? settings.stepsPerEpoch : null,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      optimizer: settings.optimizer,
      seed: settings.seed,
      augmentation: settings.augment ? DEFAULT_AUGMENTATION : null,
      slices: settings.slices,
      checkpointMetric: settings.checkpointMetric,
    },
    model: {
      inputHeight: settings.inputHeight,
      inputWidth: settings.inputWidth,
      depth: settings.depth,
      baseFilters: settings.baseFilters,
      seed: settings.seed,
      ...(settings.dims === 3 ? { inputDepth: settings.inputDepth } : {}),
    },
    dims: settings.dims,
    resolution: settings.resolution,
    ...(settings.dims === 3 ? { spacing: settings.spacing ? [...settings.spacing] : null } : {}),
    scheduling: settings.scheduling,
    interleave: 'epoch',
    split: { train: [...split.train], validation: [...split.validation], test: [...split.test] },
    dataset: { ...dataset, caseIds: [...dataset.caseIds] },
  };
}

/** ", 3 seeds × 5 folds" (nothing for one seed and one fold). */
function replicateWords(seeds = 1, folds = 1): string {
  const parts = [...(seeds > 1 ? [`${seeds} seeds`] : []), ...(folds > 1 ? [`${folds} folds`] : [])];
  return parts.length ? `, ${parts.join(' × ')}` : '';
}
