/**
 * Descriptive summaries of per-case scores (e.g. the DSC of every test case under one loss).
 */

export interface Summary {
  /** Arithmetic mean. */
  mean: number;
  /**
   * Sample standard deviation (Bessel's correction, divisor n − 1), as numpy
   * `std(ddof=1)` and R `sd`. Defined as 0 when n = 1 (a single case has no spread).
   */
  std: number;
  /** Number of values. */
  n: number;
  /** Middle value; the mean of the two middle values when n is even (as numpy/R). */
  median: number;
  min: number;
  max: number;
}

/**
 * mean, sample std (n − 1), n, median, min and max of a list of numbers.
 *
 * - n = 0: returns n = 0 and NaN for every statistic (nothing to summarise; no throw, so a
 *   table can show an empty cell).
 * - n = 1: std = 0 (documented convention; the n − 1 formula would be 0/0).
 * - The mean and std use two passes (mean first, then squared deviations) for accuracy.
 *
 * @throws Error when a value is NaN or infinite (a metric should never be).
 */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) {
    return { mean: NaN, std: NaN, n: 0, median: NaN, min: NaN, max: NaN };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new Error(`summarize: value at index ${i} is not a finite number (${v}).`);
    }
    sum += v;
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = n >> 1;
  const median =
    n % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { mean, std, n, median, min: sorted[0] as number, max: sorted[n - 1] as number };
}

function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  // Avoid "-0.000" for tiny negative numbers.
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/**
 * "mean ± std" with a fixed number of decimals, e.g. `formatMeanStd({ mean: 0.8123,
 * std: 0.0456, n: 12 })` → "0.812 ± 0.046". Returns "—" when n = 0, and the mean with "(n = 1)"
 * for a single value, whose sample standard deviation (n − 1) is undefined.
 */
export function formatMeanStd(
  summary: Pick<Summary, 'mean' | 'std' | 'n'>,
  digits = 3,
): string {
  if (summary.n === 0 || !Number.isFinite(summary.mean)) return '—';
  if (summary.n === 1) return `${fixed(summary.mean, digits)} (n = 1)`;
  return `${fixed(summary.mean, digits)} ± ${fixed(summary.std, digits)}`;
}

/** Mean of the finite values (NaN, ±∞ and null left out; a score undefined for a case); null when there are none. */
export function meanOfFinite(values: readonly (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v !== null && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : null;
}

/** A score for display with fixed decimals ("0.812"); "—" when it is undefined (null, NaN, ±∞). */
export function formatScore(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : fixed(v, digits);
}
