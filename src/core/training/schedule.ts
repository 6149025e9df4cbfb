/**
 * The epoch-end rules of the paper's training protocol (Yeung et al. 2022, "Unified Focal
 * loss", Comput. Med. Imaging Graph. 95:102026) as pure state machines over the validation loss,
 * minimised, with the semantics of the Keras callbacks of the same names (the paper's reference
 * code, mlyg/unified-focal-loss, is written for TensorFlow/Keras):
 *
 * - {@link ReduceLROnPlateau}: learning rate × factor after `patience` epochs without
 *   improvement (paper: × 0.1 after 10), as keras.callbacks.ReduceLROnPlateau (mode 'min').
 * - {@link EarlyStopping}: stop after `patience` epochs without improvement (paper: 20), as
 *   keras.callbacks.EarlyStopping (mode 'min').
 * - {@link BestCheckpoint}: which epoch had the lowest validation loss, as
 *   keras.callbacks.ModelCheckpoint(save_best_only=True).
 *
 * Improvement is Keras' test `current < best − minDelta`: ties are not improvements, and NaN
 * never is (every comparison with NaN is false), so a diverged epoch counts as one without
 * improvement. The first finite loss always improves on the initial best of +∞.
 *
 * Every tracker has a plain-number `state` for snapshots and can be rebuilt from it.
 */

/** Keras' improvement test in 'min' mode: current < best − minDelta (false for NaN). */
export function isImprovement(current: number, best: number, minDelta = 0): boolean {
  return current < best - minDelta;
}

export interface PlateauOptions {
  /** Epochs without improvement before the learning rate is reduced (≥ 1). */
  patience: number;
  /** Multiplier in (0, 1). */
  factor: number;
  /** Required decrease (absolute, ≥ 0). Keras' default 1e-4. */
  minDelta?: number;
  /** Floor of the learning rate. Default 0. */
  minLearningRate?: number;
  /** Epochs after a reduction during which no epoch counts towards the patience. Default 0. */
  cooldown?: number;
}

export interface PlateauState {
  learningRate: number;
  best: number;
  wait: number;
  cooldownLeft: number;
  reductions: number;
}

export interface PlateauUpdate {
  learningRate: number;
  improved: boolean;
  reduced: boolean;
}

export class ReduceLROnPlateau {
  private readonly patience: number;
  private readonly factor: number;
  private readonly minDelta: number;
  private readonly minLearningRate: number;
  private readonly cooldown: number;
  private s: PlateauState;

  constructor(initialLearningRate: number, options: PlateauOptions, state?: PlateauState) {
    if (!(Number.isFinite(initialLearningRate) && initialLearningRate > 0)) {
      throw new RangeError(`ReduceLROnPlateau: learning rate must be > 0, got ${initialLearningRate}`);
    }
    if (!(Number.isInteger(options.patience) && options.patience >= 1)) {
      throw new RangeError(`ReduceLROnPlateau: patience must be an integer ≥ 1, got ${options.patience}`);
    }
    if (!(options.factor > 0 && options.factor < 1)) {
      throw new RangeError(`ReduceLROnPlateau: factor must be in (0, 1), got ${options.factor}`);
    }
    this.patience = options.patience;
    this.factor = options.factor;
    this.minDelta = checkNonNegative('ReduceLROnPlateau: minDelta', options.minDelta ?? 0);
    this.minLearningRate = checkNonNegative('ReduceLROnPlateau: minLearningRate', options.minLearningRate ?? 0);
    this.cooldown = options.cooldown ?? 0;
    if (!(Number.isInteger(this.cooldown) && this.cooldown >= 0)) {
      throw new RangeError(`ReduceLROnPlateau: cooldown must be an integer ≥ 0, got ${this.cooldown}`);
    }
    this.s = state ? { ...state } : { learningRate: initialLearningRate, best: Infinity, wait: 0, cooldownLeft: 0, reductions: 0 };
  }

  get learningRate(): number {
    return this.s.learningRate;
  }

  get state(): PlateauState {
    return { ...this.s };
  }

  /** Feed one epoch's validation loss; returns the learning rate for the next epoch. */
  update(valLoss: number): PlateauUpdate {
    const s = this.s;
    const inCooldown = s.cooldownLeft > 0;
    if (inCooldown) {
      s.cooldownLeft--;
      s.wait = 0;
    }
    if (isImprovement(valLoss, s.best, this.minDelta)) {
      s.best = valLoss;
      s.wait = 0;
      return { learningRate: s.learningRate, improved: true, reduced: false };
    }
    if (inCooldown) return { learningRate: s.learningRate, improved: false, reduced: false };
    s.wait++;
    if (s.wait >= this.patience && s.learningRate > this.minLearningRate) {
      s.learningRate = Math.max(s.learningRate * this.factor, this.minLearningRate);
      s.cooldownLeft = this.cooldown;
      s.wait = 0;
      s.reductions++;
      return { learningRate: s.learningRate, improved: false, reduced: true };
    }
    return { learningRate: s.learningRate, improved: false, reduced: false };
  }
}

export interface EarlyStoppingOptions {
  /** Epochs without improvement after which training stops (≥ 1). */
  patience: number;
  /** Required decrease (absolute, ≥ 0). Keras' default 0. */
  minDelta?: number;
}

export interface EarlyStoppingState {
  best: number;
  wait: number;
  stopped: boolean;
}

export class EarlyStopping {
  private readonly patience: number;
  private readonly minDelta: number;
  private s: EarlyStoppingState;

  constructor(options: EarlyStoppingOptions, state?: EarlyStoppingState) {
    if (!(Number.isInteger(options.patience) && options.patience >= 1)) {
      throw new RangeError(`EarlyStopping: patience must be an integer ≥ 1, got ${options.patience}`);
    }
    this.patience = options.patience;
    this.minDelta = checkNonNegative('EarlyStopping: minDelta', options.minDelta ?? 0);
    this.s = state ? { ...state } : { best: Infinity, wait: 0, stopped: false };
  }

  get state(): EarlyStoppingState {
    return { ...this.s };
  }

  get stopped(): boolean {
    return this.s.stopped;
  }

  /** Epochs since the last improvement. */
  get wait(): number {
    return this.s.wait;
  }

  /** Feed one epoch's validation loss; true when training should stop now. */
  update(valLoss: number): boolean {
    const s = this.s;
    if (isImprovement(valLoss, s.best, this.minDelta)) {
      s.best = valLoss;
      s.wait = 0;
    } else {
      s.wait++;
    }
    if (s.wait >= this.patience) s.stopped = true;
    return s.stopped;
  }
}

export interface BestCheckpointState {
  best: number;
  /** Epoch (0-based) of the best loss; −1 before any improvement. */
  bestEpoch: number;
}

/** Which epoch has the lowest validation loss so far (strict decrease, NaN never counts). */
export class BestCheckpoint {
  private s: BestCheckpointState;

  constructor(state?: BestCheckpointState) {
    this.s = state ? { ...state } : { best: Infinity, bestEpoch: -1 };
  }

  get state(): BestCheckpointState {
    return { ...this.s };
  }

  get best(): number {
    return this.s.best;
  }

  get bestEpoch(): number {
    return this.s.bestEpoch;
  }

  /** Feed epoch `epoch`'s validation loss; true when it is the new best (save the weights now). */
  update(valLoss: number, epoch: number): boolean {
    if (!isImprovement(valLoss, this.s.best)) return false;
    this.s = { best: valLoss, bestEpoch: epoch };
    return true;
  }
}

function checkNonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be a finite number ≥ 0, got ${v}`);
  return v;
}
