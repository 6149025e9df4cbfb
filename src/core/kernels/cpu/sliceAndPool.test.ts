/**
 * Slice, SplitV, Transpose and MaxPoolGrad (fast CPU kernels) against tfjs-backend-cpu's stock
 * kernels on seeded random shapes; slices and transposes bit for bit in every dtype, the max-pool
 * gradient with ties, overlapping windows, strides and paddings.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random';
import { restoreStockCpuKernels } from '../index';
import { randomInt, randomTensor, scaledDifference, stockAndFast } from '../testing/compare';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

describe('Slice and SplitV (fast CPU kernels)', () => {
  const rand = mulberry32(5);
  const cases = Array.from({ length: 30 }, (_, i) => {
    const shape = Array.from({ length: randomInt(rand, 1, 5) }, () => randomInt(rand, 1, 6));
    const begin = shape.map((d) => randomInt(rand, 0, d - 1));
    const size = shape.map((d, a) => randomInt(rand, 1, d - (begin[a] ?? 0)));
    const axis = randomInt(rand, 0, shape.length - 1);
    const dtype = (['float32', 'int32', 'bool'] as const)[i % 3]!;
    return { label: `${dtype} [${shape}] begin [${begin}] size [${size}], split on axis ${axis}`, shape, begin, size, axis, dtype, i };
  });
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const r = mulberry32(100 + c.i);
    const n = c.shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(
      Array.from({ length: n }, () => (c.dtype === 'float32' ? r() - 0.5 : c.dtype === 'int32' ? Math.floor(r() * 100) - 50 : Number(r() < 0.5))),
      c.shape,
      c.dtype,
    );
    const d = c.shape[c.axis] ?? 1;
    const first = randomInt(r, 0, d);
    const { stock, fast } = stockAndFast(() => [
      tf.slice(x, c.begin, c.size).cast('float32'),
      ...tf.split(x, [first, d - first], c.axis).map((t) => t.cast('float32')),
      ...(d % 2 === 0 ? tf.split(x, 2, c.axis).map((t) => t.cast('float32')) : []),
    ]);
    expect(fast).toEqual(stock);
  });

  it('splits the channels of a concatenation in its gradient', () => {
    const a = randomTensor([2, 5, 5, 3], 1);
    const b = randomTensor([2, 5, 5, 4], 2);
    const r = randomTensor([2, 5, 5, 7], 3);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], -1), r)))([a, b]));
    expect(fast).toEqual(stock);
    expect(fallbacks.SplitV).toBeUndefined();
  });
});

describe('Transpose (fast CPU kernel)', () => {
  const rand = mulberry32(11);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const shape = Array.from({ length: randomInt(rand, 0, 5) }, () => randomInt(rand, 1, 5));
    const perm = shape.map((_d, a) => a);
    for (let a = perm.length - 1; a > 0; a--) {
      const b = randomInt(rand, 0, a);
      [perm[a], perm[b]] = [perm[b]!, perm[a]!];
    }
    const dtype = (['float32', 'int32', 'bool'] as const)[i % 3]!;
    return { label: `${dtype} [${shape}] perm [${perm}]`, shape, perm, dtype, i };
  });
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const r = mulberry32(400 + c.i);
    const n = c.shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(
      Array.from({ length: n }, () => (c.dtype === 'float32' ? r() - 0.5 : c.dtype === 'int32' ? Math.floor(r() * 100) - 50 : Number(r() < 0.5))),
      c.shape,
      c.dtype,
    );
    const { stock, fast, fallbacks } = stockAndFast(() => tf.transpose(x, c.perm).cast('float32'));
    expect(fast).toEqual(stock);
    expect(fallbacks.Transpose).toBeUndefined();
  });

  it('reorders the 3D U-Net’s up-convolution: a rank-4 transpose [0, 2, 1, 3] and its gradient', () => {
    const x = randomTensor([6, 10, 2, 12], 5);
    const r = randomTensor([6, 2, 10, 12], 6);
    const { stock, fast } = stockAndFast(() => [tf.transpose(x, [0, 2, 1, 3]), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.transpose(t, [0, 2, 1, 3]), r)))(x)]);
    expect(fast).toEqual(stock);
  });
});

describe('MaxPoolGrad (fast CPU kernel)', () => {
  const rand = mulberry32(9);
  const cases = Array.from({ length: 30 }, (_, i) => {
    const shape: [number, number, number, number] = [randomInt(rand, 1, 3), randomInt(rand, 1, 9), randomInt(rand, 1, 9), randomInt(rand, 1, 5)];
    const filter: [number, number] = [randomInt(rand, 1, 3), randomInt(rand, 1, 3)];
    const strides: [number, number] = [randomInt(rand, 1, 3), randomInt(rand, 1, 3)];
    const pad = rand() < 0.5 || shape[1] < filter[0] || shape[2] < filter[1] ? ('same' as const) : ('valid' as const);
    // Values on a coarse grid: many windows hold their maximum twice.
    const ties = i % 2 === 0;
    return { label: `x [${shape}], window ${filter}, strides ${strides}, pad ${pad}${ties ? ', with ties' : ''}`, shape, filter, strides, pad, ties, i };
  });
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const raw = randomTensor(c.shape, 200 + c.i);
    const x = c.ties ? tf.round(tf.mul(raw, 2)) : raw;
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const y = tf.maxPool(x as tf.Tensor4D, c.filter, c.strides, c.pad);
      const r = randomTensor(y.shape, 300 + c.i);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.filter, c.strides, c.pad), r)))(x);
    });
    expect(scaledDifference(fast[0]!, stock[0]!)).toBeLessThan(1e-6);
    expect(fallbacks.MaxPoolGrad).toBeUndefined();
  });
});
