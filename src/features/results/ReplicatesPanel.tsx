/**
 * Seeds and folds: for an experiment whose losses were trained more than once, each loss
 * configuration's mean test DSC per replicate (seed, fold), their mean ± std, and the difference
 * to the reference configuration judged against the seed-to-seed spread, with Wilcoxon
 * signed-rank p-values across replicates and across replicates × cases (core/results/replicates).
 */
import { Fragment, useId, useMemo } from 'react';
import { formatPValue, type ClassSelection } from '../../core/results';
import { formatScore } from '../../core/metrics/summary';
import { replicateTable, type ReplicateRow } from '../../core/results/replicates';
import type { ExperimentSnapshot } from '../../core/training/experiment';
import { configurationColors, configurationKey, replicateNamer, replicateRunsOf, replicateSeries } from './replicateRuns';
import { ReplicateDotChart } from './ResultsCharts';

const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${formatScore(Math.abs(v))}` : '—');

function verdictShort(row: ReplicateRow): string {
  const v = row.vsReference;
  if (!v) return '—';
  if (v.pairs < 2) return 'spread unknown (one replicate)';
  return v.withinSpread ? 'within the spread' : 'larger than the spread';
}

export function ReplicatesPanel({
  snapshot,
  classIndex,
  classText,
  referenceRunId,
  experimentName,
  fileName,
}: {
  snapshot: ExperimentSnapshot;
  classIndex: ClassSelection;
  classText: string;
  /** The Results view's reference run: its loss configuration is the reference here. */
  referenceRunId: string | null;
  experimentName: string;
  fileName: string;
}) {
  const ids = useId();
  const referenceRun = snapshot.runs.find((r) => r.id === referenceRunId);
  const referenceKey = referenceRun ? configurationKey(referenceRun) : undefined;
  const rows = useMemo(
    () => replicateTable(replicateRunsOf(snapshot), { classIndex, ...(referenceKey !== undefined ? { referenceKey } : {}) }),
    [snapshot, classIndex, referenceKey],
  );
  const name = useMemo(() => replicateNamer(snapshot), [snapshot]);
  const colors = useMemo(() => configurationColors(snapshot), [snapshot]);
  const series = useMemo(() => replicateSeries(rows, snapshot), [rows, snapshot]);
  const planned = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of snapshot.runs) m.set(configurationKey(r), (m.get(configurationKey(r)) ?? 0) + 1);
    return m;
  }, [snapshot]);
  const reference = rows.find((r) => r.key === (referenceKey ?? rows[0]?.key));
  const refInRows = referenceKey === undefined || rows.some((r) => r.key === referenceKey);

  return (
    <section className="panel results-replicates" aria-labelledby={`${ids}-title`} data-testid="results-replicates">
      <h2 id={`${ids}-title`}>Seeds and folds</h2>
      {rows.length === 0 ? (
        <p className="muted">No replicate has test results yet: runs are tested with their best weights when they finish.</p>
      ) : (
        <>
          <div className="scroll-table results-replicates-table">
            <table className="data-table results-table" aria-label="Seeds and folds">
              <caption className="results-caption">
                Each loss configuration trained over several seeds and folds ({classText}): the mean test DSC of each replicate, their mean ± sample
                standard deviation, and the difference of means to {reference?.label ?? 'the reference'} with two Wilcoxon signed-rank tests, across
                replicates (replicate means paired by seed and fold) and across replicates × cases (each test case paired with the same case of the
                reference&apos;s same replicate). With n pairs the signed-rank p cannot go below 2 / 2ⁿ.
                {!refInRows ? ' The chosen reference has no tested replicate yet: the first configuration is the reference.' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">loss configuration</th>
                  <th scope="col">mean DSC of each replicate</th>
                  <th scope="col">mean ± std</th>
                  <th scope="col">difference</th>
                  <th scope="col">p across replicates</th>
                  <th scope="col">smallest possible p</th>
                  <th scope="col">p across replicates × cases</th>
                  <th scope="col">difference vs seed-to-seed spread</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const v = row.vsReference;
                  const isRef = row === reference;
                  const total = planned.get(row.key) ?? row.replicates.length;
                  return (
                    <tr key={row.key} data-config={row.key}>
                      <th scope="row" title={row.key}>
                        <span className="swatch" style={{ background: colors.get(row.key) }} aria-hidden /> {row.label}
                      </th>
                      <td className="results-replicate-values">
                        {row.replicates.map((r, i) => (
                          <Fragment key={r.runId}>
                            {i > 0 ? ' · ' : ''}
                            <span className="results-replicate" title={r.runId}>
                              <span className="muted">{name(r)}</span> {formatScore(r.meanDsc)}
                            </span>
                          </Fragment>
                        ))}
                        {row.replicates.length < total && <span className="muted"> ({total - row.replicates.length} of {total} not tested yet)</span>}
                      </td>
                      <td className="results-num">
                        {formatScore(row.mean)}
                        {row.n > 1 ? ` ± ${formatScore(row.std)}` : ''} <span className="muted results-n">(n = {row.n})</span>
                      </td>
                      {isRef ? (
                        <td className="results-num muted" colSpan={5}>
                          reference
                        </td>
                      ) : v ? (
                        <>
                          <td className="results-num">{signed(v.difference)}</td>
                          <td className="results-num">
                            {formatPValue(v.pAcrossReplicates)} <span className="muted results-n">({v.pairs} pairs)</span>
                          </td>
                          <td className="results-num">{v.smallestPossibleP < 0.001 ? v.smallestPossibleP.toExponential(1) : v.smallestPossibleP.toFixed(3)}</td>
                          <td className="results-num">
                            {formatPValue(v.pAcrossCases)} <span className="muted results-n">({v.casePairs} pairs)</span>
                          </td>
                          <td>{verdictShort(row)}</td>
                        </>
                      ) : (
                        <td className="muted" colSpan={5}>
                          no replicate pairs with the reference (same seed and fold)
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <ul className="results-verdicts" aria-label="Verdicts">
            {rows.map((row) => (row.vsReference ? <li key={row.key}>{row.vsReference.words}.</li> : null))}
          </ul>
          <ReplicateDotChart series={series} classText={classText} experimentName={experimentName} fileName={fileName} />
        </>
      )}
    </section>
  );
}
