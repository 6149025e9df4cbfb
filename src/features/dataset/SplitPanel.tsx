import { useMemo } from 'react';
import { splitCases, splitToCsv } from '../../core/data/split';
import { datasetActions } from '../../state/datasetActions';
import { datasetRegistry } from '../../state/datasetRegistry';
import { download } from '../../state/download';
import { useStudio } from '../../state/store';

/** The seeded split (the paper's 64/16/20, or the dataset's own), shown and exported as CSV. */
export function SplitPanel() {
  const version = useStudio((s) => s.dataset.version);
  const seed = useStudio((s) => s.dataset.splitSeed);
  const split = useMemo(() => {
    void version; // the cases changed
    const cases = datasetRegistry.cases();
    return cases.length ? splitCases(cases, seed) : null;
  }, [version, seed]);
  if (!split) return null;
  const exportCsv = () => download(`split-seed-${seed}.csv`, new Blob([splitToCsv(split)], { type: 'text/csv' }));
  return (
    <section className="panel" aria-labelledby="split-title">
      <h2 id="split-title">Split</h2>
      <p className="muted">
        {split.method === 'own'
          ? "The dataset's own split: its test cases stay test; its training cases are split 80/20 into training and validation."
          : 'The paper’s split: 80 % development / 20 % test, development 80/20 into training and validation.'}
      </p>
      <div className="param">
        <label htmlFor="split-seed">seed</label>
        <input id="split-seed" type="number" value={seed} onChange={(e) => datasetActions.setSplitSeed(Number(e.currentTarget.value) || 0)} />
        <span />
      </div>
      <p data-testid="split-counts">
        training {split.train.length} · validation {split.validation.length} · test {split.test.length}
      </p>
      <button type="button" onClick={exportCsv}>
        Export split (CSV)
      </button>
    </section>
  );
}
