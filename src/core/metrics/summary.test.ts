import { describe, it, expect } from 'vitest';
import reference from './__fixtures__/stats_reference.json';
import { formatMeanStd, formatScore, meanOfFinite, summarize } from './summary';

describe('summarize', () => {
  // numpy: mean, std(ddof=1), median, min, max (src/core/metrics/__fixtures__/metrics_reference.py).
  for (const c of reference.summary) {
    it(`matches numpy for ${c.name}`, () => {
      const s = summarize(c.values);
      expect(s.n).toBe(c.n);
      expect(s.mean).toBeCloseTo(c.mean, 12);
      expect(s.std).toBeCloseTo(c.std, 12);
      expect(s.median).toBe(c.median);
      expect(s.min).toBe(c.min);
      expect(s.max).toBe(c.max);
    });
  }

  it('matches a hand computation', () => {
    // [2, 4, 4, 4, 5, 5, 7, 9]: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32;
    // sample variance 32/7, std = sqrt(32/7); median (4 + 5)/2 = 4.5.
    const s = summarize([9, 4, 2, 4, 5, 7, 4, 5]);
    expect(s).toEqual({ mean: 5, std: Math.sqrt(32 / 7), n: 8, median: 4.5, min: 2, max: 9 });
  });

  it('n = 1 has std 0; n = 0 gives NaN statistics', () => {
    const x = 0.42;
    expect(summarize([x])).toEqual({ mean: x, std: 0, n: 1, median: x, min: x, max: x });
    const e = summarize([]);
    expect(e.n).toBe(0);
    for (const v of [e.mean, e.std, e.median, e.min, e.max]) expect(v).toBeNaN();
  });

  it('does not reorder its input and rejects non-finite values', () => {
    const values = [3, 1, 2];
    summarize(values);
    expect(values).toEqual([3, 1, 2]);
    expect(() => summarize([1, NaN])).toThrow(/index 1/);
    expect(() => summarize([Infinity])).toThrow(/index 0/);
  });
});

describe('formatMeanStd', () => {
  it('formats mean ± std with fixed decimals', () => {
    expect(formatMeanStd({ mean: 0.8123, std: 0.0456, n: 12 })).toBe('0.812 ± 0.046');
    expect(formatMeanStd(summarize([0.5, 0.7]), 2)).toBe('0.60 ± 0.14');
    expect(formatMeanStd({ mean: -0.00001, std: 0, n: 1 })).toBe('0.000 (n = 1)');
    expect(formatMeanStd({ mean: -0.00001, std: 0, n: 2 })).toBe('0.000 ± 0.000');
  });

  it('shows a dash when there is nothing to summarise', () => {
    expect(formatMeanStd(summarize([]))).toBe('—');
  });
});

describe('meanOfFinite and formatScore', () => {
  it('averages the defined scores only and shows undefined ones as a dash', () => {
    expect(meanOfFinite([0.5, NaN, 1, null, Infinity])).toBe(0.75);
    expect(meanOfFinite([NaN, null])).toBeNull();
    expect(meanOfFinite([])).toBeNull();
    expect(formatScore(0.81249)).toBe('0.812');
    expect(formatScore(0.8125, 2)).toBe('0.81');
    expect(formatScore(-0.0001)).toBe('0.000');
    expect(formatScore(null)).toBe('—');
    expect(formatScore(NaN)).toBe('—');
    expect(formatScore(undefined)).toBe('—');
  });
});
