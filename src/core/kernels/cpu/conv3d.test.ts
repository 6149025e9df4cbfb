/**
 * The fast CPU 3D convolution and 3D max-pooling kernels against tfjs-backend-cpu's stock
 * kernels on seeded random shapes: batch 1–2, odd and even sizes, channels 1–8, filter sizes
 * 1–3 per axis, strides 1 and 2, 'same' and 'valid' padding, dilations (forward only; tfjs
 * differentiates conv3d with dilation 1 only). Conv3DBackpropFilterV2 adds in the stock order
 * in float64, so it must agree bit for bit; the others to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random';
import { restoreStockCpuKernels } from '../index';
import { randomInt, randomTensor, scaledDifference, stockAndFast } from '../testing/compare';

/** Float32 rounding of sums of up to a few thousand terms, relative to the result's scale. */
const TOLERANCE = 2e-6;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

/** The kernels of this file never hand their work to the stock ones. */
function expectNoFallbacks(fallbacks: Record<string, number>): void {
  for (const k of ['Conv3D', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2', 'MaxPool3D', 'MaxPool3DGrad']) expect(fallbacks[k]).toBeUndefined();
}

type Triple = [number, number, number];
type Shape5 = [number, number, number, number, number];

interface Conv3DCase {
  label: string;
  xShape: Shape5;
  filterShape: Shape5;
  strides: Triple;
  dilations: Triple;
  pad: 'same' | 'valid';
}

/** A random 3D convolution whose output is not empty; dilations > 1 only with stride 1 (as tfjs requires). */
function randomCase(rand: () => number, withDilation: boolean): Conv3DCase {
  for (;;) {
    const size = (): number => randomInt(rand, 1, 7);
    const xShape: Shape5 = [randomInt(rand, 1, 2), size(), size(), size(), randomInt(rand, 1, 8)];
    const filterShape: Shape5 = [randomInt(rand, 1, 3), randomInt(rand, 1, 3), randomInt(rand, 1, 3), xShape[4], randomInt(rand, 1, 8)];
    const dilated = withDilation && rand() < 0.3;
    const strides: Triple = dilated ? [1, 1, 1] : [randomInt(rand, 1, 2), randomInt(rand, 1, 2), randomInt(rand, 1, 2)];
    const dilations: Triple = dilated ? [randomInt(rand, 1, 2), randomInt(rand, 1, 2), randomInt(rand, 1, 2)] : [1, 1, 1];
    const pad = rand() < 0.5 ? 'same' : 'valid';
    const fits = [0, 1, 2].every((a) => xShape[a + 1]! >= (filterShape[a]! - 1) * dilations[a]! + 1);
    if (pad === 'valid' && !fits) continue;
    return {
      label: `x [${xShape}], filter [${filterShape}], strides ${strides}, dilations ${dilations}, pad ${pad}`,
      xShape,
      filterShape,
      strides,
      dilations,
      pad,
    };
  }
}

/** Convolutions whose im2col matrix is computed in several blocks of voxels. */
const LARGE_CASES: Conv3DCase[] = [
  { label: 'x [1, 12, 11, 13, 16], filter [3, 3, 3, 16, 8], pad same (several voxel blocks)', xShape: [1, 12, 11, 13, 16], filterShape: [3, 3, 3, 16, 8], strides: [1, 1, 1], dilations: [1, 1, 1], pad: 'same' },
  { label: 'x [2, 9, 10, 11, 12], filter [3, 3, 3, 12, 6], strides 2, pad same (several voxel blocks)', xShape: [2, 9, 10, 11, 12], filterShape: [3, 3, 3, 12, 6], strides: [2, 2, 2], dilations: [1, 1, 1], pad: 'same' },
];

const rand = mulberry32(3003);
const forwardCases = [...Array.from({ length: 30 }, () => randomCase(rand, true)), ...LARGE_CASES];
const gradientCases = [...Array.from({ length: 30 }, () => randomCase(rand, false)), ...LARGE_CASES];

describe('Conv3D (fast CPU kernel)', () => {
  it.each(forwardCases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const x = randomTensor(c.xShape, 100 + i);
    const w = randomTensor(c.filterShape, 200 + i);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, c.strides, c.pad, 'NDHWC', c.dilations));
    expect(fast[0]?.length).toBe(stock[0]?.length);
    expect(scaledDifference(fast[0]!, stock[0]!)).toBeLessThan(TOLERANCE);
    expectNoFallbacks(fallbacks);
  });
});

describe('Conv3DBackpropFilterV2 and Conv3DBackpropInputV2 (gradients of conv3d)', () => {
  it.each(gradientCases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const x = randomTensor(c.xShape, 300 + i);
    const w = randomTensor(c.filterShape, 400 + i);
    const conv = (xx: tf.Tensor, ww: tf.Tensor): tf.Tensor5D => tf.conv3d(xx as tf.Tensor5D, ww as tf.Tensor5D, c.strides, c.pad);
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const r = randomTensor(conv(x, w).shape, 500 + i);
      return tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww), r)))([x, w]);
    });
    const [dxStock, dwStock] = stock;
    const [dxFast, dwFast] = fast;
    expect(scaledDifference(dxFast!, dxStock!)).toBeLessThan(TOLERANCE);
    expect(dwFast).toEqual(dwStock);
    expectNoFallbacks(fallbacks);
  });
});

describe('conv3dTranspose (Conv3DBackpropInputV2 as a forward pass)', () => {
  const cases = Array.from({ length: 12 }, (_, i) => {
    const r = mulberry32(700 + i);
    const b = randomInt(r, 1, 2);
    const dims: Triple = [randomInt(r, 1, 4), randomInt(r, 1, 4), randomInt(r, 1, 4)];
    const inC = randomInt(r, 1, 8);
    const outC = randomInt(r, 1, 8);
    const k = randomInt(r, 1, 3);
    const s = randomInt(r, 1, 2);
    const pad = r() < 0.5 ? ('same' as const) : ('valid' as const);
    const out = dims.map((d) => (pad === 'same' ? d * s : (d - 1) * s + k)) as Triple;
    return { label: `x [${b}, ${dims}, ${inC}], filter ${k}×${k}×${k}, ${inC}→${outC}, stride ${s}, pad ${pad}`, b, dims, inC, outC, k, s, pad, out };
  });
  it.each(cases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const x = randomTensor([c.b, ...c.dims, c.inC], 800 + i);
    const filter = randomTensor([c.k, c.k, c.k, c.outC, c.inC], 900 + i);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.conv3dTranspose(x as tf.Tensor5D, filter as tf.Tensor5D, [c.b, ...c.out, c.outC], c.s, c.pad));
    expect(scaledDifference(fast[0]!, stock[0]!)).toBeLessThan(TOLERANCE);
    expectNoFallbacks(fallbacks);
  });
});

describe('MaxPool3D and MaxPool3DGrad (fast CPU kernels)', () => {
  const r = mulberry32(19);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const shape: Shape5 = [randomInt(r, 1, 2), randomInt(r, 1, 7), randomInt(r, 1, 7), randomInt(r, 1, 7), randomInt(r, 1, 5)];
    // Height and width windows equal: the stock gradient mislocates the maximum otherwise (see maxPool3d.ts).
    const side = randomInt(r, 1, 3);
    const filter: Triple = [randomInt(r, 1, 3), side, side];
    const strides: Triple = [randomInt(r, 1, 2), randomInt(r, 1, 2), randomInt(r, 1, 2)];
    const fits = shape[1] >= filter[0] && shape[2] >= side && shape[3] >= side;
    const pad = r() < 0.5 || !fits ? ('same' as const) : ('valid' as const);
    // Values on a coarse grid: many windows hold their maximum twice.
    const ties = i % 2 === 0;
    return { label: `x [${shape}], window ${filter}, strides ${strides}, pad ${pad}${ties ? ', with ties' : ''}`, shape, filter, strides, pad, ties, i };
  });
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const raw = randomTensor(c.shape, 200 + c.i);
    const x = c.ties ? tf.round(tf.mul(raw, 2)) : raw;
    const pool = (t: tf.Tensor): tf.Tensor5D => tf.maxPool3d(t as tf.Tensor5D, c.filter, c.strides, c.pad);
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const r2 = randomTensor(pool(x).shape, 300 + c.i);
      return [pool(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), r2)))(x)];
    });
    expect(fast[0]).toEqual(stock[0]);
    expect(scaledDifference(fast[1]!, stock[1]!)).toBeLessThan(1e-6);
    expectNoFallbacks(fallbacks);
  });

  it('passes the gradient to the maximum where the window’s height and width differ', () => {
    // One window, [1, 2, 3]: the maximum at row 1, column 0 (flat position 3).
    const x = tf.tensor5d([0, 1, 2, 9, 3, 4], [1, 1, 2, 3, 1]);
    const { fast } = stockAndFast(() => tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool3d(t as tf.Tensor5D, [1, 2, 3], 1, 'valid')))(x));
    expect(Array.from(fast[0]!)).toEqual([0, 0, 0, 1, 0, 0]);
  });
});
