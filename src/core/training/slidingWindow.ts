/**
 * Predictions of a segmentation model on images of any size. An image of the model's input size
 * goes through the model as it is (in batches); a smaller one is padded and the prediction cut
 * back; a larger one is tiled with nnU-Net's sliding window (Isensee et al. 2021, Nat. Methods
 * 18:203–211; data/patches.ts): overlapping windows whose softmax outputs are blended with a
 * Gaussian importance map. Every forward pass runs in tf.tidy; only probabilities (typed
 * arrays) come out.
 */
import * as tf from '@tensorflow/tfjs';
import { extractPatch, gaussianImportance, slidingWindows, DEFAULT_WINDOW_OVERLAP } from '../data/patches';
import { cropPlane, padTo } from '../data/resize';
import { createRng } from '../data/rng';
import type { Sample2D } from '../data/types';
import type { LossFn } from '../losses';
import { argmaxLabels } from '../metrics';
import { batchArrays, writeOneHot } from './samples';

export interface Prediction {
  /** Argmax class per pixel, y·width + x, at the image's size. */
  labels: Uint8Array;
  /** Softmax probabilities, C per pixel (only when asked for). */
  probabilities?: Float32Array;
}

export interface PredictOptions {
  /** Also return the probabilities. Default false. */
  probabilities?: boolean;
  /** Overlap of neighbouring windows for images larger than the input. Default 0.5 (nnU-Net). */
  overlap?: number;
}

/** [height, width, channels] of a model's input and its number of output classes. */
export function modelGeometry(model: tf.LayersModel): { height: number; width: number; channels: number; classes: number } {
  const input = model.inputs[0]?.shape;
  const output = model.outputs[0]?.shape;
  if (!input || input.length !== 4 || !output || output.length !== 4) {
    throw new Error('the model must take [batch, height, width, channels] and output [batch, height, width, classes]');
  }
  const [, h, w, c] = input;
  const [, oh, ow, k] = output;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number' || typeof k !== 'number') {
    throw new Error(`the model needs a fixed input size and class count, got input ${JSON.stringify(input)}, output ${JSON.stringify(output)}`);
  }
  if (oh !== h || ow !== w) throw new Error(`the model's output ${String(oh)}×${String(ow)} differs from its input ${h}×${w}`);
  if (k < 2) throw new Error(`the model must output at least 2 classes (background + 1), got ${k}`);
  return { height: h, width: w, channels: c, classes: k };
}

export interface PredictorOptions {
  /** Input-sized images (or windows) per forward pass. */
  batchSize: number;
  /** The loss that {@link Predictor.forEachPrediction} reports per image; none: it reports NaN. */
  loss?: LossFn;
}

export class Predictor {
  readonly model: tf.LayersModel;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly classes: number;
  private readonly batchSize: number;
  private readonly loss: LossFn | undefined;

  constructor(model: tf.LayersModel, opts: PredictorOptions) {
    const g = modelGeometry(model);
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
    this.model = model;
    this.width = g.width;
    this.height = g.height;
    this.channels = g.channels;
    this.classes = g.classes;
    this.batchSize = opts.batchSize;
    this.loss = opts.loss;
  }

  /** Segmentation of one normalised image of any size (see the file header). */
  async predict(image: Sample2D, opts: PredictOptions = {}): Promise<Prediction> {
    if (image.channels !== this.channels) throw new RangeError(`the image has ${image.channels} channels; the model takes ${this.channels}`);
    const probs = await this.probabilities(image, opts.overlap ?? DEFAULT_WINDOW_OVERLAP);
    const labels = argmaxLabels(probs, this.classes);
    return opts.probabilities ? { labels, probabilities: probs } : { labels };
  }

  /**
   * Softmax probabilities of every sample (at the sample's own size) with its loss (NaN when
   * opts.loss is false or there is no loss), in order: samples of the input size go through
   * the model in batches, others through the sliding window.
   */
  async forEachPrediction(
    samples: readonly Sample2D[],
    visit: (sample: Sample2D, probabilities: Float32Array, loss: number, index: number) => void,
    opts: { loss?: boolean } = {},
  ): Promise<void> {
    const loss = (opts.loss ?? true) ? this.loss : undefined;
    const W = this.width;
    const H = this.height;
    const C = this.classes;
    let i = 0;
    while (i < samples.length) {
      const s = samples[i]!;
      if (s.width !== W || s.height !== H) {
        const probs = await this.probabilities(s, DEFAULT_WINDOW_OVERLAP);
        visit(s, probs, loss ? await this.lossOf(loss, s, probs) : NaN, i);
        i++;
        continue;
      }
      const batch: number[] = [];
      for (let j = i; j < samples.length && batch.length < this.batchSize; j++) {
        const t = samples[j]!;
        if (t.width !== W || t.height !== H) break;
        batch.push(j);
      }
      const a = batchArrays(samples, batch, createRng(0), { numClasses: C, width: W, height: H });
      const [p, l] = tf.tidy(() => {
        const x = tf.tensor4d(a.x, [batch.length, H, W, a.shape.channels], 'float32');
        const probs = this.model.apply(x, { training: false }) as tf.Tensor;
        if (!loss) return [probs, tf.scalar(NaN)] as [tf.Tensor, tf.Tensor];
        const y = tf.tensor4d(a.y, [batch.length, H, W, C], 'float32');
        return [probs, tf.mul(loss(y, probs), batch.length)] as [tf.Tensor, tf.Tensor];
      });
      const [pData, lData] = await Promise.all([p.data() as Promise<Float32Array>, l.data()]);
      p.dispose();
      l.dispose();
      const per = W * H * C;
      const batchLoss = lData[0]!;
      batch.forEach((j, b) => visit(samples[j]!, pData.slice(b * per, (b + 1) * per), batchLoss / batch.length, j));
      i += batch.length;
    }
  }

  /** Probabilities of one image of any size: directly, padded, or by sliding windows. */
  async probabilities(image: Sample2D, overlap: number = DEFAULT_WINDOW_OVERLAP): Promise<Float32Array> {
    const W = this.width;
    const H = this.height;
    const C = this.classes;
    const Cin = this.channels;
    const padded = padTo(image, Math.max(image.width, W), Math.max(image.height, H));
    const s = padded.sample;
    const windows = slidingWindows(s.width, s.height, { width: W, height: H }, overlap);
    const pixels = s.width * s.height;
    let out: Float32Array;
    if (windows.length === 1) {
      out = await this.runModel(s.image, 1);
    } else {
      const importance = gaussianImportance(W, H);
      const acc = new Float32Array(pixels * C);
      const weight = new Float32Array(pixels);
      for (let start = 0; start < windows.length; start += this.batchSize) {
        const group = windows.slice(start, start + this.batchSize);
        const x = new Float32Array(group.length * W * H * Cin);
        group.forEach((w, b) => x.set(extractPatch(s, w.x, w.y, W, H).image, b * W * H * Cin));
        const probs = await this.runModel(x, group.length);
        group.forEach((w, b) => {
          for (let r = 0; r < H; r++) {
            for (let q = 0; q < W; q++) {
              const src = (b * W * H + r * W + q) * C;
              const dst = (w.y + r) * s.width + (w.x + q);
              const g = importance[r * W + q]!;
              weight[dst] = weight[dst]! + g;
              for (let c = 0; c < C; c++) acc[dst * C + c] = acc[dst * C + c]! + g * probs[src + c]!;
            }
          }
        });
      }
      for (let p = 0; p < pixels; p++) {
        const inv = 1 / weight[p]!;
        for (let c = 0; c < C; c++) acc[p * C + c] = acc[p * C + c]! * inv;
      }
      out = acc;
    }
    return s.width === image.width && s.height === image.height ? out : cropPlane(out, s.width, s.height, C, padded.crop);
  }

  /** Softmax output for `count` input-sized images stacked in `x`. */
  private async runModel(x: Float32Array, count: number): Promise<Float32Array> {
    const p = tf.tidy(() => this.model.apply(tf.tensor4d(x, [count, this.height, this.width, this.channels], 'float32'), { training: false }) as tf.Tensor);
    const data = (await p.data()) as Float32Array;
    p.dispose();
    return data;
  }

  /** The loss of one image's probabilities against its labels. */
  private async lossOf(loss: LossFn, sample: Sample2D, probs: Float32Array): Promise<number> {
    const C = this.classes;
    const y = new Float32Array(sample.width * sample.height * C);
    writeOneHot(sample.labels, C, y);
    const l = tf.tidy(() => loss(tf.tensor4d(y, [1, sample.height, sample.width, C], 'float32'), tf.tensor4d(probs, [1, sample.height, sample.width, C], 'float32')));
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  }
}
