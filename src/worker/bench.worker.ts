/// <reference lib="webworker" />
/**
 * Training benchmark worker (bench.html, driven by `npm run bench`). On one tfjs backend it
 * trains one U-Net on one fixed synthetic batch with optimizer steps made as the Trainer makes
 * them (SGD at the paper's learning rate; optimizer.minimize(() => loss(y, model(x)), true)
 * inside tf.tidy, the cost disposed) and measures:
 *
 * - the first step: wall time of step 1 until its loss value is read back, which includes
 *   compiling the shaders (WebGPU, WebGL) of the forward and backward pass;
 * - tf.memory() after step 1 and after step `memorySteps` (default 200) of the same loss, and
 *   after the per-loss steps below: numTensors, numBytes and, on WebGPU, numBytesInGPU /
 *   numBytesAllocatedInGPU (the latter includes the backend's pool of free buffers);
 * - steps per second: the steps after warm-up up to `memorySteps`, timed from the first to the
 *   read-back of the last step's loss, reading the loss back every `lossReadEvery` steps as the
 *   Trainer does (so queued device work is waited for and counted);
 * - per loss (when `losses` is not 'none'): after one untimed step per loss (its own shaders),
 *   `rounds` rounds in which every loss in turn takes `perRound` steps, the last one read back;
 *   the order of the losses rotates from round to round and the step time of a loss is the
 *   median over the rounds, so drift (thermal, the host's other work) hits every loss alike.
 *
 * Every loss trains the same model (one set of weights, carried on from step to step).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/data/rng';
import { generateSynthetic } from '../core/data/synthetic';
import { createLoss, LOSS_IDS, PAPER_COMPARISON, paperParams, type LossFn, type LossId } from '../core/losses';
import { buildUNet, countParameters, DEFAULT_UNET, type UNetConfig } from '../core/model';
import { createOptimizer, DEFAULT_TRAINING, makeBatch, prepareSamples } from '../core/training';
import { switchBackend, type BackendInfo, type BackendName } from './backend';

export interface BenchRequest {
  backend: BackendName;
  /** Input height and width. */
  size: number;
  depth: number;
  baseFilters: number;
  batchSize: number;
  /** Steps of the warm-up between step 1 and the timed loop. */
  warmupSteps: number;
  /** tf.memory() is taken after step 1 and after this step; the timed loop ends here. */
  memorySteps: number;
  /** Per-loss timing: 'all' (LOSS_IDS), 'paper' (PAPER_COMPARISON) or 'none'. */
  losses: 'all' | 'paper' | 'none';
  rounds: number;
  perRound: number;
}

export interface MemorySnapshot {
  step: number;
  numTensors: number;
  numBytes: number;
  /** WebGPU only: bytes of live tensors on the GPU. */
  numBytesInGPU?: number;
  /** WebGPU only: bytes of every GPU buffer the backend holds, its free pool included. */
  numBytesAllocatedInGPU?: number;
}

export interface LossTiming {
  loss: LossId;
  /** Step 1 of this loss (its own shaders), read back. */
  firstStepMs: number;
  /** Per-step time of each round (ms). */
  roundsMs: number[];
  medianMs: number;
}

export interface BenchResult {
  request: BenchRequest;
  backend: BackendInfo;
  model: { config: UNetConfig; parameters: number };
  firstStepSeconds: number;
  /** Steps in the timed loop, its wall time, and steps per second. */
  timedSteps: number;
  timedSeconds: number;
  stepsPerSecond: number;
  memory: MemorySnapshot[];
  lossTimings: LossTiming[];
  /** Final loss value of the first-loss run: finite means the training did not diverge. */
  lastLoss: number;
  totalSeconds: number;
}

export type BenchEvent =
  | { type: 'progress'; message: string }
  | { type: 'result'; result: BenchResult }
  | { type: 'unavailable'; backend: BackendName; reason: string }
  | { type: 'error'; message: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: BenchEvent) => scope.postMessage(e);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

function memory(step: number): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return {
    step,
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    ...(typeof m.numBytesInGPU === 'number' ? { numBytesInGPU: m.numBytesInGPU } : {}),
    ...(typeof m.numBytesAllocatedInGPU === 'number' ? { numBytesAllocatedInGPU: m.numBytesAllocatedInGPU } : {}),
  };
}

async function run(req: BenchRequest): Promise<void> {
  const t0 = performance.now();
  const b = await switchBackend(req.backend);
  if (!b.ok) {
    post({ type: 'unavailable', backend: req.backend, reason: b.reason });
    return;
  }
  const config: UNetConfig = { ...DEFAULT_UNET, inputHeight: req.size, inputWidth: req.size, depth: req.depth, baseFilters: req.baseFilters };
  post({ type: 'progress', message: `${b.info.name} (${b.info.adapter || 'no adapter name'}): U-Net ${req.size}×${req.size}, depth ${req.depth}, ${req.baseFilters} filters, batch ${req.batchSize}` });

  // One fixed batch of the studio's synthetic demo images (thin vessels, 5 % foreground).
  const cases = generateSynthetic({ count: req.batchSize, width: req.size, height: req.size, seed: 1 });
  const samples = prepareSamples(cases, { inputWidth: req.size, inputHeight: req.size, depth: req.depth, channels: 1 });
  const indices = samples.map((_, i) => i);
  const { x, y } = makeBatch(samples, indices, createRng(1), { numClasses: config.numClasses });

  const model = buildUNet(config);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer(DEFAULT_TRAINING);
  const lossFns = new Map<LossId, LossFn>(LOSS_IDS.map((id) => [id, createLoss(id, paperParams(id))]));

  /** One optimizer step; returns the cost (the caller reads or disposes it). */
  const step = (id: LossId): tf.Scalar => {
    const loss = lossFns.get(id);
    if (!loss) throw new Error(`no loss ${id}`);
    return tf.tidy(() => {
      const c = optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), true, variables);
      if (!c) throw new Error('the optimizer returned no loss');
      return c;
    });
  };
  const read = async (c: tf.Scalar): Promise<number> => {
    const v = (await c.data())[0] ?? NaN;
    c.dispose();
    return v;
  };
  /** `n` steps of one loss, the loss read back every `every` steps and after the last; wall ms. */
  const steps = async (id: LossId, n: number, every: number): Promise<{ ms: number; last: number }> => {
    const t = performance.now();
    let last = NaN;
    for (let i = 1; i <= n; i++) {
      const c = step(id);
      if (i % every === 0 || i === n) last = await read(c);
      else c.dispose();
    }
    return { ms: performance.now() - t, last };
  };

  const base: LossId = 'crossEntropy';
  const memorySnapshots: MemorySnapshot[] = [];
  post({ type: 'progress', message: `${req.backend}: step 1 (compiles the shaders)…` });
  const first = await steps(base, 1, 1);
  memorySnapshots.push(memory(1));
  post({ type: 'progress', message: `${req.backend}: first step ${(first.ms / 1000).toFixed(2)} s; ${req.warmupSteps} warm-up steps…` });

  const warm = Math.max(0, Math.min(req.warmupSteps, req.memorySteps - 2));
  await steps(base, warm, DEFAULT_TRAINING.lossReadEvery);
  const timedSteps = req.memorySteps - 1 - warm;
  post({ type: 'progress', message: `${req.backend}: timing steps ${warm + 2}–${req.memorySteps}…` });
  const timed = await steps(base, timedSteps, DEFAULT_TRAINING.lossReadEvery);
  memorySnapshots.push(memory(req.memorySteps));
  post({ type: 'progress', message: `${req.backend}: ${((timedSteps * 1000) / timed.ms).toFixed(2)} steps/s` });

  const lossTimings: LossTiming[] = [];
  const ids: readonly LossId[] = req.losses === 'all' ? LOSS_IDS : req.losses === 'paper' ? PAPER_COMPARISON : [];
  if (ids.length > 0) {
    for (const id of ids) {
      const f = await steps(id, 1, 1);
      lossTimings.push({ loss: id, firstStepMs: f.ms, roundsMs: [], medianMs: NaN });
    }
    for (let r = 0; r < req.rounds; r++) {
      post({ type: 'progress', message: `${req.backend}: per-loss round ${r + 1} of ${req.rounds}…` });
      for (let k = 0; k < lossTimings.length; k++) {
        const lt = lossTimings[(k + r) % lossTimings.length];
        if (!lt) continue;
        const s = await steps(lt.loss, req.perRound, req.perRound);
        lt.roundsMs.push(s.ms / req.perRound);
      }
    }
    for (const lt of lossTimings) lt.medianMs = median(lt.roundsMs);
    const total = req.memorySteps + lossTimings.length * (1 + req.rounds * req.perRound);
    memorySnapshots.push(memory(total));
  }

  const result: BenchResult = {
    request: req,
    backend: b.info,
    model: { config, parameters: countParameters(config) },
    firstStepSeconds: first.ms / 1000,
    timedSteps,
    timedSeconds: timed.ms / 1000,
    stepsPerSecond: (timedSteps * 1000) / timed.ms,
    memory: memorySnapshots,
    lossTimings,
    lastLoss: timed.last,
    totalSeconds: (performance.now() - t0) / 1000,
  };
  x.dispose();
  y.dispose();
  optimizer.dispose();
  model.dispose();
  post({ type: 'result', result });
}

self.onmessage = (ev: MessageEvent<BenchRequest>) => {
  run(ev.data).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }));
};
