import { describe, it, expect } from 'vitest';
import { autoWindow, finiteRange, percentileSorted, toRgba8, toUint16 } from './windowing';

const ramp = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('percentileSorted', () => {
  it('interpolates linearly at rank p · (n − 1)', () => {
    // [10, 20, 30, 40]: p 0.5 → rank 1.5 → 25; p 0.1 → rank 0.3 → 13
    expect(percentileSorted([10, 20, 30, 40], 0.5)).toBe(25);
    expect(percentileSorted([10, 20, 30, 40], 0.1)).toBeCloseTo(13, 12);
    expect(percentileSorted([10, 20, 30, 40], 0)).toBe(10);
    expect(percentileSorted([10, 20, 30, 40], 1)).toBe(40);
    expect(percentileSorted([], 0.5)).toBeNaN();
  });
});

describe('autoWindow', () => {
  it('uses the 0.5th and 99.5th percentiles', () => {
    // 0 … 200 (201 values): ranks 0.005·200 = 1 and 0.995·200 = 199 → lo 1, hi 199
    expect(autoWindow(ramp(201), 1)).toEqual({ center: 100, width: 198 });
    // 1 … 100: ranks 0.495 and 98.505 → lo 1.495, hi 99.505 → center 50.5, width 98.01
    const w = autoWindow(ramp(100, 1), 1);
    expect(w.center).toBeCloseTo(50.5, 10);
    expect(w.width).toBeCloseTo(98.01, 10);
  });

  it('ignores non-finite values and the order of the data', () => {
    const data = [...ramp(201)].reverse();
    data.push(Number.NaN, Infinity, -Infinity);
    expect(autoWindow(Float32Array.from(data), 1)).toEqual({ center: 100, width: 198 });
  });

  it('reads the first channel of grey + alpha and the mean of R, G, B for colour', () => {
    const greyAlpha = ramp(201).flatMap((v) => [v, 255]);
    expect(autoWindow(greyAlpha, 2)).toEqual({ center: 100, width: 198 });
    // RGB (3i, 0, 0) has mean i; RGBA (0, 3i, 0, 7) likewise with alpha ignored
    expect(autoWindow(ramp(201).flatMap((i) => [3 * i, 0, 0]), 3)).toEqual({ center: 100, width: 198 });
    expect(autoWindow(ramp(201).flatMap((i) => [0, 3 * i, 0, 7]), 4)).toEqual({ center: 100, width: 198 });
  });

  it('falls back to min … max when the percentiles coincide', () => {
    // 1000 zeros and one 10: both percentiles are 0 → full range 0 … 10
    const sparse = new Float32Array(1001);
    sparse[500] = 10;
    expect(autoWindow(sparse, 1)).toEqual({ center: 5, width: 10 });
  });

  it('gives a constant image width 1 and an image without finite values {0, 1}', () => {
    expect(autoWindow([7, 7, 7], 1)).toEqual({ center: 7, width: 1 });
    expect(autoWindow([], 1)).toEqual({ center: 0, width: 1 });
    expect(autoWindow([Number.NaN, Number.NaN], 1)).toEqual({ center: 0, width: 1 });
  });

  it('rejects a channel count other than 1 … 4', () => {
    expect(() => autoWindow([1, 2], 0)).toThrow(RangeError);
    expect(() => autoWindow([1, 2], 5)).toThrow(RangeError);
  });
});

describe('finiteRange', () => {
  it('skips NaN and infinities', () => {
    expect(finiteRange([3, Number.NaN, -2, Infinity])).toEqual({ min: -2, max: 3 });
    expect(finiteRange(Float32Array.from([1.5, -0.5]))).toEqual({ min: -0.5, max: 1.5 });
    expect(finiteRange([])).toBeNull();
    expect(finiteRange([Number.NaN, -Infinity])).toBeNull();
  });
});

describe('toUint16', () => {
  it('maps min … max onto 0 … 4095 with slope and intercept', () => {
    // v / 4 · 4095: 0 → 0, 1 → 1023.75 → 1024, 2 → 2047.5 → 2048, 4 → 4095
    const r = toUint16(Float32Array.from([0, 1, 2, 4]), 0, 4);
    expect(Array.from(r.pixels)).toEqual([0, 1024, 2048, 4095]);
    expect(r.slope).toBe(4 / 4095);
    expect(r.intercept).toBe(0);
  });

  it('works in real units for a negative range (real ≈ stored · slope + intercept)', () => {
    // −1000 … 3000: 0 → 1000 · 4095 / 4000 = 1023.75 → 1024; 3000 → 4095; −1000 → 0
    const r = toUint16([-1000, 0, 3000], -1000, 3000);
    expect(Array.from(r.pixels)).toEqual([0, 1024, 4095]);
    expect(r.slope).toBe(4000 / 4095);
    expect(r.intercept).toBe(-1000);
    expect((r.pixels[1] as number) * r.slope + r.intercept).toBeCloseTo(0.2442, 3);
  });

  it('clamps values outside the range and stores NaN / −∞ as 0, +∞ as 4095', () => {
    const r = toUint16([-1, 5, Number.NaN, Infinity, -Infinity], 0, 4);
    expect(Array.from(r.pixels)).toEqual([0, 4095, 0, 4095, 0]);
  });

  it('stores a constant range as 0 with slope 1 and intercept min', () => {
    const r = toUint16([3, 3], 3, 3);
    expect(Array.from(r.pixels)).toEqual([0, 0]);
    expect(r.slope).toBe(1);
    expect(r.intercept).toBe(3);
  });

  it('rejects a bad range', () => {
    expect(() => toUint16([1], 2, 1)).toThrow(RangeError);
    expect(() => toUint16([1], Number.NaN, 1)).toThrow(RangeError);
  });
});

describe('toRgba8', () => {
  it('copies byte RGB with an opaque alpha when the range is 0 … 255', () => {
    const r = toRgba8(Uint8Array.from([0, 128, 255, 10, 20, 30]), 3, 0, 255);
    expect(Array.from(r.pixels)).toEqual([0, 128, 255, 255, 10, 20, 30, 255]);
    expect(r.slope).toBe(1);
    expect(r.intercept).toBe(0);
  });

  it('drops the source alpha of RGBA', () => {
    expect(Array.from(toRgba8([1, 2, 3, 4], 4, 0, 255).pixels)).toEqual([1, 2, 3, 255]);
  });

  it('rescales other ranges: stored = round((v − min) / (max − min) · 255)', () => {
    // 0 … 1: 0.5 → 127.5 → 128; 2 clamps to 255; NaN → 0
    const r = toRgba8(Float32Array.from([0, 0.5, 1, 2, Number.NaN, -1]), 3, 0, 1);
    expect(Array.from(r.pixels)).toEqual([0, 128, 255, 255, 255, 0, 0, 255]);
    expect(r.slope).toBe(1 / 255);
    expect(r.intercept).toBe(0);
  });

  it('stores a constant range as 0 with slope 1', () => {
    const r = toRgba8([9, 9, 9], 3, 9, 9);
    expect(Array.from(r.pixels)).toEqual([0, 0, 0, 255]);
    expect(r.slope).toBe(1);
    expect(r.intercept).toBe(9);
  });

  it('rejects other channel counts, ragged data and bad ranges', () => {
    expect(() => toRgba8([1, 2], 2, 0, 255)).toThrow(RangeError);
    expect(() => toRgba8([1, 2, 3, 4], 3, 0, 255)).toThrow(/not a multiple of 3/);
    expect(() => toRgba8([1, 2, 3], 3, 5, 1)).toThrow(RangeError);
  });
});
