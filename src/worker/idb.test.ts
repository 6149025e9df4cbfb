import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { Idb } from './idb';

describe('Idb', () => {
  it('stores, reads, lists and deletes structured records with typed arrays', async () => {
    const db = await Idb.open('test', 1, [{ name: 'experiments', keyPath: 'id' }, { name: 'weights' }], new IDBFactory());
    await db.put('experiments', { id: 'a', epochs: [1, 2] });
    await db.put('experiments', { id: 'b', epochs: [] });
    await db.put('weights', new Float32Array([1.5, -2]).buffer, 'a/0');
    expect(await db.get('experiments', 'a')).toEqual({ id: 'a', epochs: [1, 2] });
    expect((await db.getAll<{ id: string }>('experiments')).map((e) => e.id)).toEqual(['a', 'b']);
    expect(Array.from(new Float32Array((await db.get<ArrayBuffer>('weights', 'a/0')) ?? new ArrayBuffer(0)))).toEqual([1.5, -2]);
    await db.delete('experiments', 'a');
    expect(await db.get('experiments', 'a')).toBeUndefined();
    db.close();
  });
  it('a second open of the same database sees the data (a reload)', async () => {
    const factory = new IDBFactory();
    const a = await Idb.open('studio', 1, [{ name: 's', keyPath: 'id' }], factory);
    await a.put('s', { id: 'x', v: 3 });
    a.close();
    const b = await Idb.open('studio', 1, [{ name: 's', keyPath: 'id' }], factory);
    expect(await b.get('s', 'x')).toEqual({ id: 'x', v: 3 });
    b.close();
  });
  it('says so when IndexedDB is missing', async () => {
    await expect(Idb.open('x', 1, [], undefined as unknown as IDBFactory)).rejects.toThrow(/not available/);
  });
});
