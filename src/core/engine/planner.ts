/**
 * Experiment planning sized for a browser, after nnU-Net's (Isensee et al. 2021, Nat. Methods
 * 18:203–211, "experiment planning"): from the dataset's image sizes, spacings, channels and
 * classes, and from the device's limits and a memory budget, propose 2D or 3D, the patch size,
 * the U-Net depth, the base filters and a batch size of 2 (the paper's), with the estimated
 * memory of a training step; and refuse a configuration that would exceed a device limit before
 * it starts.
 *
 * The proposal.
 * - 3D when the images are volumes with at least {@link MIN_3D_SLICES} slices (the paper trains
 *   its 3D datasets with a 3D U-Net); 2D otherwise (2D images, or thin stacks).
 * - Target spacing (3D): the median spacing of the volumes per axis (nnU-Net's default target);
 *   volumes whose spacing differs are resampled to it.
 * - Patch: the median image size (3D: at the target spacing), each side rounded up to the size
 *   step (2D 32 px, 3D 16 voxels; the U-Net needs multiples of 2^depth) and capped (2D 512, 3D
 *   256): the whole image when it fits. While the estimated memory of a step exceeds the budget,
 *   the largest side is reduced by one step (nnU-Net shrinks the axis that is largest relative to
 *   the median shape; with isotropic pooling here, simply the largest side).
 * - Depth: as many 2×2(×2) poolings as leave the smallest patch side at least 8 (nnU-Net stops
 *   pooling an axis at 4–8 voxels), 2…5 in 2D, 1…4 in 3D.
 * - Base filters: 16 in 2D and 8 in 3D (a quarter of nnU-Net's 32 and 64-based sizes, for a
 *   browser), halved to 8 / 4 if the smallest patch still exceeds the budget.
 *
 * Memory of a training step. The activations a U-Net step keeps for its backward pass are counted
 * layer by layer (per sample, P voxels at level 0, P_l = P / 2^(dims·l), F_l = F·2^l filters):
 * input and one-hot labels (C + K)·P; per encoder level 6·F_l·P_l (two convolutions, two
 * normalisations, two ReLUs) and the pooled F_l·P_{l+1}; the bottleneck 6·F_d·P_d; per decoder
 * level F_l·P_l (up-convolution) + 2·F_l·P_l (concatenation) + 6·F_l·P_l; softmax and logits
 * 2·K·P. The peak tensor bytes of a step are then
 *
 *   4 · (a·A + l_loss·B·P·K + w·W)
 *
 * with A the activations of the batch, W the parameters (weights, gradients, optimizer state),
 * and l_loss the loss's own intermediates per class value (region losses reduce early, the
 * distribution and compound losses keep several full-size maps and their gradients). The
 * factors ({@link MEMORY_FACTORS}) are least-squares fits of tf.profile's peak bytes of an SGD
 * step on the tfjs CPU backend, over eight U-Nets per dimensionality (64²–128², 16³–32³, depth
 * 2–3, 2–16 filters, 2–4 classes) and all eight losses: they reproduce those peaks within 1 %
 * (planner.test.ts checks other configurations within 25 %). Experiments interleave their runs,
 * so the estimate takes the loss with the largest l (a loss not measured takes the largest
 * measured l).
 *
 * Per backend. The factors above describe the CPU backend. A GPU backend holds more during a
 * step than the CPU backend's peak of live tensors (WebGPU releases a disposed tensor's buffer
 * only when it next submits its queued commands, and uniform and read-back buffers count too;
 * WebGL's textures, measured the same way, hold more as well), so the
 * estimate on a named backend is the CPU estimate times {@link BACKEND_MEMORY_FACTOR} (1 for the
 * CPU backend and any backend not measured). The estimate follows the backend wherever it is
 * known: {@link estimateStepMemory}'s `backend`, and {@link DeviceLimits}' `backend` in
 * {@link deviceProblems} and {@link proposePlan}.
 *
 * Device limits. On WebGPU every tensor is one storage buffer, so the largest tensor of a step,
 * B·P·max(2·F_0, K, C) float32 values (the level-0 concatenation or the class maps), must fit
 * the adapter's maxStorageBufferBindingSize and maxBufferSize. tfjs-backend-webgpu asks its
 * device for the adapter's own maxima. tfjs-free.
 */
import type { LossId } from '../losses/registry';
import { unetParameterCount } from '../model/spec';
import type { Resolution } from '../training/config';

/** A side length of a 2D image or 3D volume, in voxels: x (width), y (height), z (slices). */
export interface Extent {
  width: number;
  height: number;
  depth: number;
}

/** What the planner needs to know of a dataset. */
export interface DatasetShape {
  /** Every case's image size (z = 1 for 2D images). */
  extents: readonly Extent[];
  /** Every case's voxel spacing in mm [x, y, z] (2D images: [1, 1, 1] when unknown). */
  spacings: readonly (readonly [number, number, number])[];
  channels: number;
  classes: number;
}

/** What the device allows. Absent limits are not checked (CPU, or a backend that does not tell). */
export interface DeviceLimits {
  /** WebGPU: the largest storage buffer a shader may bind, bytes. */
  maxStorageBufferBindingSize?: number;
  /** WebGPU: the largest buffer, bytes. */
  maxBufferSize?: number;
  /** The memory a training step may use, bytes (the user's budget). */
  memoryBudget: number;
  /** The backend, for messages ('webgpu', 'webgl', 'cpu'). */
  backend?: string;
}

/** A model and batch to plan or check. */
export interface ModelPlan {
  dims: 2 | 3;
  /** Patch (model input) size; depth is 1 in 2D. */
  patch: Extent;
  depth: number;
  baseFilters: number;
  batchSize: number;
  channels: number;
  classes: number;
  /** The losses the experiment trains (the estimate takes the most demanding); default all. */
  losses?: readonly LossId[];
}

export interface MemoryEstimate {
  /** Estimated peak bytes of a training step. */
  bytes: number;
  /** float32 activation values a step keeps (all samples of the batch). */
  activations: number;
  /** Trainable parameters. */
  parameters: number;
  /** The largest single tensor of a step, bytes, and what it is. */
  largestTensor: { bytes: number; what: string };
}

export interface Proposal extends ModelPlan {
  resolution: Resolution;
  /** 3D: the spacing volumes are resampled to (mm); null: 2D or every volume at its own. */
  spacing: [number, number, number] | null;
  memory: MemoryEstimate;
  /** Why, in sentences the page and segstudio show. */
  reasons: string[];
}

/** Volumes with at least this many slices are planned in 3D. */
export const MIN_3D_SLICES = 16;
/** The factors a, w and l_loss of a step's peak memory per dimensionality (see the file header). */
export const MEMORY_FACTORS: Readonly<Record<2 | 3, { activations: number; parameters: number; loss: Readonly<Partial<Record<LossId, number>>> }>> = Object.freeze({
  2: {
    activations: 2.57,
    parameters: 2.03,
    loss: { crossEntropy: 70.8, focal: 79.8, dice: 16.9, tversky: 16.9, focalTversky: 18.9, combo: 93.8, symmetricUnifiedFocal: 104.8, asymmetricUnifiedFocal: 108.8 },
  },
  3: {
    activations: 2.85,
    parameters: 2.94,
    loss: { crossEntropy: 74.3, focal: 83.3, dice: 19.9, tversky: 19.9, focalTversky: 21.9, combo: 97.3, symmetricUnifiedFocal: 108.3, asymmetricUnifiedFocal: 112.3 },
  },
});
/**
 * The estimate on a backend ÷ the CPU estimate (see the file header). Measured with
 * `npm run bench:node` (Dawn's SwiftShader) and `npm run bench` (Chromium 156, SwiftShader) on a
 * 32 × 32, 4-filter, depth-2 U-Net (all 12 losses) and a 16³, 4-filter, depth-2 3-D U-Net (the
 * paper's 8 losses), batch 2: the bytes a step holds on the GPU (the largest rise of
 * the backend's bytes in use within one step; docs/BENCHMARKS.md, "The planner's memory estimate
 * against the measured bytes") ÷ the CPU estimate. WebGPU (Dawn, 2026-12-05): 5.31 MiB ÷ 3.86 MiB
 * = 1.375 in 2-D and 18.95 ÷ 14.75 = 1.285 in 3-D; 1.33 is their geometric mean, which leaves
 * both within 4 % (Chromium's WebGPU holds the same bytes). WebGL (Chromium, its texture
 * manager's bytes in use): 4.73 ÷ 3.26 = 1.451 in 2-D (cross entropy) and 19.01 ÷ 14.75 = 1.289
 * in 3-D; 1.37, their geometric mean, within 7 %.
 */
export const BACKEND_MEMORY_FACTOR: Readonly<Record<string, number>> = Object.freeze({ cpu: 1, webgpu: 1.33, webgl: 1.37 });

/** The factor of {@link BACKEND_MEMORY_FACTOR} for a backend name; 1 when unknown or absent. */
export function backendMemoryFactor(backend?: string): number {
  return (backend !== undefined && Object.prototype.hasOwnProperty.call(BACKEND_MEMORY_FACTOR, backend) ? BACKEND_MEMORY_FACTOR[backend] : undefined) ?? 1;
}

/** Patch sides are multiples of this (2D: the Train view's 32-px step; 3D: 16 voxels). */
export const SIZE_STEP = { 2: 32, 3: 16 } as const;
/** Largest patch side proposed. */
export const MAX_SIDE = { 2: 512, 3: 256 } as const;
/** The memory budget a browser tab starts with, bytes (the user can change it). */
export const DEFAULT_MEMORY_BUDGET = 2 * 1024 ** 3;

const MiB = 1024 ** 2;

/** "1.5 GiB", "37 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(bytes >= 10 * 1024 ** 3 ? 0 : 1)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes >= 10 * MiB ? 0 : 1)} MiB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

function voxels(e: Extent): number {
  return e.width * e.height * e.depth;
}

/** Activation values per sample of a U-Net step (see the file header). */
function activationsPerSample(p: ModelPlan): number {
  const P = voxels(p.patch);
  const shrink = 2 ** p.dims;
  let a = (p.channels + p.classes) * P;
  for (let l = 0; l < p.depth; l++) {
    const Pl = P / shrink ** l;
    const F = p.baseFilters * 2 ** l;
    a += 6 * F * Pl + (F * Pl) / shrink;
  }
  a += 6 * p.baseFilters * 2 ** p.depth * (P / shrink ** p.depth);
  for (let l = p.depth - 1; l >= 0; l--) a += 9 * p.baseFilters * 2 ** l * (P / shrink ** l);
  return a + 2 * p.classes * P;
}

/**
 * Trainable parameters of the studio's U-Net (core/model/spec.ts unetParameterCount): per block two
 * k^dims convolutions without bias and two normalisations (γ, β), 2^dims up-convolutions with
 * bias, a 1×1 logits convolution with bias.
 */
export function unetParameters(p: Pick<ModelPlan, 'dims' | 'depth' | 'baseFilters' | 'channels' | 'classes'>): number {
  return unetParameterCount(p.dims, { depth: p.depth, baseFilters: p.baseFilters, inputChannels: p.channels, numClasses: p.classes });
}

/**
 * The estimated memory of one training step of a plan: on the CPU backend when `backend` is
 * absent, else times the backend's {@link backendMemoryFactor}.
 */
export function estimateStepMemory(p: ModelPlan, backend?: string): MemoryEstimate {
  const activations = p.batchSize * activationsPerSample(p);
  const parameters = unetParameters(p);
  const f = MEMORY_FACTORS[p.dims];
  const losses = p.losses?.length ? p.losses : (Object.keys(f.loss) as LossId[]);
  // A loss without a measured factor takes the largest measured one.
  const largest = Math.max(...Object.values(f.loss));
  const perClassValue = Math.max(...losses.map((id) => f.loss[id] ?? largest));
  const P = voxels(p.patch);
  const bytes = backendMemoryFactor(backend) * 4 * (f.activations * activations + perClassValue * p.batchSize * P * p.classes + f.parameters * parameters);
  const candidates: [number, string][] = [
    [2 * p.baseFilters, `the level-0 concatenation (${2 * p.baseFilters} channels)`],
    [p.classes, `the class maps (${p.classes} classes)`],
    [p.channels, `the input (${p.channels} channels)`],
  ];
  const [c, what] = candidates.reduce((a, b) => (b[0] > a[0] ? b : a));
  return { bytes, activations, parameters, largestTensor: { bytes: 4 * p.batchSize * P * c, what } };
}

function describePatch(p: Pick<ModelPlan, 'dims' | 'patch'>): string {
  return p.dims === 3 ? `${p.patch.width}×${p.patch.height}×${p.patch.depth}` : `${p.patch.width}×${p.patch.height}`;
}

/**
 * Why a plan cannot run on the device, one sentence per limit it exceeds, each naming the limit;
 * empty when it fits.
 */
export function deviceProblems(p: ModelPlan, limits: DeviceLimits): string[] {
  const m = estimateStepMemory(p, limits.backend);
  const what = `a ${describePatch(p)} patch at batch ${p.batchSize} (depth ${p.depth}, ${p.baseFilters} base filters)`;
  const out: string[] = [];
  for (const key of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
    const limit = limits[key];
    if (limit !== undefined && m.largestTensor.bytes > limit) {
      out.push(`${what} needs a ${formatBytes(m.largestTensor.bytes)} buffer for ${m.largestTensor.what}, more than this ${limits.backend ?? 'GPU'} adapter's ${key} (${formatBytes(limit)})`);
    }
  }
  if (m.bytes > limits.memoryBudget) {
    out.push(`${what} needs about ${formatBytes(m.bytes)} per training step, more than the memory budget (${formatBytes(limits.memoryBudget)})`);
  }
  return out;
}

/** Why a dataset cannot train a model of `dims` dimensions: a 3D U-Net needs volumes. Empty when it can. */
export function datasetProblems(dims: 2 | 3, cases: readonly { id: string; image: { dims: readonly number[] } }[]): string[] {
  if (dims !== 3) return [];
  const flat = cases.filter((c) => (c.image.dims[2] ?? 1) < 2);
  if (!flat.length) return [];
  return [`a 3D U-Net trains on volumes, but ${flat.length} of ${cases.length} cases ${flat.length === 1 ? 'is a 2D image' : 'are 2D images'} (e.g. ${flat.slice(0, 3).map((c) => c.id).join(', ')}): choose 2D`];
}

/** The plan of an experiment request (its model, batch, dataset and losses). */
export function requestPlan(request: {
  dims?: 2 | 3;
  model: { inputWidth: number; inputHeight: number; inputDepth?: number; depth: number; baseFilters: number };
  training: { batchSize?: number };
  dataset: { channels: number; numClasses: number };
  runs: readonly { loss: LossId }[];
}): ModelPlan {
  const dims = request.dims ?? 2;
  return {
    dims,
    patch: { width: request.model.inputWidth, height: request.model.inputHeight, depth: dims === 3 ? (request.model.inputDepth ?? 1) : 1 },
    depth: request.model.depth,
    baseFilters: request.model.baseFilters,
    batchSize: request.training.batchSize ?? 2,
    channels: request.dataset.channels,
    classes: request.dataset.numClasses,
    losses: [...new Set(request.runs.map((r) => r.loss))],
  };
}

/** {@link deviceProblems} of an experiment request. */
export function requestDeviceProblems(request: Parameters<typeof requestPlan>[0], limits: DeviceLimits): string[] {
  return deviceProblems(requestPlan(request), limits);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return 0;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function roundUp(n: number, step: number, max: number): number {
  return Math.min(max, Math.max(step, Math.ceil(n / step) * step));
}

/** Poolings that leave the smallest side at least 8, within the dimensionality's bounds. */
function depthFor(dims: 2 | 3, patch: Extent): number {
  const sides = dims === 3 ? [patch.width, patch.height, patch.depth] : [patch.width, patch.height];
  const smallest = Math.min(...sides);
  const d = Math.floor(Math.log2(smallest / 8));
  return dims === 3 ? Math.min(4, Math.max(1, d)) : Math.min(5, Math.max(2, d));
}

/** The proposal for a dataset on a device (see the file header). Throws for an empty dataset. */
export function proposePlan(dataset: DatasetShape, limits: DeviceLimits): Proposal {
  if (!dataset.extents.length) throw new RangeError('the planner needs at least one case');
  const reasons: string[] = [];
  const slices = median(dataset.extents.map((e) => e.depth));
  const dims: 2 | 3 = slices >= MIN_3D_SLICES ? 3 : 2;
  let spacing: [number, number, number] | null = null;
  let target: Extent;
  if (dims === 3) {
    spacing = [0, 1, 2].map((a) => median(dataset.spacings.map((s) => s[a]!))) as [number, number, number];
    const scaled = dataset.extents.map((e, i) => {
      const s = dataset.spacings[i] ?? spacing!;
      return { width: (e.width * s[0]) / spacing![0], height: (e.height * s[1]) / spacing![1], depth: (e.depth * s[2]) / spacing![2] };
    });
    target = { width: median(scaled.map((e) => e.width)), height: median(scaled.map((e) => e.height)), depth: median(scaled.map((e) => e.depth)) };
    const differs = dataset.spacings.filter((s) => s.some((v, a) => Math.abs(v - spacing![a]!) > 1e-3 * spacing![a]!)).length;
    reasons.push(
      `3D: the volumes have ${Math.round(slices)} slices (median), so a 3D U-Net on 3D patches (Çiçek et al. 2016), as the paper trains its 3D datasets.`,
      `Target spacing ${spacing.map((v) => +v.toFixed(3)).join(' × ')} mm (the median, nnU-Net's rule)${differs ? `: ${differs} of ${dataset.extents.length} volumes are resampled to it` : ': no volume is resampled'}.`,
    );
  } else {
    target = { width: median(dataset.extents.map((e) => e.width)), height: median(dataset.extents.map((e) => e.height)), depth: 1 };
    reasons.push(
      slices > 1
        ? `2D: the volumes have ${Math.round(slices)} slices (median), fewer than ${MIN_3D_SLICES}, so a 2D U-Net on their axial slices.`
        : '2D: the images are 2D, so a 2D U-Net at their native resolution.',
    );
  }
  const step = SIZE_STEP[dims];
  const max = MAX_SIDE[dims];
  const patch: Extent = { width: roundUp(target.width, step, max), height: roundUp(target.height, step, max), depth: dims === 3 ? roundUp(target.depth, step, max) : 1 };
  const whole = patch.width >= target.width && patch.height >= target.height && (dims === 2 || patch.depth >= target.depth);
  let baseFilters = dims === 3 ? 8 : 16;
  const plan = (): ModelPlan => ({ dims, patch: { ...patch }, depth: depthFor(dims, patch), baseFilters, batchSize: 2, channels: dataset.channels, classes: dataset.classes });
  const fits = () => deviceProblems(plan(), limits).length === 0;
  let shrunk = false;
  for (;;) {
    if (fits()) break;
    const axes = (dims === 3 ? (['width', 'height', 'depth'] as const) : (['width', 'height'] as const)).filter((a) => patch[a] > step);
    if (!axes.length) {
      if (baseFilters > (dims === 3 ? 4 : 8)) {
        baseFilters /= 2;
        continue;
      }
      break;
    }
    const a = axes.reduce((x, y) => (patch[y] > patch[x] ? y : x));
    patch[a] -= step;
    shrunk = true;
  }
  const p = plan();
  const memory = estimateStepMemory(p, limits.backend);
  const med = dims === 3 ? `${Math.round(target.width)}×${Math.round(target.height)}×${Math.round(target.depth)}` : `${Math.round(target.width)}×${Math.round(target.height)}`;
  if (whole && !shrunk) reasons.push(`Patch ${describePatch(p)}: the whole median image (${med}) fits, rounded up to a multiple of ${step}.`);
  else if (shrunk) reasons.push(`Patch ${describePatch(p)}: the median image (${med}) does not fit the device, so the largest side was reduced until a step fits; training samples patches and inference tiles them.`);
  else reasons.push(`Patch ${describePatch(p)}: the median image (${med}) is larger than the largest patch side (${max}); training samples patches and inference tiles them.`);
  reasons.push(`Depth ${p.depth} (the smallest patch side pooled down to at least 8), ${p.baseFilters} base filters, batch 2 (the paper's): about ${formatBytes(memory.bytes)} per step, ${unetParameters(p).toLocaleString('en-US')} parameters.`);
  const problems = deviceProblems(p, limits);
  if (problems.length) reasons.push(`Even the smallest patch exceeds the device: ${problems.join('; ')}.`);
  return { ...p, resolution: 'native', spacing, memory, reasons };
}

/** A dataset's shape from its cases (volume dims and spacings). */
export function datasetShape(cases: readonly { image: { dims: readonly number[]; spacing: readonly number[]; channels: number } }[], classes: number, channels?: number): DatasetShape {
  return {
    extents: cases.map((c) => ({ width: c.image.dims[0] ?? 1, height: c.image.dims[1] ?? 1, depth: c.image.dims[2] ?? 1 })),
    spacings: cases.map((c) => [c.image.spacing[0] ?? 1, c.image.spacing[1] ?? 1, c.image.spacing[2] ?? 1] as const),
    channels: channels ?? Math.min(3, cases[0]?.image.channels ?? 1),
    classes,
  };
}

/** "about 3 min" from milliseconds. */
export function formatEstimate(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `about ${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `about ${(s / 3600).toFixed(s < 10 * 3600 ? 1 : 0)} h`;
  return `about ${(s / 86400).toFixed(1)} days`;
}

/**
 * The time an experiment takes at a probed step time: steps per epoch × epochs × runs (the
 * validation passes are not counted), in words.
 */
export function experimentTime(msPerStep: number, stepsPerEpoch: number, epochs: number, runs: number): { epochMs: number; totalMs: number; text: string } {
  const epochMs = msPerStep * stepsPerEpoch;
  const totalMs = epochMs * epochs * runs;
  return {
    epochMs,
    totalMs,
    text: `a step takes ${msPerStep.toFixed(msPerStep < 10 ? 1 : 0)} ms: an epoch of ${stepsPerEpoch} steps ${formatEstimate(epochMs)}, the experiment (${runs} run${runs === 1 ? '' : 's'} × up to ${epochs} epochs) up to ${formatEstimate(totalMs)}, validation not counted`,
  };
}
