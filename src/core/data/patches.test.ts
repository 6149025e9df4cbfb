import { describe, it, expect } from 'vitest';
import { createRng } from './rng';
import { DEFAULT_FOREGROUND_PROBABILITY, extractPatch, foregroundIndex, gaussianImportance, samplePatch, slidingWindows } from './patches';
import type { Sample2D } from './types';

function sampleWithForeground(w: number, h: number, fg: [number, number, number][]): Sample2D {
  const image = Float32Array.from({ length: w * h * 2 }, (_, i) => i);
  const labels = new Uint8Array(w * h);
  for (const [x, y, c] of fg) labels[y * w + x] = c;
  return { width: w, height: h, channels: 2, image, labels, roi: new Uint8Array(w * h).fill(1) };
}

describe('slidingWindows', () => {
  it('covers every pixel, stays inside, starts at 0 and ends flush with the border', () => {
    for (const [w, h] of [
      [64, 64],
      [100, 64],
      [65, 300],
      [513, 257],
    ] as const) {
      for (const size of [32, 64]) {
        for (const overlap of [0, 0.25, 0.5, 0.75]) {
          const wins = slidingWindows(w, h, size, overlap);
          const cover = new Uint8Array(w * h);
          let outside = 0;
          for (const win of wins) {
            if (!(win.x >= 0 && win.y >= 0 && win.x + win.width <= w && win.y + win.height <= h)) outside++;
            for (let y = win.y; y < win.y + win.height; y++) cover.fill(1, y * w + win.x, y * w + win.x + win.width);
          }
          expect(outside).toBe(0);
          expect(cover.indexOf(0)).toBe(-1);
          const xs = [...new Set(wins.map((v) => v.x))];
          const ys = [...new Set(wins.map((v) => v.y))];
          expect(xs[0]).toBe(0);
          expect(xs.at(-1)).toBe(w - size);
          expect(ys.at(-1)).toBe(h - size);
          // neighbouring windows overlap by at least overlap·size (up to rounding)
          for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeLessThanOrEqual(Math.ceil(size * (1 - overlap)) + 1);
          expect(wins.length).toBe(xs.length * ys.length);
        }
      }
    }
  });

  it("follows nnU-Net's step rule: 100 px, window 64, overlap ½ → origins 0, 18, 36", () => {
    expect(slidingWindows(100, 64, 64, 0.5).map((w) => w.x)).toEqual([0, 18, 36]);
    expect(slidingWindows(64, 64, 64).length).toBe(1);
    expect(slidingWindows(128, 128, { width: 64, height: 32 }, 0).map((w) => [w.x, w.y])).toEqual([
      [0, 0],
      [64, 0],
      [0, 32],
      [64, 32],
      [0, 64],
      [64, 64],
      [0, 96],
      [64, 96],
    ]);
  });

  it('an image smaller than the window gets one window at 0', () => {
    expect(slidingWindows(40, 20, 64)).toEqual([{ x: 0, y: 0, width: 64, height: 64 }]);
    expect(() => slidingWindows(40, 20, 64, 1)).toThrow();
  });

  it('gaussianImportance peaks at 1 in the centre and is positive everywhere', () => {
    const g = gaussianImportance(33, 17);
    expect(g[8 * 33 + 16]).toBeCloseTo(1, 6);
    expect(Math.min(...g)).toBeGreaterThan(0);
    expect(g[0]!).toBeLessThan(0.01);
  });
});

describe('samplePatch', () => {
  it('foreground probability 1: every patch contains foreground, centred where the border allows', () => {
    const s = sampleWithForeground(200, 150, [
      [3, 4, 1],
      [190, 140, 2],
      [100, 70, 1],
    ]);
    const fg = foregroundIndex(s.labels);
    expect(fg.classes).toEqual([1, 2]);
    const rng = createRng(11);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = samplePatch(s, 32, rng, { foregroundProbability: 1, foreground: fg });
      expect(p.centredOnForeground).toBe(true);
      expect(p.sample.labels.some((v) => v > 0)).toBe(true);
      expect(p.x >= 0 && p.x <= 200 - 32 && p.y >= 0 && p.y <= 150 - 32).toBe(true);
      seen.add(`${p.x},${p.y}`);
    }
    // the central pixel (100, 70) puts the patch origin at (84, 54)
    expect(seen.has('84,54')).toBe(true);
    // all three foreground pixels are reached (classes are chosen uniformly, then pixels)
    expect(seen.size).toBe(3);
  });

  it('default oversampling: about 1/3 of patches are foreground-centred (binomial tolerance)', () => {
    const s = sampleWithForeground(256, 256, [[128, 128, 1]]);
    const fg = foregroundIndex(s.labels);
    const n = 3000;
    let centred = 0;
    let containsFg = 0;
    for (let i = 0; i < n; i++) {
      const p = samplePatch(s, 16, createRng(5).fork(i), { foreground: fg });
      if (p.centredOnForeground) centred++;
      if (p.sample.labels.some((v) => v > 0)) containsFg++;
    }
    const p = DEFAULT_FOREGROUND_PROBABILITY;
    expect(Math.abs(centred - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    // random patches alone would hit the single pixel with probability (16/241)² ≈ 0.4 %
    expect(containsFg).toBeGreaterThanOrEqual(centred);
    expect(containsFg).toBeLessThan(centred + 0.02 * n);
  });

  it('without foreground the draw falls back to a uniform patch', () => {
    const s = sampleWithForeground(40, 30, []);
    const p = samplePatch(s, 16, createRng(1), { foregroundProbability: 1 });
    expect(p.centredOnForeground).toBe(false);
    expect(p.sample.width).toBe(16);
  });

  it('is reproducible for the same stream', () => {
    const s = sampleWithForeground(90, 70, [[10, 10, 1]]);
    const a = samplePatch(s, { width: 24, height: 16 }, createRng(3).fork('sample 4'));
    const b = samplePatch(s, { width: 24, height: 16 }, createRng(3).fork('sample 4'));
    expect([a.x, a.y]).toEqual([b.x, b.y]);
    expect(a.sample.image).toEqual(b.sample.image);
  });

  it('a patch larger than the image is zero-filled outside (labels 0, roi 0)', () => {
    const s = sampleWithForeground(10, 8, [[5, 4, 1]]);
    const p = samplePatch(s, 16, createRng(2), { foregroundProbability: 1 });
    expect(p.x).toBeLessThanOrEqual(0);
    expect(p.x).toBeGreaterThanOrEqual(10 - 16);
    expect(p.sample.labels.reduce((a, b) => a + b, 0)).toBe(1);
    expect(p.sample.roi!.reduce((a, b) => a + b, 0)).toBe(80);
  });

  it('extractPatch copies pixels and channels and zero-fills outside', () => {
    const s = sampleWithForeground(4, 3, [[1, 1, 1]]);
    const p = extractPatch(s, -1, 1, 3, 3);
    // row 0 of the patch = source row 1, columns −1, 0, 1
    expect(Array.from(p.image.subarray(0, 6))).toEqual([0, 0, 8, 9, 10, 11]);
    expect(Array.from(p.labels)).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(p.roi!)).toEqual([0, 1, 1, 0, 1, 1, 0, 0, 0]);
  });
});
