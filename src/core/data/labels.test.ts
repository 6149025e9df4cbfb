import { describe, expect, it } from 'vitest';
import { IDENTITY_AFFINE, type Volume } from '../io/volume';
import { applyMapping, classValues, maskChannel, mappingClasses, mergeCounts, proposeMapping, TooManyValuesError, valueCounts } from './labels';

const vol = (data: Volume['data'], channels = 1, extra: Partial<Volume> = {}): Volume => ({
  data,
  dims: [data.length / channels, 1, 1],
  channels,
  spacing: [1, 1, 1],
  affine: [...IDENTITY_AFFINE],
  source: { name: 'm.png', format: 'png', datatype: 'uint8' },
  notes: [],
  ...extra,
});

describe('value counts', () => {
  it('counts uint8 values by histogram and other arrays by map, ascending', () => {
    expect(valueCounts(Uint8Array.from([0, 255, 255, 0, 0]))).toEqual([
      { value: 0, count: 3 },
      { value: 255, count: 2 },
    ]);
    expect(valueCounts(Float32Array.from([2, 0, 4, 4, 1]))).toEqual([
      { value: 0, count: 1 },
      { value: 1, count: 1 },
      { value: 2, count: 1 },
      { value: 4, count: 2 },
    ]);
    expect(valueCounts(Uint8Array.from([1, 1, 0, 1]), Uint8Array.from([1, 0, 1, 0]))).toEqual([
      { value: 0, count: 1 },
      { value: 1, count: 1 },
    ]);
  });
  it('merges counts across masks', () => {
    expect(mergeCounts([[{ value: 0, count: 2 }], [{ value: 0, count: 1 }, { value: 3, count: 4 }]])).toEqual([
      { value: 0, count: 3 },
      { value: 3, count: 4 },
    ]);
  });
});

describe('mapping proposals', () => {
  it('0/255 masks become {0, 1}', () => {
    const p = proposeMapping([{ value: 0, count: 10 }, { value: 255, count: 2 }]);
    expect(p).toMatchObject({ mapping: { kind: 'nonzero' }, numClasses: 2 });
    expect(p.note).toMatch(/0\/255 → classes 0\/1/);
    expect(Array.from(applyMapping(Uint8Array.from([0, 255, 0]), p.mapping))).toEqual([0, 1, 0]);
  });
  it('an empty mask is a valid binary mask', () => {
    expect(proposeMapping([{ value: 0, count: 10 }])).toMatchObject({ numClasses: 2, note: 'empty mask (background only)' });
  });
  it('label volumes stay multiclass: BraTS 1, 2, 4 → classes 1, 2, 3', () => {
    const p = proposeMapping([0, 1, 2, 4].map((value) => ({ value, count: 5 })));
    expect(p.numClasses).toBe(4);
    expect(p.mapping).toEqual({ kind: 'values', classes: { 1: 1, 2: 2, 4: 3 } });
    expect(p.classNames).toEqual(['label 1', 'label 2', 'label 4']);
    expect(Array.from(applyMapping(Float32Array.from([0, 4, 2, 1, 3]), p.mapping))).toEqual([0, 3, 2, 1, 0]);
  });
  it('a user mapping picks one label: enhancing tumour (4) only', () => {
    const m = { kind: 'values' as const, classes: { 4: 1 } };
    expect(mappingClasses(m)).toBe(2);
    expect(Array.from(applyMapping(Uint8Array.from([0, 1, 2, 4]), m))).toEqual([0, 0, 0, 1]);
  });
  it('JPEG masks are binarised at 128 and say so', () => {
    const counts = [0, 1, 2, 3, 250, 252, 255].map((value) => ({ value, count: 3 }));
    const p = proposeMapping(counts, { lossy: true });
    expect(p.mapping).toEqual({ kind: 'threshold', threshold: 128 });
    expect(p.note).toMatch(/JPEG-compressed mask with 7 grey levels: binarised at ≥ 128/);
    expect(Array.from(applyMapping(Uint8Array.from([3, 127, 128, 250]), p.mapping))).toEqual([0, 0, 1, 1]);
  });
  it('a lossless mask with many values is refused, naming the values', () => {
    const counts = Array.from({ length: 40 }, (_, i) => ({ value: i * 6, count: 1 }));
    expect(() => proposeMapping(counts)).toThrow(/not a label mask: 40 distinct values \(0, 6, 12, …, 228, 234\)/);
  });
  it('three or more grey levels past 64 are shades, not labels', () => {
    expect(() => proposeMapping([0, 90, 170, 255].map((value) => ({ value, count: 1 })))).toThrow(/not a label mask: 4 distinct values/);
    expect(proposeMapping([0, 90, 170, 255].map((value) => ({ value, count: 1 })), { colour: true }).numClasses).toBe(4);
  });
  it('non-integer values are refused', () => {
    expect(() => proposeMapping([{ value: 0, count: 1 }, { value: 0.5, count: 1 }, { value: 1, count: 1 }])).toThrow(/not a label mask/);
  });
  it('NaN is refused', () => {
    expect(() => proposeMapping([{ value: 0, count: 1 }, { value: NaN, count: 1 }])).toThrow(/NaN/);
  });
});

describe('mask channel', () => {
  it('uses palette indices when present', () => {
    const v = vol(Uint8Array.from([0, 0, 255, 255]), 1, { paletteIndices: Uint8Array.from([0, 0, 1, 1]) });
    expect(Array.from(maskChannel(v))).toEqual([0, 0, 1, 1]);
  });
  it('takes the first channel of colour masks', () => {
    expect(Array.from(maskChannel(vol(Uint8Array.from([255, 255, 255, 0, 0, 0]), 3)))).toEqual([255, 0]);
  });
});

describe('class values', () => {
  it('inverts a one-to-one value mapping (BraTS 1, 2, 4 → classes 1, 2, 3) and refuses the others', () => {
    expect(classValues({ kind: 'values', classes: { 0: 0, 1: 1, 2: 2, 4: 3 } }, 4)).toEqual([0, 1, 2, 4]);
    expect(classValues({ kind: 'values', classes: { 128: 1, 255: 2 } }, 3)).toEqual([0, 128, 255]);
    // two values for one class, a class without a value, a value beyond 8 bits, other kinds
    expect(classValues({ kind: 'values', classes: { 1: 1, 2: 1 } }, 2)).toBeNull();
    expect(classValues({ kind: 'values', classes: { 1: 1 } }, 3)).toBeNull();
    expect(classValues({ kind: 'values', classes: { 1000: 1 } }, 2)).toBeNull();
    expect(classValues({ kind: 'nonzero' }, 2)).toBeNull();
    expect(classValues({ kind: 'threshold', threshold: 128 }, 2)).toBeNull();
  });
});

describe('valueCounts: bounded', () => {
  it('stops counting past maxDistinct distinct values with TooManyValuesError, whatever the array type', () => {
    const floats = Float32Array.from({ length: 1000 }, (_, i) => i / 7);
    expect(() => valueCounts(floats, undefined, 999)).toThrow(TooManyValuesError);
    expect(valueCounts(floats, undefined, 1000)).toHaveLength(1000);
    expect(() => valueCounts(Uint32Array.from({ length: 70_000 }, (_, i) => i))).toThrow(/more than 65,536 distinct values/);
    // 8- and 16-bit masks are histograms: at most 65,536 values, never refused.
    expect(valueCounts(Uint16Array.from({ length: 65_536 }, (_, i) => i))).toHaveLength(65_536);
  });
});
