/**
 * Shared tensor helpers for the loss library: input validation, clipping, soft confusion
 * counts, and the guarded power of fix 2 (docs/LOSSES.md).
 *
 * Conventions (Yeung et al. 2022, reference code mlyg/unified-focal-loss):
 * - yTrue is one-hot and yPred holds softmax probabilities, channels last:
 *   [B, H, W, C] (2D) or [B, D, H, W, C] (3D). Channel 0 is the background.
 * - Soft counts are summed over the spatial axes only, per sample and class: [B, C].
 */
import * as tf from '@tensorflow/tfjs';


export { EPSILON } from './constants';
import { EPSILON } from './constants';

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Throws unless both tensors are rank 4 or 5, of equal shape, with at least 2 channels. */
export function validateInputs(lossId: string, yTrue: tf.Tensor, yPred: tf.Tensor): void {
  if (!(yTrue instanceof tf.Tensor) || !(yPred instanceof tf.Tensor)) {
    throw new Error(`${lossId}: yTrue and yPred must be tf.Tensor objects.`);
  }
  const a = yTrue.shape;
  const b = yPred.shape;
  const shapes = `yTrue [${a.join(', ')}], yPred [${b.join(', ')}]`;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`${lossId}: yTrue and yPred must have the same shape; got ${shapes}.`);
  }
  if (a.length !== 4 && a.length !== 5) {
    throw new Error(
      `${lossId}: expected rank 4 [B, H, W, C] or rank 5 [B, D, H, W, C]; got rank ${a.length} (${shapes}).`,
    );
  }
  const channels = a[a.length - 1] ?? 0;
  if (channels < 2) {
    throw new Error(
      `${lossId}: the last axis holds the classes and needs at least 2 (background first, one-hot); got ${channels} (${shapes}).`,
    );
  }
  if (a.some((d) => d === 0)) {
    throw new Error(`${lossId}: empty tensor (${shapes}).`);
  }
}

export function numClasses(t: tf.Tensor): number {
  return t.shape[t.shape.length - 1] ?? 0;
}

/** The spatial axes: every axis except batch (0) and channel (last). */
export function spatialAxes(t: tf.Tensor): number[] {
  const axes: number[] = [];
  for (let i = 1; i < t.rank - 1; i++) axes.push(i);
  return axes;
}

export function clipProbabilities(p: tf.Tensor): tf.Tensor {
  return tf.clipByValue(p, EPSILON, 1 - EPSILON);
}

export function asFloat(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** Soft confusion counts per sample and class, each [B, C]. */
export function softCounts(y: tf.Tensor, p: tf.Tensor): { tp: tf.Tensor; fn: tf.Tensor; fp: tf.Tensor } {
  const axes = spatialAxes(y);
  const tp = tf.sum(tf.mul(y, p), axes);
  const fn = tf.sum(tf.mul(y, tf.sub(1, p)), axes);
  const fp = tf.sum(tf.mul(tf.sub(1, y), p), axes);
  return { tp, fn, fp };
}

/**
 * One minus the Tversky index, per sample and class ([B, C]):
 *   TI = (tp + s) / (tp + δ·fn + (1−δ)·fp + s),
 *   1 − TI = (δ·fn + (1−δ)·fp) / (tp + δ·fn + (1−δ)·fp + s).
 * The second form is algebraically identical and has no cancellation, so a class predicted
 * almost perfectly keeps its small distance (about 1e-7) in float32 instead of rounding it.
 * δ weights false negatives, 1 − δ false positives; δ = 0.5 gives the soft Dice coefficient.
 */
export function tverskyDistance(y: tf.Tensor, p: tf.Tensor, delta: number, smooth: number): tf.Tensor {
  const { tp, fn, fp } = softCounts(y, p);
  const mismatch = tf.add(tf.mul(delta, fn), tf.mul(1 - delta, fp));
  return tf.div(mismatch, tf.add(tf.add(tp, mismatch), smooth));
}

/**
 * d^e for d > 0 and 0 for d ≤ 0, with a zero (not NaN) gradient at d = 0 (fix 2):
 * m = step(d); m · pow(d·m + 1 − m, e). The authors' (1−TI)·(1−TI)^(−γ) is 0·∞ there.
 * `exponent` is a number or a tensor that broadcasts against d (e.g. one exponent per class).
 */
export function guardedPow(d: tf.Tensor, exponent: number | tf.Tensor): tf.Tensor {
  const m = tf.step(d);
  const safe = tf.add(tf.mul(d, m), tf.sub(1, m));
  return tf.mul(m, tf.pow(safe, exponent));
}

/**
 * Σ_c w_c · mod_c · (−y_c · log p_c) per pixel, averaged over batch and pixels.
 * `weights` has one entry per class; `modulation` (optional) broadcasts against p.
 */
export function weightedCrossEntropy(
  y: tf.Tensor,
  pClipped: tf.Tensor,
  weights: number[] | null,
  modulation?: tf.Tensor,
): tf.Scalar {
  let term = tf.mul(y, negLog(pClipped));
  if (modulation) term = tf.mul(modulation, term);
  if (weights) term = tf.mul(tf.tensor1d(weights), term);
  return tf.mean(tf.sum(term, -1));
}

/**
 * −log p, accurate in relative terms for p near 1 on every backend. GPU log is only accurate to
 * an absolute 2^−21 (WGSL's bound for x in [0.5, 2]), which on −log(1 − 1.2e-7) is a 40 % error.
 * For q = 1 − p < 0.1 (q exact in float32 there) the series −log(1 − q) = Σ_k q^k / k is used,
 * to 8 terms (truncation below 1e-9 relative); elsewhere −log p.
 */
export function negLog(p: tf.Tensor): tf.Tensor {
  const q = tf.sub(1, p);
  let series: tf.Tensor = tf.scalar(1 / 8);
  for (let k = 7; k >= 1; k--) series = tf.add(1 / k, tf.mul(q, series));
  // m = 1 where q < 0.1. tf.step has a (zero) gradient on every backend; tf.less has none.
  const m = tf.step(tf.sub(0.1, q));
  return tf.add(tf.mul(m, tf.mul(q, series)), tf.mul(tf.sub(1, m), tf.neg(tf.log(p))));
}

/** One weight for the background (channel 0), another for every rare class. */
export function backgroundRareWeights(classes: number, background: number, rare: number): number[] {
  return Array.from({ length: classes }, (_, c) => (c === 0 ? background : rare));
}
