/**
 * Backend self-check: computes the loss library's reference table (numpy, float64) on WebGPU,
 * WebGL and the CPU in a worker and shows how closely each backend agrees with numpy and with
 * the CPU backend. Tells a user whether this browser's GPU path computes the losses correctly.
 */
import { useEffect, useRef, useState } from 'react';
import referenceUrl from '../../core/losses/__fixtures__/reference.json?url';
import type { CaseOutcome } from '../../core/losses/selfcheck';
import { relativeError, withinTolerance } from '../../core/losses/tolerance';
import type { BackendInfo, BackendName } from '../../worker/backend';
import type { SelfCheckEvent } from '../../worker/selfcheckProtocol';

const BACKENDS: BackendName[] = ['cpu', 'webgpu', 'webgl'];

export interface BackendSummary {
  requested: BackendName;
  info: BackendInfo | null;
  reason?: string;
  outcomes?: CaseOutcome[];
  seconds?: number;
  /** Largest relative error against numpy, and against the CPU backend. */
  maxErrorVsNumpy?: number;
  maxErrorVsCpu?: number;
  failures?: string[];
}

export interface SelfCheckState {
  status: 'running' | 'done' | 'error';
  message: string;
  progress: { backend: BackendName; done: number; total: number } | null;
  backends: BackendSummary[];
}

declare global {
  interface Window {
    /** The finished self-check, read by the end-to-end test. */
    __selfCheck?: SelfCheckState;
  }
}

function summarise(s: BackendSummary, cpu: CaseOutcome[] | undefined): BackendSummary {
  const outcomes = s.outcomes ?? [];
  const failures: string[] = [];
  let vsNumpy = 0;
  let vsCpu = 0;
  outcomes.forEach((o, i) => {
    vsNumpy = Math.max(vsNumpy, relativeError(o.value, o.expected));
    if (!withinTolerance(o.value, o.expected)) failures.push(`${o.name}: ${o.value} vs numpy ${o.expected}`);
    if (!o.gradientFinite) failures.push(`${o.name}: non-finite gradient`);
    const c = cpu?.[i];
    if (c) {
      vsCpu = Math.max(vsCpu, relativeError(o.value, c.value));
      if (!withinTolerance(o.value, c.value)) failures.push(`${o.name}: ${o.value} vs cpu ${c.value}`);
    }
  });
  return { ...s, maxErrorVsNumpy: vsNumpy, maxErrorVsCpu: cpu ? vsCpu : undefined, failures };
}

export function SelfCheckPage() {
  const [state, setState] = useState<SelfCheckState>({ status: 'running', message: 'Starting…', progress: null, backends: [] });
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // React StrictMode runs effects twice in development.
    started.current = true;
    const worker = new Worker(new URL('../../worker/selfcheck.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (ev: MessageEvent<SelfCheckEvent>) => {
      const e = ev.data;
      setState((s) => {
        switch (e.type) {
          case 'loading':
            return { ...s, message: e.message };
          case 'backend':
            return { ...s, backends: [...s.backends, { requested: e.requested, info: e.info, reason: e.reason }] };
          case 'progress':
            return { ...s, progress: { backend: e.backend, done: e.done, total: e.total }, message: `Computing on ${e.backend}…` };
          case 'result': {
            const cpu = s.backends.find((b) => b.requested === 'cpu')?.outcomes;
            const backends = s.backends.map((b) =>
              b.requested === e.backend.name ? summarise({ ...b, outcomes: e.outcomes, seconds: e.seconds }, e.backend.name === 'cpu' ? undefined : cpu) : b,
            );
            return { ...s, backends };
          }
          case 'error':
            return { ...s, status: 'error', message: e.message };
          case 'done':
            return { ...s, status: 'done', message: 'Done.', progress: null };
        }
      });
    };
    worker.onerror = (ev) => setState((s) => ({ ...s, status: 'error', message: `The worker failed: ${ev.message}` }));
    worker.postMessage({ type: 'run', backends: BACKENDS, referenceUrl });
  }, []);

  useEffect(() => {
    if (state.status !== 'running') window.__selfCheck = state;
  }, [state]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>Segmentation Studio</h1>
        <nav className="app-nav" aria-label="Studio">
          <a href="./">Loss explorer</a>
          <a href="./selfcheck.html" aria-current="page">
            Backend self-check
          </a>
        </nav>
      </header>
      <div className="page">
        <p>
          Computes every loss of the reference table (values computed independently in float64 with numpy) on each
          tfjs backend this browser offers, in a worker, and compares them with numpy and with the CPU backend. A
          backend passes when every value is within 10<sup>−5</sup> relative and every gradient is finite.
        </p>
        <p role="status" data-testid="selfcheck-status" data-status={state.status} className={state.status === 'error' ? 'bad' : undefined}>
          {state.message}
        </p>
        {state.progress && (
          <p>
            <label>
              {state.progress.backend}: case {state.progress.done} of {state.progress.total}{' '}
              <progress max={state.progress.total} value={state.progress.done} />
            </label>
          </p>
        )}
        <table className="selfcheck" aria-label="Self-check results">
          <thead>
            <tr>
              <th>backend</th>
              <th>adapter</th>
              <th>cases</th>
              <th>max rel. error vs numpy</th>
              <th>max rel. error vs CPU</th>
              <th>seconds</th>
              <th>verdict</th>
            </tr>
          </thead>
          <tbody>
            {state.backends.map((b) => (
              <tr key={b.requested} data-backend={b.requested}>
                <td>{b.requested}</td>
                <td>
                  {b.info ? `${b.info.adapter || '—'}${b.info.software ? ' (software adapter: no GPU speed-up)' : ''}` : b.reason}
                </td>
                <td>{b.outcomes?.length ?? '…'}</td>
                <td>{b.maxErrorVsNumpy?.toExponential(2) ?? '—'}</td>
                <td>{b.maxErrorVsCpu?.toExponential(2) ?? '—'}</td>
                <td>{b.seconds?.toFixed(1) ?? '—'}</td>
                <td>
                  {!b.info ? (
                    <span className="muted">unavailable</span>
                  ) : !b.failures ? (
                    '…'
                  ) : b.failures.length === 0 ? (
                    <span className="good">pass</span>
                  ) : (
                    <span className="bad" title={b.failures.slice(0, 20).join('\n')}>
                      {b.failures.length} failures
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
