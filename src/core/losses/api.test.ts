/** createLoss's contract: errors that say what is wrong, no leaked tensors, every backend-agnostic op. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss, LOSS_IDS, LOSSES, resolveParams } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('errors', () => {
  const y4 = () => tf.zeros([1, 2, 2, 2]);
  it('unknown loss ids list the known ones', () => {
    expect(() => createLoss('diceLoss')).toThrow(/Unknown loss "diceLoss". Known losses: crossEntropy, focal/);
  });
  it('unknown parameter names are rejected', () => {
    expect(() => createLoss('dice', { gamma: 1 })).toThrow(/dice: unknown parameter "gamma" \(parameters: delta\)/);
    expect(() => createLoss('crossEntropy', { alpha: 1 })).toThrow(/parameters: none/);
  });
  it.each([
    ['symmetricUnifiedFocal', 'gamma', 1.2, /γ \(gamma\) = 1.2 is outside its range \[0, 1\]/],
    ['asymmetricUnifiedFocal', 'lambda', -0.1, /λ \(lambda\) = -0.1 is outside its range \[0, 1\]/],
    ['tversky', 'delta', 2, /δ \(delta\) = 2 is outside its range/],
    ['focal', 'gamma', Number.NaN, /must be a finite number/],
    ['combo', 'beta', Number.POSITIVE_INFINITY, /must be a finite number/],
    ['focalTversky', 'gamma', 0, /outside its range \[0.25, 3\]/],
    ['dice', 'delta', null, /cannot be null/],
    ['tversky', 'delta', [0.5, 0.5], /must be a number, not an array/],
  ] as const)('%s %s = %s', (id, name, value, message) => {
    expect(() => createLoss(id, { [name]: value })).toThrow(message);
  });
  it('focal α as class weights: negative weights and wrong lengths', () => {
    expect(() => createLoss('focal', { alpha: [0.5, -1] })).toThrow(/weight for class 1 must be a finite number ≥ 0/);
    const f = createLoss('focal', { alpha: [0.2, 0.3, 0.5] });
    expect(() => f(y4(), y4())).toThrow(/α has 3 class weights but the input has 2 classes/);
  });
  it('wrong ranks name the shapes', () => {
    const f = createLoss('dice');
    expect(() => f(tf.zeros([2, 2, 2]), tf.zeros([2, 2, 2]))).toThrow(/dice: expected rank 4 \[B, H, W, C\] or rank 5 \[B, D, H, W, C\]; got rank 3 \(yTrue \[2, 2, 2\], yPred \[2, 2, 2\]\)/);
    expect(() => f(tf.zeros([1, 1, 2, 2, 2, 2]), tf.zeros([1, 1, 2, 2, 2, 2]))).toThrow(/got rank 6/);
  });
  it('mismatched shapes name both', () => {
    expect(() => createLoss('symmetricUnifiedFocal')(tf.zeros([1, 4, 4, 2]), tf.zeros([1, 4, 4, 3]))).toThrow(
      /symmetricUnifiedFocal: yTrue and yPred must have the same shape; got yTrue \[1, 4, 4, 2\], yPred \[1, 4, 4, 3\]/,
    );
  });
  it('a single channel (sigmoid output) is refused', () => {
    expect(() => createLoss('dice')(tf.zeros([1, 4, 4, 1]), tf.zeros([1, 4, 4, 1]))).toThrow(/needs at least 2 \(background first, one-hot\); got 1/);
  });
  it('null params mean the defaults; a non-tensor argument names the loss', () => {
    expect(() => createLoss('dice', null)).not.toThrow();
    expect(() => createLoss('dice')([1, 0] as never, [1, 0] as never)).toThrow(/dice: yTrue and yPred must be tf.Tensor objects/);
  });
  it('integer labels are accepted as one-hot and cast', () => {
    const y = tf.tensor([1, 0, 0, 1], [1, 1, 2, 2], 'int32');
    const p = tf.tensor([0.8, 0.2, 0.3, 0.7], [1, 1, 2, 2]);
    const a = createLoss('crossEntropy')(y, p).dataSync()[0];
    expect(a).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 6);
  });
});

describe('memory', () => {
  const cases = LOSS_IDS.flatMap((id) => [[id, [1, 2, 2, 2]] as const, [id, [1, 1, 2, 2, 2]] as const]);
  it.each(cases)('%s on %j leaves only its result behind, also under tf.grad', (id, shape) => {
    const y = tf.tensor([1, 0, 0, 1, 1, 0, 1, 0], [...shape]);
    const p = tf.tensor([0.6, 0.4, 0.2, 0.8, 0.9, 0.1, 0.5, 0.5], [...shape]);
    const f = createLoss(id);
    const before = tf.memory().numTensors;
    const v = f(y, p);
    expect(tf.memory().numTensors).toBe(before + 1);
    v.dispose();
    const g = tf.grad((q: tf.Tensor) => f(y, q))(p);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([g, y, p]);
  });
});

describe('parameters', () => {
  it('defaults are applied and kept in range', () => {
    for (const id of LOSS_IDS) {
      const resolved = resolveParams(id);
      for (const ps of LOSSES[id].params) {
        const v = resolved[ps.name];
        if (v === null) {
          expect(ps.nullable).toBe(true);
        } else {
          expect(v as number).toBeGreaterThanOrEqual(ps.min);
          expect(v as number).toBeLessThanOrEqual(ps.max);
        }
      }
    }
  });
});
