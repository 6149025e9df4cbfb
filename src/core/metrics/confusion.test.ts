import { describe, it, expect } from 'vitest';
import {
  EMPTY_MASK_CONVENTIONS,
  argmaxLabels,
  caseMetrics,
  confusionCounts,
  confusionMatrix,
  scoresFromCounts,
} from './confusion';

// 2D case, 3 × 4 image, 2 classes (row-major):
//   truth          pred
//   0 1 1 0        0 1 0 0
//   0 1 1 0        1 1 1 0
//   0 0 0 0        0 0 0 1
// class 1: truth at (0,1)(0,2)(1,1)(1,2); pred at (0,1)(1,0)(1,1)(1,2)(2,3)
//   TP = (0,1)(1,1)(1,2) = 3, FP = (1,0)(2,3) = 2, FN = (0,2) = 1, TN = 12 − 6 = 6
//   DSC = 2·3/(2·3 + 2 + 1) = 6/9 = 2/3, IoU = 3/(3 + 2 + 1) = 1/2,
//   precision = 3/5, recall = 3/4
const truth2d = Uint8Array.from([0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
const pred2d = Uint8Array.from([0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1]);

// 3D case, D × H × W = 2 × 2 × 3, 3 classes, flattened slice by slice:
//   slice 0 truth  0 1 1 / 0 2 2     slice 0 pred  0 1 2 / 0 2 2
//   slice 1 truth  0 0 1 / 2 2 0     slice 1 pred  1 0 1 / 2 0 0
// flat index : 0 1 2 3 4 5 6 7 8 9 10 11
// truth      : 0 1 1 0 2 2 0 0 1 2 2  0
// pred       : 0 1 2 0 2 2 1 0 1 2 0  0
// class 1: truth {1,2,8}, pred {1,6,8}: TP {1,8} = 2, FP {6} = 1, FN {2} = 1, TN = 12 − 4 = 8
//   DSC = 4/6 = 2/3, IoU = 2/4 = 1/2, precision = 2/3, recall = 2/3
// class 2: truth {4,5,9,10}, pred {2,4,5,9}: TP {4,5,9} = 3, FP {2} = 1, FN {10} = 1,
//   TN = 12 − 5 = 7; DSC = 6/8 = 3/4, IoU = 3/5, precision = 3/4, recall = 3/4
// full matrix (row truth, column pred): t0 at {0,3,6,7,11} → p 0,0,1,0,0 = [4,1,0];
//   t1 at {1,2,8} → p 1,2,1 = [0,2,1]; t2 at {4,5,9,10} → p 2,2,2,0 = [1,0,3]
const truth3d = Uint8Array.from([0, 1, 1, 0, 2, 2, 0, 0, 1, 2, 2, 0]);
const pred3d = Uint8Array.from([0, 1, 2, 0, 2, 2, 1, 0, 1, 2, 0, 0]);

function expectScores(
  actual: { dsc: number; iou: number; precision: number; recall: number },
  expected: { dsc: number; iou: number; precision: number; recall: number },
): void {
  expect(actual.dsc).toBeCloseTo(expected.dsc, 12);
  expect(actual.iou).toBeCloseTo(expected.iou, 12);
  expect(actual.precision).toBeCloseTo(expected.precision, 12);
  expect(actual.recall).toBeCloseTo(expected.recall, 12);
}

describe('argmaxLabels', () => {
  it('takes the channels-last argmax with ties to the lowest class', () => {
    const probs = Float32Array.from([
      0.2, 0.5, 0.3, // → 1
      0.4, 0.4, 0.2, // tie 0/1 → 0
      0.1, 0.45, 0.45, // tie 1/2 → 1
      0.1, 0.2, 0.7, // → 2
      1 / 3, 1 / 3, 1 / 3, // all equal → 0
    ]);
    expect(Array.from(argmaxLabels(probs, 3))).toEqual([1, 0, 1, 2, 0]);
  });

  it('lets a real value beat NaN and labels an all-NaN voxel 0', () => {
    const probs = Float32Array.from([NaN, 0.1, NaN, NaN]);
    expect(Array.from(argmaxLabels(probs, 2))).toEqual([1, 0]);
  });

  it('rejects a length that is not a multiple of numClasses, and numClasses < 2', () => {
    expect(() => argmaxLabels(new Float32Array(7), 2)).toThrow(/7.*multiple.*2/);
    expect(() => argmaxLabels(new Float32Array(4), 1)).toThrow(/numClasses/);
    expect(() => argmaxLabels(new Float32Array(600), 300)).toThrow(/numClasses/);
  });
});

describe('confusionCounts and caseMetrics', () => {
  it('2D binary case matches the hand computation', () => {
    expect(confusionCounts(truth2d, pred2d, 2)).toEqual([
      { classIndex: 1, tp: 3, fp: 2, fn: 1, tn: 6 },
    ]);
    const [m] = caseMetrics(truth2d, pred2d, 2);
    expect(m).toBeDefined();
    expectScores(m!.scores, { dsc: 2 / 3, iou: 0.5, precision: 0.6, recall: 0.75 });
    expect(m!.truthEmpty).toBe(false);
    expect(m!.predEmpty).toBe(false);
  });

  it('3D three-class case matches the hand computation', () => {
    expect(confusionCounts(truth3d, pred3d, 3)).toEqual([
      { classIndex: 1, tp: 2, fp: 1, fn: 1, tn: 8 },
      { classIndex: 2, tp: 3, fp: 1, fn: 1, tn: 7 },
    ]);
    expect(Array.from(confusionMatrix(truth3d, pred3d, 3))).toEqual([4, 1, 0, 0, 2, 1, 1, 0, 3]);
    const metrics = caseMetrics(truth3d, pred3d, 3);
    expect(metrics.map((m) => m.classIndex)).toEqual([1, 2]);
    expectScores(metrics[0]!.scores, { dsc: 2 / 3, iou: 0.5, precision: 2 / 3, recall: 2 / 3 });
    expectScores(metrics[1]!.scores, { dsc: 0.75, iou: 0.6, precision: 0.75, recall: 0.75 });
  });

  it('works end to end from 3D channels-last probabilities', () => {
    // One-hot-ish probabilities whose argmax is pred3d.
    const probs = new Float32Array(pred3d.length * 3);
    pred3d.forEach((c, i) => {
      for (let k = 0; k < 3; k++) probs[i * 3 + k] = k === c ? 0.8 : 0.1;
    });
    const labels = argmaxLabels(probs, 3);
    expect(Array.from(labels)).toEqual(Array.from(pred3d));
    expect(confusionCounts(truth3d, labels, 3)).toEqual(confusionCounts(truth3d, pred3d, 3));
  });

  it('accepts plain arrays as well as typed arrays', () => {
    expect(confusionCounts(Array.from(truth2d), Array.from(pred2d), 2)).toEqual(
      confusionCounts(truth2d, pred2d, 2),
    );
  });

  it('restricts counting to the ROI', () => {
    // ROI = first three columns of the first two rows (6 voxels) of the 2D case:
    //   truth 0 1 1 / 0 1 1, pred 0 1 0 / 1 1 1
    //   TP (0,1)(1,1)(1,2) = 3, FP (1,0) = 1, FN (0,2) = 1, TN (0,0) = 1; sum 6
    const roi = Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    const [c] = confusionCounts(truth2d, pred2d, 2, roi);
    expect(c).toEqual({ classIndex: 1, tp: 3, fp: 1, fn: 1, tn: 1 });
    const [m] = caseMetrics(truth2d, pred2d, 2, roi);
    // DSC = 6/8, IoU = 3/5, precision = 3/4, recall = 3/4
    expectScores(m!.scores, { dsc: 0.75, iou: 0.6, precision: 0.75, recall: 0.75 });
  });

  it('does not check labels outside the ROI, and treats any nonzero ROI value as inside', () => {
    const truth = [0, 1, 9, 1];
    const pred = [0, 1, -4, 0];
    const roi = Float32Array.from([0.5, 2, 0, -1]);
    expect(confusionCounts(truth, pred, 2, roi)).toEqual([
      { classIndex: 1, tp: 1, fp: 0, fn: 1, tn: 1 },
    ]);
  });

  it('an empty ROI gives all-zero counts and the empty/empty convention', () => {
    const [m] = caseMetrics(truth2d, pred2d, 2, new Uint8Array(12));
    expect(m!.counts).toEqual({ classIndex: 1, tp: 0, fp: 0, fn: 0, tn: 0 });
    expectScores(m!.scores, { dsc: 1, iou: 1, precision: 1, recall: 1 });
  });
});

describe('empty-mask conventions', () => {
  it('empty ground truth and empty prediction: all scores 1', () => {
    const [m] = caseMetrics([0, 0, 0, 0], [0, 0, 0, 0], 2);
    expect(m!.counts).toEqual({ classIndex: 1, tp: 0, fp: 0, fn: 0, tn: 4 });
    expectScores(m!.scores, { dsc: 1, iou: 1, precision: 1, recall: 1 });
    expect(m!.truthEmpty).toBe(true);
    expect(m!.predEmpty).toBe(true);
  });

  it('empty ground truth, non-empty prediction: DSC = IoU = precision = 0, recall = 1', () => {
    const [m] = caseMetrics([0, 0, 0, 0], [0, 1, 1, 0], 2);
    expect(m!.counts).toEqual({ classIndex: 1, tp: 0, fp: 2, fn: 0, tn: 2 });
    expectScores(m!.scores, { dsc: 0, iou: 0, precision: 0, recall: 1 });
    expect(m!.truthEmpty).toBe(true);
    expect(m!.predEmpty).toBe(false);
  });

  it('non-empty ground truth, empty prediction: DSC = IoU = recall = 0, precision = 0', () => {
    const [m] = caseMetrics([0, 1, 1, 0], [0, 0, 0, 0], 2);
    expect(m!.counts).toEqual({ classIndex: 1, tp: 0, fp: 0, fn: 2, tn: 2 });
    expectScores(m!.scores, { dsc: 0, iou: 0, precision: 0, recall: 0 });
    expect(m!.truthEmpty).toBe(false);
    expect(m!.predEmpty).toBe(true);
  });

  it('applies per class in a multiclass case (class 2 absent from both masks)', () => {
    // class 1: TP {1} = 1, FP {2} = 1, FN 0 → DSC 2/3, IoU 1/2, precision 1/2, recall 1
    const metrics = caseMetrics([0, 1, 0, 0], [0, 1, 1, 0], 3);
    expectScores(metrics[0]!.scores, { dsc: 2 / 3, iou: 0.5, precision: 0.5, recall: 1 });
    expectScores(metrics[1]!.scores, { dsc: 1, iou: 1, precision: 1, recall: 1 });
    expect(metrics[1]!.truthEmpty && metrics[1]!.predEmpty).toBe(true);
  });

  it('scoresFromCounts applies the same conventions directly and ignores TN', () => {
    const one = { dsc: 1, iou: 1, precision: 1, recall: 1 };
    expectScores(scoresFromCounts({ tp: 0, fp: 0, fn: 0 }), one);
    const zero = { dsc: 0, iou: 0, precision: 0, recall: 0 };
    expectScores(scoresFromCounts({ tp: 0, fp: 5, fn: 0 }), { ...zero, recall: 1 });
    expectScores(scoresFromCounts({ tp: 0, fp: 0, fn: 5 }), zero);
    // 2·4/(8 + 1 + 3) = 2/3, 4/8 = 1/2, 4/5, 4/7
    expectScores(scoresFromCounts({ tp: 4, fp: 1, fn: 3 }), {
      dsc: 2 / 3,
      iou: 0.5,
      precision: 0.8,
      recall: 4 / 7,
    });
    expect(() => scoresFromCounts({ tp: -1, fp: 0, fn: 0 })).toThrow(/tp/);
    expect(() => scoresFromCounts({ tp: 0, fp: NaN, fn: 0 })).toThrow(/fp/);
  });

  it('exports the conventions as text for the UI', () => {
    expect(EMPTY_MASK_CONVENTIONS).toMatch(/absent from both.*all 1/);
    expect(EMPTY_MASK_CONVENTIONS).toMatch(/recall is 1/);
    expect(EMPTY_MASK_CONVENTIONS).toMatch(/precision is 0/);
  });
});

describe('confusionCounts errors', () => {
  it('names both lengths when truth and prediction differ', () => {
    expect(() => confusionCounts(new Uint8Array(5), new Uint8Array(4), 2)).toThrow(
      /truth 5.*pred 4/,
    );
    expect(() => caseMetrics(new Uint8Array(5), new Uint8Array(4), 2)).toThrow(/truth 5.*pred 4/);
  });

  it('rejects an ROI of another length', () => {
    const four = new Uint8Array(4);
    expect(() => confusionCounts(four, four, 2, new Uint8Array(3))).toThrow(/truth 4.*roi 3/);
  });

  it('rejects numClasses < 2 or not an integer', () => {
    expect(() => confusionCounts([0], [0], 1)).toThrow(/numClasses/);
    expect(() => confusionCounts([0], [0], 2.5)).toThrow(/numClasses/);
  });

  it('rejects labels out of range or not integers', () => {
    expect(() => confusionCounts([0, 3], [0, 0], 3)).toThrow(/truth label 3 at index 1/);
    expect(() => confusionCounts([0, 0], [-1, 0], 3)).toThrow(/predicted label -1 at index 0/);
    expect(() => confusionCounts([0, 0], [0, 1.5], 3)).toThrow(/predicted label 1.5/);
    expect(() => confusionCounts([NaN, 0], [0, 0], 3)).toThrow(/truth label NaN/);
  });
});
