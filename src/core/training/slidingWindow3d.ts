/**
 * Predictions of a 3-D segmentation model (input [B, D, H, W, C], softmax output
 * [B, D, H, W, K]) on volumes of any size, as nnU-Net's predict_sliding_window_return_logits
 * (Isensee et al. 2021, Nat. Methods 18:203–211) and the patch-based inference of the Unified
 * Focal loss experiments (Yeung et al. 2022): a volume of the model's input size goes through
 * the model as it is; a smaller one is zero-padded (centred) and the prediction cut back; a
 * larger one is tiled with overlapping windows (data/volume3d.ts slidingWindows3D, nnU-Net's
 * per-axis steps) whose softmax outputs are averaged with the Gaussian importance map
 * (σ = s/8 per axis):
 *   P(v) = Σ_w g(v − o_w)·p_w(v − o_w) / Σ_w g(v − o_w).
 * Every forward pass runs in tf.tidy; only typed arrays come out.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_WINDOW_OVERLAP } from '../data/patches';
import {
  checkSample3D,
  cropVolumeData,
  extractPatch3D,
  gaussianImportance3D,
  padVolumeTo,
  slidingWindows3D,
  type Sample3D,
  type Size3D,
} from '../data/volume3d';
import { argmaxLabels } from '../metrics';

/** Default number of windows per forward pass (3-D patches are large; nnU-Net predicts one at a time). */
export const DEFAULT_BATCH_SIZE_3D = 1;

export interface PredictVolumeOptions {
  /** Overlap of neighbouring windows, in [0, 1). Default 0.5 (nnU-Net's step size). */
  overlap?: number;
  /** Windows per forward pass. Default {@link DEFAULT_BATCH_SIZE_3D}. */
  batchSize?: number;
  /** Also return the blended probabilities. Default false. */
  probabilities?: boolean;
}

export interface VolumePrediction {
  /** argmax class per voxel, (z·H + y)·W + x, at the sample's size. */
  labels: Uint8Array;
  /** Softmax probabilities, K per voxel (only when asked for). */
  probabilities?: Float32Array;
  /** Forward passes' windows: 1 when the volume fits the input. */
  windows: number;
}

/** The input patch of a 3-D model, its input channels and its number of output classes. */
export function modelGeometry3D(model: tf.LayersModel): { patch: Size3D; channels: number; classes: number } {
  const input = model.inputs[0]?.shape;
  const output = model.outputs[0]?.shape;
  if (!input || input.length !== 5 || !output || output.length !== 5) {
    throw new Error('the model must take [batch, depth, height, width, channels] and output [batch, depth, height, width, classes]');
  }
  const [, d, h, w, c] = input;
  const [, od, oh, ow, k] = output;
  if (typeof d !== 'number' || typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number' || typeof k !== 'number') {
    throw new Error(`the model needs a fixed input size and class count, got input ${JSON.stringify(input)}, output ${JSON.stringify(output)}`);
  }
  if (od !== d || oh !== h || ow !== w) throw new Error(`the model's output ${String(od)}×${String(oh)}×${String(ow)} differs from its input ${d}×${h}×${w}`);
  if (k < 2) throw new Error(`the model must output at least 2 classes (background + 1), got ${k}`);
  return { patch: { width: w, height: h, depth: d }, channels: c, classes: k };
}

/** Segmentation of one normalised volume of any size (see the file header). */
export async function predictVolume3D(model: tf.LayersModel, sample: Sample3D, opts: PredictVolumeOptions = {}): Promise<VolumePrediction> {
  const { probabilities, windows, classes } = await volumeProbabilities3D(model, sample, opts);
  const labels = argmaxLabels(probabilities, classes);
  return opts.probabilities ? { labels, probabilities, windows } : { labels, windows };
}

/** Softmax probabilities (K per voxel) of one volume of any size: directly, padded, or by blended windows. */
export async function volumeProbabilities3D(
  model: tf.LayersModel,
  sample: Sample3D,
  opts: Pick<PredictVolumeOptions, 'overlap' | 'batchSize'> = {},
): Promise<{ probabilities: Float32Array; windows: number; classes: number }> {
  const { patch: P, channels: Cin, classes: K } = modelGeometry3D(model);
  checkSample3D(sample);
  if (sample.channels !== Cin) throw new RangeError(`the volume has ${sample.channels} channels; the model takes ${Cin}`);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE_3D;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const overlap = opts.overlap ?? DEFAULT_WINDOW_OVERLAP;

  const padded = padVolumeTo(sample, Math.max(sample.depth, P.depth), Math.max(sample.height, P.height), Math.max(sample.width, P.width));
  const s = padded.sample;
  const windows = slidingWindows3D(s, P, overlap);
  const n = P.width * P.height * P.depth;
  let out: Float32Array;
  if (windows.length === 1) {
    out = await runModel(model, s.image, 1, P, Cin);
  } else {
    const importance = gaussianImportance3D(P);
    const voxels = s.width * s.height * s.depth;
    const acc = new Float32Array(voxels * K);
    const weight = new Float32Array(voxels);
    for (let start = 0; start < windows.length; start += batchSize) {
      const group = windows.slice(start, start + batchSize);
      const x = new Float32Array(group.length * n * Cin);
      group.forEach((w, b) => x.set(extractPatch3D(s, w.x, w.y, w.z, P).image, b * n * Cin));
      const probs = await runModel(model, x, group.length, P, Cin);
      group.forEach((w, b) => {
        let src = b * n;
        let i = 0;
        for (let z = 0; z < P.depth; z++) {
          for (let y = 0; y < P.height; y++) {
            let dst = ((w.z + z) * s.height + (w.y + y)) * s.width + w.x;
            for (let q = 0; q < P.width; q++, src++, dst++, i++) {
              const g = importance[i]!;
              weight[dst] = weight[dst]! + g;
              for (let c = 0; c < K; c++) acc[dst * K + c] = acc[dst * K + c]! + g * probs[src * K + c]!;
            }
          }
        }
      });
    }
    for (let v = 0; v < voxels; v++) {
      const inv = 1 / weight[v]!;
      for (let c = 0; c < K; c++) acc[v * K + c] = acc[v * K + c]! * inv;
    }
    out = acc;
  }
  const same = s.width === sample.width && s.height === sample.height && s.depth === sample.depth;
  return { probabilities: same ? out : cropVolumeData(out, s, K, padded.crop), windows: windows.length, classes: K };
}

/** Softmax output for `count` input-sized volumes stacked in `x`. */
async function runModel(model: tf.LayersModel, x: Float32Array, count: number, P: Size3D, channels: number): Promise<Float32Array> {
  const p = tf.tidy(() => model.apply(tf.tensor5d(x, [count, P.depth, P.height, P.width, channels], 'float32'), { training: false }) as tf.Tensor);
  try {
    return (await p.data()) as Float32Array;
  } finally {
    p.dispose();
  }
}
