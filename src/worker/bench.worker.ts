/// <reference lib="webworker" />
/**
 * Training benchmark worker (bench.html, driven by `npm run bench`): switches tfjs to the
 * requested backend and runs the training-step measurement of core/training/stepBench.ts (the plan,
 * and what each number means, are described there; e2e/bench/node.ts runs the same one in Node).
 */
import { runStepBench, type LossTiming, type MemorySnapshot, type StepBenchRequest, type StepBenchResult } from '../core/training/stepBench';
import { restoreStockCpuKernels } from '../core/kernels';
import { switchBackend, type BackendInfo, type BackendName } from './backend';

export type { LossTiming, MemorySnapshot };

export interface BenchRequest extends StepBenchRequest {
  backend: BackendName;
  /** CPU only: time tfjs-backend-cpu's own kernels instead of the product's (core/kernels), for their ratio. */
  stockKernels?: boolean;
}

export interface BenchResult extends StepBenchResult {
  request: BenchRequest;
  backend: BackendInfo;
}

export type BenchEvent =
  | { type: 'progress'; message: string }
  | { type: 'result'; result: BenchResult }
  | { type: 'unavailable'; backend: BackendName; reason: string }
  | { type: 'error'; message: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: BenchEvent) => scope.postMessage(e);

async function run(req: BenchRequest): Promise<void> {
  const t0 = performance.now();
  const b = await switchBackend(req.backend);
  if (!b.ok) {
    post({ type: 'unavailable', backend: req.backend, reason: b.reason });
    return;
  }
  if (req.stockKernels && req.backend === 'cpu') restoreStockCpuKernels();
  const p = req.patch ?? { width: req.size, height: req.size, depth: req.size };
  const input = req.dims === 3 ? `3-D U-Net ${p.width}×${p.height}×${p.depth}` : `U-Net ${req.size}×${req.size}`;
  post({ type: 'progress', message: `${req.stockKernels && req.backend === 'cpu' ? 'stock kernels, ' : ''}${b.info.name} (${b.info.adapter || 'no adapter name'}): ${input}, depth ${req.depth}, ${req.baseFilters} filters, batch ${req.batchSize}` });
  const result = await runStepBench(req, (message) => post({ type: 'progress', message }), t0);
  post({ type: 'result', result: { ...result, request: req, backend: b.info } });
}

self.onmessage = (ev: MessageEvent<BenchRequest>) => {
  run(ev.data).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }));
};
