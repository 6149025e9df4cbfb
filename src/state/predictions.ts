/**
 * Predicted slices on the page, outside React and the store (they are typed arrays): a cache
 * keyed by experiment, run, case and slice, filled by the training worker on request. A slice is
 * asked for again when its run has trained more epochs than the cached prediction saw, so
 * viewers follow training. One request is in flight at a time and only the newest waiting one
 * is kept, so scrolling through slices never queues stale work.
 *
 * Whole label volumes (for the sagittal and coronal planes, which need every axial slice): a
 * second cache keyed by experiment, run and case, each entry holding the labels of every axial
 * slice predicted in one request (so all from the same weights) and the weights' version
 * (epochs, current or best). A newer version replaces the entry; the last MAX_VOLUMES volumes
 * (and at most MAX_VOLUME_BYTES) are kept, never evicting the answer just received. Volume
 * requests wait behind slice requests (one of each kind waiting, the newest), since a slice is
 * quick and a volume is every slice of the case. A cached volume also answers its axial slices
 * when it is at least as new as the cached slice.
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

/** Runs with the epochs they have finished and whether they are done. */
export type RunState = SliceRequest['runs'][number];

export interface VolumeRequest {
  experimentId: string;
  caseId: string;
  /** The case's [nx, ny, nz]: the answer is nz axial slices of nx · ny labels. */
  dims: readonly [number, number, number];
  runs: RunState[];
}

export interface VolumePrediction {
  /** Class per voxel, x fastest (as Case.labels). */
  labels: Uint8Array;
  dims: readonly [number, number, number];
  epochs: number;
  weights: 'current' | 'best';
}

const MAX_ENTRIES = 600;
export const MAX_VOLUMES = 8;
const MAX_VOLUME_BYTES = 512 * 1024 * 1024;
const cache = new Map<string, SlicePrediction>();
/** Why a run's slice could not be predicted, and the run's state then (a later state tries again). */
const failures = new Map<string, { message: string; epochs: number; done: boolean }>();
const listeners = new Set<() => void>();
let version = 0;
let inFlight = false;
/** Bumped by clearPredictions: answers to requests sent before are dropped. */
let generation = 0;
let waiting: SliceRequest | null = null;
let waitingVolume: VolumeRequest | null = null;
const volumes = new Map<string, VolumePrediction & { slices: (SlicePrediction | undefined)[] }>();
let volumeBytes = 0;
const volumeFailures = new Map<string, { message: string; epochs: number; done: boolean }>();

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

const volumeKeyOf = (experimentId: string, run: string, caseId: string) => `${experimentId}\u0000${run}\u0000${caseId}`;

/** Order of weight versions: best weights are a run's final answer, else more epochs are newer. */
const rank = (p: { epochs: number; weights: 'current' | 'best' }) => (p.weights === 'best' ? Infinity : p.epochs);

/** Whether a cached prediction (or a failure) still stands for a run in this state. */
function isStale(have: { epochs: number; weights: 'current' | 'best' } | undefined, failed: { epochs: number; done: boolean } | undefined, run: RunState): boolean {
  if (failed && failed.epochs === run.epochs && failed.done === run.done) return false;
  return !have || (have.weights === 'current' && (have.epochs < run.epochs || run.done));
}

/** Axial slice `slice` of a run's prediction: the cached slice, or the cached volume's when that is at least as new. */
export function getPrediction(experimentId: string, run: string, caseId: string, slice: number): SlicePrediction | undefined {
  const own = cache.get(keyOf(experimentId, run, caseId, slice));
  const vol = volumes.get(volumeKeyOf(experimentId, run, caseId));
  if (!vol || slice < 0 || slice >= vol.dims[2] || (own && rank(own) > rank(vol))) return own;
  let p = vol.slices[slice];
  if (!p) {
    const n = vol.dims[0] * vol.dims[1];
    p = { labels: vol.labels.subarray(slice * n, (slice + 1) * n), epochs: vol.epochs, weights: vol.weights };
    vol.slices[slice] = p;
  }
  return p;
}

/** A run's cached label volume of a case (possibly from older weights while a newer one is asked for). */
export function getVolumePrediction(experimentId: string, run: string, caseId: string): VolumePrediction | undefined {
  return volumes.get(volumeKeyOf(experimentId, run, caseId));
}

/** Why a run's volume could not be predicted, if it could not. */
export function getVolumePredictionFailure(experimentId: string, run: string, caseId: string): string | undefined {
  return volumeFailures.get(volumeKeyOf(experimentId, run, caseId))?.message;
}

/** Number of cached volumes (for tests). */
export function cachedVolumeCount(): number {
  return volumes.size;
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
      return isStale(getPrediction(r.experimentId, run.id, r.caseId, r.slice), failures.get(k), run);
    })
    .map((run) => run.id);
}

/** The runs of a volume request whose cached volume is missing or older than their epochs. */
export function staleVolumeRuns(r: VolumeRequest): string[] {
  return r.runs
    .filter((run) => {
      const k = volumeKeyOf(r.experimentId, run.id, r.caseId);
      const have = volumes.get(k);
      const sameGrid = have && have.dims.every((d, i) => d === r.dims[i]);
      return isStale(sameGrid ? have : undefined, volumeFailures.get(k), run);
    })
    .map((run) => run.id);
}

/** Asks for the stale volumes of a request (the newest volume request replaces one still waiting). */
export function requestVolume(r: VolumeRequest): void {
  if (staleVolumeRuns(r).length === 0) return;
  waitingVolume = r;
  void pump();
}

function rememberVolume(key: string, v: VolumePrediction, keep: ReadonlySet<string>) {
  const old = volumes.get(key);
  if (old) volumeBytes -= old.labels.byteLength;
  volumes.delete(key);
  volumes.set(key, { ...v, slices: [] });
  volumeBytes += v.labels.byteLength;
  for (const [k, e] of volumes) {
    if (volumes.size <= MAX_VOLUMES && volumeBytes <= MAX_VOLUME_BYTES) break;
    if (keep.has(k)) continue;
    volumes.delete(k);
    volumeBytes -= e.labels.byteLength;
  }
}

/** One label volume from the slices of one answer; a message when they do not fit the grid. */
function assemble(slices: Uint8Array[], dims: readonly [number, number, number]): Uint8Array | string {
  const [nx, ny, nz] = dims;
  const n = nx * ny;
  if (slices.length !== nz) return `the answer has ${slices.length} slices; the case has ${nz}`;
  const out = new Uint8Array(n * nz);
  for (const [k, s] of slices.entries()) {
    if (s.length !== n) return `slice ${k} has ${s.length} labels; expected ${n} (${nx}×${ny})`;
    out.set(s, k * n);
  }
  return out;
}

async function pumpVolume(r: VolumeRequest, runs: string[], gen: number): Promise<void> {
  const fail = (run: string, message: string) => {
    const state = r.runs.find((x) => x.id === run);
    volumeFailures.set(volumeKeyOf(r.experimentId, run, r.caseId), { message, epochs: state?.epochs ?? 0, done: state?.done ?? false });
  };
  try {
    const slices = Array.from({ length: r.dims[2] }, (_, k) => k);
    const res = await trainingActions.predict({ experimentId: r.experimentId, runs, caseId: r.caseId, slices });
    if (gen !== generation) return;
    const keep = new Set(res.results.map((p) => volumeKeyOf(r.experimentId, p.run, r.caseId)));
    for (const p of res.results) {
      const labels = assemble(p.labels, r.dims);
      if (typeof labels === 'string') fail(p.run, labels);
      else rememberVolume(volumeKeyOf(r.experimentId, p.run, r.caseId), { labels, dims: [...r.dims], epochs: p.epochs, weights: p.weights }, keep);
    }
    for (const f of res.failed) fail(f.run, f.message);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (gen === generation) for (const run of runs) fail(run, msg);
  }
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
  if (!r) {
    const v = waitingVolume;
    waitingVolume = null;
    if (!v) return;
    const runs = staleVolumeRuns(v);
    if (runs.length === 0) return void pump();
    inFlight = true;
    try {
      await pumpVolume(v, runs, generation);
    } finally {
      inFlight = false;
      changed();
    }
    return void pump();
  }
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
  volumes.clear();
  volumeBytes = 0;
  volumeFailures.clear();
  filePredictions.clear();
  waiting = null;
  waitingVolume = null;
  changed();
}

/** Forgets the failures so that they are tried again (e.g. after the backend restarted). */
export function retryFailedPredictions(): void {
  failures.clear();
  volumeFailures.clear();
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
    if (backendStatus === 'ready' && (failures.size || volumeFailures.size)) retryFailedPredictions();
  }
});
