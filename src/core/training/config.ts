/**
 * Training configuration with the protocol of Yeung et al. 2022 ("Unified Focal loss",
 * Comput. Med. Imaging Graph. 95:102026) as the default:
 *
 * - stochastic gradient descent with an initial learning rate of 0.1 and a batch size of 2;
 * - the learning rate is multiplied by 0.1 when the validation loss has not improved for
 *   10 epochs;
 * - training stops when the validation loss has not improved for 20 epochs, and the weights of
 *   the epoch with the lowest validation loss are the ones evaluated on the test set;
 * - the paper's augmentation (data/augment.ts: scaling, rotation, mirroring, elastic
 *   deformation and brightness, each with probability 0.15), in 3-D by data/augment3d.ts.
 *
 * Momentum: the paper gives no momentum for its SGD, and Keras' SGD has momentum 0 by default,
 * so the default here is 0. With momentum > 0 tfjs's MomentumOptimizer is used
 * (v ← m·v + g, w ← w − lr·v); it equals Keras' form (v ← m·v − lr·g, w ← w + v) while the
 * learning rate is constant and differs only in how a learning-rate change acts on the
 * velocity already accumulated.
 *
 * The schedules follow the semantics of Keras' callbacks ReduceLROnPlateau, EarlyStopping and
 * ModelCheckpoint (the paper's reference code, mlyg/unified-focal-loss, is written for
 * TensorFlow/Keras); see schedule.ts.
 *
 * Improvement thresholds: Keras' ReduceLROnPlateau counts an epoch as an improvement only when
 * the loss falls by more than min_delta = 1e-4 (absolute); EarlyStopping and the best
 * checkpoint (ModelCheckpoint with save_best_only) use any strict decrease. Those are the
 * defaults below.
 *
 * The maximum number of epochs is not given by the paper (its training ends by early
 * stopping); 100 bounds a browser session. A total step budget (`maxSteps`) can end a run
 * sooner, in the middle of an epoch: that epoch is then ended (validated) at once.
 *
 * Which validation score picks the kept checkpoint is `checkpointMetric`: the lowest
 * validation loss (the paper, Keras' ModelCheckpoint), or the highest validation DSC, the same
 * per-case DSC the test metrics and the Results view report (every slice of a validation case
 * scored together at the case's own size, averaged over cases, then over foreground classes).
 * The learning-rate plateau and early stopping follow the validation loss either way; without
 * validation cases everything follows the training loss.
 *
 * Slices: `slices: 'foreground'` trains on the slices of volumes that contain foreground only
 * (samples.ts); validation and test cases are always scored on every slice.
 *
 * Every field is known: an unknown or misspelt one (`learningrate`, `augment`) is an error,
 * never silently ignored.
 */
import { DEFAULT_AUGMENTATION, validateAugmentation, type AugmentationConfig } from '../data/augment';

export type OptimizerName = 'sgd' | 'adam';
export type CheckpointMetric = 'valLoss' | 'valDsc';
export type SliceSelection = 'all' | 'foreground';
/**
 * How images meet the model's input size. 'native': at their own resolution; training draws
 * input-sized patches (a third centred on foreground, nnU-Net's rule) and validation, test and
 * predictions tile the whole image with Gaussian-weighted sliding windows (data/patches.ts,
 * slidingWindow.ts); images smaller than the input are padded. 'fit': the quick look; images
 * larger than the input are resampled to fit inside it (aspect ratio kept; bilinear images,
 * nearest labels) and scored after the prediction is brought back to their own size.
 */
export type Resolution = 'native' | 'fit';
export const RESOLUTIONS: readonly Resolution[] = Object.freeze(['native', 'fit']);

export interface TrainingConfig {
  /** 'sgd' (the paper) or 'adam' (β1 0.9, β2 0.999, tfjs's default ε). */
  readonly optimizer: OptimizerName;
  /** Initial learning rate. The paper: 0.1 with SGD. */
  readonly learningRate: number;
  /** SGD momentum in [0, 1). The paper: 0 (plain SGD). Ignored by Adam. */
  readonly momentum: number;
  /** Samples per optimizer step. The paper: 2. */
  readonly batchSize: number;
  /** Upper bound on the number of epochs. */
  readonly maxEpochs: number;
  /** Upper bound on the optimizer steps of a run (it ends in the middle of an epoch if need be); null: none. */
  readonly maxSteps: number | null;
  /**
   * Optimizer steps per epoch; null: ⌈training samples / batchSize⌉ (one pass over the
   * training set). More steps than that revisit samples in a fresh random order; fewer walk
   * through one shuffle across epochs, so that every sample is seen (trainer.ts). A 3-D
   * experiment's training samples are its volumes: null is ⌈training volumes / batchSize⌉ steps,
   * one random patch of each volume an epoch.
   */
  readonly stepsPerEpoch: number | null;
  /** Epochs without validation-loss improvement before the learning rate is reduced. The paper: 10. */
  readonly lrPlateauPatience: number;
  /** Factor applied to the learning rate on a plateau, in (0, 1). The paper: 0.1. */
  readonly lrFactor: number;
  /** Improvement the plateau schedule requires (absolute). Keras' default: 1e-4. */
  readonly lrPlateauMinDelta: number;
  /** The learning rate is never reduced below this. Keras' default: 0. */
  readonly minLearningRate: number;
  /** Epochs without validation-loss improvement before training stops. The paper: 20. */
  readonly earlyStopPatience: number;
  /** Improvement early stopping requires (absolute). Keras' default: 0 (any decrease). */
  readonly earlyStopMinDelta: number;
  /**
   * The training loss is read back from the device every N steps (the other steps return no
   * value), so the loop does not wait for the device after every step.
   */
  readonly lossReadEvery: number;
  /** Samples per forward pass when evaluating and predicting (no gradients). */
  readonly evalBatchSize: number;
  /**
   * Augmentation of training samples; null: none. Default: the paper's (data/augment.ts). 3-D
   * patches get the same transforms in 3-D (data/augment3d.ts, training/volumes.ts): rotation
   * about each axis, mirroring along each axis with `mirror.probability` (`horizontal` and
   * `vertical` are 2-D only), and α of the elastic deformation × 4.5 as nnU-Net's 3-D default.
   */
  readonly augmentation: AugmentationConfig | null;
  /**
   * Probability that a training patch is centred on foreground, used only when training
   * samples are larger than the model input (nnU-Net's 1/3, data/patches.ts).
   */
  readonly foregroundProbability: number;
  /** Seed of the sample order, the augmentation and the patch positions. */
  readonly seed: number;
  /** Training samples of volumes: every axial slice, or only those with foreground. */
  readonly slices: SliceSelection;
  /** The validation score that picks the kept checkpoint (see the file header). The paper: 'valLoss'. */
  readonly checkpointMetric: CheckpointMetric;
}

export const DEFAULT_TRAINING: TrainingConfig = Object.freeze({
  optimizer: 'sgd',
  learningRate: 0.1,
  momentum: 0,
  batchSize: 2,
  maxEpochs: 100,
  maxSteps: null,
  stepsPerEpoch: null,
  lrPlateauPatience: 10,
  lrFactor: 0.1,
  lrPlateauMinDelta: 1e-4,
  minLearningRate: 0,
  earlyStopPatience: 20,
  earlyStopMinDelta: 0,
  lossReadEvery: 5,
  evalBatchSize: 4,
  augmentation: DEFAULT_AUGMENTATION,
  foregroundProbability: 1 / 3,
  seed: 1,
  slices: 'all',
  checkpointMetric: 'valLoss',
});

/** The field names of a training configuration. */
export const TRAINING_FIELD_NAMES: readonly (keyof TrainingConfig)[] = Object.freeze(Object.keys(DEFAULT_TRAINING) as (keyof TrainingConfig)[]);

/** The fields of `o` that no training configuration has, each with the known one it resembles. */
export function unknownTrainingFields(o: object): string[] {
  return Object.keys(o)
    .filter((k) => !(TRAINING_FIELD_NAMES as readonly string[]).includes(k))
    .map((k) => `unknown training field "${k}"${didYouMean(k, TRAINING_FIELD_NAMES)}`);
}

/**
 * The known name that starts with `name` (3 letters or more) or is closest to it (case ignored,
 * at most a third of it edited); null when none is.
 */
export function closestName(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const longer = lower.length >= 3 ? known.find((k) => k.toLowerCase().startsWith(lower)) : undefined;
  if (longer) return longer;
  let best: string | null = null;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** " (did you mean x?)" for the {@link closestName}; '' when there is none. */
export function didYouMean(name: string, known: readonly string[]): string {
  const best = closestName(name, known);
  return best ? ` (did you mean ${best}?)` : '';
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The defaults with some fields replaced (undefined ones keep the default); an unknown field is a RangeError. */
export function trainingConfig(overrides: Partial<TrainingConfig> = {}): TrainingConfig {
  const unknown = unknownTrainingFields(overrides);
  if (unknown.length) throw new RangeError(`invalid training config: ${unknown.join('; ')}`);
  const out: Record<string, unknown> = { ...DEFAULT_TRAINING };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) out[k] = v;
  return out as unknown as TrainingConfig;
}

/** Problems with a configuration, one sentence each; empty when it is valid. */
export function trainingConfigProblems(config: TrainingConfig): string[] {
  const p: string[] = unknownTrainingFields(config);
  const posInt = (name: keyof TrainingConfig, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) p.push(`${name} must be a positive integer, got ${String(v)}`);
  };
  const nonNegInt = (name: keyof TrainingConfig, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) p.push(`${name} must be an integer ≥ 0, got ${String(v)}`);
  };
  const nonNeg = (name: keyof TrainingConfig, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) p.push(`${name} must be a finite number ≥ 0, got ${String(v)}`);
  };
  if (config.optimizer !== 'sgd' && config.optimizer !== 'adam') {
    p.push(`optimizer must be 'sgd' or 'adam', got ${String(config.optimizer)}`);
  }
  if (!(typeof config.learningRate === 'number' && Number.isFinite(config.learningRate) && config.learningRate > 0)) {
    p.push(`learningRate must be a finite number > 0, got ${String(config.learningRate)}`);
  }
  if (!(typeof config.momentum === 'number' && config.momentum >= 0 && config.momentum < 1)) {
    p.push(`momentum must be in [0, 1), got ${String(config.momentum)}`);
  }
  posInt('batchSize', config.batchSize);
  posInt('maxEpochs', config.maxEpochs);
  if (config.maxSteps !== null) posInt('maxSteps', config.maxSteps);
  if (config.stepsPerEpoch !== null) posInt('stepsPerEpoch', config.stepsPerEpoch);
  posInt('lrPlateauPatience', config.lrPlateauPatience);
  if (!(typeof config.lrFactor === 'number' && config.lrFactor > 0 && config.lrFactor < 1)) {
    p.push(`lrFactor must be in (0, 1), got ${String(config.lrFactor)}`);
  }
  nonNeg('lrPlateauMinDelta', config.lrPlateauMinDelta);
  nonNeg('minLearningRate', config.minLearningRate);
  if (typeof config.minLearningRate === 'number' && config.minLearningRate > config.learningRate) {
    p.push(`minLearningRate (${config.minLearningRate}) must not exceed learningRate (${config.learningRate})`);
  }
  nonNegInt('earlyStopPatience', config.earlyStopPatience);
  if (config.earlyStopPatience === 0) p.push('earlyStopPatience must be at least 1 (use a large value to disable early stopping)');
  nonNeg('earlyStopMinDelta', config.earlyStopMinDelta);
  posInt('lossReadEvery', config.lossReadEvery);
  posInt('evalBatchSize', config.evalBatchSize);
  if (config.augmentation !== null) {
    for (const problem of validateAugmentation(config.augmentation)) p.push(`augmentation: ${problem}`);
  }
  if (!(typeof config.foregroundProbability === 'number' && config.foregroundProbability >= 0 && config.foregroundProbability <= 1)) {
    p.push(`foregroundProbability must be in [0, 1], got ${String(config.foregroundProbability)}`);
  }
  if (!(typeof config.seed === 'number' && Number.isFinite(config.seed))) p.push(`seed must be a finite number, got ${String(config.seed)}`);
  if (config.slices !== 'all' && config.slices !== 'foreground') p.push(`slices must be 'all' or 'foreground', got ${String(config.slices)}`);
  if (config.checkpointMetric !== 'valLoss' && config.checkpointMetric !== 'valDsc') p.push(`checkpointMetric must be 'valLoss' or 'valDsc', got ${String(config.checkpointMetric)}`);
  return p;
}

/** Throws a RangeError listing every problem when the configuration is invalid. */
export function validateTrainingConfig(config: TrainingConfig): TrainingConfig {
  const problems = trainingConfigProblems(config);
  if (problems.length > 0) throw new RangeError(`invalid training config: ${problems.join('; ')}`);
  return config;
}

/** Steps in one epoch: config.stepsPerEpoch, or one pass over `trainSamples` in batches. */
export function resolveStepsPerEpoch(config: TrainingConfig, trainSamples: number): number {
  if (config.stepsPerEpoch !== null) return config.stepsPerEpoch;
  if (!(trainSamples > 0)) throw new RangeError('there are no training samples');
  return Math.ceil(trainSamples / config.batchSize);
}

/**
 * A configuration kept by an older studio with the fields it did not have yet at their
 * defaults; anything but an object comes back as it is.
 */
export function withTrainingDefaults<T>(config: T): T {
  return typeof config === 'object' && config !== null && !Array.isArray(config) ? ({ ...DEFAULT_TRAINING, ...config } as T) : config;
}
