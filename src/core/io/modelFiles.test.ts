import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildUNet } from '../model';
import { experimentFromJson, experimentToJson, modelFromFiles, modelToFiles } from './modelFiles';

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
