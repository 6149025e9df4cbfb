/**
 * Label masks as 8-bit greyscale PNG.
 *
 * One byte per pixel, row 0 at the top, x fastest (the Volume layout), no palette, no alpha.
 * Multiclass labels are written as stored (0, 1, 2, …), so decodeImage reads them back unchanged.
 * Binary masks (every label 0 or 1) can be written as 0/255 with `scaleBinary`, so they are visible
 * in ordinary viewers; `unscaleBinaryMask` turns such values back into 0/1. A tEXt "Description"
 * chunk records which convention the file uses.
 */
import { encode as encodePngLib } from 'fast-png';

export interface MaskPngOptions {
  /** Write a binary mask (labels 0 and 1 only) as 0/255. Masks with other labels are written as stored. */
  scaleBinary?: boolean;
}

/** The tEXt Description written into mask PNGs, by convention. */
export const MASK_PNG_DESCRIPTION = {
  asStored: 'label mask: pixel value = class label',
  scaledBinary: 'binary label mask: 0 = background, 255 = foreground (label 1)',
} as const;

/** True when every label is 0 or 1. */
export function isBinaryMask(labels: ArrayLike<number>): boolean {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) return false;
  }
  return true;
}

/** Encodes labels (one byte per pixel, x fastest, row 0 at the top) as an 8-bit greyscale PNG. */
export function encodeMaskPng(labels: Uint8Array, width: number, height: number, opts: MaskPngOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodeMaskPng: width and height must be positive integers, got ${width} × ${height}`);
  }
  if (labels.length !== width * height) {
    throw new RangeError(`encodeMaskPng: ${labels.length} labels for a ${width} × ${height} mask (${width * height} expected)`);
  }
  const scale = opts.scaleBinary === true && isBinaryMask(labels);
  const data = scale ? labels.map((v) => v * 255) : labels;
  return encodePngLib({
    width,
    height,
    data,
    depth: 8,
    channels: 1,
    text: { Description: scale ? MASK_PNG_DESCRIPTION.scaledBinary : MASK_PNG_DESCRIPTION.asStored },
  });
}

/**
 * Labels 0/1 from values written with `scaleBinary` (0/255). Values that are not all 0 or 255 are
 * returned unchanged (a copy), since they were written as stored.
 */
export function unscaleBinaryMask(values: ArrayLike<number>): Uint8Array {
  let twoLevel = true;
  for (let i = 0; i < values.length && twoLevel; i++) twoLevel = values[i] === 0 || values[i] === 255;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    out[i] = twoLevel ? (v === 255 ? 1 : 0) : v;
  }
  return out;
}
