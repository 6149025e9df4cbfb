/**
 * The loss library: createLoss(id, params) returns (yTrue, yPred) => scalar for the losses of
 * Yeung et al. 2022 and the baselines it compares against. Semantics: docs/LOSSES.md.
 *
 *   const loss = createLoss('asymmetricUnifiedFocal', { lambda: 0.5, delta: 0.6, gamma: 0.5 });
 *   const value = loss(yTrueOneHot, yPredSoftmax); // tf.Scalar
 *
 * Inputs are channels-last one-hot labels and softmax probabilities, 2D [B, H, W, C] or
 * 3D [B, D, H, W, C], C ≥ 2 with the background in channel 0.
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyTerm, focalTerm, modifiedFocalTerm } from './distribution';
import { focalTverskyOptions, modifiedFocalTverskyTerm, regionLoss, tverskyOptions } from './region';
import {
  getLossSpec,
  resolveParams,
  type LossId,
  type LossParams,
  type ParamName,
  type ResolvedParams,
} from './registry';
import { asFloat, backgroundRareWeights, clipProbabilities, numClasses, validateInputs, weightedCrossEntropy, type LossFn } from './tensors';

export * from './registry';
export type { LossFn } from './tensors';
export { EPSILON } from './tensors';

function n(p: ResolvedParams, name: ParamName): number {
  return p[name] as number;
}

type Builder = (p: ResolvedParams) => (y: tf.Tensor, q: tf.Tensor) => tf.Scalar;

const BUILDERS: Record<LossId, Builder> = {
  crossEntropy: () => (y, q) => crossEntropyTerm(y, q),
  focal: (p) => (y, q) => focalTerm(y, q, p.alpha as number | number[] | null, n(p, 'gamma')),
  dice: (p) => (y, q) => regionLoss(y, q, tverskyOptions(n(p, 'delta'))),
  tversky: (p) => (y, q) => regionLoss(y, q, tverskyOptions(n(p, 'delta'))),
  focalTversky: (p) => (y, q) => regionLoss(y, q, focalTverskyOptions(n(p, 'delta'), n(p, 'gamma'))),
  combo: (p) => (y, q) =>
    tf.tidy(() => {
      const a = n(p, 'alpha');
      const b = n(p, 'beta');
      // β on the rare classes, 1 − β on the background (fix 4; the reference code swapped them).
      const ce = weightedCrossEntropy(asFloat(y), clipProbabilities(asFloat(q)), backgroundRareWeights(numClasses(y), 1 - b, b));
      const dsc = tf.sub(1, regionLoss(y, q, tverskyOptions(0.5)));
      return tf.sub(tf.mul(a, ce), tf.mul(1 - a, dsc));
    }),
  symmetricFocal: (p) => (y, q) => modifiedFocalTerm(y, q, n(p, 'delta'), n(p, 'gamma'), false),
  asymmetricFocal: (p) => (y, q) => modifiedFocalTerm(y, q, n(p, 'delta'), n(p, 'gamma'), true),
  symmetricFocalTversky: (p) => (y, q) => modifiedFocalTverskyTerm(y, q, n(p, 'delta'), n(p, 'gamma'), false),
  asymmetricFocalTversky: (p) => (y, q) => modifiedFocalTverskyTerm(y, q, n(p, 'delta'), n(p, 'gamma'), true),
  symmetricUnifiedFocal: (p) => unified(p, false),
  asymmetricUnifiedFocal: (p) => unified(p, true),
};

/** λ·focal part + (1 − λ)·focal Tversky part (the paper's λ; the reference code's weight = 1 − λ). */
function unified(p: ResolvedParams, asymmetric: boolean) {
  return (y: tf.Tensor, q: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const l = n(p, 'lambda');
      const d = n(p, 'delta');
      const g = n(p, 'gamma');
      const focalPart = modifiedFocalTerm(y, q, d, g, asymmetric);
      const tverskyPart = modifiedFocalTverskyTerm(y, q, d, g, asymmetric);
      return tf.add(tf.mul(l, focalPart), tf.mul(1 - l, tverskyPart));
    });
}

function asRank4(t: tf.Tensor): tf.Tensor {
  const [b = 1, d = 1, h = 1, w = 1, c = 1] = t.shape;
  return tf.reshape(t, [b, d * h, w, c]);
}

/**
 * Builds a loss function. Unknown ids, unknown parameter names and out-of-range values throw
 * at once; wrong ranks, mismatched shapes and per-class α of the wrong length throw when the
 * loss is called.
 */
export function createLoss(id: LossId | string, params: LossParams | null = {}): LossFn {
  const spec = getLossSpec(id);
  const resolved = resolveParams(spec.id, params ?? {});
  const fn = BUILDERS[spec.id](resolved);
  return (yTrue, yPred) => {
    validateInputs(spec.id, yTrue, yPred);
    if (yTrue.rank === 4) return fn(yTrue, yPred);
    // 3D volumes are computed as [B, D·H, W, C]: every loss sums or averages over all spatial
    // axes together, so the value is the same, and the backends whose kernels stop at rank 4
    // (tfjs-backend-webgpu's select, used by the gradients of clip and pow) can run them.
    return tf.tidy(() => fn(asRank4(yTrue), asRank4(yPred)));
  };
}
