/** The U-Net builder: shapes, parameter counts, seeding, validation, gradients, save/load, leaks. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/random';
import {
  buildUNet,
  countParameters,
  DEFAULT_UNET,
  describeUNet,
  InstanceNormalization,
  levelFilters,
  resolveUNetConfig,
  UNET_LAYER_NAMES,
  UNetConfigError,
  validateUNetConfig,
  type UNetConfig,
} from './index';

const TINY: UNetConfig = { inputHeight: 16, inputWidth: 16, inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, seed: 1 };

const built: tf.LayersModel[] = [];
function build(config: UNetConfig): tf.LayersModel {
  const m = buildUNet(config);
  built.push(m);
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  for (const m of built) m.dispose();
});

function randomImages(shape: number[], seed: number): tf.Tensor4D {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(Float32Array.from({ length: n }, () => rand()), shape as [number, number, number, number]);
}

function weightArrays(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('architecture', () => {
  it('maps [B, H, W, C_in] to [B, H, W, numClasses] softmax probabilities', () => {
    const config = { ...TINY, inputHeight: 32, inputWidth: 16, inputChannels: 3, numClasses: 3 };
    const model = build(config);
    expect(model.inputs[0]?.shape).toEqual([null, 32, 16, 3]);
    expect(model.outputs[0]?.shape).toEqual([null, 32, 16, 3]);
    const p = tf.tidy(() => model.predict(randomImages([2, 32, 16, 3], 1)) as tf.Tensor);
    expect(p.shape).toEqual([2, 32, 16, 3]);
    const sums = tf.tidy(() => tf.sum(p, -1).dataSync());
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(p.dataSync().every((v) => v >= 0 && v <= 1)).toBe(true);
    p.dispose();
  });

  it('has the documented layers, in order, with the documented names', () => {
    const names = build(TINY).layers.map((l) => l.name);
    const block = (p: string): string[] => [1, 2].flatMap((i) => [`${p}_conv${i}`, `${p}_norm${i}`, `${p}_relu${i}`]);
    expect(names).toEqual([
      'image',
      ...block('enc0'),
      'enc0_pool',
      ...block('enc1'),
      'enc1_pool',
      ...block('bottleneck'),
      'dec1_up',
      'dec1_concat',
      ...block('dec1'),
      'dec0_up',
      'dec0_concat',
      ...block('dec0'),
      'logits',
      'softmax',
    ]);
    expect(UNET_LAYER_NAMES).toEqual({ input: 'image', logits: 'logits', output: 'softmax' });
  });

  it('halves the resolution and doubles the filters per level; decoders concatenate the skip', () => {
    const model = build({ ...TINY, inputHeight: 32, inputWidth: 32, depth: 3, baseFilters: 4 });
    const out = (name: string): (number | null)[] => model.getLayer(name).outputShape as (number | null)[];
    expect(levelFilters({ depth: 3, baseFilters: 4 })).toEqual([4, 8, 16, 32]);
    expect(out('enc0_relu2')).toEqual([null, 32, 32, 4]);
    expect(out('enc2_pool')).toEqual([null, 4, 4, 16]);
    expect(out('bottleneck_relu2')).toEqual([null, 4, 4, 32]);
    expect(out('dec2_up')).toEqual([null, 8, 8, 16]);
    expect(out('dec2_concat')).toEqual([null, 8, 8, 32]);
    expect(out('dec0_relu2')).toEqual([null, 32, 32, 4]);
    expect(out('logits')).toEqual([null, 32, 32, 2]);
    const conv = model.getLayer('enc1_conv1').getConfig();
    expect(conv).toMatchObject({ kernelSize: [3, 3], padding: 'same', useBias: false, filters: 8 });
    expect(model.getLayer('dec1_up').getConfig()).toMatchObject({ kernelSize: [2, 2], strides: [2, 2], useBias: true, filters: 8 });
    expect(model.getLayer('enc1_norm2')).toBeInstanceOf(InstanceNormalization);
  });

  it.each([
    [{ inputHeight: 32, inputWidth: 32, inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4 }, 7482],
    [{ inputHeight: 16, inputWidth: 48, inputChannels: 3, numClasses: 4, depth: 2, baseFilters: 6 }, null],
    [{ inputHeight: 32, inputWidth: 32, inputChannels: 2, numClasses: 3, depth: 3, baseFilters: 4 }, null],
    [{ inputHeight: 32, inputWidth: 64, inputChannels: 1, numClasses: 2, depth: 5, baseFilters: 4 }, null],
  ])('parameter count of %o equals the analytic formula', (partial, known) => {
    const config = { ...partial, seed: 3 };
    const model = build(config);
    expect(model.countParams()).toBe(countParameters(config));
    if (known !== null) expect(countParameters(config)).toBe(known);
  });

  it('DEFAULT_UNET is valid and has 1,942,306 parameters', () => {
    expect(() => validateUNetConfig(DEFAULT_UNET)).not.toThrow();
    expect(countParameters(DEFAULT_UNET)).toBe(1_942_306);
    expect(countParameters({ ...DEFAULT_UNET, inputHeight: 32, inputWidth: 32 })).toBe(1_942_306);
    expect(Object.isFrozen(DEFAULT_UNET)).toBe(true);
    expect(resolveUNetConfig({ depth: 2 })).toEqual({ ...DEFAULT_UNET, depth: 2 });
  });

  it('describeUNet lists every level with its parameters', () => {
    const text = describeUNet({ ...TINY, inputHeight: 32, inputWidth: 32 });
    expect(text).toMatch(/^U-Net 32×32×1 → 32×32×2 softmax, depth 2, filters 4·8·16, seed 1: 7,482 parameters/);
    for (const s of ['enc0', 'enc1', 'bottleneck  8×8', 'dec1', 'dec0', 'up-conv2×2 16→8 (520)', 'conv1×1 4→2 (10)']) expect(text).toContain(s);
  });
});

describe('initialisation', () => {
  it('the same seed gives identical weights; another seed gives different kernels', () => {
    const a = weightArrays(build(TINY));
    const b = weightArrays(build(TINY));
    const c = weightArrays(build({ ...TINY, seed: 2 }));
    expect(a.length).toBe(b.length);
    a.forEach((w, i) => expect(Array.from(b[i] ?? [])).toEqual(Array.from(w)));
    const model = build(TINY);
    model.weights.forEach((w, i) => {
      const same = Array.from(c[i] ?? []).every((v, j) => v === a[i]?.[j]);
      // Kernels differ; zero biases, unit γ and zero β are the same whatever the seed.
      expect(same).toBe(!w.name.includes('kernel'));
    });
  });

  it('layers with kernels of the same shape get different draws', () => {
    const model = build(TINY);
    const k1 = model.getLayer('enc1_conv2').getWeights()[0];
    const k2 = model.getLayer('dec1_conv2').getWeights()[0];
    expect(k1?.shape).toEqual([3, 3, 8, 8]);
    expect(k2?.shape).toEqual(k1?.shape);
    expect(Array.from(k1?.dataSync() ?? [])).not.toEqual(Array.from(k2?.dataSync() ?? []));
  });

  it('kernels are Glorot uniform: within ±√(6/(fan_in + fan_out)) with variance limit²/3', () => {
    const model = build({ ...TINY, inputHeight: 32, inputWidth: 32, baseFilters: 16 });
    for (const name of ['enc1_conv2', 'bottleneck_conv2', 'dec0_conv1']) {
      const kernel = model.getLayer(name).getWeights()[0];
      const [kh = 0, kw = 0, cin = 0, cout = 0] = kernel?.shape ?? [];
      const limit = Math.sqrt(6 / (kh * kw * cin + kh * kw * cout));
      const v = Array.from(kernel?.dataSync() ?? []);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(limit);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
      expect(Math.abs(mean)).toBeLessThan(0.1 * limit);
      expect(variance / (limit * limit / 3)).toBeGreaterThan(0.85);
      expect(variance / (limit * limit / 3)).toBeLessThan(1.15);
    }
  });
});

describe('validation', () => {
  const bad = (patch: Record<string, unknown>): (() => void) => () => validateUNetConfig({ ...TINY, ...patch } as UNetConfig);

  it('input sizes not divisible by 2^depth name the dimension and the nearest valid sizes', () => {
    expect(bad({ inputHeight: 100, depth: 3 })).toThrow(
      /inputHeight = 100 is not a multiple of 2\^3 = 8 \(depth 3 halves the image 3 times\); nearest valid inputHeight: 96 or 104/,
    );
    expect(bad({ inputWidth: 30 })).toThrow(/inputWidth = 30 is not a multiple of 2\^2 = 4 .*nearest valid inputWidth: 28 or 32/);
    expect(bad({ inputWidth: 3 })).toThrow(/nearest valid inputWidth: 4$/);
    expect(() => buildUNet({ ...TINY, inputHeight: 18 })).toThrow(UNetConfigError);
  });

  it('ranges: depth 2–5, baseFilters 4–64, numClasses ≥ 2, integer seed', () => {
    expect(bad({ depth: 1 })).toThrow(/depth = 1 is outside 2 … 5 \(number of 2×2 pooling steps\)/);
    expect(bad({ depth: 6, inputHeight: 128, inputWidth: 128 })).toThrow(/depth = 6 is outside 2 … 5/);
    expect(bad({ baseFilters: 2 })).toThrow(/baseFilters = 2 is outside 4 … 64/);
    expect(bad({ baseFilters: 128 })).toThrow(/baseFilters = 128 is outside 4 … 64/);
    expect(bad({ numClasses: 1 })).toThrow(/numClasses = 1 is outside 2 … 256 \(background plus at least one foreground class\)/);
    expect(bad({ inputChannels: 0 })).toThrow(/inputChannels = 0 is outside 1 … 64/);
    expect(bad({ baseFilters: 4.5 })).toThrow(/baseFilters must be an integer in 4 … 64; got 4.5/);
    expect(bad({ depth: '3' })).toThrow(/depth must be an integer in 2 … 5 \(number of 2×2 pooling steps\); got "3"/);
    expect(bad({ seed: 0.5 })).toThrow(/seed must be an integer; got 0.5/);
    expect(bad({ seed: Number.NaN })).toThrow(/seed must be an integer; got NaN/);
    expect(() => validateUNetConfig({ ...TINY, seed: -7 })).not.toThrow();
  });

  it('a one-pixel bottleneck is refused', () => {
    expect(bad({ inputHeight: 4, inputWidth: 4 })).toThrow(/the bottleneck would be 1×1 at depth 2/);
    expect(bad({ inputHeight: 4, inputWidth: 8 })).not.toThrow();
  });

  it('every problem is reported at once', () => {
    try {
      validateUNetConfig({ ...TINY, depth: 9, numClasses: 1, inputHeight: -4 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UNetConfigError);
      expect((e as UNetConfigError).issues).toHaveLength(3);
      expect((e as Error).message).toMatch(/^Invalid U-Net config: depth = 9 .*; numClasses = 1 .*; inputHeight = -4 is outside 1 … 4096$/);
    }
  });
});

describe('training and persistence', () => {
  it('every weight receives a finite gradient; γ, β and kernels non-zero', () => {
    const model = build(TINY);
    const x = randomImages([2, 16, 16, 1], 5);
    const target = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.squeeze(x, [3]), 0.5), 'int32'), 2));
    const { value, grads } = tf.variableGrads(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
    });
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = model.trainableWeights.map((w) => w.name);
    expect(Object.keys(grads).sort()).toEqual([...names].sort());
    for (const n of names) {
      const g = grads[n]?.dataSync() ?? new Float32Array();
      expect(g.every(Number.isFinite), n).toBe(true);
      if (/(gamma|beta|kernel)$/.test(n)) expect(g.some((v) => Math.abs(v) > 1e-7), n).toBe(true);
    }
    tf.dispose([value, x, target, ...Object.values(grads)]);
  });

  it('save → load through memory gives identical predictions', async () => {
    const model = build({ ...TINY, inputChannels: 2, numClasses: 3 });
    // Move γ and β off their initial values so the round trip has something to carry.
    model.getLayer('dec0_norm1').setWeights([tf.fill([4], 1.7), tf.fill([4], -0.3)]);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(saved?.weightSpecs?.map((s) => s.name)).toContain('dec0_norm1/gamma');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    built.push(loaded);
    expect(loaded.getLayer('enc0_norm1')).toBeInstanceOf(InstanceNormalization);
    expect(loaded.countParams()).toBe(model.countParams());
    const x = randomImages([2, 16, 16, 2], 9);
    const [a, b] = tf.tidy(() => [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor]);
    expect(Array.from(b?.dataSync() ?? [])).toEqual(Array.from(a?.dataSync() ?? []));
    tf.dispose([a, b, x]);
  });

  it('predict inside tf.tidy leaks no tensors, repeatedly', () => {
    const model = build(TINY);
    const x = randomImages([1, 16, 16, 1], 3);
    const predictAndDrop = (): void => {
      tf.tidy(() => {
        model.predict(x);
      });
    };
    predictAndDrop(); // first call: anything created lazily is counted from here on
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) predictAndDrop();
    expect(tf.memory().numTensors).toBe(before);
    const kept = tf.tidy(() => model.predict(x) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before + 1);
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('building and disposing a model frees its weights', () => {
    const before = tf.memory().numTensors;
    const model = buildUNet(TINY);
    expect(tf.memory().numTensors).toBe(before + model.weights.length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
