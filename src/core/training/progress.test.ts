import { describe, expect, it } from 'vitest';
import { estimateProgress, formatDuration } from './progress';

describe('estimateProgress', () => {
  it('counts the most steps the runs can take and extrapolates the time left', () => {
    const p = estimateProgress({ runs: 2, maxEpochs: 5, stepsPerEpoch: 10, stepsDone: 25, elapsedSeconds: 50 });
    expect(p).toEqual({ total: 100, done: 25, fraction: 0.25, etaSeconds: 150 });
    // a step budget below the epoch limit bounds each run
    expect(estimateProgress({ runs: 2, maxEpochs: 5, stepsPerEpoch: 10, maxSteps: 30, stepsDone: 15, elapsedSeconds: 15 })).toEqual({ total: 60, done: 15, fraction: 0.25, etaSeconds: 45 });
    expect(estimateProgress({ runs: 2, maxEpochs: 5, stepsPerEpoch: 10, maxSteps: 500, stepsDone: 0, elapsedSeconds: 0 }).total).toBe(100);
    expect(Number.isNaN(estimateProgress({ runs: 1, maxEpochs: 1, stepsPerEpoch: 0, stepsDone: 0, elapsedSeconds: 3 }).etaSeconds)).toBe(true);
  });
  it('writes durations for reading', () => {
    expect([formatDuration(42), formatDuration(420), formatDuration(9000), formatDuration(Number.NaN)]).toEqual(['42 s', '7 min', '2.5 h', '—']);
  });
});
