/**
 * Display windowing of image intensities (pure: no DOM).
 *
 * A window (center C, width W) maps a real intensity v to the display grey
 *   g(v) = clamp((v − C) / W + 0.5, 0, 1) · 255,
 * so C − W/2 is black and C + W/2 is white (cornerstone's linear VOI LUT).
 */

export interface DisplayWindow {
  center: number;
  width: number;
}

/** The smallest width autoWindow returns for a non-constant image. */
export const MIN_WINDOW_WIDTH = 1e-6;

/** At most this many values are sorted for the percentiles; larger images are sampled with a fixed stride. */
const MAX_SORTED = 1 << 20;

/**
 * Percentile p (0 … 1) of sorted values by linear interpolation between order statistics at
 * rank p · (n − 1) (numpy's default 'linear' method).
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const r = p * (n - 1);
  const lo = Math.floor(r);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (r - lo);
}

/**
 * The intensity of each pixel: the first channel for grey (1) and grey + alpha (2), the mean
 * of R, G, B for colour (3, 4; alpha ignored). Non-finite values are left out.
 */
function finiteIntensities(data: ArrayLike<number>, channels: number): Float64Array {
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new RangeError(`channels must be 1, 2, 3 or 4, got ${channels}`);
  }
  const pixels = Math.floor(data.length / channels);
  const stride = Math.max(1, Math.ceil(pixels / MAX_SORTED));
  const out = new Float64Array(Math.ceil(pixels / stride));
  let k = 0;
  const colour = channels >= 3;
  for (let i = 0; i < pixels; i += stride) {
    const o = i * channels;
    const v = colour ? ((data[o] as number) + (data[o + 1] as number) + (data[o + 2] as number)) / 3 : (data[o] as number);
    if (Number.isFinite(v)) out[k++] = v;
  }
  return out.subarray(0, k);
}

/**
 * A window from the 0.5th and 99.5th percentiles (lo, hi) of the finite pixel intensities:
 * center = (lo + hi) / 2, width = hi − lo. When those percentiles coincide (e.g. a mostly empty
 * image with a few bright pixels) the full finite range min … max is used instead; a constant
 * image gets width 1 centred on its value, an image without finite values {center 0, width 1}.
 * Images over 2^20 pixels are sampled with a fixed stride.
 */
export function autoWindow(data: ArrayLike<number>, channels: number): DisplayWindow {
  const v = finiteIntensities(data, channels);
  if (v.length === 0) return { center: 0, width: 1 };
  v.sort();
  let lo = percentileSorted(v, 0.005);
  let hi = percentileSorted(v, 0.995);
  if (!(hi - lo > MIN_WINDOW_WIDTH)) {
    lo = v[0] as number;
    hi = v[v.length - 1] as number;
  }
  if (hi - lo <= 0) return { center: lo, width: 1 };
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, MIN_WINDOW_WIDTH) };
}

/** Finite minimum and maximum of every value (all channels); null when there is none. */
export function finiteRange(data: ArrayLike<number>): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // NaN never wins a comparison; ±Infinity would, so recheck when one did.
  if (Number.isFinite(min) && Number.isFinite(max)) return { min, max };
  min = Infinity;
  max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : null;
}

export const UINT16_LEVELS = 4095;

/**
 * Real values → stored integers 0 … 4095 for a viewer that needs integer pixels:
 *   stored = round((v − min) / (max − min) · 4095), clamped to 0 … 4095,
 *   real ≈ stored · slope + intercept, slope = (max − min) / 4095, intercept = min.
 * NaN and −∞ are stored as 0, +∞ as 4095. A constant range (max = min) stores every value as 0
 * with slope 1 and intercept min. RangeError when min or max is not finite or max < min.
 */
export function toUint16(data: ArrayLike<number>, min: number, max: number): { pixels: Uint16Array; slope: number; intercept: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new RangeError(`toUint16 needs finite min ≤ max, got min ${min}, max ${max}`);
  }
  const pixels = new Uint16Array(data.length);
  if (max === min) return { pixels, slope: 1, intercept: min };
  const k = UINT16_LEVELS / (max - min);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v !== v) continue; // NaN → 0
    const s = Math.round((v - min) * k);
    pixels[i] = s < 0 ? 0 : s > UINT16_LEVELS ? UINT16_LEVELS : s;
  }
  return { pixels, slope: (max - min) / UINT16_LEVELS, intercept: min };
}

/**
 * Colour values → RGBA bytes (length pixels · 4) for a colour viewer, the colour analogue of
 * {@link toUint16}: for channels 3 (RGB) or 4 (RGBA, alpha dropped),
 *   stored = round((v − min) / (max − min) · 255), clamped to 0 … 255, alpha byte 255,
 *   real ≈ stored · slope + intercept, slope = (max − min) / 255, intercept = min.
 * With min 0 and max 255 byte data is copied unchanged (slope 1). NaN is stored as 0. A constant
 * range stores 0 with slope 1 and intercept min. RangeError for other channel counts, a data
 * length that is not a multiple of channels, or a bad range.
 */
export function toRgba8(
  data: ArrayLike<number>,
  channels: number,
  min: number,
  max: number,
): { pixels: Uint8ClampedArray; slope: number; intercept: number } {
  if (channels !== 3 && channels !== 4) throw new RangeError(`toRgba8 needs 3 or 4 channels, got ${channels}`);
  if (data.length % channels !== 0) {
    throw new RangeError(`colour data has ${data.length} values, not a multiple of ${channels} channels`);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new RangeError(`toRgba8 needs finite min ≤ max, got min ${min}, max ${max}`);
  }
  const n = data.length / channels;
  const pixels = new Uint8ClampedArray(n * 4);
  const constant = max === min;
  const k = constant ? 0 : 255 / (max - min);
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    const o = i * 4;
    for (let c = 0; c < 3; c++) {
      const v = data[s + c] as number;
      // Uint8ClampedArray rounds half to even and clamps; round half up first for a stated rule.
      pixels[o + c] = v !== v || constant ? 0 : Math.round((v - min) * k);
    }
    pixels[o + 3] = 255;
  }
  return constant ? { pixels, slope: 1, intercept: min } : { pixels, slope: (max - min) / 255, intercept: min };
}
