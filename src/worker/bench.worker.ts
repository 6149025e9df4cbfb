/// <reference lib="webworker" />
/**
 * Training benchmark worker (bench.html, driven by `npm run bench`). On one tfjs backend it
 * trains one U-Net on one fixed synthetic batch with optimizer steps made as the Trainer makes
 * them (SGD at the paper's learning rate; optimizer.minimize(() => loss(y, model(x)), true)
 * inside tf.tidy, the cost disposed, the loss read back every `lossReadEvery` = 5 steps), all
 * on one set of weights carried on from step to step. In order:
 *
 * 1. step 1 (cross-entropy), timed until its loss value is read back: the first step, which
 *    includes compiling the shaders (WebGPU, WebGL) of the forward and backward pass;
 * 2. one step of every other timed loss: it compiles that loss's shaders, its time is kept as
 *    the loss's first step and is not part of the ratio;
 * 3. `warmupSteps` cross-entropy steps, then `timedSteps` cross-entropy steps timed from the
 *    first until the last one's loss is read back (so queued device work is counted): the
 *    steps per second;
 * 4. per loss: rounds in which every timed loss in turn takes `perRound` steps, the last one
 *    read back; the order rotates from round to round. At least MIN_ROUNDS and at most
 *    `rounds` rounds are run; another round starts only if it and the cross-entropy steps of
 *    phase 5 are expected (from the last round's time) to end within `budgetSeconds` of the
 *    worker's start, so a slow or busy machine runs fewer rounds instead of running late.
 *    A loss's step time is its median per-step time over the rounds; its ratio to
 *    cross-entropy is the median over the rounds of (its step time ÷ the cross-entropy step
 *    time of the same round), which cancels drift between rounds. The ratio of the fastest
 *    rounds is kept beside it;
 * 5. cross-entropy steps up to step `memorySteps` (default 200) if the steps above were fewer.
 *
 * tf.memory() is taken after step 1, after step `memorySteps` (in whichever phase it falls) and,
 * when the plan takes more steps, after the last: numTensors, numBytes and, on WebGPU,
 * numBytesInGPU (live tensors) and numBytesAllocatedInGPU (every buffer the backend holds, its
 * pool of free buffers included).
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
  /** Untimed cross-entropy steps before the timed loop. */
  warmupSteps: number;
  /** Steps of the timed loop (steps per second). */
  timedSteps: number;
  /** tf.memory() is taken after step 1 and after this step (later if the plan needs more steps). */
  memorySteps: number;
  /** Per-loss timing: 'all' (LOSS_IDS), 'paper' (PAPER_COMPARISON) or 'none'. */
  losses: 'all' | 'paper' | 'none';
  /** Most rounds of the per-loss timing; fewer when `budgetSeconds` would be exceeded. */
  rounds: number;
  perRound: number;
  /** Time from the worker's start within which the per-loss rounds and phase 5 should end. */
  budgetSeconds: number;
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
  /** Fastest round and median round (ms per step). */
  minMs: number;
  medianMs: number;
  /** Median over the rounds of this loss's step time ÷ the cross-entropy step time of the same round. */
  ratio: number;
  /** minMs ÷ cross-entropy's minMs. */
  ratioFastest: number;
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
  /** The last loss value read back: finite means the training did not diverge. */
  lastLoss: number;
  totalSeconds: number;
}

export type BenchEvent =
  | { type: 'progress'; message: string }
  | { type: 'result'; result: BenchResult }
  | { type: 'unavailable'; backend: BackendName; reason: string }
  | { type: 'error'; message: string };

/** Rounds of the per-loss timing run whatever the time budget. */
const MIN_ROUNDS = 3;

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
  const base: LossId = 'crossEntropy';
  const memorySnapshots: MemorySnapshot[] = [];
  let done = 0;
  /**
   * `n` steps of one loss, the loss read back every `every` steps and after the last; wall ms.
   * tf.memory() is taken after step 1 and after step `memorySteps`, whichever phase they fall in.
   */
  const take = async (id: LossId, n: number, every: number): Promise<{ ms: number; last: number }> => {
    const t = performance.now();
    let last = NaN;
    for (let i = 1; i <= n; i++) {
      const c = step(id);
      if (i % every === 0 || i === n) last = await read(c);
      else c.dispose();
      done++;
      if (done === 1 || done === req.memorySteps) memorySnapshots.push(memory(done));
    }
    return { ms: performance.now() - t, last };
  };

  post({ type: 'progress', message: `${req.backend}: step 1${req.backend === 'cpu' ? '' : ' (compiles the shaders)'}…` });
  const first = await take(base, 1, 1);
  post({ type: 'progress', message: `${req.backend}: first step ${(first.ms / 1000).toFixed(2)} s` });

  const ids: readonly LossId[] = req.losses === 'all' ? LOSS_IDS : req.losses === 'paper' ? PAPER_COMPARISON : [];
  const lossTimings: LossTiming[] = [];
  if (ids.length > 0) post({ type: 'progress', message: `${req.backend}: first step of each of ${ids.length} losses…` });
  for (const id of ids) {
    const ms = id === base ? first.ms : (await take(id, 1, 1)).ms;
    lossTimings.push({ loss: id, firstStepMs: ms, roundsMs: [], minMs: NaN, medianMs: NaN, ratio: NaN, ratioFastest: NaN });
  }

  await take(base, req.warmupSteps, DEFAULT_TRAINING.lossReadEvery);
  post({ type: 'progress', message: `${req.backend}: timing ${req.timedSteps} steps…` });
  const timed = await take(base, req.timedSteps, DEFAULT_TRAINING.lossReadEvery);
  post({ type: 'progress', message: `${req.backend}: ${((req.timedSteps * 1000) / timed.ms).toFixed(2)} steps/s` });

  const ce = lossTimings.find((t) => t.loss === base);
  if (lossTimings.length > 0) {
    const ratios = new Map<LossId, number[]>(lossTimings.map((t) => [t.loss, []]));
    const roundSteps = lossTimings.length * req.perRound;
    let roundMs = 0;
    for (let r = 0; r < req.rounds; r++) {
      if (r >= MIN_ROUNDS) {
        const fill = Math.max(0, req.memorySteps - done - roundSteps) * (roundMs / roundSteps);
        if (performance.now() + roundMs + fill > t0 + req.budgetSeconds * 1000) break;
      }
      post({ type: 'progress', message: `${req.backend}: per-loss round ${r + 1} (of at most ${req.rounds}), steps ${done + 1}–${done + roundSteps}…` });
      const roundStart = performance.now();
      for (let k = 0; k < lossTimings.length; k++) {
        const lt = lossTimings[(k + r) % lossTimings.length];
        if (!lt) continue;
        const s = await take(lt.loss, req.perRound, req.perRound);
        lt.roundsMs.push(s.ms / req.perRound);
      }
      const ceMs = ce?.roundsMs[r];
      for (const lt of lossTimings) if (ceMs !== undefined) ratios.get(lt.loss)?.push((lt.roundsMs[r] ?? NaN) / ceMs);
      roundMs = performance.now() - roundStart;
    }
    for (const lt of lossTimings) {
      lt.minMs = Math.min(...lt.roundsMs);
      lt.medianMs = median(lt.roundsMs);
    }
    for (const lt of lossTimings) {
      lt.ratio = ce ? median(ratios.get(lt.loss) ?? []) : NaN;
      lt.ratioFastest = ce ? lt.minMs / ce.minMs : NaN;
    }
  }

  let last = timed.last;
  if (done < req.memorySteps) {
    post({ type: 'progress', message: `${req.backend}: cross-entropy steps ${done + 1}–${req.memorySteps}…` });
    last = (await take(base, req.memorySteps - done, DEFAULT_TRAINING.lossReadEvery)).last;
  }
  if (done > req.memorySteps) memorySnapshots.push(memory(done));

  const result: BenchResult = {
    request: req,
    backend: b.info,
    model: { config, parameters: countParameters(config) },
    firstStepSeconds: first.ms / 1000,
    timedSteps: req.timedSteps,
    timedSeconds: timed.ms / 1000,
    stepsPerSecond: (req.timedSteps * 1000) / timed.ms,
    memory: memorySnapshots,
    lossTimings,
    lastLoss: last,
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
