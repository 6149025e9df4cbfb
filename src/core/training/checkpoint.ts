/**
 * Checkpoints of training state as plain, structured-cloneable data (typed arrays for tensors;
 * not JSON: NaN, ±∞ and Float32Array stay as they are), so that an experiment can be kept in
 * IndexedDB and resumed after a page reload (Trainer.checkpoint / Trainer.restore,
 * Experiment.checkpoint / Experiment.resume).
 *
 * Everything that decides the rest of a run is in a {@link TrainerCheckpoint}: the model's
 * weights, the best epoch's weights, the optimizer's slot variables (momentum accumulations,
 * Adam's moments and its running β powers), the loss sum of the epoch in progress, the
 * counters, the learning rate and the schedules' states. The sample order and the augmentation
 * are drawn from streams seeded by (config.seed, epoch, sample) only (trainer.ts, samples.ts),
 * so they are regenerated, not stored. A run resumed from a checkpoint is therefore bit for bit
 * the run that would have continued, on the same backend.
 *
 * Weights are named by position, not by tfjs variable names (those get per-page suffixes such
 * as `conv2d_Conv2D3/kernel`): `${layer index}:${layer class}/${weight}`, e.g. `1:Conv2D/kernel`,
 * in the order of `model.getWeights()`. Optimizer slots carry the name of their weight with a
 * suffix (`/momentum`, `/m`, `/v`).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './config';
import type { BestCheckpointState, EarlyStoppingState, PlateauState } from './schedule';

export const CHECKPOINT_VERSION = 1;

/** One tensor as plain data. */
export interface WeightArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The state of a tfjs optimizer (SGD, Momentum or Adam). */
export interface OptimizerCheckpoint {
  /** tfjs class name: 'SGD', 'Momentum' or 'Adam'. */
  className: string;
  /** optimizer.iterations. */
  iterations: number;
  /**
   * optimizer.getWeights() without the iteration count: none for SGD, one accumulation per
   * trainable weight for Momentum, the first moments then the second moments for Adam; empty
   * before the first step.
   */
  slots: WeightArray[];
  /**
   * Adam's running β1^t and β2^t (float32). tfjs's Adam.setWeights recomputes them as
   * pow(β, t + 1), which differs in the last bits from the running product; kept to resume bit
   * for bit. Null for the other optimizers.
   */
  accBeta: [number, number] | null;
}

/** A Trainer's whole state (see the file header). */
export interface TrainerCheckpoint {
  version: 1;
  /** The configuration it was trained with (restore requires the same). */
  config: TrainingConfig;
  /** Number of training samples (the sample order depends on it). */
  trainSamples: number;
  stepsPerEpoch: number;
  /** 0-based epoch in progress (or the next one). */
  epochIndex: number;
  /** Steps taken in that epoch: 0 at an epoch boundary. */
  stepInEpoch: number;
  globalStep: number;
  /** Sum of the training losses of the epoch in progress (float32; 0 at an epoch boundary). */
  lossSum: number;
  /** Learning rate of the next step. */
  lr: number;
  ended: 'maxEpochs' | 'maxSteps' | 'earlyStop' | null;
  plateau: PlateauState;
  earlyStopping: EarlyStoppingState;
  bestCheckpoint: BestCheckpointState;
  /** The model's weights, in model.getWeights() order. */
  weights: WeightArray[];
  /** The best epoch's weights (same names and shapes), null before the first improvement. */
  bestWeights: WeightArray[] | null;
  optimizer: OptimizerCheckpoint;
}

/** A checkpoint that does not fit the trainer or experiment it is restored into. */
export class CheckpointMismatchError extends Error {
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super(`${what}: ${problems.join('; ')}`);
    this.name = 'CheckpointMismatchError';
    this.problems = problems;
  }
}

/** `${layer index}:${layer class}/${weight}` for every weight of the model, in model.getWeights() order. */
export function modelWeightNames(model: tf.LayersModel): string[] {
  return model.weights.map((w, i) => {
    const layer = model.layers.findIndex((l) => l.weights.includes(w));
    const short = w.originalName.split('/').pop() ?? w.originalName;
    return layer < 0 ? `weight ${i}/${short}` : `${layer}:${model.layers[layer]!.getClassName()}/${short}`;
  });
}

/** Copies of the tensors' values (awaited reads; the backend's own arrays are never handed out). */
export async function readWeights(tensors: readonly tf.Tensor[], names: readonly string[]): Promise<WeightArray[]> {
  if (tensors.length !== names.length) throw new Error(`readWeights: ${tensors.length} tensors but ${names.length} names`);
  return Promise.all(
    tensors.map(async (t, i) => {
      if (t.dtype !== 'float32') throw new Error(`weight ${names[i]!} is ${t.dtype}; checkpoints hold float32 weights only`);
      const values = (await t.data()) as Float32Array;
      return { name: names[i]!, shape: [...t.shape], data: new Float32Array(values) };
    }),
  );
}

/** New float32 tensors from copies of the arrays (the caller disposes them). */
export function weightTensors(weights: readonly WeightArray[]): tf.Tensor[] {
  return weights.map((w) => tf.tensor(new Float32Array(w.data), w.shape, 'float32'));
}

/** Problems of `got` against the expected names and shapes, prefixed with `what`. */
export function weightProblems(what: string, got: unknown, expected: readonly { name: string; shape: readonly number[] }[]): string[] {
  if (!Array.isArray(got)) return [`${what} are missing`];
  const list = got as unknown[];
  if (list.length !== expected.length) return [`${what}: the checkpoint has ${list.length}, the model ${expected.length}`];
  const out: string[] = [];
  list.forEach((g, i) => {
    const e = expected[i]!;
    const w = g as Partial<WeightArray> | null;
    if (!w || typeof w !== 'object' || !Array.isArray(w.shape) || !(w.data instanceof Float32Array)) {
      out.push(`${what} ${i} is not {name, shape, data: Float32Array}`);
      return;
    }
    if (w.name !== e.name) out.push(`${what} ${i} is "${String(w.name)}" in the checkpoint, "${e.name}" in the model`);
    if (!sameShape(w.shape, e.shape)) out.push(`${what} ${i} (${e.name}) has shape [${w.shape.join(', ')}] in the checkpoint, [${e.shape.join(', ')}] in the model`);
    else if (w.data.length !== e.shape.reduce((a, b) => a * b, 1)) out.push(`${what} ${i} (${e.name}) has ${w.data.length} values for shape [${e.shape.join(', ')}]`);
  });
  return out;
}

/**
 * Where two plain values differ, as `path: a ≠ b` lines (numbers compared with Object.is, so
 * NaN equals NaN). `labels` name the two sides.
 */
export function differences(a: unknown, b: unknown, path = '', labels: [string, string] = ['checkpoint', 'now']): string[] {
  if (Object.is(a, b)) return [];
  const here = path || 'value';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${here}: ${labels[0]} ${show(a)}, ${labels[1]} ${show(b)}`];
    return a.flatMap((x, i) => differences(x, b[i], `${path}[${i}]`, labels));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], path ? `${path}.${k}` : k, labels));
  }
  return [`${here}: ${labels[0]} ${show(a)}, ${labels[1]} ${show(b)}`];
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function show(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (typeof x === 'number') return String(x);
  const s = JSON.stringify(x);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function sameShape(a: readonly unknown[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
