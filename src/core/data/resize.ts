/**
 * Geometry of 2D samples: padding to the size a U-Net accepts, cropping back, and resampling.
 *
 * A U-Net of depth d halves the resolution d times, so the input width and height must be
 * multiples of 2^d (Ronneberger et al. 2015, "U-Net", MICCAI; the paper's models, Yeung et al.
 * 2022, are U-Net variants). Padding is centred, as nnU-Net's pad_nd_image (Isensee et al.
 * 2021, Nat. Methods 18:203–211): ⌊extra/2⌋ before, the rest after.
 *
 * Resampling uses pixel-centre alignment (OpenCV INTER_LINEAR / INTER_NEAREST, PIL,
 * tf.image.resize with half_pixel_centers): destination pixel x samples the source at
 *   x_s = (x + ½)·(W_src / W_dst) − ½.
 * Images are interpolated bilinearly (source coordinates clamped to [0, W−1], i.e. edge values
 * extend outwards); labels and roi by nearest neighbour, so no class value is invented.
 */
import type { Sample2D } from './types';

/** How padded image pixels are filled (labels and roi are always padded with 0). */
export type PadMode = 'zero' | 'edge';

/**
 * Default image padding: 'zero'. After the z-score 0 is the image mean, so zero padding is a
 * neutral grey; 'edge' replicates the nearest border pixel (numpy.pad mode 'edge').
 */
export const DEFAULT_PAD_MODE: PadMode = 'zero';

/** A rectangle of pixels: columns x … x+width−1, rows y … y+height−1. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A padded sample and the box inside it that holds the original pixels. */
export interface PaddedSample {
  sample: Sample2D;
  crop: CropBox;
}

/** The size multiple a U-Net of `depth` pooling steps needs: 2^depth. */
export function multipleForDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 0 || depth > 16) throw new RangeError(`depth must be an integer in 0…16, got ${depth}`);
  return 2 ** depth;
}

/** The smallest multiple of m that is ≥ n. */
export function roundUpToMultiple(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Pad width and height up to the next multiple of `multiple` (e.g. {@link multipleForDepth}),
 * centred; image pixels by `mode` (default {@link DEFAULT_PAD_MODE}), labels and roi with 0 (an
 * roi, when present, thus marks the padding as outside the field of view). A sample without roi
 * gets none. Returns the padded sample and the crop box that {@link cropBack} uses to undo it.
 */
export function padToMultiple(sample: Sample2D, multiple: number, mode: PadMode = DEFAULT_PAD_MODE): PaddedSample {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`multiple must be a positive integer, got ${multiple}`);
  return padTo(sample, roundUpToMultiple(sample.width, multiple), roundUpToMultiple(sample.height, multiple), mode);
}

/** Pad to exactly width × height (each ≥ the sample's), centred; same fill rules as {@link padToMultiple}. */
export function padTo(sample: Sample2D, width: number, height: number, mode: PadMode = DEFAULT_PAD_MODE): PaddedSample {
  checkSample(sample);
  const { width: w, height: h, channels } = sample;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < w || height < h) {
    throw new RangeError(`cannot pad ${w}×${h} to ${width}×${height}`);
  }
  const x0 = Math.floor((width - w) / 2);
  const y0 = Math.floor((height - h) / 2);
  const image = new Float32Array(width * height * channels);
  const labels = new Uint8Array(width * height);
  const roi = sample.roi ? new Uint8Array(width * height) : undefined;
  for (let y = 0; y < height; y++) {
    const sy = y - y0;
    const inY = sy >= 0 && sy < h;
    if (mode === 'edge' || inY) {
      const ry = Math.min(h - 1, Math.max(0, sy));
      for (let x = 0; x < width; x++) {
        const sx = x - x0;
        const inX = sx >= 0 && sx < w;
        if (mode === 'zero' && !inX) continue;
        const rx = Math.min(w - 1, Math.max(0, sx));
        const src = (ry * w + rx) * channels;
        const dst = (y * width + x) * channels;
        for (let c = 0; c < channels; c++) image[dst + c] = sample.image[src + c]!;
      }
    }
    if (inY) {
      labels.set(sample.labels.subarray(sy * w, sy * w + w), y * width + x0);
      if (roi && sample.roi) roi.set(sample.roi.subarray(sy * w, sy * w + w), y * width + x0);
    }
  }
  const out: Sample2D = { width, height, channels, image, labels };
  if (roi) out.roi = roi;
  return { sample: out, crop: { x: x0, y: y0, width: w, height: h } };
}

/** Cut `box` out of a sample (image, labels and roi). The box must lie inside the sample. */
export function cropSample(sample: Sample2D, box: CropBox): Sample2D {
  checkSample(sample);
  const out: Sample2D = {
    width: box.width,
    height: box.height,
    channels: sample.channels,
    image: cropPlane(sample.image, sample.width, sample.height, sample.channels, box),
    labels: cropPlane(sample.labels, sample.width, sample.height, 1, box),
  };
  if (sample.roi) out.roi = cropPlane(sample.roi, sample.width, sample.height, 1, box);
  return out;
}

/** Undo {@link padToMultiple}: crop a padded sample back to the original pixels. */
export function cropBack(padded: Sample2D, crop: CropBox): Sample2D {
  return cropSample(padded, crop);
}

/**
 * Cut `box` out of one channel-last plane (`channels` values per pixel, row-major), e.g. a
 * predicted label map or probability map computed on a padded input. Returns a new array of
 * the same type.
 */
export function cropPlane<T extends Float32Array | Uint8Array>(data: T, width: number, height: number, channels: number, box: CropBox): T {
  if (data.length !== width * height * channels) throw new RangeError(`plane has ${data.length} values, expected ${width}×${height}×${channels}`);
  const { x, y, width: bw, height: bh } = box;
  if (![x, y, bw, bh].every(Number.isInteger) || x < 0 || y < 0 || bw < 1 || bh < 1 || x + bw > width || y + bh > height) {
    throw new RangeError(`crop box ${bw}×${bh} at (${x}, ${y}) is not inside ${width}×${height}`);
  }
  const out = new (data.constructor as new (n: number) => T)(bw * bh * channels);
  for (let r = 0; r < bh; r++) {
    const start = ((y + r) * width + x) * channels;
    out.set(data.subarray(start, start + bw * channels) as ArrayLike<number>, r * bw * channels);
  }
  return out;
}

/**
 * Resample a sample to width × height: bilinear for the image, nearest neighbour for labels
 * and roi (pixel-centre alignment, see the file header). Used to bring large pictures down to
 * the model input. Plain bilinear does not low-pass filter, so reductions by much more than 2×
 * alias fine texture.
 */
export function resample(sample: Sample2D, width: number, height: number): Sample2D {
  checkSample(sample);
  const out: Sample2D = {
    width,
    height,
    channels: sample.channels,
    image: resampleBilinear(sample.image, sample.width, sample.height, sample.channels, width, height),
    labels: resampleNearest(sample.labels, sample.width, sample.height, width, height),
  };
  if (sample.roi) out.roi = resampleNearest(sample.roi, sample.width, sample.height, width, height);
  return out;
}

/**
 * Bilinear resampling of a channel-last float plane. For destination pixel (x, y):
 *   x_s = clamp((x + ½)·W_s/W_d − ½, 0, W_s − 1), likewise y_s,
 *   v = (1−f_y)·[(1−f_x)·I(x₀, y₀) + f_x·I(x₁, y₀)] + f_y·[(1−f_x)·I(x₀, y₁) + f_x·I(x₁, y₁)],
 * with x₀ = ⌊x_s⌋, x₁ = min(x₀ + 1, W_s − 1), f_x = x_s − x₀. A linear ramp is reproduced
 * exactly wherever no clamping occurs (always when downscaling).
 */
export function resampleBilinear(
  data: Float32Array,
  srcW: number,
  srcH: number,
  channels: number,
  dstW: number,
  dstH: number,
): Float32Array {
  checkSizes(data.length, srcW, srcH, channels, dstW, dstH);
  const cols = axisTaps(srcW, dstW);
  const rows = axisTaps(srcH, dstH);
  const out = new Float32Array(dstW * dstH * channels);
  for (let y = 0; y < dstH; y++) {
    const r0 = rows.i0[y]! * srcW;
    const r1 = rows.i1[y]! * srcW;
    const fy = rows.f[y]!;
    for (let x = 0; x < dstW; x++) {
      const c0 = cols.i0[x]!;
      const c1 = cols.i1[x]!;
      const fx = cols.f[x]!;
      const a = (r0 + c0) * channels;
      const b = (r0 + c1) * channels;
      const c = (r1 + c0) * channels;
      const d = (r1 + c1) * channels;
      const o = (y * dstW + x) * channels;
      for (let k = 0; k < channels; k++) {
        const top = data[a + k]! + fx * (data[b + k]! - data[a + k]!);
        const bottom = data[c + k]! + fx * (data[d + k]! - data[c + k]!);
        out[o + k] = top + fy * (bottom - top);
      }
    }
  }
  return out;
}

/**
 * Nearest-neighbour resampling of a one-value-per-pixel map (labels, roi):
 * x_s = min(⌊(x + ½)·W_s/W_d⌋, W_s − 1), computed in integers as ⌊(2x + 1)·W_s / (2·W_d)⌋.
 * Every output value is one of the input values.
 */
export function resampleNearest(data: Uint8Array, srcW: number, srcH: number, dstW: number, dstH: number): Uint8Array {
  checkSizes(data.length, srcW, srcH, 1, dstW, dstH);
  const cols = nearestTaps(srcW, dstW);
  const rows = nearestTaps(srcH, dstH);
  const out = new Uint8Array(dstW * dstH);
  for (let y = 0; y < dstH; y++) {
    const r = rows[y]! * srcW;
    for (let x = 0; x < dstW; x++) out[y * dstW + x] = data[r + cols[x]!]!;
  }
  return out;
}

/**
 * Linear interpolation taps of one axis resampled from `src` to `dst` samples with voxel centres
 * aligned: destination x reads source s = (x + ½)·src/dst − ½ (clamped), between i0 and i1 with weight f on i1.
 */
export function axisTaps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float64Array(dst);
  const scale = src / dst;
  for (let x = 0; x < dst; x++) {
    const s = Math.min(src - 1, Math.max(0, (x + 0.5) * scale - 0.5));
    const lo = Math.floor(s);
    i0[x] = lo;
    i1[x] = Math.min(lo + 1, src - 1);
    f[x] = s - lo;
  }
  return { i0, i1, f };
}

/** Nearest source sample ⌊(2x + 1)·src / (2·dst)⌋ of each destination sample, clamped to src − 1. */
export function nearestTaps(src: number, dst: number): Int32Array {
  const taps = new Int32Array(dst);
  for (let x = 0; x < dst; x++) taps[x] = Math.min(src - 1, Math.floor(((2 * x + 1) * src) / (2 * dst)));
  return taps;
}

function checkSizes(length: number, srcW: number, srcH: number, channels: number, dstW: number, dstH: number): void {
  for (const [name, v] of [
    ['source width', srcW],
    ['source height', srcH],
    ['width', dstW],
    ['height', dstH],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (length !== srcW * srcH * channels) throw new RangeError(`plane has ${length} values, expected ${srcW}×${srcH}×${channels}`);
}

/** Throws when the arrays do not match width × height × channels. */
export function checkSample(s: Sample2D): void {
  const n = s.width * s.height;
  if (!Number.isInteger(s.width) || !Number.isInteger(s.height) || s.width < 1 || s.height < 1) {
    throw new RangeError(`sample size must be positive integers, got ${s.width}×${s.height}`);
  }
  if (!Number.isInteger(s.channels) || s.channels < 1) throw new RangeError(`channels must be a positive integer, got ${s.channels}`);
  if (s.image.length !== n * s.channels) throw new RangeError(`image has ${s.image.length} values, expected ${n * s.channels}`);
  if (s.labels.length !== n) throw new RangeError(`labels have ${s.labels.length} values, expected ${n}`);
  if (s.roi && s.roi.length !== n) throw new RangeError(`roi has ${s.roi.length} values, expected ${n}`);
}
