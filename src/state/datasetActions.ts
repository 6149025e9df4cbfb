/**
 * Dataset actions, callable from React and from tests: load dropped files or the demo, re-pair,
 * re-map labels. Decoding runs in the dataset worker; results land in the registry and store.
 */
import type { LabelMapping } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { SyntheticOptions } from '../core/data/synthetic';
import { DatasetClient } from '../worker/datasetClient';
import type { DatasetResult, DroppedFile } from '../worker/datasetProtocol';
import { datasetRegistry } from './datasetRegistry';
import { useStudio } from './store';

const client = new DatasetClient();

function set(patch: Partial<ReturnType<typeof useStudio.getState>['dataset']>) {
  useStudio.setState((s) => ({ dataset: { ...s.dataset, ...patch } }));
}

function progress(done: number, total: number, label: string) {
  set({ progress: { done, total, label } });
}

function accept(r: DatasetResult) {
  datasetRegistry.setCases(r.cases);
  useStudio.setState((s) => ({
    dataset: {
      ...s.dataset,
      status: 'ready',
      origin: r.origin,
      progress: null,
      error: null,
      pairing: r.pairing,
      mapping: r.mapping,
      labelValues: r.labelValues,
      summary: r.summary,
      issues: r.issues,
      notes: r.notes,
      version: s.dataset.version + 1,
    },
  }));
}

async function run(job: () => Promise<DatasetResult>) {
  set({ status: 'loading', progress: { done: 0, total: 0, label: 'reading files' }, error: null });
  try {
    accept(await job());
  } catch (e) {
    // The previous dataset (if any) stays in the registry; the error is shown where the drop happened.
    const had = datasetRegistry.cases().length > 0;
    set({ status: had ? 'ready' : 'error', progress: null, error: e instanceof Error ? e.message : String(e) });
  }
}

export const datasetActions = {
  loadFiles(files: DroppedFile[]) {
    datasetRegistry.setFiles(files);
    return run(() => client.load(files, {}, progress));
  },
  loadDemo(options: Partial<SyntheticOptions> = {}) {
    datasetRegistry.setFiles([]);
    return run(() => client.demo(options, progress));
  },
  /** Reloads the dropped files with a corrected pairing (and the current mapping if the user set one). */
  repair(pairing: Pairing) {
    return run(() => client.load(datasetRegistry.files(), { pairing }, progress));
  },
  remap(mapping: LabelMapping) {
    const pairing = useStudio.getState().dataset.pairing ?? undefined;
    return run(() => client.load(datasetRegistry.files(), { mapping, ...(pairing ? { pairing } : {}) }, progress));
  },
  setSplitSeed(seed: number) {
    set({ splitSeed: seed });
  },
  cancel() {
    client.cancel();
    set({ status: datasetRegistry.cases().length ? 'ready' : 'empty', progress: null });
  },
};
