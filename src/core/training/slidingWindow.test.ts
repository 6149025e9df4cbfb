import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample2D } from '../data/types';
import { createLoss } from '../losses';
import { modelGeometry, Predictor } from './slidingWindow';
import { tinyModel } from './testing/tinyModel';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A per-pixel model (1×1 convolution, softmax): class logits 0.8·x − 0.2 and −0.5·x + 0.3. */
function pointwise(width: number, height: number): tf.LayersModel {
  const input = tf.input({ shape: [height, width, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'softmax' });
  const model = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
  const weights = [tf.tensor4d([0.8, -0.5], [1, 1, 1, 2]), tf.tensor1d([-0.2, 0.3])];
  conv.setWeights(weights);
  tf.dispose(weights);
  return model;
}

function image(width: number, height: number, seed: number): Sample2D {
  const data = new Float32Array(width * height);
  let x = seed;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    data[i] = (x / 2147483648) * 4 - 2;
  }
  const labels = new Uint8Array(width * height).map((_, i) => (data[i]! > 0.5 ? 1 : 0));
  return { width, height, channels: 1, image: data, labels };
}

/** The per-pixel model's softmax computed directly on the whole image. */
function direct(s: Sample2D): Float32Array {
  const out = new Float32Array(s.width * s.height * 2);
  for (let p = 0; p < s.width * s.height; p++) {
    const z0 = 0.8 * s.image[p]! - 0.2;
    const z1 = -0.5 * s.image[p]! + 0.3;
    out[p * 2] = 1 / (1 + Math.exp(z1 - z0));
    out[p * 2 + 1] = 1 / (1 + Math.exp(z0 - z1));
  }
  return out;
}

describe('Predictor', () => {
  it('predicts images larger (sliding windows), smaller (padded) and equal to the input as the model does per pixel', async () => {
    const model = pointwise(16, 16);
    const p = new Predictor(model, { batchSize: 3 });
    const before = tf.memory().numTensors;
    for (const [w, h] of [
      [40, 24],
      [10, 12],
      [16, 16],
      [16, 50],
    ] as const) {
      const s = image(w, h, w * 100 + h);
      const probs = await p.probabilities(s);
      expect(probs).toHaveLength(w * h * 2);
      const want = direct(s);
      let worst = 0;
      for (let i = 0; i < probs.length; i++) worst = Math.max(worst, Math.abs(probs[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-6);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('blends overlapping windows of a model that sees its neighbourhood into probabilities that sum to 1', async () => {
    const model = tinyModel({ size: 16, filters: 4, seed: 5 });
    const p = new Predictor(model, { batchSize: 2 });
    const s = image(37, 29, 9);
    const r = await p.predict(s, { probabilities: true });
    expect(r.labels).toHaveLength(37 * 29);
    const probs = r.probabilities!;
    for (let i = 0; i < 37 * 29; i++) expect(probs[2 * i]! + probs[2 * i + 1]!).toBeCloseTo(1, 5);
    // labels are the argmax of the probabilities; more overlap changes the blend, not the size
    for (let i = 0; i < 37 * 29; i++) expect(r.labels[i]).toBe(probs[2 * i + 1]! > probs[2 * i]! ? 1 : 0);
    const other = await p.predict(s, { overlap: 0.75 });
    expect(other.labels).toHaveLength(37 * 29);
    await expect(p.predict({ ...s, channels: 3, image: new Float32Array(37 * 29 * 3) })).rejects.toThrow(/the image has 3 channels; the model takes 1/);
    model.dispose();
  });

  it('visits every sample in order with its loss; batched losses add up to the per-sample ones', async () => {
    const model = tinyModel({ size: 16, filters: 4, seed: 2 });
    const loss = createLoss('dice');
    const samples = [image(16, 16, 1), image(16, 16, 2), image(24, 20, 3), image(16, 16, 4), image(16, 16, 5), image(16, 16, 6)];
    const batched = new Predictor(model, { batchSize: 4, loss });
    const single = new Predictor(model, { batchSize: 1, loss });
    const seen: number[] = [];
    const a: number[] = [];
    const b: number[] = [];
    await batched.forEachPrediction(samples, (s, probs, l, i) => {
      expect(s).toBe(samples[i]);
      expect(probs).toHaveLength(s.width * s.height * 2);
      seen.push(i);
      a.push(l);
    });
    await single.forEachPrediction(samples, (_s, _p, l) => b.push(l));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    // the windowed sample is scored on its own; batches report their mean for each member
    expect(a[2]).toBeCloseTo(b[2]!, 6);
    expect(a[0]! + a[1]!).toBeCloseTo(b[0]! + b[1]!, 5);
    expect(a[3]! + a[4]! + a[5]!).toBeCloseTo(b[3]! + b[4]! + b[5]!, 5);
    const none: number[] = [];
    await batched.forEachPrediction(samples, (_s, _p, l) => none.push(l), { loss: false });
    expect(none.every(Number.isNaN)).toBe(true);
    model.dispose();
  });

  it('reads the model geometry and refuses models it cannot tile', () => {
    const model = tinyModel({ width: 24, height: 16, classes: 3 });
    expect(modelGeometry(model)).toEqual({ height: 16, width: 24, channels: 1, classes: 3 });
    expect(() => new Predictor(model, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    model.dispose();
    const input = tf.input({ shape: [null, null, 1] });
    const free = tf.model({ inputs: input, outputs: tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor });
    expect(() => modelGeometry(free)).toThrow(/needs a fixed input size/);
    free.dispose();
  });
});
