/**
 * Seeds and folds in the engine (runs.ts replicateRuns, experiment.ts): which runs share
 * initial weights, what each fold trains and validates on, and that a replicate is an ordinary
 * run of its seed (the seed-1 replicate is the plain run, step for step).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../data/split';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { Experiment, replicateRuns, type ExperimentOptions } from './experiment';
import { validateExperimentFile } from './experimentFile';
import { stackCases, syntheticCases } from './testing/fixtures';
import { tinyModel } from './testing/tinyModel';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

const cases = syntheticCases(9, 5, 32);
const split: DatasetSplit = {
  train: cases.slice(0, 4).map((c) => c.id),
  validation: cases.slice(4, 6).map((c) => c.id),
  test: cases.slice(6).map((c) => c.id),
};

/** The model of a seed (the experiment's seed is 7 here): what requestModel does with a U-Net. */
const createModel = (seed?: number) => tinyModel({ filters: 4, seed: seed ?? 7 });

function options(over: Partial<ExperimentOptions> = {}): ExperimentOptions {
  return {
    createModel,
    runs: [{ loss: 'dice' }],
    cases,
    split,
    config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 2, lossReadEvery: 1, seed: 7 },
    ...over,
  };
}

async function weightsOf(ex: Experiment, id: string): Promise<number[]> {
  const parts = await Promise.all(ex.trainer(id).model.getWeights().map((w) => w.data()));
  return parts.flatMap((p) => Array.from(p));
}

describe('replicateRuns', () => {
  it('leaves runs as they are with one seed and one fold', () => {
    const runs = [{ loss: 'dice' as const }, { id: 'x', loss: 'focal' as const, label: 'F' }];
    expect(replicateRuns(runs, { seeds: 1, folds: 1, firstSeed: 3 })).toEqual(runs);
  });

  it('repeats each run over folds, then seeds, naming every replicate', () => {
    const out = replicateRuns([{ loss: 'dice' }, { id: 'asymmetricUnifiedFocal:gamma=0.2', loss: 'asymmetricUnifiedFocal', label: 'aUF γ = 0.2' }], { seeds: 2, folds: 3, firstSeed: 5 });
    expect(out.map((r) => r.id)).toEqual([
      'dice:seed=5:fold=1', 'dice:seed=6:fold=1', 'dice:seed=5:fold=2', 'dice:seed=6:fold=2', 'dice:seed=5:fold=3', 'dice:seed=6:fold=3',
      'asymmetricUnifiedFocal:gamma=0.2:seed=5:fold=1', 'asymmetricUnifiedFocal:gamma=0.2:seed=6:fold=1',
      'asymmetricUnifiedFocal:gamma=0.2:seed=5:fold=2', 'asymmetricUnifiedFocal:gamma=0.2:seed=6:fold=2',
      'asymmetricUnifiedFocal:gamma=0.2:seed=5:fold=3', 'asymmetricUnifiedFocal:gamma=0.2:seed=6:fold=3',
    ]);
    expect(out[3]).toMatchObject({ loss: 'dice', replicateOf: 'dice', seed: 6, fold: 2, folds: 3, label: 'Dice · seed 6 · fold 2/3' });
    expect(out[6]).toMatchObject({ replicateOf: 'asymmetricUnifiedFocal:gamma=0.2', label: 'aUF γ = 0.2 · seed 5 · fold 1/3' });
    const seedsOnly = replicateRuns([{ loss: 'dice' }], { seeds: 3, folds: 1, firstSeed: 1 });
    expect(seedsOnly.map((r) => [r.id, r.seed, r.fold])).toEqual([['dice:seed=1', 1, undefined], ['dice:seed=2', 2, undefined], ['dice:seed=3', 3, undefined]]);
    expect(() => replicateRuns([{ loss: 'dice' }], { seeds: 0, folds: 1, firstSeed: 1 })).toThrow(/seeds/);
  });
});

describe('Experiment with seeds and folds', () => {
  it('starts the runs of one seed from the same weights and those of different seeds from different ones', async () => {
    const runs = replicateRuns([{ loss: 'dice' }, { loss: 'crossEntropy' }], { seeds: 2, folds: 1, firstSeed: 7 });
    const ex = new Experiment(options({ runs }));
    try {
      const w = Object.fromEntries(await Promise.all(ex.runIds.map(async (id) => [id, await weightsOf(ex, id)] as const)));
      expect(w['crossEntropy:seed=7']).toEqual(w['dice:seed=7']);
      expect(w['crossEntropy:seed=8']).toEqual(w['dice:seed=8']);
      expect(w['dice:seed=8']).not.toEqual(w['dice:seed=7']);
      // Each seed's weights are its own model's, whatever runs come before it.
      const alone = new Experiment(options({ runs: [runs[3]!] }));
      try {
        expect(await weightsOf(alone, 'crossEntropy:seed=8')).toEqual(w['crossEntropy:seed=8']);
      } finally {
        alone.dispose();
      }
    } finally {
      ex.dispose();
    }
  });

  it('trains the replicate of the experiment’s seed exactly as the plain run, and another seed differently', async () => {
    const plain = new Experiment(options());
    const replicas = new Experiment(options({ runs: replicateRuns([{ loss: 'dice' }], { seeds: 2, folds: 1, firstSeed: 7 }) }));
    try {
      const a = await plain.run();
      const b = await replicas.run();
      const [r7, r8] = b.runs;
      expect(r7!.stepLosses).toEqual(a.runs[0]!.stepLosses);
      expect(r7!.test).toEqual(a.runs[0]!.test);
      expect(r8!.stepLosses).not.toEqual(a.runs[0]!.stepLosses);
      expect([r7!.seed, r8!.seed, r7!.replicateOf, r7!.fold]).toEqual([7, 8, 'dice', undefined]);
    } finally {
      plain.dispose();
      replicas.dispose();
    }
  });

  it('gives each fold its share of the development cases as validation, the rest for training, and the same test cases', async () => {
    const runs = replicateRuns([{ loss: 'dice' }], { seeds: 1, folds: 3, firstSeed: 7 });
    const before = tf.memory().numTensors;
    const ex = new Experiment(options({ runs }));
    const dev = [...split.train, ...split.validation].sort();
    const validations: string[] = [];
    for (const id of ex.runIds) {
      const s = ex.runSplit(id);
      expect([...s.train, ...s.validation].sort()).toEqual(dev);
      expect(s.test).toEqual(split.test);
      expect(s.validation).toHaveLength(2);
      validations.push(...s.validation);
    }
    expect(validations.sort()).toEqual(dev);
    const snap = await ex.run();
    for (const [i, r] of snap.runs.entries()) {
      expect(r).toMatchObject({ replicateOf: 'dice', seed: 7, fold: i + 1, folds: 3, status: 'done' });
      // syntheticCases are single images: one sample per case.
      expect(r.samples).toEqual({ train: 4, validation: 2 });
      expect(r.test!.map((c) => c.id)).toEqual(split.test);
      expect(r.epochs[0]!.valDsc).toHaveLength(1);
    }
    // The folds differ only in their data: their training losses differ.
    expect(snap.runs[0]!.stepLosses).not.toEqual(snap.runs[1]!.stepLosses);
    ex.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps fold runs on volumes, by case: every slice of a case in one fold', async () => {
    const flat = syntheticCases(12, 5, 32);
    const vols = [0, 1, 2, 3].map((k) => stackCases(`vol${k}`, flat.slice(3 * k, 3 * k + 3)));
    const vsplit: DatasetSplit = { train: vols.slice(0, 2).map((c) => c.id), validation: [vols[2]!.id], test: [vols[3]!.id] };
    const ex = new Experiment(options({ cases: vols, split: vsplit, runs: replicateRuns([{ loss: 'dice' }], { seeds: 1, folds: 3, firstSeed: 7 }), config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1, seed: 7 } }));
    try {
      const snap = await ex.run();
      for (const r of snap.runs) expect(r.samples).toEqual({ train: 6, validation: 3 });
    } finally {
      ex.dispose();
    }
  });

  it('resumes fold runs from a checkpoint to the same end, and refuses a checkpoint of other folds', async () => {
    const runs = replicateRuns([{ loss: 'dice' }], { seeds: 2, folds: 2, firstSeed: 7 });
    const whole = new Experiment(options({ runs }));
    const ref = await whole.run();
    whole.dispose();
    let kept: Awaited<ReturnType<Experiment['checkpoint']>> | null = null;
    let n = 0;
    const first = new Experiment(options({
      runs,
      onEpochCheckpoint: (cp) => {
        if (++n === 3) {
          kept = cp;
          first.stop();
        }
      },
    }));
    await first.run();
    first.dispose();
    expect(kept).not.toBeNull();
    const resumed = await Experiment.resume(options({ runs }), kept!);
    const end = await resumed.run();
    resumed.dispose();
    expect(end.runs.map((r) => [r.id, r.stepLosses, r.test])).toEqual(ref.runs.map((r) => [r.id, r.stepLosses, r.test]));
    const other = replicateRuns([{ loss: 'dice' }], { seeds: 2, folds: 2, firstSeed: 7 }).map((r) => ({ ...r, fold: r.fold === 1 ? 2 : 1 }));
    await expect(Experiment.resume(options({ runs: other }), kept!)).rejects.toThrow(/fold/);
  });

  it('refuses a fold without its count and a fold out of range', () => {
    expect(() => new Experiment(options({ runs: [{ loss: 'dice', fold: 1 }] }))).toThrow(/fold and folds go together/);
    expect(() => new Experiment(options({ runs: [{ loss: 'dice', fold: 3, folds: 2 }] }))).toThrow(/fold must be 1 … folds/);
    expect(() => new Experiment(options({ runs: [{ loss: 'dice', fold: 1, folds: 7 }] }))).toThrow(/7 folds need at least 7 development cases/);
  });

  it('writes replicate fields into experiment files and reads them back; a fold without folds is refused', async () => {
    const ex = new Experiment(options({ runs: replicateRuns([{ loss: 'dice' }], { seeds: 1, folds: 2, firstSeed: 7 }), config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1, seed: 7 } }));
    const snap = await ex.run();
    ex.dispose();
    const request = {
      id: 'e1', name: 'n', createdAt: new Date(0).toISOString(), runs: replicateRuns([{ loss: 'dice' }], { seeds: 1, folds: 2, firstSeed: 7 }),
      training: { seed: 7 }, model: { inputHeight: 32, inputWidth: 32, depth: 2, baseFilters: 4, seed: 7 }, scheduling: 'interleaved' as const, interleave: 'epoch' as const,
      split, dataset: { origin: 'demo' as const, description: 'd', numClasses: 2, channels: 1, caseIds: cases.map((c) => c.id) },
    };
    const file = { format: 'segmentation-studio-experiment' as const, version: 1 as const, record: { id: 'e1', request, status: 'finished' as const, updatedAt: new Date(0).toISOString(), snapshot: snap, savedWeights: [] }, weights: {} };
    const back = validateExperimentFile(JSON.parse(JSON.stringify(file)));
    expect(back.record.snapshot!.runs.map((r) => [r.id, r.fold, r.folds, r.seed])).toEqual([['dice:fold=1', 1, 2, 7], ['dice:fold=2', 2, 2, 7]]);
    const broken = structuredClone(file);
    delete (broken.record.snapshot!.runs[0] as { folds?: number }).folds;
    expect(() => validateExperimentFile(broken)).toThrow(/fold and folds go together/);
  });
});
