/**
 * The training worker's engine over its IndexedDB store (fake-indexeddb in Node): a worker that
 * dies mid-run (a reload) leaves its finished epochs listed as interrupted, and a new worker
 * resumes the experiment to the same end as an uninterrupted run.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../core/engine/engine';
import { MemoryStore } from '../core/engine/store';
import { engineCases, engineModel, engineRequest } from '../core/engine/testing/engineFixtures';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../core/kernels';
import { ExperimentStore } from './experimentStore';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

describe('the training engine over IndexedDB', () => {
  it('a reload mid-run keeps the finished epochs; the next worker resumes to the uninterrupted end', async () => {
    const reference = createEngine({ store: () => Promise.resolve(new MemoryStore()), emit: () => {}, createModel: engineModel });
    const uninterrupted = await reference.training.start(engineRequest(), engineCases);
    await reference.dispose();

    const factory = new IDBFactory();
    const first = await ExperimentStore.open(factory);
    // The first worker stops answering once an epoch checkpoint is stored: it was reloaded.
    let dead = false;
    const killed = createEngine({
      store: () => Promise.resolve(first),
      emit: () => {},
      createModel: engineModel,
      yieldNow: async () => {
        if (dead || (await first.getCheckpoint('exp-engine'))) {
          dead = true;
          await new Promise<never>(() => {});
        }
      },
    });
    void killed.training.start(engineRequest(), engineCases);
    while (!dead) await new Promise((r) => setTimeout(r, 5));

    const second = await ExperimentStore.open(factory);
    const listed = (await second.list()).experiments;
    expect(listed.map((e) => [e.id, e.status, e.resumable])).toEqual([['exp-engine', 'interrupted', true]]);
    expect(listed[0]!.snapshot?.runs.map((r) => r.epochs.length)).toEqual([1, 0]);

    const engine = createEngine({ store: () => Promise.resolve(second), emit: () => {}, createModel: engineModel });
    const resumed = await engine.training.resume('exp-engine', engineCases);
    expect(resumed.status).toBe('finished');
    expect(resumed.snapshot).toEqual(uninterrupted.snapshot);
    const stored = await second.get('exp-engine');
    expect(stored).toMatchObject({ status: 'finished', savedWeights: ['dice', 'asymmetricUnifiedFocal'] });
    // the file of the stored experiment carries both runs' best weights
    const file = await engine.experiments.exportExperiment('exp-engine');
    expect(Object.keys(file.weights)).toEqual(['dice', 'asymmetricUnifiedFocal']);
    await engine.dispose();
  });
});
