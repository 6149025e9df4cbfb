/**
 * Experiments kept in IndexedDB across reloads: the request, the history snapshot after every
 * epoch (a reload loses at most the epoch in progress), and each run's best weights when it ends.
 */
import { Idb } from './idb';
import type { StoredExperiment } from './trainingProtocol';

const DB = 'segmentation-studio';
const VERSION = 2;
const EXPERIMENTS = 'experiments';
const WEIGHTS = 'weights';
const CHECKPOINTS = 'checkpoints';

export interface StoredWeights {
  /** tfjs model artifacts: topology and weight specs as JSON, weights as one ArrayBuffer. */
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: ArrayBuffer;
}

export class ExperimentStore {
  private constructor(private readonly db: Idb) {}

  static async open(factory?: IDBFactory): Promise<ExperimentStore> {
    return new ExperimentStore(await Idb.open(DB, VERSION, [{ name: EXPERIMENTS, keyPath: 'id' }, { name: WEIGHTS }, { name: CHECKPOINTS }], factory));
  }

  save(e: StoredExperiment): Promise<unknown> {
    return this.db.put(EXPERIMENTS, e);
  }

  get(id: string): Promise<StoredExperiment | undefined> {
    return this.db.get<StoredExperiment>(EXPERIMENTS, id);
  }

  /** Every stored experiment, newest first; any still marked running was cut short by a reload. */
  async list(): Promise<StoredExperiment[]> {
    const all = await this.db.getAll<StoredExperiment>(EXPERIMENTS);
    return all
      .map((e) => (e.status === 'running' ? { ...e, status: 'interrupted' as const, message: 'the page was closed or reloaded during training; finished epochs are kept' } : e))
      .sort((a, b) => b.request.createdAt.localeCompare(a.request.createdAt));
  }

  saveWeights(experimentId: string, runId: string, w: StoredWeights): Promise<unknown> {
    return this.db.put(WEIGHTS, w, `${experimentId}/${runId}`);
  }

  getWeights(experimentId: string, runId: string): Promise<StoredWeights | undefined> {
    return this.db.get<StoredWeights>(WEIGHTS, `${experimentId}/${runId}`);
  }

  /** The newest epoch checkpoint of an experiment (structured-cloneable, weights included). */
  saveCheckpoint(id: string, checkpoint: unknown): Promise<unknown> {
    return this.db.put(CHECKPOINTS, checkpoint, id);
  }

  getCheckpoint<T>(id: string): Promise<T | undefined> {
    return this.db.get<T>(CHECKPOINTS, id);
  }

  async remove(id: string): Promise<void> {
    const e = await this.get(id);
    await this.db.delete(CHECKPOINTS, id);
    await this.db.delete(EXPERIMENTS, id);
    for (const run of e?.savedWeights ?? []) await this.db.delete(WEIGHTS, `${id}/${run}`);
  }
}
