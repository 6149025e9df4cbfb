import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../data/rng';
import { cropVolumeData, padVolumeTo, slidingWindows3D, type Sample3D, type Size3D } from '../data/volume3d';
import { argmaxLabels } from '../metrics';
import { modelGeometry3D, predictVolume3D, volumeProbabilities3D } from './slidingWindow3d';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Fixed 1×1×1 kernel (2 input channels → 3 classes) and bias of the translation-equivariant toy model. */
const KERNEL = [0.8, -0.5, 0.1, 0.3, 0.2, -0.7];
const BIAS = [-0.2, 0.3, 0.05];

/** A 1×1×1 convolution with softmax: the same per-voxel function for any input size. */
function pointwise(size: Size3D): tf.LayersModel {
  const input = tf.input({ shape: [size.depth, size.height, size.width, 2] });
  const conv = tf.layers.conv3d({ filters: 3, kernelSize: 1, activation: 'softmax' });
  const model = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
  const w = [tf.tensor5d(KERNEL, [1, 1, 1, 2, 3]), tf.tensor1d(BIAS)];
  conv.setWeights(w);
  tf.dispose(w);
  return model;
}

/** A model that sees a 3×3×3 neighbourhood (two seeded 'same' convolutions), so padding and window edges matter. */
function neighbourhood(size: Size3D, seed = 3): tf.LayersModel {
  const input = tf.input({ shape: [size.depth, size.height, size.width, 2] });
  const conv = (filters: number, k: number, activation: 'relu' | 'softmax', s: number) =>
    tf.layers.conv3d({ filters, kernelSize: k, padding: 'same', activation, kernelInitializer: tf.initializers.glorotUniform({ seed: s }), biasInitializer: 'zeros' });
  const h = conv(4, 3, 'relu', seed).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: conv(3, 1, 'softmax', seed + 1).apply(h) as tf.SymbolicTensor });
}

function volume(width: number, height: number, depth: number, seed: number): Sample3D {
  const rng = createRng(seed);
  const n = width * height * depth;
  return { width, height, depth, channels: 2, image: Float32Array.from({ length: 2 * n }, () => rng.uniform(-2, 2)), labels: new Uint8Array(n) };
}

/** The model applied once to a whole sample of its input size. */
async function whole(model: tf.LayersModel, s: Sample3D): Promise<Float32Array> {
  const p = tf.tidy(() => model.predict(tf.tensor5d(s.image, [1, s.depth, s.height, s.width, 2])) as tf.Tensor);
  const data = (await p.data()) as Float32Array;
  p.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const patch = { width: 8, height: 6, depth: 4 };

describe('predictVolume3D', () => {
  it('equals whole-volume inference when one window covers the volume', async () => {
    const model = neighbourhood(patch);
    const s = volume(8, 6, 4, 1);
    const r = await predictVolume3D(model, s, { probabilities: true });
    expect(r.windows).toBe(1);
    const want = await whole(model, s);
    expect(maxAbsDiff(r.probabilities!, want)).toBe(0);
    expect(r.labels).toEqual(argmaxLabels(want, 3));
    model.dispose();
  });

  it('pads a smaller volume (centred, zeros) and cuts the prediction back', async () => {
    const model = neighbourhood(patch);
    const s = volume(5, 6, 3, 2);
    const r = await predictVolume3D(model, s, { probabilities: true });
    expect(r.windows).toBe(1);
    expect(r.labels).toHaveLength(5 * 6 * 3);
    const padded = padVolumeTo(s, 4, 6, 8);
    const want = cropVolumeData(await whole(model, padded.sample), padded.sample, 3, padded.crop);
    expect(maxAbsDiff(r.probabilities!, want)).toBe(0);
    model.dispose();
  });

  it('a translation-equivariant model gives the whole-volume output through overlapping windows (and leaks no tensors)', async () => {
    const model = pointwise(patch);
    const before = tf.memory().numTensors;
    for (const [w, h, d, batchSize, overlap] of [
      [19, 13, 9, 1, 0.5],
      [8, 15, 11, 3, 0.5],
      [20, 6, 4, 2, 0.25],
      [6, 9, 10, 4, 0],
    ] as const) {
      const s = volume(w, h, d, w * 100 + d);
      const size = { width: w, height: h, depth: d };
      const r = await volumeProbabilities3D(model, s, { batchSize, overlap });
      expect(r.windows).toBe(slidingWindows3D(padVolumeTo(s, Math.max(d, 4), Math.max(h, 6), Math.max(w, 8)).sample, patch, overlap).length);
      expect(r.windows).toBeGreaterThan(1);
      const big = pointwise(size);
      const want = await whole(big, s);
      big.dispose();
      expect(maxAbsDiff(r.probabilities, want)).toBeLessThan(1e-6);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('blends a neighbourhood model into probabilities that sum to 1 with labels their argmax; numTensors unchanged', async () => {
    const model = neighbourhood(patch, 7);
    const s = volume(17, 11, 9, 5);
    await predictVolume3D(model, s); // warm-up: backend kernels register their own tensors once
    const before = tf.memory().numTensors;
    const r = await predictVolume3D(model, s, { probabilities: true, batchSize: 4 });
    const again = await predictVolume3D(model, s, { probabilities: true, batchSize: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const p = r.probabilities!;
    const n = 17 * 11 * 9;
    expect(p).toHaveLength(3 * n);
    for (let v = 0; v < n; v++) expect(p[3 * v]! + p[3 * v + 1]! + p[3 * v + 2]!).toBeCloseTo(1, 5);
    expect(r.labels).toEqual(argmaxLabels(p, 3));
    // the batch size changes how windows are grouped, not the result
    expect(maxAbsDiff(p, again.probabilities!)).toBeLessThan(1e-6);
    // a larger overlap tiles with more windows; the output keeps the volume's size
    const other = await predictVolume3D(model, s, { overlap: 0.75 });
    expect(other.windows).toBeGreaterThan(r.windows);
    expect(other.labels).toHaveLength(n);
    model.dispose();
  });

  it('rejects models that are not 3-D, and channel mismatches', async () => {
    const model = pointwise(patch);
    expect(modelGeometry3D(model)).toEqual({ patch, channels: 2, classes: 3 });
    const one = { ...volume(8, 6, 4, 1), channels: 1, image: new Float32Array(8 * 6 * 4) };
    await expect(predictVolume3D(model, one)).rejects.toThrow(/the volume has 1 channels; the model takes 2/);
    await expect(predictVolume3D(model, volume(8, 6, 4, 1), { batchSize: 0 })).rejects.toThrow(/batchSize/);
    model.dispose();
    const flat = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 1, activation: 'softmax' })] });
    expect(() => modelGeometry3D(flat)).toThrow(/\[batch, depth, height, width, channels\]/);
    flat.dispose();
  });
});
