/**
 * Gradients: finite everywhere (perfect predictions, empty masks, probabilities at 0 and 1),
 * and equal to central finite differences on small random inputs, taken through a softmax
 * over logits as in training.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, randomLogits, randomOneHot } from '../testing/random';
import { createLoss, LOSS_IDS, type LossId, type LossParams } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function lossOfLogits(id: LossId, params: LossParams, y: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return createLoss(id, params)(y, tf.softmax(logits));
}

function allFinite(t: tf.Tensor): boolean {
  return Array.from(t.dataSync()).every(Number.isFinite);
}

describe('finite gradients at degenerate inputs', () => {
  const shape = [1, 2, 3, 2];
  const fg = [1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0]; // some foreground
  const empty = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]; // background only
  const wrong = fg.map((v) => 1 - v);
  const cases: [string, number[], number[]][] = [
    ['perfect prediction', fg, fg],
    ['empty mask, perfect prediction', empty, empty],
    ['empty mask, all predicted foreground', empty, empty.map((v) => 1 - v)],
    ['confidently wrong', fg, wrong],
  ];
  const losses = LOSS_IDS.flatMap((id) => cases.map(([label, y, p]) => [id, label, y, p] as const));
  it.each(losses)('%s: %s', (id, _label, y, p) => {
    const yt = tf.tensor(y, shape);
    const pt = tf.tensor(p, shape);
    const f = createLoss(id);
    const grad = tf.grad((q: tf.Tensor) => f(yt, q))(pt);
    const v = f(yt, pt);
    expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    expect(allFinite(grad)).toBe(true);
    tf.dispose([yt, pt, grad, v]);
  });
});

describe('gradients match central finite differences', () => {
  // Settings away from the defaults too, so every parameter enters the check.
  const settings: [LossId, LossParams][] = [
    ...LOSS_IDS.map((id) => [id, {}] as [LossId, LossParams]),
    ['focal', { alpha: [0.2, 0.3, 0.5], gamma: 1.5 }],
    ['combo', { alpha: 0.3, beta: 0.8 }],
    ['symmetricUnifiedFocal', { lambda: 0.3, delta: 0.4, gamma: 0.8 }],
    ['asymmetricUnifiedFocal', { lambda: 0.7, delta: 0.8, gamma: 0.2 }],
  ];
  const shapes = [
    [1, 3, 3, 3],
    [1, 2, 2, 3, 3],
  ];
  const cases = settings.flatMap(([id, params]) => shapes.map((shape) => [id, params, shape] as const));

  it.each(cases)('%s %j on %j', (id, params, shape) => {
    const rand = mulberry32(shape.length * 100 + id.length);
    const c = shape[shape.length - 1] ?? 3;
    const pixels = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const y = tf.tensor(randomOneHot(rand, pixels, [0.6, 0.25, 0.15]), shape);
    const logits = Array.from(randomLogits(rand, pixels * c, 1.5));
    const x = tf.tensor(logits, shape);
    const g = tf.grad((z: tf.Tensor) => lossOfLogits(id, params, y, z))(x);
    const analytic = Array.from(g.dataSync());
    const scale = Math.max(...analytic.map(Math.abs));
    const h = 1e-2;
    const at = (values: number[]) => tf.tidy(() => lossOfLogits(id, params, y, tf.tensor(values, shape)).dataSync()[0] ?? NaN);
    // Eight coordinates per case keep the CPU cost small; float32 limits the precision of the
    // differences, hence a tolerance of 0.3 % of the largest gradient entry
    // (the largest deviation seen is 0.035 %).
    for (let k = 0; k < 8; k++) {
      const i = Math.floor(rand() * logits.length);
      const plus = [...logits];
      const minus = [...logits];
      plus[i] = (plus[i] ?? 0) + h;
      minus[i] = (minus[i] ?? 0) - h;
      const numeric = (at(plus) - at(minus)) / (2 * h);
      expect(Math.abs(numeric - (analytic[i] ?? NaN)), `coordinate ${i}: numeric ${numeric}, analytic ${analytic[i]}`).toBeLessThanOrEqual(
        0.003 * scale + 1e-7,
      );
    }
    tf.dispose([y, x, g]);
  });
});
