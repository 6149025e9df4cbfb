/**
 * The engine's store (core/engine/store.ts EngineStore) in a folder, for `segstudio train`: the
 * record, each run's best weights and the newest epoch checkpoint of every experiment, each a
 * file written whole and then renamed over the old one (a task killed while writing leaves the
 * previous file intact). Node's structured serialisation keeps what JSON cannot (Float32Arrays,
 * NaN and ±∞ in checkpoints). Everything read back is validated as the browser's store does.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { asListed, newestFirst, type BrokenExperiment, type EngineStore, type ExperimentList } from '../core/engine/store';
import type { ExperimentCheckpoint } from '../core/training/experiment';
import { validateModelFiles, validateStoredExperiment, type ModelFiles, type StoredExperiment } from '../core/training/experimentFile';

/** A file name for an id (ids never contain '/', but may hold characters a file system refuses). */
const part = (id: string) => encodeURIComponent(id);

export class FileStore implements EngineStore {
  constructor(readonly dir: string) {}

  private async put(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, name);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, serialize(value));
    await rename(tmp, path);
  }

  private async take(name: string): Promise<unknown> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return deserialize(bytes) as unknown;
    } catch (e) {
      throw new Error(`${join(this.dir, name)} is damaged (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  }

  save(record: StoredExperiment): Promise<void> {
    return this.put(`${part(record.id)}.record`, record);
  }

  async get(id: string): Promise<StoredExperiment | undefined> {
    const raw = await this.take(`${part(id)}.record`);
    return raw === undefined ? undefined : validateStoredExperiment(raw);
  }

  async list(): Promise<ExperimentList> {
    const experiments: StoredExperiment[] = [];
    const broken: BrokenExperiment[] = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { experiments, broken };
    }
    for (const n of names.filter((x) => x.endsWith('.record'))) {
      const id = decodeURIComponent(n.slice(0, -'.record'.length));
      try {
        experiments.push(asListed(validateStoredExperiment(await this.take(n))));
      } catch (e) {
        broken.push({ id, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    experiments.sort(newestFirst);
    return { experiments, broken };
  }

  saveWeights(experimentId: string, runId: string, weights: ModelFiles): Promise<void> {
    return this.put(`${part(experimentId)}.weights.${part(runId)}`, weights);
  }

  async getWeights(experimentId: string, runId: string): Promise<ModelFiles | undefined> {
    const raw = await this.take(`${part(experimentId)}.weights.${part(runId)}`);
    return raw === undefined ? undefined : validateModelFiles(raw, `the stored weights of ${runId}`);
  }

  saveCheckpoint(id: string, checkpoint: ExperimentCheckpoint): Promise<void> {
    return this.put(`${part(id)}.checkpoint`, checkpoint);
  }

  async getCheckpoint(id: string): Promise<ExperimentCheckpoint | undefined> {
    return (await this.take(`${part(id)}.checkpoint`)) as ExperimentCheckpoint | undefined;
  }

  async remove(id: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const p = part(id);
    for (const n of names) if (n === `${p}.record` || n === `${p}.checkpoint` || n.startsWith(`${p}.weights.`)) await rm(join(this.dir, n), { force: true });
  }
}
