import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PredictionResult } from '../core/engine/types';
import {
  MAX_VOLUMES,
  cachedVolumeCount,
  clearPredictions,
  getPrediction,
  getVolumePrediction,
  getVolumePredictionFailure,
  requestSlice,
  requestVolume,
  staleRuns,
  staleVolumeRuns,
  type VolumeRequest,
} from './predictions';
import { trainingActions } from './trainingActions';

const dims = [3, 2, 4] as const;
const plane = dims[0] * dims[1];

/** Slice k of a fake prediction: every label k + 1 (so slices are told apart). */
const fakeSlice = (k: number) => new Uint8Array(plane).fill(k + 1);

type PredictArgs = Parameters<typeof trainingActions.predict>[0];

function answer(req: PredictArgs, epochs: number, weights: 'current' | 'best' = 'current'): PredictionResult {
  return { results: req.runs.map((run) => ({ run, labels: req.slices.map(fakeSlice), epochs, weights })), failed: [] };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('predicted label volumes', () => {
  let calls: PredictArgs[];
  let epochs: number;
  beforeEach(() => {
    clearPredictions();
    calls = [];
    epochs = 1;
    vi.spyOn(trainingActions, 'predict').mockImplementation(async (req) => {
      calls.push(req);
      return answer(req, epochs);
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const request = (caseId: string, runEpochs = 1, done = false): VolumeRequest => ({
    experimentId: 'e',
    caseId,
    dims,
    runs: [{ id: 'dice', epochs: runEpochs, done }],
  });

  it('asks for every axial slice once and assembles them in order', async () => {
    requestVolume(request('c1'));
    await settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ experimentId: 'e', runs: ['dice'], caseId: 'c1', slices: [0, 1, 2, 3] });
    const v = getVolumePrediction('e', 'dice', 'c1')!;
    expect(v.dims).toEqual(dims);
    expect(v.epochs).toBe(1);
    expect(Array.from(v.labels)).toEqual([0, 1, 2, 3].flatMap((k) => Array(plane).fill(k + 1)));
    // Fresh: asked again for nothing; its axial slices answer slice requests too.
    expect(staleVolumeRuns(request('c1'))).toEqual([]);
    expect(getPrediction('e', 'dice', 'c1', 2)?.labels).toEqual(fakeSlice(2));
    expect(getPrediction('e', 'dice', 'c1', 2)).toBe(getPrediction('e', 'dice', 'c1', 2));
    expect(staleRuns({ experimentId: 'e', caseId: 'c1', slice: 2, runs: [{ id: 'dice', epochs: 1, done: false }] })).toEqual([]);
    requestVolume(request('c1'));
    await settle();
    expect(calls).toHaveLength(1);
  });

  it('asks again when the run has trained further or ended, keeping the older volume meanwhile', async () => {
    requestVolume(request('c1', 1));
    await settle();
    expect(staleVolumeRuns(request('c1', 2))).toEqual(['dice']);
    expect(staleVolumeRuns(request('c1', 1, true))).toEqual(['dice']);
    epochs = 2;
    requestVolume(request('c1', 2));
    expect(getVolumePrediction('e', 'dice', 'c1')?.epochs).toBe(1);
    await settle();
    expect(calls).toHaveLength(2);
    expect(getVolumePrediction('e', 'dice', 'c1')?.epochs).toBe(2);
    expect(cachedVolumeCount()).toBe(1);
  });

  it('keeps only the last few volumes', async () => {
    for (let i = 0; i < MAX_VOLUMES + 3; i++) {
      requestVolume(request(`c${i}`));
      await settle();
    }
    expect(cachedVolumeCount()).toBe(MAX_VOLUMES);
    expect(getVolumePrediction('e', 'dice', 'c0')).toBeUndefined();
    expect(getVolumePrediction('e', 'dice', `c${MAX_VOLUMES + 2}`)).toBeDefined();
  });

  it('keeps every volume of one answer even beyond the bound (no endless re-asking)', async () => {
    const runs = Array.from({ length: MAX_VOLUMES + 2 }, (_, i) => ({ id: `r${i}`, epochs: 1, done: false }));
    requestVolume({ experimentId: 'e', caseId: 'c', dims, runs });
    await settle();
    expect(calls).toHaveLength(1);
    expect(staleVolumeRuns({ experimentId: 'e', caseId: 'c', dims, runs })).toEqual([]);
  });

  it('a slice request waiting goes first; an answer that does not fit the grid is a failure, not a volume', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    vi.mocked(trainingActions.predict).mockImplementation(async (req) => {
      calls.push(req);
      await gate;
      return req.caseId === 'bad' ? answer({ ...req, slices: [0, 1] }, 1) : answer(req, 1);
    });
    requestVolume(request('c1'));
    requestVolume(request('bad'));
    requestSlice({ experimentId: 'e', caseId: 'c2', slice: 1, runs: [{ id: 'dice', epochs: 1, done: false }] });
    release();
    for (let i = 0; i < 5; i++) await settle();
    expect(calls.map((c) => `${c.caseId}:${c.slices.length}`)).toEqual(['c1:4', 'c2:1', 'bad:4']);
    expect(getVolumePrediction('e', 'dice', 'bad')).toBeUndefined();
    expect(getVolumePredictionFailure('e', 'dice', 'bad')).toBe('the answer has 2 slices; the case has 4');
    // A failure stands until the run's state changes.
    expect(staleVolumeRuns(request('bad'))).toEqual([]);
    expect(staleVolumeRuns(request('bad', 2))).toEqual(['dice']);
  });

  it('a newer slice is preferred to an older volume; a new dataset forgets volumes', async () => {
    requestVolume(request('c1', 1));
    await settle();
    epochs = 3;
    requestSlice({ experimentId: 'e', caseId: 'c1', slice: 0, runs: [{ id: 'dice', epochs: 3, done: false }] });
    await settle();
    expect(getPrediction('e', 'dice', 'c1', 0)?.epochs).toBe(3);
    expect(getPrediction('e', 'dice', 'c1', 1)?.epochs).toBe(1);
    clearPredictions();
    expect(cachedVolumeCount()).toBe(0);
    expect(getPrediction('e', 'dice', 'c1', 1)).toBeUndefined();
  });
});
