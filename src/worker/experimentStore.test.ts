import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ExperimentCheckpoint } from '../core/training/experiment';
import { modelFilesFixture, storedExperimentFixture } from '../core/training/testing/experimentRecords';
import { ExperimentStore } from './experimentStore';
import { Idb } from './idb';

/** The store, and a second connection to the same database to plant records as other code could. */
async function open() {
  const factory = new IDBFactory();
  const store = await ExperimentStore.open(factory);
  const raw = await Idb.open('segmentation-studio', 2, [{ name: 'experiments', keyPath: 'id' }, { name: 'weights' }, { name: 'checkpoints' }], factory);
  return { store, raw };
}

const withRequest = (id: string, change: Record<string, unknown>) => {
  const e = storedExperimentFixture(id);
  return { ...e, request: { ...e.request, ...change } };
};

describe('ExperimentStore', () => {
  it('lists valid experiments newest first and damaged records apart, with the reason, whatever their createdAt', async () => {
    const { store, raw } = await open();
    await store.save(storedExperimentFixture('old', '2025-05-01T10:00:00.000Z'));
    await store.save({ ...storedExperimentFixture('new', '2026-05-01T10:00:00+02:00'), status: 'running' });
    await raw.put('experiments', withRequest('name-object', { name: { text: 'x' } }));
    await raw.put('experiments', withRequest('runs-object', { runs: { length: 1 } }));
    await raw.put('experiments', withRequest('created-number', { createdAt: 5 }));
    await raw.put('experiments', withRequest('created-object', { createdAt: {} }));
    await raw.put('experiments', { ...storedExperimentFixture('x'), id: 7 });
    await raw.put('experiments', { id: [1, 'a'] });

    const { experiments, broken } = await store.list();
    expect(experiments.map((e) => e.id)).toEqual(['new', 'old']);
    // A record still marked running was cut short by a reload.
    expect(experiments[0]).toMatchObject({ status: 'interrupted', message: expect.stringMatching(/reloaded during training/) });
    expect(broken).toEqual([
      { id: 'IndexedDB key 7', reason: 'record.id: expected a string, got the number 7' },
      { id: 'IndexedDB key [1, "a"]', reason: 'record.id: expected a string, got an array of 2 items' },
      { id: 'created-number', reason: 'record.request.createdAt: expected a string, got the number 5' },
      { id: 'created-object', reason: 'record.request.createdAt: expected a string, got an object' },
      { id: 'name-object', reason: 'record.request.name: expected a string, got an object' },
      { id: 'runs-object', reason: 'record.request.runs: expected an array, got an object' },
    ]);
  });

  it('deletes a damaged record with its weights and checkpoint, and nothing of its neighbours', async () => {
    const { store, raw } = await open();
    for (const id of ['exp', 'exp-2', 'exp0']) {
      await store.save(storedExperimentFixture(id));
      await store.saveWeights(id, 'dice', modelFilesFixture());
      await store.saveCheckpoint(id, { version: 1 } as unknown as ExperimentCheckpoint); // the store keeps it as it is
    }
    // 'exp' is damaged, and has weights of a run its record does not list.
    await raw.put('experiments', withRequest('exp', { runs: 'dice' }));
    await store.saveWeights('exp', 'focal', modelFilesFixture());
    expect((await store.list()).broken.map((b) => b.id)).toEqual(['exp']);

    await store.remove('exp');
    const after = await store.list();
    expect(after.broken).toEqual([]);
    expect(after.experiments.map((e) => e.id).sort()).toEqual(['exp-2', 'exp0']);
    expect(await raw.get('weights', 'exp/dice')).toBeUndefined();
    expect(await raw.get('weights', 'exp/focal')).toBeUndefined();
    expect(await raw.get('checkpoints', 'exp')).toBeUndefined();
    for (const id of ['exp-2', 'exp0']) {
      expect(await store.getWeights(id, 'dice')).toBeDefined();
      expect(await store.getCheckpoint(id)).toEqual({ version: 1 });
    }
  });

  it('deletes a record whose key is not a string by the name the list gives it', async () => {
    const { store, raw } = await open();
    await store.save(storedExperimentFixture('keep'));
    await raw.put('experiments', { id: 7, request: 'nothing' });
    await raw.put('experiments', { id: new Date('2026-01-01T00:00:00Z') });
    const { broken } = await store.list();
    expect(broken.map((b) => b.id)).toEqual(['IndexedDB key 7', 'IndexedDB key date 2026-01-01T00:00:00.000Z']);
    for (const b of broken) await store.remove(b.id);
    expect(await store.list()).toMatchObject({ experiments: [{ id: 'keep' }], broken: [] });
    expect(await raw.get('experiments', 7)).toBeUndefined();
  });

  it('get and getWeights say what is wrong with a damaged record instead of handing it out', async () => {
    const { store, raw } = await open();
    await store.save(storedExperimentFixture('ok'));
    await store.saveWeights('ok', 'dice', modelFilesFixture());
    expect((await store.get('ok'))?.request.name).toBe('Dice on four cases (ok)');
    expect(await store.get('absent')).toBeUndefined();
    await raw.put('experiments', withRequest('bad', { split: null }));
    await expect(store.get('bad')).rejects.toThrow('the stored experiment bad is damaged (record.request.split: expected an object, got null); delete it in Train & compare');
    await raw.put('weights', { ...modelFilesFixture(), weightData: new ArrayBuffer(8) }, 'ok/dice');
    await expect(store.getWeights('ok', 'dice')).rejects.toThrow(/^the stored weights of dice\.weightData: expected 80 bytes .*, got 8$/);
  });
});
