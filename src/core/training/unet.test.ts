import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../losses';
import { buildUNet, type UNetConfig } from '../model';
import { trainingConfig } from './config';
import { Experiment } from './experiment';
import { prepareSamples } from './samples';
import { Trainer } from './trainer';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { syntheticCases } from './testing/fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

const UNET: UNetConfig = { inputHeight: 32, inputWidth: 32, inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, seed: 7 };

describe('training the project U-Net (core/model)', () => {
  it('trains with flat tensor counts and lowers the training loss', async () => {
    const cases = syntheticCases(6, 3, 32);
    const train = prepareSamples(cases.slice(0, 4), { inputWidth: 32, inputHeight: 32, depth: UNET.depth });
    const validation = prepareSamples(cases.slice(4), { inputWidth: 32, inputHeight: 32, depth: UNET.depth });
    const before = tf.memory().numTensors;
    const t = new Trainer(buildUNet(UNET), createLoss('asymmetricUnifiedFocal', {}), { train, validation }, trainingConfig({ stepsPerEpoch: 2, lossReadEvery: 1 }));
    const first = await t.epoch();
    const counts: number[] = [];
    for (let e = 0; e < 4; e++) {
      await t.epoch();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    const last = await t.epoch();
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(last.valDsc).toHaveLength(1);
    t.dispose({ model: true });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('starts every run of an experiment from the same U-Net weights', async () => {
    const cases = syntheticCases(5, 4, 32);
    let seed = UNET.seed;
    const ex = new Experiment({
      createModel: () => buildUNet({ ...UNET, seed: seed++ }),
      runs: [{ loss: 'dice' }, { loss: 'symmetricUnifiedFocal' }],
      cases,
      split: { train: cases.slice(0, 3).map((c) => c.id), validation: [cases[3]!.id], test: [cases[4]!.id] },
      config: { stepsPerEpoch: 1, maxEpochs: 1 },
    });
    const weights = await Promise.all(ex.runIds.map((id) => Promise.all(ex.trainer(id).model.getWeights().map((w) => w.data()))));
    expect(weights[1]).toEqual(weights[0]);
    const snap = await ex.run();
    expect(snap.runs.map((r) => [r.status, r.stopReason, r.test?.length])).toEqual([
      ['done', 'maxEpochs', 1],
      ['done', 'maxEpochs', 1],
    ]);
    ex.dispose();
  });
});
