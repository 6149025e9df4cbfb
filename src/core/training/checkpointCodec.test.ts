import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../losses';
import { modelWeightNames, type TrainerCheckpoint } from './checkpoint';
import { decodeOptimizer, encodeOptimizer, optimizerSlotNames, trainerCheckpointProblems, type TrainerLayout } from './checkpointCodec';
import { trainingConfig, type TrainingConfig } from './config';
import { createOptimizer, disposeOptimizer } from './optimizer';
import { prepareSamples } from './samples';
import { syntheticCases } from './testing/fixtures';
import { tinyModel } from './testing/tinyModel';
import { Trainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const x = tf.tidy(() => tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 3));
const y = tf.tidy(() => tf.oneHot(tf.randomUniform([2, 8, 8], 0, 2, 'int32', 4), 2).toFloat());
const loss = createLoss('dice');

/** `n` optimizer steps of the model on one fixed batch. */
function steps(model: tf.LayersModel, optimizer: tf.Optimizer, n: number): void {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let i = 0; i < n; i++) tf.tidy(() => void optimizer.minimize(() => loss(y, model.apply(x) as tf.Tensor) as tf.Scalar, false, vars));
}

async function values(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => new Float32Array((await w.data()) as Float32Array)));
}

describe('optimizer state', () => {
  const cases: [string, Partial<TrainingConfig>, number][] = [
    ['SGD', {}, 0],
    ['Momentum', { momentum: 0.9 }, 6],
    ['Adam', { optimizer: 'adam', learningRate: 1e-2 }, 12],
  ];
  for (const [name, over, slotCount] of cases) {
    it(`${name}: encoded, decoded into a new optimizer and stepped on, it continues bit for bit`, async () => {
      const config = trainingConfig(over);
      const a = tinyModel({ size: 8, seed: 9 });
      const oa = createOptimizer(config);
      steps(a, oa, 3);
      const before = tf.memory().numTensors;
      const state = await encodeOptimizer(oa, a);
      expect(tf.memory().numTensors).toBe(before);
      expect(state.className).toBe(name);
      expect(state.iterations).toBe(3);
      expect(state.slots).toHaveLength(slotCount);
      expect(state.slots.map((s) => s.name)).toEqual(optimizerSlotNames(a, name, slotCount > 0));
      expect(state.accBeta === null).toBe(name !== 'Adam');

      // a second model with the same weights and the decoded optimizer
      const b = tinyModel({ size: 8, seed: 10 });
      b.setWeights(a.getWeights());
      const ob = await decodeOptimizer(config, structuredClone(state), config.learningRate);
      expect(await encodeOptimizer(ob, b)).toEqual(state);
      steps(a, oa, 2);
      steps(b, ob, 2);
      expect(await values(b)).toEqual(await values(a));
      disposeOptimizer(oa);
      disposeOptimizer(ob);
      a.dispose();
      b.dispose();
    });
  }

  it('names the slots after their weights, none before the first step', () => {
    const m = tinyModel({ size: 8 });
    const names = modelWeightNames(m);
    expect(optimizerSlotNames(m, 'Momentum', false)).toEqual([]);
    expect(optimizerSlotNames(m, 'Momentum', true)).toEqual(names.map((n) => `${n}/momentum`));
    expect(optimizerSlotNames(m, 'Adam', true)).toEqual([...names.map((n) => `${n}/m`), ...names.map((n) => `${n}/v`)]);
    expect(optimizerSlotNames(m, 'SGD', true)).toEqual([]);
    m.dispose();
  });

  it('a checkpoint with β powers for an optimizer without them is refused, and nothing is left allocated', async () => {
    const before = tf.memory().numTensors;
    await expect(decodeOptimizer(trainingConfig(), { className: 'SGD', iterations: 0, slots: [], accBeta: [0.9, 0.99] }, 0.1)).rejects.toThrow(/has no β powers/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainerCheckpointProblems', () => {
  const samples = prepareSamples(syntheticCases(4, 3, 16), { inputWidth: 16, inputHeight: 16 });

  async function checkpointOf(config: Partial<TrainingConfig>): Promise<{ cp: TrainerCheckpoint; layout: TrainerLayout; t: Trainer }> {
    const t = new Trainer(tinyModel({ size: 16 }), loss, { train: samples, validation: [] }, trainingConfig({ augmentation: null, stepsPerEpoch: 2, ...config }));
    await t.epoch();
    const layout: TrainerLayout = { config: t.config, trainSamples: samples.length, stepsPerEpoch: t.stepsPerEpoch, model: t.model, optimizer: config.optimizer === 'adam' ? 'Adam' : 'SGD' };
    return { cp: await t.checkpoint(), layout, t };
  }

  it('finds nothing wrong with a trainer’s own checkpoint, and names each thing that does not fit', async () => {
    const { cp, layout, t } = await checkpointOf({});
    expect(trainerCheckpointProblems(cp, layout)).toEqual([]);
    expect(trainerCheckpointProblems(cp, { ...layout, config: trainingConfig({ ...layout.config, batchSize: 4 }) })).toEqual(['training config batchSize: checkpoint 2, now 4']);
    expect(trainerCheckpointProblems(cp, { ...layout, trainSamples: 9 })).toEqual(['4 training samples in the checkpoint, 9 now']);
    expect(trainerCheckpointProblems({ ...cp, globalStep: 3 }, layout)).toEqual(['global step 3 does not match epoch 1, step 0 at 2 steps per epoch']);
    expect(trainerCheckpointProblems({ ...cp, stepInEpoch: 5 }, layout)[0]).toMatch(/^bad counters/);
    expect(trainerCheckpointProblems({ ...cp, lr: -1, ended: 'later' as unknown as null }, layout)).toEqual(['bad learning rate -1', 'bad end reason later']);
    expect(trainerCheckpointProblems(cp, { ...layout, optimizer: 'Adam' })).toEqual(["the checkpoint's optimizer is SGD, this trainer's Adam"]);
    expect(trainerCheckpointProblems({ ...cp, plateau: null as unknown as TrainerCheckpoint['plateau'] }, layout)).toEqual(['the plateau state is missing']);
    expect(trainerCheckpointProblems({ ...cp, weights: cp.weights.slice(1) }, layout)).toEqual(['weights: the checkpoint has 5, the model 6']);
    expect(trainerCheckpointProblems({ ...cp, version: 7 } as unknown as TrainerCheckpoint, layout)).toEqual(['checkpoint version 7 (this code reads version 1)']);
    t.dispose({ model: true });
  });

  it('checks the shapes of Adam’s moments against the weights they belong to', async () => {
    const { cp, layout, t } = await checkpointOf({ optimizer: 'adam', learningRate: 1e-3 });
    expect(trainerCheckpointProblems(cp, layout)).toEqual([]);
    const slots = cp.optimizer.slots.map((s, i) => (i === 0 ? { ...s, shape: [1, 1, 1, 1], data: new Float32Array(1) } : s));
    expect(trainerCheckpointProblems({ ...cp, optimizer: { ...cp.optimizer, slots } }, layout)).toEqual([
      `Adam slots 0 (${cp.optimizer.slots[0]!.name}) has shape [1, 1, 1, 1] in the checkpoint, [${cp.optimizer.slots[0]!.shape.join(', ')}] in the model`,
    ]);
    t.dispose({ model: true });
  });
});
