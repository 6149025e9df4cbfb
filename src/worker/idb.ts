/**
 * A small promise wrapper over IndexedDB for the studio's own database: a few object stores of
 * structured-cloneable records (numbers, strings, typed arrays, ArrayBuffers). Used by the
 * training worker to keep experiments across reloads; nothing leaves the browser.
 */

export interface StoreSpec {
  name: string;
  keyPath?: string;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class Idb {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (creating or upgrading) a database with the given stores. */
  static open(name: string, version: number, stores: StoreSpec[], factory: IDBFactory = globalThis.indexedDB): Promise<Idb> {
    if (!factory) return Promise.reject(new Error('IndexedDB is not available in this browser context'));
    return new Promise((resolve, reject) => {
      const req = factory.open(name, version);
      req.onupgradeneeded = () => {
        const db = req.result;
        for (const s of stores) {
          if (!db.objectStoreNames.contains(s.name)) db.createObjectStore(s.name, s.keyPath ? { keyPath: s.keyPath } : undefined);
        }
      };
      req.onsuccess = () => resolve(new Idb(req.result));
      req.onerror = () => reject(req.error ?? new Error(`could not open IndexedDB "${name}"`));
      req.onblocked = () => reject(new Error(`IndexedDB "${name}" is blocked by another tab holding an older version`));
    });
  }

  private async tx<T>(store: string, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const t = this.db.transaction(store, mode);
    const result = request(fn(t.objectStore(store)));
    await new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted (storage full?)'));
    });
    return result;
  }

  put<T>(store: string, value: T, key?: IDBValidKey): Promise<IDBValidKey> {
    return this.tx(store, 'readwrite', (s) => s.put(value, key));
  }

  get<T>(store: string, key: IDBValidKey): Promise<T | undefined> {
    return this.tx(store, 'readonly', (s) => s.get(key) as IDBRequest<T | undefined>);
  }

  getAll<T>(store: string): Promise<T[]> {
    return this.tx(store, 'readonly', (s) => s.getAll() as IDBRequest<T[]>);
  }

  delete(store: string, key: IDBValidKey | IDBKeyRange): Promise<undefined> {
    return this.tx(store, 'readwrite', (s) => s.delete(key));
  }

  close(): void {
    this.db.close();
  }
}
