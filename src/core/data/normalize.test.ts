import { describe, it, expect } from 'vitest';
import { applyWindow, channelStatistics, KITS_CT_WINDOW, normalizeSample, zScore } from './normalize';
import type { Sample2D } from './types';

function close(actual: ArrayLike<number>, expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

describe('z-score normalisation (Yeung et al. 2022: per image)', () => {
  it('hand-computed example: [1, 2, 3, 4] → mean 2.5, population std √1.25', () => {
    const r = zScore(new Float32Array([1, 2, 3, 4]), 1);
    expect(r.mean[0]).toBeCloseTo(2.5, 12);
    expect(r.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    const s = Math.sqrt(1.25);
    close(r.image, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
    // result has mean 0 and (population) std 1
    const m = r.image.reduce((a, b) => a + b, 0) / 4;
    const v = r.image.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
    expect(m).toBeCloseTo(0, 6);
    expect(Math.sqrt(v)).toBeCloseTo(1, 6);
    expect(r.from).toBe('image');
  });

  it('normalises each channel separately (channel-last layout)', () => {
    // pixels: (1, 10), (3, 10), (5, 40), (7, 40) → channel 0: mean 4, std √5; channel 1: mean 25, std 15
    const r = zScore(new Float32Array([1, 10, 3, 10, 5, 40, 7, 40]), 2);
    expect(r.mean).toEqual([4, 25]);
    expect(r.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(r.std[1]).toBeCloseTo(15, 12);
    const s = Math.sqrt(5);
    close(r.image, [-3 / s, -1, -1 / s, -1, 1 / s, 1, 3 / s, 1]);
  });

  it('std 0 gives 0 everywhere, not NaN (also for float rounding of a constant)', () => {
    const r = zScore(new Float32Array(100).fill(0.1), 1);
    expect(Array.from(r.image).every((x) => x === 0)).toBe(true);
    const z = zScore(new Float32Array([0, 0, 0]), 1);
    expect(Array.from(z.image)).toEqual([0, 0, 0]);
    // one constant channel, one varying channel
    const m = zScore(new Float32Array([5, 0, 5, 2]), 2);
    expect(m.image[0]).toBe(0);
    expect(m.image[2]).toBe(0);
    close([m.image[1]!, m.image[3]!], [-1, 1]);
  });

  it('statistics restricted to an roi: [1, 2, 3, 4] with roi on 1 and 3 → mean 2, std 1', () => {
    const roi = new Uint8Array([1, 0, 1, 0]);
    const r = zScore(new Float32Array([1, 2, 3, 4]), 1, { roi });
    expect(r.from).toBe('roi');
    expect(r.count).toEqual([2]);
    close(r.image, [-1, 0, 1, 2]); // every pixel is normalised, inside and outside the roi
    // empty roi falls back to the whole image
    const e = channelStatistics(new Float32Array([1, 2, 3, 4]), 1, new Uint8Array(4));
    expect(e.from).toBe('image');
    expect(e.mean[0]).toBe(2.5);
  });

  it('non-finite inputs are skipped in the statistics and map to 0', () => {
    const r = zScore(new Float32Array([1, Number.NaN, 3, Number.POSITIVE_INFINITY]), 1);
    expect(r.mean[0]).toBe(2);
    close(r.image, [-1, 0, 1, 0]);
  });

  it('rejects a layout that does not fit', () => {
    expect(() => zScore(new Float32Array(5), 2)).toThrow();
    expect(() => zScore(new Float32Array(4), 1, { roi: new Uint8Array(3) })).toThrow();
  });
});

describe('intensity window', () => {
  it('clamps to [lo, hi] (KiTS CT window −79…304 HU)', () => {
    const hu = new Float32Array([-1000, -79, 0, 40, 304, 1200, Number.NaN]);
    const w = applyWindow(hu, KITS_CT_WINDOW.lo, KITS_CT_WINDOW.hi);
    expect(Array.from(w)).toEqual([-79, -79, 0, 40, 304, 304, -79]);
    expect(hu[0]).toBe(-1000); // input untouched
    expect(() => applyWindow(hu, 10, 10)).toThrow();
    expect(() => applyWindow(hu, 10, -10)).toThrow();
  });

  it('normalizeSample windows, then z-scores, and keeps labels', () => {
    const s: Sample2D = {
      width: 2,
      height: 2,
      channels: 1,
      image: new Float32Array([-1000, -79, 304, 2000]),
      labels: new Uint8Array([0, 0, 1, 1]),
    };
    const { sample, stats } = normalizeSample(s, { window: KITS_CT_WINDOW });
    // windowed: [−79, −79, 304, 304] → mean 112.5, std 191.5 → ±1
    expect(stats.mean[0]).toBeCloseTo(112.5, 10);
    expect(stats.std[0]).toBeCloseTo(191.5, 10);
    close(sample.image, [-1, -1, 1, 1]);
    expect(sample.labels).toBe(s.labels);
  });

  it('normalizeSample can take statistics inside the roi', () => {
    const s: Sample2D = {
      width: 4,
      height: 1,
      channels: 1,
      image: new Float32Array([1, 2, 3, 4]),
      labels: new Uint8Array(4),
      roi: new Uint8Array([1, 0, 1, 0]),
    };
    close(normalizeSample(s, { useRoi: true }).sample.image, [-1, 0, 1, 2]);
    expect(normalizeSample(s).stats.from).toBe('image');
  });
});
