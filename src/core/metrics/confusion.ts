/**
 * Hard-mask segmentation metrics: argmax labels, one-vs-rest confusion counts per
 * foreground class, and DSC / IoU / precision / recall (docs: LOSSES.md, "Metrics (hard
 * masks)").
 *
 * Everything works on flat typed arrays, so 2D slices and 3D volumes are handled the same
 * way: a label map of H·W (or D·H·W) voxels in any consistent order. Probabilities are
 * channels last (`[..., C]` flattened), as produced by the model.
 *
 * Definitions, per case and per foreground class c ≥ 1 (class 0 is the background and is
 * not scored), counting only voxels inside the optional ROI:
 *   TP = #{truth = c and pred = c}      FP = #{truth ≠ c and pred = c}
 *   FN = #{truth = c and pred ≠ c}      TN = #{truth ≠ c and pred ≠ c}
 *   DSC = 2TP / (2TP + FP + FN)         IoU = TP / (TP + FP + FN)
 *   precision = TP / (TP + FP)          recall = TP / (TP + FN)
 * The empty-mask conventions for the 0/0 cases are in {@link EMPTY_MASK_CONVENTIONS}.
 */

/** One-vs-rest voxel counts of one foreground class in one case. */
export interface ClassCounts {
  /** The foreground class these counts belong to (1 … numClasses − 1). */
  classIndex: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Hard-mask overlap scores of one class, each in [0, 1]. */
export interface Scores {
  dsc: number;
  iou: number;
  precision: number;
  recall: number;
}

/** Counts and scores of one foreground class in one case. */
export interface ClassMetrics {
  classIndex: number;
  counts: ClassCounts;
  scores: Scores;
  /** No voxel of this class in the ground truth (TP + FN = 0): a convention applied. */
  truthEmpty: boolean;
  /** No voxel predicted as this class (TP + FP = 0): a convention applied. */
  predEmpty: boolean;
}

/**
 * How the 0/0 cases are scored, in words a UI can show next to the metrics.
 *
 * - Empty ground truth and empty prediction (TP = FP = FN = 0): DSC = IoU = precision =
 *   recall = 1 — the model correctly found nothing.
 * - Empty ground truth, non-empty prediction (TP = FN = 0 < FP): DSC = IoU = 0 and
 *   precision = 0 (every predicted voxel is wrong); recall = TP / (TP + FN) is 0/0 and is
 *   defined as 1 (there was nothing to miss).
 * - Non-empty ground truth, empty prediction (TP = FP = 0 < FN): DSC = IoU = recall = 0;
 *   precision = TP / (TP + FP) is 0/0 and is defined as 0 (a model that predicts nothing
 *   gets no credit for precision when there was something to find).
 */
export const EMPTY_MASK_CONVENTIONS =
  'Empty masks: when a class is absent from both the ground truth and the prediction, ' +
  'DSC, IoU, precision and recall are all 1. When it is absent from the ground truth but ' +
  'predicted, DSC, IoU and precision are 0 and recall is 1 (nothing to miss). When it is ' +
  'present in the ground truth but not predicted, DSC, IoU and recall are 0 and precision ' +
  'is 0 (no credit for predicting nothing).';

function checkNumClasses(fn: string, numClasses: number, maxClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > maxClasses) {
    throw new Error(
      `${fn}: numClasses must be an integer in [2, ${maxClasses}] (background + at least one ` +
        `foreground class); got ${numClasses}.`,
    );
  }
}

/**
 * Per-voxel argmax over the last (channel) axis of channels-last probabilities.
 *
 * `probs.length` must be a multiple of `numClasses`; the result has one label per voxel.
 * Ties go to the lowest class index (so an all-equal voxel is background). NaN never wins
 * a comparison, so a voxel whose probabilities are all NaN is labelled 0.
 *
 * @throws Error when numClasses is not an integer in [2, 256] or the length does not divide.
 */
export function argmaxLabels(probs: Float32Array, numClasses: number): Uint8Array {
  checkNumClasses('argmaxLabels', numClasses, 256);
  if (probs.length % numClasses !== 0) {
    throw new Error(
      `argmaxLabels: probs length ${probs.length} is not a multiple of numClasses ${numClasses}.`,
    );
  }
  const voxels = probs.length / numClasses;
  const labels = new Uint8Array(voxels);
  for (let v = 0, o = 0; v < voxels; v++, o += numClasses) {
    let best = 0;
    let bestP = probs[o] as number;
    for (let c = 1; c < numClasses; c++) {
      const p = probs[o + c] as number;
      // Strict '>' keeps the lowest index on ties; the NaN check lets a real value beat NaN.
      if (p > bestP || (Number.isNaN(bestP) && !Number.isNaN(p))) {
        best = c;
        bestP = p;
      }
    }
    labels[v] = best;
  }
  return labels;
}

/**
 * The full numClasses × numClasses confusion matrix, row = truth, column = prediction
 * (`m[t * numClasses + p]`), over the voxels inside the ROI.
 *
 * @param roi field-of-view mask of the same length; a voxel counts when its value is
 *   nonzero. Omit to count every voxel.
 * @throws Error when lengths differ, numClasses < 2, or a label is not an integer in
 *   [0, numClasses).
 */
export function confusionMatrix(
  truth: ArrayLike<number>,
  pred: ArrayLike<number>,
  numClasses: number,
  roi?: ArrayLike<number>,
): Float64Array {
  return buildMatrix('confusionMatrix', truth, pred, numClasses, roi);
}

function buildMatrix(
  fn: string,
  truth: ArrayLike<number>,
  pred: ArrayLike<number>,
  numClasses: number,
  roi: ArrayLike<number> | undefined,
): Float64Array {
  checkNumClasses(fn, numClasses, 65536);
  const n = truth.length;
  if (pred.length !== n) {
    throw new Error(
      `${fn}: truth and prediction lengths differ (truth ${n}, pred ${pred.length}).`,
    );
  }
  if (roi !== undefined && roi.length !== n) {
    throw new Error(`${fn}: roi length differs from the masks (truth ${n}, roi ${roi.length}).`);
  }
  const k = numClasses;
  const m = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    if (roi !== undefined && !roi[i]) continue;
    const t = truth[i] as number;
    const p = pred[i] as number;
    if (!(t >= 0 && t < k && Number.isInteger(t))) {
      throw new Error(`${fn}: truth label ${t} at index ${i} is not an integer in [0, ${k - 1}].`);
    }
    if (!(p >= 0 && p < k && Number.isInteger(p))) {
      throw new Error(
        `${fn}: predicted label ${p} at index ${i} is not an integer in [0, ${k - 1}].`,
      );
    }
    m[t * k + p] = (m[t * k + p] as number) + 1;
  }
  return m;
}

/**
 * One-vs-rest TP/FP/FN/TN for every foreground class c = 1 … numClasses − 1, in that order
 * (entry i belongs to class i + 1). Works on flat label maps of any dimensionality.
 *
 * @param truth ground-truth labels (integers in [0, numClasses))
 * @param pred predicted labels (e.g. from {@link argmaxLabels})
 * @param roi optional field-of-view mask; only voxels where it is nonzero are counted, so
 *   TP + FP + FN + TN equals the number of ROI voxels.
 * @throws Error when lengths differ (the message names both), numClasses < 2, or a label
 *   inside the ROI is out of range. Labels outside the ROI are not checked.
 */
export function confusionCounts(
  truth: ArrayLike<number>,
  pred: ArrayLike<number>,
  numClasses: number,
  roi?: ArrayLike<number>,
): ClassCounts[] {
  const m = buildMatrix('confusionCounts', truth, pred, numClasses, roi);
  const k = numClasses;
  let total = 0;
  for (let i = 0; i < m.length; i++) total += m[i] as number;
  const out: ClassCounts[] = [];
  for (let c = 1; c < k; c++) {
    const tp = m[c * k + c] as number;
    let rowSum = 0; // truth = c
    let colSum = 0; // pred = c
    for (let j = 0; j < k; j++) {
      rowSum += m[c * k + j] as number;
      colSum += m[j * k + c] as number;
    }
    const fn = rowSum - tp;
    const fp = colSum - tp;
    out.push({ classIndex: c, tp, fp, fn, tn: total - tp - fp - fn });
  }
  return out;
}

/**
 * DSC, IoU, precision and recall from one class's counts (TN is not used).
 *
 * 0/0 cases follow {@link EMPTY_MASK_CONVENTIONS}:
 * - TP + FN = 0 and TP + FP = 0 (nothing to find, nothing predicted): all four are 1.
 * - TP + FN = 0 < FP (nothing to find, something predicted): DSC = IoU = precision = 0,
 *   recall = 1 (defined; TP/(TP+FN) is 0/0).
 * - TP + FP = 0 < FN (something to find, nothing predicted): DSC = IoU = recall = 0,
 *   precision = 0 (defined; TP/(TP+FP) is 0/0).
 *
 * @throws Error when a count is negative or not finite.
 */
export function scoresFromCounts(counts: Pick<ClassCounts, 'tp' | 'fp' | 'fn'>): Scores {
  const { tp, fp, fn } = counts;
  for (const [name, v] of [
    ['tp', tp],
    ['fp', fp],
    ['fn', fn],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new Error(`scoresFromCounts: ${name} must be a finite count >= 0; got ${v}.`);
    }
  }
  const truthSize = tp + fn;
  const predSize = tp + fp;
  if (truthSize === 0 && predSize === 0) {
    return { dsc: 1, iou: 1, precision: 1, recall: 1 };
  }
  return {
    // Denominators below are > 0 because truthSize + predSize > 0.
    dsc: (2 * tp) / (2 * tp + fp + fn),
    iou: tp / (tp + fp + fn),
    precision: predSize === 0 ? 0 : tp / predSize,
    recall: truthSize === 0 ? 1 : tp / truthSize,
  };
}

/**
 * Counts and scores of every foreground class of one case (entry i is class i + 1).
 * Same arguments and errors as {@link confusionCounts}.
 */
export function caseMetrics(
  truth: ArrayLike<number>,
  pred: ArrayLike<number>,
  numClasses: number,
  roi?: ArrayLike<number>,
): ClassMetrics[] {
  return confusionCounts(truth, pred, numClasses, roi).map((counts) => ({
    classIndex: counts.classIndex,
    counts,
    scores: scoresFromCounts(counts),
    truthEmpty: counts.tp + counts.fn === 0,
    predEmpty: counts.tp + counts.fp === 0,
  }));
}
