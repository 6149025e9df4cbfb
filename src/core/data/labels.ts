/**
 * Label values of masks and label volumes, and the mapping from stored values to classes.
 *
 * - Binary masks stored as 0/255 (or 0/1, or 0/any) become {0, 1}.
 * - Label volumes keep their classes: each distinct non-zero value becomes a class, in
 *   ascending order (BraTS 1, 2, 4 → classes 1, 2, 3; KiTS kidney 1, tumour 2), and the user can
 *   remap, e.g. BraTS enhancing tumour only (4 → 1, others → 0).
 * - JPEG-compressed masks (Kvasir-SEG) hold grey levels near 0 and 255: they are binarised at
 *   the middle of the range (≥ 128 for 8 bit), and the summary says so.
 * - Any other mask with many values is not a label mask: an error that names the values.
 */
import { isLossy } from '../io/formats/registry';
import type { Volume, VoxelArray } from '../io/volume';

export interface ValueCount {
  value: number;
  count: number;
}

export type LabelMapping =
  /** Every non-zero value is class 1. */
  | { kind: 'nonzero' }
  /** Values ≥ threshold are class 1. */
  | { kind: 'threshold'; threshold: number }
  /** Stored value → class; values not listed are background (0). */
  | { kind: 'values'; classes: Record<number, number> };

export interface MappingProposal {
  mapping: LabelMapping;
  /** Classes including the background. */
  numClasses: number;
  /** Names for classes 1..C−1 (the stored value they come from, or 'foreground'). */
  classNames: string[];
  note?: string;
}

/**
 * The single-channel values a mask is labelled by: palette indices when present; the grey value
 * of grey masks (and of colour masks whose channels are equal everywhere); for other colour
 * masks the colour itself packed as 0xRRGGBB (a green-on-black mask is then 0 / 65280 and each
 * colour of a colour-coded label mask is its own value), or the brightest channel for lossy
 * (JPEG) colour masks, whose colours drift. Alpha is ignored.
 */
export function maskChannel(v: Volume, lossy = isLossy(v.source.format)): VoxelArray | Uint8Array {
  if (v.paletteIndices) return v.paletteIndices;
  const c = v.channels;
  if (c === 1) return v.data;
  const n = v.data.length / c;
  const d = v.data;
  let grey = true;
  if (c >= 3) {
    for (let i = 0; i < n && grey; i++) grey = d[i * c] === d[i * c + 1] && d[i * c] === d[i * c + 2];
  }
  if (grey || c < 3) {
    const out = new (d.constructor as new (n: number) => VoxelArray)(n);
    for (let i = 0; i < n; i++) out[i] = d[i * c] ?? 0;
    return out;
  }
  if (lossy) {
    const out = new (d.constructor as new (n: number) => VoxelArray)(n);
    for (let i = 0; i < n; i++) out[i] = Math.max(d[i * c] ?? 0, d[i * c + 1] ?? 0, d[i * c + 2] ?? 0);
    return out;
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((d[i * c] ?? 0) & 255) << 16) | (((d[i * c + 1] ?? 0) & 255) << 8) | ((d[i * c + 2] ?? 0) & 255);
  return out;
}

/**
 * Distinct values a mask may hold before it is taken for a picture or a soft (probability) mask
 * rather than labels: counting stops there (a float mask can hold millions of distinct values).
 */
export const MAX_DISTINCT_VALUES = 65_536;

/** A mask with more than MAX_DISTINCT_VALUES distinct values: not labels. */
export class TooManyValuesError extends Error {
  constructor(readonly limit: number) {
    super(
      `not a label mask: more than ${limit.toLocaleString('en-US')} distinct values (a picture, or a soft or probability mask); ` +
        'a mask needs 0 for the background and one value per class (for a soft mask, choose a threshold in the label mapping)',
    );
    this.name = 'TooManyValuesError';
  }
}

/**
 * Distinct values with their counts, ascending; restricted to a region of interest when given.
 * Throws TooManyValuesError past `maxDistinct` distinct values.
 */
export function valueCounts(data: ArrayLike<number>, roi?: ArrayLike<number>, maxDistinct = MAX_DISTINCT_VALUES): ValueCount[] {
  const counts = new Map<number, number>();
  // 8- and 16-bit integers: a histogram instead of a map (tens of millions of voxels per volume).
  const small = data instanceof Uint8Array || data instanceof Int8Array || data instanceof Uint16Array || data instanceof Int16Array;
  if (small) {
    const base = data instanceof Int8Array ? 128 : data instanceof Int16Array ? 32768 : 0;
    const h = new Uint32Array(data instanceof Uint8Array || data instanceof Int8Array ? 256 : 65536);
    for (let i = 0; i < data.length; i++) {
      if (roi && !roi[i]) continue;
      h[(data[i] as number) + base]!++;
    }
    const out: ValueCount[] = [];
    h.forEach((count, v) => {
      if (count) out.push({ value: v - base, count });
    });
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    if (roi && !roi[i]) continue;
    const v = data[i] ?? 0;
    const n = counts.get(v);
    if (n === undefined) {
      if (counts.size >= maxDistinct) throw new TooManyValuesError(maxDistinct);
      counts.set(v, 1);
    } else counts.set(v, n + 1);
  }
  return [...counts.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value);
}

/** Merges per-mask value counts into dataset-wide counts. */
export function mergeCounts(lists: ValueCount[][]): ValueCount[] {
  const m = new Map<number, number>();
  for (const l of lists) for (const { value, count } of l) m.set(value, (m.get(value) ?? 0) + count);
  return [...m.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value);
}

const MAX_LABEL_CLASSES = 16;

/**
 * Proposes how stored values become classes, from the value counts of one mask or of a whole
 * dataset. `lossy` marks JPEG-compressed masks. Throws an Error (to be attached to the file by the
 * caller) when the values cannot be labels.
 */
export function proposeMapping(counts: ValueCount[], opts: { lossy?: boolean; maxValue?: number; colour?: boolean } = {}): MappingProposal {
  const values = counts.map((c) => c.value);
  const nonzero = values.filter((v) => v !== 0);
  const integral = values.every((v) => Number.isInteger(v));
  if (values.some((v) => !Number.isFinite(v))) throw new Error('the mask holds NaN or infinite values');
  if (nonzero.length === 0) return { mapping: { kind: 'nonzero' }, numClasses: 2, classNames: ['foreground'], note: 'empty mask (background only)' };
  if (nonzero.length === 1 && values.includes(0)) {
    return { mapping: { kind: 'nonzero' }, numClasses: 2, classNames: ['foreground'], note: nonzero[0] === 1 ? undefined : `binary mask 0/${nonzero[0]} → classes 0/1` };
  }
  if (opts.lossy) {
    const top = opts.maxValue ?? 255;
    const threshold = Math.ceil((top + 1) / 2);
    return {
      mapping: { kind: 'threshold', threshold },
      numClasses: 2,
      classNames: ['foreground'],
      note: `JPEG-compressed mask with ${values.length} grey levels: binarised at ≥ ${threshold}`,
    };
  }
  // Label values are small integers (BraTS 1, 2, 4; KiTS 1, 2) or colours; three or more grey
  // levels reaching past 64 are the shades of an anti-aliased or soft mask.
  const greyLevels = !opts.colour && nonzero.length >= 3 && nonzero.some((v) => v > 64);
  if (integral && !greyLevels && nonzero.every((v) => v > 0) && nonzero.length < MAX_LABEL_CLASSES) {
    const classes: Record<number, number> = {};
    nonzero.forEach((v, i) => (classes[v] = i + 1));
    return {
      mapping: { kind: 'values', classes },
      numClasses: nonzero.length + 1,
      classNames: nonzero.map((v) => `label ${v}`),
      note: `label values ${nonzero.join(', ')} → classes ${nonzero.map((_, i) => i + 1).join(', ')}`,
    };
  }
  const sample = values.length > 6 ? `${values.slice(0, 3).join(', ')}, …, ${values.slice(-2).join(', ')}` : values.join(', ');
  throw new Error(
    `not a label mask: ${values.length} distinct values (${sample}); a mask needs 0 for the background and one value per class` +
      ' (for a soft or anti-aliased mask, choose a threshold in the label mapping)',
  );
}

/** Number of classes (background included) a mapping produces. */
export function mappingClasses(m: LabelMapping): number {
  if (m.kind !== 'values') return 2;
  return Object.values(m.classes).reduce((a, b) => Math.max(a, b), 0) + 1;
}

/** Applies a mapping: a class index per voxel. */
export function applyMapping(values: ArrayLike<number>, m: LabelMapping): Uint8Array {
  const out = new Uint8Array(values.length);
  if (m.kind === 'nonzero') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else if (m.kind === 'threshold') {
    for (let i = 0; i < values.length; i++) out[i] = (values[i] ?? 0) >= m.threshold ? 1 : 0;
  } else if (values instanceof Uint8Array || values instanceof Uint16Array) {
    const lut = new Uint8Array(values instanceof Uint8Array ? 256 : 65536);
    for (const [k, v] of Object.entries(m.classes)) if (Number(k) >= 0 && Number(k) < lut.length) lut[Number(k)] = v;
    for (let i = 0; i < values.length; i++) out[i] = lut[values[i] as number] as number;
  } else {
    const lut = new Map<number, number>(Object.entries(m.classes).map(([k, v]) => [Number(k), v]));
    for (let i = 0; i < values.length; i++) out[i] = lut.get(values[i] ?? 0) ?? 0;
  }
  return out;
}

/**
 * The stored value of each class (index = class) when a 'values' mapping is one-to-one on the
 * classes (every class 1 … C−1 comes from exactly one stored value in 1 … 255), so that a
 * predicted label map can be written back in the dataset's own convention (e.g. BraTS 1, 2, 4).
 * null for other mappings: class indices are the only faithful values then.
 */
export function classValues(m: LabelMapping, numClasses: number): number[] | null {
  if (m.kind !== 'values') return null;
  const out: (number | undefined)[] = [0];
  for (const [k, c] of Object.entries(m.classes)) {
    const v = Number(k);
    if (c === 0) continue;
    if (c >= numClasses || out[c] !== undefined || !Number.isInteger(v) || v < 1 || v > 255) return null;
    out[c] = v;
  }
  for (let c = 1; c < numClasses; c++) if (out[c] === undefined) return null;
  return out as number[];
}
