import { describe, expect, it } from 'vitest';
import { IDENTITY_AFFINE } from '../io/volume';
import { summarizeDataset } from './summary';
import type { Case } from './types';

const c = (id: string, labels: number[], dims: [number, number, number], roi?: number[]): Case => ({
  id,
  image: {
    data: new Float32Array(labels.length),
    dims,
    channels: 1,
    spacing: [1, 1, 2],
    affine: [...IDENTITY_AFFINE],
    source: { name: id, format: 'synthetic', datatype: 'float32' },
    notes: [],
  },
  labels: Uint8Array.from(labels),
  ...(roi ? { roi: Uint8Array.from(roi) } : {}),
});

describe('dataset summary', () => {
  // Case a: 8 voxels, class 1 ×1, class 2 ×1 → 12.5 %, 12.5 %.
  // Case b: 4 voxels inside the roi of 8, class 1 ×2 (one more outside the roi) → 50 %, 0 %.
  const cases = [
    c('a', [0, 0, 1, 0, 0, 2, 0, 0], [2, 2, 2]),
    c('b', [1, 1, 0, 0, 1, 0, 0, 0], [4, 2, 1], [1, 1, 1, 1, 0, 0, 0, 0]),
  ];
  const s = summarizeDataset(cases, 3, 4);
  it('counts classes per case inside the region of interest', () => {
    expect(s.perCase[0]?.classVoxels).toEqual([6, 1, 1]);
    expect(s.perCase[0]?.foregroundPercent).toEqual([12.5, 12.5]);
    expect(s.perCase[1]?.classVoxels).toEqual([2, 2, 0]);
    expect(s.perCase[1]?.voxels).toBe(4);
    expect(s.perCase[1]?.foregroundPercent).toEqual([50, 0]);
  });
  it('gives the mean over cases and the pooled percentage per class', () => {
    expect(s.meanForegroundPercent).toEqual([31.25, 6.25]);
    // Pooled: class 1 = 3 of 12 counted voxels, class 2 = 1 of 12.
    expect(s.pooledForegroundPercent[0]).toBeCloseTo(25, 10);
    expect(s.pooledForegroundPercent[1]).toBeCloseTo(100 / 12, 10);
  });
  it('reports size and spacing ranges and a histogram per class', () => {
    expect(s.minDims).toEqual([2, 2, 1]);
    expect(s.maxDims).toEqual([4, 2, 2]);
    expect(s.minSpacing).toEqual([1, 1, 2]);
    expect(s.histogram.edges).toEqual([0, 12.5, 25, 37.5, 50]);
    expect(s.histogram.counts).toEqual([
      [0, 1, 0, 1], // class 1: 12.5 % (bin 1), 50 % (last bin)
      [1, 1, 0, 0], // class 2: 0 % (bin 0), 12.5 % (bin 1)
    ]);
  });
  it('an empty dataset gives zeros, not NaN', () => {
    const e = summarizeDataset([], 2);
    expect(e.cases).toBe(0);
    expect(e.meanForegroundPercent).toEqual([0]);
    expect(e.pooledForegroundPercent).toEqual([0]);
  });
});
