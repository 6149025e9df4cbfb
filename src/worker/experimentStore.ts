/**
 * Experiments kept in IndexedDB across reloads: the request, the history snapshot after every
 * epoch (a reload loses at most the epoch in progress), and each run's best weights when it ends.
 *
 * What is read back is validated (core/training/experimentFile.ts) before anyone uses it: the
 * database may hold records written by an older studio, damaged ones, or ones planted by other
 * code of this origin. {@link ExperimentStore.list} returns such records apart, as broken
 * entries with the reason, and {@link ExperimentStore.remove} deletes them like any other.
 */
import { asListed, newestFirst, type BrokenExperiment, type EngineStore, type ExperimentList } from '../core/engine/store';
import type { ExperimentCheckpoint } from '../core/training/experiment';
import { truncateText, validateModelFiles, validateStoredExperiment, type ModelFiles, type StoredExperiment } from '../core/training/experimentFile';
import { Idb } from './idb';

export type { ExperimentList } from '../core/engine/store';

const DB = 'segmentation-studio';
const VERSION = 2;
const EXPERIMENTS = 'experiments';
const WEIGHTS = 'weights';
const CHECKPOINTS = 'checkpoints';

/** tfjs model artifacts: topology and weight specs as JSON, weights as one ArrayBuffer. */
export type StoredWeights = ModelFiles;

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Names of non-string IndexedDB keys start with this (string ids are their own names). */
const KEY_NAME_PREFIX = 'IndexedDB key ';

function keyPart(k: unknown): string {
  if (typeof k === 'string') return JSON.stringify(k);
  if (typeof k === 'number') return String(k);
  if (k instanceof Date) return `date ${Number.isFinite(k.getTime()) ? k.toISOString() : 'invalid'}`;
  if (Array.isArray(k)) return `[${k.map(keyPart).join(', ')}]`;
  if (k instanceof ArrayBuffer || ArrayBuffer.isView(k)) {
    const bytes = k instanceof ArrayBuffer ? new Uint8Array(k) : new Uint8Array(k.buffer, k.byteOffset, k.byteLength);
    return `binary ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  return `of type ${typeof k}`;
}

/** The key of a record of the experiments store (its keyPath is 'id'), if it has one. */
function keyOf(raw: unknown): IDBValidKey | undefined {
  return typeof raw === 'object' && raw !== null && 'id' in raw ? (raw.id as IDBValidKey) : undefined;
}

/** How a broken record is named: its id when that is a string, otherwise its key described. */
function recordName(raw: unknown): string {
  const key = keyOf(raw);
  if (typeof key === 'string') return key;
  return key === undefined ? `${KEY_NAME_PREFIX}missing` : `${KEY_NAME_PREFIX}${keyPart(key)}`;
}

/** Every weights key of an experiment: `${id}/…` (experiment ids contain no '/'). */
function weightsOf(id: string): IDBKeyRange {
  return IDBKeyRange.bound(`${id}/`, `${id}0`, false, true);
}

/** The engine's store (core/engine/store.ts) over IndexedDB. */
export class ExperimentStore implements EngineStore {
  private constructor(private readonly db: Idb) {}

  static async open(factory?: IDBFactory): Promise<ExperimentStore> {
    return new ExperimentStore(await Idb.open(DB, VERSION, [{ name: EXPERIMENTS, keyPath: 'id' }, { name: WEIGHTS }, { name: CHECKPOINTS }], factory));
  }

  save(e: StoredExperiment): Promise<unknown> {
    return this.db.put(EXPERIMENTS, e);
  }

  /** A stored experiment; a record that fails validation is an error that says what is wrong. */
  async get(id: string): Promise<StoredExperiment | undefined> {
    const raw = await this.db.get<unknown>(EXPERIMENTS, id);
    if (raw === undefined) return undefined;
    try {
      return validateStoredExperiment(raw);
    } catch (e) {
      throw new Error(`the stored experiment ${truncateText(id)} is damaged (${errorText(e)}); delete it in Train & compare`, { cause: e });
    }
  }

  /**
   * Every stored experiment, newest first; any still marked running was cut short by a reload.
   * Records that fail validation come back as broken entries instead.
   */
  async list(): Promise<ExperimentList> {
    const experiments: StoredExperiment[] = [];
    const broken: BrokenExperiment[] = [];
    for (const raw of await this.db.getAll<unknown>(EXPERIMENTS)) {
      let e: StoredExperiment;
      try {
        e = validateStoredExperiment(raw);
      } catch (err) {
        broken.push({ id: recordName(raw), reason: errorText(err) });
        continue;
      }
      experiments.push(asListed(e));
    }
    experiments.sort(newestFirst);
    broken.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { experiments, broken };
  }

  saveWeights(experimentId: string, runId: string, w: StoredWeights): Promise<unknown> {
    return this.db.put(WEIGHTS, w, `${experimentId}/${runId}`);
  }

  /** A run's stored weights, validated (a damaged entry is an error that says what is wrong). */
  async getWeights(experimentId: string, runId: string): Promise<StoredWeights | undefined> {
    const raw = await this.db.get<unknown>(WEIGHTS, `${experimentId}/${runId}`);
    return raw === undefined ? undefined : validateModelFiles(raw, `the stored weights of ${truncateText(runId)}`);
  }

  /** The newest epoch checkpoint of an experiment (structured-cloneable, weights included). */
  saveCheckpoint(id: string, checkpoint: ExperimentCheckpoint): Promise<unknown> {
    return this.db.put(CHECKPOINTS, checkpoint, id);
  }

  getCheckpoint(id: string): Promise<ExperimentCheckpoint | undefined> {
    return this.db.get<ExperimentCheckpoint>(CHECKPOINTS, id);
  }

  /**
   * Deletes an experiment with its weights and checkpoint: `id` is a stored experiment's id or a
   * broken entry's (see {@link ExperimentList}), so that damaged records can be deleted too.
   */
  async remove(id: string): Promise<void> {
    const key = (await this.db.get<unknown>(EXPERIMENTS, id)) !== undefined ? id : ((await this.keyNamed(id)) ?? id);
    await this.db.delete(CHECKPOINTS, key);
    await this.db.delete(EXPERIMENTS, key);
    if (typeof key === 'string') await this.db.delete(WEIGHTS, weightsOf(key));
  }

  /** The non-string key a broken entry is named by (see recordName). */
  private async keyNamed(name: string): Promise<IDBValidKey | undefined> {
    if (!name.startsWith(KEY_NAME_PREFIX)) return undefined;
    for (const raw of await this.db.getAll<unknown>(EXPERIMENTS)) {
      const key = keyOf(raw);
      if (key !== undefined && typeof key !== 'string' && recordName(raw) === name) return key;
    }
    return undefined;
  }
}
