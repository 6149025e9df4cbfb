/** The identities of docs/LOSSES.md, on seeded random inputs in 2D and 3D, binary and 3-class. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, randomLogits, randomOneHot, softmaxLast } from '../testing/random';
import { clipProbabilities } from './tensors';
import { createLoss, LOSS_IDS, type LossId, type LossParams } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Input {
  label: string;
  shape: number[];
  y: Float32Array;
  p: Float32Array;
}

function makeInput(label: string, shape: number[], seed: number, weights: number[]): Input {
  const rand = mulberry32(seed);
  const c = shape[shape.length - 1] ?? 2;
  const pixels = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { label, shape, y: randomOneHot(rand, pixels, weights), p: softmaxLast(randomLogits(rand, pixels * c), c) };
}

const INPUTS: Input[] = [
  makeInput('2D binary', [2, 6, 5, 2], 1, [0.8, 0.2]),
  makeInput('3D binary', [2, 3, 4, 5, 2], 2, [0.9, 0.1]),
  makeInput('2D 3-class', [2, 5, 6, 3], 3, [0.7, 0.2, 0.1]),
  makeInput('3D 3-class', [1, 3, 4, 4, 3], 4, [0.6, 0.25, 0.15]),
];

function value(id: LossId, params: LossParams, inp: Input, transform?: (p: tf.Tensor) => tf.Tensor): number {
  return tf.tidy(() => {
    const y = tf.tensor(inp.y, inp.shape);
    let p: tf.Tensor = tf.tensor(inp.p, inp.shape);
    if (transform) p = transform(p);
    return createLoss(id, params)(y, p).dataSync()[0] ?? NaN;
  });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe.each(INPUTS)('identities on $label', (inp) => {
  it('focal with γ = 0 and no α equals cross entropy', () => {
    expect(rel(value('focal', { gamma: 0, alpha: null }, inp), value('crossEntropy', {}, inp))).toBeLessThan(1e-6);
  });

  it('tversky with δ = 0.5 equals dice', () => {
    expect(rel(value('tversky', { delta: 0.5 }, inp), value('dice', {}, inp))).toBeLessThan(1e-6);
  });

  it.each([0, 0.5, 2])('symmetricFocal with δ = 0.5 equals ½·focal (γ = %s)', (gamma) => {
    const half = 0.5 * value('focal', { gamma, alpha: null }, inp);
    expect(rel(value('symmetricFocal', { delta: 0.5, gamma }, inp), half)).toBeLessThan(1e-6);
  });

  it.each(['symmetricUnifiedFocal', 'asymmetricUnifiedFocal'] as const)('%s with λ = 1, γ = 0, δ = 0.5 equals ½·crossEntropy', (id) => {
    const half = 0.5 * value('crossEntropy', {}, inp);
    expect(rel(value(id, { lambda: 1, gamma: 0, delta: 0.5 }, inp), half)).toBeLessThan(1e-6);
  });

  it.each(['symmetricUnifiedFocal', 'asymmetricUnifiedFocal'] as const)('%s with λ = 0, γ = 0, δ = 0.5 ≈ dice', (id) => {
    // Smoothing (1e-7 vs 1e-6) and clipping differ; on non-degenerate input the effect is ~1e-7.
    expect(rel(value(id, { lambda: 0, gamma: 0, delta: 0.5 }, inp), value('dice', {}, inp))).toBeLessThan(1e-5);
  });

  it.each([0.3, 0.6, 0.9])('asymmetricFocal equals symmetricFocal when γ = 0 (δ = %s)', (delta) => {
    expect(rel(value('asymmetricFocal', { delta, gamma: 0 }, inp), value('symmetricFocal', { delta, gamma: 0 }, inp))).toBeLessThan(1e-6);
  });

  it('symmetricFocalTversky with γ = 0.25 ≈ focalTversky with γ = 4/3', () => {
    const a = value('symmetricFocalTversky', { delta: 0.7, gamma: 0.25 }, inp);
    const b = value('focalTversky', { delta: 0.7, gamma: 4 / 3 }, inp);
    expect(rel(a, b)).toBeLessThan(1e-5);
  });

});

describe('clipping the input first changes nothing for the clipped losses', () => {
  // Inputs that clipping does change: logits of ±40 give probabilities below 1e-17 and exact 1s.
  const rand = mulberry32(9);
  const shape = [2, 4, 5, 3];
  const pixels = 40;
  const saturated: Input = {
    label: 'saturated',
    shape,
    y: randomOneHot(rand, pixels, [0.6, 0.3, 0.1]),
    p: softmaxLast(randomLogits(rand, pixels * 3, 40), 3),
  };
  it('the inputs hold probabilities that clipping moves', () => {
    expect(Array.from(saturated.p).some((v) => v < 1e-7)).toBe(true);
    expect(Array.from(saturated.p).some((v) => v === 1)).toBe(true);
  });
  // dice and tversky, and combo's Dice part, use unclipped probabilities.
  const CLIPPED: LossId[] = LOSS_IDS.filter((id) => id !== 'dice' && id !== 'tversky' && id !== 'combo');
  it.each(CLIPPED)('%s', (id) => {
    expect(value(id, {}, saturated, clipProbabilities)).toBe(value(id, {}, saturated));
  });
});

describe('identities where they stop holding', () => {
  it('unified (λ = 0, γ = 0, δ = 0.5) departs from dice when an empty class is predicted exactly 0', () => {
    // One sample, 4 pixels, all background, predicted perfectly: dice sees 0/0 → 1 − TI = 0 for
    // the empty class; the unified loss clips p to 1e-7 and its smoothing is 1e-7, so the empty
    // class contributes (4e-7·0.5)/(4e-7·0.5 + 1e-7) ≈ 0.67.
    const y = [1, 0, 1, 0, 1, 0, 1, 0];
    const inp: Input = { label: 'empty', shape: [1, 2, 2, 2], y: Float32Array.from(y), p: Float32Array.from(y) };
    expect(value('dice', {}, inp)).toBe(0);
    expect(value('symmetricUnifiedFocal', { lambda: 0, gamma: 0, delta: 0.5 }, inp)).toBeGreaterThan(0.3);
  });
});
