/**
 * 3-D samples for training and applying a 3-D U-Net on patches of CT/MRI volumes, as nnU-Net
 * (Isensee et al. 2021, Nat. Methods 18:203–211) and the Unified Focal loss experiments (Yeung
 * et al. 2022, Comput. Med. Imaging Graph. 95:102026: BraTS resampled to 1 mm isotropic, KiTS19
 * to 3.22 × 1.62 × 1.62 mm, 3-D patches, inference by overlapping windows).
 *
 * Layout (as core/io/volume.ts and the 2-D Sample2D): x fastest, then y, then z, channels
 * interleaved: image[((z·H + y)·W + x)·C + c], labels[(z·H + y)·W + x].
 *
 * Resampling to a target spacing. Output size per axis (nnU-Net's
 * round(shape · spacing / target_spacing)):
 *   n' = max(1, round(n · s / t))
 * for n voxels of spacing s mm resampled to t mm. The field of view is kept, so the spacing
 * actually reached is s·n/n' (equal to t when n·s/t is an integer). The mapping is voxel-centre
 * aligned (as resize.ts in 2-D, skimage's resize that nnU-Net calls, tf.image.resize with
 * half_pixel_centers): output voxel x samples the input at
 *   x_s = (x + ½)·(n / n') − ½.
 * Images are interpolated trilinearly per channel (source coordinates clamped to [0, n − 1]);
 * labels and roi by nearest neighbour, x_s = min(⌊(x + ½)·n/n'⌋, n − 1), so no class value is
 * invented and an integer up-sampling followed by the matching down-sampling gives the labels
 * back exactly. Predictions come back to the source grid with {@link resampleLabelsTo}
 * (nearest) or, as nnU-Net does, by trilinear interpolation of the softmax probabilities
 * followed by argmax ({@link resampleProbabilitiesTo}, {@link resampleProbabilitiesToLabels}).
 * nnU-Net interpolates strongly anisotropic volumes (spacing ratio > 3) in-plane only and uses
 * nearest neighbour across slices; here every axis is interpolated the same way.
 *
 * Patches: random patches with nnU-Net's foreground oversampling (data/patches.ts, p = 1/3) and
 * sliding windows with Gaussian importance (σ = s/8 per axis) for inference.
 */
import { normalizeSample, type NormalizeOptions, type ChannelStatistics } from './normalize';
import {
  checkOverlap,
  DEFAULT_FOREGROUND_PROBABILITY,
  DEFAULT_WINDOW_OVERLAP,
  drawPatchOrigin,
  foregroundIndex,
  gaussianProfile,
  windowSteps,
  type ForegroundIndex,
  type PatchOptions,
} from './patches';
import { axisTaps, DEFAULT_PAD_MODE, nearestTaps, type PadMode } from './resize';
import type { Rng } from './rng';
import type { Case } from './types';

/** A 3-D training sample: one channel-last image [depth, height, width, channels] and its labels. */
export interface Sample3D {
  depth: number;
  height: number;
  width: number;
  channels: number;
  /** Float32 intensities, ((z·height + y)·width + x)·channels + c. */
  image: Float32Array;
  /** Class index per voxel, (z·height + y)·width + x. */
  labels: Uint8Array;
  /** Field of view (nonzero = inside), same layout as labels. */
  roi?: Uint8Array;
}

/** A grid size in voxels (also a patch / window size). */
export interface Size3D {
  width: number;
  height: number;
  depth: number;
}

/** A grid size as an object or as a Volume stores it: [nx, ny, nz]. */
export type Dims3D = Size3D | readonly [number, number, number];

/** Voxel spacing in mm, [x, y, z] as core/io/volume.ts stores it. */
export type Spacing3D = readonly [number, number, number];

/** A box of voxels: x … x+width−1, y … y+height−1, z … z+depth−1. */
export interface CropBox3D {
  x: number;
  y: number;
  z: number;
  width: number;
  height: number;
  depth: number;
}

/** The spacing of the paper's BraTS experiments: 1 mm isotropic. */
export const BRATS_SPACING: Spacing3D = Object.freeze([1, 1, 1]) as Spacing3D;

/** The spacing of the paper's KiTS19 experiments: 1.62 × 1.62 mm in-plane, 3.22 mm between slices ([x, y, z]). */
export const KITS_SPACING: Spacing3D = Object.freeze([1.62, 1.62, 3.22]) as Spacing3D;

/** Throws when the arrays do not match width × height × depth × channels. */
export function checkSample3D(s: Sample3D): void {
  checkSize(s, 'sample size');
  if (!Number.isInteger(s.channels) || s.channels < 1) throw new RangeError(`channels must be a positive integer, got ${s.channels}`);
  const n = voxels(s);
  if (s.image.length !== n * s.channels) throw new RangeError(`image has ${s.image.length} values, expected ${n * s.channels}`);
  if (s.labels.length !== n) throw new RangeError(`labels have ${s.labels.length} values, expected ${n}`);
  if (s.roi && s.roi.length !== n) throw new RangeError(`roi has ${s.roi.length} values, expected ${n}`);
}

/** {width, height, depth} of a size given either way. */
export function toSize3D(dims: Dims3D): Size3D {
  const s = isTuple(dims) ? { width: dims[0], height: dims[1], depth: dims[2] } : { width: dims.width, height: dims.height, depth: dims.depth };
  checkSize(s, 'size');
  return s;
}

/**
 * A case as a 3-D sample (image values converted to Float32, labels and roi shared). The
 * Volume's [nx, ny, nz] become width, height, depth; the layouts are the same.
 */
export function sample3DFromCase(c: Case): Sample3D {
  const [width, height, depth] = c.image.dims;
  const image = c.image.data instanceof Float32Array ? c.image.data : Float32Array.from(c.image.data);
  const s: Sample3D = { width, height, depth, channels: c.image.channels, image, labels: c.labels };
  if (c.roi) s.roi = c.roi;
  checkSample3D(s);
  return s;
}

/**
 * The paper's preprocessing of one 3-D sample: optional window clamp (e.g. KITS_CT_WINDOW),
 * then the per-volume, per-channel z-score (data/normalize.ts). Labels and roi are shared.
 */
export function normalizeSample3D(sample: Sample3D, opts: NormalizeOptions = {}): { sample: Sample3D; stats: ChannelStatistics } {
  checkSample3D(sample);
  const r = normalizeSample(sample, opts);
  return { sample: { ...sample, image: r.sample.image }, stats: r.stats };
}

// ---------------------------------------------------------------- resampling

/** Throws unless `spacing` is three positive finite numbers. */
export function checkSpacing(spacing: Spacing3D, name = 'spacing'): void {
  const ok = Array.isArray(spacing) && spacing.length === 3 && spacing.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (!ok) {
    const shown = Array.isArray(spacing) ? `[${spacing.map(String).join(', ')}]` : String(spacing);
    throw new RangeError(`${name} must be three positive finite voxel sizes in mm [x, y, z], got ${shown}`);
  }
}

/** The grid size after resampling from `srcSpacing` to `targetSpacing`: n' = max(1, round(n·s/t)) per axis. */
export function resampledSize(dims: Dims3D, srcSpacing: Spacing3D, targetSpacing: Spacing3D): Size3D {
  const s = toSize3D(dims);
  checkSpacing(srcSpacing, 'source spacing');
  checkSpacing(targetSpacing, 'target spacing');
  const axis = (n: number, a: 0 | 1 | 2) => Math.max(1, Math.round((n * srcSpacing[a]) / targetSpacing[a]));
  return { width: axis(s.width, 0), height: axis(s.height, 1), depth: axis(s.depth, 2) };
}

/** The spacing a grid of `from` voxels at `srcSpacing` has once resampled to `to` voxels (same field of view): s·n/n'. */
export function spacingAfterResampling(from: Dims3D, to: Dims3D, srcSpacing: Spacing3D): [number, number, number] {
  const a = toSize3D(from);
  const b = toSize3D(to);
  checkSpacing(srcSpacing, 'source spacing');
  return [(srcSpacing[0] * a.width) / b.width, (srcSpacing[1] * a.height) / b.height, (srcSpacing[2] * a.depth) / b.depth];
}

/**
 * Resample a sample from `srcSpacing` to `targetSpacing` (both [x, y, z] in mm): size by
 * {@link resampledSize}, image trilinear per channel, labels and roi nearest neighbour (see the
 * file header). Equal sizes copy the sample unchanged.
 */
export function resampleVolume(sample: Sample3D, srcSpacing: Spacing3D, targetSpacing: Spacing3D): Sample3D {
  checkSample3D(sample);
  return resampleSampleTo(sample, resampledSize(sample, srcSpacing, targetSpacing));
}

/** Resample a sample to the grid `to` (image trilinear, labels and roi nearest). */
export function resampleSampleTo(sample: Sample3D, to: Dims3D): Sample3D {
  checkSample3D(sample);
  const size = toSize3D(to);
  const out: Sample3D = {
    ...size,
    channels: sample.channels,
    image: resampleTrilinear(sample.image, sample, sample.channels, size),
    labels: resampleLabelsTo(sample.labels, sample, size),
  };
  if (sample.roi) out.roi = resampleLabelsTo(sample.roi, sample, size);
  return out;
}

/**
 * Nearest-neighbour resampling of a one-value-per-voxel map (labels, roi, predicted labels)
 * from grid `from` to grid `to` (voxel-centre aligned). Every output value is an input value.
 */
export function resampleLabelsTo(labels: Uint8Array, from: Dims3D, to: Dims3D): Uint8Array {
  const a = toSize3D(from);
  const b = toSize3D(to);
  checkLength(labels.length, a, 1, 'labels');
  const xs = nearestTaps(a.width, b.width);
  const ys = nearestTaps(a.height, b.height);
  const zs = nearestTaps(a.depth, b.depth);
  const out = new Uint8Array(voxels(b));
  let o = 0;
  for (let z = 0; z < b.depth; z++) {
    for (let y = 0; y < b.height; y++) {
      const row = (zs[z]! * a.height + ys[y]!) * a.width;
      for (let x = 0; x < b.width; x++) out[o++] = labels[row + xs[x]!]!;
    }
  }
  return out;
}

/**
 * Trilinear resampling of channel-last data (`channels` values per voxel) from grid `from` to
 * grid `to`. For output voxel (x, y, z), with source coordinates x_s = clamp((x + ½)·n_x/n'_x − ½,
 * 0, n_x − 1) and likewise y_s, z_s, x₀ = ⌊x_s⌋, x₁ = min(x₀ + 1, n_x − 1), f_x = x_s − x₀:
 *   v = Σ over the 8 corners of I(x_i, y_j, z_k)·w_x,i·w_y,j·w_z,k, w_·,0 = 1 − f, w_·,1 = f.
 * A function linear in x, y, z is reproduced exactly wherever no clamping occurs (always when
 * down-sampling). Equal grids return a copy.
 */
export function resampleTrilinear(data: Float32Array, from: Dims3D, channels: number, to: Dims3D): Float32Array {
  const a = toSize3D(from);
  const b = toSize3D(to);
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  checkLength(data.length, a, channels, 'data');
  if (a.width === b.width && a.height === b.height && a.depth === b.depth) return data.slice();
  const out = new Float32Array(voxels(b) * channels);
  forEachTrilinear(a, b, (o, i, w) => {
    for (let c = 0; c < channels; c++) {
      let v = 0;
      for (let k = 0; k < 8; k++) v += w[k]! * data[i[k]! * channels + c]!;
      out[o * channels + c] = v;
    }
  });
  return out;
}

/**
 * Softmax probabilities (`classes` per voxel) brought from grid `from` to grid `to` by trilinear
 * interpolation ({@link resampleTrilinear}); argmax afterwards gives nnU-Net's way of returning
 * a prediction to the original spacing.
 */
export function resampleProbabilitiesTo(probabilities: Float32Array, classes: number, from: Dims3D, to: Dims3D): Float32Array {
  checkClasses(classes);
  return resampleTrilinear(probabilities, from, classes, to);
}

/**
 * argmax of the trilinearly resampled probabilities, computed voxel by voxel without holding
 * the resampled probabilities (ties go to the lowest class).
 */
export function resampleProbabilitiesToLabels(probabilities: Float32Array, classes: number, from: Dims3D, to: Dims3D): Uint8Array {
  checkClasses(classes);
  const a = toSize3D(from);
  const b = toSize3D(to);
  checkLength(probabilities.length, a, classes, 'probabilities');
  const out = new Uint8Array(voxels(b));
  forEachTrilinear(a, b, (o, i, w) => {
    let best = 0;
    let bestP = -Infinity;
    for (let c = 0; c < classes; c++) {
      let v = 0;
      for (let k = 0; k < 8; k++) v += w[k]! * probabilities[i[k]! * classes + c]!;
      if (v > bestP) {
        best = c;
        bestP = v;
      }
    }
    out[o] = best;
  });
  return out;
}

/** Calls visit(outputVoxel, 8 source voxel indices, 8 weights) for every voxel of grid `b`. */
function forEachTrilinear(a: Size3D, b: Size3D, visit: (o: number, index: Int32Array, weight: Float64Array) => void): void {
  const xs = axisTaps(a.width, b.width);
  const ys = axisTaps(a.height, b.height);
  const zs = axisTaps(a.depth, b.depth);
  const index = new Int32Array(8);
  const weight = new Float64Array(8);
  const plane = a.width * a.height;
  let o = 0;
  for (let z = 0; z < b.depth; z++) {
    const z0 = zs.i0[z]! * plane;
    const z1 = zs.i1[z]! * plane;
    const fz = zs.f[z]!;
    for (let y = 0; y < b.height; y++) {
      const y0 = ys.i0[y]! * a.width;
      const y1 = ys.i1[y]! * a.width;
      const fy = ys.f[y]!;
      const r00 = z0 + y0;
      const r01 = z0 + y1;
      const r10 = z1 + y0;
      const r11 = z1 + y1;
      const w00 = (1 - fz) * (1 - fy);
      const w01 = (1 - fz) * fy;
      const w10 = fz * (1 - fy);
      const w11 = fz * fy;
      for (let x = 0; x < b.width; x++) {
        const x0 = xs.i0[x]!;
        const x1 = xs.i1[x]!;
        const fx = xs.f[x]!;
        const gx = 1 - fx;
        index[0] = r00 + x0;
        index[1] = r00 + x1;
        index[2] = r01 + x0;
        index[3] = r01 + x1;
        index[4] = r10 + x0;
        index[5] = r10 + x1;
        index[6] = r11 + x0;
        index[7] = r11 + x1;
        weight[0] = w00 * gx;
        weight[1] = w00 * fx;
        weight[2] = w01 * gx;
        weight[3] = w01 * fx;
        weight[4] = w10 * gx;
        weight[5] = w10 * fx;
        weight[6] = w11 * gx;
        weight[7] = w11 * fx;
        visit(o++, index, weight);
      }
    }
  }
}

// ---------------------------------------------------------------- padding and cropping

/** A padded sample and the box inside it that holds the original voxels. */
export interface PaddedSample3D {
  sample: Sample3D;
  crop: CropBox3D;
}

/**
 * Pad to exactly depth × height × width (each ≥ the sample's), centred as nnU-Net's
 * pad_nd_image (⌊extra/2⌋ before, the rest after); image voxels by `mode` ('zero', or 'edge':
 * the nearest border voxel), labels and roi with 0. Returns the crop box that
 * {@link cropVolume} uses to undo it.
 */
export function padVolumeTo(sample: Sample3D, depth: number, height: number, width: number, mode: PadMode = DEFAULT_PAD_MODE): PaddedSample3D {
  checkSample3D(sample);
  const { width: w, height: h, depth: d, channels } = sample;
  if (![width, height, depth].every(Number.isInteger) || width < w || height < h || depth < d) {
    throw new RangeError(`cannot pad ${w}×${h}×${d} to ${width}×${height}×${depth}`);
  }
  const crop: CropBox3D = { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), z: Math.floor((depth - d) / 2), width: w, height: h, depth: d };
  const image = new Float32Array(width * height * depth * channels);
  const labels = new Uint8Array(width * height * depth);
  const roi = sample.roi ? new Uint8Array(labels.length) : undefined;
  const clampTo = (v: number, n: number) => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let z = 0; z < depth; z++) {
    const sz = z - crop.z;
    const inZ = sz >= 0 && sz < d;
    for (let y = 0; y < height; y++) {
      const sy = y - crop.y;
      const inZY = inZ && sy >= 0 && sy < h;
      const dstRow = (z * height + y) * width;
      if (mode === 'edge') {
        const srcRow = (clampTo(sz, d) * h + clampTo(sy, h)) * w;
        for (let x = 0; x < width; x++) {
          const src = (srcRow + clampTo(x - crop.x, w)) * channels;
          image.set(sample.image.subarray(src, src + channels), (dstRow + x) * channels);
        }
      }
      if (!inZY) continue;
      const srcRow = (sz * h + sy) * w;
      if (mode !== 'edge') image.set(sample.image.subarray(srcRow * channels, (srcRow + w) * channels), (dstRow + crop.x) * channels);
      labels.set(sample.labels.subarray(srcRow, srcRow + w), dstRow + crop.x);
      if (roi && sample.roi) roi.set(sample.roi.subarray(srcRow, srcRow + w), dstRow + crop.x);
    }
  }
  const out: Sample3D = { width, height, depth, channels, image, labels };
  if (roi) out.roi = roi;
  return { sample: out, crop };
}

/** Pad each axis up to the next multiple of `multiple` (e.g. 2^depth of a U-Net), as {@link padVolumeTo}. */
export function padVolumeToMultiple(sample: Sample3D, multiple: number, mode: PadMode = DEFAULT_PAD_MODE): PaddedSample3D {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`multiple must be a positive integer, got ${multiple}`);
  const up = (n: number) => Math.ceil(n / multiple) * multiple;
  return padVolumeTo(sample, up(sample.depth), up(sample.height), up(sample.width), mode);
}

/** Cut `box` out of a sample (image, labels and roi). The box must lie inside the sample. */
export function cropVolume(sample: Sample3D, box: CropBox3D): Sample3D {
  checkSample3D(sample);
  const out: Sample3D = {
    width: box.width,
    height: box.height,
    depth: box.depth,
    channels: sample.channels,
    image: cropVolumeData(sample.image, sample, sample.channels, box),
    labels: cropVolumeData(sample.labels, sample, 1, box),
  };
  if (sample.roi) out.roi = cropVolumeData(sample.roi, sample, 1, box);
  return out;
}

/**
 * Cut `box` out of channel-last voxel data on grid `size` (e.g. a prediction made on a padded
 * volume). Returns a new array of the same type.
 */
export function cropVolumeData<T extends Float32Array | Uint8Array>(data: T, size: Dims3D, channels: number, box: CropBox3D): T {
  const s = toSize3D(size);
  checkLength(data.length, s, channels, 'data');
  const { x, y, z, width: bw, height: bh, depth: bd } = box;
  const inside =
    [x, y, z, bw, bh, bd].every(Number.isInteger) && x >= 0 && y >= 0 && z >= 0 && bw >= 1 && bh >= 1 && bd >= 1 && x + bw <= s.width && y + bh <= s.height && z + bd <= s.depth;
  if (!inside) throw new RangeError(`crop box ${bw}×${bh}×${bd} at (${x}, ${y}, ${z}) is not inside ${s.width}×${s.height}×${s.depth}`);
  const out = new (data.constructor as new (n: number) => T)(bw * bh * bd * channels);
  let o = 0;
  for (let k = 0; k < bd; k++) {
    for (let r = 0; r < bh; r++) {
      const start = (((z + k) * s.height + y + r) * s.width + x) * channels;
      out.set(data.subarray(start, start + bw * channels) as ArrayLike<number>, o);
      o += bw * channels;
    }
  }
  return out;
}

/**
 * Cut a width × height × depth patch with origin (x, y, z) out of a sample; parts outside the
 * sample are 0 (image: the mean after z-score; labels: background; roi: outside).
 */
export function extractPatch3D(sample: Sample3D, x: number, y: number, z: number, size: Size3D): Sample3D {
  checkSample3D(sample);
  const { width: pw, height: ph, depth: pd } = toSize3D(size);
  const { width: w, height: h, depth: d, channels } = sample;
  const image = new Float32Array(pw * ph * pd * channels);
  const labels = new Uint8Array(pw * ph * pd);
  const roi = sample.roi ? new Uint8Array(labels.length) : undefined;
  const xa = Math.max(0, -x);
  const xb = Math.min(pw, w - x);
  if (xb > xa) {
    for (let k = 0; k < pd; k++) {
      const sz = z + k;
      if (sz < 0 || sz >= d) continue;
      for (let r = 0; r < ph; r++) {
        const sy = y + r;
        if (sy < 0 || sy >= h) continue;
        const src = (sz * h + sy) * w + x;
        const dst = (k * ph + r) * pw;
        image.set(sample.image.subarray((src + xa) * channels, (src + xb) * channels), (dst + xa) * channels);
        labels.set(sample.labels.subarray(src + xa, src + xb), dst + xa);
        if (roi && sample.roi) roi.set(sample.roi.subarray(src + xa, src + xb), dst + xa);
      }
    }
  }
  const out: Sample3D = { width: pw, height: ph, depth: pd, channels, image, labels };
  if (roi) out.roi = roi;
  return out;
}

// ---------------------------------------------------------------- training patches

/**
 * The foreground voxels of each class present, voxel index (z·H + y)·W + x (data/patches.ts's
 * foregroundIndex on the flat labels). Compute once per volume and pass to {@link samplePatch3D}.
 */
export function foregroundIndex3D(labels: Uint8Array): ForegroundIndex {
  return foregroundIndex(labels);
}

/** A 3-D training patch and where it came from. */
export interface Patch3D {
  sample: Sample3D;
  /** Origin in the sample (negative / beyond the border where the sample is smaller than the patch). */
  x: number;
  y: number;
  z: number;
  /** Whether the foreground-centred draw was taken (false when drawn but the labels hold no foreground). */
  centredOnForeground: boolean;
}

/**
 * A random training patch (nnU-Net's rule, data/patches.ts): with probability
 * `foregroundProbability` (default 1/3) centred on a uniformly chosen voxel of a uniformly
 * chosen foreground class present, shifted back inside the volume; otherwise uniform over the
 * valid origins. A sample smaller than the patch along an axis is zero-padded (origin in
 * [n − s, 0]). The 4th argument is the probability or the options (with a precomputed
 * {@link foregroundIndex3D}, which saves a pass over the volume per patch).
 */
export function samplePatch3D(sample: Sample3D, patch: Size3D, rng: Rng, opts: number | PatchOptions = {}): Patch3D {
  checkSample3D(sample);
  const size = toSize3D(patch);
  const o = typeof opts === 'number' ? { foregroundProbability: opts } : opts;
  const { origin, centred } = drawPatchOrigin([sample.width, sample.height, sample.depth], [size.width, size.height, size.depth], sample.labels, rng, o);
  const [x, y, z] = origin as [number, number, number];
  return { sample: extractPatch3D(sample, x, y, z, size), x, y, z, centredOnForeground: centred };
}

// ---------------------------------------------------------------- inference windows

/** A window of the 3-D inference tiling. */
export type Window3D = CropBox3D;

/**
 * Windows tiling a volume (nnU-Net's compute_steps_for_sliding_window per axis, see
 * data/patches.ts), z slowest, x fastest. An axis shorter than the window gets one origin 0
 * and the window reaches past the border: pad the volume to the window size first.
 */
export function slidingWindows3D(dims: Dims3D, patch: Size3D, overlap = DEFAULT_WINDOW_OVERLAP): Window3D[] {
  checkOverlap(overlap);
  const s = toSize3D(dims);
  const p = toSize3D(patch);
  const xs = windowSteps(s.width, p.width, overlap);
  const ys = windowSteps(s.height, p.height, overlap);
  const zs = windowSteps(s.depth, p.depth, overlap);
  const out: Window3D[] = [];
  for (const z of zs) for (const y of ys) for (const x of xs) out.push({ x, y, z, width: p.width, height: p.height, depth: p.depth });
  return out;
}

/**
 * nnU-Net's Gaussian importance map for a window: the product of per-axis Gaussians centred on
 * the window with σ = sigmaScale·size (default s/8), scaled to maximum 1, values that underflow
 * to 0 replaced by the smallest positive value. Layout (z·H + y)·W + x.
 */
export function gaussianImportance3D(patch: Size3D, sigmaScale = 1 / 8): Float32Array {
  const { width, height, depth } = toSize3D(patch);
  const gx = gaussianProfile(width, sigmaScale * width);
  const gy = gaussianProfile(height, sigmaScale * height);
  const gz = gaussianProfile(depth, sigmaScale * depth);
  const out = new Float32Array(width * height * depth);
  let min = Infinity;
  let i = 0;
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      const zy = gz[z]! * gy[y]!;
      for (let x = 0; x < width; x++) {
        const v = zy * gx[x]!;
        out[i++] = v;
        if (v > 0 && v < min) min = v;
      }
    }
  }
  for (let j = 0; j < out.length; j++) if (!(out[j]! > 0)) out[j] = min;
  return out;
}

// ---------------------------------------------------------------- batches

export interface BatchOptions3D {
  /** Classes of the one-hot labels (background included), 2 … 256. */
  numClasses: number;
  /** Patch size; default the first sample's size. Samples of another size are cut / padded by {@link samplePatch3D}. */
  patch?: Size3D;
  /** Probability of a foreground-centred patch (only when patches are cut). Default 1/3. */
  foregroundProbability?: number;
}

/** A batch as typed arrays, channels last: x [B, D, H, W, C_in], one-hot y [B, D, H, W, K]. */
export interface BatchArrays3D {
  x: Float32Array;
  y: Float32Array;
  shape: { batch: number; depth: number; height: number; width: number; channels: number; classes: number };
}

/** Foreground indexes of the label arrays seen by {@link batchArrays3D} (labels are treated as immutable). */
const foregroundCache = new WeakMap<Uint8Array, ForegroundIndex>();

function cachedForeground(labels: Uint8Array): ForegroundIndex {
  let fg = foregroundCache.get(labels);
  if (!fg) {
    fg = foregroundIndex(labels);
    foregroundCache.set(labels, fg);
  }
  return fg;
}

/**
 * The samples at `indices` as one batch. Sample `i` draws its patch from
 * rng.fork(`sample ${i}`).fork('patch') (as the 2-D batches do), so a sample gets the same patch
 * whatever batch it lands in. Foreground indexes are computed once per label array and reused.
 */
export function batchArrays3D(samples: readonly Sample3D[], indices: readonly number[], rng: Rng, opts: BatchOptions3D): BatchArrays3D {
  const K = opts.numClasses;
  checkClasses(K);
  if (indices.length === 0) throw new RangeError('a batch needs at least one sample');
  const sampleAt = (index: number): Sample3D => {
    const s = samples[index];
    if (!s) throw new RangeError(`sample index ${index} is out of range (0…${samples.length - 1})`);
    return s;
  };
  const first = sampleAt(indices[0]!);
  const P = toSize3D(opts.patch ?? first);
  const Cin = first.channels;
  const B = indices.length;
  const n = voxels(P);
  const x = new Float32Array(B * n * Cin);
  const y = new Float32Array(B * n * K);
  indices.forEach((index, b) => {
    let s = sampleAt(index);
    if (s.channels !== Cin) throw new RangeError(`sample ${index} has ${s.channels} channels, the batch ${Cin}`);
    if (s.width !== P.width || s.height !== P.height || s.depth !== P.depth) {
      const p = opts.foregroundProbability ?? DEFAULT_FOREGROUND_PROBABILITY;
      const fg = p > 0 ? cachedForeground(s.labels) : undefined;
      s = samplePatch3D(s, P, rng.fork(`sample ${index}`).fork('patch'), fg ? { foregroundProbability: p, foreground: fg } : { foregroundProbability: p }).sample;
    } else {
      checkSample3D(s);
    }
    x.set(s.image, b * n * Cin);
    const offset = b * n * K;
    for (let v = 0; v < n; v++) {
      const l = s.labels[v]!;
      if (l >= K) throw new RangeError(`label ${l} in sample ${index} is not a class of a ${K}-class model (0…${K - 1})`);
      y[offset + v * K + l] = 1;
    }
  });
  return { x, y, shape: { batch: B, depth: P.depth, height: P.height, width: P.width, channels: Cin, classes: K } };
}

// ---------------------------------------------------------------- helpers

function voxels(s: Size3D): number {
  return s.width * s.height * s.depth;
}

function isTuple(d: Dims3D): d is readonly [number, number, number] {
  return Array.isArray(d);
}

function checkSize(s: Size3D, name: string): void {
  if (![s.width, s.height, s.depth].every((v) => Number.isInteger(v) && v >= 1)) {
    throw new RangeError(`${name} must be positive integers, got ${String(s.width)}×${String(s.height)}×${String(s.depth)}`);
  }
}

function checkLength(length: number, s: Size3D, channels: number, name: string): void {
  const want = voxels(s) * channels;
  if (length !== want) throw new RangeError(`${name} has ${length} values, expected ${s.width}×${s.height}×${s.depth}×${channels} = ${want}`);
}

function checkClasses(k: number): void {
  if (!(Number.isInteger(k) && k >= 2 && k <= 256)) throw new RangeError(`the number of classes must be an integer in 2…256, got ${k}`);
}
