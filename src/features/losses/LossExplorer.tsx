import { useStudio, explorer } from '../../state/store';
import { trainingActions } from '../../state/trainingActions';
import {
  LOSS_IDS,
  LOSSES,
  fmt,
  type LossFamily,
  type LossId,
  type ParamSpec,
  type ResolvedParams,
} from '../../core/losses/registry';
import { HIERARCHY } from '../../core/losses/hierarchy';
import { ExplorerChart } from './ExplorerChart';
import { ParamSlider } from './ParamSlider';

const FAMILIES: { family: LossFamily; title: string }[] = [
  { family: 'distribution', title: 'Distribution-based' },
  { family: 'region', title: 'Region-based' },
  { family: 'compound', title: 'Compound' },
];

/** What a parameter's current value means in this loss, e.g. the exponent it sets. */
function hint(id: LossId, spec: ParamSpec, p: ResolvedParams): string | undefined {
  const v = p[spec.name];
  if (typeof v !== 'number') return undefined;
  switch (spec.name) {
    case 'delta':
      return LOSSES[id].family === 'distribution'
        ? `rare classes ${fmt(v)}, background ${fmt(1 - v)}`
        : `false negatives ${fmt(v)}, false positives ${fmt(1 - v)}`;
    case 'gamma':
      if (id === 'focalTversky') return `exponent 1/γ = ${fmt(1 / v)}`;
      if (id === 'symmetricFocalTversky' || id === 'asymmetricFocalTversky') return `exponent 1 − γ = ${fmt(1 - v)}`;
      if (id === 'symmetricUnifiedFocal' || id === 'asymmetricUnifiedFocal')
        return `focal exponent ${fmt(v)}, focal Tversky exponent 1 − γ = ${fmt(1 - v)}`;
      return `exponent on (1 − p) = ${fmt(v)}`;
    case 'lambda':
      return `focal part ${fmt(v)}, focal Tversky part ${fmt(1 - v)}`;
    case 'alpha':
      return id === 'combo' ? `cross entropy ${fmt(v)}, Dice ${fmt(1 - v)}` : `rare classes ${fmt(v)}, background ${fmt(1 - v)}`;
    case 'beta':
      return `rare classes ${fmt(v)}, background ${fmt(1 - v)}`;
  }
}

function LossPicker() {
  const selected = useStudio((s) => s.explorer.selected);
  const focused = useStudio((s) => s.explorer.focused);
  const training = useStudio((s) => s.training.settings.losses);
  const running = useStudio((s) => s.training.live?.status === 'running');
  return (
    <nav className="loss-picker" aria-label="Losses">
      <p className="muted">
        Tick a loss to draw it; <em>train</em> adds it to the next experiment in Train &amp; compare, with the parameters set here
        (the paper&apos;s unless you move a slider).
      </p>
      {FAMILIES.map(({ family, title }) => (
        <fieldset key={family}>
          <legend>{title}</legend>
          {LOSS_IDS.filter((id) => LOSSES[id].family === family).map((id) => {
            const spec = LOSSES[id];
            return (
              <div key={id} className={`loss-row${focused === id ? ' focused' : ''}`}>
                <input
                  type="checkbox"
                  id={`pick-${id}`}
                  checked={selected.includes(id)}
                  onChange={(e) => explorer.toggleLoss(id, e.currentTarget.checked)}
                />
                <span className="swatch" style={{ background: spec.color }} aria-hidden />
                <label htmlFor={`pick-${id}`}>{spec.label}</label>
                <label className="train-tick" title="Train this loss in the next experiment">
                  <input
                    type="checkbox"
                    aria-label={`Train ${spec.label}`}
                    disabled={running}
                    checked={training.includes(id)}
                    onChange={(e) =>
                      trainingActions.setSettings({ losses: e.currentTarget.checked ? [...training, id] : training.filter((x) => x !== id) })
                    }
                  />
                  train
                </label>
                <button
                  type="button"
                  className="edit"
                  aria-pressed={focused === id}
                  aria-label={`Edit ${spec.label}`}
                  onClick={() => explorer.focusLoss(id)}
                >
                  edit
                </button>
              </div>
            );
          })}
        </fieldset>
      ))}
    </nav>
  );
}

function LossControls() {
  const id = useStudio((s) => s.explorer.focused);
  const p = useStudio((s) => s.explorer.params[id]);
  const spec = LOSSES[id];
  return (
    <section className="loss-controls" aria-labelledby="controls-title">
      <h2 id="controls-title">
        <span className="swatch" style={{ background: spec.color }} aria-hidden /> {spec.label}
      </h2>
      {spec.params.length === 0 && <p className="muted">No parameters.</p>}
      {spec.params.map((ps) => {
        const v = p[ps.name];
        if (ps.nullable) {
          const on = v !== null;
          return (
            <div key={ps.name} className="param-group">
              <label className="toggle">
                <input
                  type="checkbox"
                  checked={on}
                  onChange={(e) => explorer.setParam(id, ps.name, e.currentTarget.checked ? (ps.default ?? 0.25) : null)}
                />
                use {ps.label} class weighting
              </label>
              {on && typeof v === 'number' && (
                <ParamSlider spec={ps} value={v} hint={hint(id, ps, p)} onChange={(x) => explorer.setParam(id, ps.name, x)} />
              )}
              {Array.isArray(v) && <p className="muted">α per class: [{v.map(fmt).join(', ')}]</p>}
            </div>
          );
        }
        return (
          <ParamSlider
            key={ps.name}
            spec={ps}
            value={typeof v === 'number' ? v : (ps.default ?? ps.min)}
            hint={hint(id, ps, p)}
            onChange={(x) => explorer.setParam(id, ps.name, x)}
          />
        );
      })}
      <div className="buttons">
        <button type="button" onClick={() => explorer.resetToPaper(id)}>
          Paper settings
        </button>
      </div>
      <div className="formula" aria-label="Formula">
        <p className="equation" data-testid="equation">
          {spec.equation}
        </p>
        <p className="instantiated" data-testid="formula">
          {spec.instantiate(p)}
        </p>
        <p className="source">{spec.source}</p>
      </div>
    </section>
  );
}

function HierarchyPanel() {
  const focused = useStudio((s) => s.explorer.focused);
  const p = useStudio((s) => s.explorer.params.symmetricUnifiedFocal);
  const active = HIERARCHY.find(
    (h) =>
      focused === 'symmetricUnifiedFocal' &&
      h.unified.lambda === p.lambda &&
      h.unified.delta === p.delta &&
      h.unified.gamma === p.gamma,
  );
  return (
    <section className="hierarchy" aria-labelledby="hierarchy-title">
      <h2 id="hierarchy-title">The unified family (the paper&apos;s Figure 1)</h2>
      <p className="muted">
        Each button sets the symmetric unified focal loss (λ, δ, γ) to the values that recover another loss, and draws
        that loss beside it.
      </p>
      <div className="buttons">
        {HIERARCHY.map((h) => (
          <button
            type="button"
            key={h.id}
            aria-pressed={active?.id === h.id}
            onClick={() => {
              explorer.setParams('symmetricUnifiedFocal', h.unified);
              explorer.focusLoss('symmetricUnifiedFocal');
              // The recovered loss is drawn last, on top of the unified curve it should meet.
              explorer.setParams(h.target.id, h.target.params);
              explorer.toggleLoss(h.target.id, false);
              explorer.toggleLoss(h.target.id, true);
            }}
          >
            {h.label}
          </button>
        ))}
        <button
          type="button"
          onClick={() => {
            explorer.resetToPaper('symmetricUnifiedFocal');
            explorer.focusLoss('symmetricUnifiedFocal');
          }}
        >
          Paper default (λ 0.5, δ 0.6, γ 0.5)
        </button>
      </div>
      <p className="relation" role="status" data-testid="relation">
        {active ? active.relation : 'Pick a relation to see it.'}
      </p>
    </section>
  );
}

export function LossExplorer() {
  const selected = useStudio((s) => s.explorer.selected);
  const params = useStudio((s) => s.explorer.params);
  return (
    <div className="explorer">
      <LossPicker />
      <main className="explorer-main">
        <ExplorerChart selected={selected} params={params} />
        <HierarchyPanel />
      </main>
      <LossControls />
    </div>
  );
}
