/**
 * The experiments kept in a store, for a host: list them, export one as an experiment file
 * (its record and the best weights of its runs), import a file after checking all of it
 * (core/training/experimentFile.ts), hand out one run's model, delete one. tfjs-free.
 */
import { EXPERIMENT_FILE_FORMAT, EXPERIMENT_FILE_VERSION, validateExperimentFile, type ExperimentFile, type ModelFiles, type StoredExperiment } from '../training/experimentFile';
import type { EngineStore, ExperimentList, StoreAccess } from './store';

export interface StoredExperimentsOptions {
  store: StoreAccess;
  /**
   * Awaited before an experiment's stored weights change or go (an import over it, a delete):
   * models loaded from the old weights must stop answering for it.
   */
  beforeChange?: (experimentId: string) => Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class StoredExperiments {
  private readonly opts: StoredExperimentsOptions;

  constructor(opts: StoredExperimentsOptions) {
    this.opts = opts;
  }

  /** The stored experiments, newest first, and the records that fail validation; empty without a store. */
  async list(): Promise<ExperimentList> {
    const s = await this.opts.store();
    return s ? s.list() : { experiments: [], broken: [] };
  }

  /** A stored experiment as a file: its record and the stored weights of its runs. */
  async exportExperiment(id: string): Promise<ExperimentFile> {
    const s = await this.opts.store();
    const record = await s?.get(id);
    if (!s || !record) throw new Error(`experiment ${id} is not stored here`);
    const weights: ExperimentFile['weights'] = {};
    for (const run of record.savedWeights) {
      const w = await s.getWeights(id, run);
      if (w) weights[run] = w;
    }
    return { format: EXPERIMENT_FILE_FORMAT, version: EXPERIMENT_FILE_VERSION, record, weights };
  }

  /**
   * Stores an experiment file after checking all of it (a refused file changes nothing). A
   * record that was still running when it was exported is kept as interrupted. Returns the
   * stored record.
   */
  async importExperiment(file: unknown): Promise<StoredExperiment> {
    const s = await this.requireStore();
    let f: ExperimentFile;
    try {
      f = validateExperimentFile(file);
    } catch (e) {
      throw new Error(`the experiment file was not imported: ${message(e)}`, { cause: e });
    }
    const record: StoredExperiment = { ...f.record, status: f.record.status === 'running' ? 'interrupted' : f.record.status, savedWeights: Object.keys(f.weights) };
    await this.opts.beforeChange?.(record.id);
    // The weights first: the record then names only weights that are stored.
    for (const [run, w] of Object.entries(f.weights)) await s.saveWeights(record.id, run, w);
    await s.save(record);
    return record;
  }

  /** One run's stored best weights (tfjs artifacts). */
  async exportModel(id: string, run: string): Promise<ModelFiles> {
    const w = await (await this.opts.store())?.getWeights(id, run);
    if (!w) throw new Error(`no stored weights for run ${run} of experiment ${id} (a run keeps its weights when it ends)`);
    return w;
  }

  /** Deletes an experiment (or a broken record by the id the list gives it), its weights and checkpoint. */
  async remove(id: string): Promise<void> {
    const s = await this.opts.store();
    await this.opts.beforeChange?.(id);
    await s?.remove(id);
  }

  private async requireStore(): Promise<EngineStore> {
    const s = await this.opts.store();
    if (!s) throw new Error('experiments cannot be stored here');
    return s;
  }
}
