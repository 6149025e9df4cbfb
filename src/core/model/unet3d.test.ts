/**
 * The 3D U-Net builder: shapes, parameter counts, the up-convolution, validation, gradients,
 * save/load, the activation-memory estimate against the engine's measured peak, the fast CPU
 * kernels on rank-5 tensors, flat tensor counts, and learning a synthetic 3D segmentation.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic3D } from '../data/synthetic3d';
import type { Case } from '../data/types';
import { fastCpuKernelFallbacks, fastCpuKernelsRegistered, hasFusedInstanceNorm, registerFastCpuKernels } from '../kernels';
import { randomTensor, scaledDifference, stockAndFast } from '../kernels/testing/compare';
import { createLoss } from '../losses';
import { argmaxLabels, caseMetrics } from '../metrics';
import {
  buildUNet3D,
  countParameters3D,
  DEFAULT_UNET3D,
  describeUNet3D,
  estimateUNet3DMemory,
  InstanceNormalization,
  instanceNorm,
  instanceNormComposite,
  resolveUNet3DConfig,
  UNET3D_LAYER_NAMES,
  UNetConfigError,
  upConvolution3d,
  UpConvolution3D,
  validateUNet3DConfig,
  type UNet3DConfig,
} from './index';

const TINY: UNet3DConfig = { inputDepth: 8, inputHeight: 8, inputWidth: 8, inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, seed: 1 };

const built: tf.LayersModel[] = [];
function build(config: UNet3DConfig): tf.LayersModel {
  const m = buildUNet3D(config);
  built.push(m);
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  for (const m of built) m.dispose();
  registerFastCpuKernels();
});

/** One-hot targets [B, D, H, W, K] for thresholded x (class 1 where x > 0.5). */
function thresholdTarget(x: tf.Tensor, numClasses = 2): tf.Tensor {
  return tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.squeeze(x, [4]), 0.5), 'int32'), numClasses));
}

describe('architecture', () => {
  it('maps [B, D, H, W, C_in] to [B, D, H, W, numClasses] softmax probabilities', () => {
    const config = { ...TINY, inputDepth: 4, inputHeight: 8, inputWidth: 12, inputChannels: 2, numClasses: 3 };
    const model = build(config);
    expect(model.inputs[0]?.shape).toEqual([null, 4, 8, 12, 2]);
    expect(model.outputs[0]?.shape).toEqual([null, 4, 8, 12, 3]);
    const x = randomTensor([2, 4, 8, 12, 2], 1);
    const p = tf.tidy(() => model.predict(x) as tf.Tensor);
    expect(p.shape).toEqual([2, 4, 8, 12, 3]);
    const sums = tf.tidy(() => tf.sum(p, -1).dataSync());
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    tf.dispose([p, x]);
  });

  it('has the documented layers, in order, with the documented names', () => {
    const names = build({ ...TINY, depth: 1 }).layers.map((l) => l.name);
    const block = (p: string): string[] => [1, 2].flatMap((i) => [`${p}_conv${i}`, `${p}_norm${i}`, `${p}_relu${i}`]);
    expect(names).toEqual(['image', ...block('enc0'), 'enc0_pool', ...block('bottleneck'), 'dec0_up', 'dec0_concat', ...block('dec0'), 'logits', 'softmax']);
    expect(UNET3D_LAYER_NAMES).toEqual({ input: 'image', logits: 'logits', output: 'softmax' });
  });

  it('halves every side and doubles the filters per level; decoders concatenate the skip', () => {
    const model = build({ ...TINY, inputDepth: 16, inputHeight: 16, inputWidth: 16, depth: 3 });
    const out = (name: string): (number | null)[] => model.getLayer(name).outputShape as (number | null)[];
    expect(out('enc0_relu2')).toEqual([null, 16, 16, 16, 4]);
    expect(out('enc2_pool')).toEqual([null, 2, 2, 2, 16]);
    expect(out('bottleneck_relu2')).toEqual([null, 2, 2, 2, 32]);
    expect(out('dec2_up')).toEqual([null, 4, 4, 4, 16]);
    expect(out('dec2_concat')).toEqual([null, 4, 4, 4, 32]);
    expect(out('dec0_relu2')).toEqual([null, 16, 16, 16, 4]);
    expect(out('logits')).toEqual([null, 16, 16, 16, 2]);
    expect(model.getLayer('enc1_conv1').getConfig()).toMatchObject({ kernelSize: [3, 3, 3], padding: 'same', useBias: false, filters: 8 });
    expect(model.getLayer('enc1_pool').getConfig()).toMatchObject({ poolSize: [2, 2, 2], strides: [2, 2, 2] });
    expect(model.getLayer('logits').getConfig()).toMatchObject({ kernelSize: [1, 1, 1], useBias: true, filters: 2 });
    expect(model.getLayer('dec1_up')).toBeInstanceOf(UpConvolution3D);
    expect(model.getLayer('dec1_up').getWeights().map((w) => w.shape)).toEqual([[2, 2, 2, 8, 16], [8]]);
    expect(model.getLayer('enc1_norm2')).toBeInstanceOf(InstanceNormalization);
  });

  it.each([
    [{ inputDepth: 16, inputHeight: 16, inputWidth: 16, inputChannels: 1, numClasses: 2, depth: 1, baseFilters: 4 }, 4762],
    [{ inputDepth: 8, inputHeight: 16, inputWidth: 8, inputChannels: 2, numClasses: 3, depth: 2, baseFilters: 2 }, null],
    [{ inputDepth: 8, inputHeight: 8, inputWidth: 8, inputChannels: 4, numClasses: 4, depth: 2, baseFilters: 6 }, null],
    [{ inputDepth: 16, inputHeight: 8, inputWidth: 16, inputChannels: 1, numClasses: 2, depth: 3, baseFilters: 3 }, null],
  ])('parameter count of %o equals the analytic formula', (partial, known) => {
    const config = { ...partial, seed: 3 };
    expect(build(config).countParams()).toBe(countParameters3D(config));
    if (known !== null) expect(countParameters3D(config)).toBe(known);
  });

  it('DEFAULT_UNET3D is valid, 32³ at depth 3 with 8 base filters: 350,818 parameters, ≈ 49 MiB estimated per sample', () => {
    expect(() => validateUNet3DConfig(DEFAULT_UNET3D)).not.toThrow();
    expect(countParameters3D(DEFAULT_UNET3D)).toBe(350_818);
    expect(build(DEFAULT_UNET3D).countParams()).toBe(350_818);
    expect(Object.isFrozen(DEFAULT_UNET3D)).toBe(true);
    expect(resolveUNet3DConfig({ depth: 2 })).toEqual({ ...DEFAULT_UNET3D, depth: 2 });
    expect(estimateUNet3DMemory(DEFAULT_UNET3D, 1)).toBe(51_396_608);
    expect(estimateUNet3DMemory(DEFAULT_UNET3D, 3)).toBe(3 * 51_396_608);
  });

  it('describeUNet3D lists every level with its parameters', () => {
    const text = describeUNet3D({ ...TINY, inputDepth: 16, inputHeight: 16, inputWidth: 16, depth: 1 });
    expect(text).toMatch(/^3D U-Net 16×16×16×1 → 16×16×16×2 softmax, depth 1, filters 4·8, seed 1: 4,762 parameters/);
    for (const s of ['enc0        16×16×16', 'bottleneck  8×8×8', 'up-conv2×2×2 8→4 (260)', '(1,312)', 'conv1×1×1 4→2 (10)']) expect(text).toContain(s);
  });
});

describe('up-convolution', () => {
  it('equals tf.conv3dTranspose (kernel 2, stride 2, same) plus the bias', () => {
    const x = randomTensor([2, 3, 2, 4, 5], 11);
    const kernel = randomTensor([2, 2, 2, 3, 5], 12);
    const bias = randomTensor([3], 13);
    const [ours, reference] = tf.tidy(() => [
      upConvolution3d(x, kernel, bias),
      tf.add(tf.conv3dTranspose(x as tf.Tensor5D, kernel as tf.Tensor5D, [2, 6, 4, 8, 3], 2, 'same'), bias),
    ]);
    expect(ours?.shape).toEqual([2, 6, 4, 8, 3]);
    expect(scaledDifference(ours!.dataSync() as Float32Array, reference!.dataSync() as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([x, kernel, bias, ours, reference]);
  });

  it('refuses inputs of the wrong rank or mismatched channels', () => {
    const x = tf.zeros([1, 2, 2, 2, 3]);
    const k = tf.zeros([2, 2, 2, 4, 5]);
    expect(() => upConvolution3d(x, k, tf.zeros([4]))).toThrow(/expected x \[B, D, H, W, C\], kernel \[2, 2, 2, O, C\], bias \[O\]; got \[1, 2, 2, 2, 3\]/);
    expect(() => new UpConvolution3D({ filters: 0 })).toThrow(/filters must be an integer ≥ 1/);
    tf.dispose([x, k]);
  });
});

describe('validation', () => {
  const bad = (patch: Record<string, unknown>): (() => void) => () => validateUNet3DConfig({ ...TINY, ...patch } as UNet3DConfig);

  it('sides not divisible by 2^depth name the dimension and the nearest valid sizes', () => {
    expect(bad({ inputDepth: 20, depth: 3, inputHeight: 16, inputWidth: 16 })).toThrow(
      /inputDepth = 20 is not a multiple of 2\^3 = 8 \(depth 3 halves the volume 3 times\); nearest valid inputDepth: 16 or 24/,
    );
    expect(bad({ inputWidth: 10 })).toThrow(/inputWidth = 10 is not a multiple of 2\^2 = 4 .*nearest valid inputWidth: 8 or 12/);
    expect(() => buildUNet3D({ ...TINY, inputHeight: 6 })).toThrow(UNetConfigError);
  });

  it('ranges: depth 1–5, baseFilters 2–64, channels 1–64, numClasses ≥ 2, sides ≤ 1024, integer seed', () => {
    expect(bad({ depth: 0 })).toThrow(/depth = 0 is outside 1 … 5 \(number of 2×2×2 pooling steps\)/);
    expect(bad({ depth: 6, inputDepth: 128, inputHeight: 128, inputWidth: 128 })).toThrow(/depth = 6 is outside 1 … 5/);
    expect(bad({ baseFilters: 1 })).toThrow(/baseFilters = 1 is outside 2 … 64/);
    expect(bad({ baseFilters: 65 })).toThrow(/baseFilters = 65 is outside 2 … 64/);
    expect(bad({ numClasses: 1 })).toThrow(/numClasses = 1 is outside 2 … 256 \(background plus at least one foreground class\)/);
    expect(bad({ inputChannels: 65 })).toThrow(/inputChannels = 65 is outside 1 … 64/);
    expect(bad({ inputDepth: 2048 })).toThrow(/inputDepth = 2048 is outside 1 … 1024/);
    expect(bad({ depth: '2' })).toThrow(/depth must be an integer in 1 … 5 \(number of 2×2×2 pooling steps\); got "2"/);
    expect(bad({ seed: 0.5 })).toThrow(/seed must be an integer; got 0.5/);
    expect(() => estimateUNet3DMemory(TINY, 0)).toThrow(/batchSize must be an integer ≥ 1; got 0/);
  });

  it('a one-voxel bottleneck is refused, two voxels are enough', () => {
    expect(bad({ inputDepth: 4, inputHeight: 4, inputWidth: 4 })).toThrow(/the bottleneck would be 1×1×1 at depth 2/);
    expect(bad({ inputDepth: 4, inputHeight: 4, inputWidth: 8 })).not.toThrow();
  });

  it('every problem is reported at once', () => {
    try {
      validateUNet3DConfig({ ...TINY, depth: 9, numClasses: 1, inputHeight: -4 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UNetConfigError);
      expect((e as UNetConfigError).issues).toHaveLength(3);
      expect((e as Error).message).toMatch(/^Invalid U-Net config: depth = 9 .*; numClasses = 1 .*; inputHeight = -4 is outside 1 … 1024$/);
    }
  });
});

describe('initialisation and persistence', () => {
  it('the same seed gives identical weights; another seed different kernels; Glorot bounds hold', () => {
    const a = build(TINY).getWeights().map((w) => Array.from(w.dataSync()));
    const b = build(TINY).getWeights().map((w) => Array.from(w.dataSync()));
    const other = build({ ...TINY, seed: 2 });
    expect(b).toEqual(a);
    other.weights.forEach((w, i) => {
      const same = Array.from(other.getWeights()[i]?.dataSync() ?? []).every((v, j) => v === a[i]?.[j]);
      expect(same, w.name).toBe(!w.name.includes('kernel'));
    });
    const up = other.getLayer('dec1_up').getWeights()[0];
    const limit = Math.sqrt(6 / (8 * 4 + 8 * 8)); // fans 8·O and 8·C of the [2, 2, 2, 4, 8] kernel
    expect(Math.max(...Array.from(up?.dataSync() ?? []).map(Math.abs))).toBeLessThanOrEqual(limit);
  });

  it('save → load through memory gives identical predictions (UpConvolution3D is registered)', async () => {
    const model = build({ ...TINY, inputChannels: 2, numClasses: 3 });
    model.getLayer('dec0_up').setWeights([randomTensor([2, 2, 2, 4, 8], 5), tf.fill([4], 0.25)]);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(saved?.weightSpecs?.map((s) => s.name)).toContain('dec0_up/kernel');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    built.push(loaded);
    expect(loaded.getLayer('dec0_up')).toBeInstanceOf(UpConvolution3D);
    const x = randomTensor([1, 8, 8, 8, 2], 9);
    const [p, q] = tf.tidy(() => [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor]);
    expect(Array.from(q?.dataSync() ?? [])).toEqual(Array.from(p?.dataSync() ?? []));
    tf.dispose([p, q, x]);
  });
});

describe('training', () => {
  it('every trainable weight receives a finite, non-zero gradient', () => {
    const model = build({ ...TINY, numClasses: 3 });
    const x = randomTensor([2, 8, 8, 8, 1], 5);
    const target = tf.tidy(() => tf.oneHot(tf.cast(tf.mul(tf.add(tf.squeeze(x, [4]), 1), 1.5), 'int32'), 3));
    const loss = createLoss('asymmetricUnifiedFocal');
    const { value, grads } = tf.variableGrads(() => loss(target, model.apply(x, { training: true }) as tf.Tensor));
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = model.trainableWeights.map((w) => w.name);
    expect(Object.keys(grads).sort()).toEqual([...names].sort());
    for (const n of names) {
      const g = grads[n]?.dataSync() ?? new Float32Array();
      expect(g.every(Number.isFinite), n).toBe(true);
      expect(g.some((v) => Math.abs(v) > 1e-9), n).toBe(true);
    }
    tf.dispose([value, x, target, ...Object.values(grads)]);
  });

  it('the fast CPU kernels give the stock kernels’ loss and gradients on rank-5 tensors', () => {
    const model = build({ ...TINY, numClasses: 3 });
    const loss = createLoss('asymmetricUnifiedFocal');
    const x = randomTensor([2, 8, 8, 8, 1], 21, 2);
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.mul(tf.add(randomTensor([2, 8, 8, 8], 22), 1), 1.5), 'int32'), 3));
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor));
      const probs = model.predict(x) as tf.Tensor;
      return [value, probs, ...model.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name] ?? tf.scalar(NaN))];
    });
    expect(fastCpuKernelsRegistered()).toBe(true);
    expect(hasFusedInstanceNorm('cpu')).toBe(true);
    expect(stock).toHaveLength(model.trainableWeights.length + 2);
    stock.forEach((s, k) => expect(scaledDifference(fast[k]!, s), `output ${k}`).toBeLessThan(1e-5));
    // Rank-5 element-wise ops and the channel softmax stay in the fast kernels.
    for (const k of ['Relu', 'Step', 'Softmax']) expect(fallbacks[k]).toBeUndefined();
    tf.dispose([x, y]);
  });

  it('the fused instance normalisation equals the composite one on [B, D, H, W, C], values and gradients', () => {
    expect(hasFusedInstanceNorm('cpu')).toBe(true);
    const x = randomTensor([2, 3, 4, 5, 6], 31, 3);
    const gamma = randomTensor([6], 32);
    const beta = randomTensor([6], 33);
    const dy = randomTensor([2, 3, 4, 5, 6], 34);
    const run = (f: typeof instanceNorm): Float32Array[] =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c));
        return [f(x, gamma, beta), ...g([x, gamma, beta], dy)].map((t) => t.dataSync() as Float32Array);
      });
    const fused = run(instanceNorm);
    const composite = run(instanceNormComposite);
    composite.forEach((c, k) => expect(scaledDifference(fused[k]!, c), `output ${k}`).toBeLessThan(1e-5));
    tf.dispose([x, gamma, beta, dy]);
  });

  it('the tensor count after 20 steps equals that after 1', () => {
    const model = build(TINY);
    const loss = createLoss('asymmetricUnifiedFocal');
    const optimizer = tf.train.adam(1e-2);
    const x = randomTensor([2, 8, 8, 8, 1], 3);
    const y = thresholdTarget(x);
    const step = (): void => {
      tf.tidy(() => {
        optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor));
      });
    };
    step();
    const after1 = tf.memory().numTensors;
    for (let i = 1; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(after1);
    optimizer.dispose();
    tf.dispose([x, y]);
  });

  /*
   * estimateUNet3DMemory ÷ the engine's peak bytes above the starting point during one
   * variableGrads step (tf.profile's peakBytes; CPU backend, fast kernels), measured:
   *   −mean Σ y·log(p + 1e-7) (a minimal loss):   0.738 (16³, depth 2, base 4, batch 2),
   *        0.770 (16³, 1, 8, 1), 0.740 (32³, 3, 4, 1), 0.766 (16³, 2, 8, 3)
   *   the registry's crossEntropy:                0.49 (16³, 2, 4, 2), 0.59 (16³, 1, 8, 1)
   *   the registry's asymmetricUnifiedFocal:      0.41 … 0.54 on the four above
   * The losses' own full-size intermediates (with their gradients) are not in the estimate, so
   * it is a lower bound: budget ≈ 1.35 × it for the network with a minimal loss, ≈ 2–2.5 × with
   * the registry's losses.
   */
  it.each([
    [{ inputDepth: 16, inputHeight: 16, inputWidth: 16, depth: 2, baseFilters: 4 }, 2],
    [{ inputDepth: 16, inputHeight: 16, inputWidth: 16, depth: 1, baseFilters: 8 }, 1],
  ])('the activation estimate is 0.70–0.80 of the measured peak of a minimal cross-entropy step (%o, batch %i)', async (partial, batch) => {
    const config = { ...TINY, ...partial };
    const model = build(config);
    const x = randomTensor([batch, config.inputDepth, config.inputHeight, config.inputWidth, 1], 7);
    const y = thresholdTarget(x);
    const crossEntropy = (t: tf.Tensor, p: tf.Tensor): tf.Scalar => tf.neg(tf.mean(tf.sum(tf.mul(t, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(y, model.apply(x, { training: true }) as tf.Tensor));
      tf.dispose([value, ...Object.values(grads)]);
    });
    const ratio = estimateUNet3DMemory(config, batch) / (profile.peakBytes - before);
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(0.8);
    tf.dispose([x, y]);
  });
});

/** Images [n, D, H, W, 1] and one-hot labels [n, D, H, W, 2] of synthetic 3D cases. */
function batchOf(cases: Case[], side: number): { x: tf.Tensor; y: tf.Tensor } {
  const n = side ** 3;
  const image = new Float32Array(cases.length * n);
  const labels = new Int32Array(cases.length * n);
  cases.forEach((c, i) => {
    image.set(c.image.data as Float32Array, i * n);
    labels.set(c.labels, i * n);
  });
  return tf.tidy(() => ({ x: tf.tensor5d(image, [cases.length, side, side, side, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 2).reshape([cases.length, side, side, side, 2]) }));
}

describe('learning', () => {
  /*
   * 16³ synthetic volumes (tubes of radius 1–1.5 voxels and ellipsoids, 3 % foreground,
   * contrast-to-noise 4), 12 for training and 4 held out; depth 2, 4 base filters (21,442
   * parameters); Adam 0.01, batch 2, 50 steps, the asymmetric unified focal loss with its
   * defaults; the fast CPU kernels registered. Measured: held-out DSC 0.899, 0.889, 0.869, 0.813
   * (mean 0.868) after 50 steps, in 17 s on two cores (40 s when they were shared with other
   * work).
   */
  it('reaches a held-out DSC ≥ 0.8 on synthetic 3D tubes and blobs', async () => {
    expect(fastCpuKernelsRegistered()).toBe(true);
    const side = 16;
    const cases = generateSynthetic3D({ width: side, height: side, depth: side, count: 16, seed: 5 });
    const config: UNet3DConfig = { inputDepth: side, inputHeight: side, inputWidth: side, inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, seed: 1 };
    expect(countParameters3D(config)).toBe(21_442);
    const model = build(config);
    const loss = createLoss('asymmetricUnifiedFocal');
    const optimizer = tf.train.adam(0.01);
    const train = cases.slice(0, 12).map((c) => batchOf([c], side));
    for (let s = 0; s < 50; s++) {
      tf.tidy(() => {
        const picks = [(2 * s) % train.length, (2 * s + 1) % train.length].map((i) => train[i]!);
        const x = tf.concat(picks.map((p) => p.x));
        const y = tf.concat(picks.map((p) => p.y));
        optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor));
      });
    }
    const held = cases.slice(12);
    const { x, y } = batchOf(held, side);
    const probs = tf.tidy(() => model.predict(x) as tf.Tensor);
    const pred = argmaxLabels((await probs.data()) as Float32Array, 2);
    const n = side ** 3;
    const dsc = held.map((c, i) => caseMetrics(c.labels, pred.subarray(i * n, (i + 1) * n), 2)[0]?.scores.dsc ?? 0);
    expect(dsc.reduce((a, b) => a + b, 0) / dsc.length).toBeGreaterThanOrEqual(0.8);
    expect(Math.min(...dsc)).toBeGreaterThan(0.7);
    expect(fastCpuKernelFallbacks().StudioInstanceNorm).toBeUndefined();
    tf.dispose([x, y, probs, ...train.flatMap((t) => [t.x, t.y])]);
    optimizer.dispose();
  }, 240_000);
});
