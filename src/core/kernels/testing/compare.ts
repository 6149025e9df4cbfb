/**
 * Test helpers: run the same computation under the stock tfjs CPU kernels and under the fast
 * ones (core/kernels), and compare the results.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../testing/random';
import { fastCpuKernelFallbacks, registerFastCpuKernels, restoreStockCpuKernels } from '../index';

/**
 * The values `f` computes under the stock kernels and under the fast ones (the fast ones stay
 * registered), and the calls the fast kernels handed to the stock ones meanwhile.
 */
export function stockAndFast(f: () => tf.Tensor | tf.Tensor[]): { stock: Float32Array[]; fast: Float32Array[]; fallbacks: Record<string, number> } {
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  restoreStockCpuKernels();
  const stock = run();
  registerFastCpuKernels();
  const fast = run();
  return { stock, fast, fallbacks: fastCpuKernelFallbacks() };
}

/** max |a − b| ÷ max(1, max |b|): the difference relative to the reference's scale. */
export function scaledDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? NaN) - (b[i] ?? NaN));
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return diff / scale;
}

/** A seeded tensor of uniform values in [−scale, scale). */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * (2 * rand() - 1)), shape);
}

/** A seeded integer in lo … hi. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
