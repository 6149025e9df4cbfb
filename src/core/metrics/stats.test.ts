import { describe, it, expect } from 'vitest';
import reference from './__fixtures__/stats_reference.json';
import {
  mannWhitneyCdf,
  pairedTest,
  rankSum,
  wilcoxonSignedRank,
  type Alternative,
  type ZeroMethod,
} from './stats';

// Reference values come from src/core/metrics/__fixtures__/metrics_reference.py (scipy 1.17), which
// records the exact scipy call of every case in its `scipy` field.
interface WilcoxonCase {
  name: string;
  a: number[];
  b: number[];
  alternative: string;
  zeroMethod: string;
  correction: boolean;
  exact: boolean;
  scipy: string;
  method: string;
  n: number;
  nUsed: number;
  statistic: number;
  pValue: number;
}
interface RankSumCase {
  name: string;
  a: number[];
  b: number[];
  alternative: string;
  correction: boolean;
  scipy: string;
  method: string;
  statistic: number;
  pValue: number;
}

const wilcoxonCases: WilcoxonCase[] = reference.wilcoxon;
const rankSumCases: RankSumCase[] = reference.rankSum;

/** Relative tolerance for p-values (the brief's 1e-6). */
const REL = 1e-6;

function expectRelClose(actual: number, expected: number, rel = REL): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('wilcoxonSignedRank vs scipy.stats.wilcoxon', () => {
  it('has the expected fixture coverage', () => {
    const methods = new Set(wilcoxonCases.map((c) => c.method));
    expect(methods).toEqual(new Set(['exact', 'normal']));
    expect(wilcoxonCases.some((c) => c.zeroMethod === 'pratt')).toBe(true);
    expect(wilcoxonCases.some((c) => c.zeroMethod === 'zsplit')).toBe(true);
    expect(wilcoxonCases.some((c) => !c.correction)).toBe(true);
  });

  for (const c of wilcoxonCases) {
    it(`${c.name} (${c.scipy})`, () => {
      const r = wilcoxonSignedRank(c.a, c.b, {
        alternative: c.alternative as Alternative,
        zeroMethod: c.zeroMethod as ZeroMethod,
        correction: c.correction,
        exact: c.exact,
      });
      expect(r.method).toBe(c.method);
      expect(r.n).toBe(c.n);
      expect(r.nUsed).toBe(c.nUsed);
      expect(r.statistic).toBeCloseTo(c.statistic, 9);
      expectRelClose(r.pValue, c.pValue);
      // Swapping the samples and mirroring the alternative gives the same test.
      const mirrored: Alternative =
        c.alternative === 'less' ? 'greater' : c.alternative === 'greater' ? 'less' : 'two-sided';
      const s = wilcoxonSignedRank(c.b, c.a, {
        alternative: mirrored,
        zeroMethod: c.zeroMethod as ZeroMethod,
        correction: c.correction,
        exact: c.exact,
      });
      expectRelClose(s.pValue, c.pValue);
    });
  }

  it('textbook: Hollander & Wolfe (1973) p. 29, as in R ?wilcox.test', () => {
    // R: wilcox.test(x, y, paired = TRUE, alternative = "greater")
    //    -> V = 40, p-value = 0.01953  (exactly 10/512: the 10 subsets of {1..9} with
    //    rank sum <= 5 out of 2^9 sign patterns)
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxonSignedRank(x, y, { alternative: 'greater' });
    expect(r.statistic).toBe(40);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(0.01953, 5);
    expectRelClose(r.pValue, 10 / 512, 1e-12);
    expectRelClose(wilcoxonSignedRank(x, y).pValue, 20 / 512, 1e-12);
  });

  it('all differences zero: p = 1, method degenerate (not NaN, no throw)', () => {
    const r = wilcoxonSignedRank([0.8, 0.7, 0.9], [0.8, 0.7, 0.9]);
    expect(r).toEqual({
      statistic: 0,
      pValue: 1,
      n: 3,
      nUsed: 0,
      method: 'degenerate',
      alternative: 'two-sided',
    });
    expect(wilcoxonSignedRank([0.5], [0.5], { zeroMethod: 'pratt' }).pValue).toBe(1);
  });

  it('small p-values keep their relative precision (all 40 differences positive)', () => {
    const b = Array.from({ length: 40 }, (_, i) => i / 100);
    const a = b.map((v, i) => v + (i + 1) / 1000);
    // Exact: P(W+ = 820) = 2^-40, two-sided p = 2^-39.
    expectRelClose(wilcoxonSignedRank(a, b).pValue, 2 ** -39, 1e-9);
    expectRelClose(wilcoxonSignedRank(a, b, { alternative: 'greater' }).pValue, 2 ** -40, 1e-9);
    expect(wilcoxonSignedRank(a, b, { alternative: 'less' }).pValue).toBe(1);
  });

  it('throws on different lengths, no pairs, non-finite values, bad options', () => {
    expect(() => wilcoxonSignedRank([1, 2, 3], [1, 2])).toThrow(/a 3, b 2/);
    expect(() => wilcoxonSignedRank([], [])).toThrow(/at least one pair/);
    expect(() => wilcoxonSignedRank([1, NaN], [0, 0])).toThrow(/a\[1\]/);
    expect(() =>
      wilcoxonSignedRank([1, 2], [0, 0], { alternative: 'bigger' as Alternative }),
    ).toThrow(/alternative/);
    expect(() =>
      wilcoxonSignedRank([1, 2], [0, 0], { zeroMethod: 'drop' as ZeroMethod }),
    ).toThrow(/zeroMethod/);
  });
});

describe('rankSum vs scipy.stats.mannwhitneyu', () => {
  it('has the expected fixture coverage', () => {
    expect(new Set(rankSumCases.map((c) => c.method))).toEqual(new Set(['exact', 'normal']));
    expect(rankSumCases.some((c) => !c.correction)).toBe(true);
  });

  for (const c of rankSumCases) {
    it(`${c.name} (${c.scipy})`, () => {
      const r = rankSum(c.a, c.b, {
        alternative: c.alternative as Alternative,
        correction: c.correction,
      });
      expect(r.method).toBe(c.method);
      expect(r.n1).toBe(c.a.length);
      expect(r.n2).toBe(c.b.length);
      expect(r.statistic).toBeCloseTo(c.statistic, 9);
      expectRelClose(r.pValue, c.pValue);
    });
  }

  it('textbook: Hollander & Wolfe (1973) p. 69, as in R ?wilcox.test', () => {
    // R: wilcox.test(x, y, alternative = "g") -> W = 35, p-value = 0.1272
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = rankSum(x, y, { alternative: 'greater' });
    expect(r.statistic).toBe(35);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(0.1272, 4);
  });

  it('exact null distribution matches hand counts', () => {
    // m = n = 1: U ∈ {0, 1} with probability 1/2 each.
    expect(Array.from(mannWhitneyCdf(1, 1))).toEqual([0.5, 1]);
    // m = n = 2: the 6 orderings give U = 0,1,2,2,3,4 → CDF 1/6, 2/6, 4/6, 5/6, 1.
    const cdf = Array.from(mannWhitneyCdf(2, 2));
    [1 / 6, 2 / 6, 4 / 6, 5 / 6, 1].forEach((v, i) => expect(cdf[i]).toBeCloseTo(v, 14));
    // m = 3, n = 0: U = 0 surely.
    expect(Array.from(mannWhitneyCdf(3, 0))).toEqual([1]);
  });

  it('complete separation 12 vs 12 gives p = 2 / C(24, 12)', () => {
    const a = Array.from({ length: 12 }, (_, i) => i + 13);
    const b = Array.from({ length: 12 }, (_, i) => i + 1);
    const r = rankSum(a, b);
    expect(r.statistic).toBe(144);
    expectRelClose(r.pValue, 2 / 2704156, 1e-10);
  });

  it('option exact: false forces the normal approximation; true is exact for n >= 50', () => {
    const a = [0.1, 0.4, 0.35, 0.8];
    const b = [0.2, 0.3, 0.5, 0.6, 0.7];
    expect(rankSum(a, b, { exact: false }).method).toBe('normal');
    const big = Array.from({ length: 50 }, (_, i) => i * 2);
    const small = Array.from({ length: 5 }, (_, i) => i * 2 + 1);
    expect(rankSum(big, small).method).toBe('normal');
    expect(rankSum(big, small, { exact: true }).method).toBe('exact');
  });

  it('all values tied: p = 1, method degenerate', () => {
    const r = rankSum([0.5, 0.5], [0.5, 0.5, 0.5]);
    expect(r.pValue).toBe(1);
    expect(r.method).toBe('degenerate');
    expect(r.statistic).toBe(3);
  });

  it('throws on an empty sample, non-finite values and a bad alternative', () => {
    expect(() => rankSum([], [1])).toThrow(/a 0, b 1/);
    expect(() => rankSum([1], [Infinity])).toThrow(/b\[0\]/);
    expect(() => rankSum([1], [2], { alternative: 'up' as Alternative })).toThrow(/alternative/);
  });
});

describe('pairedTest', () => {
  const a = [0.81, 0.77, 0.9, 0.68, 0.85, 0.73, 0.88];
  const b = [0.79, 0.7, 0.86, 0.69, 0.8, 0.7, 0.84];

  it('defaults to the Wilcoxon signed-rank test', () => {
    const r = pairedTest(a, b);
    expect(r.kind).toBe('wilcoxon');
    expect(r.pValue).toBe(wilcoxonSignedRank(a, b).pValue);
    expect(r.statistic).toBe(wilcoxonSignedRank(a, b).statistic);
  });

  it('runs the rank-sum test on request, passing options through', () => {
    const r = pairedTest(a, b, 'rankSum', { alternative: 'greater' });
    expect(r.kind).toBe('rankSum');
    expect(r).toMatchObject(rankSum(a, b, { alternative: 'greater' }));
  });

  it('requires per-case scores of equal length and a known kind', () => {
    expect(() => pairedTest([1, 2], [1], 'rankSum')).toThrow(/a 2, b 1/);
    expect(() => pairedTest(a, b, 'tTest' as 'wilcoxon')).toThrow(/unknown kind/);
  });
});
