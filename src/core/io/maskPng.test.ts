import { decode as decodePngLib } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './image2d';
import { encodeMaskPng, isBinaryMask, MASK_PNG_DESCRIPTION, unscaleBinaryMask } from './maskPng';

/** A w × h mask from f(x, y), x fastest. */
function mask(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(x, y);
  return out;
}

const W = 7;
const H = 5;
const binary = mask(W, H, (x, y) => ((x - 3) ** 2 + (y - 2) ** 2 <= 4 ? 1 : 0));
const multiclass = mask(W, H, (x, y) => (x + 2 * y) % 4);

describe('encodeMaskPng', () => {
  it('binary mask as stored: decodes to the same 0/1 labels, 8-bit grey', () => {
    const v = decodeImage(encodeMaskPng(binary, W, H), 'mask.png');
    expect(v.dims).toEqual([W, H, 1]);
    expect(v.channels).toBe(1);
    expect(v.source).toEqual({ name: 'mask.png', format: 'png', datatype: 'uint8' });
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(v.data)).toEqual(Array.from(binary));
    expect(v.paletteIndices).toBeUndefined();
  });

  it('binary mask with scaleBinary: written 0/255, scaled back to identical labels', () => {
    const png = encodeMaskPng(binary, W, H, { scaleBinary: true });
    const v = decodeImage(png, 'mask.png');
    expect(Array.from(v.data)).toEqual(Array.from(binary, (b) => b * 255));
    expect(Array.from(unscaleBinaryMask(v.data))).toEqual(Array.from(binary));
    expect(decodePngLib(png).text.Description).toBe(MASK_PNG_DESCRIPTION.scaledBinary);
  });

  it('multiclass labels are written as stored, with or without scaleBinary', () => {
    for (const opts of [{}, { scaleBinary: true }]) {
      const png = encodeMaskPng(multiclass, W, H, opts);
      expect(Array.from(decodeImage(png, 'mc.png').data)).toEqual(Array.from(multiclass));
      expect(decodePngLib(png).text.Description).toBe(MASK_PNG_DESCRIPTION.asStored);
    }
    expect(Array.from(unscaleBinaryMask(multiclass))).toEqual(Array.from(multiclass));
  });

  it('keeps every byte value 0–255 and the row order of a non-square mask', () => {
    const all = mask(32, 8, (x, y) => y * 32 + x);
    expect(Array.from(decodeImage(encodeMaskPng(all, 32, 8), 'all.png').data)).toEqual(Array.from(all));
  });

  it('does not change the labels it was given', () => {
    const copy = binary.slice();
    encodeMaskPng(binary, W, H, { scaleBinary: true });
    expect(binary).toEqual(copy);
  });

  it('rejects a size that does not match the labels', () => {
    expect(() => encodeMaskPng(binary, W + 1, H)).toThrow(RangeError);
    expect(() => encodeMaskPng(new Uint8Array(0), 0, 0)).toThrow(/positive integers/);
  });

  it('isBinaryMask', () => {
    expect(isBinaryMask(binary)).toBe(true);
    expect(isBinaryMask(multiclass)).toBe(false);
    expect(isBinaryMask(new Uint8Array([0, 255]))).toBe(false);
  });
});
