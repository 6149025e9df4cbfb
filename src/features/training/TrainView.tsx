import { useEffect, useId, useMemo, useState } from 'react';
import { LOSS_IDS, LOSSES, PAPER_COMPARISON, fmt, type LossId } from '../../core/losses/registry';
import type { ExperimentSnapshot } from '../../core/training/experiment';
import { formatScore, meanOfFinite } from '../../core/metrics/summary';
import { INPUT_SIZES, SETTING_LIMITS, withinRule, type NumberRule, type NumericSetting } from '../../core/engine/configuration';
import { truncateText } from '../../core/training/experimentFile';
import { DEFAULT_TRAINING } from '../../core/training/config';
import { GAMMA_SWEEP } from '../../core/training/runs';
import { formatDuration } from '../../core/training/progress';
import { currentExperimentRequest, datasetCases, datasetImageSizes, datasetPlan, developmentCaseCount, plannedStepsPerEpoch, probeKey, proposalSettings, startProblems, trainingActions } from '../../state/trainingActions';
import { estimateStepMemory, experimentTime, formatBytes, requestPlan } from '../../core/engine/planner';
import { resolutionReport, spacingReport } from '../../core/engine/resolution';
import type { Resolution } from '../../core/training/config';
import type { BrokenExperiment } from '../../worker/trainingProtocol';
import { useStudio } from '../../state/store';
import { BackendBadge } from './BackendBadge';
import { ShareLink } from './ShareLink';
import { TrainingCharts } from './TrainingCharts';
import { liveProgress, runPlan } from './runPlan';

/** The γ sweep's runs as text, from GAMMA_SWEEP and the unified losses' paper settings. */
const SWEEP_TEXT = (() => {
  const p = LOSSES.symmetricUnifiedFocal.paper;
  return `γ = ${GAMMA_SWEEP[0]} … ${GAMMA_SWEEP[GAMMA_SWEEP.length - 1]}, λ = ${p.lambda}, δ = ${p.delta}`;
})();

/** The paper's protocol in words, from DEFAULT_TRAINING (what a run uses unless the fields above change it). */
const PROTOCOL_TEXT = (() => {
  const t = DEFAULT_TRAINING;
  return (
    `The paper's protocol: ${t.optimizer === 'sgd' ? 'SGD' : 'Adam'}, learning rate ${t.learningRate}, batch ${t.batchSize}, ` +
    `learning rate × ${t.lrFactor} after ${t.lrPlateauPatience} epochs without validation improvement, early stop after ${t.earlyStopPatience}, ` +
    `the checkpoint with the ${t.checkpointMetric === 'valLoss' ? 'lowest validation loss' : 'highest validation DSC'} is kept.`
  );
})();

function paramText(id: LossId, p: Record<string, unknown>): string {
  return LOSSES[id].params
    .map((ps) => {
      const v = p[ps.name];
      return `${ps.symbol} ${v === null ? 'none' : Array.isArray(v) ? `[${v.map((x) => fmt(Number(x))).join(', ')}]` : fmt(Number(v))}`;
    })
    .join(', ');
}

/**
 * A numeric setting with its bounds from SETTING_LIMITS (the link and the command line check the
 * same ones): a value out of them is marked invalid and says what is allowed; Start refuses it.
 */
function NumberField({ label, setting, value, step, onChange }: { label: string; setting: NumericSetting; value: number; step?: number; onChange: (v: number) => void }) {
  const rule: NumberRule = SETTING_LIMITS[setting];
  const valid = withinRule(rule, value);
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        name={setting}
        value={value}
        min={rule.min}
        max={rule.max}
        step={step ?? rule.step ?? (rule.kind === 'integer' ? 1 : 'any')}
        aria-invalid={!valid}
        aria-describedby={valid ? undefined : `${id}-hint`}
        onChange={(e) => onChange(Number(e.currentTarget.value))}
      />
      {!valid && (
        <span id={`${id}-hint`} className="bad field-hint">
          {rule.kind === 'integer' ? 'an integer' : 'a number'} {rule.range}
        </span>
      )}
    </div>
  );
}

function Settings({ running }: { running: boolean }) {
  const s = useStudio((st) => st.training.settings);
  const params = useStudio((st) => st.explorer.params);
  const set = trainingActions.setSettings;
  return (
    <section className="panel" aria-labelledby="runs-title">
      <h2 id="runs-title">Losses to compare</h2>
      <p className="muted">Each loss trains with its parameters from the loss explorer (the paper&apos;s settings unless you moved a slider).</p>
      <div className="buttons">
        <button type="button" disabled={running} onClick={() => set({ losses: [...PAPER_COMPARISON] })}>
          The paper&apos;s eight
        </button>
        <button type="button" disabled={running} onClick={() => set({ losses: [] })}>
          None
        </button>
      </div>
      <ul className="run-picker">
        {LOSS_IDS.map((id) => (
          <li key={id}>
            <label>
              <input
                type="checkbox"
                disabled={running}
                checked={s.losses.includes(id)}
                onChange={(e) => set({ losses: e.currentTarget.checked ? [...s.losses, id] : s.losses.filter((x) => x !== id) })}
              />
              <span className="swatch" style={{ background: LOSSES[id].color }} aria-hidden /> {LOSSES[id].label}
            </label>
            <span className="muted"> {paramText(id, params[id])}</span>
          </li>
        ))}
      </ul>
      <label className="toggle">
        <input type="checkbox" disabled={running} checked={s.gammaSweep} onChange={(e) => set({ gammaSweep: e.currentTarget.checked })} /> γ sweep (the
        paper&apos;s Figure 3): each ticked unified loss at {SWEEP_TEXT}
      </label>
      <h3>Model and protocol</h3>
      <fieldset className="fields" disabled={running}>
        <label className="field">
          input size{' '}
          <select
            value={s.inputWidth === s.inputHeight && INPUT_SIZES.some((n) => n === s.inputWidth) ? String(s.inputWidth) : 'other'}
            onChange={(e) => {
              const n = Number(e.currentTarget.value);
              if (Number.isFinite(n)) set({ inputWidth: n, inputHeight: n });
            }}
          >
            {INPUT_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}×{n}
              </option>
            ))}
            {s.inputWidth === s.inputHeight && INPUT_SIZES.some((n) => n === s.inputWidth) ? null : (
              <option value="other">
                {s.inputWidth}×{s.inputHeight}
              </option>
            )}
          </select>
        </label>
        <label className="field">
          model{' '}
          <select value={String(s.dims)} onChange={(e) => set(e.currentTarget.value === '3' ? { dims: 3, resolution: 'native' } : { dims: 2 })}>
            <option value="2">2D U-Net (images, axial slices)</option>
            <option value="3">3D U-Net (3D patches of volumes)</option>
          </select>
        </label>
        <label className="field">
          resolution{' '}
          <select value={s.resolution} disabled={s.dims === 3} onChange={(e) => set({ resolution: e.currentTarget.value as Resolution })}>
            <option value="native">native (patches of the input size, sliding windows)</option>
            <option value="fit">resize to fit the input (quick look)</option>
          </select>
        </label>
        <NumberField label="input width" setting="inputWidth" value={s.inputWidth} onChange={(v) => set({ inputWidth: v })} />
        <NumberField label="input height" setting="inputHeight" value={s.inputHeight} onChange={(v) => set({ inputHeight: v })} />
        {s.dims === 3 && (
          <>
            <NumberField label="patch slices" setting="inputDepth" value={s.inputDepth} onChange={(v) => set({ inputDepth: v })} />
            <SpacingField />
          </>
        )}
        <NumberField label="U-Net depth" setting="depth" value={s.depth} onChange={(v) => set({ depth: v })} />
        <NumberField label="base filters" setting="baseFilters" value={s.baseFilters} onChange={(v) => set({ baseFilters: v })} />
        <NumberField label="max epochs" setting="maxEpochs" value={s.maxEpochs} onChange={(v) => set({ maxEpochs: v })} />
        <NumberField label="steps per epoch (0: one pass)" setting="stepsPerEpoch" value={s.stepsPerEpoch} onChange={(v) => set({ stepsPerEpoch: v })} />
        <NumberField label="step budget per run (0: none)" setting="maxSteps" value={s.maxSteps} onChange={(v) => set({ maxSteps: v })} />
        <NumberField label="batch size" setting="batchSize" value={s.batchSize} onChange={(v) => set({ batchSize: v })} />
        <NumberField label="memory budget (MiB)" setting="memoryBudget" value={s.memoryBudget} onChange={(v) => set({ memoryBudget: v })} />
        <NumberField label="learning rate" setting="learningRate" value={s.learningRate} step={0.001} onChange={(v) => set({ learningRate: v })} />
        <label className="field">
          optimizer{' '}
          <select value={s.optimizer} onChange={(e) => set({ optimizer: e.currentTarget.value as 'sgd' | 'adam' })}>
            <option value="sgd">SGD (the paper)</option>
            <option value="adam">Adam</option>
          </select>
        </label>
        <label className="field">
          order{' '}
          <select value={s.scheduling} onChange={(e) => set({ scheduling: e.currentTarget.value as 'interleaved' | 'sequential' })}>
            <option value="interleaved">interleaved (an epoch of each in turn)</option>
            <option value="sequential">sequential</option>
          </select>
        </label>
        <NumberField label="seed" setting="seed" value={s.seed} onChange={(v) => set({ seed: v })} />
        <label className="field">
          training slices{' '}
          <select value={s.slices} onChange={(e) => set({ slices: e.currentTarget.value as 'all' | 'foreground' })}>
            <option value="all">all slices</option>
            <option value="foreground">only slices with foreground</option>
          </select>
        </label>
        <label className="field">
          checkpoint tested{' '}
          <select value={s.checkpointMetric} onChange={(e) => set({ checkpointMetric: e.currentTarget.value as 'valLoss' | 'valDsc' })}>
            <option value="valLoss">lowest validation loss (the paper)</option>
            <option value="valDsc">highest validation DSC (per case, as in Results)</option>
          </select>
        </label>
        <label className="toggle">
          <input type="checkbox" checked={s.augment} onChange={(e) => set({ augment: e.currentTarget.checked })} /> augmentation (the paper&apos;s)
        </label>
      </fieldset>
      <PlanPanel running={running} />
      {s.dims === 2 ? <ResolutionNote /> : <SpacingNote />}
      <ReplicateFields />
      <p className="muted">
        {PROTOCOL_TEXT}
      </p>
      <ShareLink />
    </section>
  );
}

/** The 3D target spacing: three numbers in mm (x, y, z), or empty for each volume's own. */
function SpacingField() {
  const spacing = useStudio((st) => st.training.settings.spacing);
  const [text, setText] = useState(spacing ? spacing.join(', ') : '');
  const parsed = text.trim() === '' ? null : text.split(/[,\s×x]+/).filter(Boolean).map(Number);
  const valid = parsed === null || (parsed.length === 3 && parsed.every((v) => Number.isFinite(v) && v > 0 && v <= 100));
  return (
    <label className="field">
      spacing (mm, x, y, z; empty: own){' '}
      <input
        type="text"
        value={text}
        aria-invalid={!valid}
        placeholder="own"
        onChange={(e) => {
          const t = e.currentTarget.value;
          setText(t);
          const v = t.trim() === '' ? null : t.split(/[,\s×x]+/).filter(Boolean).map(Number);
          if (v === null) trainingActions.setSettings({ spacing: null });
          else if (v.length === 3 && v.every((x) => Number.isFinite(x) && x > 0 && x <= 100)) trainingActions.setSettings({ spacing: [v[0]!, v[1]!, v[2]!] });
        }}
      />
      {!valid && <span className="bad"> three numbers in mm, more than 0 and at most 100</span>}
    </label>
  );
}

/**
 * The planner (core/engine/planner.ts) on the loaded dataset and the running backend: its
 * proposal with the reasons, a button that applies it, and the estimated memory of a step of the
 * current configuration against the device's limits and the budget; a configuration over them is
 * named here and refused by Start.
 */
function PlanPanel({ running }: { running: boolean }) {
  const version = useStudio((st) => st.dataset.version);
  const backend = useStudio((st) => st.training.backend);
  const settings = useStudio((st) => st.training.settings);
  const params = useStudio((st) => st.explorer.params);
  // Recomputed whenever the dataset, the backend, the settings or the losses' parameters change
  // (this component subscribes to each): planning is arithmetic on a few numbers per case.
  const plan = version >= 0 ? datasetPlan(settings.memoryBudget) : null;
  const probe = useStudio((st) => st.training.probe);
  let current: { estimate: ReturnType<typeof estimateStepMemory>; problems: string[]; key: string; time: string | null } | null = null;
  if (plan && backend !== undefined && params) {
    try {
      const request = currentExperimentRequest({ id: 'plan', createdAt: new Date(0) });
      const key = probeKey(request);
      const time =
        probe?.key === key && probe.status === 'done' && probe.result
          ? experimentTime(probe.result.msPerStep, plannedStepsPerEpoch(request), request.training.maxEpochs ?? 1, request.runs.length).text
          : null;
      current = { estimate: estimateStepMemory(requestPlan(request), backend?.name), problems: startProblems(request, settings), key, time };
    } catch {
      current = null;
    }
  }
  if (!plan) return null;
  const limit = backend?.limits?.maxStorageBufferBindingSize;
  return (
    <div className="plan" data-testid="plan" role="group" aria-label="plan">
      <h3>Plan for this dataset and device</h3>
      <ul className="muted" data-testid="plan-reasons">
        {plan.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <button type="button" disabled={running} onClick={() => trainingActions.setSettings(proposalSettings(plan))}>
        Use this plan
      </button>
      {current && (
        <p className={current.problems.length ? 'bad' : 'muted'} data-testid="plan-estimate">
          This configuration: about {formatBytes(current.estimate.bytes)} per training step (budget {formatBytes(settings.memoryBudget * 2 ** 20)}), largest buffer{' '}
          {formatBytes(current.estimate.largestTensor.bytes)}
          {limit ? ` (this adapter binds at most ${formatBytes(limit)})` : ''}
          {current.problems.length ? `. Start refuses it: ${current.problems.join('; ')}.` : '.'}
        </p>
      )}
      {current && !current.problems.length && (
        <p className="muted" data-testid="plan-probe">
          <button type="button" disabled={running || !backend || probe?.status === 'running'} onClick={() => trainingActions.probe()}>
            Measure a step
          </button>{' '}
          {probe?.key === current.key && probe.status === 'running' && 'timing three training steps…'}
          {probe?.key === current.key && probe.status === 'failed' && <span className="bad">the probe failed: {probe.message}</span>}
          {current.time && `On ${probe?.result?.backend ?? 'this backend'}, ${current.time}.`}
        </p>
      )}
    </div>
  );
}

/**
 * What the experiment does to the loaded dataset's image sizes (core/engine/resolution.ts): by
 * how much resize-to-fit shrinks them, or that native resolution trains on patches and scores by
 * sliding windows. Shown before Start, so nothing is resized without the user being told.
 */
function ResolutionNote() {
  const version = useStudio((st) => st.dataset.version);
  const resolution = useStudio((st) => st.training.settings.resolution);
  const width = useStudio((st) => st.training.settings.inputWidth);
  const height = useStudio((st) => st.training.settings.inputHeight);
  const sizes = useMemo(() => (version >= 0 ? datasetImageSizes() : []), [version]);
  if (!sizes.length || !withinRule(SETTING_LIMITS.inputWidth, width) || !withinRule(SETTING_LIMITS.inputHeight, height)) return null;
  const report = resolutionReport(sizes, { width, height }, resolution);
  return (
    <div className={report.shrinks ? 'warn' : 'muted'} data-testid="resolution-note" role="note" aria-label="resolution">
      <p>{report.summary}</p>
      {report.sizes.length > 1 || report.shrinks ? (
        <ul>
          {report.sizes.slice(0, 6).map((n) => (
            <li key={`${n.width}×${n.height}`}>{n.text}</li>
          ))}
          {report.sizes.length > 6 ? <li>… and {report.sizes.length - 6} more sizes</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

/** Which volumes a 3D experiment resamples to its target spacing, and by how much (core/engine/resolution.ts). */
function SpacingNote() {
  const version = useStudio((st) => st.dataset.version);
  const spacing = useStudio((st) => st.training.settings.spacing);
  const report = useMemo(() => (version >= 0 ? spacingReport(datasetCases(), spacing) : null), [version, spacing]);
  if (!report) return null;
  return (
    <div className={report.resampled ? 'warn' : 'muted'} data-testid="resolution-note" role="note" aria-label="resolution">
      <p>{report.summary}</p>
      {report.lines.length ? (
        <ul>
          {report.lines.slice(0, 6).map((l) => (
            <li key={l}>{l}</li>
          ))}
          {report.lines.length > 6 ? <li>… and {report.lines.length - 6} more</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

/** Seeds per loss and folds of the development set: every loss configuration trains seeds × folds times. */
function ReplicateFields() {
  const seeds = useStudio((st) => st.training.settings.seeds);
  const folds = useStudio((st) => st.training.settings.folds);
  const running = useStudio((st) => st.training.live?.status === 'running');
  const set = trainingActions.setSettings;
  return (
    <>
      <h3>Seeds and folds</h3>
      <p className="muted">
        Repeat each loss over training seeds (initial weights, sample order, augmentation: seed, seed + 1, …) and folds of the development set, so that
        Results can tell a difference between losses from seed-to-seed spread.
      </p>
      <fieldset className="fields" disabled={running}>
        <NumberField label="seeds per loss" setting="seeds" value={seeds} onChange={(v) => set({ seeds: v })} />
        <NumberField label="folds" setting="folds" value={folds} onChange={(v) => set({ folds: v })} />
      </fieldset>
      {folds > 1 && <FoldsNote folds={folds} />}
    </>
  );
}

/** What K folds do to the split, and how many development cases the loaded dataset has for them. */
function FoldsNote({ folds }: { folds: number }) {
  const version = useStudio((st) => st.dataset.version);
  const splitSeed = useStudio((st) => st.dataset.splitSeed);
  const development = useMemo(() => (version >= 0 ? developmentCaseCount(splitSeed) : null), [version, splitSeed]);
  const short = development !== null && development < folds;
  return (
    <p className={short ? 'bad' : 'muted'} data-testid="folds-note">
      With {folds} folds the split&apos;s training and validation cases are redistributed into {folds} folds (the test cases stay): each run
      validates on one fold and trains on the others. Folds need at least {folds} development (training + validation) cases
      {development === null ? '.' : `; the loaded dataset's split has ${development}.`}
    </p>
  );
}

/** The run count beside the Start button. */
function PlanLine() {
  const settings = useStudio((st) => st.training.settings);
  const params = useStudio((st) => st.explorer.params);
  const plan = useMemo(() => runPlan({ settings, params }), [settings, params]);
  if (!plan) return null;
  return (
    <p className={plan.tooMany ? 'bad' : 'muted'} data-testid="run-plan">
      {plan.text}
      {plan.tooMany ? `: ${plan.tooMany}` : ''}
    </p>
  );
}

function Progress() {
  const live = useStudio((s) => s.training.live);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (live?.status !== 'running') return;
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, [live?.status]);
  if (!live) return null;
  const { total, done, etaSeconds } = liveProgress(live, now);
  const budget = live.snapshot?.config.maxSteps ?? live.request.training.maxSteps ?? null;
  const pos = live.position;
  return (
    <div className="progress-row" aria-live="polite" data-testid="training-progress">
      <label>
        {live.status === 'running'
          ? pos
            ? `${pos.run}: epoch ${pos.epoch + 1}, step ${((pos.step - 1) % Math.max(1, live.stepsPerEpoch)) + 1} of ${live.stepsPerEpoch}`
            : 'building the models and compiling the GPU programs…'
          : `experiment ${live.status}${live.message ? `: ${live.message}` : ''}`}{' '}
        <progress max={total} value={done} />
      </label>
      <span className="muted">
        {' '}
        {done} of at most {total} steps{budget !== null ? ` (step budget: ${budget} a run)` : ''}
        {Number.isFinite(etaSeconds) && live.status === 'running' ? `, about ${formatDuration(etaSeconds)} left (early stopping may end it sooner)` : ''}
      </span>
    </div>
  );
}

function RunTable({ snapshot }: { snapshot: ExperimentSnapshot }) {
  return (
    <table className="data-table" aria-label="Runs">
      <thead>
        <tr>
          <th>loss</th>
          <th>parameters</th>
          <th>status</th>
          <th>epochs</th>
          <th>best epoch</th>
          <th>last val. loss</th>
          <th>last val. DSC</th>
          <th>test DSC (mean)</th>
        </tr>
      </thead>
      <tbody>
        {snapshot.runs.map((r) => {
          const last = r.epochs[r.epochs.length - 1];

          return (
            <tr key={r.id} data-run={r.id}>
              <td>
                <span className="swatch" style={{ background: LOSSES[r.loss].color }} aria-hidden /> {r.label}
              </td>
              <td className="muted">{paramText(r.loss, r.params)}</td>
              <td data-col="status">{r.status}{r.stopReason ? ` (${r.stopReason})` : ''}</td>
              <td data-col="epochs">{r.epochs.length}</td>
              <td>{r.bestEpoch >= 0 ? r.bestEpoch + 1 : '—'}</td>
              <td>{last?.valLoss?.toFixed(4) ?? '—'}</td>
              <td data-testid={`val-dsc-${r.id}`}>{formatScore(meanOfFinite(last?.valDsc ?? []))}</td>
              <td>{formatScore(meanOfFinite(r.test?.flatMap((c) => c.dsc) ?? []))}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function StoredList() {
  const list = useStudio((s) => s.training.experiments);
  const broken = useStudio((s) => s.training.brokenExperiments);
  const viewing = useStudio((s) => s.training.viewing);
  const liveRunning = useStudio((s) => s.training.live?.status === 'running');
  return (
    <section className="panel" aria-labelledby="stored-title">
      <h2 id="stored-title">Experiments kept in this browser</h2>
      <div className="buttons">
        <label className="file-button">
          Import an experiment file…
          <input
            type="file"
            accept=".json,application/json"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (f) void trainingActions.importExperiment(f);
            }}
          />
        </label>
        <label className="file-button">
          Run a saved model on this dataset (model.json + weights)…
          <input
            type="file"
            multiple
            accept=".json,.bin"
            onChange={(e) => {
              const fs = Array.from(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              if (fs.length) void trainingActions.inferWithFiles(fs);
            }}
          />
        </label>
      </div>
      <Inference />
      {list.length === 0 && broken.length === 0 && <p className="muted">None yet: experiments are kept here after each epoch.</p>}
      <ul className="stored" aria-label="Stored experiments">
        {list.map((e) => (
          <li key={e.id}>
            <button type="button" aria-pressed={viewing === e.id} onClick={() => trainingActions.view(viewing === e.id ? null : e.id)}>
              {e.request.name}
            </button>{' '}
            <span className="muted">
              {new Date(e.request.createdAt).toLocaleString()} · {e.status}
              {e.snapshot ? ` · ${Math.max(0, ...e.snapshot.runs.map((r) => r.epochs.length))} epochs` : ''}
            </span>{' '}
            {e.resumable && e.status !== 'finished' && (
              <button
                type="button"
                aria-label={`Resume ${e.request.name}`}
                disabled={liveRunning}
                onClick={() => trainingActions.resume(e.id)}
              >
                resume
              </button>
            )}{' '}
            <button type="button" aria-label={`Export ${e.request.name}`} onClick={() => trainingActions.exportExperiment(e.id)}>
              export
            </button>{' '}
            {e.savedWeights.map((run) => (
              <button key={run} type="button" aria-label={`Download the ${run} model of ${e.request.name}`} onClick={() => trainingActions.exportModel(e.id, run)}>
                model: {run}
              </button>
            ))}{' '}
            <button type="button" aria-label={`Delete ${e.request.name}`} onClick={() => trainingActions.remove(e.id)}>
              delete
            </button>
          </li>
        ))}
        {broken.map((b, i) => (
          <BrokenItem key={`broken ${i} ${b.id}`} entry={b} />
        ))}
      </ul>
    </section>
  );
}

/** A stored record that failed validation: its name, why, and a way to delete it. */
function BrokenItem({ entry }: { entry: BrokenExperiment }) {
  const name = truncateText(entry.id);
  return (
    <li className="broken" data-broken>
      <span className="bad">Damaged record {name}</span> <span className="muted">(cannot be shown: {entry.reason})</span>{' '}
      <button type="button" aria-label={`Delete the damaged record ${name}`} onClick={() => trainingActions.remove(entry.id)}>
        delete
      </button>
    </li>
  );
}

function Inference() {
  const inf = useStudio((s) => s.training.inference);
  if (!inf) return null;
  return (
    <div className="inference" aria-live="polite">
      <h3>
        {inf.name}: {inf.status === 'running' ? 'predicting…' : `mean DSC ${formatScore(meanOfFinite(inf.perCase.flatMap((c) => c.dsc)))} over ${inf.perCase.length} cases`}
      </h3>
      {inf.status === 'done' && (
        <div className="scroll-table short">
          <table className="data-table" aria-label="Inference results">
            <thead>
              <tr>
                <th>case</th>
                <th>DSC per class</th>
              </tr>
            </thead>
            <tbody>
              {inf.perCase.map((c) => (
                <tr key={c.id}>
                  <td>{c.id}</td>
                  <td>{c.dsc.map((v) => formatScore(v)).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function TrainView() {
  const live = useStudio((s) => s.training.live);
  const backendReady = useStudio((s) => s.training.backendStatus === 'ready');
  const error = useStudio((s) => s.training.error);
  const hasData = useStudio((s) => s.dataset.status === 'ready' && (s.dataset.summary?.cases ?? 0) > 0);
  const viewing = useStudio((s) => s.training.experiments.find((e) => e.id === s.training.viewing) ?? null);
  const running = live?.status === 'running';
  const shown = viewing?.snapshot ?? live?.snapshot ?? null;
  return (
    <div className="train-view">
      <div className="train-side">
        <Settings running={running} />
      </div>
      <div className="train-main">
        <section className="panel" aria-labelledby="train-title">
          <h2 id="train-title">Train and compare</h2>
          <BackendBadge />
          <div className="buttons">
            <button type="button" className="primary" disabled={running || !backendReady || !hasData} onClick={() => trainingActions.start()}>
              Start training
            </button>
            <button type="button" disabled={!running} onClick={() => trainingActions.stop()}>
              Stop
            </button>
            {!hasData && <span className="muted">Load a dataset in the Data view first.</span>}
          </div>
          <PlanLine />
          {error && (
            <p className="bad" role="alert">
              {error}{' '}
              <button type="button" onClick={() => trainingActions.dismissError()}>
                dismiss
              </button>
            </p>
          )}
          <Progress />
        </section>
        {shown && (
          <section className="panel" aria-labelledby="results-title">
            <h2 id="results-title">{viewing ? viewing.request.name : live?.request.name}</h2>
            <TrainingCharts snapshot={shown} />
            <RunTable snapshot={shown} />
          </section>
        )}
        <StoredList />
      </div>
    </div>
  );
}
