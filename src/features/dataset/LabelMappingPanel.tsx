import { useState } from 'react';
import type { LabelMapping, MappingProposal, ValueCount } from '../../core/data/labels';
import { datasetActions } from '../../state/datasetActions';
import { useStudio } from '../../state/store';

function classOf(m: LabelMapping, value: number): number {
  if (m.kind === 'nonzero') return value ? 1 : 0;
  if (m.kind === 'threshold') return value >= m.threshold ? 1 : 0;
  return m.classes[value] ?? 0;
}

/**
 * Stored label values with their voxel counts, and the class each becomes. Editing a class
 * (e.g. BraTS: only label 4, enhancing tumour, as class 1) reloads the dataset with that mapping.
 */
export function LabelMappingPanel() {
  const mapping = useStudio((s) => s.dataset.mapping);
  const values = useStudio((s) => s.dataset.labelValues);
  const origin = useStudio((s) => s.dataset.origin);
  const version = useStudio((s) => s.dataset.version);
  if (!mapping) return null;
  // Keyed by the dataset version: a new dataset starts a fresh draft.
  return <MappingEditor key={version} mapping={mapping} values={values} editable={origin === 'files'} />;
}

function MappingEditor({ mapping, values, editable }: { mapping: MappingProposal; values: ValueCount[]; editable: boolean }) {
  const [draft, setDraft] = useState<Record<number, number>>(() =>
    Object.fromEntries(values.map((v) => [v.value, classOf(mapping.mapping, v.value)])),
  );
  const [threshold, setThreshold] = useState(mapping.mapping.kind === 'threshold' ? mapping.mapping.threshold : 128);
  const [mode, setMode] = useState<'values' | 'threshold'>(mapping.mapping.kind === 'threshold' ? 'threshold' : 'values');
  const total = values.reduce((s, v) => s + v.count, 0) || 1;
  const isThreshold = mode === 'threshold';
  const shown = values.length > 40 ? values.filter((_v, i) => i < 20 || i >= values.length - 20) : values;
  return (
    <section className="panel" aria-labelledby="labels-title">
      <h2 id="labels-title">Labels: {mapping.numClasses - 1} foreground class{mapping.numClasses > 2 ? 'es' : ''}</h2>
      {mapping.note && <p className="muted">{mapping.note}</p>}
      {editable && (
        <fieldset className="mode">
          <legend>stored values become</legend>
          <label>
            <input type="radio" name="mapping-mode" checked={mode === 'values'} onChange={() => setMode('values')} /> one class per value
          </label>
          <label>
            <input type="radio" name="mapping-mode" checked={mode === 'threshold'} onChange={() => setMode('threshold')} /> foreground above a threshold
          </label>
        </fieldset>
      )}
      {isThreshold ? (
        <div className="param">
          <label htmlFor="threshold">threshold</label>
          <input id="threshold" type="number" min={1} value={threshold} onChange={(e) => setThreshold(Number(e.currentTarget.value))} disabled={!editable} />
          <span />
          <span className="param-hint">values ≥ threshold are foreground ({values.length} stored grey levels)</span>
        </div>
      ) : (
        <div className="scroll-table short">
          <table className="data-table" aria-label="Label values">
            <thead>
              <tr>
                <th>stored value</th>
                <th>voxels (whole images)</th>
                <th>%</th>
                <th>class</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((v) => (
                <tr key={v.value}>
                  <td>{v.value}</td>
                  <td>{v.count.toLocaleString('en')}</td>
                  <td>{((100 * v.count) / total).toFixed(2)}</td>
                  <td>
                    <input
                      type="number"
                      min={0}
                      max={15}
                      aria-label={`class for value ${v.value}`}
                      value={draft[v.value] ?? 0}
                      disabled={!editable}
                      onChange={(e) => setDraft({ ...draft, [v.value]: Math.max(0, Math.min(15, Number(e.currentTarget.value) || 0)) })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable && (
        <div className="buttons">
          <button
            type="button"
            onClick={() =>
              void datasetActions.remap(
                isThreshold
                  ? { kind: 'threshold', threshold }
                  : { kind: 'values', classes: Object.fromEntries(Object.entries(draft).filter(([, c]) => c > 0)) as Record<number, number> },
              )
            }
          >
            Apply label mapping
          </button>
        </div>
      )}
    </section>
  );
}
