import { trainingActions } from '../../state/trainingActions';
import { useStudio } from '../../state/store';
import type { BackendName } from '../../worker/backend';
import { measurementText } from '../../worker/backendChoice';

const NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'CPU' };

/**
 * Which tfjs backend trains, on which adapter, whether it is a software adapter; in automatic
 * mode the speeds measured on the model last started and the choice they made; and a way to
 * force a backend (kept across reloads).
 */
export function BackendBadge() {
  const t = useStudio((s) => s.training);
  const label =
    t.backendStatus === 'ready' && t.backend
      ? `${NAMES[t.backend.name]}${t.backend.adapter ? ` · ${t.backend.adapter}` : ''}`
      : t.backendStatus === 'starting'
        ? 'starting the backend…'
        : t.backendStatus === 'measuring'
          ? 'measuring the backends on this model…'
        : t.backendStatus === 'failed'
          ? 'no backend'
          : '—';
  return (
    <div className="backend" role="status" aria-live="polite">
      <span className={`badge badge-${t.backend?.name ?? 'none'}`} data-testid="backend-badge" data-backend={t.backend?.name ?? ''}>
        {label}
      </span>
      {t.backend?.software && (
        <span className="warn-item" data-testid="software-warning">
          software adapter: no GPU acceleration, training is slow
        </span>
      )}
      {t.forced === 'auto' && t.measurements && t.backend && (
        <span className="muted" data-testid="backend-measured">
          automatic: {NAMES[t.backend.name]}, the fastest measured on this model ({measurementText(t.measurements)})
        </span>
      )}
      {t.forced === 'auto' && !t.measurements && t.backendStatus === 'ready' && (
        <span className="muted" data-testid="backend-measured">
          automatic: the backends are timed on the model when it starts, and the fastest trains
        </span>
      )}
      {t.skipped.length > 0 && <span className="muted" title={t.skipped.join('\n')}>({t.skipped.length} backend{t.skipped.length > 1 ? 's' : ''} unavailable)</span>}
      {t.backendStatus === 'failed' && t.backendMessage && <span className="bad">{t.backendMessage}</span>}
      <label className="force">
        backend{' '}
        <select
          value={t.forced}
          disabled={t.live?.status === 'running'}
          onChange={(e) => trainingActions.initBackend(e.currentTarget.value as BackendName | 'auto')}
        >
          <option value="auto">automatic (the fastest measured)</option>
          <option value="webgpu">WebGPU</option>
          <option value="webgl">WebGL</option>
          <option value="cpu">CPU</option>
        </select>
      </label>
    </div>
  );
}

/** The backend in a word, for the page header (with the software-adapter warning). */
export function BackendNote() {
  const name = useStudio((s) => (s.training.backendStatus === 'ready' ? s.training.backend?.name : null));
  const software = useStudio((s) => s.training.backend?.software ?? false);
  const status = useStudio((s) => s.training.backendStatus);
  return (
    <a className="backend-note" href="#/train" title="The tfjs backend that trains and predicts (change it in Train & compare)">
      {name ? `${NAMES[name]}${software ? ' (software adapter)' : ''}` : status === 'failed' ? 'no backend' : status === 'measuring' ? 'measuring…' : 'starting…'}
    </a>
  );
}
