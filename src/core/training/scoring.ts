/**
 * Scores of predictions per case, as the studio reports them everywhere (test metrics, the
 * validation DSC of every epoch, the Results view): the hard argmax labels of every slice of a
 * case, cut to the image (padding is never scored), brought back to the slice's own size when it
 * was resized to fit the model (probabilities resampled bilinearly, then argmax), pooled over
 * the case's slices into one label volume and scored against its labels inside its roi
 * (core/metrics, per foreground class, with its empty-mask conventions). A 3-D experiment's
 * volumes are scored whole by {@link caseResult} the same way (volumes.ts). tfjs-free.
 */
import { cropPlane, resampleBilinear, type CropBox } from '../data/resize';
import type { Sample2D } from '../data/types';
import { argmaxLabels, caseMetrics } from '../metrics';

/** Metrics of one case, one entry per foreground class (classes 1 … C−1). */
export interface CaseResult {
  id: string;
  dsc: number[];
  iou: number[];
  precision: number[];
  recall: number[];
}

/**
 * A sample and what is known of its source (samples.ts PreparedSample): the case it belongs to,
 * where its image lies inside its padding, its size before resizing and the labels at that size.
 * A sample without these is a case of its own, scored whole at its size.
 */
export type ScoredSample = Sample2D & {
  caseId?: string;
  crop?: CropBox;
  sourceWidth?: number;
  sourceHeight?: number;
  original?: { labels: Uint8Array; roi?: Uint8Array };
};

/**
 * A sample's prediction (softmax probabilities at the sample's size) as labels of the source
 * slice, with the source labels and roi to score it against (see the file header).
 */
export function labelsAtSource(s: ScoredSample, probs: Float32Array, numClasses: number): { pred: Uint8Array; truth: Uint8Array; roi: Uint8Array | undefined } {
  const C = numClasses;
  const box = s.crop ?? { x: 0, y: 0, width: s.width, height: s.height };
  const inside = cropPlane(probs, s.width, s.height, C, box);
  if (s.original) {
    const w = s.sourceWidth ?? box.width;
    const h = s.sourceHeight ?? box.height;
    return { pred: argmaxLabels(resampleBilinear(inside, box.width, box.height, C, w, h), C), truth: s.original.labels, roi: s.original.roi };
  }
  return {
    pred: argmaxLabels(inside, C),
    truth: cropPlane(s.labels, s.width, s.height, 1, box),
    roi: s.roi ? cropPlane(s.roi, s.width, s.height, 1, box) : undefined,
  };
}

/** Predictions added sample by sample, scored per case (in the order cases first appear). */
export class CaseScores {
  private readonly parts = new Map<string, { truth: Uint8Array[]; pred: Uint8Array[]; roi: (Uint8Array | undefined)[] }>();

  constructor(private readonly numClasses: number) {}

  /** Adds the prediction of sample number `index` (the key of a sample without a case id). */
  add(sample: ScoredSample, probs: Float32Array, index: number): void {
    const { pred, truth, roi } = labelsAtSource(sample, probs, this.numClasses);
    const id = sample.caseId ?? `sample ${index}`;
    let p = this.parts.get(id);
    if (!p) this.parts.set(id, (p = { truth: [], pred: [], roi: [] }));
    p.truth.push(truth);
    p.pred.push(pred);
    p.roi.push(roi);
  }

  results(): CaseResult[] {
    const out: CaseResult[] = [];
    for (const [id, p] of this.parts) {
      const hasRoi = p.roi.some((r) => r !== undefined);
      const roi = hasRoi ? concat(p.roi.map((r, i) => r ?? new Uint8Array(p.truth[i]!.length).fill(1))) : undefined;
      out.push(caseResult(id, concat(p.truth), concat(p.pred), this.numClasses, roi));
    }
    return out;
  }
}

/**
 * The scores of one case from its whole label volume: per foreground class (1 … C−1), inside
 * its roi when it has one (core/metrics caseMetrics and its empty-mask conventions).
 */
export function caseResult(id: string, truth: Uint8Array, pred: Uint8Array, numClasses: number, roi?: Uint8Array): CaseResult {
  const m = caseMetrics(truth, pred, numClasses, roi);
  return {
    id,
    dsc: m.map((c) => c.scores.dsc),
    iou: m.map((c) => c.scores.iou),
    precision: m.map((c) => c.scores.precision),
    recall: m.map((c) => c.scores.recall),
  };
}

/**
 * The mean over cases of each foreground class's DSC (cases whose DSC is not a number are left
 * out, as the Results view leaves them out; NaN when none is left): what the Results view shows
 * for these cases.
 */
export function meanCaseDsc(results: readonly CaseResult[], numClasses: number): number[] {
  return Array.from({ length: numClasses - 1 }, (_, k) => {
    let sum = 0;
    let n = 0;
    for (const r of results) {
      const v = r.dsc[k];
      if (v !== undefined && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : NaN;
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
