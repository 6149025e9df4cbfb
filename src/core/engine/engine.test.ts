import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateExperimentFile, type ExperimentFile } from '../training/experimentFile';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { createEngine, type Engine } from './engine';
import { MemoryStore, type EngineStore } from './store';
import { engineCases, engineModel, engineRequest, engineSplit, recorder } from './testing/engineFixtures';
import type { EngineEvent } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

function engineWith(store: EngineStore | null, emit: (e: EngineEvent) => void, yieldNow?: () => Promise<void>): Engine {
  return createEngine({ store: () => Promise.resolve(store), emit, createModel: engineModel, ...(yieldNow ? { yieldNow } : {}), now: () => new Date('2026-02-03T05:00:00.000Z') });
}

const testCase = engineCases.find((c) => c.id === engineSplit.test[0])!;

describe('TrainingService', () => {
  it('trains an experiment to its end, reporting and keeping its history, checkpoint and best weights; tensors flat', async () => {
    const baseline = tf.memory().numTensors;
    const store = new MemoryStore();
    const rec = recorder();
    const engine = engineWith(store, rec.emit);
    const outcome = await engine.training.start(engineRequest(), engineCases);
    expect(outcome.status).toBe('finished');
    expect(outcome.snapshot?.runs.map((r) => [r.id, r.status, r.epochs.length, r.test?.length])).toEqual([
      ['dice', 'done', 3, 2],
      ['asymmetricUnifiedFocal', 'done', 3, 2],
    ]);
    const types = rec.types();
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('ended');
    expect(types.filter((t) => t === 'experiment:step')).toHaveLength(12);
    expect(types.filter((t) => t === 'experiment:epoch')).toHaveLength(6);
    expect(types.filter((t) => t === 'snapshot').length).toBeGreaterThanOrEqual(6 + 2 + 2);
    expect(rec.events.find((e) => e.type === 'started')).toMatchObject({ id: 'exp-engine', stepsPerEpoch: 2 });
    expect(rec.events.at(-1)).toEqual({ type: 'ended', ...outcome });

    const record = await store.get('exp-engine');
    expect(record).toMatchObject({ status: 'finished', savedWeights: ['dice', 'asymmetricUnifiedFocal'], updatedAt: '2026-02-03T05:00:00.000Z' });
    expect(record?.resumable).toBeUndefined();
    expect(record?.snapshot).toEqual(outcome.snapshot);
    const cp = await store.getCheckpoint('exp-engine');
    expect(cp?.next).toBeNull();
    expect(Object.values(cp?.runs ?? {}).map((r) => r.epochIndex)).toEqual([3, 3]);
    // the stored weights are the best epoch's, as the checkpoint holds them
    const w = await store.getWeights('exp-engine', 'dice');
    expect(new Float32Array(w!.weightData)).toEqual(new Float32Array(cp!.runs.dice!.bestWeights!.flatMap((x) => [...x.data])));

    await engine.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('a stopped experiment resumes from its last epoch checkpoint and ends bit for bit as an uninterrupted one', async () => {
    const full = engineWith(new MemoryStore(), () => {});
    const uninterrupted = await full.training.start(engineRequest('exp-full'), engineCases);
    await full.dispose();

    const store = new MemoryStore();
    let engine: Engine | null = null;
    let epochs = 0;
    engine = engineWith(store, (e) => {
      if (e.type === 'experiment' && e.event.type === 'epoch' && ++epochs === 3) engine?.training.stop();
    });
    const stopped = await engine.training.start(engineRequest('exp-full'), engineCases);
    expect(stopped.status).toBe('stopped');
    expect((await store.get('exp-full'))?.resumable).toBe(true);
    await engine.dispose();

    const again = engineWith(store, () => {});
    await expect(again.training.resume('exp-full', engineCases.slice(1))).rejects.toThrow(/load the dataset this experiment was trained on to resume it: 1 of its 8 cases are missing/);
    await expect(again.training.resume('nothing', engineCases)).rejects.toThrow(/no stored checkpoint/);
    const resumed = await again.training.resume('exp-full', engineCases);
    expect(resumed.status).toBe('finished');
    expect(resumed.snapshot).toEqual(uninterrupted.snapshot);
    expect((await store.get('exp-full'))?.status).toBe('finished');
    await again.dispose();
  });

  it('a stop that comes while the experiment is being built ends it before its first step', async () => {
    const rec = recorder();
    const engine = engineWith(new MemoryStore(), rec.emit);
    const run = engine.training.start(engineRequest(), engineCases);
    expect(engine.training.busy).toBe(true);
    engine.training.stop();
    await expect(engine.training.start(engineRequest('other'), engineCases)).rejects.toThrow(/already running/);
    const outcome = await run;
    expect(outcome.status).toBe('stopped');
    expect(rec.types().filter((t) => t === 'experiment:step')).toEqual([]);
    await engine.dispose();
  });

  it('a failure while training (a lost device) ends the experiment as failed, keeping the finished epochs', async () => {
    const store = new MemoryStore();
    let steps = 0;
    const engine = engineWith(store, () => {}, () => (++steps === 5 ? Promise.reject(new Error('the GPU device was lost')) : Promise.resolve()));
    const outcome = await engine.training.start(engineRequest(), engineCases);
    expect(outcome).toMatchObject({ status: 'failed', message: 'training stopped: the GPU device was lost' });
    const record = await store.get('exp-engine');
    expect(record).toMatchObject({ status: 'failed', resumable: true, message: 'training stopped: the GPU device was lost' });
    expect(record?.snapshot?.runs.map((r) => r.epochs.length)).toEqual([1, 1]);
    await engine.dispose();
  });

  it('an experiment that cannot be built ends as failed without a snapshot', async () => {
    const rec = recorder();
    const engine = engineWith(new MemoryStore(), rec.emit);
    const bad = { ...engineRequest(), split: { ...engineSplit, train: ['no such case'] } };
    const outcome = await engine.training.start(bad, engineCases);
    expect(outcome).toEqual({ id: 'exp-engine', status: 'failed', message: 'the training split names case "no such case", which is not in the dataset', snapshot: null });
    expect(rec.types()).toEqual(['ended']);
    await engine.dispose();
  });

  it('trains without a store (nothing kept) and says nothing about it', async () => {
    const rec = recorder();
    const engine = engineWith(null, rec.emit);
    const outcome = await engine.training.start(engineRequest('exp-nostore', { maxEpochs: 1 }), engineCases);
    expect(outcome.status).toBe('finished');
    expect(rec.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(await engine.experiments.list()).toEqual({ experiments: [], broken: [] });
    await engine.dispose();
  });
});

describe('PredictionService', () => {
  it('answers between training steps with current weights, after the end with the best, and from stored weights alike', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store, () => {});
    const steps: number[] = [];
    const training = engine.training.start(engineRequest(), engineCases);
    // asked while the experiment trains: queued, answered between two steps
    await new Promise((r) => setTimeout(r, 0));
    expect(engine.training.running).toBe(true);
    const during = engine.predictions.predict({ experimentId: 'exp-engine', runs: ['dice', 'nope'], case: testCase, slices: [0] }).then((r) => {
      steps.push(engine.training.live!.experiment.snapshot().runs[0]!.steps);
      return r;
    });
    const r1 = await during;
    await training;
    expect(steps[0]).toBeGreaterThan(0);
    expect(steps[0]).toBeLessThan(6);
    expect(r1.results.map((r) => [r.run, r.weights, r.labels.length, r.labels[0]!.length])).toEqual([['dice', 'current', 1, 1024]]);
    expect(r1.failed).toEqual([{ run: 'nope', message: expect.stringMatching(/no weights are stored for this run/) as unknown as string }]);

    const live = await engine.predictions.predict({ experimentId: 'exp-engine', runs: ['dice', 'asymmetricUnifiedFocal'], case: testCase, slices: [0] });
    expect(live.results.map((r) => [r.run, r.weights, r.epochs])).toEqual([
      ['dice', 'best', 3],
      ['asymmetricUnifiedFocal', 'best', 3],
    ]);
    // the live models freed: the stored best weights answer, with the same labels
    await engine.training.release();
    expect(engine.training.live).toBeNull();
    const stored = await engine.predictions.predict({ experimentId: 'exp-engine', runs: ['dice', 'asymmetricUnifiedFocal'], case: testCase, slices: [0] });
    expect(stored.results.map((r) => [r.run, r.weights, r.epochs])).toEqual([
      ['dice', 'best', 3],
      ['asymmetricUnifiedFocal', 'best', 3],
    ]);
    expect(stored.results.map((r) => r.labels)).toEqual(live.results.map((r) => r.labels));
    await expect(engine.predictions.predict({ experimentId: 'nothing', runs: ['dice'], case: testCase, slices: [0] })).rejects.toThrow(/neither running nor stored/);
    await engine.dispose();
  });

  it('keeps cases under a key and normalises a volume once for its slices', () => {
    const engine = engineWith(null, () => {});
    engine.predictions.rememberCases('v1', engineCases.slice(0, 2));
    expect(engine.predictions.knownCase('v1', engineCases[1]!.id)).toBe(engineCases[1]);
    expect(engine.predictions.knownCase('v2', engineCases[1]!.id)).toBeUndefined();
    engine.predictions.rememberCases('v2', [engineCases[3]!]);
    expect(engine.predictions.knownCase('v2', engineCases[1]!.id)).toBeUndefined();
    expect(engine.predictions.knownCase('v2', engineCases[3]!.id)).toBe(engineCases[3]);
  });
});

describe('StoredExperiments', () => {
  it('exports a file, imports it elsewhere (predictions from its weights, its model scores as its test did), and deletes it', async () => {
    const a = engineWith(new MemoryStore(), () => {});
    const outcome = await a.training.start(engineRequest(), engineCases);
    const file = await a.experiments.exportExperiment('exp-engine');
    expect(validateExperimentFile(JSON.parse(JSON.stringify({ ...file, weights: {} })))).toBeTruthy();
    expect(Object.keys(file.weights)).toEqual(['dice', 'asymmetricUnifiedFocal']);
    const model = await a.experiments.exportModel('exp-engine', 'dice');
    await expect(a.experiments.exportModel('exp-engine', 'focal')).rejects.toThrow(/no stored weights for run focal/);
    await expect(a.experiments.exportExperiment('nothing')).rejects.toThrow(/not stored/);
    await a.dispose();

    const store = new MemoryStore();
    const b = engineWith(store, () => {});
    const record = await b.experiments.importExperiment({ ...file, record: { ...file.record, status: 'running' } });
    expect(record.status).toBe('interrupted');
    expect((await b.experiments.list()).experiments.map((e) => [e.id, e.status])).toEqual([['exp-engine', 'interrupted']]);
    const p = await b.predictions.predict({ experimentId: 'exp-engine', runs: ['dice'], case: testCase, slices: [0] });
    expect(p.results).toHaveLength(1);
    // a model file run on the test cases scores them as the run's own test did
    const test = engineCases.filter((c) => engineSplit.test.includes(c.id));
    expect(await b.predictions.infer(model, test, 2)).toEqual(outcome.snapshot?.runs[0]?.test);
    await expect(b.predictions.infer(model, test, 3)).rejects.toThrow(/the model predicts 2 classes but the dataset has 3/);

    // a damaged file changes nothing
    const damaged = { ...file, record: { ...file.record, id: 'other', request: { ...file.record.request, id: 'other', runs: 'dice' } } } as unknown as ExperimentFile;
    await expect(b.experiments.importExperiment(damaged)).rejects.toThrow(/the experiment file was not imported: record\.request\.runs: expected an array/);
    expect((await b.experiments.list()).experiments.map((e) => e.id)).toEqual(['exp-engine']);

    await b.experiments.remove('exp-engine');
    expect(await b.experiments.list()).toEqual({ experiments: [], broken: [] });
    expect(await store.getWeights('exp-engine', 'dice')).toBeUndefined();
    await expect(b.predictions.predict({ experimentId: 'exp-engine', runs: ['dice'], case: testCase, slices: [0] })).rejects.toThrow(/neither running nor stored/);
    await expect(engineWith(null, () => {}).experiments.importExperiment(file)).rejects.toThrow(/cannot be stored/);
    await b.dispose();
  });
});
