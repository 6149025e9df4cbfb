/**
 * Seeds and folds: a verdict, not a coin toss. When each loss is trained more than once (over
 * training seeds: initial weights, sample order, augmentation; and over folds of the development
 * set), a difference between two losses means something only against the spread between those
 * repeats. For each loss configuration this gives the mean test DSC of every replicate (one
 * seed and fold), their mean ± sample standard deviation, and against a reference
 * configuration two Wilcoxon signed-rank tests (core/metrics `pairedTest`): across replicates
 * (replicate means paired by seed and fold) and across replicates × cases (each test case of
 * each replicate paired with the same case of the reference's same replicate). The verdict says
 * in words whether the difference of means is within the seed-to-seed spread, and what the
 * smallest p-value the number of replicates allows is (an exact two-sided signed-rank test on n
 * pairs cannot go below 2 / 2^n: 0.25 for three seeds).
 */
import { pairedTest, summarize } from '../metrics';
import type { CaseResult } from '../training/experiment';
import { caseValue, compareCaseIds, type ClassSelection } from './table';

/** One trained run as the replicate analysis needs it. */
export interface ReplicateRun {
  runId: string;
  /** What is compared: runs with the same key are replicates of one loss configuration. */
  key: string;
  label: string;
  /** Training seed of the run (null: the experiment's one seed). */
  seed: number | null;
  /** Fold of the development set (null: the experiment's one split). */
  fold: number | null;
  test: readonly CaseResult[] | null;
}

export interface Replicate {
  runId: string;
  seed: number | null;
  fold: number | null;
  /** Mean DSC over the test cases with a defined DSC (NaN when none). */
  meanDsc: number;
  cases: number;
}

export interface ReplicateComparison {
  /** This configuration's mean minus the reference's, over the replicates both have. */
  difference: number;
  /** Replicate pairs (same seed and fold) and the signed-rank p-value over their means. */
  pairs: number;
  pAcrossReplicates: number;
  /** The smallest two-sided p-value `pairs` pairs allow (2 / 2^pairs). */
  smallestPossibleP: number;
  /** Pairs of (replicate, case) and the signed-rank p-value over their DSCs. */
  casePairs: number;
  pAcrossCases: number;
  /** The difference lies within the larger of the two configurations' replicate spreads. */
  withinSpread: boolean;
  /** The verdict in words. */
  words: string;
}

export interface ReplicateRow {
  key: string;
  label: string;
  replicates: Replicate[];
  /** Over the replicate means. */
  mean: number;
  std: number;
  n: number;
  /** Null for the reference itself, or when nothing can be paired. */
  vsReference: ReplicateComparison | null;
}

const replicateId = (r: { seed: number | null; fold: number | null }) => `${r.seed ?? '-'}|${r.fold ?? '-'}`;

function dscOf(c: CaseResult, classIndex: ClassSelection): number {
  return caseValue(c, 'dsc', classIndex);
}

function meanDsc(test: readonly CaseResult[] | null, classIndex: ClassSelection): { mean: number; cases: number } {
  const values = (test ?? []).map((c) => dscOf(c, classIndex)).filter(Number.isFinite);
  return { mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN, cases: values.length };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const signed = (v: number) => (v >= 0 ? `+${fmt(v)}` : fmt(v));

function compare(row: ReplicateRow, ref: ReplicateRow, runs: Map<string, ReplicateRun>, classIndex: ClassSelection): ReplicateComparison | null {
  const refById = new Map(ref.replicates.map((r) => [replicateId(r), r]));
  const a: number[] = [];
  const b: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  for (const r of row.replicates) {
    const q = refById.get(replicateId(r));
    if (!q || !Number.isFinite(r.meanDsc) || !Number.isFinite(q.meanDsc)) continue;
    a.push(r.meanDsc);
    b.push(q.meanDsc);
    const refCases = new Map((runs.get(q.runId)?.test ?? []).map((c) => [c.id, dscOf(c, classIndex)]));
    for (const c of [...(runs.get(r.runId)?.test ?? [])].sort((x, y) => compareCaseIds(x.id, y.id))) {
      const v = dscOf(c, classIndex);
      const w = refCases.get(c.id);
      if (Number.isFinite(v) && w !== undefined && Number.isFinite(w)) {
        ca.push(v);
        cb.push(w);
      }
    }
  }
  if (a.length === 0) return null;
  const difference = a.reduce((s, v) => s + v, 0) / a.length - b.reduce((s, v) => s + v, 0) / b.length;
  const pReplicates = a.length > 0 ? pairedTest(a, b, 'wilcoxon').pValue : Number.NaN;
  const pCases = ca.length > 0 ? pairedTest(ca, cb, 'wilcoxon').pValue : Number.NaN;
  const spread = Math.max(row.n > 1 ? row.std : Number.NaN, ref.n > 1 ? ref.std : Number.NaN);
  const known = Number.isFinite(spread);
  const withinSpread = known && Math.abs(difference) <= spread;
  const smallestPossibleP = 2 / 2 ** a.length;
  let words: string;
  if (a.length < 2) {
    words = `${row.label} − ${ref.label} = ${signed(difference)} mean DSC from one seed: the spread between seeds is unknown (train with more seeds to judge it)`;
  } else {
    const spreadText = `${known ? `the seed-to-seed spread (std up to ${fmt(spread)})` : 'an unknown spread'}`;
    words =
      `${row.label} − ${ref.label} = ${signed(difference)} mean DSC over ${a.length} paired seeds/folds, ` +
      `${withinSpread ? `within ${spreadText}` : `larger than ${spreadText}`}; ` +
      `p = ${fmt(pReplicates)} across seeds` +
      (smallestPossibleP > 0.05 ? ` (${a.length} pairs cannot reach p < 0.05: the smallest possible is ${fmt(smallestPossibleP)})` : '') +
      `, p = ${fmt(pCases)} across seeds × cases (${ca.length} pairs)`;
  }
  return { difference, pairs: a.length, pAcrossReplicates: pReplicates, smallestPossibleP, casePairs: ca.length, pAcrossCases: pCases, withinSpread, words };
}

/**
 * Rows of configurations in the order their first run appears, each with its replicates in
 * seed then fold order; the comparison is against `referenceKey` (default the first row).
 */
export function replicateTable(runs: readonly ReplicateRun[], opts: { classIndex?: ClassSelection; referenceKey?: string } = {}): ReplicateRow[] {
  const classIndex = opts.classIndex ?? 'mean';
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const rows = new Map<string, ReplicateRow>();
  for (const r of runs) {
    if (!r.test || r.test.length === 0) continue;
    const row = rows.get(r.key) ?? { key: r.key, label: r.label, replicates: [], mean: Number.NaN, std: Number.NaN, n: 0, vsReference: null };
    const m = meanDsc(r.test, classIndex);
    row.replicates.push({ runId: r.runId, seed: r.seed, fold: r.fold, meanDsc: m.mean, cases: m.cases });
    rows.set(r.key, row);
  }
  const out = [...rows.values()];
  for (const row of out) {
    row.replicates.sort((x, y) => (x.seed ?? -1) - (y.seed ?? -1) || (x.fold ?? -1) - (y.fold ?? -1));
    const means = row.replicates.map((r) => r.meanDsc).filter(Number.isFinite);
    const s = summarize(means);
    row.mean = s.mean;
    row.std = s.std;
    row.n = s.n;
  }
  const ref = out.find((r) => r.key === (opts.referenceKey ?? out[0]?.key));
  if (ref) for (const row of out) if (row !== ref) row.vsReference = compare(row, ref, byId, classIndex);
  return out;
}
