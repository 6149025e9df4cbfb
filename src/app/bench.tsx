/**
 * Training benchmark page (bench.html), opened by `npm run bench` (e2e/bench/training.ts) once per
 * backend. The query string picks the backend and the sizes (see {@link requestFromQuery});
 * a worker (worker/bench.worker.ts) trains and times, and the finished state is published as
 * window.__bench for the driver to read. Progress lines also go to the console.
 */
import { useEffect, useRef, useState } from 'react';
import { mount } from './mount';
import type { BackendName } from '../worker/backend';
import type { BenchEvent, BenchRequest, BenchResult } from '../worker/bench.worker';

export interface BenchState {
  status: 'running' | 'done' | 'unavailable' | 'error';
  message: string;
  request: BenchRequest;
  result?: BenchResult;
}

declare global {
  interface Window {
    /** The finished benchmark, read by e2e/bench/training.ts. */
    __bench?: BenchState;
  }
}

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

function int(q: URLSearchParams, name: string, fallback: number): number {
  const v = Number(q.get(name));
  return q.has(name) && Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * ?backend=webgpu|webgl|cpu &size=32 &depth=2 &filters=4 &batch=2 &warmup=2 &timed=20
 * &steps=200 &losses=all|paper|none &rounds=16 &perRound=2
 * &budget=300 &kernels=stock (CPU: tfjs's own kernels, not core/kernels) &dims=3 (a 3-D U-Net on
 * size³ volumes) &patch=WxHxD (3-D: another patch) &gradients=1 (the loss and gradients of the
 * initial weights in the result, for comparing backends: e2e/backends3d.spec.ts) (the worker's
 * BenchRequest)
 */
function requestFromQuery(search: string): BenchRequest {
  const q = new URLSearchParams(search);
  const backend = (BACKENDS as readonly string[]).includes(q.get('backend') ?? '') ? (q.get('backend') as BackendName) : 'webgpu';
  const losses = q.get('losses');
  const size = int(q, 'size', 32);
  const sides = (q.get('patch') ?? '').split('x').map(Number);
  const patch = sides.length === 3 && sides.every((v) => Number.isInteger(v) && v > 0) ? { width: sides[0] ?? size, height: sides[1] ?? size, depth: sides[2] ?? size } : null;
  return {
    backend,
    ...(q.get('dims') === '3' ? { dims: 3 as const, ...(patch ? { patch } : {}) } : {}),
    size,
    depth: int(q, 'depth', 2),
    baseFilters: int(q, 'filters', 4),
    batchSize: int(q, 'batch', 2),
    warmupSteps: int(q, 'warmup', 2),
    timedSteps: int(q, 'timed', 20),
    memorySteps: int(q, 'steps', 200),
    losses: losses === 'paper' || losses === 'none' ? losses : 'all',
    rounds: int(q, 'rounds', 16),
    perRound: int(q, 'perRound', 2),
    budgetSeconds: int(q, 'budget', 300),
    ...(q.get('kernels') === 'stock' ? { stockKernels: true } : {}),
    ...(q.get('gradients') === '1' ? { gradients: true } : {}),
  };
}

/** "U-Net 32×32" or "3-D U-Net 16×16×16" (width × height × depth). */
function describeInput(r: BenchRequest): string {
  if (r.dims !== 3) return `U-Net ${r.size}×${r.size}`;
  const p = r.patch ?? { width: r.size, height: r.size, depth: r.size };
  return `3-D U-Net ${p.width}×${p.height}×${p.depth}`;
}

const mib = (v: number | undefined) => (v === undefined ? '—' : `${(v / 2 ** 20).toFixed(2)} MiB`);

function BenchPage() {
  const [state, setState] = useState<BenchState>(() => ({ status: 'running', message: 'Starting…', request: requestFromQuery(location.search) }));
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // React StrictMode runs effects twice in development.
    started.current = true;
    const worker = new Worker(new URL('../worker/bench.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (ev: MessageEvent<BenchEvent>) => {
      const e = ev.data;
      if (e.type === 'progress') console.log(`[bench] ${e.message}`);
      setState((s) => {
        switch (e.type) {
          case 'progress':
            return { ...s, message: e.message };
          case 'result':
            return { ...s, status: 'done', message: 'Done.', result: e.result };
          case 'unavailable':
            return { ...s, status: 'unavailable', message: `${e.backend} is unavailable: ${e.reason}` };
          case 'error':
            return { ...s, status: 'error', message: e.message };
        }
      });
    };
    worker.onerror = (ev) => setState((s) => ({ ...s, status: 'error', message: `The worker failed: ${ev.message}` }));
    worker.postMessage(state.request);
  }, [state.request]);

  useEffect(() => {
    if (state.status !== 'running') window.__bench = state;
  }, [state]);

  const r = state.result;
  return (
    <div className="app">
      <header className="app-header">
        <h1>Segmentation Studio</h1>
        <nav className="app-nav" aria-label="Studio">
          <a href="./">Loss explorer</a>
          <a href="./selfcheck.html">Backend self-check</a>
        </nav>
      </header>
      <div className="page">
        <p>
          Training benchmark on <b>{state.request.backend}</b>: {describeInput(state.request)}, depth{' '}
          {state.request.depth}, {state.request.baseFilters} base filters, batch {state.request.batchSize}.
        </p>
        <p role="status" data-testid="bench-status" data-status={state.status} className={state.status === 'error' ? 'bad' : undefined}>
          {state.message}
        </p>
        {r && (
          <>
            <p>
              Adapter: {r.backend.adapter || '—'}
              {r.backend.software ? ' (software adapter: no GPU speed-up)' : ''}. First step {r.firstStepSeconds.toFixed(2)} s;{' '}
              {r.stepsPerSecond.toFixed(2)} steps/s over {r.timedSteps} steps.
            </p>
            <p data-testid="bench-memory-estimate">
              The planner&apos;s memory estimate of a step: {mib(r.stepMemory.estimateBytes)}; measured: one step&apos;s peak (tf.profile){' '}
              {mib(r.stepMemory.profileStepBytes)}, GPU buffer pool {mib(r.stepMemory.gpuAllocatedBytes)}, highest GPU bytes in use{' '}
              {mib(r.stepMemory.gpuPeakBytes)}, their largest rise within a step {mib(r.stepMemory.gpuStepBytes)}.
            </p>
            <table className="selfcheck" aria-label="Memory">
              <thead>
                <tr>
                  <th>after step</th>
                  <th>tensors</th>
                  <th>bytes</th>
                  <th>bytes in GPU</th>
                </tr>
              </thead>
              <tbody>
                {r.memory.map((m) => (
                  <tr key={m.step}>
                    <td>{m.step}</td>
                    <td>{m.numTensors}</td>
                    <td>{m.numBytes}</td>
                    <td>{m.numBytesInGPU ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {r.lossTimings.length > 0 && (
              <table className="selfcheck" aria-label="Step time per loss">
                <thead>
                  <tr>
                    <th>loss</th>
                    <th>step ms (median round)</th>
                    <th>÷ cross-entropy (median of per-round ratios)</th>
                    <th>step ms (fastest round)</th>
                    <th>÷ cross-entropy (fastest rounds)</th>
                  </tr>
                </thead>
                <tbody>
                  {r.lossTimings.map((t) => (
                    <tr key={t.loss}>
                      <td>{t.loss}</td>
                      <td>{t.medianMs.toFixed(1)}</td>
                      <td>{t.ratio.toFixed(3)}</td>
                      <td>{t.minMs.toFixed(1)}</td>
                      <td>{t.ratioFastest.toFixed(3)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </div>
    </div>
  );
}

mount(BenchPage, 'bench.html');
