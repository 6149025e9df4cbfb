/**
 * The training-step measurement of the benchmarks, on whichever tfjs backend is active (the
 * caller switches it): one U-Net (core/model) trained on one fixed batch of the studio's
 * synthetic demo images (core/data/synthetic) with optimizer steps made as the Trainer
 * (core/training/trainer.ts) makes them: SGD at the paper's learning rate,
 * optimizer.minimize(() => loss(y, model(x)), true) inside tf.tidy, the cost disposed, the loss
 * read back every `lossReadEvery` = 5 steps, all on one set of weights carried on from step to
 * step. Pure: tfjs and src/core only, no DOM, no worker globals, so the same code runs in the
 * browser's benchmark worker and in plain Node (e2e/bench/node.ts). In order:
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
 *    phase 5 are expected (from the last round's time) to end within `budgetSeconds` of
 *    `startedAt`, so a slow or busy machine runs fewer rounds instead of running late.
 *    A loss's step time is its median per-step time over the rounds; its ratio to
 *    cross-entropy is the median over the rounds of (its step time ÷ the cross-entropy step
 *    time of the same round), which cancels drift between rounds. The ratio of the fastest
 *    rounds and the 25th–75th percentiles of the per-round ratios are kept beside it;
 * 5. cross-entropy steps up to step `memorySteps` if the steps above were fewer.
 *
 * With `stopAfterSeconds` (unset in the browser), the warm-up and timed steps of phase 3 and
 * the steps of phase 5 also end once that many seconds after `startedAt` have passed: no step
 * starts later, and the step that ends later is the last (the timed loop takes at least one
 * step, and steps per second count the steps taken), so that a large model on a slow backend
 * yields a step time in bounded time.
 *
 * tf.memory() is taken after step 1, after step `memorySteps` (in whichever phase it falls) and
 * after the last step when that is another one: numTensors, numBytes and, on WebGPU,
 * numBytesInGPU (live tensors) and numBytesAllocatedInGPU (every buffer the backend holds, its
 * pool of free buffers included).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../data/rng';
import { generateSynthetic } from '../data/synthetic';
import { createLoss, LOSS_IDS, PAPER_COMPARISON, paperParams, type LossFn, type LossId } from '../losses';
import { buildUNet, countParameters, DEFAULT_UNET, type UNetConfig } from '../model';
import { createOptimizer } from './trainer';
import { DEFAULT_TRAINING } from './config';
import { makeBatch, prepareSamples } from './samples';

export interface StepBenchRequest {
  /** Backend name, for the progress messages (the caller has switched to it). */
  backend: string;
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
  /** Time from `startedAt` within which the per-loss rounds and phase 5 should end. */
  budgetSeconds: number;
  /** Phases 3 and 5 end at the first step finished this many seconds after `startedAt`. */
  stopAfterSeconds?: number;
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
  /** 25th and 75th percentiles of those per-round ratios. */
  ratioIqr: [number, number];
  /** minMs ÷ cross-entropy's minMs. */
  ratioFastest: number;
}

export interface StepBenchResult {
  request: StepBenchRequest;
  model: { config: UNetConfig; parameters: number };
  /** Shapes of the fixed batch: x [B, H, W, 1], y [B, H, W, C]. */
  batch: { x: number[]; y: number[] };
  firstStepSeconds: number;
  /** Steps in the timed loop, its wall time, and steps per second. */
  timedSteps: number;
  timedSeconds: number;
  stepsPerSecond: number;
  memory: MemorySnapshot[];
  lossTimings: LossTiming[];
  /** The last loss value read back: finite means the training did not diverge. */
  lastLoss: number;
  /** Steps taken in all. */
  steps: number;
  totalSeconds: number;
}

/** Rounds of the per-loss timing run whatever the time budget. */
export const MIN_ROUNDS = 3;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** Linear-interpolated quantile of unsorted values (NaN for none). */
export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const a = sorted[lo] ?? NaN;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? NaN;
  return a + (b - a) * (i - lo);
}

export function memorySnapshot(step: number): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return {
    step,
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    ...(typeof m.numBytesInGPU === 'number' ? { numBytesInGPU: m.numBytesInGPU } : {}),
    ...(typeof m.numBytesAllocatedInGPU === 'number' ? { numBytesAllocatedInGPU: m.numBytesAllocatedInGPU } : {}),
  };
}

/**
 * Runs the plan above on the active backend and frees everything it made. `startedAt`
 * (performance.now() of the caller's start, default now) anchors the time budgets.
 */
export async function runStepBench(
  req: StepBenchRequest,
  onProgress: (message: string) => void = () => {},
  startedAt: number = performance.now(),
): Promise<StepBenchResult> {
  const config: UNetConfig = { ...DEFAULT_UNET, inputHeight: req.size, inputWidth: req.size, depth: req.depth, baseFilters: req.baseFilters };
  const deadline = req.stopAfterSeconds === undefined ? Infinity : startedAt + req.stopAfterSeconds * 1000;

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
  const memory: MemorySnapshot[] = [];
  let done = 0;
  /**
   * Up to `n` steps of one loss, the loss read back every `every` steps and after the last.
   * Once `atLeast` steps are taken (default all `n`), the steps end at the deadline: none
   * starts after it, and the step that ends past it is read back and is the last. Wall ms, the
   * last loss read and the steps taken.
   */
  const take = async (id: LossId, n: number, every: number, atLeast = n): Promise<{ ms: number; last: number; steps: number }> => {
    const t = performance.now();
    let last = NaN;
    let steps = 0;
    const over = () => steps >= atLeast && performance.now() > deadline;
    while (steps < n && !(steps === 0 && over())) {
      const c = step(id);
      steps++;
      const stop = steps < n && over();
      if (steps % every === 0 || steps === n || stop) last = await read(c);
      else c.dispose();
      done++;
      if (done === 1 || done === req.memorySteps) memory.push(memorySnapshot(done));
      if (stop) break;
    }
    return { ms: performance.now() - t, last, steps };
  };

  onProgress(`${req.backend}: step 1${req.backend === 'cpu' ? '' : ' (compiles the shaders)'}…`);
  const first = await take(base, 1, 1);
  onProgress(`${req.backend}: first step ${(first.ms / 1000).toFixed(2)} s`);

  const ids: readonly LossId[] = req.losses === 'all' ? LOSS_IDS : req.losses === 'paper' ? PAPER_COMPARISON : [];
  const lossTimings: LossTiming[] = [];
  if (ids.length > 0) onProgress(`${req.backend}: first step of each of ${ids.length} losses…`);
  for (const id of ids) {
    const ms = id === base ? first.ms : (await take(id, 1, 1)).ms;
    lossTimings.push({ loss: id, firstStepMs: ms, roundsMs: [], minMs: NaN, medianMs: NaN, ratio: NaN, ratioIqr: [NaN, NaN], ratioFastest: NaN });
  }

  await take(base, req.warmupSteps, DEFAULT_TRAINING.lossReadEvery, 0);
  onProgress(`${req.backend}: timing ${req.timedSteps} steps…`);
  const timed = await take(base, req.timedSteps, DEFAULT_TRAINING.lossReadEvery, 1);
  const stepsPerSecond = (timed.steps * 1000) / timed.ms;
  onProgress(`${req.backend}: ${stepsPerSecond.toFixed(2)} steps/s over ${timed.steps} steps`);

  const ce = lossTimings.find((t) => t.loss === base);
  if (lossTimings.length > 0) {
    const ratios = new Map<LossId, number[]>(lossTimings.map((t) => [t.loss, []]));
    const roundSteps = lossTimings.length * req.perRound;
    let roundMs = 0;
    for (let r = 0; r < req.rounds; r++) {
      if (r >= MIN_ROUNDS) {
        const fill = Math.max(0, req.memorySteps - done - roundSteps) * (roundMs / roundSteps);
        if (performance.now() + roundMs + fill > startedAt + req.budgetSeconds * 1000) break;
      }
      onProgress(`${req.backend}: per-loss round ${r + 1} (of at most ${req.rounds}), steps ${done + 1}–${done + roundSteps}…`);
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
      const perRound = ratios.get(lt.loss) ?? [];
      lt.ratio = ce ? median(perRound) : NaN;
      lt.ratioIqr = ce ? [quantile(perRound, 0.25), quantile(perRound, 0.75)] : [NaN, NaN];
      lt.ratioFastest = ce ? lt.minMs / ce.minMs : NaN;
    }
  }

  let last = timed.last;
  if (done < req.memorySteps) {
    onProgress(`${req.backend}: cross-entropy steps ${done + 1}–${req.memorySteps}…`);
    const fill = await take(base, req.memorySteps - done, DEFAULT_TRAINING.lossReadEvery, 0);
    if (fill.steps > 0) last = fill.last;
  }
  if (done !== req.memorySteps) memory.push(memorySnapshot(done));

  const result: StepBenchResult = {
    request: req,
    model: { config, parameters: countParameters(config) },
    batch: { x: x.shape, y: y.shape },
    firstStepSeconds: first.ms / 1000,
    timedSteps: timed.steps,
    timedSeconds: timed.ms / 1000,
    stepsPerSecond,
    memory,
    lossTimings,
    lastLoss: last,
    steps: done,
    totalSeconds: (performance.now() - startedAt) / 1000,
  };
  x.dispose();
  y.dispose();
  optimizer.dispose();
  model.dispose();
  return result;
}
