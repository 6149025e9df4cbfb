/**
 * Where the engine keeps experiments: the record of each (request, status, history snapshot),
 * the epoch checkpoint it resumes from, and the best weights of every run that ended. The
 * browser's training worker implements it over IndexedDB (worker/experimentStore.ts); a command
 * line implements it over files; {@link MemoryStore} keeps everything in memory (tests, one-shot
 * runs that write an experiment file at the end).
 *
 * Contract: what is read back has been validated (core/training/experimentFile.ts) and is a
 * copy (changing it changes nothing stored); `list` returns records that fail validation apart,
 * and marks records still 'running' as 'interrupted' (their writer is gone); `remove` deletes an
 * experiment with its weights and checkpoint. tfjs-free.
 */
import type { ExperimentCheckpoint } from '../training/experiment';
import { truncateText, validateModelFiles, validateStoredExperiment, type ModelFiles, type StoredExperiment } from '../training/experimentFile';

/**
 * A stored record that fails validation: listed apart, with the reason, so that it can be seen
 * and deleted. `id` is the record's id when that is a string, otherwise a description of its
 * key; either way `remove` takes it.
 */
export interface BrokenExperiment {
  id: string;
  reason: string;
}

export interface ExperimentList {
  /** Valid experiments, newest first. */
  experiments: StoredExperiment[];
  /** Records that fail validation, by id. */
  broken: BrokenExperiment[];
}

export interface EngineStore {
  save(record: StoredExperiment): Promise<unknown>;
  /** A stored experiment; a record that fails validation is an error that says what is wrong. */
  get(id: string): Promise<StoredExperiment | undefined>;
  list(): Promise<ExperimentList>;
  saveWeights(experimentId: string, runId: string, weights: ModelFiles): Promise<unknown>;
  /** A run's stored weights, validated. */
  getWeights(experimentId: string, runId: string): Promise<ModelFiles | undefined>;
  /** The newest epoch checkpoint of an experiment (replaces the one before). */
  saveCheckpoint(id: string, checkpoint: ExperimentCheckpoint): Promise<unknown>;
  getCheckpoint(id: string): Promise<ExperimentCheckpoint | undefined>;
  /** Deletes an experiment (or a broken record named by the list), its weights and checkpoint. */
  remove(id: string): Promise<void>;
}

/**
 * How services reach the store: settles with null where experiments cannot be kept (the
 * browser refused IndexedDB); the services then train and predict without keeping anything.
 */
export type StoreAccess = () => Promise<EngineStore | null>;

/** The message shown when a record still marked running is listed: its writer is gone. */
export const INTERRUPTED_MESSAGE = 'the page was closed or reloaded during training; finished epochs are kept';

/** Newest first by creation time (validated dates), then by id: never throws, whatever was stored. */
export function newestFirst(a: StoredExperiment, b: StoredExperiment): number {
  const d = Date.parse(b.request.createdAt) - Date.parse(a.request.createdAt);
  if (d) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A listed record: one still marked running was cut short (see {@link INTERRUPTED_MESSAGE}). */
export function asListed(e: StoredExperiment): StoredExperiment {
  return e.status === 'running' ? { ...e, status: 'interrupted', message: INTERRUPTED_MESSAGE } : e;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Every record kept in memory as a structured clone (so the caller's objects and the stored
 * ones never alias), validated when read back like the IndexedDB store's.
 */
export class MemoryStore implements EngineStore {
  private readonly records = new Map<string, unknown>();
  private readonly weights = new Map<string, unknown>();
  private readonly checkpoints = new Map<string, ExperimentCheckpoint>();

  save(record: StoredExperiment): Promise<void> {
    this.records.set(record.id, structuredClone(record));
    return Promise.resolve();
  }

  get(id: string): Promise<StoredExperiment | undefined> {
    const raw = this.records.get(id);
    if (raw === undefined) return Promise.resolve(undefined);
    try {
      return Promise.resolve(validateStoredExperiment(structuredClone(raw)));
    } catch (e) {
      return Promise.reject(new Error(`the stored experiment ${truncateText(id)} is damaged (${errorText(e)})`, { cause: e }));
    }
  }

  list(): Promise<ExperimentList> {
    const experiments: StoredExperiment[] = [];
    const broken: BrokenExperiment[] = [];
    for (const [id, raw] of this.records) {
      try {
        experiments.push(asListed(validateStoredExperiment(structuredClone(raw))));
      } catch (e) {
        broken.push({ id, reason: errorText(e) });
      }
    }
    experiments.sort(newestFirst);
    return Promise.resolve({ experiments, broken });
  }

  saveWeights(experimentId: string, runId: string, w: ModelFiles): Promise<void> {
    this.weights.set(`${experimentId}/${runId}`, structuredClone(w));
    return Promise.resolve();
  }

  getWeights(experimentId: string, runId: string): Promise<ModelFiles | undefined> {
    const raw = this.weights.get(`${experimentId}/${runId}`);
    if (raw === undefined) return Promise.resolve(undefined);
    try {
      return Promise.resolve(validateModelFiles(structuredClone(raw), `the stored weights of ${truncateText(runId)}`));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  saveCheckpoint(id: string, checkpoint: ExperimentCheckpoint): Promise<void> {
    this.checkpoints.set(id, structuredClone(checkpoint));
    return Promise.resolve();
  }

  getCheckpoint(id: string): Promise<ExperimentCheckpoint | undefined> {
    const cp = this.checkpoints.get(id);
    return Promise.resolve(cp === undefined ? undefined : structuredClone(cp));
  }

  remove(id: string): Promise<void> {
    this.records.delete(id);
    this.checkpoints.delete(id);
    for (const key of [...this.weights.keys()]) if (key.startsWith(`${id}/`)) this.weights.delete(key);
    return Promise.resolve();
  }
}
