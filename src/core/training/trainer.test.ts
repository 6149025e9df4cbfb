import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../losses';
import { argmaxLabels } from '../metrics';
import { trainingConfig, type TrainingConfig } from './config';
import { prepareSamples, type PreparedSample } from './samples';
import { createOptimizer, sampleOrder, setLearningRate, Trainer, type EpochSummary } from './trainer';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { syntheticCases } from './testing/fixtures';
import { tinyModel } from './testing/tinyModel';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

const cases = syntheticCases(12, 3, 32);
const train = prepareSamples(cases.slice(0, 8), { inputWidth: 32, inputHeight: 32 });
const validation = prepareSamples(cases.slice(8), { inputWidth: 32, inputHeight: 32 });

function trainer(config: Partial<TrainingConfig> = {}, filters = 4, data = { train, validation }): Trainer {
  return new Trainer(tinyModel({ filters }), createLoss('asymmetricUnifiedFocal', {}), data, trainingConfig({ augmentation: null, ...config }));
}

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

describe('Trainer: learning', () => {
  /**
   * The paper's protocol (SGD, learning rate 0.1, batch 2, its augmentation) with the asymmetric
   * unified focal loss, on 8 training and 4 validation images of 32×32 with 5 % vessel
   * foreground, a 3-layer convolutional net of 8 filters: validation DSC ≥ 0.80 after 48 steps
   * (12 epochs of 4 steps; 0.86 measured), the same losses bit for bit on a second run.
   */
  it('reaches validation DSC ≥ 0.8 within 48 steps, identically twice with the same seed', async () => {
    const runOnce = async () => {
      const t = new Trainer(tinyModel({ filters: 8 }), createLoss('asymmetricUnifiedFocal', {}), { train, validation }, trainingConfig({ lossReadEvery: 1, seed: 11 }));
      const losses: number[] = [];
      const epochs: EpochSummary[] = [];
      for (let e = 0; e < 12; e++) epochs.push(await t.epoch((_, loss) => losses.push(loss!)));
      expect(t.globalStep).toBe(48);
      t.dispose({ model: true });
      return { losses, epochs };
    };
    const a = await runOnce();
    const b = await runOnce();
    const last = a.epochs.at(-1)!;
    expect(last.valDsc[0]).toBeGreaterThanOrEqual(0.8);
    expect(last.valLoss).toBeLessThan(a.epochs[0]!.valLoss);
    expect(a.losses).toHaveLength(48);
    expect(b.losses).toEqual(a.losses); // Object.is per element: bitwise equal
    expect(b.epochs).toEqual(a.epochs);
  });
});

describe('Trainer: protocol', () => {
  it('returns the loss as a scalar every lossReadEvery steps only, and enforces the epoch boundary', async () => {
    const t = trainer({ lossReadEvery: 3, stepsPerEpoch: 4 });
    expect(t.step()).toBeNull();
    expect(t.step()).toBeNull();
    const s = t.step();
    expect(s).not.toBeNull();
    expect(s!.rank).toBe(0);
    const value = (await s!.data())[0]!;
    s!.dispose();
    expect(Number.isFinite(value)).toBe(true);
    expect(t.step()).toBeNull();
    expect(t.epochComplete).toBe(true);
    expect(() => t.step()).toThrow(/call endEpoch\(\) before the next step/);
    const e = await t.endEpoch();
    expect(e).toMatchObject({ epoch: 0, steps: 4, lr: 0.1, nextLr: 0.1, improved: true, stop: null });
    expect(e.valDsc).toHaveLength(1);
    await expect(t.endEpoch()).rejects.toThrow(/has no steps yet/);
    t.dispose({ model: true });
    expect(() => t.step()).toThrow(/disposed/);
  });

  it('keeps the tensor count flat across steps and epochs, and frees everything on dispose', async () => {
    for (const config of [{ optimizer: 'sgd' as const }, { optimizer: 'sgd' as const, momentum: 0.9 }, { optimizer: 'adam' as const, learningRate: 1e-3 }]) {
      const baseline = tf.memory().numTensors;
      const t = trainer({ ...config, stepsPerEpoch: 20, lossReadEvery: 5, augmentation: trainingConfig().augmentation });
      const counts: number[] = [];
      for (let i = 0; i < 20; i++) {
        const loss = t.step();
        if (loss) {
          await loss.data();
          loss.dispose();
        }
        counts.push(tf.memory().numTensors);
      }
      expect(counts[19]).toBe(counts[0]);
      await t.endEpoch(); // creates the best checkpoint
      const afterFirstEpoch = tf.memory().numTensors;
      await t.epoch(); // may replace the best checkpoint: still the same count
      expect(tf.memory().numTensors).toBe(afterFirstEpoch);
      t.dispose({ model: true });
      expect(tf.memory().numTensors).toBe(baseline);
    }
  });

  it('restores the weights of the best epoch', async () => {
    const t = trainer({ stepsPerEpoch: 2 });
    const saved: Float32Array[][] = [];
    for (let e = 0; e < 2; e++) {
      await t.epoch();
      saved.push(await weightsOf(t.model));
    }
    const best = t.bestEpoch;
    expect(best).toBeGreaterThanOrEqual(0);
    // ruin the weights: the next epoch's validation loss is far worse
    t.model.setWeights(t.model.getWeights().map((w, i) => tf.fill(w.shape, i % 2 === 0 ? 3 : -3)));
    const bad = await t.epoch();
    expect(bad.improved).toBe(false);
    expect(t.bestEpoch).toBe(best);
    expect(t.restoreBest()).toBe(true);
    expect(await weightsOf(t.model)).toEqual(saved[best]);
    const again = await t.evaluate(validation);
    expect(again.loss).toBeCloseTo(t.bestValLoss, 5);
    t.dispose({ model: true });
  });

  it('reduces the learning rate on a plateau and stops early (configured to trigger at once)', async () => {
    // A huge minDelta makes every epoch after the first one "without improvement".
    const t = trainer({ stepsPerEpoch: 1, lrPlateauPatience: 1, lrPlateauMinDelta: 1e9, earlyStopPatience: 2, earlyStopMinDelta: 1e9 });
    const e0 = await t.epoch();
    expect(e0).toMatchObject({ lr: 0.1, nextLr: 0.1, stop: null });
    const e1 = await t.epoch();
    expect(e1.lr).toBe(0.1);
    expect(e1.nextLr).toBeCloseTo(0.01, 12);
    expect(t.learningRate).toBeCloseTo(0.01, 12);
    const e2 = await t.epoch();
    expect(e2.stop).toBe('earlyStop');
    expect(t.stopReason).toBe('earlyStop');
    expect(() => t.step()).toThrow(/training has ended \(earlyStop\)/);
    t.dispose({ model: true });
  });

  it('ends at maxEpochs', async () => {
    const t = trainer({ stepsPerEpoch: 1, maxEpochs: 2 });
    expect((await t.epoch()).stop).toBeNull();
    expect((await t.epoch()).stop).toBe('maxEpochs');
    expect(t.done).toBe(true);
    t.dispose({ model: true });
  });

  it('ends when its step budget is spent, in the middle of an epoch, validating that shorter epoch; a checkpoint then still fits', async () => {
    const t = trainer({ stepsPerEpoch: 3, maxEpochs: 10, maxSteps: 7, lossReadEvery: 1 });
    const epochs: EpochSummary[] = [];
    while (!t.done) epochs.push(await t.epoch());
    expect(epochs.map((e) => [e.steps, e.stop])).toEqual([
      [3, null],
      [3, null],
      [1, 'maxSteps'],
    ]);
    expect(t.globalStep).toBe(7);
    expect(epochs[2]!.valDsc).toHaveLength(1);
    expect(() => t.step()).toThrow(/training has ended \(maxSteps\)/);
    const cp = await t.checkpoint();
    expect([cp.epochIndex, cp.stepInEpoch, cp.globalStep, cp.ended]).toEqual([3, 0, 7, 'maxSteps']);
    const again = trainer({ stepsPerEpoch: 3, maxEpochs: 10, maxSteps: 7, lossReadEvery: 1 });
    await again.restore(cp);
    expect(again.done).toBe(true);
    await expect(again.restore({ ...cp, globalStep: 8 })).rejects.toThrow(/global step 8 does not match epoch 3, step 0 at 3 steps per epoch/);
    again.dispose({ model: true });
    t.dispose({ model: true });
  });

  it('keeps the checkpoint of the highest validation DSC when told to, and of the lowest validation loss by default', async () => {
    for (const metric of ['valLoss', 'valDsc'] as const) {
      const t = trainer({ stepsPerEpoch: 2, maxEpochs: 6, checkpointMetric: metric, learningRate: 0.3 });
      const epochs: EpochSummary[] = [];
      while (!t.done) epochs.push(await t.epoch());
      const scores = epochs.map((e) => (metric === 'valLoss' ? e.valLoss : -e.valDsc[0]!));
      const best = scores.indexOf(Math.min(...scores));
      expect(t.bestEpoch).toBe(best);
      expect(epochs.map((e) => e.improved)).toEqual(scores.map((x, i) => x < Math.min(Infinity, ...scores.slice(0, i))));
      if (metric === 'valDsc') expect(t.bestValLoss).toBeCloseTo(1 - epochs[best]!.valDsc[0]!, 12);
      t.dispose({ model: true });
    }
  });

  it('follows the training loss when there is no validation set', async () => {
    const t = trainer({ stepsPerEpoch: 1 }, 4, { train, validation: [] });
    const e = await t.epoch();
    expect(Number.isNaN(e.valLoss)).toBe(true);
    expect(e.valDsc).toEqual([]);
    expect(e.improved).toBe(true);
    expect(t.bestValLoss).toBe(e.trainLoss);
    t.dispose({ model: true });
  });

  it('sets the learning rate of SGD, momentum and Adam', () => {
    for (const name of ['sgd', 'adam'] as const) {
      for (const momentum of [0, 0.9]) {
        const o = createOptimizer(trainingConfig({ optimizer: name, momentum }));
        setLearningRate(o, 0.0123);
        expect(o.getConfig().learningRate).toBe(0.0123);
        o.dispose();
      }
    }
  });
});

describe('sampleOrder', () => {
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  const all = (n: number) => Array.from({ length: n }, (_, k) => k);

  it('epochs shorter than one pass walk through one shuffle: every sample once in each pass', () => {
    const walk = Array.from({ length: 10 }, (_, e) => sampleOrder(7, e, 10, 4)).flat();
    for (let pass = 0; pass < 4; pass++) expect(sorted(walk.slice(pass * 10, pass * 10 + 10))).toEqual(all(10));
    // the same epoch is drawn again the same way (a resumed run), and passes differ
    expect(sampleOrder(7, 3, 10, 4)).toEqual(walk.slice(12, 16));
    expect(walk.slice(0, 10)).not.toEqual(walk.slice(10, 20));
  });

  it('epochs of one pass or more are fresh permutations, continued when longer', () => {
    const e0 = sampleOrder(7, 0, 5, 5);
    const e1 = sampleOrder(7, 1, 5, 5);
    expect(sorted(e0)).toEqual(all(5));
    expect(sorted(e1)).toEqual(all(5));
    expect(e1).not.toEqual(e0);
    const long = sampleOrder(7, 0, 5, 12);
    expect(long.slice(0, 5)).toEqual(e0);
    expect(sorted(long.slice(5, 10))).toEqual(all(5));
    expect(long).toHaveLength(12);
  });
});

describe('Trainer: inference', () => {
  it('predicts input-sized, smaller and larger images (sliding window) with probabilities that sum to 1', async () => {
    const t = trainer({ stepsPerEpoch: 2 });
    await t.epoch();
    const s = validation[0]!;
    const direct = await t.predict(s, { probabilities: true });
    const expected = tf.tidy(() => t.model.predict(tf.tensor4d(s.image, [1, 32, 32, 1])) as tf.Tensor);
    expect(direct.probabilities).toEqual(await expected.data());
    expected.dispose();
    expect(direct.labels).toEqual(argmaxLabels(direct.probabilities!, 2));

    const before = tf.memory().numTensors;
    for (const size of [[48, 40], [20, 24], [70, 33]] as const) {
      const [w, h] = size;
      const [big] = prepareSamples(syntheticCases(1, 9, Math.max(w, h)).map((c) => ({ ...c, image: { ...c.image } })), {
        inputWidth: Math.max(w, h),
        inputHeight: Math.max(w, h),
      });
      const img = { width: w, height: h, channels: 1, image: big!.image.slice(0, w * h), labels: big!.labels.slice(0, w * h) };
      const p = await t.predict(img, { probabilities: true });
      expect(p.labels).toHaveLength(w * h);
      expect(p.probabilities).toHaveLength(w * h * 2);
      for (let i = 0; i < w * h; i++) expect(p.probabilities![2 * i]! + p.probabilities![2 * i + 1]!).toBeCloseTo(1, 5);
      expect(p.labels).toEqual(argmaxLabels(p.probabilities!, 2));
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(t.predict({ ...s, channels: 2, image: new Float32Array(2048) })).rejects.toThrow(/2 channels; the model takes 1/);
    t.dispose({ model: true });
  });

  it("evaluates native-size samples ('patch' fit) through the sliding window", async () => {
    const big: PreparedSample[] = prepareSamples(syntheticCases(3, 4, 48), { inputWidth: 32, inputHeight: 32, fit: 'patch' });
    const t = trainer({ stepsPerEpoch: 2 }, 4, { train: big.slice(0, 2), validation: big.slice(2) });
    const e = await t.epoch();
    expect(Number.isFinite(e.valLoss)).toBe(true);
    expect(e.valDsc[0]).toBeGreaterThanOrEqual(0);
    t.dispose({ model: true });
  });
});
