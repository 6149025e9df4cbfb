import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../data/split';
import { generateSynthetic3D } from '../data/synthetic3d';
import type { Case } from '../data/types';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { caseMetrics } from '../metrics';
import { validateExperimentFile, type ExperimentRequest } from '../training/experimentFile';
import { createEngine } from './engine';
import { MemoryStore } from './store';
import { requestModel } from './trainingService';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

/** Five 16×16×12 volumes of 1 × 1 × 2 mm voxels; trained at 2 mm isotropic (8×8×12). */
const cases: Case[] = generateSynthetic3D({ seed: 6, count: 5, width: 16, height: 16, depth: 12, kind: 'blobs', foregroundFraction: 0.06 }).map((c) => ({
  ...c,
  image: { ...c.image, spacing: [1, 1, 2] },
}));
const split: DatasetSplit = { train: cases.slice(0, 3).map((c) => c.id), validation: [cases[3]!.id], test: [cases[4]!.id] };

function request3d(id = 'exp-3d'): ExperimentRequest {
  return {
    id,
    name: '3-D Dice · focal on blobs',
    createdAt: '2026-02-03T04:05:06.000Z',
    runs: [{ loss: 'dice' }, { loss: 'focal' }],
    training: { optimizer: 'adam', learningRate: 0.01, maxEpochs: 2, lossReadEvery: 1 },
    model: { inputDepth: 8, inputHeight: 8, inputWidth: 8, depth: 2, baseFilters: 4, seed: 2 },
    dims: 3,
    spacing: [2, 2, 2],
    resolution: 'native',
    scheduling: 'interleaved',
    interleave: 'epoch',
    split,
    dataset: { origin: 'demo', description: 'synthetic 3-D blobs', numClasses: 2, channels: 1, caseIds: cases.map((c) => c.id) },
  };
}

describe('3-D experiments in the engine', () => {
  it('requestModel builds the 3-D U-Net of a dims-3 request and the 2-D one otherwise', () => {
    const m3 = requestModel(request3d());
    expect(m3.inputs[0]!.shape).toEqual([null, 8, 8, 8, 1]);
    const m2 = requestModel({ ...request3d(), dims: 2, spacing: null, model: { inputHeight: 16, inputWidth: 16, depth: 2, baseFilters: 4, seed: 2 } });
    expect(m2.inputs[0]!.shape).toEqual([null, 16, 16, 1]);
    m3.dispose();
    m2.dispose();
  });

  it('trains, keeps and exports a 3-D experiment, and answers slices of a case from one predicted volume per run, live and from stored weights', async () => {
    const baseline = tf.memory().numTensors;
    const store = new MemoryStore();
    const engine = createEngine({ store: () => Promise.resolve(store), emit: () => {} });
    const c = cases[4]!;
    const training = engine.training.start(request3d(), cases);
    // asked while the experiment trains: answered between two steps with the current weights
    await new Promise((r) => setTimeout(r, 0));
    expect(engine.training.running).toBe(true);
    const during = await engine.predictions.predict({ experimentId: 'exp-3d', runs: ['dice'], case: c, slices: [2] });
    expect(during.results.map((r) => [r.run, r.weights, r.labels[0]!.length])).toEqual([['dice', 'current', 256]]);
    const outcome = await training;
    expect(outcome.status).toBe('finished');
    const snap = outcome.snapshot!;
    expect(snap.input).toEqual({ width: 8, height: 8, depth: 8, channels: 1 });
    expect(snap.runs.map((r) => [r.id, r.epochs.length, r.test?.map((t) => t.id)])).toEqual([
      ['dice', 2, [cases[4]!.id]],
      ['focal', 2, [cases[4]!.id]],
    ]);
    // the experiment file (with the snapshot's input depth) passes the validator
    const file = await engine.experiments.exportExperiment('exp-3d');
    expect(() => validateExperimentFile(file)).not.toThrow();

    const p = engine.predictions;
    const first = await p.predict({ experimentId: 'exp-3d', runs: ['dice', 'focal'], case: c, slices: [0, 11] });
    expect(first.failed).toEqual([]);
    expect(first.results.map((r) => [r.run, r.labels.length, r.labels[0]!.length, r.weights, r.epochs])).toEqual([
      ['dice', 2, 256, 'best', 2],
      ['focal', 2, 256, 'best', 2],
    ]);
    expect(p.volumesPredicted).toBe(3);
    // every slice of the case: the same volume, predicted once; scored as the test metrics scored it
    const all = await p.predict({ experimentId: 'exp-3d', runs: ['dice'], case: c, slices: Array.from({ length: 12 }, (_, k) => k) });
    expect(p.volumesPredicted).toBe(3);
    const labels = new Uint8Array(16 * 16 * 12);
    all.results[0]!.labels.forEach((s, k) => labels.set(s, k * 256));
    expect(all.results[0]!.labels[0]).toEqual(first.results[0]!.labels[0]);
    expect(caseMetrics(c.labels, labels, 2)[0]!.scores.dsc).toBeCloseTo(snap.runs[0]!.test![0]!.dsc[0]!, 12);

    // the exported weights as model files: the 3-D model scores every case at its own spacing
    const inferred = await p.infer(file.weights.dice!, [c], 2);
    expect(inferred.map((r) => [r.id, r.dsc.length])).toEqual([[c.id, 1]]);
    await expect(p.infer(file.weights.dice!, [c], 3)).rejects.toThrow(/predicts 2 classes/);

    // from the stored best weights, in a new engine
    await engine.dispose();
    const again = createEngine({ store: () => Promise.resolve(store), emit: () => {} });
    const stored = await again.predictions.predict({ experimentId: 'exp-3d', runs: ['dice'], case: c, slices: [0, 11] });
    expect(stored.results[0]!.labels).toEqual(first.results[0]!.labels);
    await again.predictions.predict({ experimentId: 'exp-3d', runs: ['dice'], case: c, slices: [5] });
    expect(again.predictions.volumesPredicted).toBe(1);
    await again.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  }, 60_000);
});
