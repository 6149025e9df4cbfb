/**
 * The training-step measurement of the benchmarks, on whichever tfjs backend is active (the
 * caller switches it): one U-Net (core/model) trained on one fixed batch of the studio's
 * synthetic demo images (core/data/synthetic) or, with `dims: 3`, one 3-D U-Net (buildUNet3D)
 * on one fixed batch of whole synthetic volumes of the patch size (core/data/synthetic3d,
 * z-scored as training/volumes.ts prepares them, one-hot labels by data/volume3d.ts
 * batchArrays3D), with optimizer steps made as the Trainer
 * (core/training/trainer.ts) makes them: SGD at the paper's learning rate,
 * optimizer.minimize(() => loss(y, model(x)), true) inside tf.tidy, the cost disposed, the loss
 * read back every `lossReadEvery` = 5 steps, all on one set of weights carried on from step to
 * step. Pure: tfjs and src/core only, no DOM, no worker globals, so the same code runs in the
 * browser's benchmark worker and in plain Node (e2e/bench/node.ts). In order:
 *
 * 0. with `gradients` only: the cross-entropy loss of the batch on the initial (seeded, so the
 *    same on every backend) weights and its gradient with respect to every trainable weight
 *    (tf.variableGrads), read back into the result, so that two backends' results can be
 *    compared value for value (e2e/backends3d.spec.ts); this compiles the forward and backward
 *    shaders before step 1, whose time then no longer includes them;
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
 * 5. cross-entropy steps up to step `memorySteps` if the steps above were fewer;
 * 6. the memory of a step against the planner's estimate (core/engine/planner.ts
 *    estimateStepMemory of the request's plan, its losses the timed ones, or cross entropy
 *    alone when none is timed): on the CPU backend one step of each of those losses under
 *    tf.profile, its peakBytes minus the bytes live before it (as planner.test.ts measures);
 *    on WebGPU and WebGL no extra step: the backend's bytes in use (WebGPU: its buffer
 *    manager's numBytesInGPU; WebGL: its texture manager's allocated minus free texture bytes)
 *    are followed through every step of phases 2–5 (the first step, which uploads the weights
 *    and the batch, left out), giving the highest value seen and the largest rise within one
 *    step (from the step's start until the next step starts, so the loss's read-back is
 *    included), and the whole pool (WebGPU numBytesAllocatedInGPU, WebGL the texture manager's
 *    numBytesAllocated, free buffers and textures included) at the end. Other backends measure
 *    nothing here. The estimate is the planner's on the backend that ran (its
 *    BACKEND_MEMORY_FACTOR applied), the CPU estimate kept beside it.
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
import { generateSynthetic3D } from '../data/synthetic3d';
import { batchArrays3D, type Size3D } from '../data/volume3d';
import { estimateStepMemory, requestPlan, type ModelPlan } from '../engine/planner';
import { createLoss, LOSS_IDS, PAPER_COMPARISON, paperParams, type LossFn, type LossId } from '../losses';
import { buildUNet, buildUNet3D, countParameters, countParameters3D, DEFAULT_UNET, DEFAULT_UNET3D, type UNet3DConfig, type UNetConfig } from '../model';
import { createOptimizer } from './trainer';
import { DEFAULT_TRAINING } from './config';
import { makeBatch, prepareSamples } from './samples';
import { prepareVolumes } from './volumes';

export interface StepBenchRequest {
  /** Backend name, for the progress messages (the caller has switched to it). */
  backend: string;
  /** 2 (default): a 2-D U-Net on size × size images; 3: a 3-D U-Net on `patch` volumes. */
  dims?: 2 | 3;
  /** Input height and width (3-D: the side of the cubic patch unless `patch` is given). */
  size: number;
  /** 3-D only: the patch (the model's input and the volumes' size); default size³. */
  patch?: Size3D;
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
  /**
   * Before step 1, the cross-entropy loss of the fixed batch and its gradient with respect to
   * every trainable weight (the initial, seeded ones), read back into the result's `gradients`
   * (phase 0 of the file header): the same numbers on every backend, for comparing them.
   */
  gradients?: boolean;
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

/** Measured bytes of one step of one loss (phase 6 of the file header). */
export interface LossStepMemory {
  loss: LossId;
  /** CPU: tf.profile's peakBytes of one step minus tf.memory().numBytes before it. */
  profileStepBytes?: number;
  /** WebGPU, WebGL: the largest rise of the bytes in use within one step of this loss. */
  gpuStepBytes?: number;
  /** WebGPU, WebGL: the highest bytes in use during a step of this loss. */
  gpuPeakBytes?: number;
}

/** The planner's estimate of a step and what was measured (phase 6 of the file header). */
export interface StepMemory {
  /** The plan of this request (planner.ts requestPlan), its losses the measured ones. */
  plan: ModelPlan;
  /** estimateStepMemory(plan, backend).bytes: the estimate on the backend that ran. */
  estimateBytes: number;
  /** estimateStepMemory(plan).bytes: the CPU estimate, without the backend's factor. */
  cpuEstimateBytes: number;
  perLoss: LossStepMemory[];
  /** CPU: the largest profileStepBytes of the losses. */
  profileStepBytes?: number;
  /** WebGPU, WebGL: the largest rise of the bytes in use within one step (weights, batch and optimizer state live before it excluded). */
  gpuStepBytes?: number;
  /** WebGPU, WebGL: the highest bytes in use seen (everything live included). */
  gpuPeakBytes?: number;
  /** WebGPU, WebGL: at the end of the run, every buffer (numBytesAllocatedInGPU) or texture the backend holds, its free pool included. */
  gpuAllocatedBytes?: number;
}

/** The loss and gradients of the request's `gradients` option (phase 0 of the file header). */
export interface StepGradients {
  loss: number;
  /** Per trainable weight, in the model's order: its name, shape and gradient values. */
  weights: { name: string; shape: number[]; values: number[] }[];
}

export interface StepBenchResult {
  request: StepBenchRequest;
  dims: 2 | 3;
  model: { config: UNetConfig | UNet3DConfig; parameters: number };
  /** Shapes of the fixed batch: x [B, H, W, 1], y [B, H, W, C]; 3-D x [B, D, H, W, 1], y [B, D, H, W, C]. */
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
  /** Steps taken in all (phase 6's profiled steps not counted). */
  steps: number;
  stepMemory: StepMemory;
  /** With the request's `gradients`: the loss and gradients before step 1. */
  gradients?: StepGradients;
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

/** The planner's estimate ÷ each byte count measured (null where not measured). */
export function memoryEstimateRatios(m: StepMemory): {
  estimateBytes: number;
  overProfileStep: number | null;
  overGpuAllocated: number | null;
  overGpuPeak: number | null;
  overGpuStep: number | null;
} {
  const over = (v: number | undefined) => (v === undefined || !(v > 0) ? null : m.estimateBytes / v);
  return {
    estimateBytes: m.estimateBytes,
    overProfileStep: over(m.profileStepBytes),
    overGpuAllocated: over(m.gpuAllocatedBytes),
    overGpuPeak: over(m.gpuPeakBytes),
    overGpuStep: over(m.gpuStepBytes),
  };
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
  const dims = req.dims ?? 2;
  const deadline = req.stopAfterSeconds === undefined ? Infinity : startedAt + req.stopAfterSeconds * 1000;
  const { config, parameters, model, x, y } = dims === 3 ? fixedBatch3D(req) : fixedBatch2D(req);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer(DEFAULT_TRAINING);
  const lossFns = new Map<LossId, LossFn>(LOSS_IDS.map((id) => [id, createLoss(id, paperParams(id))]));
  const gpu = trackGpuBytes();
  try {
    return await timeSteps();
  } finally {
    gpu?.uninstall();
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }

  async function timeSteps(): Promise<StepBenchResult> {
    /** One optimizer step; returns the cost (the caller reads or disposes it). */
    const step = (id: LossId): tf.Scalar => {
      const loss = lossFns.get(id);
      if (!loss) throw new Error(`no loss ${id}`);
      // Step 1 uploads the weights and the batch: the GPU bytes are followed from step 2 on.
      if (done > 0) gpu?.begin(id);
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

    let gradients: StepGradients | undefined;
    if (req.gradients) {
      onProgress(`${req.backend}: loss and gradients of the initial weights…`);
      const lossFn = lossFns.get(base);
      if (!lossFn) throw new Error(`no loss ${base}`);
      const g = tf.variableGrads(() => lossFn(y, model.apply(x, { training: true }) as tf.Tensor), variables);
      gradients = { loss: (await g.value.data())[0] ?? NaN, weights: [] };
      for (const v of variables) {
        const grad = g.grads[v.name];
        gradients.weights.push({ name: v.name, shape: v.shape, values: grad ? Array.from(await grad.data()) : [] });
      }
      g.value.dispose();
      tf.dispose(Object.values(g.grads));
    }

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

    // Phase 6: the planner's estimate against the measured bytes.
    const measured: readonly LossId[] = ids.length > 0 ? ids : [base];
    const plan = requestPlan({
      dims,
      model: { inputWidth: x.shape[dims === 3 ? 3 : 2] ?? NaN, inputHeight: x.shape[dims === 3 ? 2 : 1] ?? NaN, inputDepth: dims === 3 ? x.shape[1] : 1, depth: req.depth, baseFilters: req.baseFilters },
      training: { batchSize: req.batchSize },
      dataset: { channels: x.shape[x.rank - 1] ?? 1, numClasses: y.shape[y.rank - 1] ?? 2 },
      runs: measured.map((loss) => ({ loss })),
    });
    const stepMemory: StepMemory = { plan, estimateBytes: estimateStepMemory(plan, tf.getBackend()).bytes, cpuEstimateBytes: estimateStepMemory(plan).bytes, perLoss: [] };
    if (gpu) {
      gpu.end();
      stepMemory.perLoss = measured.map((loss) => ({ loss, ...gpu.byLoss.get(loss) }));
      if (gpu.byLoss.size > 0) {
        stepMemory.gpuStepBytes = Math.max(...[...gpu.byLoss.values()].map((m) => m.gpuStepBytes));
        stepMemory.gpuPeakBytes = Math.max(...[...gpu.byLoss.values()].map((m) => m.gpuPeakBytes));
      }
      stepMemory.gpuAllocatedBytes = gpu.allocatedBytes();
    } else if (tf.getBackend() === 'cpu') {
      onProgress(`${req.backend}: memory of one step of ${measured.length === 1 ? measured[0] : `each of ${measured.length} losses`} (tf.profile)…`);
      for (const loss of measured) {
        const before = tf.memory().numBytes;
        const profile = await tf.profile(async () => {
          await read(step(loss));
        });
        stepMemory.perLoss.push({ loss, profileStepBytes: profile.peakBytes - before });
      }
      stepMemory.profileStepBytes = Math.max(...stepMemory.perLoss.map((m) => m.profileStepBytes ?? NaN));
    }

    const result: StepBenchResult = {
      request: req,
      dims,
      model: { config, parameters },
      batch: { x: x.shape, y: y.shape },
      firstStepSeconds: first.ms / 1000,
      timedSteps: timed.steps,
      timedSeconds: timed.ms / 1000,
      stepsPerSecond,
      memory,
      lossTimings,
      lastLoss: last,
      steps: done,
      stepMemory,
      ...(gradients ? { gradients } : {}),
      totalSeconds: (performance.now() - startedAt) / 1000,
    };
    return result;
  }
}

interface FixedBatch {
  config: UNetConfig | UNet3DConfig;
  parameters: number;
  model: tf.LayersModel;
  x: tf.Tensor;
  y: tf.Tensor;
}

/** The 2-D U-Net and one batch of the studio's synthetic demo images (thin vessels, 5 % foreground). */
function fixedBatch2D(req: StepBenchRequest): FixedBatch {
  const config: UNetConfig = { ...DEFAULT_UNET, inputHeight: req.size, inputWidth: req.size, depth: req.depth, baseFilters: req.baseFilters };
  const cases = generateSynthetic({ count: req.batchSize, width: req.size, height: req.size, seed: 1 });
  const samples = prepareSamples(cases, { inputWidth: req.size, inputHeight: req.size, depth: req.depth, channels: 1 });
  const indices = samples.map((_, i) => i);
  const { x, y } = makeBatch(samples, indices, createRng(1), { numClasses: config.numClasses });
  return { config, parameters: countParameters(config), model: buildUNet(config), x, y };
}

/**
 * The 3-D U-Net and one batch of whole synthetic volumes of the patch size (tubes and blobs,
 * 3 % foreground, seed 1), z-scored per volume, with one-hot labels.
 */
function fixedBatch3D(req: StepBenchRequest): FixedBatch {
  const patch: Size3D = req.patch ?? { width: req.size, height: req.size, depth: req.size };
  const config: UNet3DConfig = { ...DEFAULT_UNET3D, inputDepth: patch.depth, inputHeight: patch.height, inputWidth: patch.width, depth: req.depth, baseFilters: req.baseFilters };
  const cases = generateSynthetic3D({ count: req.batchSize, ...patch, seed: 1, numClasses: 2 });
  const volumes = prepareVolumes(cases, { channels: config.inputChannels });
  const a = batchArrays3D(volumes, volumes.map((_, i) => i), createRng(1), { numClasses: config.numClasses, patch });
  const { batch, depth, height, width, channels, classes } = a.shape;
  const model = buildUNet3D(config);
  return { config, parameters: countParameters3D(config), model, x: tf.tensor5d(a.x, [batch, depth, height, width, channels]), y: tf.tensor5d(a.y, [batch, depth, height, width, classes]) };
}

/** What the WebGPU backend's buffer manager exposes (tfjs-backend-webgpu 4.x BufferManager). */
interface BufferManagerLike {
  numBytesUsed: number;
  acquireBuffer: (...args: unknown[]) => unknown;
}

/** What the WebGL backend's texture manager exposes (tfjs-backend-webgl 4.x TextureManager). */
interface TextureManagerLike {
  numBytesAllocated: number;
  numBytesFree: number;
  acquireTexture: (...args: unknown[]) => unknown;
}

interface GpuBytesTracker {
  /** Per loss: the largest rise of the bytes in use within one of its steps, and the highest value. */
  byLoss: Map<LossId, { gpuStepBytes: number; gpuPeakBytes: number }>;
  /** A step of `loss` starts (the previous one, if any, ends). */
  begin(loss: LossId): void;
  /** The last step ends. */
  end(): void;
  /** Every buffer or texture the backend holds now, its free pool included. */
  allocatedBytes(): number;
  uninstall(): void;
}

/**
 * On WebGPU and WebGL, follows the backend's bytes in use through each step by wrapping the
 * method where every GPU buffer or texture is taken: on WebGPU the buffer manager's
 * acquireBuffer (every buffer of a tensor, uniform or read-back; in use: its numBytesUsed), on
 * WebGL the texture manager's acquireTexture (every texture of a tensor, packed or not, at its
 * physical size; in use: numBytesAllocated − numBytesFree). Null on other backends or when the
 * backend has no such manager. uninstall() restores the manager's own method.
 */
function trackGpuBytes(): GpuBytesTracker | null {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as { bufferManager?: Partial<BufferManagerLike>; textureManager?: Partial<TextureManagerLike> };
  let target: Record<string, unknown>;
  let method: 'acquireBuffer' | 'acquireTexture';
  let used: () => number;
  let allocated: () => number;
  if (name === 'webgpu') {
    const bm = backend.bufferManager;
    if (!bm || typeof bm.acquireBuffer !== 'function' || typeof bm.numBytesUsed !== 'number') return null;
    target = bm as Record<string, unknown>;
    method = 'acquireBuffer';
    used = () => bm.numBytesUsed ?? NaN;
    allocated = () => memorySnapshot(0).numBytesAllocatedInGPU ?? NaN;
  } else if (name === 'webgl') {
    const tm = backend.textureManager;
    if (!tm || typeof tm.acquireTexture !== 'function' || typeof tm.numBytesAllocated !== 'number') return null;
    target = tm as Record<string, unknown>;
    method = 'acquireTexture';
    used = () => (tm.numBytesAllocated ?? NaN) - (tm.numBytesFree ?? NaN);
    allocated = () => tm.numBytesAllocated ?? NaN;
  } else return null;
  const own = Object.prototype.hasOwnProperty.call(target, method);
  const original = target[method] as (...args: unknown[]) => unknown;
  let current: { loss: LossId; start: number; peak: number } | null = null;
  target[method] = function (this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    if (current) current.peak = Math.max(current.peak, used());
    return result;
  };
  const byLoss = new Map<LossId, { gpuStepBytes: number; gpuPeakBytes: number }>();
  const end = () => {
    if (!current) return;
    const m = byLoss.get(current.loss) ?? { gpuStepBytes: 0, gpuPeakBytes: 0 };
    byLoss.set(current.loss, { gpuStepBytes: Math.max(m.gpuStepBytes, current.peak - current.start), gpuPeakBytes: Math.max(m.gpuPeakBytes, current.peak) });
    current = null;
  };
  return {
    byLoss,
    begin(loss) {
      end();
      current = { loss, start: used(), peak: used() };
    },
    end,
    allocatedBytes: allocated,
    uninstall() {
      current = null;
      if (own) target[method] = original;
      else delete target[method];
    },
  };
}
