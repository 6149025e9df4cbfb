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
 * Training batches: random patches of the model's input size, a share `foregroundProbability`
 * of them centred on foreground (nnU-Net's 1/3; data/volume3d.ts batchArrays3D). Augmentation in
 * 3-D is mirroring only: each of the three axes of a patch is mirrored independently with the
 * probability of the configuration's mirroring (the paper's 0.15, data/augment.ts), as nnU-Net
 * mirrors every spatial axis of a 3-D patch; the 2-D switches `horizontal` and `vertical` are
 * not consulted. Scaling, rotation, elastic deformation and brightness, which data/augment.ts
 * applies to 2-D samples, are not applied to 3-D patches.
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
import type { IntensityWindow } from '../data/normalize';
import { zScore } from '../data/normalize';
import type { Rng } from '../data/rng';
import type { Case } from '../data/types';
import {
  batchArrays3D,
  checkSpacing,
  resampledSize,
  resampleLabelsTo,
  resampleProbabilitiesToLabels,
  resampleTrilinear,
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
  /** Only its mirroring probability is used (see the file header); null: no augmentation. */
  augmentation: AugmentationConfig | null;
}

/**
 * The volumes at `indices` as one batch of random patches, each mirrored along the axes drawn
 * from rng.fork(`sample ${i}`).fork('mirror') (its patch comes from the fork 'patch'), so a
 * volume gets the same patch and mirroring whatever batch it lands in.
 */
export function volumeBatch(volumes: readonly Sample3D[], indices: readonly number[], rng: Rng, opts: VolumeBatchOptions): BatchArrays3D {
  const a = batchArrays3D(volumes, indices, rng, { numClasses: opts.numClasses, patch: opts.patch, foregroundProbability: opts.foregroundProbability });
  const p = opts.augmentation?.mirror.probability ?? 0;
  if (p > 0) {
    indices.forEach((index, b) => {
      const m = rng.fork(`sample ${index}`).fork('mirror');
      const axes = { x: m.bernoulli(p), y: m.bernoulli(p), z: m.bernoulli(p) };
      mirrorBatchItem(a, b, axes);
    });
  }
  return a;
}

/** Mirrors item `b` of a batch (image and one-hot labels together) along the chosen axes, in place. */
export function mirrorBatchItem(a: BatchArrays3D, b: number, axes: { x: boolean; y: boolean; z: boolean }): void {
  if (!axes.x && !axes.y && !axes.z) return;
  const { depth: D, height: H, width: W, channels, classes } = a.shape;
  const n = D * H * W;
  for (const [data, per] of [
    [a.x, channels],
    [a.y, classes],
  ] as const) {
    const start = b * n * per;
    const item = data.slice(start, start + n * per);
    let o = start;
    for (let z = 0; z < D; z++) {
      const sz = axes.z ? D - 1 - z : z;
      for (let y = 0; y < H; y++) {
        const sy = axes.y ? H - 1 - y : y;
        for (let x = 0; x < W; x++, o += per) {
          const sx = axes.x ? W - 1 - x : x;
          const src = ((sz * H + sy) * W + sx) * per;
          for (let c = 0; c < per; c++) data[o + c] = item[src + c]!;
        }
      }
    }
  }
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
