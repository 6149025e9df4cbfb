import { describe, it, expect } from 'vitest';
import { OVERLAY_COLORS, overlayColorHex, overlayCounts, overlayRgba, type OverlaySettings } from './overlay';

// Expected colours written out by hand (not taken from OVERLAY_COLORS).
const HAND: Record<string, readonly [number, number, number] | null> = {
  '.': null,
  M: [255, 0, 255], // FP magenta
  G: [0, 255, 0], // FN green
  C: [0, 255, 255], // TP cyan
  B: [47, 107, 255], // prediction blue
  A: [255, 212, 0], // outline amber
};

/** RGBA expected from a grid of letters (rows separated by spaces), alpha on every lettered pixel. */
function expected(grid: string, alpha: number): number[] {
  const out: number[] = [];
  for (const ch of grid.replace(/\s+/g, '')) {
    const c = HAND[ch];
    if (c === undefined) throw new Error(`bad grid letter ${ch}`);
    if (c === null) out.push(0, 0, 0, 0);
    else out.push(c[0], c[1], c[2], alpha);
  }
  return out;
}

const OFF: OverlaySettings = { outline: false, prediction: false, tp: false, fp: false, fn: false, opacity: 0.5, classFilter: 'any' };
const with_ = (s: Partial<OverlaySettings>): OverlaySettings => ({ ...OFF, ...s });

// 4 × 4, row-major (row y, column x):
//   truth      pred
//   . . . .    . . . .
//   . 1 1 .    . 1 . .
//   . 1 1 .    . 1 1 1
//   . . . .    . . . .
// TP = (x1,y1) (x1,y2) (x2,y2); FP = (x3,y2); FN = (x2,y1).
// Every truth pixel of the 2×2 block has a neighbour outside it: all four are outline.
const truth4 = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
const pred4 = Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
// opacity 0.5 → alpha round(127.5) = 128
const A50 = 128;

const rgba = (t: Uint8Array | null, p: Uint8Array | null, w: number, h: number, s: OverlaySettings) => Array.from(overlayRgba(t, p, w, h, s));

describe('OVERLAY_COLORS', () => {
  it('uses exactly magenta for FP and green for FN, and five distinct colours', () => {
    expect(OVERLAY_COLORS.fp).toEqual([255, 0, 255]);
    expect(OVERLAY_COLORS.fn).toEqual([0, 255, 0]);
    expect(overlayColorHex(OVERLAY_COLORS.fp)).toBe('#ff00ff');
    expect(overlayColorHex(OVERLAY_COLORS.fn)).toBe('#00ff00');
    const all = Object.values(OVERLAY_COLORS).map((c) => c.join(','));
    expect(new Set(all).size).toBe(5);
  });
});

describe('overlayRgba: one toggle at a time', () => {
  it('draws nothing with every layer off', () => {
    expect(rgba(truth4, pred4, 4, 4, OFF)).toEqual(new Array(64).fill(0));
  });

  it('fp: only the predicted pixel outside the truth, magenta', () => {
    expect(rgba(truth4, pred4, 4, 4, with_({ fp: true }))).toEqual(expected('.... .... ...M ....', A50));
  });

  it('fn: only the missed truth pixel, green', () => {
    expect(rgba(truth4, pred4, 4, 4, with_({ fn: true }))).toEqual(expected('.... ..G. .... ....', A50));
  });

  it('tp: the three overlapping pixels, cyan', () => {
    expect(rgba(truth4, pred4, 4, 4, with_({ tp: true }))).toEqual(expected('.... .C.. .CC. ....', A50));
  });

  it('prediction: every predicted pixel, blue', () => {
    expect(rgba(truth4, pred4, 4, 4, with_({ prediction: true }))).toEqual(expected('.... .B.. .BBB ....', A50));
  });

  it('outline: the truth boundary, amber', () => {
    expect(rgba(truth4, pred4, 4, 4, with_({ outline: true }))).toEqual(expected('.... .AA. .AA. ....', A50));
  });
});

describe('overlayRgba: layer priority', () => {
  it('tp/fp/fn replace the plain prediction fill; prediction fills what they leave', () => {
    expect(rgba(truth4, pred4, 4, 4, with_({ prediction: true, tp: true }))).toEqual(expected('.... .C.. .CCB ....', A50));
    expect(rgba(truth4, pred4, 4, 4, with_({ prediction: true, fp: true }))).toEqual(expected('.... .B.. .BBM ....', A50));
    expect(rgba(truth4, pred4, 4, 4, with_({ prediction: true, tp: true, fp: true, fn: true }))).toEqual(
      expected('.... .CG. .CCM ....', A50),
    );
  });

  it('the outline is drawn over the fills; interior truth pixels keep their fill', () => {
    // 5 × 5: truth is a 3×3 block at x,y = 1…3 (centre (2,2) is interior);
    // pred = the block's centre column x = 2 for y = 1…3 plus (4,2), outside the truth.
    //   truth        pred
    //   . . . . .    . . . . .
    //   . 1 1 1 .    . . 1 . .
    //   . 1 1 1 .    . . 1 . 1
    //   . 1 1 1 .    . . 1 . .
    //   . . . . .    . . . . .
    const t = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const p = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const all = with_({ outline: true, prediction: true, tp: true, fp: true, fn: true, opacity: 1 });
    expect(rgba(t, p, 5, 5, all)).toEqual(expected('..... .AAA. .ACAM .AAA. .....', 255));
    expect(rgba(t, p, 5, 5, with_({ tp: true, fp: true, fn: true, opacity: 1 }))).toEqual(
      expected('..... .GCG. .GCGM .GCG. .....', 255),
    );
  });

  it('pixels on the image border count as boundary', () => {
    const t = new Uint8Array(9).fill(1); // 3 × 3, all foreground: only the centre is interior
    expect(rgba(t, null, 3, 3, with_({ outline: true, opacity: 1 }))).toEqual(expected('AAA A.A AAA', 255));
  });
});

describe('overlayRgba: missing masks', () => {
  it('without truth only the prediction fill is drawn', () => {
    const all = with_({ outline: true, prediction: true, tp: true, fp: true, fn: true });
    expect(rgba(null, pred4, 4, 4, all)).toEqual(expected('.... .B.. .BBB ....', A50));
    expect(rgba(null, pred4, 4, 4, with_({ tp: true, fp: true, fn: true, outline: true }))).toEqual(new Array(64).fill(0));
  });

  it('without prediction only the outline is drawn', () => {
    const all = with_({ outline: true, prediction: true, tp: true, fp: true, fn: true });
    expect(rgba(truth4, null, 4, 4, all)).toEqual(expected('.... .AA. .AA. ....', A50));
    expect(rgba(truth4, null, 4, 4, with_({ fn: true, prediction: true }))).toEqual(new Array(64).fill(0));
  });

  it('with neither mask the overlay is empty', () => {
    expect(rgba(null, null, 2, 2, with_({ outline: true, prediction: true }))).toEqual(new Array(16).fill(0));
  });
});

describe('overlayRgba: opacity', () => {
  it('alpha = round(opacity · 255) on drawn pixels, 0 elsewhere', () => {
    // 0.3 · 255 = 76.5 → 77; 1 → 255; 0 → 0 (colour still written, fully transparent)
    expect(rgba(truth4, pred4, 4, 4, with_({ fp: true, opacity: 0.3 }))).toEqual(expected('.... .... ...M ....', 77));
    expect(rgba(truth4, pred4, 4, 4, with_({ fp: true, opacity: 1 }))).toEqual(expected('.... .... ...M ....', 255));
    expect(rgba(truth4, pred4, 4, 4, with_({ fp: true, opacity: 0 }))).toEqual(expected('.... .... ...M ....', 0));
  });
});

describe('overlayRgba: class filter', () => {
  it('prediction 2 over truth 1: FN for class 1, FP for class 2, TP for any', () => {
    // 2 × 1: pixel 0 background in both, pixel 1 truth 1 / prediction 2.
    const t = Uint8Array.from([0, 1]);
    const p = Uint8Array.from([0, 2]);
    const s = { tp: true, fp: true, fn: true, opacity: 1 };
    expect(rgba(t, p, 2, 1, with_({ ...s, classFilter: 1 }))).toEqual(expected('.G', 255));
    expect(rgba(t, p, 2, 1, with_({ ...s, classFilter: 2 }))).toEqual(expected('.M', 255));
    expect(rgba(t, p, 2, 1, with_({ ...s, classFilter: 'any' }))).toEqual(expected('.C', 255));
  });

  it('one class counts only its own label; any counts every non-zero label', () => {
    // 2 × 2: truth 1 2 / 2 0, pred 1 1 / 2 2
    //   class 1: T {0}, P {0,1}: TP 0, FP 1
    //   class 2: T {1,2}, P {2,3}: FN 1, TP 2, FP 3
    //   any:     T {0,1,2}, P {0,1,2,3}: TP 0,1,2, FP 3
    const t = Uint8Array.from([1, 2, 2, 0]);
    const p = Uint8Array.from([1, 1, 2, 2]);
    const s = { tp: true, fp: true, fn: true, opacity: 1 };
    expect(rgba(t, p, 2, 2, with_({ ...s, classFilter: 1 }))).toEqual(expected('CM ..', 255));
    expect(rgba(t, p, 2, 2, with_({ ...s, classFilter: 2 }))).toEqual(expected('.G CM', 255));
    expect(rgba(t, p, 2, 2, with_({ ...s, classFilter: 'any' }))).toEqual(expected('CC CM', 255));
    // outline of class 2 (pixels 1 and 2, both on the border) and of class 1 (pixel 0)
    expect(rgba(t, p, 2, 2, with_({ outline: true, opacity: 1, classFilter: 2 }))).toEqual(expected('.A A.', 255));
    expect(rgba(t, p, 2, 2, with_({ outline: true, opacity: 1, classFilter: 1 }))).toEqual(expected('A. ..', 255));
  });
});

describe('overlayRgba: output buffer and sizes', () => {
  it('fills a given output completely and returns it', () => {
    const out = new Uint8ClampedArray(64).fill(99);
    const got = overlayRgba(truth4, pred4, 4, 4, with_({ fp: true }), out);
    expect(got).toBe(out);
    expect(Array.from(got)).toEqual(expected('.... .... ...M ....', A50));
  });

  it('rejects masks and outputs of the wrong size, naming expected and actual sizes', () => {
    expect(() => overlayRgba(new Uint8Array(15), pred4, 4, 4, OFF)).toThrow(RangeError);
    expect(() => overlayRgba(new Uint8Array(15), pred4, 4, 4, OFF)).toThrow(/truth mask has 15 values; expected 16 \(4×4\)/);
    expect(() => overlayRgba(truth4, new Uint8Array(20), 4, 4, OFF)).toThrow(/prediction mask has 20 values; expected 16/);
    expect(() => overlayRgba(truth4, pred4, 4, 4, OFF, new Uint8ClampedArray(16))).toThrow(/output has 16 values; expected 64/);
    expect(() => overlayRgba(truth4, pred4, 4, 3, OFF)).toThrow(/expected 12 \(4×3\)/);
  });

  it('rejects an opacity outside 0 … 1 and a class filter that is not a class ≥ 1', () => {
    expect(() => overlayRgba(truth4, pred4, 4, 4, with_({ opacity: 1.5 }))).toThrow(RangeError);
    expect(() => overlayRgba(truth4, pred4, 4, 4, with_({ opacity: Number.NaN }))).toThrow(RangeError);
    expect(() => overlayRgba(truth4, pred4, 4, 4, with_({ classFilter: 0 }))).toThrow(/classFilter/);
    expect(() => overlayRgba(truth4, pred4, 4, 4, with_({ classFilter: 1.5 }))).toThrow(/classFilter/);
  });
});

describe('overlayCounts', () => {
  it('counts TP, FP and FN of the 4×4 example', () => {
    expect(overlayCounts(truth4, pred4, 'any')).toEqual({ tp: 3, fp: 1, fn: 1 });
    expect(overlayCounts(truth4, pred4, 1)).toEqual({ tp: 3, fp: 1, fn: 1 });
    expect(overlayCounts(truth4, pred4, 2)).toEqual({ tp: 0, fp: 0, fn: 0 });
  });

  it('follows the class filter on multi-class labels', () => {
    const t = Uint8Array.from([1, 2, 2, 0]);
    const p = Uint8Array.from([1, 1, 2, 2]);
    expect(overlayCounts(t, p, 1)).toEqual({ tp: 1, fp: 1, fn: 0 });
    expect(overlayCounts(t, p, 2)).toEqual({ tp: 1, fp: 1, fn: 1 });
    expect(overlayCounts(t, p, 'any')).toEqual({ tp: 3, fp: 1, fn: 0 });
    expect(overlayCounts(Uint8Array.from([1]), Uint8Array.from([2]), 1)).toEqual({ tp: 0, fp: 0, fn: 1 });
    expect(overlayCounts(Uint8Array.from([1]), Uint8Array.from([2]), 2)).toEqual({ tp: 0, fp: 1, fn: 0 });
  });

  it('rejects masks of different lengths and a bad class filter', () => {
    expect(() => overlayCounts(truth4, new Uint8Array(15), 'any')).toThrow(/prediction mask has 15 values; expected 16/);
    expect(() => overlayCounts(truth4, pred4, 0)).toThrow(RangeError);
  });
});
