/**
 * The Results view: the test results of an experiment as Yeung et al. 2022 report them.
 * - the table of its Tables 2–6: one row per loss, DSC, IoU, precision and recall as mean ±
 *   sample standard deviation over the test cases, the best of each column in bold, and the
 *   p-value of the DSC against a reference loss (Wilcoxon signed-rank, paired on case, or the
 *   rank-sum test the paper names);
 * - box plots of the per-case DSC of every run;
 * - its Figure 3 (DSC against γ) when the experiment has γ-sweep runs;
 * - with seeds or folds, each loss configuration's replicates against the reference configuration
 *   (the seed-to-seed spread and p-values across replicates and replicates × cases);
 * - the per-case DSC table, whose cells open a case with a run's segmentation in the viewer;
 * - exports: results table and per-case scores as CSV, everything as JSON, each chart as PNG.
 * The numbers come from core/results.
 */
import { useId, useMemo, useState } from 'react';
import {
  METRIC_LABELS,
  METRICS,
  TEST_LABELS,
  boxPlotData,
  defaultReference,
  foregroundClasses,
  gammaSweepSeries,
  hasSweepRuns,
  missingTestReason,
  parseSweepId,
  perCaseCsv,
  perCaseTable,
  resultsCsv,
  resultsJson,
  resultsTable,
  type ClassSelection,
  type ResultsTable,
  type ResultsTest,
} from '../../core/results';
import type { ExperimentSnapshot } from '../../core/training/experiment';
import { download } from '../../state/download';
import { PerCaseDscTable } from './PerCaseDscTable';
import { hasReplicates } from './replicateRuns';
import { ReplicatesPanel } from './ReplicatesPanel';
import { DscBoxPlot, GammaSweepChart } from './ResultsCharts';
import './results.css';

export interface ResultsViewProps {
  snapshot: ExperimentSnapshot;
  experimentName: string;
  /** Names of the foreground classes (entry k: label k + 1). */
  classNames?: string[];
  onOpenCase: (caseId: string, runId: string) => void;
}

function slug(name: string): string {
  return name.trim().replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'experiment';
}

function className(classNames: readonly string[] | undefined, k: number): string {
  return classNames?.[k] ?? `class ${k + 1}`;
}

export function ResultsView({ snapshot, experimentName, classNames, onOpenCase }: ResultsViewProps) {
  const ids = useId();
  const nClasses = foregroundClasses(snapshot);
  const [classChoice, setClassChoice] = useState<ClassSelection>(nClasses > 1 ? 'mean' : 0);
  const [referenceChoice, setReferenceChoice] = useState<string | null>(null);
  const [test, setTest] = useState<ResultsTest>('wilcoxon');
  const [showSweep, setShowSweep] = useState(false);

  // Choices that no longer fit the snapshot fall back to the defaults.
  const classIndex: ClassSelection = classChoice === 'mean' ? (nClasses > 1 ? 'mean' : 0) : classChoice < nClasses ? classChoice : 0;
  const testedRuns = useMemo(() => snapshot.runs.filter((r) => missingTestReason(r) === null), [snapshot]);
  const reference = referenceChoice !== null && testedRuns.some((r) => r.id === referenceChoice) ? referenceChoice : defaultReference(snapshot);
  const classText = classIndex === 'mean' ? 'mean over the foreground classes' : className(classNames, classIndex);

  const sweepIds = useMemo(() => new Set(snapshot.runs.filter((r) => parseSweepId(r.id)?.loss === r.loss).map((r) => r.id)), [snapshot]);
  const hasSweep = hasSweepRuns(snapshot);
  const hasOthers = testedRuns.some((r) => !sweepIds.has(r.id));
  // γ-sweep runs join the table and the box plots on request (or when they are all there is).
  const includeSweep = showSweep || !hasOthers;
  const shownIds = useMemo(() => snapshot.runs.filter((r) => includeSweep || !sweepIds.has(r.id)).map((r) => r.id), [snapshot, includeSweep, sweepIds]);

  const table = useMemo(
    () => (reference === null ? null : resultsTable(snapshot, { classIndex, reference, test, runIds: shownIds })),
    [snapshot, classIndex, reference, test, shownIds],
  );
  const box = useMemo(() => {
    const shown = new Set(shownIds);
    return boxPlotData(snapshot, classIndex).filter((b) => shown.has(b.runId));
  }, [snapshot, classIndex, shownIds]);
  const sweep = useMemo(() => (hasSweep ? gammaSweepSeries(snapshot, classIndex) : []), [snapshot, classIndex, hasSweep]);
  const perCase = useMemo(() => perCaseTable(snapshot, classIndex), [snapshot, classIndex]);
  const perCaseColumns = useMemo(() => perCase.runs.filter((r) => shownIds.includes(r.runId)), [perCase, shownIds]);

  const replicated = useMemo(() => hasReplicates(snapshot), [snapshot]);
  const base = slug(experimentName);
  const classSuffix = classIndex === 'mean' ? 'mean' : `class${classIndex + 1}`;
  const referenceLabel = snapshot.runs.find((r) => r.id === reference)?.label ?? reference ?? '';

  if (snapshot.runs.length === 0) {
    return (
      <section className="results-view panel" aria-label="Results">
        <p>This experiment has no runs.</p>
      </section>
    );
  }

  return (
    <section className="results-view" aria-labelledby={`${ids}-title`}>
      <header className="panel results-controls">
        <h2 id={`${ids}-title`}>Results: {experimentName}</h2>
        <div className="results-fields">
          {nClasses > 1 && (
            <label className="field">
              class
              <select
                value={String(classIndex)}
                onChange={(e) => {
                  const v = e.currentTarget.value;
                  setClassChoice(v === 'mean' ? 'mean' : Number(v));
                }}
              >
                <option value="mean">mean over the foreground classes</option>
                {Array.from({ length: nClasses }, (_, k) => (
                  <option key={k} value={k}>
                    {className(classNames, k)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="field">
            reference loss
            <select value={reference ?? ''} disabled={testedRuns.length === 0} onChange={(e) => setReferenceChoice(e.currentTarget.value)}>
              {(testedRuns.length > 0 ? testedRuns : snapshot.runs).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            significance test
            <select value={test} onChange={(e) => setTest(e.currentTarget.value as ResultsTest)}>
              <option value="wilcoxon">Wilcoxon signed-rank (paired)</option>
              <option value="rankSum">Wilcoxon rank-sum / Mann–Whitney U</option>
            </select>
          </label>
          {hasSweep && hasOthers && (
            <label className="toggle results-toggle">
              <input type="checkbox" checked={showSweep} onChange={(e) => setShowSweep(e.currentTarget.checked)} /> include the γ-sweep runs in the table and
              box plots
            </label>
          )}
        </div>
        <div className="buttons" role="group" aria-label="Export results">
          <button type="button" disabled={!table} onClick={() => table && download(`${base}-results-${classSuffix}.csv`, new Blob([resultsCsv(table)], { type: 'text/csv' }))}>
            Results table (CSV)
          </button>
          <button type="button" disabled={testedRuns.length === 0} onClick={() => download(`${base}-per-case.csv`, new Blob([perCaseCsv(snapshot, classNames)], { type: 'text/csv' }))}>
            Per-case scores (CSV)
          </button>
          <button
            type="button"
            disabled={!table}
            onClick={() =>
              table && download(`${base}-results.json`, new Blob([resultsJson(snapshot, table, { name: experimentName, classNames })], { type: 'application/json' }))
            }
          >
            Results (JSON)
          </button>
        </div>
      </header>

      {testedRuns.length === 0 ? (
        <p className="panel">No run has test results yet: runs are tested with their best weights when they finish.</p>
      ) : (
        table && <SummaryTable table={table} classText={classText} referenceLabel={referenceLabel} />
      )}

      {replicated && (
        <ReplicatesPanel
          snapshot={snapshot}
          classIndex={classIndex}
          classText={classText}
          referenceRunId={reference}
          experimentName={experimentName}
          fileName={`${base}-seeds-folds-${classSuffix}.png`}
        />
      )}

      {testedRuns.length > 0 && (
        <div className={`results-charts${sweep.length > 0 ? ' two' : ''}`}>
          <DscBoxPlot series={box} classText={classText} experimentName={experimentName} fileName={`${base}-dsc-boxplot-${classSuffix}.png`} onOpenCase={onOpenCase} />
          {sweep.length > 0 && <GammaSweepChart series={sweep} classText={classText} experimentName={experimentName} fileName={`${base}-gamma-sweep-${classSuffix}.png`} />}
        </div>
      )}
      {hasSweep && sweep.length === 0 && <p className="muted">The γ-sweep runs have no test results yet.</p>}

      {testedRuns.length > 0 && (
        <section className="panel" aria-labelledby={`${ids}-per-case`}>
          <h2 id={`${ids}-per-case`}>Per-case DSC</h2>
          <PerCaseDscTable table={perCase} runs={perCaseColumns} classText={classText} onOpenCase={onOpenCase} />
        </section>
      )}
    </section>
  );
}

/** The paper's Tables 2–6. */
function SummaryTable({ table, classText, referenceLabel }: { table: ResultsTable; classText: string; referenceLabel: string }) {
  const fewer = table.rows.some((r) => METRICS.some((m) => r.metrics[m].n < table.nCases));
  return (
    <section className="panel results-summary">
      <table className="data-table results-table" aria-label="Test results">
        <caption className="results-caption">
          Test results on {table.nCases} test case{table.nCases === 1 ? '' : 's'} ({classText}): mean ± sample standard deviation (n − 1), the
          best of each column in bold. p: {TEST_LABELS[table.test]} of the DSC against {referenceLabel || 'the reference'}
          , on the cases both runs scored.
          {fewer ? ' Where a run has fewer cases (or some without a defined score), n is given.' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">loss</th>
            {METRICS.map((m) => (
              <th scope="col" key={m}>
                {METRIC_LABELS[m]}
              </th>
            ))}
            <th scope="col">p (DSC)</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.runId} data-run={r.runId}>
              <th scope="row" title={r.runId}>
                <span className="swatch" style={{ background: r.color }} aria-hidden /> {r.label}
              </th>
              {METRICS.map((m) => {
                const c = r.metrics[m];
                const text = (
                  <>
                    {c.text}
                    {c.n < table.nCases && <span className="muted results-n"> (n = {c.n})</span>}
                  </>
                );
                return (
                  <td key={m} className="results-num">
                    {c.best ? <strong>{text}</strong> : text}
                  </td>
                );
              })}
              <td className="results-num">
                {r.p ? (
                  <>
                    {r.p.text}
                    {r.p.n < table.nCases && <span className="muted results-n"> (n = {r.p.n})</span>}
                  </>
                ) : r.pNote === 'reference' ? (
                  <span className="muted">reference</span>
                ) : (
                  <span className="muted" title={r.pNote ?? undefined}>
                    —
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {table.skipped.length > 0 && (
        <p className="muted">
          Not in the table: {table.skipped.map((s) => `${s.label} (${s.reason})`).join(', ')}.
        </p>
      )}
    </section>
  );
}
