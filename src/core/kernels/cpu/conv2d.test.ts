/**
 * The fast CPU convolution kernels against tfjs-backend-cpu's stock kernels on seeded random
 * shapes: batch, odd sizes, channels, filter sizes, strides, dilations and paddings; values and
 * gradients. Conv2DBackpropFilter adds in the stock order in float64, so it must agree bit for
 * bit; the others to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random';
import { restoreStockCpuKernels } from '../index';
import { randomInt, randomTensor, scaledDifference, stockAndFast } from '../testing/compare';

/** Float32 rounding of sums of up to a few hundred terms, relative to the result's scale. */
const TOLERANCE = 2e-6;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

interface ConvCase {
  label: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid' | number;
}

/** A random convolution whose output is not empty; dilations > 1 only with stride 1 (as tfjs requires). */
function randomCase(rand: () => number, withDilation: boolean): ConvCase {
  for (;;) {
    const b = randomInt(rand, 1, 3);
    const h = randomInt(rand, 1, 11);
    const w = randomInt(rand, 1, 11);
    const inC = randomInt(rand, 1, 7);
    const outC = randomInt(rand, 1, 9);
    const fH = randomInt(rand, 1, 4);
    const fW = randomInt(rand, 1, 4);
    const dilated = withDilation && rand() < 0.3;
    const strides: [number, number] = dilated ? [1, 1] : [randomInt(rand, 1, 3), randomInt(rand, 1, 3)];
    const dilations: [number, number] = dilated ? [randomInt(rand, 1, 2), randomInt(rand, 1, 3)] : [1, 1];
    const p = rand();
    const pad = p < 0.4 ? 'same' : p < 0.7 ? 'valid' : randomInt(rand, 0, 2);
    const effH = (fH - 1) * dilations[0] + 1;
    const effW = (fW - 1) * dilations[1] + 1;
    const padNum = typeof pad === 'number' ? 2 * pad : 0;
    if (pad !== 'same' && (h + padNum < effH || w + padNum < effW)) continue;
    return {
      label: `x [${b}, ${h}, ${w}, ${inC}], filter [${fH}, ${fW}, ${inC}, ${outC}], strides ${strides}, dilations ${dilations}, pad ${pad}`,
      xShape: [b, h, w, inC],
      filterShape: [fH, fW, inC, outC],
      strides,
      dilations,
      pad,
    };
  }
}

/** Convolutions whose im2col matrix is computed in several blocks of pixels. */
const LARGE_CASES: ConvCase[] = [
  { label: 'x [1, 24, 24, 64], filter [3, 3, 64, 8], pad same (several pixel blocks)', xShape: [1, 24, 24, 64], filterShape: [3, 3, 64, 8], strides: [1, 1], dilations: [1, 1], pad: 'same' },
  { label: 'x [2, 23, 21, 40], filter [3, 3, 40, 12], strides 2, pad same (several pixel blocks)', xShape: [2, 23, 21, 40], filterShape: [3, 3, 40, 12], strides: [2, 2], dilations: [1, 1], pad: 'same' },
];

const rand = mulberry32(2024);
const forwardCases = [...Array.from({ length: 40 }, () => randomCase(rand, true)), ...LARGE_CASES];
const gradientCases = [...Array.from({ length: 40 }, () => randomCase(rand, false)), ...LARGE_CASES];

describe('Conv2D (fast CPU kernel)', () => {
  it.each(forwardCases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const x = randomTensor(c.xShape, 100 + i);
    const w = randomTensor(c.filterShape, 200 + i);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations));
    expect(fast[0]?.length).toBe(stock[0]?.length);
    expect(scaledDifference(fast[0]!, stock[0]!)).toBeLessThan(TOLERANCE);
    expect(fallbacks).toEqual({});
  });

  it('hands channels-first (NCHW) input to the stock kernel', () => {
    const x = randomTensor([2, 3, 7, 6], 1);
    const w = randomTensor([3, 3, 3, 4], 2);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NCHW'));
    expect(fast[0]).toEqual(stock[0]);
    expect(fallbacks.Conv2D).toBe(1);
  });
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput (gradients of conv2d)', () => {
  it.each(gradientCases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const x = randomTensor(c.xShape, 300 + i);
    const w = randomTensor(c.filterShape, 400 + i);
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad);
      const r = randomTensor(y.shape, 500 + i);
      return tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad), r)))([x, w]);
    });
    const [dxStock, dwStock] = stock;
    const [dxFast, dwFast] = fast;
    expect(scaledDifference(dxFast!, dxStock!)).toBeLessThan(TOLERANCE);
    expect(dwFast).toEqual(dwStock);
    expect(fallbacks.Conv2DBackpropInput).toBeUndefined();
    expect(fallbacks.Conv2DBackpropFilter).toBeUndefined();
  });
});

describe('conv2dTranspose (Conv2DBackpropInput forward; Conv2D and Conv2DBackpropFilter backward)', () => {
  const cases = Array.from({ length: 16 }, (_, i) => {
    const r = mulberry32(700 + i);
    const b = randomInt(r, 1, 2);
    const h = randomInt(r, 1, 6);
    const w = randomInt(r, 1, 6);
    const inC = randomInt(r, 1, 6);
    const outC = randomInt(r, 1, 6);
    const k = randomInt(r, 1, 3);
    const s = randomInt(r, 1, 3);
    const pad = r() < 0.5 ? ('same' as const) : ('valid' as const);
    const outH = pad === 'same' ? h * s : (h - 1) * s + k;
    const outW = pad === 'same' ? w * s : (w - 1) * s + k;
    return { label: `x [${b}, ${h}, ${w}, ${inC}], filter ${k}×${k}, ${inC}→${outC}, stride ${s}, pad ${pad}`, b, h, w, inC, outC, k, s, pad, outH, outW };
  });
  it.each(cases.map((c, i) => [c.label, c, i] as const))('%s', (_label, c, i) => {
    const x = randomTensor([c.b, c.h, c.w, c.inC], 800 + i);
    const filter = randomTensor([c.k, c.k, c.outC, c.inC], 900 + i);
    const outShape: [number, number, number, number] = [c.b, c.outH, c.outW, c.outC];
    const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Tensor4D => tf.conv2dTranspose(xx as tf.Tensor4D, ww as tf.Tensor4D, outShape, c.s, c.pad);
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const r = randomTensor(outShape, 1000 + i);
      return [f(x, filter), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(xx, ww), r)))([x, filter])];
    });
    for (let k = 0; k < 3; k++) expect(scaledDifference(fast[k]!, stock[k]!)).toBeLessThan(TOLERANCE);
    for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) expect(fallbacks[k]).toBeUndefined();
  });
});

describe('FusedConv2D (what tf.layers.conv2d calls): bias and activations, and its gradient', () => {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  it.each(activations.map((a, i) => [a, i] as const))('%s', (activation, i) => {
    const c = randomCase(mulberry32(1100 + i), false);
    const x = randomTensor(c.xShape, 1200 + i, 2);
    const w = randomTensor(c.filterShape, 1300 + i);
    const outC = c.filterShape[3];
    const bias = randomTensor([outC], 1400 + i);
    const alpha = randomTensor([outC], 1500 + i, 0.3);
    const conv = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Tensor4D =>
      tf.fused.conv2d({
        x: xx as tf.Tensor4D,
        filter: ww as tf.Tensor4D,
        strides: c.strides,
        pad: c.pad,
        bias: bb,
        activation,
        ...(activation === 'prelu' ? { preluActivationWeights: alpha } : {}),
        ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.15 } : {}),
      });
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const y = conv(x, w, bias);
      const r = randomTensor(y.shape, 1600 + i);
      // tfjs differentiates fused conv2d for linear and relu only.
      const grads = activation === 'linear' || activation === 'relu' ? tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww, bb), r)))([x, w, bias]) : [];
      return [y, ...grads];
    });
    expect(fast).toHaveLength(stock.length);
    stock.forEach((s, k) => expect(scaledDifference(fast[k]!, s)).toBeLessThan(TOLERANCE));
    expect(fallbacks.FusedConv2D).toBeUndefined();
  });

  it('takes one bias value for every channel', () => {
    const x = randomTensor([2, 5, 5, 3], 1);
    const w = randomTensor([3, 3, 3, 4], 2);
    const bias = tf.tensor1d([0.25]);
    const { stock, fast, fallbacks } = stockAndFast(() => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' }));
    expect(scaledDifference(fast[0]!, stock[0]!)).toBeLessThan(TOLERANCE);
    expect(fallbacks.FusedConv2D).toBeUndefined();
  });
});
