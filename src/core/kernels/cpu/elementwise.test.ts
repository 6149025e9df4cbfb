/**
 * The element-wise CPU kernels against tfjs-backend-cpu's stock kernels: bit for bit, on seeded
 * random shapes and every broadcast they handle (and some they hand back), with NaN, ±∞ and
 * −0 among the values; and the gradients that run through them (ReLU's, softmax's).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random';
import { restoreStockCpuKernels } from '../index';
import { randomInt, randomTensor, stockAndFast } from '../testing/compare';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

/** A seeded tensor with some NaN, ±∞, −0 and exact zeros among uniform values. */
function specialTensor(shape: number[], seed: number): tf.Tensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const specials = [NaN, Infinity, -Infinity, -0, 0];
  return tf.tensor(
    Float32Array.from({ length: n }, () => (rand() < 0.1 ? (specials[Math.floor(rand() * specials.length)] ?? 0) : 4 * rand() - 2)),
    shape,
  );
}

/** Bitwise equality of float32 results (NaN equals NaN, −0 differs from 0). */
function expectSameBits(fast: Float32Array[], stock: Float32Array[]): void {
  expect(fast).toHaveLength(stock.length);
  stock.forEach((s, k) => {
    const f = fast[k]!;
    expect(f.length).toBe(s.length);
    expect(Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length))).toEqual(Array.from(new Uint32Array(s.buffer, s.byteOffset, s.length)));
  });
}

function randomShape(rand: () => number): number[] {
  return Array.from({ length: randomInt(rand, 1, 5) }, () => randomInt(rand, 1, 6));
}

describe('Add, Sub, Multiply, RealDiv (fast CPU kernels)', () => {
  const rand = mulberry32(31);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const shape = randomShape(rand);
    const C = shape[shape.length - 1] ?? 1;
    const row = [...shape.slice(0, -1), 1];
    const others: [string, number[]][] = [
      ['same', shape],
      ['scalar', []],
      ['single', shape.map(() => 1)],
      ['channel', [C]],
      ['channel, rank kept', [...shape.slice(0, -1).map(() => 1), C]],
      ['row', row],
      ['leading broadcast', [1, ...shape]],
    ];
    const [kind, other] = others[i % others.length]!;
    return { label: `[${shape}] with ${kind} [${other}]`, shape, other, i, handled: kind !== 'leading broadcast' };
  });
  const ops = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ] as const;
  for (const [name, op] of ops) {
    it.each(cases.map((c) => [c.label, c] as const))(`${name}: %s, both orders`, (_label, c) => {
      const a = specialTensor(c.shape, 100 + c.i);
      const b = specialTensor(c.other, 200 + c.i);
      const { stock, fast, fallbacks } = stockAndFast(() => [op(a, b), op(b, a)]);
      expectSameBits(fast, stock);
      const kernel = { add: 'Add', sub: 'Sub', mul: 'Multiply', div: 'RealDiv' }[name];
      expect(fallbacks[kernel]).toBe(c.handled ? undefined : 2);
    });
  }

  it('leaves int32 tensors and other broadcasts to the stock kernels', () => {
    const a = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const b = tf.tensor([7, 8, 9], [3], 'int32');
    const c = randomTensor([2, 1, 3], 1);
    const d = randomTensor([1, 4, 1], 2);
    const { stock, fast, fallbacks } = stockAndFast(() => [tf.add(a, b), tf.mul(a, b), tf.sub(c, d), tf.div(d, c)]);
    expectSameBits(fast, stock);
    expect(fallbacks).toMatchObject({ Add: 1, Multiply: 1, Sub: 1, RealDiv: 1 });
  });
});

describe('Relu, Step, Sum over leading axes, Softmax (fast CPU kernels)', () => {
  const rand = mulberry32(41);
  const shapes = Array.from({ length: 12 }, () => randomShape(rand));
  it.each(shapes.map((s, i) => [`[${s}]`, s, i] as const))('%s', (_label, shape, i) => {
    const x = specialTensor(shape, 300 + i);
    const finite = randomTensor(shape, 400 + i, 20);
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const out = [tf.relu(x), tf.step(x), tf.step(x, 0.3), tf.softmax(x), tf.softmax(finite)];
      for (let r = 1; r < shape.length; r++) {
        const axes = Array.from({ length: r }, (_, a) => a);
        out.push(tf.sum(finite, axes), tf.sum(finite, axes, true), tf.sum(finite, axes.reverse()));
      }
      return out;
    });
    expectSameBits(fast, stock);
    for (const k of ['Relu', 'Step', 'Softmax', 'Sum']) expect(fallbacks[k]).toBeUndefined();
  });

  it('gradients through ReLU and softmax', () => {
    const x = randomTensor([2, 5, 7, 3], 51, 3);
    const r = randomTensor([2, 5, 7, 3], 52);
    const { stock, fast, fallbacks } = stockAndFast(() => [
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), r)))(x),
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t), r)))(x),
    ]);
    expectSameBits(fast, stock);
    for (const k of ['Relu', 'Step', 'Softmax', 'Multiply', 'Sub']) expect(fallbacks[k]).toBeUndefined();
  });

  it('leaves other reductions and dtypes to the stock kernels', () => {
    const x = randomTensor([3, 4, 5], 61);
    const i = tf.tensor([1, -2, 3, -4], [2, 2], 'int32');
    const { stock, fast, fallbacks } = stockAndFast(() => [tf.sum(x, [1]), tf.sum(x, [0, 2]), tf.sum(x), tf.sum(x, [2]), tf.sum(i, 0), tf.relu(i)]);
    expectSameBits(fast, stock);
    expect(fallbacks).toMatchObject({ Sum: 5, Relu: 1 });
  });
});
