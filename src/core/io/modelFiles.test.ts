import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildUNet } from '../model';
import { MAX_WEIGHT_SPECS, experimentFromJson, experimentToJson, modelFromFiles, modelToFiles } from './modelFiles';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('model files', () => {
  it('a U-Net saved as model.json + weights.bin loads back with identical predictions', async () => {
    const model = buildUNet({ inputHeight: 16, inputWidth: 16, inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, seed: 3 });
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const a = saved as unknown as tf.io.ModelArtifacts;
    const files = modelToFiles('run', { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData as ArrayBuffer });
    expect(files.jsonName).toBe('run.json');
    expect(JSON.parse(files.json).weightsManifest[0].paths).toEqual(['run.weights.bin']);
    const back = modelFromFiles(files.json, new Map([[files.weightsName, files.weights]]));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: back.modelTopology as object, weightSpecs: back.weightSpecs as tf.io.WeightsManifestEntry[], weightData: back.weightData }),
    );
    const x = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 5);
    const p = model.predict(x) as tf.Tensor;
    const q = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await q.data())).toEqual(Array.from(await p.data()));
    tf.dispose([x, p, q]);
    model.dispose();
    loaded.dispose();
  });
  it('says which weights file is missing, and refuses other JSON', () => {
    const json = JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [] }] });
    expect(() => modelFromFiles(json, new Map())).toThrow(/"w.bin" named in model.json was not given/);
    expect(() => modelFromFiles('{"a":1}', new Map())).toThrow(/not a tfjs layers model/);
    expect(() => modelFromFiles('{', new Map())).toThrow(/not valid JSON/);
  });
});

/** A model.json with these weight groups (an empty topology: only the manifest is read here). */
const manifest = (groups: { paths: unknown; weights: unknown }[]) => JSON.stringify({ modelTopology: { class_name: 'Model' }, weightsManifest: groups });
const f32 = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' });
const bytes = (n: number, fill = 0) => new Uint8Array(n).fill(fill).buffer;

describe('model files from elsewhere are checked before their weights are read', () => {
  it('weights split over groups and files are joined in the manifest\'s order', () => {
    const json = manifest([
      { paths: ['a.bin', 'dir/b.bin'], weights: [f32('k', [2, 3]), { name: 'n', shape: [2], dtype: 'int32' }] },
      { paths: ['c.bin'], weights: [f32('s', [])] },
    ]);
    const m = modelFromFiles(json, new Map([['a.bin', bytes(20, 1)], ['b.bin', bytes(12, 2)], ['c.bin', bytes(4, 3)]]));
    expect(m.weightSpecs).toEqual([f32('k', [2, 3]), { name: 'n', shape: [2], dtype: 'int32' }, f32('s', [])]);
    expect(Array.from(new Uint8Array(m.weightData))).toEqual([...Array(20).fill(1), ...Array(12).fill(2), ...Array(4).fill(3)]);
  });

  it('refuses a weights file listed twice, in one group or across groups, before copying anything', () => {
    const mib = bytes(1 << 20);
    const twice = manifest([{ paths: Array(2000).fill('w.bin'), weights: [f32('k', [2000, 256, 512])] }]);
    expect(() => modelFromFiles(twice, new Map([['w.bin', mib]]))).toThrow('model.json lists the weights file "w.bin" more than once');
    const across = manifest([
      { paths: ['a/w.bin'], weights: [f32('k', [1])] },
      { paths: ['b/w.bin'], weights: [f32('b', [1])] },
    ]);
    expect(() => modelFromFiles(across, new Map([['w.bin', bytes(4)]]))).toThrow('model.json lists the weights file "w.bin" more than once');
  });

  it(`accepts ${MAX_WEIGHT_SPECS} weights and refuses more, even 200,000, without overflowing the stack`, () => {
    const specs = (n: number) => Array.from({ length: n }, (_, i) => f32(`w${i}`, [1]));
    const ok = modelFromFiles(manifest([{ paths: ['w.bin'], weights: specs(MAX_WEIGHT_SPECS) }]), new Map([['w.bin', bytes(4 * MAX_WEIGHT_SPECS)]]));
    expect(ok.weightSpecs).toHaveLength(MAX_WEIGHT_SPECS);
    const message = `model.json lists more than ${MAX_WEIGHT_SPECS} weights; a model of this studio has far fewer`;
    expect(() => modelFromFiles(manifest([{ paths: ['w.bin'], weights: specs(MAX_WEIGHT_SPECS + 1) }]), new Map([['w.bin', bytes(4 * (MAX_WEIGHT_SPECS + 1))]]))).toThrow(message);
    const split = manifest([
      { paths: ['a.bin'], weights: specs(MAX_WEIGHT_SPECS) },
      { paths: ['b.bin'], weights: specs(1) },
    ]);
    expect(() => modelFromFiles(split, new Map([['a.bin', bytes(4 * MAX_WEIGHT_SPECS)], ['b.bin', bytes(4)]]))).toThrow(message);
    const huge = JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: Array(200_000).fill(f32('w', [1])) }] });
    expect(() => modelFromFiles(huge, new Map([['w.bin', bytes(800_000)]]))).toThrow(message);
  });

  it.each([
    [[-1], '[-1]'],
    [[2, 1.5], '[2,1.5]'],
    [['3'], '["3"]'],
    ['3x3', '"3x3"'],
    [null, 'null'],
    [{ 0: 3 }, '{"0":3}'],
    [[1e300], '[1e+300]'],
  ])('refuses the shape %j', (shape, shown) => {
    const json = manifest([{ paths: ['w.bin'], weights: [{ name: 'conv/kernel', shape, dtype: 'float32' }] }]);
    expect(() => modelFromFiles(json, new Map([['w.bin', bytes(4)]]))).toThrow(`model.json: weight "conv/kernel" has shape ${shown}; a shape must be a list of non-negative integers`);
  });

  it('refuses a shape with more elements than any file can hold', () => {
    const json = manifest([{ paths: ['w.bin'], weights: [f32('k', [2 ** 30, 2 ** 30])] }]);
    expect(() => modelFromFiles(json, new Map([['w.bin', bytes(4)]]))).toThrow('model.json: weight "k" has shape [1073741824,1073741824], too many elements for any weights file');
  });

  it.each(['float16', 'uint8', 'string', 'bool', 'complex64', undefined, 7])('refuses the dtype %j', (dtype) => {
    const json = manifest([{ paths: ['w.bin'], weights: [{ name: 'k', shape: [1], dtype }] }]);
    expect(() => modelFromFiles(json, new Map([['w.bin', bytes(4)]]))).toThrow(
      `model.json: weight "k" has dtype ${JSON.stringify(dtype) ?? 'undefined'}; only float32 and int32 are supported`,
    );
  });

  it('refuses quantized weights and entries that are not weights', () => {
    const quantized = manifest([{ paths: ['w.bin'], weights: [{ ...f32('k', [4]), quantization: { dtype: 'uint8', scale: 1, min: 0 } }] }]);
    expect(() => modelFromFiles(quantized, new Map([['w.bin', bytes(4)]]))).toThrow('model.json: weight "k" is quantized; only unquantized float32 and int32 weights are supported');
    expect(() => modelFromFiles(manifest([{ paths: ['w.bin'], weights: [f32('a', [1]), 5] }]), new Map([['w.bin', bytes(8)]]))).toThrow(
      'model.json: weight 2 is 5, not a weight entry {name, shape, dtype}',
    );
    expect(() => modelFromFiles(manifest([{ paths: ['w.bin'], weights: [{ shape: [1], dtype: 'float32' }] }]), new Map([['w.bin', bytes(4)]]))).toThrow('model.json: weight 1 has no name');
    expect(() => modelFromFiles(manifest([{ paths: 'w.bin', weights: [] }]), new Map())).toThrow('model.json: weights group 1 has no list of paths');
    expect(() => modelFromFiles(manifest([{ paths: [7], weights: [] }]), new Map())).toThrow('model.json: weights group 1 has a path 7 that is not a file name');
    expect(() => modelFromFiles(manifest([{ paths: [], weights: {} }]), new Map())).toThrow('model.json: weights group 1 has no list of weights');
    expect(() => modelFromFiles('[1, 2]', new Map())).toThrow(/not a tfjs layers model/);
    expect(() => modelFromFiles('null', new Map())).toThrow(/not a tfjs layers model/);
  });

  it('refuses weights files holding fewer or more bytes than the weights need (4 per element)', () => {
    const one = manifest([{ paths: ['w.bin'], weights: [f32('k', [3, 3]), { name: 'b', shape: [3], dtype: 'int32' }] }]);
    expect(modelFromFiles(one, new Map([['w.bin', bytes(48)]])).weightData.byteLength).toBe(48);
    expect(() => modelFromFiles(one, new Map([['w.bin', bytes(47)]]))).toThrow('the weights of group 1 need 48 bytes (4 per element) but "w.bin" holds 47');
    expect(() => modelFromFiles(one, new Map([['w.bin', bytes(52)]]))).toThrow(
      'the weights file "w.bin" holds more bytes than needed: the weights of group 1 need 48 bytes in all, its files up to this one hold 52',
    );
    // Bytes missing from one group are not taken from the next one's files.
    const two = manifest([
      { paths: ['a.bin', 'b.bin'], weights: [f32('k', [4])] },
      { paths: ['c.bin'], weights: [f32('s', [2])] },
    ]);
    expect(() => modelFromFiles(two, new Map([['a.bin', bytes(4)], ['b.bin', bytes(4)], ['c.bin', bytes(16)]]))).toThrow(
      'the weights of group 1 need 16 bytes (4 per element) but "a.bin", "b.bin" hold 8',
    );
    expect(() => modelFromFiles(two, new Map([['a.bin', bytes(12)], ['b.bin', bytes(12)], ['c.bin', bytes(8)]]))).toThrow(
      'the weights file "b.bin" holds more bytes than needed: the weights of group 1 need 16 bytes in all, its files up to this one hold 24',
    );
    // A 1 MiB file for a model that needs 4 bytes is refused, not copied.
    expect(() => modelFromFiles(manifest([{ paths: ['w.bin'], weights: [f32('k', [1])] }]), new Map([['w.bin', bytes(1 << 20)]]))).toThrow(/holds more bytes than needed/);
  });

  it('echoes at most 60 characters of a value from the file', () => {
    const name = `${'n'.repeat(10_000)}`;
    const json = manifest([{ paths: ['w.bin'], weights: [{ name, shape: Array(5000).fill(-1), dtype: 'float32' }] }]);
    let message = '';
    try {
      modelFromFiles(json, new Map([['w.bin', bytes(4)]]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`model.json: weight "${'n'.repeat(59)}…" has shape [${'-1,'.repeat(19)}-…; a shape must be a list of non-negative integers`);
  });
});

describe('experiment files', () => {
  it('round-trips records with ArrayBuffers through JSON (base64)', () => {
    const weights = new Float32Array([1.5, -2, 3e-8]).buffer;
    const file = { format: 'segmentation-studio-experiment', version: 1, record: { id: 'e', epochs: [0.5, null] }, weights: { dice: { weightData: weights } } };
    const back = experimentFromJson(experimentToJson(file)) as typeof file;
    expect(back.record).toEqual(file.record);
    expect(Array.from(new Float32Array(back.weights.dice.weightData))).toEqual(Array.from(new Float32Array(weights)));
  });
  it('a damaged file says so', () => {
    expect(() => experimentFromJson('{"format": ')).toThrow(/not a readable experiment file/);
  });
});
