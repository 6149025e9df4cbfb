/**
 * Significance tests between two losses' per-case scores (e.g. the DSC of the same test
 * cases segmented by a model trained with loss A and one trained with loss B).
 *
 * - {@link wilcoxonSignedRank}: the paired test (the natural one for per-case scores of the
 *   same cases). Delegates ranking, tie/zero handling and the p-value to
 *   `@stdlib/stats-wilcoxon`, whose rules match R's `wilcox.test(paired = TRUE)` and
 *   scipy's `wilcoxon`.
 * - {@link rankSum}: the Wilcoxon rank-sum / Mann–Whitney U test named by the paper
 *   (Yeung et al. 2022). It treats the two samples as independent, following R's
 *   `wilcox.test(x, y)` rules exactly.
 *
 * Both are two-sided by default. "greater" means the scores in `a` tend to be larger than
 * those in `b`.
 */
import stdlibWilcoxon from '@stdlib/stats-wilcoxon';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

export type Alternative = 'two-sided' | 'less' | 'greater';

/** How zero differences (a_i = b_i) enter the signed-rank test (stdlib/scipy names). */
export type ZeroMethod = 'wilcox' | 'pratt' | 'zsplit';

/**
 * How a p-value was obtained:
 * - 'exact': from the exact null distribution of the statistic;
 * - 'normal': normal approximation (with tie correction, and continuity correction unless
 *   turned off);
 * - 'degenerate': no information to test (all differences zero / all values tied); the
 *   p-value is defined as 1.
 */
export type TestMethod = 'exact' | 'normal' | 'degenerate';

export interface SignedRankOptions {
  /** Default 'two-sided'. 'greater': a − b tends to be positive. */
  alternative?: Alternative;
  /**
   * Default 'wilcox' (as R): zero differences are dropped before ranking. 'pratt' ranks
   * them and then drops their ranks; 'zsplit' splits their ranks between both signs.
   */
  zeroMethod?: ZeroMethod;
  /** Continuity correction of 0.5 in the normal approximation. Default true (as R, scipy). */
  correction?: boolean;
  /**
   * Use the exact distribution even when more than 50 non-zero differences are left
   * (default false: normal approximation above 50). Ties or zeros always force the normal
   * approximation, as in stdlib, R and scipy.
   */
  exact?: boolean;
}

export interface SignedRankResult {
  /**
   * W+ = the sum of the ranks of |a_i − b_i| over the pairs with a_i > b_i (R's V). Note
   * that scipy's two-sided statistic is min(W+, W−) instead; the p-value is the same.
   */
  statistic: number;
  /** In [0, 1]. */
  pValue: number;
  /** Number of pairs given. */
  n: number;
  /**
   * Number of differences that were ranked: the non-zero ones for zeroMethod 'wilcox',
   * all n for 'pratt' and 'zsplit'.
   */
  nUsed: number;
  method: TestMethod;
  alternative: Alternative;
}

export interface RankSumOptions {
  /** Default 'two-sided'. 'greater': values in a tend to be larger than in b. */
  alternative?: Alternative;
  /** Continuity correction of 0.5 in the normal approximation. Default true (as R). */
  correction?: boolean;
  /**
   * Default (undefined): exact when both samples have fewer than 50 values and there are
   * no ties (R's rule). true: exact at any size when there are no ties (cost grows as
   * n1²·n2²). false: always the normal approximation.
   */
  exact?: boolean;
}

export interface RankSumResult {
  /** U of the first sample: R1 − n1(n1+1)/2 with average ranks (R's W, scipy's statistic). */
  statistic: number;
  pValue: number;
  n1: number;
  n2: number;
  method: TestMethod;
  alternative: Alternative;
}

const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'less', 'greater'];
const ZERO_METHODS: readonly ZeroMethod[] = ['wilcox', 'pratt', 'zsplit'];

function checkAlternative(fn: string, alternative: string): void {
  if (!(ALTERNATIVES as readonly string[]).includes(alternative)) {
    throw new Error(
      `${fn}: alternative must be one of ${ALTERNATIVES.join(', ')}; got '${alternative}'.`,
    );
  }
}

function checkFinite(fn: string, name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new Error(`${fn}: ${name}[${i}] is not a finite number (${v}).`);
    }
  }
}

function clampP(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** Standard normal CDF. */
function phi(x: number): number {
  return normalCdf(x, 0, 1);
}

/**
 * Wilcoxon signed-rank test of the paired differences a_i − b_i (H0: distributed
 * symmetrically about 0), computed with `@stdlib/stats-wilcoxon`.
 *
 * Which distribution is used (stdlib's rule, shared by scipy; R differs only at exactly
 * 50, where it already uses the normal approximation):
 * - exact signed-rank distribution when no difference is zero, no two |differences| tie and
 *   at most 50 differences are ranked (or `exact: true`);
 * - otherwise the normal approximation with the tie correction of the variance
 *   (Σ(t³ − t)/48), the Pratt variance adjustment for zeroMethod 'pratt', and a continuity
 *   correction of 0.5 towards the mean unless `correction: false`.
 *
 * Edge cases:
 * - different lengths, or no pairs → Error; a non-finite score → Error.
 * - every difference is zero → pValue 1, statistic 0, method 'degenerate' (there is no
 *   evidence of any difference; stdlib would throw and scipy would return NaN).
 * - a single pair with a non-zero difference → exact: two-sided p = 1, one-sided p = 0.5 in
 *   the observed direction and 1 in the other (stdlib refuses n < 2; this matches scipy).
 *
 * Precision: the tail that is asked for is always evaluated as a lower tail (swapping a and
 * b where needed, which leaves the test unchanged), so that small p-values are not lost to
 * 1 − (something close to 1) cancellation inside stdlib. The one exception is the
 * two-sided normal path when |W+ − mean| < 0.5 with the continuity correction (possible
 * only with zeroMethod 'zsplit'), where p is large anyway and stdlib's value is used as is.
 */
export function wilcoxonSignedRank(
  a: readonly number[],
  b: readonly number[],
  opts: SignedRankOptions = {},
): SignedRankResult {
  const fn = 'wilcoxonSignedRank';
  if (a.length !== b.length) {
    throw new Error(
      `${fn}: paired samples must have the same length (a ${a.length}, b ${b.length}).`,
    );
  }
  const n = a.length;
  if (n < 1) throw new Error(`${fn}: need at least one pair; got 0.`);
  checkFinite(fn, 'a', a);
  checkFinite(fn, 'b', b);
  const alternative = opts.alternative ?? 'two-sided';
  const zeroMethod = opts.zeroMethod ?? 'wilcox';
  const correction = opts.correction ?? true;
  const exact = opts.exact ?? false;
  checkAlternative(fn, alternative);
  if (!(ZERO_METHODS as readonly string[]).includes(zeroMethod)) {
    throw new Error(
      `${fn}: zeroMethod must be one of ${ZERO_METHODS.join(', ')}; got '${zeroMethod}'.`,
    );
  }

  const nonZeroAbs: number[] = [];
  let positive = 0;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) nonZeroAbs.push(Math.abs(d));
    if (d > 0) positive++;
  }
  const nZero = n - nonZeroAbs.length;
  const nUsed = zeroMethod === 'wilcox' ? nonZeroAbs.length : n;
  if (nZero === n) {
    return { statistic: 0, pValue: 1, n, nUsed, method: 'degenerate', alternative };
  }
  nonZeroAbs.sort((x, y) => x - y);
  let ties = false;
  for (let i = 1; i < nonZeroAbs.length; i++) {
    if (nonZeroAbs[i] === nonZeroAbs[i - 1]) {
      ties = true;
      break;
    }
  }
  const method: TestMethod =
    (nUsed > 50 && !exact) || nZero > 0 || ties ? 'normal' : 'exact';

  if (n === 1) {
    // One non-zero difference: W+ is 0 or 1 with probability 1/2 each.
    const w = positive;
    const pLess = w === 0 ? 0.5 : 1;
    const pGreater = w === 1 ? 0.5 : 1;
    const pValue =
      alternative === 'less' ? pLess : alternative === 'greater' ? pGreater : 1;
    return { statistic: w, pValue, n, nUsed, method: 'exact', alternative };
  }

  const base = { zeroMethod, correction, exact };
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  const twoSided = stdlibWilcoxon(x, y, { ...base, alternative: 'two-sided' });
  const w = twoSided.statistic;
  // Null mean of W+ (Pratt: the zeros take ranks 1..nZero, which are then dropped).
  const mean =
    (nUsed * (nUsed + 1)) / 4 - (zeroMethod === 'pratt' ? (nZero * (nZero + 1)) / 4 : 0);
  // P(W+ <= w) for (a, b), or the same lower tail of W− for (b, a).
  const lowerTail = (swap: boolean): number =>
    (swap
      ? stdlibWilcoxon(y, x, { ...base, alternative: 'less' })
      : stdlibWilcoxon(x, y, { ...base, alternative: 'less' })
    ).pValue;

  let pValue: number;
  if (alternative === 'less') {
    pValue = lowerTail(false);
  } else if (alternative === 'greater') {
    // P(W+ >= w) = P(W− <= total − w): the lower tail of the swapped pair.
    pValue = lowerTail(true);
  } else if (w === mean) {
    pValue = 1;
  } else if (method === 'exact' || !correction || Math.abs(w - mean) >= 0.5) {
    pValue = 2 * lowerTail(w > mean);
  } else {
    pValue = twoSided.pValue;
  }
  return { statistic: w, pValue: clampP(pValue), n, nUsed, method, alternative };
}

/**
 * Null distribution of the Mann–Whitney U (pairs x > y) for sample sizes m and n without
 * ties, as P(U ≤ k) for k = 0 … m·n. Uses the recursion on the largest observation,
 * P_{i,j}(u) = i/(i+j)·P_{i−1,j}(u − j) + j/(i+j)·P_{i,j−1}(u), on probabilities (all terms
 * positive, so tails stay accurate). O(m²n²/4) time.
 */
export function mannWhitneyCdf(m: number, n: number): Float64Array {
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n; j++) prev.push(Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const out = new Float64Array(i * j + 1);
      const fromX = prev[j] as Float64Array; // largest is an x: it beats all j y's
      const fromY = cur[j - 1] as Float64Array; // largest is a y: it beats no x
      const wx = i / (i + j);
      const wy = j / (i + j);
      for (let k = 0; k < fromX.length; k++) out[k + j] = wx * (fromX[k] as number);
      for (let k = 0; k < fromY.length; k++) {
        out[k] = (out[k] as number) + wy * (fromY[k] as number);
      }
      cur.push(out);
    }
    prev = cur;
  }
  const pmf = prev[n] as Float64Array;
  const cdf = new Float64Array(pmf.length);
  let acc = 0;
  for (let k = 0; k < pmf.length; k++) {
    acc += pmf[k] as number;
    cdf[k] = Math.min(1, acc);
  }
  return cdf;
}

/** Average ranks (1-based) of the values, and Σ(t³ − t) over groups of t tied values. */
function averageRanks(values: readonly number[]): { ranks: Float64Array; tieTerm: number } {
  const order = values
    .map((_, i) => i)
    .sort((i, j) => (values[i] as number) - (values[j] as number));
  const ranks = new Float64Array(values.length);
  let tieTerm = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    const v = values[order[start] as number] as number;
    while (end < order.length && values[order[end] as number] === v) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  return { ranks, tieTerm };
}

/**
 * Wilcoxon rank-sum / Mann–Whitney U test of two independent samples, with R's
 * `wilcox.test(a, b)` rules:
 * - exact null distribution when both samples have fewer than 50 values and there are no
 *   ties (see {@link RankSumOptions.exact});
 * - otherwise the normal approximation with mean n1·n2/2, the tie-corrected variance
 *   n1·n2/12·((N + 1) − Σ(t³ − t)/(N(N − 1))) and a continuity correction of 0.5 towards
 *   the mean (unless `correction: false`).
 * The two-sided p-value is twice the smaller tail, capped at 1.
 *
 * Edge cases: an empty sample or a non-finite value → Error; every value tied (zero
 * variance) → pValue 1, method 'degenerate' (R would return NaN).
 */
export function rankSum(
  a: readonly number[],
  b: readonly number[],
  opts: RankSumOptions = {},
): RankSumResult {
  const fn = 'rankSum';
  const n1 = a.length;
  const n2 = b.length;
  if (n1 < 1 || n2 < 1) {
    throw new Error(`${fn}: both samples need at least one value (a ${n1}, b ${n2}).`);
  }
  checkFinite(fn, 'a', a);
  checkFinite(fn, 'b', b);
  const alternative = opts.alternative ?? 'two-sided';
  const correction = opts.correction ?? true;
  checkAlternative(fn, alternative);

  const { ranks, tieTerm } = averageRanks([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i] as number;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mn = n1 * n2;
  const result = (pValue: number, method: TestMethod): RankSumResult => ({
    statistic: u,
    pValue: clampP(pValue),
    n1,
    n2,
    method,
    alternative,
  });

  const wantExact = opts.exact ?? (n1 < 50 && n2 < 50);
  if (wantExact && tieTerm === 0) {
    const cdf = mannWhitneyCdf(n1, n2);
    // P(U <= k); by symmetry P(U >= k) = P(U <= mn − k). u is an integer without ties.
    const lower = (k: number): number => cdf[k] as number;
    if (alternative === 'less') return result(lower(u), 'exact');
    if (alternative === 'greater') return result(lower(mn - u), 'exact');
    return result(2 * lower(Math.min(u, mn - u)), 'exact');
  }

  const nTot = n1 + n2;
  const variance = (mn / 12) * (nTot + 1 - tieTerm / (nTot * (nTot - 1)));
  if (!(variance > 0)) return result(1, 'degenerate');
  const sigma = Math.sqrt(variance);
  const z0 = u - mn / 2;
  let cc = 0;
  if (correction) {
    cc =
      alternative === 'two-sided' ? Math.sign(z0) * 0.5 : alternative === 'greater' ? 0.5 : -0.5;
  }
  const z = (z0 - cc) / sigma;
  if (alternative === 'less') return result(phi(z), 'normal');
  if (alternative === 'greater') return result(phi(-z), 'normal');
  return result(2 * Math.min(phi(z), phi(-z)), 'normal');
}

export type PairedTestKind = 'wilcoxon' | 'rankSum';

export interface PairedTestOptions {
  alternative?: Alternative;
  correction?: boolean;
}

export type PairedTestResult =
  | ({ kind: 'wilcoxon' } & SignedRankResult)
  | ({ kind: 'rankSum' } & RankSumResult);

/**
 * Compare two losses' per-case scores on the same cases (a[i] and b[i] are case i).
 * 'wilcoxon' (default) runs the paired signed-rank test; 'rankSum' runs the rank-sum test,
 * which ignores the pairing (as in the paper). Lengths must match for both kinds, because
 * the inputs are per-case scores of the same cases.
 *
 * @throws Error when the lengths differ or are 0, or on an unknown kind.
 */
export function pairedTest(
  a: readonly number[],
  b: readonly number[],
  kind: PairedTestKind = 'wilcoxon',
  opts: PairedTestOptions = {},
): PairedTestResult {
  if (a.length !== b.length) {
    throw new Error(
      `pairedTest: per-case scores must have the same length (a ${a.length}, b ${b.length}).`,
    );
  }
  if (kind === 'wilcoxon') return { kind, ...wilcoxonSignedRank(a, b, opts) };
  if (kind === 'rankSum') return { kind, ...rankSum(a, b, opts) };
  throw new Error(`pairedTest: unknown kind '${String(kind)}' (expected 'wilcoxon' or 'rankSum').`);
}
