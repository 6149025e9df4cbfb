import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENTATION } from '../data/augment';
import { createRng } from '../data/rng';
import type { Sample2D } from '../data/types';
import { batchArrays, makeBatch, NormalizedVolumeCache, normalizedSlices, oneHot, prepareSamples, selectChannels, selectSlices } from './samples';
import { makeCase, stackCases, syntheticCases } from './testing/fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function meanStd(values: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  const m = s / values.length;
  let q = 0;
  for (let i = 0; i < values.length; i++) q += (values[i]! - m) ** 2;
  return [m, Math.sqrt(q / values.length)];
}

describe('prepareSamples', () => {
  it('z-scores each image and pads it, centred, to the input size', () => {
    const [c] = syntheticCases(1, 3, 24);
    const [s] = prepareSamples([c!], { inputWidth: 32, inputHeight: 32, depth: 3 });
    expect(s).toMatchObject({ width: 32, height: 32, channels: 1, caseId: c!.id, slice: 0, crop: { x: 4, y: 4, width: 24, height: 24 } });
    const inside = new Float32Array(24 * 24);
    const labels = new Uint8Array(24 * 24);
    for (let y = 0; y < 24; y++) {
      inside.set(s!.image.subarray((y + 4) * 32 + 4, (y + 4) * 32 + 28), y * 24);
      labels.set(s!.labels.subarray((y + 4) * 32 + 4, (y + 4) * 32 + 28), y * 24);
    }
    const [m, sd] = meanStd(inside);
    expect(m).toBeCloseTo(0, 5);
    expect(sd).toBeCloseTo(1, 4);
    expect(labels).toEqual(c!.labels);
    expect(s!.image[0]).toBe(0); // padding: the image mean
    expect(s!.original).toBeUndefined();
  });

  it('resamples larger images to fit (aspect kept) and can keep the original labels', () => {
    const [c] = syntheticCases(1, 3, 64);
    const wide = makeCase('wide', c!.image.data.slice(0, 64 * 32), c!.labels.slice(0, 64 * 32), [64, 32, 1]);
    const [s] = prepareSamples([wide], { inputWidth: 32, inputHeight: 32, keepOriginal: true });
    expect(s).toMatchObject({ width: 32, height: 32, sourceWidth: 64, sourceHeight: 32, crop: { x: 0, y: 8, width: 32, height: 16 } });
    expect(s!.original!.labels).toEqual(wide.labels);
  });

  it("keeps native resolution with fit 'patch' (padded to at least the input)", () => {
    const [c] = syntheticCases(1, 3, 48);
    const [s] = prepareSamples([c!], { inputWidth: 32, inputHeight: 32, fit: 'patch' });
    expect(s).toMatchObject({ width: 48, height: 48, crop: { x: 0, y: 0, width: 48, height: 48 } });
  });

  it('rejects an input size that a U-Net of the given depth cannot take', () => {
    expect(() => prepareSamples([], { inputWidth: 36, inputHeight: 32, depth: 3 })).toThrow(/multiple of 2\^3 = 8/);
  });

  it('slices volumes axially, normalised over the whole volume, optionally only foreground slices', () => {
    const slices = syntheticCases(4, 5, 16);
    const empty = { ...slices[1]!, labels: new Uint8Array(256) };
    const vol = stackCases('vol', [slices[0]!, empty, slices[2]!, { ...slices[3]!, labels: new Uint8Array(256) }]);
    const all = prepareSamples([vol], { inputWidth: 16, inputHeight: 16 });
    expect(all.map((s) => s.slice)).toEqual([0, 1, 2, 3]);
    const joined = new Float32Array(4 * 256);
    all.forEach((s, k) => joined.set(s.image, k * 256));
    const [m, sd] = meanStd(joined);
    expect(m).toBeCloseTo(0, 5);
    expect(sd).toBeCloseTo(1, 4);
    expect(meanStd(all[0]!.image)[0]).not.toBeCloseTo(0, 3); // not per slice
    expect(selectSlices(vol, { slices: 'foreground' })).toEqual([0, 2]);
    expect(selectSlices(vol, { slices: 'foreground', backgroundSliceFraction: 0.5, seed: 1 })).toHaveLength(3);
    expect(selectSlices(vol, { slices: 'foreground', backgroundSliceFraction: 1 })).toEqual([0, 1, 2, 3]);
    const fg = prepareSamples([vol], { inputWidth: 16, inputHeight: 16, slices: 'foreground' });
    expect(fg.map((s) => s.slice)).toEqual([0, 2]);
    expect(fg[1]!.image).toEqual(all[2]!.image);
  });

  it('drops alpha and turns RGB into grey when the model takes one channel', () => {
    expect(selectChannels([1, 2, 3, 255, 4, 5, 6, 255], 4, 3)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(selectChannels([3, 6, 9], 3, 1)).toEqual(new Float32Array([6]));
    expect(selectChannels([7, 255], 2, 1)).toEqual(new Float32Array([7]));
    expect(() => selectChannels([1, 2, 3], 3, 2)).toThrow(/cannot turn 3-channel images into the 2 channels/);
    const rgba = makeCase('rgba', new Uint8Array([10, 20, 30, 255, 40, 50, 60, 255, 0, 0, 0, 255, 90, 90, 90, 255]), new Uint8Array(4), [2, 2, 1], 4);
    expect(normalizedSlices(rgba)[0]!.sample.channels).toBe(3);
    expect(prepareSamples([rgba], { inputWidth: 2, inputHeight: 2, channels: 1 })[0]!.channels).toBe(1);
  });
});

describe('makeBatch', () => {
  const samples = prepareSamples(syntheticCases(4, 3, 32), { inputWidth: 32, inputHeight: 32 });

  it('builds x [B, H, W, Cin] and one-hot y [B, H, W, C] with one tensor each', () => {
    const before = tf.memory().numTensors;
    const { x, y } = makeBatch(samples, [2, 0, 3], createRng(1), { numClasses: 3 });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(x.shape).toEqual([3, 32, 32, 1]);
    expect(y.shape).toEqual([3, 32, 32, 3]);
    expect(x.dtype).toBe('float32');
    tf.tidy(() => {
      const ySum = tf.sum(y, -1);
      expect(tf.min(ySum).dataSync()[0]).toBe(1);
      expect(tf.max(ySum).dataSync()[0]).toBe(1);
      expect(Array.from(tf.argMax(y, -1).dataSync())).toEqual([...samples[2]!.labels, ...samples[0]!.labels, ...samples[3]!.labels]);
    });
    expect(Array.from(x.dataSync().subarray(32 * 32, 2 * 32 * 32))).toEqual(Array.from(samples[0]!.image));
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('oneHot puts a single 1 at the label', () => {
    expect(oneHot(new Uint8Array([0, 2, 1]), 3)).toEqual(new Float32Array([1, 0, 0, 0, 0, 1, 0, 1, 0]));
    expect(() => oneHot(new Uint8Array([0, 3]), 3)).toThrow(/label 3 is not a class of a 3-class model/);
    expect(() => batchArrays(samples, [0], createRng(1), { numClasses: 1 })).toThrow(/numClasses/);
    expect(() => batchArrays(samples, [9], createRng(1), { numClasses: 2 })).toThrow(/out of range/);
  });

  it("augments each sample from its own stream, whatever batch it is in", () => {
    const rng = createRng(7).fork('augment epoch 0');
    const always = { ...DEFAULT_AUGMENTATION, rotation: { probability: 1, maxDegrees: 15 }, brightness: { probability: 1, range: [0.5, 2] as [number, number] } };
    const a = batchArrays(samples, [1, 3], rng, { numClasses: 2, augmentation: always });
    const b = batchArrays(samples, [3, 0, 1], rng, { numClasses: 2, augmentation: always });
    const n = 32 * 32;
    expect(b.x.subarray(2 * n, 3 * n)).toEqual(a.x.subarray(0, n)); // sample 1
    expect(b.x.subarray(0, n)).toEqual(a.x.subarray(n, 2 * n)); // sample 3
    expect(a.x.subarray(0, n)).not.toEqual(samples[1]!.image);
    // no label value is invented
    for (const v of a.y) expect(v === 0 || v === 1).toBe(true);
  });

  it('cuts random patches of the batch size from larger samples', () => {
    const big: Sample2D[] = prepareSamples(syntheticCases(2, 3, 48), { inputWidth: 32, inputHeight: 32, fit: 'patch' });
    const a = batchArrays(big, [0, 1], createRng(3), { numClasses: 2, width: 32, height: 32, foregroundProbability: 1 });
    expect(a.shape).toEqual({ batch: 2, height: 32, width: 32, channels: 1, classes: 2 });
    expect(a.x).toHaveLength(2 * 32 * 32);
    // foreground-centred patches contain foreground
    let fg = 0;
    for (let p = 0; p < 32 * 32; p++) fg += a.y[p * 2 + 1]!;
    expect(fg).toBeGreaterThan(0);
  });
});

describe('NormalizedVolumeCache', () => {
  it('normalises a volume once for many slice requests, with the same values as without it', () => {
    const vol = stackCases('vol', syntheticCases(4, 9, 16));
    const other = stackCases('other', syntheticCases(2, 10, 16));
    const cache = new NormalizedVolumeCache();
    const plain = normalizedSlices(vol, { slices: [0, 3] });
    const a = normalizedSlices(vol, { slices: [0], cache });
    const b = normalizedSlices(vol, { slices: [3], cache });
    expect(cache.computed).toBe(1);
    expect(a[0]!.sample.image).toEqual(plain[0]!.sample.image);
    expect(b[0]!.sample.image).toEqual(plain[1]!.sample.image);
    // another case, or other options, are normalised anew
    normalizedSlices(other, { slices: [1], cache });
    expect(cache.computed).toBe(2);
    const windowed = normalizedSlices(other, { slices: [1], cache, window: { lo: 0, hi: 10 } });
    expect(cache.computed).toBe(3);
    expect(windowed[0]!.sample.image).toEqual(normalizedSlices(other, { slices: [1], window: { lo: 0, hi: 10 } })[0]!.sample.image);
    cache.clear();
    normalizedSlices(other, { slices: [1], cache, window: { lo: 0, hi: 10 } });
    expect(cache.computed).toBe(4);
  });
});
