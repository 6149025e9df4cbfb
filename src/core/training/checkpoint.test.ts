import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../data/split';
import { createLoss } from '../losses';
import { CheckpointMismatchError, differences, modelWeightNames, type TrainerCheckpoint } from './checkpoint';
import { trainingConfig, type TrainingConfig } from './config';
import { Experiment, type ExperimentCheckpoint, type ExperimentEvent, type ExperimentOptions } from './experiment';
import { prepareSamples } from './samples';
import { Trainer, type EpochSummary } from './trainer';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { syntheticCases } from './testing/fixtures';
import { tinyModel } from './testing/tinyModel';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

const clone = <T>(x: T): T => globalThis.structuredClone(x);

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => new Float32Array((await w.data()) as Float32Array)));
}

describe('Trainer checkpoints', () => {
  const cases = syntheticCases(8, 3, 32);
  const train = prepareSamples(cases.slice(0, 5), { inputWidth: 32, inputHeight: 32 });
  const validation = prepareSamples(cases.slice(5), { inputWidth: 32, inputHeight: 32 });
  let fresh = 0;
  /** Seed 1 by default; restored trainers get another initialisation, which restore must replace. */
  const make = (config: Partial<TrainingConfig>, filters = 4, seed = 1) =>
    new Trainer(tinyModel({ filters, seed }), createLoss('asymmetricUnifiedFocal', {}), { train, validation }, trainingConfig({ lossReadEvery: 1, ...config }));

  /** Steps of epochs and single steps, recording every loss and epoch summary. */
  async function drive(t: Trainer, steps: number, log: { losses: number[]; epochs: EpochSummary[] }): Promise<void> {
    for (let i = 0; i < steps && !t.done; i++) {
      const loss = t.step();
      if (loss) {
        log.losses.push((await loss.data())[0]!);
        loss.dispose();
      }
      if (t.epochComplete) log.epochs.push(await t.endEpoch());
    }
  }

  const protocols: [string, Partial<TrainingConfig>][] = [
    // the paper's augmentation, a plateau at once (lr × 0.1 every epoch) and early stopping
    ['SGD', { stepsPerEpoch: 3, maxEpochs: 6, augmentation: trainingConfig().augmentation, lrPlateauPatience: 1, lrPlateauMinDelta: 1e9, earlyStopPatience: 3, earlyStopMinDelta: 1e9 }],
    ['momentum', { stepsPerEpoch: 3, maxEpochs: 4, augmentation: null, momentum: 0.9, lrPlateauPatience: 1, lrPlateauMinDelta: 1e9 }],
    ['Adam', { stepsPerEpoch: 3, maxEpochs: 4, augmentation: null, optimizer: 'adam', learningRate: 1e-3, lrPlateauPatience: 2, lrPlateauMinDelta: 1e9 }],
  ];

  for (const [name, config] of protocols) {
    for (const at of [3, 7]) {
      it(`${name}: restoring after ${at} steps (${at % 3 === 0 ? 'an epoch boundary' : 'inside an epoch'}) continues bit for bit`, async () => {
        const baseline = tf.memory().numTensors;
        const full = { losses: [] as number[], epochs: [] as EpochSummary[] };
        const a = make(config);
        await drive(a, 100, full);
        const finalA = await a.checkpoint();
        a.dispose({ model: true });

        const part = { losses: [] as number[], epochs: [] as EpochSummary[] };
        const b = make(config);
        await drive(b, at, part);
        const cp = clone(await b.checkpoint());
        b.dispose({ model: true });
        expect(cp.stepInEpoch).toBe(at % 3);
        expect(cp.globalStep).toBe(at);
        expect(cp.optimizer.className).toBe({ SGD: 'SGD', momentum: 'Momentum', Adam: 'Adam' }[name]);
        expect(cp.optimizer.slots).toHaveLength({ SGD: 0, momentum: 6, Adam: 12 }[name]!);

        const c = make(config, 4, 50 + fresh++);
        await c.restore(cp);
        expect([c.currentEpoch, c.stepInEpoch, c.globalStep, c.learningRate]).toEqual([cp.epochIndex, cp.stepInEpoch, cp.globalStep, cp.lr]);
        await drive(c, 100, part);
        const finalC = await c.checkpoint();
        expect(part.losses).toEqual(full.losses); // Object.is per element: bitwise
        expect(part.epochs).toEqual(full.epochs);
        expect(finalC).toEqual(finalA); // weights, best weights, optimizer slots, schedules
        c.dispose({ model: true });
        expect(tf.memory().numTensors).toBe(baseline);
      });
    }
  }

  it('the SGD protocol above reduced the learning rate and stopped early', async () => {
    const t = make(protocols[0]![1]);
    const log = { losses: [] as number[], epochs: [] as EpochSummary[] };
    await drive(t, 100, log);
    expect(t.stopReason).toBe('earlyStop');
    expect(log.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
    const cp = await t.checkpoint();
    expect(cp.ended).toBe('earlyStop');
    expect(cp.bestWeights).not.toBeNull();
    t.dispose({ model: true });
  });

  it('is plain structured-cloneable data with position-based weight names', async () => {
    const t = make({ stepsPerEpoch: 1, optimizer: 'adam', learningRate: 1e-3 });
    await t.epoch();
    const cp = await t.checkpoint();
    expect(clone(cp)).toEqual(cp);
    expect(cp.weights.map((w) => w.name)).toEqual(['1:Conv2D/kernel', '1:Conv2D/bias', '2:Conv2D/kernel', '2:Conv2D/bias', '3:Conv2D/kernel', '3:Conv2D/bias']);
    expect(modelWeightNames(t.model)).toEqual(cp.weights.map((w) => w.name));
    expect(cp.weights[0]).toMatchObject({ shape: [3, 3, 1, 4] });
    expect(cp.weights[0]!.data).toBeInstanceOf(Float32Array);
    expect(cp.optimizer.slots.map((s) => s.name).slice(0, 2)).toEqual(['1:Conv2D/kernel/m', '1:Conv2D/bias/m']);
    expect(cp.optimizer.iterations).toBe(1);
    expect(cp.optimizer.accBeta![0]).toBe(Math.fround(Math.fround(0.9) * Math.fround(0.9)));
    // the arrays are copies: changing them changes nothing in the trainer
    cp.weights[0]!.data.fill(7);
    expect((await weightsOf(t.model))[0]![0]).not.toBe(7);
    t.dispose({ model: true });
  });

  it('rejects checkpoints of another architecture, configuration, optimizer or data, and changes nothing', async () => {
    const t = make({ stepsPerEpoch: 1 });
    await t.epoch();
    const cp = await t.checkpoint();
    const before = tf.memory().numTensors;

    const wide = make({ stepsPerEpoch: 1 }, 8);
    await expect(wide.restore(cp)).rejects.toThrow(CheckpointMismatchError);
    await expect(wide.restore(cp)).rejects.toThrow(/weights 0 \(1:Conv2D\/kernel\) has shape \[3, 3, 1, 4\] in the checkpoint, \[3, 3, 1, 8\] in the model/);
    wide.dispose({ model: true });

    const other = make({ stepsPerEpoch: 1, learningRate: 0.01 });
    const w = await weightsOf(other.model);
    await expect(other.restore(cp)).rejects.toThrow(/training config learningRate: checkpoint 0\.1, now 0\.01/);
    expect(await weightsOf(other.model)).toEqual(w);
    expect([other.globalStep, other.hasBest]).toEqual([0, false]);
    other.dispose({ model: true });

    const adam = make({ stepsPerEpoch: 1, optimizer: 'adam' });
    await expect(adam.restore(cp)).rejects.toThrow(/training config optimizer: checkpoint "sgd", now "adam"/);
    adam.dispose({ model: true });

    const fewer = new Trainer(tinyModel({ filters: 4 }), createLoss('dice', {}), { train: train.slice(1), validation }, trainingConfig({ lossReadEvery: 1, stepsPerEpoch: 1 }));
    await expect(fewer.restore(cp)).rejects.toThrow(/5 training samples in the checkpoint, 4 now/);
    fewer.dispose({ model: true });

    const same = make({ stepsPerEpoch: 1 });
    const bad: TrainerCheckpoint = { ...cp, globalStep: 5 };
    await expect(same.restore(bad)).rejects.toThrow(/global step 5 does not match epoch 1, step 0/);
    await expect(same.restore({ ...cp, version: 2 } as unknown as TrainerCheckpoint)).rejects.toThrow(/checkpoint version 2/);
    same.dispose({ model: true });
    expect(tf.memory().numTensors).toBe(before);
    t.dispose({ model: true });
  });

  it('refuses to change the state while a checkpoint is being read', async () => {
    const t = make({ stepsPerEpoch: 2 });
    const pending = t.checkpoint();
    expect(() => t.step()).toThrow(/while a checkpoint is being taken/);
    expect(() => t.restoreBest()).toThrow(/while a checkpoint is being taken/);
    const cp = await pending;
    t.step()?.dispose();
    const ending = t.step();
    ending?.dispose();
    const end = t.endEpoch();
    await expect(t.checkpoint()).rejects.toThrow(/while endEpoch\(\) is in progress/);
    await end;
    await t.restore(cp);
    expect(t.globalStep).toBe(0);
    t.dispose({ model: true });
  });
});

describe('differences', () => {
  it('lists the paths where plain values differ', () => {
    expect(differences({ a: 1, b: { c: [1, 2] }, d: NaN }, { a: 1, b: { c: [1, 3] }, d: NaN })).toEqual(['b.c[1]: checkpoint 2, now 3']);
    expect(differences({ a: null }, { a: { x: 1 } })).toEqual(['a: checkpoint null, now {"x":1}']);
    expect(differences([1], [1, 2], 'ids')).toEqual(['ids: checkpoint [1], now [1,2]']);
  });
});

describe('Experiment checkpoints', () => {
  const cases = syntheticCases(8, 5, 32);
  const split: DatasetSplit = {
    train: cases.slice(0, 4).map((c) => c.id),
    validation: cases.slice(4, 6).map((c) => c.id),
    test: cases.slice(6).map((c) => c.id),
  };
  let fresh = 0;
  /** The first model of every experiment has seed 300 unless `reseed` (then a new seed for each model built, which restore must replace). */
  function options(over: Partial<ExperimentOptions> = {}, reseed = false): ExperimentOptions {
    let first = true;
    return {
      createModel: () => {
        const seed = reseed ? 400 + fresh++ : first ? 300 : 301 + fresh++;
        first = false;
        return tinyModel({ filters: 4, seed });
      },
      runs: [{ loss: 'dice' }, { loss: 'asymmetricUnifiedFocal' }],
      cases,
      split,
      config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 3, lossReadEvery: 1 },
      ...over,
    };
  }

  async function finalState(ex: Experiment) {
    return Promise.all(ex.runIds.map(async (id) => ({ weights: await weightsOf(ex.trainer(id).model), checkpoint: await ex.trainer(id).checkpoint() })));
  }

  const variants: [string, Partial<ExperimentOptions>, number][] = [
    ['SGD, interleaved epochs', { config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 3, lossReadEvery: 1, lrPlateauPatience: 1, lrPlateauMinDelta: 1e9 } }, 3],
    ['Adam, interleaved epochs', { config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 3, lossReadEvery: 1, optimizer: 'adam', learningRate: 1e-3 } }, 2],
    ['momentum, interleaved steps', { interleave: 'step', config: { augmentation: null, stepsPerEpoch: 3, maxEpochs: 2, lossReadEvery: 2, momentum: 0.9 } }, 1],
    ['Adam, sequential', { scheduling: 'sequential', config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 2, lossReadEvery: 1, optimizer: 'adam', learningRate: 1e-3 } }, 3],
  ];

  for (const [name, over, k] of variants) {
    it(`${name}: interrupted after ${k} epoch checkpoints and resumed, it ends bit for bit as the uninterrupted run`, async () => {
      const baseline = tf.memory().numTensors;
      // uninterrupted
      const fullEvents: ExperimentEvent[] = [];
      const marks: number[] = [];
      const a = new Experiment(
        options({
          ...over,
          onEvent: (e) => fullEvents.push(e),
          onEpochCheckpoint: () => {
            marks.push(fullEvents.length);
          },
        }),
      );
      const fullSnapshot = await a.run();
      const fullState = await finalState(a);
      a.dispose();

      // interrupted after k checkpoints: keep the k-th, stop, throw everything away
      let kept: ExperimentCheckpoint | null = null;
      let count = 0;
      const b = new Experiment(
        options({
          ...over,
          onEpochCheckpoint: async (cp) => {
            await Promise.resolve(); // a caller that stores asynchronously
            if (++count === k) {
              kept = clone(cp);
              b.stop();
            }
          },
        }),
      );
      await b.run();
      b.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
      const cp = kept as ExperimentCheckpoint | null;
      if (!cp) throw new Error('no checkpoint');
      expect(cp.snapshot.stopped).toBe(false);

      // resumed
      const events: ExperimentEvent[] = [];
      const c = await Experiment.resume(options({ ...over, onEvent: (e) => events.push(e) }, true), cp);
      expect(c.snapshot()).toEqual(cp.snapshot);
      const snapshot = await c.run();
      expect(events).toEqual(fullEvents.slice(marks[k - 1]));
      expect(snapshot).toEqual(fullSnapshot);
      expect(await finalState(c)).toEqual(fullState);
      c.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
    });
  }

  it('hands out a checkpoint after every epoch, reusing the trainer checkpoints of runs that did not change', async () => {
    const cps: ExperimentCheckpoint[] = [];
    const epochs: string[] = [];
    const ex = new Experiment(
      options({
        test: false,
        onEvent: (e) => {
          if (e.type === 'epoch') epochs.push(`${e.run}:${e.epoch}`);
        },
        onEpochCheckpoint: (cp) => {
          // taken right after the epoch: its history ends with it
          const last = cp.snapshot.runs.flatMap((r) => r.epochs.map((x) => `${r.id}:${x.epoch}`));
          expect(last).toContain(epochs.at(-1));
          cps.push(cp);
        },
      }),
    );
    await ex.run();
    expect(cps).toHaveLength(6);
    expect(cps.map((c) => c.next)).toEqual(['asymmetricUnifiedFocal', 'dice', 'asymmetricUnifiedFocal', 'dice', 'asymmetricUnifiedFocal', null]);
    expect(cps[1]!.runs.dice).toBe(cps[0]!.runs.dice);
    expect(cps[1]!.runs.asymmetricUnifiedFocal).not.toBe(cps[0]!.runs.asymmetricUnifiedFocal);
    expect(cps.map((c) => [c.runs.dice!.epochIndex, c.runs.asymmetricUnifiedFocal!.epochIndex])).toEqual([
      [1, 0],
      [1, 1],
      [2, 1],
      [2, 2],
      [3, 2],
      [3, 3],
    ]);
    expect(cps.every((c) => Object.values(c.runs).every((r) => r.stepInEpoch === 0))).toBe(true);
    ex.dispose();
  });

  it('resuming a finished experiment trains and tests nothing more', async () => {
    const baseline = tf.memory().numTensors;
    const a = new Experiment(options());
    const snap = await a.run();
    const cp = clone(await a.checkpoint());
    const state = await finalState(a);
    a.dispose();
    expect(cp.next).toBeNull();
    const events: ExperimentEvent[] = [];
    let hooks = 0;
    const b = await Experiment.resume(options({ onEvent: (e) => events.push(e), onEpochCheckpoint: () => void hooks++ }, true), cp);
    expect(await b.run()).toEqual(snap);
    expect(events).toEqual([]);
    expect(hooks).toBe(0);
    expect(await finalState(b)).toEqual(state);
    // the best weights are back for predictions
    const p = await b.predict('dice', b.test[0]!);
    expect(p.labels).toHaveLength(1024);
    b.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('checkpoint() rejects while run() is training; before and after it works', async () => {
    let during: Promise<string> = Promise.resolve('not called');
    const ex = new Experiment(
      options({
        test: false,
        config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1 },
        onEvent: (e) => {
          if (e.type === 'epoch') during = ex.checkpoint().then(() => 'resolved', (err: Error) => err.message);
        },
      }),
    );
    const before = await ex.checkpoint();
    expect(Object.values(before.runs).map((r) => r.globalStep)).toEqual([0, 0]);
    expect(before.next).toBe('dice');
    await ex.run();
    expect(await during).toMatch(/checkpoint\(\) while run\(\) is training: use the onEpochCheckpoint option/);
    const after = await ex.checkpoint();
    expect(Object.values(after.runs).map((r) => r.globalStep)).toEqual([1, 1]);
    ex.dispose();
    await expect(ex.checkpoint()).rejects.toThrow(/disposed/);
  });

  it('rejects a checkpoint of other runs, another configuration or another model, and frees what it built', async () => {
    const a = new Experiment(options({ test: false, config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1 } }));
    await a.run();
    const cp = clone(await a.checkpoint());
    a.dispose();
    const baseline = tf.memory().numTensors;
    const config = { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1 };
    await expect(Experiment.resume(options({ config, runs: [{ loss: 'dice' }, { loss: 'focal' }] }), cp)).rejects.toThrow(
      /the checkpoint does not fit this experiment: the checkpoint's runs are dice, asymmetricUnifiedFocal; this experiment's are dice, focal/,
    );
    await expect(Experiment.resume(options({ config: { ...config, maxEpochs: 5 } }), cp)).rejects.toThrow(/training config maxEpochs: checkpoint 1, now 5/);
    await expect(Experiment.resume(options({ config, runs: [{ loss: 'dice' }, { loss: 'asymmetricUnifiedFocal', params: { gamma: 0.2 } }] }), cp)).rejects.toThrow(
      /run asymmetricUnifiedFocal: params\.gamma: checkpoint 0\.5, now 0\.2/,
    );
    await expect(Experiment.resume(options({ config, interleave: 'step' }), cp)).rejects.toThrow(/interleave: checkpoint "epoch", now "step"/);
    await expect(Experiment.resume(options({ config, split: { ...split, test: split.test.slice(1) } }), cp)).rejects.toThrow(/split\.test: checkpoint/);
    const wide = Experiment.resume(options({ config, createModel: () => tinyModel({ filters: 6 }) }), cp);
    await expect(wide).rejects.toThrow(CheckpointMismatchError);
    await expect(wide).rejects.toThrow(/the checkpoint does not fit this trainer: weights 0 \(1:Conv2D\/kernel\) has shape \[3, 3, 1, 4\] in the checkpoint, \[3, 3, 1, 6\] in the model/);
    const broken = clone(cp);
    broken.snapshot.runs[0]!.steps = 7;
    await expect(Experiment.resume(options({ config }), broken)).rejects.toThrow(/run dice: the history \(7 steps, 1 epochs\) does not match its trainer \(1 steps, 1 epochs\)/);
    const missing = clone(cp);
    delete missing.runs.dice;
    await expect(Experiment.resume(options({ config }), missing)).rejects.toThrow(/holds trainers for asymmetricUnifiedFocal/);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
