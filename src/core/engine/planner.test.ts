import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { createLoss } from '../losses';
import { buildUNet } from '../model/unet';
import { buildUNet3D } from '../model/unet3d';
import { BACKEND_MEMORY_FACTOR, backendMemoryFactor, deviceProblems, estimateStepMemory, proposePlan, unetParameters, type DatasetShape, type ModelPlan } from './planner';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

function model(p: ModelPlan, seed = 1): tf.LayersModel {
  const common = { inputChannels: p.channels, numClasses: p.classes, depth: p.depth, baseFilters: p.baseFilters, seed };
  return p.dims === 2
    ? buildUNet({ ...common, inputHeight: p.patch.height, inputWidth: p.patch.width })
    : buildUNet3D({ ...common, inputDepth: p.patch.depth, inputHeight: p.patch.height, inputWidth: p.patch.width });
}

const plan2 = (over: Partial<ModelPlan> = {}): ModelPlan => ({ dims: 2, patch: { width: 96, height: 64, depth: 1 }, depth: 3, baseFilters: 8, batchSize: 2, channels: 1, classes: 2, ...over });
const plan3 = (over: Partial<ModelPlan> = {}): ModelPlan => ({ dims: 3, patch: { width: 32, height: 32, depth: 16 }, depth: 2, baseFilters: 4, batchSize: 2, channels: 1, classes: 2, ...over });

describe('planner', () => {
  it('counts the U-Net parameters as tfjs builds the model, in 2D and 3D', () => {
    for (const p of [plan2(), plan2({ depth: 4, baseFilters: 16, channels: 3, classes: 4 }), plan3(), plan3({ depth: 1, baseFilters: 8, channels: 4, classes: 3, patch: { width: 16, height: 16, depth: 16 } })]) {
      const m = model(p);
      expect(unetParameters(p)).toBe(m.countParams());
      m.dispose();
    }
  });

  // Peak tensor bytes of one SGD step (tf.profile on the CPU backend, minus what was live before)
  // against the estimate, for configurations other than those the factors were measured on.
  it.each([
    ['2D 96×128, depth 3, 12 filters, focal', plan2({ patch: { width: 96, height: 128, depth: 1 }, baseFilters: 12 }), 'focal'],
    ['2D 96×64, depth 3, 8 filters, 3 classes, asymmetric unified focal', plan2({ classes: 3 }), 'asymmetricUnifiedFocal'],
    ['2D 64×64, depth 2, 6 filters, 5 classes, Tversky', plan2({ patch: { width: 64, height: 64, depth: 1 }, depth: 2, baseFilters: 6, classes: 5 }), 'tversky'],
    ['3D 32×32×16, depth 2, 4 filters, combo', plan3(), 'combo'],
    ['3D 16×16×32, depth 1, 6 filters, 3 classes, Dice', plan3({ patch: { width: 16, height: 16, depth: 32 }, depth: 1, baseFilters: 6, classes: 3 }), 'dice'],
  ] as const)('estimates the memory of a step within 25 %%: %s', async (_name, plan, lossId) => {
    const p: ModelPlan = { ...plan, losses: [lossId] };
    const m = model(p);
    const loss = createLoss(lossId, {});
    const opt = tf.train.sgd(0.01);
    const size = p.dims === 2 ? [p.patch.height, p.patch.width] : [p.patch.depth, p.patch.height, p.patch.width];
    const x = tf.randomNormal([p.batchSize, ...size, p.channels], 0, 1, 'float32', 3);
    const y = tf.tidy(() => tf.oneHot(tf.randomUniform([p.batchSize, ...size], 0, p.classes, 'int32', 4), p.classes).toFloat());
    const step = () => tf.tidy(() => void opt.minimize(() => loss(y, m.apply(x, { training: true }) as tf.Tensor), false));
    step();
    const before = tf.memory().numBytes;
    const profile = await tf.profile(step);
    const measured = profile.peakBytes - before;
    const ratio = estimateStepMemory(p).bytes / measured;
    console.info(`${_name}: estimate ${(estimateStepMemory(p).bytes / 2 ** 20).toFixed(1)} MiB ÷ measured peak ${(measured / 2 ** 20).toFixed(1)} MiB = ${ratio.toFixed(2)}`);
    expect(ratio).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.25);
    for (const t of [x, y]) t.dispose();
    opt.dispose();
    m.dispose();
  }, 60_000);

  it('refuses a plan over a device limit, naming the limit', () => {
    // 512² at batch 2 with 64 base filters: the level-0 concatenation holds 2·512²·128 floats = 256 MiB.
    const p = plan2({ patch: { width: 512, height: 512, depth: 1 }, depth: 5, baseFilters: 64 });
    expect(estimateStepMemory(p).largestTensor.bytes).toBe(2 * 512 * 512 * 128 * 4);
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 1024 * 2 ** 20, memoryBudget: 64 * 2 ** 30, backend: 'webgpu' };
    expect(deviceProblems(p, limits)).toEqual([
      'a 512×512 patch at batch 2 (depth 5, 64 base filters) needs a 256 MiB buffer for the level-0 concatenation (128 channels), more than this webgpu adapter\'s maxStorageBufferBindingSize (128 MiB)',
    ]);
    expect(deviceProblems(p, { memoryBudget: 2 ** 30 })[0]).toMatch(/needs about [\d.]+ GiB per training step, more than the memory budget \(1\.0 GiB\)$/);
    expect(deviceProblems(plan2(), limits)).toEqual([]);
  });

  it('scales the CPU estimate by the backend\'s factor, and keeps the CPU estimate as it is', () => {
    // The CPU estimate is the one the tf.profile test above measures; naming the CPU backend, or
    // a backend without a measured factor, leaves it unchanged.
    expect(BACKEND_MEMORY_FACTOR.cpu).toBe(1);
    expect(BACKEND_MEMORY_FACTOR.webgpu).toBeGreaterThan(1);
    for (const p of [plan2(), plan3(), plan3({ classes: 4, losses: ['dice'] })]) {
      const cpu = estimateStepMemory(p);
      expect(estimateStepMemory(p, 'cpu')).toEqual(cpu);
      expect(estimateStepMemory(p, 'wasm')).toEqual(cpu);
      for (const backend of ['webgpu', 'webgl']) {
        const on = estimateStepMemory(p, backend);
        expect(on.bytes).toBeCloseTo(cpu.bytes * backendMemoryFactor(backend), 0);
        // Only the bytes of a step change: the counts and the largest tensor are the model's.
        expect({ ...on, bytes: 0 }).toEqual({ ...cpu, bytes: 0 });
      }
    }
    expect(backendMemoryFactor('webgpu')).toBe(BACKEND_MEMORY_FACTOR.webgpu);
    expect(backendMemoryFactor(undefined)).toBe(1);
    expect(backendMemoryFactor('toString')).toBe(1);
  });

  it('checks the budget and proposes with the backend\'s estimate when the limits name one', () => {
    const p = plan3();
    const cpu = estimateStepMemory(p).bytes;
    // A budget between the CPU estimate and the WebGPU one: enough on the CPU, not on WebGPU.
    const budget = (cpu + cpu * BACKEND_MEMORY_FACTOR.webgpu!) / 2;
    expect(deviceProblems(p, { memoryBudget: budget, backend: 'cpu' })).toEqual([]);
    expect(deviceProblems(p, { memoryBudget: budget })).toEqual([]);
    expect(deviceProblems(p, { memoryBudget: budget, backend: 'webgpu' })[0]).toMatch(/per training step, more than the memory budget/);
    // The proposal's memory is the backend's estimate of its plan, within the budget.
    // 64³ volumes within 200 MiB: a 32³ patch fits the CPU estimate but not the WebGPU one.
    const volumes = shape([[64, 64, 64]]);
    const onGpu = proposePlan(volumes, { memoryBudget: 200 * 2 ** 20, backend: 'webgpu' });
    const onCpu = proposePlan(volumes, { memoryBudget: 200 * 2 ** 20, backend: 'cpu' });
    expect(estimateStepMemory(onCpu).bytes * BACKEND_MEMORY_FACTOR.webgpu!).toBeGreaterThan(200 * 2 ** 20);
    expect(onGpu.memory.bytes).toBeCloseTo(estimateStepMemory(onGpu).bytes * BACKEND_MEMORY_FACTOR.webgpu!, 0);
    expect(onGpu.memory.bytes).toBeLessThanOrEqual(200 * 2 ** 20);
    expect(onCpu.memory.bytes).toBe(estimateStepMemory(onCpu).bytes);
    expect(voxelsOf(onGpu)).toBeLessThan(voxelsOf(onCpu));
  });

  const voxelsOf = (p: ModelPlan) => p.patch.width * p.patch.height * p.patch.depth;

  const shape = (extents: [number, number, number][], spacing: [number, number, number] = [1, 1, 1], channels = 1, classes = 2): DatasetShape => ({
    extents: extents.map(([width, height, depth]) => ({ width, height, depth })),
    spacings: extents.map(() => spacing),
    channels,
    classes,
  });

  it('proposes 2D on whole images when they fit, and patches when they do not', () => {
    const kvasir = proposePlan(shape([[332, 487, 1], [332, 487, 1], [350, 500, 1]]), { memoryBudget: 4 * 2 ** 30 });
    expect(kvasir).toMatchObject({ dims: 2, resolution: 'native', spacing: null, patch: { width: 352, height: 512, depth: 1 }, batchSize: 2, depth: 5 });
    expect(kvasir.memory.bytes).toBeLessThanOrEqual(4 * 2 ** 30);
    expect(kvasir.reasons.join(' ')).toContain('the whole median image (332×487) fits');
    // A 256 MiB budget cannot hold that: the largest side shrinks by 32 px at a time.
    const small = proposePlan(shape([[332, 487, 1]]), { memoryBudget: 256 * 2 ** 20 });
    expect(small.memory.bytes).toBeLessThanOrEqual(256 * 2 ** 20);
    expect(small.patch.width * small.patch.height).toBeLessThan(352 * 512);
    expect(small.reasons.join(' ')).toContain('does not fit the device');
  });

  it('proposes 3D for volumes, at their median spacing, shrinking the patch to the budget', () => {
    // Task04 hippocampus-like: 35×51×35 voxels at 1 mm.
    const hippo = proposePlan(shape([[35, 51, 35], [36, 50, 34], [34, 52, 36]]), { memoryBudget: 2 * 2 ** 30 });
    expect(hippo).toMatchObject({ dims: 3, spacing: [1, 1, 1], patch: { width: 48, height: 64, depth: 48 }, depth: 2 });
    expect(hippo.reasons.join(' ')).toContain('no volume is resampled');
    // BraTS-like: 240×240×155 at 1 mm, 4 modalities, 4 classes, within 1 GiB.
    const brats = proposePlan(shape([[240, 240, 155]], [1, 1, 1], 4, 4), { memoryBudget: 2 ** 30 });
    expect(brats.dims).toBe(3);
    expect(brats.memory.bytes).toBeLessThanOrEqual(2 ** 30);
    expect(deviceProblems(brats, { memoryBudget: 2 ** 30 })).toEqual([]);
    expect(brats.reasons.join(' ')).toContain('the largest side was reduced');
    // Mixed spacings: the median is the target, the others are resampled.
    const mixed = proposePlan({ ...shape([[100, 100, 40], [100, 100, 40], [100, 100, 20]]), spacings: [[0.8, 0.8, 2.5], [0.8, 0.8, 2.5], [0.8, 0.8, 5]] }, { memoryBudget: 2 ** 30 });
    expect(mixed.spacing).toEqual([0.8, 0.8, 2.5]);
    expect(mixed.reasons.join(' ')).toContain('1 of 3 volumes are resampled');
  });

  it('proposes 2D slices for thin stacks and keeps a device buffer limit', () => {
    expect(proposePlan(shape([[256, 256, 8]]), { memoryBudget: 2 ** 30 }).dims).toBe(2);
    const p = proposePlan(shape([[512, 512, 1]]), { memoryBudget: 64 * 2 ** 30, maxStorageBufferBindingSize: 16 * 2 ** 20 });
    expect(p.memory.largestTensor.bytes).toBeLessThanOrEqual(16 * 2 ** 20);
  });
});
