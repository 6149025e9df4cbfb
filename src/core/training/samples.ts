/**
 * From cases to training batches.
 *
 * Preprocessing follows Yeung et al. 2022 ("Unified Focal loss", Comput. Med. Imaging Graph.
 * 95:102026): every image is z-score normalised on its own (data/normalize.ts; a 3D volume
 * with the statistics of the whole volume, optionally after a CT window), and 3D volumes are
 * trained as 2D axial slices. The slices may be restricted to those that contain foreground plus
 * a random fraction of the others, a common way to limit the share of empty slices in
 * 2D training on volumes.
 *
 * Size. A U-Net of depth d needs width and height that are multiples of 2^d (data/resize.ts).
 * Two ways to meet the model's input size W × H:
 * - 'resize' (default): an image larger than W × H is resampled (bilinear image, nearest labels,
 *   aspect ratio kept) to fit inside it; then every image is padded, centred, to W × H.
 * - 'patch': images keep their resolution and are padded to at least W × H; training draws
 *   random W × H patches with nnU-Net's foreground oversampling (data/patches.ts) and inference
 *   tiles them with overlapping windows.
 *
 * Batches are channels-last: x [B, H, W, C_in] float32 and y [B, H, W, C] one-hot float32, as
 * the losses expect (core/losses). Each is filled in one typed array and becomes one tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { augment as augmentSample, type AugmentationConfig } from '../data/augment';
import { applyWindow, zScore, type IntensityWindow } from '../data/normalize';
import { samplePatch, DEFAULT_FOREGROUND_PROBABILITY } from '../data/patches';
import { multipleForDepth, padTo, resample, type CropBox } from '../data/resize';
import { createRng, type Rng } from '../data/rng';
import type { Case, Sample2D } from '../data/types';
import type { Resolution } from './config';

export type FitMode = 'resize' | 'patch';

/** The fit mode of an experiment's resolution (config.ts Resolution): native → 'patch', fit → 'resize'. */
export function fitForResolution(resolution: Resolution): FitMode {
  return resolution === 'native' ? 'patch' : 'resize';
}

export interface SampleOptions {
  /** The model's input width and height. */
  inputWidth: number;
  inputHeight: number;
  /** When given, the input size must be a multiple of 2^depth. */
  depth?: number;
  /** How images meet the input size (see the file header). Default 'resize'. */
  fit?: FitMode;
  /**
   * Image channels the model takes. Default: those of the first case. An alpha channel (grey +
   * alpha, RGBA) is dropped; RGB becomes grey (channel mean) when 1 channel is asked for.
   */
  channels?: number;
  /** Clamp intensities to this window before the z-score (e.g. data/normalize KITS_CT_WINDOW). */
  window?: IntensityWindow;
  /** Take the z-score statistics inside the case's roi (field of view). Default false. */
  useRoi?: boolean;
  /** Volumes: every axial slice ('all', default) or those with foreground ('foreground'). */
  slices?: 'all' | 'foreground';
  /** With slices 'foreground': the fraction (0–1) of slices without foreground kept as well. Default 0. */
  backgroundSliceFraction?: number;
  /** Seed of the choice of background slices. Default 1. */
  seed?: number | string;
  /**
   * Keep the labels (and roi) at the original resolution when an image is resized, so that
   * predictions can be scored at the original size (test sets). Default false.
   */
  keepOriginal?: boolean;
}

/** A model-ready 2D sample and where it came from. */
export interface PreparedSample extends Sample2D {
  caseId: string;
  /** Axial slice index of a volume; 0 for a 2D image. */
  slice: number;
  /** Where the image lies inside this sample (outside it: padding). */
  crop: CropBox;
  /** Size of the slice before resizing. */
  sourceWidth: number;
  sourceHeight: number;
  /** Labels and roi at sourceWidth × sourceHeight, when resized and keepOriginal was asked for. */
  original?: { labels: Uint8Array; roi?: Uint8Array };
}

/**
 * Image channels after the channel rule of {@link SampleOptions.channels}: alpha dropped
 * (2 → 1, 4 → 3).
 */
export function colourChannels(channels: number): number {
  return channels === 2 || channels === 4 ? channels - 1 : channels;
}

/**
 * Float copy of a channel-interleaved array with `from` channels reduced to `to` channels:
 * the same channels, alpha dropped, or RGB averaged to grey.
 */
export function selectChannels(data: ArrayLike<number>, from: number, to: number): Float32Array {
  const pixels = data.length / from;
  if (!Number.isInteger(pixels)) throw new RangeError(`data length ${data.length} is not a multiple of ${from} channels`);
  const colour = colourChannels(from);
  if (to === from) return Float32Array.from(data);
  const out = new Float32Array(pixels * to);
  if (to === colour) {
    for (let p = 0; p < pixels; p++) for (let c = 0; c < to; c++) out[p * to + c] = data[p * from + c]!;
    return out;
  }
  if (to === 1 && colour === 3) {
    for (let p = 0; p < pixels; p++) {
      const o = p * from;
      out[p] = (data[o]! + data[o + 1]! + data[o + 2]!) / 3;
    }
    return out;
  }
  throw new RangeError(`cannot turn ${from}-channel images into the ${to} channels the model takes`);
}

/** The axial slices of a case that {@link prepareSamples} uses (all for 2D images). */
export function selectSlices(c: Case, opts: Pick<SampleOptions, 'slices' | 'backgroundSliceFraction' | 'seed'> = {}): number[] {
  const [nx, ny, nz] = c.image.dims;
  const all = Array.from({ length: nz }, (_, k) => k);
  if (nz === 1 || (opts.slices ?? 'all') === 'all') return all;
  const fraction = opts.backgroundSliceFraction ?? 0;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`backgroundSliceFraction must be in [0, 1], got ${fraction}`);
  const plane = nx * ny;
  const withFg: number[] = [];
  const without: number[] = [];
  for (let k = 0; k < nz; k++) {
    let fg = false;
    for (let i = k * plane, end = i + plane; i < end; i++) {
      if (c.labels[i]) {
        fg = true;
        break;
      }
    }
    (fg ? withFg : without).push(k);
  }
  const keep = Math.round(fraction * without.length);
  const chosen = createRng(opts.seed ?? 1).fork(`slices ${c.id}`).shuffle(without).slice(0, keep);
  return [...withFg, ...chosen].sort((a, b) => a - b);
}

/**
 * The last normalised volume, kept for repeated slice requests of the same case (a viewer
 * scrolling through a volume): the z-score of a whole volume is computed once, not per slice.
 * One case at a time, compared by identity and normalisation options.
 */
export class NormalizedVolumeCache {
  private c: Case | null = null;
  private key = '';
  private image: Float32Array | null = null;
  /** Normalisations computed (not taken from the cache). */
  computed = 0;

  get(c: Case, key: string, compute: () => Float32Array): Float32Array {
    if (this.c !== c || this.key !== key || !this.image) {
      this.image = compute();
      this.c = c;
      this.key = key;
      this.computed++;
    }
    return this.image;
  }

  clear(): void {
    this.c = null;
    this.image = null;
  }
}

/**
 * Normalised native-resolution 2D slices of a case (z-score per image / per volume, optional
 * window, channel rule), before any resizing or padding. Used for prediction on whole images.
 */
export function normalizedSlices(
  c: Case,
  opts: Pick<SampleOptions, 'channels' | 'window' | 'useRoi'> & { slices?: readonly number[]; cache?: NormalizedVolumeCache } = {},
): { slice: number; sample: Sample2D }[] {
  const [nx, ny, nz] = c.image.dims;
  const plane = nx * ny;
  const inChannels = c.image.channels;
  const channels = opts.channels ?? colourChannels(inChannels);
  if (c.labels.length !== plane * nz) {
    throw new RangeError(`case ${c.id}: ${c.labels.length} labels for an image of ${nx}×${ny}×${nz} voxels`);
  }
  if (c.roi && c.roi.length !== plane * nz) throw new RangeError(`case ${c.id}: roi has ${c.roi.length} values, expected ${plane * nz}`);
  const roi = opts.useRoi ? c.roi : undefined;
  const normalize = () => zScore(channelsInWindow(c, channels, opts.window), channels, roi ? { roi } : {}).image;
  const image = opts.cache ? opts.cache.get(c, `${channels}|${opts.window?.lo}|${opts.window?.hi}|${roi ? 1 : 0}`, normalize) : normalize();
  const slices = opts.slices ?? Array.from({ length: nz }, (_, k) => k);
  return slices.map((k) => {
    if (!(Number.isInteger(k) && k >= 0 && k < nz)) throw new RangeError(`case ${c.id}: slice ${k} is outside 0…${nz - 1}`);
    const s: Sample2D = {
      width: nx,
      height: ny,
      channels,
      image: image.slice(k * plane * channels, (k + 1) * plane * channels),
      labels: c.labels.slice(k * plane, (k + 1) * plane),
    };
    if (c.roi) s.roi = c.roi.slice(k * plane, (k + 1) * plane);
    return { slice: k, sample: s };
  });
}

/**
 * A case's image after the channel rule of {@link SampleOptions.channels} and the optional
 * intensity window (clamp), before the z-score: the first steps of the normalisation of 2-D
 * slices and 3-D volumes alike.
 */
export function channelsInWindow(c: Case, channels: number, window?: IntensityWindow): Float32Array {
  const data = selectChannels(c.image.data, c.image.channels, channels);
  return window ? applyWindow(data, window.lo, window.hi) : data;
}

/** Bring one native-resolution slice to the model's input size (see the file header). */
export function fitToInput(
  sample: Sample2D,
  inputWidth: number,
  inputHeight: number,
  fit: FitMode = 'resize',
): { sample: Sample2D; crop: CropBox; resized: boolean } {
  let s = sample;
  let resized = false;
  if (fit === 'resize' && (s.width > inputWidth || s.height > inputHeight)) {
    const scale = Math.min(inputWidth / s.width, inputHeight / s.height);
    const w = Math.min(inputWidth, Math.max(1, Math.round(s.width * scale)));
    const h = Math.min(inputHeight, Math.max(1, Math.round(s.height * scale)));
    s = resample(s, w, h);
    resized = true;
  }
  const padded = padTo(s, Math.max(s.width, inputWidth), Math.max(s.height, inputHeight));
  return { sample: padded.sample, crop: padded.crop, resized };
}

/** Cases → model-ready samples, in case order and slice order (see {@link SampleOptions}). */
export function prepareSamples(cases: readonly Case[], opts: SampleOptions): PreparedSample[] {
  const { inputWidth: W, inputHeight: H } = opts;
  if (!(Number.isInteger(W) && Number.isInteger(H) && W >= 1 && H >= 1)) {
    throw new RangeError(`input size must be positive integers, got ${W}×${H}`);
  }
  if (opts.depth !== undefined) {
    const m = multipleForDepth(opts.depth);
    if (W % m !== 0 || H % m !== 0) throw new RangeError(`input size ${W}×${H} is not a multiple of 2^${opts.depth} = ${m}`);
  }
  const fit = opts.fit ?? 'resize';
  if (fit !== 'resize' && fit !== 'patch') throw new RangeError(`fit must be 'resize' or 'patch', got ${String(fit)}`);
  const first = cases[0];
  const channels = opts.channels ?? (first ? colourChannels(first.image.channels) : 1);
  const out: PreparedSample[] = [];
  for (const c of cases) {
    const slices = selectSlices(c, opts);
    const normalized = normalizedSlices(c, { channels, ...(opts.window ? { window: opts.window } : {}), useRoi: opts.useRoi ?? false, slices });
    for (const { slice, sample } of normalized) {
      const fitted = fitToInput(sample, W, H, fit);
      const p: PreparedSample = {
        ...fitted.sample,
        caseId: c.id,
        slice,
        crop: fitted.crop,
        sourceWidth: sample.width,
        sourceHeight: sample.height,
      };
      if (fitted.resized && opts.keepOriginal) {
        p.original = { labels: sample.labels, ...(sample.roi ? { roi: sample.roi } : {}) };
      }
      out.push(p);
    }
  }
  return out;
}

export interface BatchOptions {
  /** Classes of the one-hot labels (background included). */
  numClasses: number;
  /** Patch size; default the first sample's size. Samples of another size are cut / padded by random patches. */
  width?: number;
  height?: number;
  /** Augmentation applied to each sample (after the patch is cut); null or absent: none. */
  augmentation?: AugmentationConfig | null;
  /** Probability of a foreground-centred patch (only when patches are cut). Default 1/3. */
  foregroundProbability?: number;
}

/** A batch as typed arrays: x [B, H, W, C_in] and one-hot y [B, H, W, C], channels last. */
export interface BatchArrays {
  x: Float32Array;
  y: Float32Array;
  shape: { batch: number; height: number; width: number; channels: number; classes: number };
}

/**
 * The samples at `indices` as one batch (typed arrays). Sample `i` draws its patch and its
 * augmentation from `rng.fork(\`sample ${i}\`)`, so with rng = createRng(seed).fork(\`augment
 * epoch ${e}\`) a sample gets data/augment's augmentationRng(seed, e, i) whatever the batch it
 * lands in.
 */
export function batchArrays(samples: readonly Sample2D[], indices: readonly number[], rng: Rng, opts: BatchOptions): BatchArrays {
  const C = opts.numClasses;
  if (!(Number.isInteger(C) && C >= 2 && C <= 256)) throw new RangeError(`numClasses must be an integer in 2…256, got ${C}`);
  if (indices.length === 0) throw new RangeError('a batch needs at least one sample');
  const firstIndex = indices[0]!;
  const first = samples[firstIndex];
  if (!first) throw new RangeError(`sample index ${firstIndex} is out of range (0…${samples.length - 1})`);
  const W = opts.width ?? first.width;
  const H = opts.height ?? first.height;
  const Cin = first.channels;
  const B = indices.length;
  const pixels = W * H;
  const x = new Float32Array(B * pixels * Cin);
  const y = new Float32Array(B * pixels * C);
  indices.forEach((index, b) => {
    let s = samples[index];
    if (!s) throw new RangeError(`sample index ${index} is out of range (0…${samples.length - 1})`);
    if (s.channels !== Cin) throw new RangeError(`sample ${index} has ${s.channels} channels, the batch ${Cin}`);
    const sampleRng = rng.fork(`sample ${index}`);
    if (s.width !== W || s.height !== H) {
      s = samplePatch(s, { width: W, height: H }, sampleRng.fork('patch'), {
        foregroundProbability: opts.foregroundProbability ?? DEFAULT_FOREGROUND_PROBABILITY,
      }).sample;
    }
    if (opts.augmentation) s = augmentSample(s, sampleRng, opts.augmentation).sample;
    x.set(s.image, b * pixels * Cin);
    writeOneHot(s.labels, C, y, b * pixels * C, index);
  });
  return { x, y, shape: { batch: B, height: H, width: W, channels: Cin, classes: C } };
}

/** {@link batchArrays} as tensors: x [B, H, W, C_in] and one-hot y [B, H, W, C]. The caller disposes them. */
export function makeBatch(
  samples: readonly Sample2D[],
  indices: readonly number[],
  rng: Rng,
  opts: BatchOptions,
): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const a = batchArrays(samples, indices, rng, opts);
  const { batch, height, width, channels, classes } = a.shape;
  return {
    x: tf.tensor4d(a.x, [batch, height, width, channels], 'float32'),
    y: tf.tensor4d(a.y, [batch, height, width, classes], 'float32'),
  };
}

/** Writes the one-hot code of `labels` (C values per pixel) into `out` from `offset`. */
export function writeOneHot(labels: Uint8Array, numClasses: number, out: Float32Array, offset = 0, sampleIndex?: number): void {
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p]!;
    if (l >= numClasses) {
      const where = sampleIndex === undefined ? '' : ` in sample ${sampleIndex}`;
      throw new RangeError(`label ${l}${where} is not a class of a ${numClasses}-class model (0…${numClasses - 1})`);
    }
    out[offset + p * numClasses + l] = 1;
  }
}

/** One-hot labels of one label map, C values per pixel. */
export function oneHot(labels: Uint8Array, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  writeOneHot(labels, numClasses, out);
  return out;
}
