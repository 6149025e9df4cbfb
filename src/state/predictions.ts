/**
 * Predicted slices on the page, outside React and the store (they are typed arrays): a cache
 * keyed by experiment, run, case and slice, filled by the training worker on request. A slice is
 * asked for again when its run has trained more epochs than the cached prediction saw, so
 * viewers follow training. One request is in flight at a time and only the newest waiting one
 * is kept, so scrolling through slices never queues stale work.
 */
import { useSyncExternalStore } from 'react';
import { useStudio } from './store';
import { trainingActions } from './trainingActions';

export interface SlicePrediction {
  labels: Uint8Array;
  /** Epochs the weights had seen. */
  epochs: number;
  weights: 'current' | 'best';
}

export interface SliceRequest {
  experimentId: string;
  caseId: string;
  slice: number;
  /**
   * Runs with the epochs they have finished and whether they are done (a newer epoch, or the
   * best weights put back when a run ends, makes a cached slice stale).
   */
  runs: { id: string; epochs: number; done: boolean }[];
}

const MAX_ENTRIES = 600;
const cache = new Map<string, SlicePrediction>();
/** Why a run's slice could not be predicted, and the run's state then (a later state tries again). */
const failures = new Map<string, { message: string; epochs: number; done: boolean }>();
const listeners = new Set<() => void>();
let version = 0;
let inFlight = false;
/** Bumped by clearPredictions: answers to requests sent before are dropped. */
let generation = 0;
let waiting: SliceRequest | null = null;

const keyOf = (experimentId: string, run: string, caseId: string, slice: number) => `${experimentId}\u0000${run}\u0000${caseId}\u0000${slice}`;

function changed() {
  version++;
  for (const l of listeners) l();
}

function remember(key: string, p: SlicePrediction) {
  cache.delete(key);
  cache.set(key, p);
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}

export function getPrediction(experimentId: string, run: string, caseId: string, slice: number): SlicePrediction | undefined {
  return cache.get(keyOf(experimentId, run, caseId, slice));
}

/** Why a run's slice could not be predicted, if it could not. */
export function getPredictionFailure(experimentId: string, run: string, caseId: string, slice: number): string | undefined {
  return failures.get(keyOf(experimentId, run, caseId, slice))?.message;
}

/** The runs of a request whose cached slice is missing or older than their epochs. */
export function staleRuns(r: SliceRequest): string[] {
  return r.runs
    .filter((run) => {
      const k = keyOf(r.experimentId, run.id, r.caseId, r.slice);
      const failed = failures.get(k);
      if (failed && failed.epochs === run.epochs && failed.done === run.done) return false;
      const have = cache.get(k);
      return !have || (have.weights === 'current' && (have.epochs < run.epochs || run.done));
    })
    .map((run) => run.id);
}

/** Asks for the stale slices of a request (the newest request replaces one still waiting). */
export function requestSlice(r: SliceRequest): void {
  if (staleRuns(r).length === 0) return;
  waiting = r;
  void pump();
}

async function pump(): Promise<void> {
  if (inFlight) return;
  const r = waiting;
  waiting = null;
  if (!r) return;
  const runs = staleRuns(r);
  if (runs.length === 0) return void pump();
  inFlight = true;
  const gen = generation;
  const fail = (run: string, message: string) => {
    const state = r.runs.find((x) => x.id === run);
    failures.set(keyOf(r.experimentId, run, r.caseId, r.slice), { message, epochs: state?.epochs ?? 0, done: state?.done ?? false });
  };
  try {
    const res = await trainingActions.predict({ experimentId: r.experimentId, runs, caseId: r.caseId, slices: [r.slice] });
    if (gen === generation) {
      for (const p of res.results) {
        const labels = p.labels[0];
        if (labels) remember(keyOf(r.experimentId, p.run, r.caseId, r.slice), { labels, epochs: p.epochs, weights: p.weights });
      }
      for (const f of res.failed) fail(f.run, f.message);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (gen === generation) for (const run of runs) fail(run, msg);
  } finally {
    inFlight = false;
    changed();
  }
  void pump();
}

/** Masks loaded from files (segmentations made elsewhere), per case: labels of the whole volume. */
const filePredictions = new Map<string, { name: string; labels: Uint8Array }>();

export function setFilePrediction(caseId: string, name: string, labels: Uint8Array): void {
  filePredictions.set(caseId, { name, labels });
  changed();
}

export function getFilePrediction(caseId: string): { name: string; labels: Uint8Array } | undefined {
  return filePredictions.get(caseId);
}

/** Forgets everything (a new dataset: case ids may mean other images now). */
export function clearPredictions(): void {
  generation++;
  cache.clear();
  failures.clear();
  filePredictions.clear();
  waiting = null;
  changed();
}

/** Forgets the failures so that they are tried again (e.g. after the backend restarted). */
export function retryFailedPredictions(): void {
  failures.clear();
  changed();
}

/** Re-renders a component whenever predictions arrive. */
export function usePredictionsVersion(): number {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
}

/**
 * Every axial slice of a case predicted by one run (for export), in one request, so that all
 * slices come from the same weights even while the run trains.
 */
export async function predictWholeCase(experimentId: string, run: string, caseId: string, sliceCount: number): Promise<Uint8Array[]> {
  const slices = Array.from({ length: sliceCount }, (_, k) => k);
  const res = await trainingActions.predict({ experimentId, runs: [run], caseId, slices });
  const p = res.results[0];
  if (!p) throw new Error(res.failed[0]?.message ?? `no prediction for ${run}`);
  return p.labels;
}

// A new dataset makes every cached slice meaningless.
let datasetVersion = useStudio.getState().dataset.version;
let backendStatus = useStudio.getState().training.backendStatus;
useStudio.subscribe((s) => {
  if (s.dataset.version !== datasetVersion) {
    datasetVersion = s.dataset.version;
    clearPredictions();
  }
  // A restarted backend (or worker) is worth another try for whatever failed before.
  if (s.training.backendStatus !== backendStatus) {
    backendStatus = s.training.backendStatus;
    if (backendStatus === 'ready' && failures.size) retryFailedPredictions();
  }
});
