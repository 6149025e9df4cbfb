/**
 * Cases as whole 3-D volumes for a 3-D U-Net (Çiçek et al. 2016, "3D U-Net: learning dense
 * volumetric segmentation from sparse annotation", MICCAI), trained on random patches and
 * scored by sliding windows as nnU-Net does (Isensee et al. 2021, Nat. Methods 18:203–211).
 *
 * Preprocessing of a case, in this order (nnU-Net resamples before it normalises):
 *   1. the channel rule of the 2-D samples (samples.ts: alpha dropped, RGB to grey when the model
 *      takes one channel) and the optional intensity window (a clamp, e.g. a CT window);
 *   2. with a target spacing t = [x, y, z] mm: resampling from the volume's own spacing s to
 *      n' = max(1, round(n·s/t)) voxels per axis (data/volume3d.ts: image trilinear, labels and
 *      roi nearest neighbour); without one (null), the volume keeps its own grid;
 *   3. the per-volume, per-channel z-score (data/normalize.ts), over the roi when asked.
 * A resampled volume keeps its case's labels and roi at the case's own grid (`original`), so
 * that predictions are scored where the labels were drawn.
 *
 * Training batches: one patch of the model's input size per volume, its centre chosen by the
 * foreground-oversampling rule (a share `foregroundProbability` centred on foreground, nnU-Net's
 * 1/3; data/patches.ts drawPatchOrigin, as data/volume3d.ts batchArrays3D draws it), then
 * augmented in 3-D by data/augment3d.ts from the experiment's augmentation configuration (the
 * paper's zoom, rotation about each axis, mirroring along each axis, elastic deformation and
 * brightness, each with its probability): the patch is the output grid of one inverse mapping
 * sampled from the whole volume around the chosen centre, as nnU-Net's SpatialTransform crops
 * it, so rotations and zoom take content from beyond the patch instead of leaving empty corners.
 * A volume whose grid spacing has max/min > 3 is augmented in-plane only (data/augment3d.ts).
 *
 * Scoring a volume: its softmax probabilities on its (resampled) grid, from Gaussian-weighted
 * sliding windows with overlap 0.5 (slidingWindow3d.ts), brought back to the case's own grid by
 * trilinear interpolation followed by argmax when it was resampled (nnU-Net's way back to the
 * original spacing), then scored per foreground class inside the roi (scoring.ts caseResult),
 * as a 2-D case is. Its loss is the loss of those probabilities against the one-hot labels on
 * the (resampled) grid, the whole volume as one sample.
 *
 * Memory: a volume of N voxels and K classes holds N·K float32 probabilities on the host while
 * it is scored, and its loss puts the probabilities and the one-hot labels (2·N·K values, with
 * the loss's intermediates) on the device at once; resampling to a coarser spacing reduces N.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentationConfig } from '../data/augment';
import { augmentPatch3D, drawAugmentation3D, NO_AUGMENTATION_3D } from '../data/augment3d';
import type { IntensityWindow } from '../data/normalize';
import { zScore } from '../data/normalize';
import type { Rng } from '../data/rng';
import { drawPatchOrigin, foregroundIndex, type ForegroundIndex } from '../data/patches';
import type { Case } from '../data/types';
import {
  checkSpacing,
  resampledSize,
  resampleLabelsTo,
  resampleProbabilitiesToLabels,
  resampleTrilinear,
  spacingAfterResampling,
  toSize3D,
  type BatchArrays3D,
  type Sample3D,
  type Size3D,
  type Spacing3D,
} from '../data/volume3d';
import type { LossFn } from '../losses';
import { argmaxLabels } from '../metrics';
import { channelsInWindow, colourChannels } from './samples';
import { caseResult, type CaseResult } from './scoring';
import { volumeProbabilities3D } from './slidingWindow3d';

/** How cases become volumes (see the file header). */
export interface VolumeOptions {
  /** Image channels the model takes (the channel rule of samples.ts). Default: those of the first case. */
  channels?: number;
  /** Clamp intensities to this window before the z-score. */
  window?: IntensityWindow;
  /** Take the z-score statistics inside the case's roi. Default false. */
  useRoi?: boolean;
  /** Target voxel spacing in mm [x, y, z]; null or absent: every volume at its own spacing. */
  spacing?: Spacing3D | null;
}

/** A model-ready normalised volume and where it came from. */
export interface PreparedVolume extends Sample3D {
  caseId: string;
  /** The case's own grid. */
  source: Size3D;
  /** Voxel spacing of this volume's grid in mm [x, y, z] (the case's own, or its spacing after resampling); it decides in-plane augmentation. */
  spacing: Spacing3D;
  /** The case's labels and roi at its own grid, when the volume was resampled. */
  original?: { labels: Uint8Array; roi?: Uint8Array };
}

/** One case as a normalised volume, resampled to `opts.spacing` when given (see the file header). */
export function prepareVolume(c: Case, opts: VolumeOptions = {}): PreparedVolume {
  const [width, height, depth] = c.image.dims;
  const source: Size3D = { width, height, depth };
  const n = width * height * depth;
  if (c.labels.length !== n) throw new RangeError(`case ${c.id}: ${c.labels.length} labels for a volume of ${width}×${height}×${depth} voxels`);
  if (c.roi && c.roi.length !== n) throw new RangeError(`case ${c.id}: roi has ${c.roi.length} values, expected ${n}`);
  const channels = opts.channels ?? colourChannels(c.image.channels);
  let image = channelsInWindow(c, channels, opts.window);
  let grid = source;
  let spacing: Spacing3D = c.image.spacing;
  let labels = c.labels;
  let roi = c.roi;
  if (opts.spacing) {
    checkSpacing(opts.spacing, 'target spacing');
    const to = resampledSize(source, c.image.spacing, opts.spacing);
    if (to.width !== width || to.height !== height || to.depth !== depth) {
      image = resampleTrilinear(image, source, channels, to);
      labels = resampleLabelsTo(c.labels, source, to);
      roi = c.roi ? resampleLabelsTo(c.roi, source, to) : undefined;
      grid = to;
      spacing = spacingAfterResampling(source, to, c.image.spacing);
    }
  }
  const statsRoi = opts.useRoi ? roi : undefined;
  const v: PreparedVolume = {
    ...grid,
    channels,
    image: zScore(image, channels, statsRoi ? { roi: statsRoi } : {}).image,
    labels,
    caseId: c.id,
    source,
    spacing,
  };
  if (roi) v.roi = roi;
  if (grid !== source) v.original = { labels: c.labels, ...(c.roi ? { roi: c.roi } : {}) };
  return v;
}

/** Cases → volumes, in case order; the channels default to the first case's. */
export function prepareVolumes(cases: readonly Case[], opts: VolumeOptions = {}): PreparedVolume[] {
  const first = cases[0];
  const channels = opts.channels ?? (first ? colourChannels(first.image.channels) : 1);
  return cases.map((c) => prepareVolume(c, { ...opts, channels }));
}

export interface VolumeBatchOptions {
  numClasses: number;
  /** The model's input patch. */
  patch: Size3D;
  /** Probability of a foreground-centred patch (nnU-Net: 1/3). */
  foregroundProbability: number;
  /** The augmentation of data/augment3d.ts (see the file header); null: none. */
  augmentation: AugmentationConfig | null;
}

/**
 * The volumes at `indices` as one batch of patches. Volume `i` draws its patch position from
 * rng.fork(`sample ${i}`).fork('patch') (a volume of the patch size is taken whole, as
 * data/volume3d.ts batchArrays3D does) and its augmentation from rng.fork(`sample ${i}`)
 * (data/augment3d.ts drawAugmentation3D, in-plane for a volume whose `spacing` is strongly
 * anisotropic; a spacing that is absent or not positive and finite counts as isotropic), so a volume gets the same patch and augmentation whatever batch it lands in.
 * Without augmentation the batch equals batchArrays3D's.
 */
export function volumeBatch(volumes: readonly (Sample3D & { spacing?: Spacing3D })[], indices: readonly number[], rng: Rng, opts: VolumeBatchOptions): BatchArrays3D {
  const K = opts.numClasses;
  if (!(Number.isInteger(K) && K >= 2 && K <= 256)) throw new RangeError(`numClasses must be an integer in 2…256, got ${K}`);
  if (indices.length === 0) throw new RangeError('a batch needs at least one sample');
  const P = toSize3D(opts.patch);
  const n = P.width * P.height * P.depth;
  const at = (index: number) => {
    const v = volumes[index];
    if (!v) throw new RangeError(`sample index ${index} is out of range (0…${volumes.length - 1})`);
    return v;
  };
  const Cin = at(indices[0]!).channels;
  const B = indices.length;
  const x = new Float32Array(B * n * Cin);
  const y = new Float32Array(B * n * K);
  indices.forEach((index, b) => {
    const v = at(index);
    if (v.channels !== Cin) throw new RangeError(`sample ${index} has ${v.channels} channels, the batch ${Cin}`);
    const sampleRng = rng.fork(`sample ${index}`);
    const origin = patchOrigin(v, P, sampleRng.fork('patch'), opts.foregroundProbability);
    const applied = opts.augmentation ? drawAugmentation3D(sampleRng, opts.augmentation, knownSpacing(v.spacing)) : NO_AUGMENTATION_3D;
    const s = augmentPatch3D(v, origin, P, applied);
    x.set(s.image, b * n * Cin);
    const offset = b * n * K;
    for (let i = 0; i < n; i++) {
      const l = s.labels[i]!;
      if (l >= K) throw new RangeError(`label ${l} in sample ${index} is not a class of a ${K}-class model (0…${K - 1})`);
      y[offset + i * K + l] = 1;
    }
  });
  return { x, y, shape: { batch: B, depth: P.depth, height: P.height, width: P.width, channels: Cin, classes: K } };
}

function knownSpacing(spacing: Spacing3D | undefined): { spacing?: Spacing3D } {
  return spacing && spacing.length === 3 && spacing.every((v) => Number.isFinite(v) && v > 0) ? { spacing } : {};
}

/** Foreground indexes of the label arrays seen by {@link volumeBatch} (labels are treated as immutable). */
const foregroundCache = new WeakMap<Uint8Array, ForegroundIndex>();

/** The untransformed origin of a volume's training patch: data/volume3d.ts samplePatch3D's draw; [0, 0, 0] for a volume of the patch size. */
function patchOrigin(v: Sample3D, P: Size3D, rng: Rng, foregroundProbability: number): [number, number, number] {
  if (v.width === P.width && v.height === P.height && v.depth === P.depth) return [0, 0, 0];
  let fg: ForegroundIndex | undefined;
  if (foregroundProbability > 0) {
    fg = foregroundCache.get(v.labels);
    if (!fg) {
      fg = foregroundIndex(v.labels);
      foregroundCache.set(v.labels, fg);
    }
  }
  const { origin } = drawPatchOrigin([v.width, v.height, v.depth], [P.width, P.height, P.depth], v.labels, rng, fg ? { foregroundProbability, foreground: fg } : { foregroundProbability });
  return origin as [number, number, number];
}

/**
 * A volume's prediction (softmax probabilities on its grid) as labels of the case's own grid,
 * with the labels and roi to score it against (see the file header).
 */
export function volumeLabelsAtSource(v: PreparedVolume, probs: Float32Array, numClasses: number): { pred: Uint8Array; truth: Uint8Array; roi: Uint8Array | undefined } {
  if (v.original) return { pred: resampleProbabilitiesToLabels(probs, numClasses, v, v.source), truth: v.original.labels, roi: v.original.roi };
  return { pred: argmaxLabels(probs, numClasses), truth: v.labels, roi: v.roi };
}

/** The scores of one volume's prediction at its case's own grid. */
export function volumeCaseResult(v: PreparedVolume, probs: Float32Array, numClasses: number): CaseResult {
  const { pred, truth, roi } = volumeLabelsAtSource(v, probs, numClasses);
  return caseResult(v.caseId, truth, pred, numClasses, roi);
}

/** The loss of a volume's probabilities against its one-hot labels on its grid, as one sample [1, D, H, W, C]. */
export async function volumeLoss(loss: LossFn, v: Sample3D, probs: Float32Array, numClasses: number): Promise<number> {
  const C = numClasses;
  const shape: [number, number, number, number, number] = [1, v.depth, v.height, v.width, C];
  const l = tf.tidy(() => {
    const y = tf.oneHot(tf.tensor1d(v.labels, 'int32'), C).reshape(shape);
    return loss(y, tf.tensor5d(probs, shape, 'float32'));
  });
  try {
    return (await l.data())[0]!;
  } finally {
    l.dispose();
  }
}

/** A volume's sliding-window probabilities, its loss (NaN without one) and its scores. */
export interface VolumeScore {
  volume: PreparedVolume;
  probabilities: Float32Array;
  loss: number;
  result: CaseResult;
}

/**
 * Every volume through the model by sliding windows (overlap 0.5, `batchSize` windows per
 * forward pass), scored at its case's own grid; `visit` sees each one in order.
 */
export async function scoreVolumes(
  model: tf.LayersModel,
  volumes: readonly PreparedVolume[],
  opts: { numClasses: number; batchSize: number; loss?: LossFn },
  visit: (score: VolumeScore, index: number) => void = () => {},
): Promise<{ loss: number; results: CaseResult[] }> {
  let lossSum = 0;
  const results: CaseResult[] = [];
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i]!;
    const { probabilities } = await volumeProbabilities3D(model, v, { batchSize: opts.batchSize });
    const loss = opts.loss ? await volumeLoss(opts.loss, v, probabilities, opts.numClasses) : NaN;
    const result = volumeCaseResult(v, probabilities, opts.numClasses);
    lossSum += loss;
    results.push(result);
    visit({ volume: v, probabilities, loss, result }, i);
  }
  return { loss: volumes.length > 0 ? lossSum / volumes.length : NaN, results };
}
