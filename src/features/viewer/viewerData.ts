/**
 * What the viewers show, derived from the dataset registry, the store and the prediction cache:
 * the experiment on screen, the current case and slice as display images and label maps, and
 * per-run predictions of that slice (asked for as training goes on).
 */
import { useEffect, useMemo } from 'react';
import type { Case } from '../../core/data/types';
import { splitOf } from '../../core/data/split';
import type { ExperimentSnapshot, RunHistory } from '../../core/training/experiment';
import { autoWindow, finiteRange, type DisplayWindow } from '../../core/viz/windowing';
import type { ViewerImage } from './cornerstoneAdapter';
import { overlayCounts } from '../../core/viz/overlay';
import { planeGeometry, planeImage, planeLabels, type Plane } from '../../core/viz/planes';
import { meanOfFinite } from '../../core/metrics/summary';
import { rowZeroAtBottom } from '../../core/io/formats/registry';
import { datasetRegistry } from '../../state/datasetRegistry';
import { requestSlice, requestVolume, usePredictionsVersion } from '../../state/predictions';
import { useStudio } from '../../state/store';
import type { ExperimentRequest } from '../../worker/trainingProtocol';

export interface ShownExperiment {
  id: string;
  request: ExperimentRequest;
  snapshot: ExperimentSnapshot | null;
  /** Trained on this page (live or last run) rather than opened from storage. */
  live: boolean;
  running: boolean;
}

/** The stored experiment being viewed, or else the live one. */
export function useShownExperiment(): ShownExperiment | null {
  const viewing = useStudio((s) => s.training.experiments.find((e) => e.id === s.training.viewing) ?? null);
  const live = useStudio((s) => s.training.live);
  return useMemo(() => {
    if (viewing) return { id: viewing.id, request: viewing.request, snapshot: viewing.snapshot, live: false, running: false };
    if (live) return { id: live.request.id, request: live.request, snapshot: live.snapshot, live: true, running: live.status === 'running' };
    return null;
  }, [viewing, live]);
}

/** The loaded cases (re-read when the dataset changes). */
export function useCases(): readonly Case[] {
  const version = useStudio((s) => s.dataset.version);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the registry changes together with the version
  return useMemo(() => datasetRegistry.cases(), [version]);
}

/** The case in the viewer: the chosen one, or the experiment's first test case, or the first case. */
export function useCurrentCase(exp: ShownExperiment | null): Case | null {
  const cases = useCases();
  const caseId = useStudio((s) => s.viewer.caseId);
  return useMemo(() => {
    const chosen = caseId ? cases.find((c) => c.id === caseId) : undefined;
    if (chosen) return chosen;
    const firstTest = exp?.request.split.test.find((id) => cases.some((c) => c.id === id));
    return cases.find((c) => c.id === firstTest) ?? cases[0] ?? null;
  }, [cases, caseId, exp]);
}

export function caseSplit(exp: ShownExperiment | null, id: string): string {
  return (exp && splitOf(exp.request.split, id)) ?? '';
}

export function sliceCountOf(c: Case): number {
  return c.image.dims[2];
}


const ranges = new WeakMap<Case, { min: number; max: number; window: DisplayWindow }>();
/** The automatic window is taken from at most this many voxels (evenly strided). */
const WINDOW_SAMPLE = 1 << 20;

/** Intensity range and automatic window over the whole volume, so that every slice of a case is windowed alike. */
function rangeOf(c: Case): { min: number; max: number; window: DisplayWindow } {
  let r = ranges.get(c);
  if (!r) {
    const data = c.image.data;
    const ch = c.image.channels;
    const pixels = data.length / ch;
    const stride = Math.max(1, Math.ceil(pixels / WINDOW_SAMPLE));
    const sample = new Float64Array(Math.ceil(pixels / stride) * ch);
    for (let p = 0, o = 0; p < pixels; p += stride) for (let k = 0; k < ch; k++) sample[o++] = data[p * ch + k]!;
    const range = finiteRange(data) ?? { min: 0, max: 1 };
    r = { ...range, window: autoWindow(sample, ch) };
    ranges.set(c, r);
  }
  return r;
}

/**
 * Slice k of a plane of a case as a display image (core/viz/planes.ts: axial x × y, coronal
 * x × z, sagittal y × z), with the plane's column and row spacing so that anisotropic voxels
 * keep their aspect, and the volume's range and window so that every plane is windowed alike.
 */
export function displayPlane(c: Case, plane: Plane, k: number, version: number): ViewerImage {
  const s = planeImage(c.image, plane, k);
  const g = planeGeometry(plane, c.image.dims, c.image.spacing);
  const r = rangeOf(c);
  return {
    id: plane === 'axial' ? `${version}:${c.id}:${k}` : `${version}:${c.id}:${plane}:${k}`,
    width: s.width,
    height: s.height,
    channels: Math.min(4, Math.max(1, s.channels)) as ViewerImage['channels'],
    data: s.data,
    min: r.min,
    max: r.max,
    window: r.window,
    columnSpacing: g.columnSpacing,
    rowSpacing: g.rowSpacing,
  };
}

/** Axial slice k of a case as a display image (NIfTI volumes: row 0 is posterior, drawn at the bottom: see flipYOf). */
export function displaySlice(c: Case, k: number, version: number): ViewerImage {
  return displayPlane(c, 'axial', k, version);
}

/** The ground-truth labels of axial slice k. */
export function truthSlice(c: Case, k: number): Uint8Array {
  return planeLabels(c.labels, c.image.dims, 'axial', k);
}

/** Whether axial row 0 is drawn at the bottom, as the format's descriptor says (rowZeroAtBottom): NIfTI, anterior at the top; pictures as stored. */
export function flipYOf(c: Case): boolean {
  return rowZeroAtBottom(c.image.source.format);
}

/**
 * Whether a plane's row 0 is drawn at the bottom: sagittal and coronal images always (z, superior,
 * increases upward on screen), axial slices as flipYOf says.
 */
export function planeFlipY(c: Case, plane: Plane): boolean {
  return plane === 'axial' ? flipYOf(c) : true;
}

/** The display image and ground truth of slice k of a plane, kept while case, plane, slice and dataset stay. */
export function usePlaneData(c: Case | null, plane: Plane, k: number, version: number): { image: ViewerImage; truth: Uint8Array } | null {
  return useMemo(() => (c ? { image: displayPlane(c, plane, k, version), truth: planeLabels(c.labels, c.image.dims, plane, k) } : null), [c, plane, k, version]);
}

/** Slice k of a plane of a label volume (the whole case), kept while they stay; null without a volume. */
export function usePlaneCut(labels: Uint8Array | null, c: Case, plane: Plane, k: number): Uint8Array | null {
  return useMemo(() => (labels && labels.length === c.labels.length ? planeLabels(labels, c.image.dims, plane, k) : null), [labels, c, plane, k]);
}

/**
 * DSC of one slice, 2·TP / (2·TP + FP + FN), defined as the case DSC next to it: for one class,
 * that class; for 'any', the mean over the foreground classes present in the truth or the
 * prediction of the slice. null when there is nothing to score (both empty).
 */
export function sliceDsc(truth: Uint8Array, pred: Uint8Array, classFilter: number | 'any', numClasses: number): number | null {
  const one = (c: number | 'any') => {
    const { tp, fp, fn } = overlayCounts(truth, pred, c);
    const d = 2 * tp + fp + fn;
    return d === 0 ? null : (2 * tp) / d;
  };
  if (classFilter !== 'any' || numClasses <= 2) return one(classFilter);
  return meanOfFinite(Array.from({ length: numClasses - 1 }, (_, k) => one(k + 1)));
}

/** The display image and ground truth of an axial slice, kept while case, slice and dataset stay. */
export function useSliceData(c: Case | null, slice: number, version: number): { image: ViewerImage; truth: Uint8Array } | null {
  return usePlaneData(c, 'axial', slice, version);
}

/** Mean over foreground classes of a run's test DSC for one case (classFilter 'any': mean over classes). */
export function caseTestDsc(run: RunHistory, caseId: string, classFilter: number | 'any'): number | null {
  const r = run.test?.find((c) => c.id === caseId);
  if (!r) return null;
  return meanOfFinite(classFilter === 'any' ? r.dsc : [r.dsc[classFilter - 1] ?? NaN]);
}

/** The runs worth asking predictions of (trained at least one epoch, or stored), with their state. */
function useWantedRuns(exp: ShownExperiment | null, runIds: readonly string[]) {
  const runs = exp?.snapshot?.runs;
  const wanted = useMemo(
    () => (runs ?? []).filter((r) => runIds.includes(r.id) && (r.epochs.length > 0 || !exp?.live)).map((r) => ({ id: r.id, epochs: r.epochs.length, done: r.test !== null })),
    [runs, runIds, exp?.live],
  );
  return { wanted, key: wanted.map((w) => `${w.id}:${w.epochs}:${w.done}`).join('|') };
}

/** Keeps the predicted label volumes of these runs (for sagittal and coronal planes) up to date as their epochs grow; nothing while `enabled` is false. */
export function useVolumePredictions(exp: ShownExperiment | null, c: Case | null, runIds: readonly string[], enabled: boolean): void {
  const { wanted, key } = useWantedRuns(exp, runIds);
  const cacheVersion = usePredictionsVersion();
  useEffect(() => {
    if (!enabled || !exp || !c || wanted.length === 0) return;
    requestVolume({ experimentId: exp.id, caseId: c.id, dims: c.image.dims, runs: wanted });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for `wanted`
  }, [enabled, exp?.id, c, key, cacheVersion]);
}

/** Keeps the predictions of the shown slice for these runs up to date as their epochs grow. */
export function useSlicePredictions(exp: ShownExperiment | null, c: Case | null, slice: number, runIds: readonly string[]): void {
  const { wanted, key } = useWantedRuns(exp, runIds);
  // Also after every change of the cache: failures cleared for a retry are asked for again.
  const cacheVersion = usePredictionsVersion();
  useEffect(() => {
    if (!exp || !c || wanted.length === 0) return;
    requestSlice({ experimentId: exp.id, caseId: c.id, slice, runs: wanted });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for `wanted`
  }, [exp?.id, c, slice, key, cacheVersion]);
}

/** The axial slice with the most ground-truth foreground (the middle one when there is none). */
export function mostForegroundSlice(c: Case): number {
  const [nx, ny, nz] = c.image.dims;
  const plane = nx * ny;
  let best = Math.floor(nz / 2);
  let most = 0;
  for (let k = 0; k < nz; k++) {
    let n = 0;
    for (let i = k * plane, end = i + plane; i < end; i++) if (c.labels[i]) n++;
    if (n > most) {
      most = n;
      best = k;
    }
  }
  return best;
}

/** What both viewers start from: the experiment, the cases, the current case and the viewer state. */
export function useViewerContext() {
  const exp = useShownExperiment();
  const cases = useCases();
  const current = useCurrentCase(exp);
  const state = useStudio((s) => s.viewer);
  const version = useStudio((s) => s.dataset.version);
  const numClasses = useStudio((s) => s.dataset.mapping?.numClasses ?? 2);
  const classNames = useStudio((s) => s.dataset.mapping?.classNames);
  usePredictionsVersion();
  return { exp, cases, current, state, version, numClasses, classNames };
}
