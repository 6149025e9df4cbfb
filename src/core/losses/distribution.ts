/**
 * Distribution-based losses (per-pixel cross-entropy family): cross entropy, focal
 * (Lin et al. 2017), and the symmetric and asymmetric focal losses of Yeung et al. 2022.
 *
 * Each is Σ_c w_c · m_c · (−y_c · log p_c) per pixel, with p clipped to [1e-7, 1 − 1e-7],
 * summed over classes and averaged over batch and pixels. Channel 0 is the background,
 * channels 1..C−1 are the rare classes (fix 3: the reference code ignored channels ≥ 2), and
 * the channel is always the last axis (fix 1: the reference code used axis 3, which is W on
 * 3D input).
 */
import * as tf from '@tensorflow/tfjs';
import {
  asFloat,
  backgroundRareWeights,
  clipProbabilities,
  numClasses,
  weightedCrossEntropy,
} from './tensors';

/** −mean_i Σ_c y_ic · log p_ic */
export function crossEntropyTerm(y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return tf.tidy(() => weightedCrossEntropy(asFloat(y), clipProbabilities(asFloat(p)), null));
}

/** Focal weights α_c from the `alpha` parameter: none → all 1; a → [1−a, a, a, …]; array → as given. */
export function focalClassWeights(alpha: number | number[] | null, classes: number): number[] | null {
  if (alpha === null) return null;
  if (typeof alpha === 'number') return backgroundRareWeights(classes, 1 - alpha, alpha);
  if (alpha.length !== classes) {
    throw new Error(`focal: α has ${alpha.length} class weights but the input has ${classes} classes.`);
  }
  return alpha;
}

/** −mean_i Σ_c α_c · (1 − p_ic)^γ · y_ic · log p_ic */
export function focalTerm(y: tf.Tensor, p: tf.Tensor, alpha: number | number[] | null, gamma: number): tf.Scalar {
  const weights = focalClassWeights(alpha, numClasses(y));
  return tf.tidy(() => {
    const pc = clipProbabilities(asFloat(p));
    return weightedCrossEntropy(asFloat(y), pc, weights, tf.pow(tf.sub(1, pc), gamma));
  });
}

/**
 * Symmetric focal: w_0 = 1 − δ on the background, δ on each rare class, every class modulated
 * by (1 − p)^γ. Asymmetric focal: only the background term is modulated, so the rare classes
 * keep their full cross-entropy gradient.
 */
export function modifiedFocalTerm(
  y: tf.Tensor,
  p: tf.Tensor,
  delta: number,
  gamma: number,
  asymmetric: boolean,
): tf.Scalar {
  const classes = numClasses(y);
  const weights = backgroundRareWeights(classes, 1 - delta, delta);
  return tf.tidy(() => {
    const pc = clipProbabilities(asFloat(p));
    let modulation = tf.pow(tf.sub(1, pc), gamma);
    if (asymmetric) {
      // 1 on the rare channels, (1 − p_0)^γ on the background channel.
      const isBackground = tf.tensor1d(backgroundRareWeights(classes, 1, 0));
      modulation = tf.add(tf.mul(modulation, isBackground), tf.sub(1, isBackground));
    }
    return weightedCrossEntropy(asFloat(y), pc, weights, modulation);
  });
}
