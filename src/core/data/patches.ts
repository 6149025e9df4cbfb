/**
 * Patches for images larger than the model input.
 *
 * Training: random patches with foreground oversampling as in nnU-Net (Isensee et al. 2021,
 * Nat. Methods 18:203–211; its data loaders force a third of each batch,
 * oversample_foreground_percent = 0.33, to contain foreground). Here each patch independently,
 * with probability p (default 1/3), is centred on a foreground pixel: a foreground class present
 * in the labels is chosen uniformly, then one of its pixels uniformly, and the patch origin is
 * that pixel minus half the patch size, shifted back inside the valid range (so the pixel stays
 * in the patch). Otherwise the origin is uniform over the valid range.
 *
 * Inference: sliding windows as nnU-Net's compute_steps_for_sliding_window: per axis,
 * n = ⌈(L − s)/(s·(1 − overlap))⌉ + 1 windows with origins round(i·(L − s)/(n − 1)), so the
 * first window starts at 0, the last ends flush with the border and neighbours overlap by at
 * least `overlap`·s. {@link gaussianImportance} is nnU-Net's Gaussian blending weight (σ = s/8).
 */
import type { Rng } from './rng';
import type { Sample2D } from './types';
import { checkSample } from './resize';

/** Patch / window size in pixels. */
export interface PatchSize {
  width: number;
  height: number;
}

/** Default probability that a training patch is centred on foreground (nnU-Net's 0.33 → 1/3). */
export const DEFAULT_FOREGROUND_PROBABILITY = 1 / 3;

/** Default overlap of neighbouring inference windows (nnU-Net's step size 0.5). */
export const DEFAULT_WINDOW_OVERLAP = 0.5;

/** Pixel indices (y·width + x) of each foreground class present in a label map. */
export interface ForegroundIndex {
  /** The foreground classes present (label > 0), ascending. */
  classes: number[];
  /** pixels[k]: the pixel indices of class classes[k], ascending. */
  pixels: Int32Array[];
}

/** Index the foreground pixels of a label map (computed once per sample, reused per patch). */
export function foregroundIndex(labels: Uint8Array): ForegroundIndex {
  const counts = new Int32Array(256);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  const classes: number[] = [];
  const pixels: Int32Array[] = [];
  const slot = new Int32Array(256).fill(-1);
  for (let c = 1; c < 256; c++) {
    if (counts[c]! > 0) {
      slot[c] = classes.length;
      classes.push(c);
      pixels.push(new Int32Array(counts[c]!));
    }
  }
  const fill = new Int32Array(classes.length);
  for (let i = 0; i < labels.length; i++) {
    const k = slot[labels[i]!]!;
    if (k >= 0) pixels[k]![fill[k]!++] = i;
  }
  return { classes, pixels };
}

export interface PatchOptions {
  /** Probability that the patch is centred on a foreground pixel. Default {@link DEFAULT_FOREGROUND_PROBABILITY}. */
  foregroundProbability?: number;
  /** Precomputed {@link foregroundIndex} of the sample's labels (computed here when absent). */
  foreground?: ForegroundIndex;
}

/** A patch and where it came from. */
export interface Patch {
  sample: Sample2D;
  /** Origin of the patch in the sample (negative / beyond the border where the sample is smaller than the patch). */
  x: number;
  y: number;
  /** Whether the foreground-centred draw was taken (false also when it was drawn but the labels hold no foreground). */
  centredOnForeground: boolean;
}

/**
 * Cut a width × height patch with origin (x, y) out of a sample. Parts outside the sample are
 * filled with 0 (image: the mean after z-score; labels: background; roi: outside, when the
 * sample has an roi).
 */
export function extractPatch(sample: Sample2D, x: number, y: number, width: number, height: number): Sample2D {
  checkSample(sample);
  const { width: w, height: h, channels } = sample;
  const image = new Float32Array(width * height * channels);
  const labels = new Uint8Array(width * height);
  const roi = sample.roi ? new Uint8Array(width * height) : undefined;
  const xa = Math.max(0, -x);
  const xb = Math.min(width, w - x); // exclusive
  if (xb > xa) {
    for (let r = 0; r < height; r++) {
      const sy = y + r;
      if (sy < 0 || sy >= h) continue;
      const src = sy * w + x;
      image.set(sample.image.subarray((src + xa) * channels, (src + xb) * channels), (r * width + xa) * channels);
      labels.set(sample.labels.subarray(src + xa, src + xb), r * width + xa);
      if (roi && sample.roi) roi.set(sample.roi.subarray(src + xa, src + xb), r * width + xa);
    }
  }
  const out: Sample2D = { width, height, channels, image, labels };
  if (roi) out.roi = roi;
  return out;
}

/**
 * A random training patch (see the file header for the sampling rule). Draws from `rng` in a
 * fixed order (one Bernoulli, then the positions), so a forked per-sample stream makes it
 * reproducible.
 */
export function samplePatch(sample: Sample2D, size: number | PatchSize, rng: Rng, opts: PatchOptions = {}): Patch {
  const { width: pw, height: ph } = toSize(size);
  const { origin, centred } = drawPatchOrigin([sample.width, sample.height], [pw, ph], sample.labels, rng, opts);
  const [x, y] = origin as [number, number];
  return { sample: extractPatch(sample, x, y, pw, ph), x, y, centredOnForeground: centred };
}

/**
 * The origin of a random patch in an image of any dimension (the rule of the file header).
 * `shape` and `patch` list the axes fastest first (x, y[, z]) and `labels` is laid out the same
 * way (index = x + shape[0]·(y + shape[1]·z)). Draws from `rng` in a fixed order: one
 * Bernoulli(p); if it is taken and foreground exists, the class then the voxel; otherwise one
 * uniform integer per axis, fastest first. Per axis the origin lies in
 * [min(0, n − s), max(0, n − s)], so where the image is smaller than the patch the patch
 * reaches past both borders.
 */
export function drawPatchOrigin(
  shape: readonly number[],
  patch: readonly number[],
  labels: Uint8Array,
  rng: Rng,
  opts: PatchOptions = {},
): { origin: number[]; centred: boolean } {
  const p = opts.foregroundProbability ?? DEFAULT_FOREGROUND_PROBABILITY;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`foregroundProbability must be in [0, 1], got ${p}`);
  const ranges = shape.map((n, a) => originRange(n, patch[a]!));
  const wantForeground = rng.bernoulli(p);
  const fg = wantForeground ? (opts.foreground ?? foregroundIndex(labels)) : undefined;
  if (fg && fg.classes.length > 0) {
    const pixels = fg.pixels[rng.int(fg.classes.length)]!;
    let i = pixels[rng.int(pixels.length)]!;
    const origin = shape.map((n, a) => {
      const coord = i % n;
      i = (i - coord) / n;
      const [lo, hi] = ranges[a]!;
      return clamp(coord - Math.floor(patch[a]! / 2), lo, hi);
    });
    return { origin, centred: true };
  }
  return { origin: ranges.map(([lo, hi]) => lo + rng.int(hi - lo + 1)), centred: false };
}

/** A window of the inference tiling. */
export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Window origins tiling a width × height image with size × size windows (see the file header),
 * row by row. When the image is smaller than the window along an axis, the only origin on that
 * axis is 0 and the window reaches past the border: pad the image to the window size first
 * (e.g. resize.padTo) to keep every window inside.
 */
export function slidingWindows(width: number, height: number, size: number | PatchSize, overlap = DEFAULT_WINDOW_OVERLAP): Window[] {
  const s = toSize(size);
  checkOverlap(overlap);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  const xs = windowSteps(width, s.width, overlap);
  const ys = windowSteps(height, s.height, overlap);
  const out: Window[] = [];
  for (const y of ys) for (const x of xs) out.push({ x, y, width: s.width, height: s.height });
  return out;
}

/**
 * nnU-Net's Gaussian importance map for blending overlapping window predictions: a Gaussian
 * centred on the window with σ = sigmaScale·size per axis, scaled to maximum 1, zeros replaced
 * by the smallest positive value. Row-major width × height.
 */
export function gaussianImportance(width: number, height: number, sigmaScale = 1 / 8): Float32Array {
  const gx = gaussianProfile(width, sigmaScale * width);
  const gy = gaussianProfile(height, sigmaScale * height);
  const out = new Float32Array(width * height);
  let min = Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = gx[x]! * gy[y]!;
      out[y * width + x] = v;
      if (v > 0 && v < min) min = v;
    }
  }
  for (let i = 0; i < out.length; i++) if (!(out[i]! > 0)) out[i] = min;
  return out;
}

/** Throws unless 0 ≤ overlap < 1 (the fraction of a window shared with its neighbour). */
export function checkOverlap(overlap: number): void {
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`overlap must be in [0, 1), got ${overlap}`);
}

/**
 * One axis of a Gaussian importance map: exp(−(i − c)²/(2σ²)) with c = (n − 1)/2 over
 * i = 0 … n − 1, scaled to maximum 1 (all ones when σ ≤ 0).
 */
export function gaussianProfile(n: number, sigma: number): Float64Array {
  const g = new Float64Array(n);
  const c = (n - 1) / 2;
  for (let i = 0; i < n; i++) g[i] = sigma > 0 ? Math.exp(-((i - c) ** 2) / (2 * sigma * sigma)) : 1;
  const max = Math.max(...g);
  for (let i = 0; i < n; i++) g[i] = g[i]! / max;
  return g;
}

/**
 * Window origins along one axis of length `length` for windows of `size` (nnU-Net's
 * compute_steps_for_sliding_window, see the file header): [0] when the axis is no longer than
 * the window.
 */
export function windowSteps(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const target = Math.max(1, size * (1 - overlap));
  const n = Math.ceil((length - size) / target) + 1;
  const step = (length - size) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * step));
}

function originRange(length: number, size: number): [number, number] {
  return [Math.min(0, length - size), Math.max(0, length - size)];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function toSize(size: number | PatchSize): PatchSize {
  const s = typeof size === 'number' ? { width: size, height: size } : size;
  if (!Number.isInteger(s.width) || !Number.isInteger(s.height) || s.width < 1 || s.height < 1) {
    throw new RangeError(`patch size must be positive integers, got ${s.width}×${s.height}`);
  }
  return s;
}
