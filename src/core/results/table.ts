/**
 * The results of a loss comparison in the form of Yeung et al. 2022 ("Unified Focal loss",
 * Comput. Med. Imaging Graph. 95:102026): Tables 2–6 (one row per loss, DSC, IoU, precision
 * and recall over the test cases as mean ± standard deviation, the best in bold, and a
 * significance test against the reference loss), the per-case scores behind them (box plots,
 * the per-case table) and Figure 3 (test DSC against γ for the symmetric and asymmetric
 * unified focal losses).
 *
 * Conventions:
 * - Scores are per test case and per foreground class (CaseResult arrays, entry k is class
 *   k + 1). `classIndex` picks one foreground class, or 'mean': the mean over the foreground
 *   classes of each case, over the classes whose score is defined (a case whose every class is
 *   undefined is undefined).
 * - A score is undefined when it is NaN, ±∞ or null (a snapshot is JSON, where NaN becomes
 *   null). Undefined scores are left out of a run's statistics (`n` counts what is left) and
 *   out of the pairs of a significance test.
 * - Standard deviations are sample standard deviations (divisor n − 1, as numpy
 *   `std(ddof=1)`), from core/metrics `summarize`, which defines std = 0 for a single case.
 * - Cases are matched between runs by case id and listed in natural order of their ids
 *   ("case-2" before "case-10"); see {@link compareCaseIds}.
 * - The significance test compares the DSC of a run with that of the reference run on the
 *   cases both have a defined DSC for: the Wilcoxon signed-rank test (paired, two-sided) or
 *   the Wilcoxon rank-sum / Mann–Whitney U test (two-sided; the test named by the paper, which
 *   ignores the pairing), both from core/metrics `pairedTest`.
 */
import { LOSS_IDS, LOSSES, type LossId } from '../losses/registry';
import { formatMeanStd, pairedTest, summarize, type PairedTestKind, type TestMethod } from '../metrics';
import type { CaseResult, ExperimentSnapshot, RunHistory } from '../training/experiment';

export type MetricId = 'dsc' | 'iou' | 'precision' | 'recall';

/** The metrics of the paper's tables, in their order. */
export const METRICS: readonly MetricId[] = Object.freeze(['dsc', 'iou', 'precision', 'recall'] as const);

/** Column headings of the metrics. */
export const METRIC_LABELS: Readonly<Record<MetricId, string>> = Object.freeze({
  dsc: 'DSC',
  iou: 'IoU',
  precision: 'Precision',
  recall: 'Recall',
});

/** A foreground class (0 … C − 2, i.e. label 1 … C − 1) or the per-case mean over them. */
export type ClassSelection = number | 'mean';

export type ResultsTest = PairedTestKind;

/** Names of the tests as the results show them. */
export const TEST_LABELS: Readonly<Record<ResultsTest, string>> = Object.freeze({
  wilcoxon: 'Wilcoxon signed-rank test (paired, two-sided)',
  rankSum: 'Wilcoxon rank-sum / Mann–Whitney U test (two-sided)',
});

/** Colour of runs whose loss is not in the registry (e.g. from an older experiment file). */
const FALLBACK_COLOR = '#7f7f7f';

/** What every result list says about a run. */
export interface RunInfo {
  runId: string;
  label: string;
  loss: LossId;
  /** The loss's colour in the registry. */
  color: string;
}

export interface MetricCell {
  /** Mean over the cases with a defined score; NaN when there is none. */
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one case, NaN for none. */
  std: number;
  /** Cases with a defined score. */
  n: number;
  /** "0.812 ± 0.043" at the table's digits; "—" when n = 0. */
  text: string;
  /** Highest mean of the column (at the displayed precision; ties are all best). */
  best: boolean;
}

export interface PValueCell {
  pValue: number;
  /** Pairs tested: cases both runs have with a defined DSC. */
  n: number;
  statistic: number;
  method: TestMethod;
  /** "p = 0.012" or "p < 0.001". */
  text: string;
}

export interface ResultsRow extends RunInfo {
  /** Test cases the run lists. */
  cases: number;
  metrics: Record<MetricId, MetricCell>;
  /** DSC against the reference run; null for the reference itself and when nothing can be tested (see pNote). */
  p: PValueCell | null;
  /** Why p is null: 'reference', or a sentence. Null when p is given. */
  pNote: string | null;
}

export interface SkippedRun extends RunInfo {
  /** Why the run has no row, e.g. "still training". */
  reason: string;
}

export interface ResultsTable {
  classIndex: ClassSelection;
  test: ResultsTest;
  /** The reference run asked for. */
  reference: string;
  /** Whether the reference run has test results (otherwise no p-values). */
  referenceFound: boolean;
  /** Decimals of the formatted cells. */
  digits: number;
  /** Distinct test case ids over the rows. */
  nCases: number;
  rows: ResultsRow[];
  skipped: SkippedRun[];
}

export interface ResultsTableOptions {
  classIndex: ClassSelection;
  /** Run id of the reference loss of the significance tests. */
  reference: string;
  test: ResultsTest;
  /** Only these runs (in snapshot order); default every run. */
  runIds?: readonly string[];
  /** Decimals of the formatted cells (and of the best-flag comparison). Default 3, as the paper. */
  digits?: number;
}

/**
 * Natural order of case ids: runs of digits compare as numbers ("case-2" < "case-10"), the
 * rest by UTF-16 code units; ids equal in that order (e.g. "a01" and "a1") fall back to a
 * plain code-unit comparison, so the order is total and deterministic.
 */
export function compareCaseIds(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, '');
      const ny = y.replace(/^0+(?=\d)/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Number of foreground classes of the snapshot (C − 1). */
export function foregroundClasses(snapshot: ExperimentSnapshot): number {
  return Math.max(0, snapshot.numClasses - 1);
}

/** @throws RangeError when classIndex is neither 'mean' nor a foreground class of the snapshot. */
export function checkClassIndex(snapshot: ExperimentSnapshot, classIndex: ClassSelection): void {
  if (classIndex === 'mean') return;
  const k = foregroundClasses(snapshot);
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= k) {
    throw new RangeError(`classIndex must be 'mean' or a foreground class 0…${k - 1} (label 1…${k}); got ${String(classIndex)}`);
  }
}

function defined(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * One case's score of one metric: the class's value, or for 'mean' the mean over the classes
 * with a defined value. NaN when undefined (see the file header).
 */
export function caseValue(c: CaseResult, metric: MetricId, classIndex: ClassSelection): number {
  const values = c[metric] as readonly (number | null)[];
  if (classIndex !== 'mean') {
    const v = values[classIndex];
    return defined(v) ? v : NaN;
  }
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (defined(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** The loss of a run as the registry knows it (colour and label). */
export function runInfo(run: RunHistory): RunInfo {
  const spec = (LOSS_IDS as readonly string[]).includes(run.loss) ? LOSSES[run.loss] : undefined;
  return { runId: run.id, label: run.label || spec?.label || run.id, loss: run.loss, color: spec?.color ?? FALLBACK_COLOR };
}

/** Why a run has no test results, or null when it has some. */
export function missingTestReason(run: RunHistory): string | null {
  if (run.test && run.test.length > 0) return null;
  if (run.test) return 'no test cases were scored';
  if (run.status === 'pending') return 'not started';
  if (run.status === 'running') return 'still training';
  if (run.stopReason === 'stopped') return 'stopped before testing';
  return 'not tested';
}

/** The test cases of a run sorted by case id (the first entry wins if an id repeats). */
function sortedCases(run: RunHistory): CaseResult[] {
  const seen = new Set<string>();
  const out: CaseResult[] = [];
  for (const c of run.test ?? []) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    out.push(c);
  }
  return out.sort((a, b) => compareCaseIds(a.id, b.id));
}

/** Defined scores of a run in case-id order, with their case ids. */
function definedColumn(cases: readonly CaseResult[], metric: MetricId, classIndex: ClassSelection): { ids: string[]; values: number[] } {
  const ids: string[] = [];
  const values: number[] = [];
  for (const c of cases) {
    const v = caseValue(c, metric, classIndex);
    if (Number.isNaN(v)) continue;
    ids.push(c.id);
    values.push(v);
  }
  return { ids, values };
}

/** "p = 0.012", or "p < 0.001" below 0.001 (the paper's style). */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(3)}`;
}

function metricCell(values: readonly number[], digits: number): MetricCell {
  const s = summarize(values);
  return { mean: s.mean, std: s.std, n: s.n, text: formatMeanStd(s, digits), best: false };
}

/**
 * The paper's results table (Tables 2–6) for one class: a row per run with test results (in
 * snapshot order), mean ± sample std of DSC, IoU, precision and recall, the best of each
 * column flagged, and the DSC p-value against the reference run; runs without test results
 * are listed in `skipped` with the reason. See the file header for the conventions.
 *
 * Best: the highest mean of the column compared at `digits` decimals, so that two cells that
 * read the same are both flagged; columns without any defined value flag nothing.
 *
 * @throws RangeError for a classIndex that is not a foreground class of the snapshot.
 */
export function resultsTable(snapshot: ExperimentSnapshot, opts: ResultsTableOptions): ResultsTable {
  checkClassIndex(snapshot, opts.classIndex);
  const digits = opts.digits ?? 3;
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new RangeError(`digits must be an integer 0…10; got ${digits}`);
  const { classIndex, test, reference } = opts;
  const wanted = opts.runIds ? new Set(opts.runIds) : null;
  const runs = snapshot.runs.filter((r) => !wanted || wanted.has(r.id));

  const refRun = snapshot.runs.find((r) => r.id === reference);
  const refCases = refRun && missingTestReason(refRun) === null ? sortedCases(refRun) : null;
  const refDsc = new Map<string, number>();
  for (const c of refCases ?? []) {
    const v = caseValue(c, 'dsc', classIndex);
    if (!Number.isNaN(v)) refDsc.set(c.id, v);
  }

  const rows: ResultsRow[] = [];
  const skipped: SkippedRun[] = [];
  const caseIds = new Set<string>();
  for (const run of runs) {
    const info = runInfo(run);
    const reason = missingTestReason(run);
    if (reason !== null) {
      skipped.push({ ...info, reason });
      continue;
    }
    const cases = sortedCases(run);
    for (const c of cases) caseIds.add(c.id);
    const metrics = Object.fromEntries(
      METRICS.map((m) => [m, metricCell(definedColumn(cases, m, classIndex).values, digits)]),
    ) as Record<MetricId, MetricCell>;

    let p: PValueCell | null = null;
    let pNote: string | null = null;
    if (run.id === reference) {
      pNote = 'reference';
    } else if (!refCases) {
      pNote = refRun ? 'the reference run has no test results' : `no run "${reference}" to compare with`;
    } else {
      const dsc = definedColumn(cases, 'dsc', classIndex);
      const a: number[] = [];
      const b: number[] = [];
      dsc.ids.forEach((id, i) => {
        const r = refDsc.get(id);
        if (r === undefined) return;
        a.push(dsc.values[i]!);
        b.push(r);
      });
      if (a.length === 0) {
        pNote = 'no test case in common with the reference (with a defined DSC)';
      } else {
        const t = pairedTest(a, b, test);
        p = { pValue: t.pValue, n: a.length, statistic: t.statistic, method: t.method, text: formatPValue(t.pValue) };
      }
    }
    rows.push({ ...info, cases: cases.length, metrics, p, pNote });
  }

  for (const m of METRICS) {
    const rounded = rows.map((r) => (r.metrics[m].n > 0 ? Number(r.metrics[m].mean.toFixed(digits)) : -Infinity));
    const top = Math.max(-Infinity, ...rounded);
    if (top === -Infinity) continue;
    rows.forEach((r, i) => {
      r.metrics[m].best = rounded[i] === top;
    });
  }

  return {
    classIndex,
    test,
    reference,
    referenceFound: refCases !== null,
    digits,
    nCases: caseIds.size,
    rows,
    skipped,
  };
}

export interface PerCaseTable {
  classIndex: ClassSelection;
  /** Runs with test results, in snapshot order: the columns. */
  runs: RunInfo[];
  /** Every case id any of those runs lists, in case-id order: the rows. */
  cases: { id: string; dsc: (number | null)[] }[];
}

/**
 * Cases × runs matrix of the DSC of one class (or the per-case class mean): null where a run
 * has no such case or its DSC is undefined.
 */
export function perCaseTable(snapshot: ExperimentSnapshot, classIndex: ClassSelection): PerCaseTable {
  checkClassIndex(snapshot, classIndex);
  const tested = snapshot.runs.filter((r) => missingTestReason(r) === null);
  const byRun = tested.map((r) => {
    const m = new Map<string, number>();
    for (const c of sortedCases(r)) m.set(c.id, caseValue(c, 'dsc', classIndex));
    return m;
  });
  const ids = [...new Set(byRun.flatMap((m) => [...m.keys()]))].sort(compareCaseIds);
  return {
    classIndex,
    runs: tested.map(runInfo),
    cases: ids.map((id) => ({
      id,
      dsc: byRun.map((m) => {
        const v = m.get(id);
        return v === undefined || Number.isNaN(v) ? null : v;
      }),
    })),
  };
}

export interface BoxSeries extends RunInfo {
  /** Case ids of the values. */
  caseIds: string[];
  /** Defined per-case DSC, in case-id order. */
  dsc: number[];
  /** Cases left out because their DSC is undefined. */
  undefinedCount: number;
}

/** Per run with test results (snapshot order): its per-case DSC, for box plots. */
export function boxPlotData(snapshot: ExperimentSnapshot, classIndex: ClassSelection): BoxSeries[] {
  checkClassIndex(snapshot, classIndex);
  return snapshot.runs
    .filter((r) => missingTestReason(r) === null)
    .map((r) => {
      const cases = sortedCases(r);
      const col = definedColumn(cases, 'dsc', classIndex);
      return { ...runInfo(r), caseIds: col.ids, dsc: col.values, undefinedCount: cases.length - col.ids.length };
    });
}

/** A run id of the γ sweep (`${loss}:gamma=${γ}`, experiment.ts gammaSweepRuns), or null. */
export function parseSweepId(id: string): { loss: LossId; gamma: number } | null {
  const m = /^([A-Za-z]+):gamma=(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/.exec(id);
  if (!m) return null;
  const loss = m[1]!;
  const gamma = Number(m[2]);
  if (!(LOSS_IDS as readonly string[]).includes(loss) || !Number.isFinite(gamma)) return null;
  return { loss: loss as LossId, gamma };
}

export interface SweepPoint {
  gamma: number;
  runId: string;
  /** Mean test DSC over the cases with a defined DSC. */
  mean: number;
  /** Sample standard deviation (n − 1). */
  std: number;
  n: number;
}

export interface SweepSeries {
  loss: LossId;
  label: string;
  color: string;
  /** In increasing γ. */
  points: SweepPoint[];
}

/**
 * The paper's Figure 3: for every loss with γ-sweep runs (ids `${loss}:gamma=${γ}` whose loss
 * matches the run's), the mean ± sample std of the test DSC at each γ, in increasing γ. Runs
 * without test results or without a defined DSC are left out; losses in registry order.
 */
export function gammaSweepSeries(snapshot: ExperimentSnapshot, classIndex: ClassSelection): SweepSeries[] {
  checkClassIndex(snapshot, classIndex);
  const byLoss = new Map<LossId, SweepPoint[]>();
  for (const run of snapshot.runs) {
    const parsed = parseSweepId(run.id);
    if (!parsed || parsed.loss !== run.loss || missingTestReason(run) !== null) continue;
    const col = definedColumn(sortedCases(run), 'dsc', classIndex);
    if (col.values.length === 0) continue;
    const s = summarize(col.values);
    const list = byLoss.get(parsed.loss) ?? [];
    list.push({ gamma: parsed.gamma, runId: run.id, mean: s.mean, std: s.std, n: s.n });
    byLoss.set(parsed.loss, list);
  }
  return LOSS_IDS.filter((id) => byLoss.has(id)).map((loss) => ({
    loss,
    label: LOSSES[loss].label,
    color: LOSSES[loss].color,
    points: byLoss.get(loss)!.sort((a, b) => a.gamma - b.gamma),
  }));
}

/** Whether the snapshot has γ-sweep runs (tested or not). */
export function hasSweepRuns(snapshot: ExperimentSnapshot): boolean {
  return snapshot.runs.some((r) => parseSweepId(r.id)?.loss === r.loss);
}

/**
 * The default reference run (the paper tests every loss against the asymmetric unified focal
 * loss): among the runs with test results (all runs when none has any), the asymmetric unified
 * focal run, preferring the one outside a γ sweep, else the first run. Null without runs.
 */
export function defaultReference(snapshot: ExperimentSnapshot): string | null {
  const tested = snapshot.runs.filter((r) => missingTestReason(r) === null);
  const pool = tested.length > 0 ? tested : snapshot.runs;
  const auf = pool.filter((r) => r.loss === 'asymmetricUnifiedFocal');
  const pick = auf.find((r) => parseSweepId(r.id) === null) ?? auf[0] ?? pool[0];
  return pick?.id ?? null;
}
