import { describe, expect, it } from 'vitest';
import type { Volume } from '../io/volume';
import { maskToLabels } from './predictionMask';

const vol = (data: Volume['data'], dims: [number, number, number], channels = 1, paletteIndices?: Uint8Array): Volume => ({
  data,
  dims,
  channels,
  spacing: [1, 1, 1],
  affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  source: { name: 'pred.png', format: 'png', datatype: 'uint8' },
  notes: [],
  ...(paletteIndices ? { paletteIndices } : {}),
});
const target = { id: 'c1', dims: [2, 2, 1] as [number, number, number] };

describe('maskToLabels', () => {
  it('takes class indices as they are and 0/255 as binary', () => {
    expect(Array.from(maskToLabels(vol(Uint8Array.of(0, 1, 2, 0), [2, 2, 1]), target, 3))).toEqual([0, 1, 2, 0]);
    expect(Array.from(maskToLabels(vol(Uint8Array.of(0, 255, 255, 0), [2, 2, 1]), target, 2))).toEqual([0, 1, 1, 0]);
    expect(Array.from(maskToLabels(vol(Float32Array.of(0, 0.5, 0, 0), [2, 2, 1]), target, 2))).toEqual([0, 1, 0, 0]);
  });

  it("maps the dataset's own label values (BraTS 1, 2, 4) with its mapping", () => {
    const brats = { kind: 'values' as const, classes: { 1: 1, 2: 2, 4: 3 } };
    expect(Array.from(maskToLabels(vol(Uint8Array.of(0, 4, 2, 1), [2, 2, 1]), target, 4, brats))).toEqual([0, 3, 2, 1]);
    expect(() => maskToLabels(vol(Uint8Array.of(0, 4, 2, 5), [2, 2, 1]), target, 4, brats)).toThrow(/the mask has the values 0, 2, 4, 5/);
  });

  it('reads the first channel of RGB masks and the palette indices of palette pictures', () => {
    expect(Array.from(maskToLabels(vol(Uint8Array.of(0, 9, 9, 255, 9, 9, 0, 9, 9, 255, 9, 9), [2, 2, 1], 3), target, 2))).toEqual([0, 1, 0, 1]);
    expect(Array.from(maskToLabels(vol(Uint8Array.of(10, 10, 10, 10), [2, 2, 1], 1, Uint8Array.of(1, 0, 0, 1)), target, 2))).toEqual([1, 0, 0, 1]);
  });

  it('refuses another grid and non-label values, naming the file', () => {
    expect(() => maskToLabels(vol(new Uint8Array(6), [3, 2, 1]), target, 2)).toThrow('pred.png: the mask is 3 × 2 × 1 but case c1 is 2 × 2 × 1');
    expect(() => maskToLabels(vol(Uint8Array.of(0, 128, 255, 3), [2, 2, 1]), target, 2)).toThrow(
      'pred.png: the mask has the values 0, 3, 128, 255; expected class labels 0 … 1 or a binary mask (0 and one other value)',
    );
  });
});
