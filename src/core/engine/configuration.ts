/**
 * The configuration of an experiment as the studio's Train view shows it and its configuration
 * link carries it (configLink.ts): the losses to compare with their parameters, the model and
 * the training protocol. Both hosts build the experiment from it (experimentRequest.ts), so a
 * link run in the studio and on a command line trains the same experiment. tfjs-free.
 */
import { PAPER_COMPARISON, type LossId, type ResolvedParams } from '../losses/registry';
import { UNET_LIMITS } from '../model/spec';
import { DEFAULT_TRAINING, RESOLUTIONS, type CheckpointMetric, type Resolution, type SliceSelection } from '../training/config';
import { DEFAULT_MEMORY_BUDGET } from './planner';

export interface TrainingSettings {
  losses: LossId[];
  /** The paper's Figure 3: each ticked unified loss at γ = 0.1 … 0.9 instead of one run per loss. */
  gammaSweep: boolean;
  /**
   * The model's input width and height (multiples of 16 and of 2^depth): the patch size at
   * native resolution, the size images are fitted into otherwise.
   */
  inputWidth: number;
  inputHeight: number;
  depth: number;
  baseFilters: number;
  maxEpochs: number;
  /** 0: one pass over the training samples per epoch. */
  stepsPerEpoch: number;
  /** The most optimizer steps a run takes; 0: no budget (maxEpochs and early stopping end it). */
  maxSteps: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  scheduling: 'interleaved' | 'sequential';
  seed: number;
  /** Training slices of volumes: all, or only those with foreground. */
  slices: SliceSelection;
  /** The paper's augmentation (scaling, rotation, mirroring, elastic, brightness) on or off. */
  augment: boolean;
  /** The validation score that picks the checkpoint tested: the lowest loss (the paper) or the highest per-case DSC. */
  checkpointMetric: CheckpointMetric;
  /**
   * Training seeds per loss configuration: seeds seed, seed + 1, …, seed + seeds − 1 (initial
   * weights, sample order, augmentation), on the same split. 1: one run per configuration.
   */
  seeds: number;
  /**
   * Folds of the development set (training + validation cases, redistributed; the test cases
   * stay): each loss configuration is trained once per fold with that fold as its validation
   * set. 1: the split as it is.
   */
  folds: number;
  /** Native resolution (patches, sliding windows) or resize-to-fit, the quick look (training/config.ts Resolution). */
  resolution: Resolution;
  /** 2: a 2D U-Net on images and axial slices; 3: a 3D U-Net on 3D patches of volumes (native resolution only). */
  dims: 2 | 3;
  /** 3D: slices (z) of a patch, a multiple of 16 (and of 2^depth). */
  inputDepth: number;
  /** 3D: the spacing in mm [x, y, z] volumes are resampled to; null: each volume at its own. */
  spacing: [number, number, number] | null;
  /** The memory a training step may use, MiB (the planner's budget; Start refuses a larger plan). */
  memoryBudget: number;
}

/**
 * The studio's defaults. The protocol is the paper's (DEFAULT_TRAINING: optimizer, learning rate,
 * batch, seed, slices, checkpoint); the model and the epoch limit are sized for a first run in a
 * browser tab (30 epochs, not the paper's 100); the memory budget is the planner's.
 */
export const DEFAULT_SETTINGS: Readonly<TrainingSettings> = Object.freeze({
  losses: [...PAPER_COMPARISON],
  gammaSweep: false,
  inputWidth: 64,
  inputHeight: 64,
  depth: 3,
  baseFilters: 8,
  maxEpochs: 30,
  stepsPerEpoch: 0,
  maxSteps: 0,
  batchSize: DEFAULT_TRAINING.batchSize,
  learningRate: DEFAULT_TRAINING.learningRate,
  optimizer: DEFAULT_TRAINING.optimizer,
  scheduling: 'interleaved',
  seed: DEFAULT_TRAINING.seed,
  slices: DEFAULT_TRAINING.slices,
  augment: DEFAULT_TRAINING.augmentation !== null,
  checkpointMetric: DEFAULT_TRAINING.checkpointMetric,
  seeds: 1,
  folds: 1,
  resolution: 'native',
  dims: 2,
  inputDepth: 32,
  spacing: null,
  memoryBudget: DEFAULT_MEMORY_BUDGET / 1024 ** 2,
});

/** A fresh copy of the defaults. */
export function defaultSettings(): TrainingSettings {
  return { ...DEFAULT_SETTINGS, losses: [...DEFAULT_SETTINGS.losses] };
}

/** What the loss explorer shows (a link may carry it; it does not change the experiment). */
export interface ExplorerView {
  selected: LossId[];
  focused: LossId;
}

export interface StudioConfiguration {
  settings: TrainingSettings;
  /** Parameters of the losses in play (the ticked ones and those the explorer shows); a loss without an entry is at the paper's settings. */
  params: Partial<Record<LossId, ResolvedParams>>;
  explorer?: ExplorerView;
  /**
   * The seed of the dataset's train/validation/test split (core/data/split.ts splitCases), when
   * the configuration states it: a command line then splits the dataset as the studio did.
   */
  splitSeed?: number;
}

export type NumericSetting =
  | 'maxEpochs'
  | 'depth'
  | 'baseFilters'
  | 'batchSize'
  | 'learningRate'
  | 'seed'
  | 'stepsPerEpoch'
  | 'maxSteps'
  | 'inputWidth'
  | 'inputHeight'
  | 'seeds'
  | 'folds'
  | 'inputDepth'
  | 'memoryBudget';

export interface NumberRule {
  kind: 'integer' | 'number';
  min: number;
  max: number;
  /** How the range reads in an error message. */
  range: string;
  /** Values must be multiples of this. */
  step?: number;
}

/** An integer rule over lo … hi, as the model's limits state them. */
const integerRule = ([min, max]: readonly [number, number]) => ({ kind: 'integer', min, max, range: `${min}…${max}` }) as const;

/**
 * The valid numeric settings: the Train view's fields, the link and the command line share them.
 * Depth and base filters are the 2D U-Net's limits (model/spec.ts), which the 3D U-Net's contain.
 */
export const SETTING_LIMITS = {
  maxEpochs: { kind: 'integer', min: 1, max: 1000, range: '1…1000' },
  depth: integerRule(UNET_LIMITS.depth),
  baseFilters: integerRule(UNET_LIMITS.baseFilters),
  batchSize: { kind: 'integer', min: 1, max: 64, range: '1…64' },
  learningRate: { kind: 'number', min: 1e-6, max: 10, range: '1e-6…10' },
  seed: { kind: 'integer', min: 0, max: 2 ** 31 - 1, range: '0…2147483647' },
  stepsPerEpoch: { kind: 'integer', min: 0, max: 10000, range: '0…10000' },
  maxSteps: { kind: 'integer', min: 0, max: 10_000_000, range: '0…10000000' },
  inputWidth: { kind: 'integer', min: 16, max: 512, step: 16, range: '16…512, a multiple of 16' },
  inputHeight: { kind: 'integer', min: 16, max: 512, step: 16, range: '16…512, a multiple of 16' },
  seeds: { kind: 'integer', min: 1, max: 10, range: '1…10' },
  folds: { kind: 'integer', min: 1, max: 10, range: '1…10' },
  inputDepth: { kind: 'integer', min: 16, max: 256, step: 16, range: '16…256, a multiple of 16' },
  memoryBudget: { kind: 'integer', min: 64, max: 1_048_576, range: '64…1048576 (MiB)' },
} as const satisfies Record<NumericSetting, NumberRule>;

/** The square sizes the link's `size` key and the Train view's size menu offer. */
export const INPUT_SIZES = [32, 64, 128, 256] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const SCHEDULINGS = ['interleaved', 'sequential'] as const;
export const SLICE_SELECTIONS = ['all', 'foreground'] as const;
export const CHECKPOINT_METRICS = ['valLoss', 'valDsc'] as const;

/** Whether `n` keeps to a rule. */
export function withinRule(rule: NumberRule, n: number): boolean {
  return Number.isFinite(n) && n >= rule.min && n <= rule.max && (rule.kind === 'number' || Number.isInteger(n)) && (rule.step === undefined || n % rule.step === 0);
}

/** What is wrong with settings, one sentence each (field names as in TrainingSettings); empty when nothing is. */
export function settingsProblems(s: TrainingSettings): string[] {
  const p: string[] = [];
  for (const [field, rule] of Object.entries(SETTING_LIMITS) as [NumericSetting, NumberRule][]) {
    const v = s[field];
    if (typeof v !== 'number' || !withinRule(rule, v)) p.push(`${field} must be ${rule.kind === 'integer' ? 'an integer' : 'a number'} ${rule.range}, got ${String(v)}`);
  }
  if (!(OPTIMIZERS as readonly string[]).includes(s.optimizer)) p.push(`optimizer must be ${OPTIMIZERS.join(' or ')}, got ${String(s.optimizer)}`);
  if (!(SCHEDULINGS as readonly string[]).includes(s.scheduling)) p.push(`scheduling must be ${SCHEDULINGS.join(' or ')}, got ${String(s.scheduling)}`);
  if (!(SLICE_SELECTIONS as readonly string[]).includes(s.slices)) p.push(`slices must be ${SLICE_SELECTIONS.join(' or ')}, got ${String(s.slices)}`);
  if (!(RESOLUTIONS as readonly string[]).includes(s.resolution)) p.push(`resolution must be ${RESOLUTIONS.join(' or ')}, got ${String(s.resolution)}`);
  if (!(CHECKPOINT_METRICS as readonly string[]).includes(s.checkpointMetric)) p.push(`checkpointMetric must be ${CHECKPOINT_METRICS.join(' or ')}, got ${String(s.checkpointMetric)}`);
  if (s.dims !== 2 && s.dims !== 3) p.push(`dims must be 2 or 3, got ${String(s.dims)}`);
  const m = 2 ** s.depth;
  for (const k of ['inputWidth', 'inputHeight'] as const) {
    if (Number.isInteger(s.depth) && Number.isInteger(s[k]) && s[k] % m !== 0 && withinRule(SETTING_LIMITS[k], s[k])) p.push(`${k} ${s[k]} must be a multiple of 2^depth = ${m}`);
  }
  if (s.dims === 3) {
    if (s.resolution === 'fit') p.push('a 3D U-Net trains at native resolution (3D patches of the volumes): resolution fit is for 2D');
    if (Number.isInteger(s.depth) && Number.isInteger(s.inputDepth) && s.inputDepth % m !== 0) p.push(`inputDepth ${s.inputDepth} must be a multiple of 2^depth = ${m}`);
  }
  if (s.spacing !== null && !(Array.isArray(s.spacing) && s.spacing.length === 3 && s.spacing.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100))) {
    p.push(`spacing must be three numbers in mm, more than 0 and at most 100 (x, y, z), or none, got ${String(s.spacing)}`);
  }
  for (const k of ['gammaSweep', 'augment'] as const) if (typeof s[k] !== 'boolean') p.push(`${k} must be true or false, got ${String(s[k])}`);
  return p;
}
