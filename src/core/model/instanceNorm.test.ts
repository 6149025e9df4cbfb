/**
 * Instance normalisation: a hand-computed example, the per-channel statistics, gradients,
 * serialisation, each for the composite form (stock CPU kernels) and for the fused kernels
 * (core/kernels, registered by registerFastCpuKernels); and the two against each other on
 * random shapes, values and gradients, including a model saved under one and loaded under the other.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastCpuKernelsRegistered, hasFusedInstanceNorm, registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { randomInt, scaledDifference } from '../kernels/testing/compare';
import { mulberry32 } from '../testing/random';
import { INSTANCE_NORM_EPSILON, InstanceNormalization, instanceNorm, instanceNormComposite, instanceNormalization } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

const MODES = [
  { name: 'composite (stock CPU kernels)', fused: false },
  { name: 'fused kernels (registerFastCpuKernels)', fused: true },
] as const;

function randomTensor(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => offset + scale * (2 * rand() - 1)), shape);
}

/** Per sample and channel mean and (biased) variance of a [B, H, W, C] array, computed in float64. */
function channelStats(values: Float32Array, [b, h, w, c]: number[]): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  const hw = (h ?? 0) * (w ?? 0);
  const cc = c ?? 0;
  for (let s = 0; s < (b ?? 0); s++) {
    for (let k = 0; k < cc; k++) {
      let sum = 0;
      for (let p = 0; p < hw; p++) sum += values[(s * hw + p) * cc + k] ?? 0;
      const m = sum / hw;
      let sq = 0;
      for (let p = 0; p < hw; p++) sq += ((values[(s * hw + p) * cc + k] ?? 0) - m) ** 2;
      mean.push(m);
      variance.push(sq / hw);
    }
  }
  return { mean, variance };
}

for (const mode of MODES) {
  describe(`${mode.name}`, () => {
    beforeAll(() => {
      if (mode.fused) registerFastCpuKernels();
      else restoreStockCpuKernels();
    });

    it('uses the implementation it is meant to', () => {
      expect(fastCpuKernelsRegistered()).toBe(mode.fused);
      expect(hasFusedInstanceNorm()).toBe(mode.fused);
    });

    describe('instanceNorm (function)', () => {
      it('matches a hand-computed 2×2, two-channel example', () => {
        // x has shape [1, 2, 2, 2]; channels-last, so the flat data interleaves the two channels:
        //   channel 0 = [0, 0, 2, 2]: μ = 1, σ² = (1 + 1 + 1 + 1)/4 = 1
        //   channel 1 = [1, 3, 5, 7]: μ = 4, σ² = (9 + 1 + 1 + 9)/4 = 5
        // γ = [2, 0.5], β = [1, −1], ε = 1e-5:
        //   channel 0: 2·(∓1)/√1.00001 + 1 = 2·(∓0.999995) + 1 → −0.99999, 2.99999
        //   channel 1: 0.5·(−3, −1, 1, 3)/√5.00001 − 1, √5.00001 = 2.2360702
        //              → 0.5·(−1.3416394, −0.4472131, 0.4472131, 1.3416394) − 1
        //              = −1.6708197, −1.2236066, −0.7763934, −0.3291803
        const x = tf.tensor([0, 1, 0, 3, 2, 5, 2, 7], [1, 2, 2, 2]);
        const y = instanceNorm(x, tf.tensor1d([2, 0.5]), tf.tensor1d([1, -1]), 1e-5);
        const expected = [-0.99999, -1.6708197, -0.99999, -1.2236066, 2.99999, -0.7763934, 2.99999, -0.3291803];
        const got = Array.from(y.dataSync());
        expect(y.shape).toEqual([1, 2, 2, 2]);
        got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? Number.NaN, 5));
      });

      it('gives zero mean and unit variance per sample and channel (γ = 1, β = 0)', () => {
        // Channels with very different offsets and scales, and a second sample unlike the first.
        const shape = [2, 8, 6, 3];
        const x = tf.tidy(() => tf.mul(randomTensor(shape, 7), tf.tensor1d([1, 50, 0.01])).add(tf.tensor1d([0, -300, 4])));
        const y = instanceNorm(x, null, null);
        const { mean, variance } = channelStats(y.dataSync() as Float32Array, shape);
        // float32: the channel at −300 ± 50 keeps about 1e-5 of rounding in its normalised mean.
        for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-4);
        // σ²/(σ² + ε) is a hair below 1; for the 0.01-scaled channel (σ² ≈ 3e-5) ε matters.
        const xStats = channelStats(x.dataSync() as Float32Array, shape);
        variance.forEach((v, i) => {
          const s2 = xStats.variance[i] ?? Number.NaN;
          expect(v).toBeCloseTo(s2 / (s2 + INSTANCE_NORM_EPSILON), 3);
        });
        expect(variance.slice(0, 2).every((v) => Math.abs(v - 1) < 1e-3)).toBe(true);
      });

      it('normalises each sample on its own statistics (batch composition does not matter)', () => {
        const a = randomTensor([1, 4, 4, 2], 1);
        const b = randomTensor([1, 4, 4, 2], 2, 20, 100);
        const together = instanceNorm(tf.concat([a, b], 0), null, null);
        const alone = tf.concat([instanceNorm(a, null, null), instanceNorm(b, null, null)], 0);
        expect(Array.from(together.dataSync())).toEqual(Array.from(alone.dataSync()));
      });

      it('accepts 3D volumes [B, D, H, W, C], normalising over D, H and W', () => {
        const shape = [1, 3, 4, 4, 2];
        const y = instanceNorm(randomTensor(shape, 3, 5, 2), null, null);
        const flat = channelStats(y.dataSync() as Float32Array, [1, 3 * 4, 4, 2]);
        for (const m of flat.mean) expect(Math.abs(m)).toBeLessThan(1e-5);
        for (const v of flat.variance) expect(v).toBeCloseTo(1, 4);
      });

      it('passes gradients to γ, β and x; Σ y per channel is constant, so its gradient w.r.t. x is 0', () => {
        const x = randomTensor([2, 4, 4, 3], 11, 3);
        const gamma = tf.tensor1d([1.5, 0.5, 2]);
        const beta = tf.tensor1d([0, 1, -1]);
        const w = randomTensor([2, 4, 4, 3], 12);
        const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(instanceNorm(xx, g, b), w));
        const [gx, gg, gb] = tf.grads(f)([x, gamma, beta]);
        for (const g of [gx, gg, gb]) {
          const v = g?.dataSync() ?? new Float32Array();
          expect(v.every(Number.isFinite)).toBe(true);
          expect(v.some((e) => Math.abs(e) > 1e-4)).toBe(true);
        }
        // ∂/∂β_c Σ w·y = Σ_{b,h,w} w_bhwc
        const expectedGb = tf.sum(w, [0, 1, 2]).dataSync();
        Array.from(gb?.dataSync() ?? []).forEach((v, i) => expect(v).toBeCloseTo(expectedGb[i] ?? Number.NaN, 4));
        const gSum = tf.grad((xx: tf.Tensor) => tf.sum(instanceNorm(xx, null, null)))(x);
        expect(Math.max(...Array.from(gSum.dataSync(), Math.abs))).toBeLessThan(1e-5);
      });

      it('gradient w.r.t. x matches central finite differences', () => {
        const x = randomTensor([1, 3, 3, 2], 21, 2);
        const w = randomTensor([1, 3, 3, 2], 22);
        const f = (xx: tf.Tensor): tf.Scalar => tf.sum(tf.mul(instanceNorm(xx, null, null, 1e-3), w));
        const analytic = tf.grad(f)(x).dataSync();
        const base = Float64Array.from(x.dataSync());
        const h = 1e-2;
        for (const i of [0, 5, 11, 17]) {
          const plus = Float32Array.from(base);
          const minus = Float32Array.from(base);
          plus[i] = (plus[i] ?? 0) + h;
          minus[i] = (minus[i] ?? 0) - h;
          const numeric =
            ((f(tf.tensor(plus, x.shape)).dataSync()[0] ?? 0) - (f(tf.tensor(minus, x.shape)).dataSync()[0] ?? 0)) / (2 * h);
          expect(analytic[i]).toBeCloseTo(numeric, 2);
        }
      });

      it('rejects bad inputs with clear messages', () => {
        expect(() => instanceNorm(tf.zeros([4, 3]), null, null)).toThrow(/rank ≥ 3\); got shape \[4, 3\]/);
        expect(() => instanceNorm(tf.zeros([1, 2, 2, 3]), tf.ones([2]), null)).toThrow(/γ \(gamma\) must have shape \[3\] .* got \[2\]/);
        expect(() => instanceNorm(tf.zeros([1, 2, 2, 3]), null, tf.zeros([1, 3]))).toThrow(/β \(beta\) must have shape \[3\]/);
        expect(() => instanceNorm(tf.zeros([1, 2, 2, 3]), null, null, 0)).toThrow(/ε must be a finite number > 0; got 0/);
      });

      it('leaks no tensors', () => {
        const x = randomTensor([1, 4, 4, 2], 5);
        const before = tf.memory().numTensors;
        const y = instanceNorm(x, tf.ones([2]), tf.zeros([2]));
        // y, plus the γ and β created inline above.
        expect(tf.memory().numTensors).toBe(before + 3);
        y.dispose();
      });
    });

    describe('InstanceNormalization (layer)', () => {
      it('has weights gamma = 1 and beta = 0 of shape [C], and computes instanceNorm', () => {
        // Weight names are unique per process: one layer name per mode.
        const name = mode.fused ? 'in_test_fused' : 'in_test';
        const layer = instanceNormalization({ name });
        const x = randomTensor([2, 4, 4, 3], 31, 4, 1);
        const y = layer.apply(x) as tf.Tensor;
        const weights = layer.getWeights();
        expect(layer.weights.map((w) => w.name)).toEqual([`${name}/gamma`, `${name}/beta`]);
        expect(layer.trainableWeights).toHaveLength(2);
        expect(Array.from(weights[0]?.dataSync() ?? [])).toEqual([1, 1, 1]);
        expect(Array.from(weights[1]?.dataSync() ?? [])).toEqual([0, 0, 0]);
        expect(Array.from(y.dataSync())).toEqual(Array.from(instanceNorm(x, null, null).dataSync()));
        expect(layer.countParams()).toBe(6);
      });

      it('γ and β receive non-zero gradients when trained', () => {
        const layer = new InstanceNormalization({ name: 'in_grad' });
        const x = randomTensor([2, 4, 4, 3], 41, 2);
        const w = randomTensor([2, 4, 4, 3], 42);
        layer.apply(x); // builds the layer
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)));
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        const names = Object.keys(grads).sort();
        expect(names.some((n) => n.includes('in_grad/gamma'))).toBe(true);
        expect(names.some((n) => n.includes('in_grad/beta'))).toBe(true);
        for (const n of names) {
          expect(Array.from(grads[n]?.dataSync() ?? []).some((v) => Math.abs(v) > 1e-4)).toBe(true);
        }
      });

      it('serialises epsilon and round-trips through a saved model', async () => {
        const input = tf.input({ shape: [4, 4, 2] });
        const out = instanceNormalization({ name: 'in_eps', epsilon: 1e-3 }).apply(input) as tf.SymbolicTensor;
        const model = tf.model({ inputs: input, outputs: out });
        model.getLayer('in_eps').setWeights([tf.tensor1d([2, 3]), tf.tensor1d([0.5, -0.5])]);
        let saved: tf.io.ModelArtifacts | undefined;
        await model.save(
          tf.io.withSaveHandler(async (artifacts) => {
            saved = artifacts;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
        );
        expect(JSON.stringify(saved?.modelTopology)).toContain('"class_name":"InstanceNormalization"');
        const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
        const layer = loaded.getLayer('in_eps');
        expect(layer).toBeInstanceOf(InstanceNormalization);
        expect((layer as InstanceNormalization).epsilon).toBe(1e-3);
        const x = randomTensor([1, 4, 4, 2], 51, 0.05);
        expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
      });

      it('rejects an unknown channel count and a bad epsilon', () => {
        expect(() => new InstanceNormalization({ epsilon: -1 })).toThrow(/epsilon must be a finite number > 0; got -1/);
        expect(() => instanceNormalization().apply(tf.input({ shape: [4] }))).toThrow(/expected a channels-last input \[B, H, W, C\]/);
      });
    });
  });
}

describe('fused kernels against the composite form', () => {
  beforeAll(() => registerFastCpuKernels());

  const rand = mulberry32(77);
  const cases = Array.from({ length: 16 }, (_, i) => {
    const spatial: number[] = Array.from({ length: i % 4 === 3 ? 3 : 2 }, () => randomInt(rand, 1, 9));
    if (!spatial.some((d) => d > 1)) spatial[0] = 2;
    const shape = [randomInt(rand, 1, 3), ...spatial, randomInt(rand, 1, 9)];
    const eps = [1e-5, 1e-3, 0.1][i % 3] ?? 1e-5;
    const scale = 10 ** randomInt(rand, -2, 3);
    return { label: `x [${shape.join(', ')}], ε ${eps}`, shape, eps, scale, offset: 4 * scale * (rand() - 0.5), i };
  });

  it.each(cases.map((c) => [c.label, c] as const))('%s: value and gradients w.r.t. x, γ and β', (_label, c) => {
    const x = tf.add(tf.mul(randomTensor(c.shape, 1000 + c.i), c.scale), c.offset);
    const channels = c.shape[c.shape.length - 1] ?? 1;
    const gamma = randomTensor([channels], 2000 + c.i, 2);
    const beta = randomTensor([channels], 3000 + c.i);
    const w = randomTensor(c.shape, 4000 + c.i);
    const run = (f: typeof instanceNorm): Float32Array[] =>
      tf.tidy(() => {
        const y = f(x, gamma, beta, c.eps);
        const grads = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(xx, g, b, c.eps), w)))([x, gamma, beta]);
        return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
      });
    expect(hasFusedInstanceNorm()).toBe(true);
    const fused = run(instanceNorm);
    const composite = run(instanceNormComposite);
    // Float32 rounding of the composite form (the fused kernels compute in float64); it grows with
    // |μ| / σ, kept below 2 here (see the next test for large offsets).
    composite.forEach((ref, k) => expect(scaledDifference(fused[k]!, ref)).toBeLessThan(2e-6));
  });

  it('stays accurate where the mean is far from 0 (|μ| / σ = 1e4), against a float64 reference', () => {
    // One sample, two channels: x = μ_c + σ_c·u with u fixed; y = γ·(x − μ)/√(σ² + ε) + β.
    const u = [-1.5, -0.5, 0.25, 0.75, 1, 0, -0.25, 0.25];
    const mu = [1e4, -3e3];
    const sigma = [1, 0.3];
    const x = tf.tensor(u.flatMap((v) => mu.map((m, c) => m + (sigma[c] ?? 1) * v)), [1, 2, 4, 2]);
    const xs = x.dataSync();
    const y = instanceNorm(x, null, null).dataSync();
    for (let c = 0; c < 2; c++) {
      const vals = Array.from({ length: 8 }, (_, s) => xs[s * 2 + c] ?? NaN);
      const mean = vals.reduce((a, b) => a + b, 0) / 8;
      const variance = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
      vals.forEach((v, s) => expect(Math.abs((y[s * 2 + c] ?? NaN) - (v - mean) / Math.sqrt(variance + INSTANCE_NORM_EPSILON))).toBeLessThan(1e-5));
    }
  });

  it('keeps no tensor between the forward and the backward pass beyond its inputs', () => {
    const x = randomTensor([2, 6, 6, 4], 1);
    const gamma = tf.ones([4]);
    const beta = tf.zeros([4]);
    const before = tf.memory().numTensors;
    const grads = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(instanceNorm(xx, g, b))))([x, gamma, beta]);
    expect(tf.memory().numTensors).toBe(before + 3);
    grads.forEach((t) => t.dispose());
  });

  it('a model saved under the composite form loads and predicts alike under the fused kernels, and back', async () => {
    const input = tf.input({ shape: [6, 5, 3] });
    const out = instanceNormalization({ name: 'in_saved' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    model.getLayer('in_saved').setWeights([tf.tensor1d([2, 0.5, 1]), tf.tensor1d([0.5, -0.5, 3])]);
    const x = randomTensor([2, 6, 5, 3], 61, 4);
    let saved: tf.io.ModelArtifacts | undefined;
    const save = tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    });
    restoreStockCpuKernels();
    await model.save(save);
    const before = Float32Array.from((model.predict(x) as tf.Tensor).dataSync());
    registerFastCpuKernels();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const after = Float32Array.from((loaded.predict(x) as tf.Tensor).dataSync());
    expect(scaledDifference(after, before)).toBeLessThan(1e-5);
    expect(loaded.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(model.getWeights().map((t) => Array.from(t.dataSync())));
  });
});
