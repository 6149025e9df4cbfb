/**
 * The four fixes over the authors' reference code (docs/LOSSES.md), each shown to matter:
 * 1. 3D: the channel is the last axis, not axis 3 (W on 5-D input).
 * 2. NaN: (1 − TI)^(1−γ) at 1 − TI = 0 is 0 with a zero gradient, not 0·∞.
 * 3. Multiclass: channels ≥ 2 are rare classes too, not ignored.
 * 4. combo: β weighs the rare classes, 1 − β the background.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, randomLogits, randomOneHot, softmaxLast } from '../testing/random';
import { guardedPow } from './tensors';
import { createLoss, LOSS_IDS, type LossId } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function random(shape: number[], seed: number, weights: number[]) {
  const rand = mulberry32(seed);
  const c = shape[shape.length - 1] ?? 2;
  const pixels = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { y: randomOneHot(rand, pixels, weights), p: softmaxLast(randomLogits(rand, pixels * c), c) };
}

const scalar = (t: tf.Scalar) => t.dataSync()[0] ?? NaN;

describe('fix 1: the channel is the last axis in 3D', () => {
  // The numpy reference table checks the 3D values themselves (reference.test.ts, 3d-* cases).
  // Here: [B, D, H, W, C] with W = 4 ≠ C = 2; channel-last, the 3D loss equals the loss of the
  // same voxels laid out as 2D slices (createLoss computes 3D this way, so this pins the layout).
  const shape3 = [2, 3, 5, 4, 2];
  const shape2 = [2, 15, 4, 2];
  const { y, p } = random(shape3, 11, [0.85, 0.15]);
  it.each([...LOSS_IDS])('%s: 3D equals its 2D reshape', (id) => {
    const [a, b] = tf.tidy(() => [
      scalar(createLoss(id)(tf.tensor(y, shape3), tf.tensor(p, shape3))),
      scalar(createLoss(id)(tf.tensor(y, shape2), tf.tensor(p, shape2))),
    ]);
    expect(Math.abs((a ?? 0) - (b ?? 0))).toBeLessThanOrEqual(1e-6 * Math.abs(b ?? 1));
  });

  it('the authors’ axis-3 reading gives a different value (the bug is real on this input)', () => {
    // Their focal term, written with channel slices on axis 3 of the 5-D tensor.
    const v = tf.tidy(() => {
      const yt = tf.tensor(y, shape3);
      const pt = tf.clipByValue(tf.tensor(p, shape3), 1e-7, 1 - 1e-7);
      const ce = tf.mul(tf.neg(yt), tf.log(pt));
      const back = tf.mul(0.4, tf.slice(ce, [0, 0, 0, 0, 0], [-1, -1, -1, 1, -1]));
      const fore = tf.mul(0.6, tf.slice(ce, [0, 0, 0, 1, 0], [-1, -1, -1, 1, -1]));
      return scalar(tf.mean(tf.sum(tf.concat([back, fore], -1), -1)));
    });
    const ours = tf.tidy(() => scalar(createLoss('asymmetricFocal', { delta: 0.6, gamma: 0 })(tf.tensor(y, shape3), tf.tensor(p, shape3))));
    expect(Math.abs(v - ours)).toBeGreaterThan(1e-3);
  });
});

describe('fix 2: no NaN at 1 − TI = 0', () => {
  it('guardedPow(0, e) is 0 with gradient 0; the authors’ d·d^(−γ) is NaN there', () => {
    for (const e of [0.25, 0.5, 0.75, 1 / 3]) {
      const d = tf.tensor1d([0, 1e-8, 0.3]);
      const value = guardedPow(d, e);
      const grad = tf.grad((x: tf.Tensor) => tf.sum(guardedPow(x, e)))(d);
      expect(Array.from(value.dataSync())).toEqual([0, Math.fround(Math.pow(1e-8, e)), Math.fround(Math.pow(0.3, e))].map((v, i) => (i === 0 ? 0 : expect.closeTo(v, 6))));
      const g = Array.from(grad.dataSync());
      expect(g[0]).toBe(0);
      expect(g.every(Number.isFinite)).toBe(true);
      const naive = tf.mul(d, tf.pow(d, -(1 - e))).dataSync()[0];
      expect(naive).toBeNaN();
      tf.dispose([d, value, grad]);
    }
  });

  it('symmetricFocalTversky with δ = 1 on an empty class reaches d = 0 exactly: value and gradient stay finite', () => {
    // δ = 1 ignores false positives, so the empty class has fn = 0 and 1 − TI = 0 exactly; the
    // power (1 − TI)^(1−γ) then needs the guard.
    const y = tf.tensor([1, 0, 1, 0, 1, 0, 1, 0], [1, 2, 2, 2]);
    const p = tf.tensor([0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.95, 0.05], [1, 2, 2, 2]);
    for (const gamma of [0.05, 0.5, 0.75, 0.95]) {
      const f = createLoss('symmetricFocalTversky', { delta: 1, gamma });
      const v = f(y, p).dataSync()[0];
      const grad = tf.grad((q: tf.Tensor) => f(y, q))(p);
      expect(Number.isFinite(v)).toBe(true);
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
      grad.dispose();
    }
    tf.dispose([y, p]);
  });

  it('near-perfect predictions through a softmax (logits ±8 to ±12) give finite gradients for every loss', () => {
    const y = [1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0];
    const logits = y.map((v, i) => (v === 1 ? 8 + (i % 5) : -(8 + (i % 3))));
    for (const id of LOSS_IDS) {
      for (const gamma of id.includes('Unified') || id.endsWith('FocalTversky') ? [0.05, 0.95] : [undefined]) {
        const params = gamma === undefined ? {} : { gamma };
        const g = tf.tidy(() => {
          const yt = tf.tensor(y, [1, 2, 3, 2]);
          return Array.from(tf.grad((z: tf.Tensor) => createLoss(id, params)(yt, tf.softmax(z)))(tf.tensor(logits, [1, 2, 3, 2])).dataSync());
        });
        expect(g.every(Number.isFinite), `${id} ${JSON.stringify(params)}`).toBe(true);
      }
    }
  });

  it('a region loss without clipping hits d = 0 exactly and stays finite with zero gradient', () => {
    // Tversky-type term on unclipped probabilities: perfect prediction → fn = fp = 0 → d = 0.
    const y = tf.tensor([1, 0, 0, 1, 1, 0, 0, 1], [1, 2, 2, 2]);
    const grad = tf.grad((q: tf.Tensor) => createLoss('dice')(y, q))(y);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([y, grad]);
  });
});

describe('fix 3: every channel ≥ 1 is a rare class', () => {
  const shape = [1, 4, 5, 3];
  const { y, p } = random(shape, 21, [0.6, 0.2, 0.2]);
  // Lower the probability of class 2 where class 2 is true (moving the mass to the background):
  // a loss that ignores channel 2 would not notice.
  const worse = Float32Array.from(p);
  for (let i = 0; i < y.length; i += 3) {
    if (y[i + 2] === 1) {
      const moved = (worse[i + 2] ?? 0) * 0.5;
      worse[i + 2] = (worse[i + 2] ?? 0) - moved;
      worse[i] = (worse[i] ?? 0) + moved;
    }
  }
  const ids: LossId[] = [
    'symmetricFocal',
    'asymmetricFocal',
    'symmetricFocalTversky',
    'asymmetricFocalTversky',
    'symmetricUnifiedFocal',
    'asymmetricUnifiedFocal',
  ];
  it.each(ids)('%s rises when class 2 is predicted worse', (id) => {
    const [a, b] = tf.tidy(() => [
      scalar(createLoss(id)(tf.tensor(y, shape), tf.tensor(p, shape))),
      scalar(createLoss(id)(tf.tensor(y, shape), tf.tensor(worse, shape))),
    ]);
    expect(b).toBeGreaterThan((a ?? 0) + 1e-4);
  });

  it('for C = 2 the rule gives the authors’ values (asymmetric unified focal written with their slices)', () => {
    const s2 = [2, 4, 5, 2];
    const r = random(s2, 5, [0.8, 0.2]);
    const [ours, authors] = tf.tidy(() => {
      const yt = tf.tensor(r.y, s2);
      const pt = tf.clipByValue(tf.tensor(r.p, s2), 1e-7, 1 - 1e-7);
      const delta = 0.6;
      const gamma = 0.5;
      // Authors: asymmetric focal with back_ce = (1−δ)(1−p0)^γ·ce0, fore_ce = δ·ce1.
      const ce = tf.mul(tf.neg(yt), tf.log(pt));
      const ce0 = tf.slice(ce, [0, 0, 0, 0], [-1, -1, -1, 1]);
      const ce1 = tf.slice(ce, [0, 0, 0, 1], [-1, -1, -1, 1]);
      const p0 = tf.slice(pt, [0, 0, 0, 0], [-1, -1, -1, 1]);
      const back = tf.mul(1 - delta, tf.mul(tf.pow(tf.sub(1, p0), gamma), ce0));
      const focal = tf.mean(tf.sum(tf.concat([back, tf.mul(delta, ce1)], -1), -1));
      // Authors: asymmetric focal Tversky, dice_class = (tp + ε)/(tp + δ fn + (1−δ) fp + ε), ε = 1e-7.
      const tp = tf.sum(tf.mul(yt, pt), [1, 2]);
      const fn = tf.sum(tf.mul(yt, tf.sub(1, pt)), [1, 2]);
      const fp = tf.sum(tf.mul(tf.sub(1, yt), pt), [1, 2]);
      const dc = tf.div(tf.add(tp, 1e-7), tf.add(tf.add(tf.add(tp, tf.mul(delta, fn)), tf.mul(1 - delta, fp)), 1e-7));
      const dc0 = tf.slice(dc, [0, 0], [-1, 1]);
      const dc1 = tf.slice(dc, [0, 1], [-1, 1]);
      const backD = tf.sub(1, dc0);
      const foreD = tf.mul(tf.sub(1, dc1), tf.pow(tf.sub(1, dc1), -gamma));
      const tversky = tf.mean(tf.concat([backD, foreD], -1));
      // Code weight = 1 − λ = 0.5.
      const authorsValue = tf.add(tf.mul(0.5, tversky), tf.mul(0.5, focal));
      const oursValue = createLoss('asymmetricUnifiedFocal', { lambda: 0.5, delta, gamma })(yt, tf.tensor(r.p, s2));
      return [scalar(oursValue), scalar(authorsValue as tf.Scalar)];
    });
    expect(Math.abs((ours ?? 0) - (authors ?? 0))).toBeLessThanOrEqual(1e-5 * Math.abs(authors ?? 1));
  });
});

describe('fix 4: combo β weighs the rare classes', () => {
  it('on a background-only mask, combo(α = 1, β) is (1 − β)·cross entropy', () => {
    const shape = [1, 3, 3, 2];
    const y = Array.from({ length: 9 }, () => [1, 0]).flat();
    const p = Array.from({ length: 9 }, (_, i) => [0.5 + i * 0.05, 0.5 - i * 0.05]).flat();
    const [ce, combo] = tf.tidy(() => [
      scalar(createLoss('crossEntropy')(tf.tensor(y, shape), tf.tensor(p, shape))),
      scalar(createLoss('combo', { alpha: 1, beta: 0.8 })(tf.tensor(y, shape), tf.tensor(p, shape))),
    ]);
    expect(combo).toBeCloseTo(0.2 * (ce ?? 0), 6);
  });

  it('β > 0.5 penalises false negatives more than false positives', () => {
    const shape = [1, 1, 2, 2];
    // Pixel 1 is foreground predicted 0.3 (a false negative), pixel 2 is background predicted 0.3 (mirror).
    const y = [0, 1, 1, 0];
    const fnHeavy = [0.7, 0.3, 0.9, 0.1];
    const fpHeavy = [0.1, 0.9, 0.3, 0.7];
    const [a, b] = tf.tidy(() => [
      scalar(createLoss('combo', { alpha: 1, beta: 0.7 })(tf.tensor(y, shape), tf.tensor(fnHeavy, shape))),
      scalar(createLoss('combo', { alpha: 1, beta: 0.7 })(tf.tensor(y, shape), tf.tensor(fpHeavy, shape))),
    ]);
    expect(a).toBeGreaterThan(b ?? Infinity);
  });
});
