import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../data/split';
import { PAPER_COMPARISON, paperParams } from '../losses';
import { caseMetrics } from '../metrics';
import { Experiment, gammaSweepRuns, predictCaseSlices, paperRuns, resolveRunSpecs, type ExperimentEvent, type ExperimentOptions } from './experiment';
import { normalizedSlices } from './samples';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { stackCases, syntheticCases } from './testing/fixtures';
import { tinyModel } from './testing/tinyModel';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

const cases = syntheticCases(8, 5, 32);
const split: DatasetSplit = {
  train: cases.slice(0, 4).map((c) => c.id),
  validation: cases.slice(4, 6).map((c) => c.id),
  test: cases.slice(6).map((c) => c.id),
};

let modelSeed = 0;
function options(over: Partial<ExperimentOptions> = {}): ExperimentOptions {
  return {
    // a different seed per call: the experiment must copy the first model's weights into the others
    createModel: () => tinyModel({ filters: 4, seed: 100 + modelSeed++ }),
    runs: [{ loss: 'dice' }, { loss: 'asymmetricUnifiedFocal' }],
    cases,
    split,
    config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 2, lossReadEvery: 1 },
    ...over,
  };
}

const brief = (events: ExperimentEvent[]) => events.map((e) => `${e.type}:${e.run}`);

describe('Experiment', () => {
  it('interleaves epochs of two losses that start from identical weights, then tests each', async () => {
    const events: ExperimentEvent[] = [];
    const before = tf.memory().numTensors;
    const ex = new Experiment(options({ onEvent: (e) => events.push(e) }));
    expect(ex.runIds).toEqual(['dice', 'asymmetricUnifiedFocal']);
    const [a, b] = await Promise.all(ex.runIds.map((id) => Promise.all(ex.trainer(id).model.getWeights().map((w) => w.data()))));
    expect(b).toEqual(a);

    const snap = await ex.run();
    const d = 'dice';
    const u = 'asymmetricUnifiedFocal';
    expect(brief(events)).toEqual([
      `step:${d}`, `step:${d}`, `epoch:${d}`,
      `step:${u}`, `step:${u}`, `epoch:${u}`,
      `step:${d}`, `step:${d}`, `epoch:${d}`, `runDone:${d}`, `testResults:${d}`,
      `step:${u}`, `step:${u}`, `epoch:${u}`, `runDone:${u}`, `testResults:${u}`,
    ]);
    const epoch = events.find((e) => e.type === 'epoch')!;
    expect(epoch).toMatchObject({ type: 'epoch', run: d, epoch: 0, lr: 0.1 });
    if (epoch.type === 'epoch') expect(epoch.valDsc).toHaveLength(1);
    expect(events.find((e) => e.type === 'step')).toMatchObject({ type: 'step', run: d, step: 1, epoch: 0 });
    expect(events.find((e) => e.type === 'runDone')).toMatchObject({ reason: 'maxEpochs', epochs: 2 });
    const test = events.find((e) => e.type === 'testResults');
    if (test?.type !== 'testResults') throw new Error('no test results');
    expect(test.perCase.map((c) => c.id)).toEqual(split.test);
    for (const c of test.perCase) {
      for (const k of ['dsc', 'iou', 'precision', 'recall'] as const) {
        expect(c[k]).toHaveLength(1);
        expect(c[k][0]).toBeGreaterThanOrEqual(0);
        expect(c[k][0]).toBeLessThanOrEqual(1);
      }
    }

    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.runs.map((r) => [r.id, r.status, r.stopReason, r.steps, r.epochs.length, r.stepLosses.length])).toEqual([
      [d, 'done', 'maxEpochs', 4, 2, 4],
      [u, 'done', 'maxEpochs', 4, 2, 4],
    ]);
    expect(snap.runs[1]!.params).toEqual(paperParams('asymmetricUnifiedFocal'));
    expect(snap.runs[0]!.test).toEqual(test.perCase);
    expect(snap).toMatchObject({ version: 1, numClasses: 2, input: { width: 32, height: 32, channels: 1 }, samples: { train: 4, validation: 2, test: 2 }, stopped: false });
    ex.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('interleaves single steps, or runs one loss after the other', async () => {
    const stepwise: ExperimentEvent[] = [];
    const ex1 = new Experiment(options({ interleave: 'step', test: false, config: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 1 }, onEvent: (e) => stepwise.push(e) }));
    await ex1.run();
    ex1.dispose();
    expect(brief(stepwise)).toEqual([
      'step:dice', 'step:asymmetricUnifiedFocal',
      'step:dice', 'epoch:dice', 'runDone:dice',
      'step:asymmetricUnifiedFocal', 'epoch:asymmetricUnifiedFocal', 'runDone:asymmetricUnifiedFocal',
    ]);

    const sequential: ExperimentEvent[] = [];
    const ex2 = new Experiment(options({ scheduling: 'sequential', test: false, onEvent: (e) => sequential.push(e) }));
    await ex2.run();
    ex2.dispose();
    const runs = sequential.map((e) => e.run);
    expect(runs).toEqual([...Array<string>(7).fill('dice'), ...Array<string>(7).fill('asymmetricUnifiedFocal')]);
  });

  it('gives identical histories to two runs of the same loss (same weights, order and augmentation)', async () => {
    const ex = new Experiment(options({ runs: [{ loss: 'dice' }, { loss: 'dice' }], config: { stepsPerEpoch: 2, maxEpochs: 2, lossReadEvery: 1 } }));
    const snap = await ex.run();
    ex.dispose();
    expect(snap.runs.map((r) => r.id)).toEqual(['dice#1', 'dice#2']);
    const [r1, r2] = snap.runs;
    expect(r2!.stepLosses).toEqual(r1!.stepLosses);
    expect(r2!.epochs).toEqual(r1!.epochs);
    expect(r2!.test).toEqual(r1!.test);
  });

  it('stop() finishes the current step and keeps the history', async () => {
    const events: ExperimentEvent[] = [];
    let ex: Experiment | null = null;
    ex = new Experiment(
      options({
        interleave: 'step',
        config: { augmentation: null, stepsPerEpoch: 5, maxEpochs: 10, lossReadEvery: 1 },
        onEvent: (e) => {
          events.push(e);
          if (events.filter((x) => x.type === 'step').length === 3) ex!.stop();
        },
      }),
    );
    const snap = await ex.run();
    expect(brief(events)).toEqual(['step:dice', 'step:asymmetricUnifiedFocal', 'step:dice', 'runDone:dice', 'runDone:asymmetricUnifiedFocal']);
    expect(events.filter((e) => e.type === 'runDone').every((e) => e.type === 'runDone' && e.reason === 'stopped')).toBe(true);
    expect(snap.stopped).toBe(true);
    expect(snap.runs.map((r) => [r.status, r.stopReason, r.steps, r.stepLosses.length])).toEqual([
      ['done', 'stopped', 2, 2],
      ['done', 'stopped', 1, 1],
    ]);
    await expect(ex.run()).rejects.toThrow(/already been run/);
    // test results remain available on request
    const perCase = await ex.evaluateTest('dice');
    expect(perCase).toHaveLength(2);
    expect(ex.snapshot().runs[0]!.test).toEqual(perCase);
    ex.dispose();
  });

  it('scores a test volume as one 3D case over all its slices', async () => {
    const slices = syntheticCases(3, 21, 32);
    const vol = stackCases('vol', slices);
    const ex = new Experiment(
      options({
        runs: [{ loss: 'crossEntropy' }],
        cases: [...cases, vol],
        split: { ...split, test: ['vol'] },
        config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1, slices: 'foreground' },
      }),
    );
    const snap = await ex.run();
    expect(ex.test.map((s) => s.slice)).toEqual([0, 1, 2]);
    const preds = await Promise.all(normalizedSlices(vol).map(({ sample }) => ex.predict('crossEntropy', sample)));
    const joined = new Uint8Array(3 * 1024);
    preds.forEach((p, k) => joined.set(p.labels, k * 1024));
    const expected = caseMetrics(vol.labels, joined, 2);
    expect(snap.runs[0]!.test).toEqual([
      { id: 'vol', dsc: [expected[0]!.scores.dsc], iou: [expected[0]!.scores.iou], precision: [expected[0]!.scores.precision], recall: [expected[0]!.scores.recall] },
    ]);
    ex.dispose();
  });

  it('validation DSC is the per-case DSC the test reports: a volume and a resized image scored whole at their own size', async () => {
    const vol = stackCases('vol', syntheticCases(3, 21, 32));
    const big = syntheticCases(1, 33, 48)[0]!;
    const ids = ['vol', big.id];
    const ex = new Experiment(
      options({
        runs: [{ loss: 'crossEntropy' }],
        cases: [...cases, vol, big],
        split: { ...split, validation: ids, test: ids },
        config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1 },
      }),
    );
    const snap = await ex.run();
    const run = snap.runs[0]!;
    // one epoch: it is the best, and the test uses its weights
    expect(run.bestEpoch).toBe(0);
    const test = run.test!;
    const mean = (test[0]!.dsc[0]! + test[1]!.dsc[0]!) / 2;
    expect(run.epochs[0]!.valDsc[0]).toBeCloseTo(mean, 12);
    expect(ex.validation.map((s) => s.slice)).toEqual([0, 1, 2, 0]);
    ex.dispose();
  });

  it("slices 'foreground' trains on the slices with foreground only; validation keeps every slice", async () => {
    const [a, b] = syntheticCases(2, 22, 32);
    const empty = { ...a!, id: 'empty', labels: new Uint8Array(1024) };
    const vol = stackCases('vol', [a!, empty, b!]);
    const run = (slices: 'all' | 'foreground') =>
      new Experiment(options({ runs: [{ loss: 'dice' }], cases: [...cases, vol], split: { train: ['vol'], validation: ['vol'], test: [] }, config: { augmentation: null, maxEpochs: 1, slices } }));
    const fg = run('foreground');
    expect(fg.train.map((s) => s.slice)).toEqual([0, 2]);
    expect(fg.validation.map((s) => s.slice)).toEqual([0, 1, 2]);
    fg.dispose();
    const all = run('all');
    expect(all.train.map((s) => s.slice)).toEqual([0, 1, 2]);
    all.dispose();
  });

  it('predictCaseSlices gives the labels that were scored, at the source size of a resized image, in the order asked', async () => {
    const big = syntheticCases(1, 33, 48)[0]!;
    const vol = stackCases('vol', syntheticCases(3, 21, 32));
    const ex = new Experiment(
      options({
        runs: [{ loss: 'crossEntropy' }],
        cases: [...cases, big, vol],
        split: { ...split, test: [big.id, 'vol'] },
        config: { augmentation: null, stepsPerEpoch: 1, maxEpochs: 1 },
      }),
    );
    const snap = await ex.run();
    const trainer = ex.trainer('crossEntropy');
    const before = tf.memory().numTensors;
    const [bigPred] = await predictCaseSlices(trainer, big, [0], { channels: 1, numClasses: 2 });
    expect(bigPred).toHaveLength(48 * 48);
    const m = caseMetrics(big.labels, bigPred!, 2)[0]!.scores;
    const scored = snap.runs[0]!.test!.find((c) => c.id === big.id)!;
    expect([m.dsc, m.iou, m.precision, m.recall]).toEqual([scored.dsc[0], scored.iou[0], scored.precision[0], scored.recall[0]]);
    const volPreds = await predictCaseSlices(trainer, vol, [2, 0, 1], { channels: 1, numClasses: 2 });
    const joined = new Uint8Array(3 * 1024);
    [2, 0, 1].forEach((k, i) => joined.set(volPreds[i]!, k * 1024));
    const v = caseMetrics(vol.labels, joined, 2)[0]!.scores;
    expect(snap.runs[0]!.test!.find((c) => c.id === 'vol')!.dsc).toEqual([v.dsc]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(predictCaseSlices(trainer, vol, [3], { channels: 1, numClasses: 2 })).rejects.toThrow(/slice 3 is outside 0…2/);
    ex.dispose();
  });

  it('rejects splits that name unknown cases, and frees models built before the error', () => {
    const before = tf.memory().numTensors;
    expect(() => new Experiment(options({ split: { ...split, test: ['nope'] } }))).toThrow(/the test split names case "nope"/);
    expect(() => new Experiment(options({ split: { ...split, train: [] } }))).toThrow(/no training cases/);
    expect(() => new Experiment(options({ runs: [{ loss: 'dice', id: 'x' }, { loss: 'focal', id: 'x' }] }))).toThrow(/run id "x" is used twice/);
    const threeClasses = { ...cases[0]!, labels: cases[0]!.labels.map((l) => (l ? 2 : 0)) };
    expect(() => new Experiment(options({ cases: [threeClasses, ...cases.slice(1)] }))).toThrow(
      new RegExp(`case ${cases[0]!.id} has class 2, but the model outputs 2 classes`),
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('run lists', () => {
  it("paperRuns are the paper's eight configurations with its parameters", () => {
    const runs = paperRuns();
    expect(runs.map((r) => r.loss)).toEqual([...PAPER_COMPARISON]);
    expect(runs.map((r) => r.id)).toEqual([...PAPER_COMPARISON]);
    expect(runs[7]!.params).toEqual({ lambda: 0.5, delta: 0.6, gamma: 0.5 });
    expect(runs[1]!.params).toEqual({ alpha: 0.25, gamma: 2 });
  });

  it('gammaSweepRuns sweeps γ = 0.1 … 0.9 of both unified focal losses at λ 0.5, δ 0.6 (Figure 3)', () => {
    const runs = gammaSweepRuns();
    expect(runs).toHaveLength(18);
    expect(runs.slice(0, 9).map((r) => r.params!.gamma)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(runs[9]).toMatchObject({ id: 'asymmetricUnifiedFocal:gamma=0.1', loss: 'asymmetricUnifiedFocal', params: { lambda: 0.5, delta: 0.6, gamma: 0.1 } });
    expect(new Set(resolveRunSpecs(runs).map((r) => r.id)).size).toBe(18);
    expect(() => gammaSweepRuns(['dice'])).toThrow(/no γ parameter/);
  });

  it('resolveRunSpecs fills in ids, labels and the paper parameters', () => {
    expect(resolveRunSpecs([{ loss: 'tversky' }, { loss: 'focal', params: { gamma: 1 } }, { loss: 'focal' }])).toEqual([
      { id: 'tversky', loss: 'tversky', params: { delta: 0.7 }, label: 'Tversky' },
      { id: 'focal#1', loss: 'focal', params: { gamma: 1 }, label: 'Focal' },
      { id: 'focal#2', loss: 'focal', params: { alpha: 0.25, gamma: 2 }, label: 'Focal' },
    ]);
    expect(() => resolveRunSpecs([])).toThrow(/at least one run/);
  });
});
