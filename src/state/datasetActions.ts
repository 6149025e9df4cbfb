/**
 * Dataset actions, callable from React and from tests: load dropped files or the demo, re-pair,
 * re-map labels. Decoding runs in the dataset worker; results land in the registry and store
 * only when they arrive, so a failed or superseded load leaves the current dataset intact.
 */
import type { LabelMapping } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { SyntheticOptions } from '../core/data/synthetic';
import { DatasetClient, SupersededError } from '../worker/datasetClient';
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

function accept(r: DatasetResult, files: DroppedFile[], mapping: LabelMapping | null) {
  datasetRegistry.setCases(r.cases);
  datasetRegistry.setFiles(files);
  datasetRegistry.setUserMapping(mapping);
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

async function run(job: () => Promise<DatasetResult>, files: DroppedFile[], mapping: LabelMapping | null) {
  set({ status: 'loading', progress: { done: 0, total: 0, label: 'reading files' }, error: null });
  try {
    accept(await job(), files, mapping);
  } catch (e) {
    if (e instanceof SupersededError) return; // a newer request owns the state now
    const had = datasetRegistry.cases().length > 0;
    set({ status: had ? 'ready' : 'error', progress: null, error: e instanceof Error ? e.message : String(e) });
  }
}

export const datasetActions = {
  loadFiles(files: DroppedFile[]) {
    return run(() => client.load(files, {}, progress), files, null);
  },
  loadDemo(options: Partial<SyntheticOptions> = {}) {
    return run(() => client.demo(options, progress), [], null);
  },
  /** Reloads the dropped files with a corrected pairing, keeping the user's label mapping. */
  repair(pairing: Pairing) {
    const files = datasetRegistry.files();
    const mapping = datasetRegistry.userMapping();
    return run(() => client.load(files, { pairing, ...(mapping ? { mapping } : {}) }, progress), files, mapping);
  },
  /** Reloads the dropped files with the user's label mapping, keeping the current pairing. */
  remap(mapping: LabelMapping) {
    const files = datasetRegistry.files();
    const pairing = useStudio.getState().dataset.pairing ?? undefined;
    return run(() => client.load(files, { mapping, ...(pairing ? { pairing } : {}) }, progress), files, mapping);
  },
  /** A drop that could not even be read (e.g. a folder the browser refused to list). */
  failed(message: string) {
    set({ error: message });
  },
  setSplitSeed(seed: number) {
    set({ splitSeed: seed });
  },
  cancel() {
    client.cancel();
    set({ status: datasetRegistry.cases().length ? 'ready' : 'empty', progress: null });
  },
};
