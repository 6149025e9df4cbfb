/**
 * BatchMatMul (fast CPU kernel) against tfjs-backend-cpu's stock kernel on seeded random shapes:
 * both transposes, batches equal or broadcast from 1, inner sizes beyond the stock kernel's
 * block of 48; values, and gradients where the batches are equal, to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random';
import { restoreStockCpuKernels } from '../index';
import { randomInt, randomTensor, scaledDifference, stockAndFast } from '../testing/compare';

const TOLERANCE = 2e-6;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

describe('BatchMatMul (fast CPU kernel)', () => {
  const rand = mulberry32(23);
  const cases = Array.from({ length: 30 }, (_, i) => {
    const M = randomInt(rand, 1, 9);
    const N = randomInt(rand, 1, 9);
    const K = i % 5 === 0 ? randomInt(rand, 40, 130) : randomInt(rand, 1, 12);
    const transposeA = rand() < 0.5;
    const transposeB = rand() < 0.5;
    const batch = randomInt(rand, 1, 3);
    // 0: both rank 2; 1: equal batches; 2: a's batch of one broadcast; 3: b's.
    const kind = i % 4;
    const batchA = kind === 0 ? [] : kind === 2 ? [1] : [batch];
    const batchB = kind === 0 ? [] : kind === 3 ? [] : [batch];
    const aShape = [...batchA, ...(transposeA ? [K, M] : [M, K])];
    const bShape = [...batchB, ...(transposeB ? [N, K] : [K, N])];
    // tfjs 4.22 differentiates matMul with equal batches only.
    const withGradients = kind < 2;
    return { label: `a [${aShape}]${transposeA ? 'ᵀ' : ''} · b [${bShape}]${transposeB ? 'ᵀ' : ''}`, aShape, bShape, transposeA, transposeB, withGradients, i };
  });
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const a = randomTensor(c.aShape, 100 + c.i);
    const b = randomTensor(c.bShape, 200 + c.i);
    const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x, y, c.transposeA, c.transposeB);
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const r = randomTensor(f(a, b).shape, 300 + c.i);
      return [f(a, b), ...(c.withGradients ? tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), r)))([a, b]) : [])];
    });
    expect(fast).toHaveLength(c.withGradients ? 3 : 1);
    stock.forEach((s, k) => expect(scaledDifference(fast[k]!, s)).toBeLessThan(TOLERANCE));
    expect(fallbacks.BatchMatMul).toBeUndefined();
  });

  it('hands batches that broadcast over several axes to the stock kernel', () => {
    const a = randomTensor([2, 1, 3, 4], 1);
    const b = randomTensor([1, 3, 4, 5], 2);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.matMul(a, b));
    expect(fast).toEqual(stock);
    expect(fallbacks.BatchMatMul).toBe(1);
  });
});
