/**
 * Intensity normalisation as in Yeung et al. 2022 ("Unified Focal loss", Comput. Med. Imaging
 * Graph. 95:102026): every image is z-score normalised on its own; for the CT dataset (KiTS19)
 * intensities are first clipped to the window [−79, 304] HU. That window is nnU-Net's CT
 * scheme for KiTS19 (0.5th and 99.5th percentiles of the foreground intensities; Isensee et
 * al. 2021, Nat. Methods 18:203–211).
 *
 * Images are channel-last float arrays: value of pixel p, channel c at p·channels + c.
 */
import type { Sample2D } from './types';

/** Intensity window (inclusive bounds) in the image's units. */
export interface IntensityWindow {
  lo: number;
  hi: number;
}

/** The paper's CT window for KiTS19, in Hounsfield units. */
export const KITS_CT_WINDOW: Readonly<IntensityWindow> = Object.freeze({ lo: -79, hi: 304 });

/**
 * Clamp every value to [lo, hi]: x ↦ min(max(x, lo), hi). NaN and −∞ become lo, +∞ becomes hi.
 * Returns a new Float32Array; the input is not changed.
 */
export function applyWindow(image: ArrayLike<number>, lo: number, hi: number): Float32Array {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new RangeError(`window needs finite lo < hi, got [${lo}, ${hi}]`);
  }
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const x = image[i] ?? Number.NaN;
    out[i] = x >= lo ? (x <= hi ? x : hi) : lo; // NaN fails both tests → lo
  }
  return out;
}

/** Per-channel statistics used by the z-score. */
export interface ChannelStatistics {
  /** Mean per channel over the pixels used. */
  mean: number[];
  /** Population standard deviation (divide by N, as numpy's std) per channel. */
  std: number[];
  /** Number of pixels the statistics were taken over (finite values only, per channel). */
  count: number[];
  /** 'roi' when restricted to the roi's nonzero pixels; 'image' otherwise (also when the roi is empty). */
  from: 'roi' | 'image';
}

/**
 * Mean and population standard deviation per channel, two-pass in float64:
 *   μ_c = (1/N) Σ_p x_{p,c},   σ_c = sqrt((1/N) Σ_p (x_{p,c} − μ_c)²),
 * over the pixels p with roi[p] ≠ 0 when an roi with at least one such pixel is given,
 * otherwise over all pixels. Non-finite values are skipped.
 */
export function channelStatistics(image: ArrayLike<number>, channels: number, roi?: Uint8Array): ChannelStatistics {
  const pixels = checkLayout(image.length, channels, roi);
  let useRoi = false;
  if (roi) {
    for (let p = 0; p < pixels; p++) {
      if (roi[p]) {
        useRoi = true;
        break;
      }
    }
  }
  const sum = new Float64Array(channels);
  const count = new Float64Array(channels);
  for (let p = 0; p < pixels; p++) {
    if (useRoi && !roi![p]) continue;
    for (let c = 0; c < channels; c++) {
      const x = image[p * channels + c] ?? Number.NaN;
      if (!Number.isFinite(x)) continue;
      sum[c]! += x;
      count[c]! += 1;
    }
  }
  const mean = Array.from(sum, (s, c) => (count[c]! > 0 ? s / count[c]! : 0));
  const sq = new Float64Array(channels);
  for (let p = 0; p < pixels; p++) {
    if (useRoi && !roi![p]) continue;
    for (let c = 0; c < channels; c++) {
      const x = image[p * channels + c] ?? Number.NaN;
      if (!Number.isFinite(x)) continue;
      const d = x - mean[c]!;
      sq[c]! += d * d;
    }
  }
  const std = Array.from(sq, (s, c) => (count[c]! > 0 ? Math.sqrt(s / count[c]!) : 0));
  return { mean, std, count: Array.from(count), from: useRoi ? 'roi' : 'image' };
}

/**
 * A channel counts as constant when σ ≤ 1e-6·|μ| (below float32 resolution, so the spread is
 * rounding noise of the mean) or σ = 0.
 */
export function isConstantChannel(mean: number, std: number): boolean {
  return !(std > 1e-6 * Math.abs(mean));
}

/** Result of {@link zScore}: the normalised image and the statistics that were used. */
export interface ZScoreResult extends ChannelStatistics {
  image: Float32Array;
}

/**
 * Per-image, per-channel z-score (Yeung et al. 2022):
 *   y_{p,c} = (x_{p,c} − μ_c) / σ_c
 * with μ_c, σ_c from {@link channelStatistics} (over the roi when one is given and non-empty;
 * every pixel is normalised, inside and outside the roi). A constant channel
 * ({@link isConstantChannel}) maps to 0 everywhere instead of dividing by ~0; non-finite inputs
 * map to 0. Returns a new Float32Array.
 */
export function zScore(image: ArrayLike<number>, channels: number, opts: { roi?: Uint8Array } = {}): ZScoreResult {
  const stats = channelStatistics(image, channels, opts.roi);
  const out = new Float32Array(image.length);
  const inv = stats.std.map((s, c) => (isConstantChannel(stats.mean[c]!, s) ? 0 : 1 / s));
  for (let i = 0; i < image.length; i++) {
    const c = i % channels;
    const x = image[i] ?? Number.NaN;
    out[i] = Number.isFinite(x) ? (x - stats.mean[c]!) * inv[c]! : 0;
  }
  return { ...stats, image: out };
}

export interface NormalizeOptions {
  /** Clamp to this window before the z-score (e.g. {@link KITS_CT_WINDOW} for CT). */
  window?: IntensityWindow;
  /** Take the statistics inside the sample's roi (when it has one). Default false. */
  useRoi?: boolean;
}

/**
 * The paper's preprocessing of one sample: optional window clamp, then the per-image z-score.
 * Labels and roi are shared with the input (not copied); the image is new.
 */
export function normalizeSample(sample: Sample2D, opts: NormalizeOptions = {}): { sample: Sample2D; stats: ChannelStatistics } {
  const windowed = opts.window ? applyWindow(sample.image, opts.window.lo, opts.window.hi) : sample.image;
  const roi = opts.useRoi ? sample.roi : undefined;
  const { image, ...stats } = zScore(windowed, sample.channels, roi ? { roi } : {});
  return { sample: { ...sample, image }, stats };
}

function checkLayout(length: number, channels: number, roi?: Uint8Array): number {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (length % channels !== 0) throw new RangeError(`image length ${length} is not a multiple of ${channels} channels`);
  const pixels = length / channels;
  if (roi && roi.length !== pixels) throw new RangeError(`roi has ${roi.length} pixels, image has ${pixels}`);
  return pixels;
}
