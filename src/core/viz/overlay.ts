/**
 * Segmentation overlays as RGBA pixels at image resolution (pure: no DOM).
 *
 * Masks are label maps of one slice, one value per pixel, row-major (index = x + width · y), the
 * same layout as the image slice they belong to (see core/io/slice.ts).
 *
 * Foreground, with the class filter c:
 *   c a number ≥ 1:  fg(label) ⇔ label = c        (one-vs-rest, as core/metrics/confusion.ts)
 *   c = 'any':       fg(label) ⇔ label ≠ 0        (every foreground class merged)
 * Per pixel, with T = fg(truth) and P = fg(prediction):
 *   TP = T ∧ P,   FP = P ∧ ¬T,   FN = T ∧ ¬P.
 * So with prediction 2 and truth 1 a pixel is an FN for c = 1, an FP for c = 2 and a TP for 'any'.
 *
 * Layers, drawn in this order (a later layer replaces an earlier one on the pixels it covers):
 *   1. prediction: every P pixel (the whole predicted mask; the only layer without a truth mask)
 *   2. tp, 3. fp, 4. fn: the confusion classes (need both masks)
 *   5. outline: the truth boundary, T pixels with at least one 4-neighbour (left, right, up,
 *      down) outside T or outside the image (needs the truth mask)
 * Each drawn pixel gets its layer's colour with alpha = round(opacity · 255); undrawn pixels are
 * (0, 0, 0, 0). Colours are straight (not premultiplied) RGBA, as ImageData expects.
 */

export interface OverlaySettings {
  /** Draw the ground-truth boundary. */
  outline: boolean;
  /** Fill every predicted-foreground pixel. */
  prediction: boolean;
  tp: boolean;
  fp: boolean;
  fn: boolean;
  /** Alpha of every drawn pixel, 0 … 1. */
  opacity: number;
  /** Which foreground counts: one class (≥ 1) or any non-zero label. */
  classFilter: number | 'any';
}

export type Rgb = readonly [number, number, number];

/**
 * The overlay colours (sRGB, 0 … 255):
 *   fp          magenta #FF00FF   predicted but not in the truth
 *   fn          green   #00FF00   in the truth but missed
 *   tp          cyan    #00FFFF   predicted and in the truth
 *   prediction  blue    #2F6BFF   the predicted mask as a whole
 *   outline     amber   #FFD400   the ground-truth boundary
 */
export const OVERLAY_COLORS: Readonly<Record<'fp' | 'fn' | 'tp' | 'prediction' | 'outline', Rgb>> = Object.freeze({
  fp: [255, 0, 255],
  fn: [0, 255, 0],
  tp: [0, 255, 255],
  prediction: [47, 107, 255],
  outline: [255, 212, 0],
});

/** CSS hex of an overlay colour, e.g. '#ff00ff'. */
export function overlayColorHex(rgb: Rgb): string {
  return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export const DEFAULT_OVERLAY_SETTINGS: Readonly<OverlaySettings> = Object.freeze({
  outline: true,
  prediction: false,
  tp: false,
  fp: true,
  fn: true,
  opacity: 0.6,
  classFilter: 'any',
});

function checkClassFilter(classFilter: number | 'any'): void {
  if (classFilter !== 'any' && !(Number.isInteger(classFilter) && classFilter >= 1 && classFilter <= 255)) {
    throw new RangeError(`classFilter must be 'any' or an integer class 1 … 255, got ${String(classFilter)}`);
  }
}

function checkMask(name: string, mask: Uint8Array, expected: number, width: number, height: number): void {
  if (mask.length !== expected) {
    throw new RangeError(`${name} mask has ${mask.length} values; expected ${expected} (${width}×${height})`);
  }
}

/** A 256-entry table: 1 where the label counts as foreground under the class filter. */
function foregroundTable(classFilter: number | 'any'): Uint8Array {
  const table = new Uint8Array(256);
  if (classFilter === 'any') table.fill(1, 1);
  else table[classFilter] = 1;
  return table;
}

/**
 * The overlay of one slice as straight RGBA (length width · height · 4), see the module comment.
 * `out`, when given, is filled completely and returned. RangeError when a mask or `out` does not
 * have the size of the image, or when the opacity or class filter is invalid.
 */
export function overlayRgba(
  truth: Uint8Array | null,
  prediction: Uint8Array | null,
  width: number,
  height: number,
  s: OverlaySettings,
  out?: Uint8ClampedArray,
): Uint8ClampedArray {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`overlay size must be non-negative integers, got ${width}×${height}`);
  }
  if (!Number.isFinite(s.opacity) || s.opacity < 0 || s.opacity > 1) {
    throw new RangeError(`overlay opacity must be in 0 … 1, got ${s.opacity}`);
  }
  checkClassFilter(s.classFilter);
  const n = width * height;
  if (truth) checkMask('truth', truth, n, width, height);
  if (prediction) checkMask('prediction', prediction, n, width, height);
  if (out && out.length !== n * 4) {
    throw new RangeError(`overlay output has ${out.length} values; expected ${n * 4} (${width}×${height}×4)`);
  }
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  if (out) rgba.fill(0);

  const alpha = Math.round(s.opacity * 255);
  const fg = foregroundTable(s.classFilter);
  const C = OVERLAY_COLORS;
  const put = (i: number, c: Rgb): void => {
    const o = i * 4;
    rgba[o] = c[0];
    rgba[o + 1] = c[1];
    rgba[o + 2] = c[2];
    rgba[o + 3] = alpha;
  };

  // Fills: prediction, then tp / fp / fn over it.
  if (prediction && (s.prediction || (truth && (s.tp || s.fp || s.fn)))) {
    for (let i = 0; i < n; i++) {
      const p = fg[prediction[i] as number] === 1;
      const t = truth !== null && fg[truth[i] as number] === 1;
      if (t && p) {
        if (s.tp) put(i, C.tp);
        else if (s.prediction) put(i, C.prediction);
      } else if (p) {
        if (truth && s.fp) put(i, C.fp);
        else if (s.prediction) put(i, C.prediction);
      } else if (t && s.fn) {
        put(i, C.fn);
      }
    }
  }

  // Truth boundary on top.
  if (truth && s.outline) {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        if (fg[truth[i] as number] !== 1) continue;
        const edge =
          x === 0 ||
          y === 0 ||
          x === width - 1 ||
          y === height - 1 ||
          fg[truth[i - 1] as number] !== 1 ||
          fg[truth[i + 1] as number] !== 1 ||
          fg[truth[i - width] as number] !== 1 ||
          fg[truth[i + width] as number] !== 1;
        if (edge) put(i, C.outline);
      }
    }
  }
  return rgba;
}

export interface OverlayCounts {
  tp: number;
  fp: number;
  fn: number;
}

/**
 * TP / FP / FN pixel counts of one slice under the class filter (definitions in the module
 * comment); with them a slice's DSC is 2TP / (2TP + FP + FN). RangeError when the masks differ
 * in length or the class filter is invalid.
 */
export function overlayCounts(truth: Uint8Array, prediction: Uint8Array, classFilter: number | 'any'): OverlayCounts {
  checkClassFilter(classFilter);
  if (truth.length !== prediction.length) {
    throw new RangeError(`prediction mask has ${prediction.length} values; expected ${truth.length} (the truth mask's length)`);
  }
  const fg = foregroundTable(classFilter);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = fg[truth[i] as number] === 1;
    const p = fg[prediction[i] as number] === 1;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  return { tp, fp, fn };
}
