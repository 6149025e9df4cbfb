/**
 * Results as files: the results table and the per-case scores as CSV (RFC 4180: fields with a
 * comma, a double quote, CR or LF are quoted, quotes doubled, lines end in CRLF), and the
 * whole result as JSON.
 *
 * Numbers are written at full precision (JavaScript's shortest round-trip form, e.g.
 * 0.8123456789012345), not at the 3 decimals of the table; undefined values (NaN, null) are
 * empty CSV fields and JSON nulls. Classes are written as their label value (1 … C − 1; the
 * foreground class index k is label k + 1) or "mean" for the per-case mean over the
 * foreground classes.
 */
import type { ExperimentSnapshot } from '../training/experiment';
import { caseValue, checkClassIndex, foregroundClasses, METRICS, missingTestReason, runInfo, TEST_LABELS, type ClassSelection, type ResultsTable } from './table';

/** One CSV field (RFC 4180 quoting). */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of rows of fields, CRLF line ends (RFC 4180), ending with a line break. */
export function csv(rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** "1" … "C−1" for a foreground class index, "mean" for the class mean. */
export function classLabel(classIndex: ClassSelection): string {
  return classIndex === 'mean' ? 'mean' : String(classIndex + 1);
}

/**
 * The results table as CSV: one line per row, then one per skipped run (statistics empty,
 * the reason in `note`). Columns: run_id, label, loss, class, n_cases, then for each of dsc,
 * iou, precision, recall its mean, std (n − 1), n and best (true/false), then test,
 * reference, p_value, p_pairs (cases tested), p_method, note.
 */
export function resultsCsv(table: ResultsTable): string {
  const header = [
    'run_id',
    'label',
    'loss',
    'class',
    'n_cases',
    ...METRICS.flatMap((m) => [`${m}_mean`, `${m}_std`, `${m}_n`, `${m}_best`]),
    'test',
    'reference',
    'p_value',
    'p_pairs',
    'p_method',
    'note',
  ];
  const cls = classLabel(table.classIndex);
  const lines: (string | number | boolean | null)[][] = [header];
  for (const r of table.rows) {
    lines.push([
      r.runId,
      r.label,
      r.loss,
      cls,
      r.cases,
      ...METRICS.flatMap((m) => {
        const c = r.metrics[m];
        return [c.mean, c.std, c.n, c.best];
      }),
      table.test,
      table.reference,
      r.p?.pValue ?? null,
      r.p?.n ?? null,
      r.p?.method ?? null,
      r.pNote,
    ]);
  }
  for (const s of table.skipped) {
    lines.push([s.runId, s.label, s.loss, cls, 0, ...METRICS.flatMap(() => [null, null, 0, false]), table.test, table.reference, null, null, null, s.reason]);
  }
  return csv(lines);
}

/**
 * Every test score as CSV: one line per run × case × foreground class, runs in snapshot
 * order, cases as the run lists them. Columns: run_id, label, loss, case_id, class (label
 * value), class_name, dsc, iou, precision, recall. Runs without test results have no lines.
 */
export function perCaseCsv(snapshot: ExperimentSnapshot, classNames?: readonly string[]): string {
  const lines: (string | number | null)[][] = [['run_id', 'label', 'loss', 'case_id', 'class', 'class_name', ...METRICS]];
  const k = foregroundClasses(snapshot);
  for (const run of snapshot.runs) {
    if (missingTestReason(run) !== null) continue;
    const info = runInfo(run);
    for (const c of run.test ?? []) {
      for (let j = 0; j < k; j++) {
        lines.push([info.runId, info.label, info.loss, c.id, j + 1, classNames?.[j] ?? `class ${j + 1}`, ...METRICS.map((m) => caseValue(c, m, j))]);
      }
    }
  }
  return csv(lines);
}

/** Identifies the JSON document written by {@link resultsJson}. */
export const RESULTS_FORMAT = 'segmentation-studio/results';

export interface ResultsJsonMeta {
  /** The experiment's name. */
  name?: string;
  /** Names of the foreground classes (entry k: label k + 1). */
  classNames?: readonly string[];
}

/**
 * The result as one plain object (see {@link resultsJson}): the experiment's configuration,
 * its runs with their parameters and training outcome, the summary table and every run's
 * per-case scores (NaN as null).
 */
export function resultsDocument(snapshot: ExperimentSnapshot, table: ResultsTable, meta: ResultsJsonMeta = {}) {
  checkClassIndex(snapshot, table.classIndex);
  const k = foregroundClasses(snapshot);
  const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    format: RESULTS_FORMAT,
    version: 1 as const,
    name: meta.name ?? null,
    experiment: {
      numClasses: snapshot.numClasses,
      classNames: Array.from({ length: k }, (_, j) => meta.classNames?.[j] ?? `class ${j + 1}`),
      config: snapshot.config,
      scheduling: snapshot.scheduling,
      interleave: snapshot.interleave,
      split: snapshot.split,
      input: snapshot.input,
      samples: snapshot.samples,
      stopped: snapshot.stopped,
    },
    runs: snapshot.runs.map((r) => ({
      id: r.id,
      label: r.label,
      loss: r.loss,
      params: r.params,
      status: r.status,
      stopReason: r.stopReason,
      steps: r.steps,
      epochs: r.epochs.length,
      bestEpoch: r.bestEpoch,
      bestValLoss: num(r.bestValLoss),
      tested: missingTestReason(r) === null,
    })),
    summary: {
      class: classLabel(table.classIndex),
      test: table.test,
      testName: TEST_LABELS[table.test],
      reference: table.reference,
      nCases: table.nCases,
      stdDefinition: 'sample standard deviation (n - 1)',
      rows: table.rows.map((r) => ({
        runId: r.runId,
        label: r.label,
        loss: r.loss,
        cases: r.cases,
        metrics: Object.fromEntries(
          METRICS.map((m) => {
            const c = r.metrics[m];
            return [m, { mean: num(c.mean), std: num(c.std), n: c.n, best: c.best }];
          }),
        ),
        p: r.p ? { value: r.p.pValue, pairs: r.p.n, statistic: r.p.statistic, method: r.p.method } : null,
        pNote: r.pNote,
      })),
      skipped: table.skipped.map((s) => ({ runId: s.runId, label: s.label, loss: s.loss, reason: s.reason })),
    },
    perCase: Object.fromEntries(
      snapshot.runs
        .filter((r) => missingTestReason(r) === null)
        .map((r) => [
          r.id,
          (r.test ?? []).map((c) => ({
            id: c.id,
            ...Object.fromEntries(METRICS.map((m) => [m, Array.from({ length: k }, (_, j) => num(caseValue(c, m, j)))])),
          })),
        ]),
    ),
  };
}

/** {@link resultsDocument} as indented JSON text. */
export function resultsJson(snapshot: ExperimentSnapshot, table: ResultsTable, meta: ResultsJsonMeta = {}): string {
  return JSON.stringify(resultsDocument(snapshot, table, meta), null, 2) + '\n';
}
