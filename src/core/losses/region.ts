/**
 * Region-based losses on the Tversky index TI(δ, s) = (tp + s) / (tp + δ·fn + (1−δ)·fp + s),
 * computed per sample and class over the spatial axes, then averaged over samples and
 * classes (the paper's equations sum over classes: a constant factor of C).
 *
 * - Dice (δ = 0.5) and Tversky: 1 − TI, s = 1e-6, probabilities not clipped.
 * - Focal Tversky (Abraham & Khan 2019): (1 − TI)^(1/γ), s = 1e-6, clipped.
 * - Symmetric focal Tversky (Yeung et al. 2022): (1 − TI)^(1−γ), s = 1e-7, clipped.
 * - Asymmetric focal Tversky: 1 − TI for the background, (1 − TI)^(1−γ) for rare classes.
 * Every power is taken by guardedPow (fix 2), so a perfectly predicted class gives 0 and a
 * zero gradient instead of NaN.
 */
import * as tf from '@tensorflow/tfjs';
import { asFloat, backgroundRareWeights, clipProbabilities, guardedPow, numClasses, tverskyDistance } from './tensors';

export interface RegionOptions {
  delta: number;
  smooth: number;
  clip: boolean;
  /** One exponent for every class, or one per class; 1 means no focal modulation. */
  exponent: number | number[];
}

/** The per-sample, per-class region terms ([B, C]) before averaging. */
export function regionTerms(y: tf.Tensor, p: tf.Tensor, o: RegionOptions): tf.Tensor {
  return tf.tidy(() => {
    const pf = o.clip ? clipProbabilities(asFloat(p)) : asFloat(p);
    const d = tverskyDistance(asFloat(y), pf, o.delta, o.smooth);
    if (typeof o.exponent === 'number') return o.exponent === 1 ? d : guardedPow(d, o.exponent);
    return guardedPow(d, tf.tensor1d(o.exponent));
  });
}

export function regionLoss(y: tf.Tensor, p: tf.Tensor, o: RegionOptions): tf.Scalar {
  return tf.tidy(() => tf.mean(regionTerms(y, p, o)));
}

export const DICE_SMOOTH = 1e-6;
export const UNIFIED_SMOOTH = 1e-7;

export function tverskyOptions(delta: number): RegionOptions {
  return { delta, smooth: DICE_SMOOTH, clip: false, exponent: 1 };
}

export function focalTverskyOptions(delta: number, gamma: number): RegionOptions {
  return { delta, smooth: DICE_SMOOTH, clip: true, exponent: 1 / gamma };
}

export function modifiedFocalTverskyOptions(delta: number, gamma: number, asymmetric: boolean, classes: number): RegionOptions {
  return {
    delta,
    smooth: UNIFIED_SMOOTH,
    clip: true,
    exponent: asymmetric ? backgroundRareWeights(classes, 1, 1 - gamma) : 1 - gamma,
  };
}

export function modifiedFocalTverskyTerm(
  y: tf.Tensor,
  p: tf.Tensor,
  delta: number,
  gamma: number,
  asymmetric: boolean,
): tf.Scalar {
  return regionLoss(y, p, modifiedFocalTverskyOptions(delta, gamma, asymmetric, numClasses(y)));
}
