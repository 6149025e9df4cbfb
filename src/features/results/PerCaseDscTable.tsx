/**
 * The per-case test DSC: one row per test case, one column per run; every cell opens that case
 * with that run's segmentation in the viewer. The highest DSC of each case is marked.
 */
import { useMemo } from 'react';
import { formatScore } from '../../core/metrics/summary';
import type { PerCaseTable, RunInfo } from '../../core/results';

export function PerCaseDscTable({
  table,
  runs,
  classText,
  onOpenCase,
}: {
  table: PerCaseTable;
  /** The columns to show (a subset of table.runs, in order). */
  runs: readonly RunInfo[];
  classText: string;
  onOpenCase: (caseId: string, runId: string) => void;
}) {
  const columns = useMemo(() => runs.map((r) => ({ run: r, index: table.runs.findIndex((t) => t.runId === r.runId) })).filter((c) => c.index >= 0), [runs, table]);
  return (
    <div className="scroll-table results-per-case">
      <table className="data-table" aria-label="Per-case DSC">
        <caption className="results-caption">
          Test DSC ({classText}) of every case and run; the best of each case is marked ▲. Select a cell to open the case in the viewer with
          that run&apos;s segmentation.
        </caption>
        <thead>
          <tr>
            <th scope="col">case</th>
            {columns.map(({ run }) => (
              <th scope="col" key={run.runId} title={run.runId}>
                <span className="swatch" style={{ background: run.color }} aria-hidden /> {run.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.cases.map((c) => {
            const values = columns.map(({ index }) => c.dsc[index] ?? null);
            const top = Math.max(-Infinity, ...values.filter((v): v is number => v !== null).map((v) => Number(v.toFixed(3))));
            return (
              <tr key={c.id}>
                <th scope="row">{c.id}</th>
                {columns.map(({ run }, i) => {
                  const v = values[i] ?? null;
                  const best = v !== null && Number(v.toFixed(3)) === top && columns.length > 1;
                  return (
                    <td key={run.runId} className={best ? 'results-case-best' : undefined}>
                      <button
                        type="button"
                        aria-label={`Open case ${c.id} with run ${run.label} in the viewer`}
                        title={`${v === null ? 'no DSC' : `DSC ${formatScore(v)}`}${best ? ', the best for this case' : ''}`}
                        onClick={() => onOpenCase(c.id, run.runId)}
                      >
                        {formatScore(v)}
                        {best && (
                          <span className="results-best-mark" aria-hidden>
                            {' '}
                            ▲
                          </span>
                        )}
                      </button>
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
