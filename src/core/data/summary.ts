/**
 * Dataset summary: cases, sizes, spacing and the foreground percentage per class, the
 * class-imbalance figure of the paper's Table 1, with a per-case histogram.
 */
import type { Case } from './types';

export interface CaseSummary {
  id: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  channels: number;
  /** Voxels per class (index 0 = background), inside the region of interest when there is one. */
  classVoxels: number[];
  /** Voxels counted (inside the region of interest). */
  voxels: number;
  /** Percentage of counted voxels per foreground class (index 0 = class 1). */
  foregroundPercent: number[];
}

export interface DatasetSummary {
  cases: number;
  numClasses: number;
  minDims: [number, number, number];
  maxDims: [number, number, number];
  minSpacing: [number, number, number];
  maxSpacing: [number, number, number];
  /** Mean over cases of each foreground class's percentage. */
  meanForegroundPercent: number[];
  /** Foreground voxels of each class over all voxels of all cases. */
  pooledForegroundPercent: number[];
  /** Per class: counts of cases in `bins` equal-width bins of foreground percentage. */
  histogram: { edges: number[]; counts: number[][] };
  perCase: CaseSummary[];
}

export function summarizeCase(c: Case, numClasses: number): CaseSummary {
  const counts = new Array<number>(numClasses).fill(0);
  let voxels = 0;
  const { labels, roi } = c;
  for (let i = 0; i < labels.length; i++) {
    if (roi && !roi[i]) continue;
    const k = labels[i] ?? 0;
    counts[k] = (counts[k] ?? 0) + 1;
    voxels++;
  }
  return {
    id: c.id,
    dims: [...c.image.dims],
    spacing: [...c.image.spacing],
    channels: c.image.channels,
    classVoxels: counts,
    voxels,
    foregroundPercent: counts.slice(1).map((n) => (voxels ? (100 * n) / voxels : 0)),
  };
}

export function summarizeDataset(cases: Case[], numClasses: number, bins = 10): DatasetSummary {
  const perCase = cases.map((c) => summarizeCase(c, numClasses));
  const fg = numClasses - 1;
  const minMax = (pick: (s: CaseSummary) => [number, number, number], f: (...v: number[]) => number) =>
    [0, 1, 2].map((a) => (perCase.length ? f(...perCase.map((s) => pick(s)[a] ?? 0)) : 0)) as [number, number, number];
  const mean = Array.from({ length: fg }, (_, k) => (perCase.length ? perCase.reduce((s, c) => s + (c.foregroundPercent[k] ?? 0), 0) / perCase.length : 0));
  const totalVoxels = perCase.reduce((s, c) => s + c.voxels, 0);
  const pooled = Array.from({ length: fg }, (_, k) => (totalVoxels ? (100 * perCase.reduce((s, c) => s + (c.classVoxels[k + 1] ?? 0), 0)) / totalVoxels : 0));
  const top = Math.max(1e-9, ...perCase.flatMap((c) => c.foregroundPercent));
  const edges = Array.from({ length: bins + 1 }, (_, i) => (top * i) / bins);
  const counts = Array.from({ length: fg }, (_, k) => {
    const h = new Array<number>(bins).fill(0);
    for (const c of perCase) {
      const v = c.foregroundPercent[k] ?? 0;
      const b = Math.min(bins - 1, Math.floor((v / top) * bins));
      h[b] = (h[b] ?? 0) + 1;
    }
    return h;
  });
  return {
    cases: perCase.length,
    numClasses,
    minDims: minMax((s) => s.dims, Math.min),
    maxDims: minMax((s) => s.dims, Math.max),
    minSpacing: minMax((s) => s.spacing, Math.min),
    maxSpacing: minMax((s) => s.spacing, Math.max),
    meanForegroundPercent: mean,
    pooledForegroundPercent: pooled,
    histogram: { edges, counts },
    perCase,
  };
}
