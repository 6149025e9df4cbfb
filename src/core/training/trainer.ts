/**
 * Training one model with one loss, following the protocol of Yeung et al. 2022 ("Unified Focal
 * loss", Comput. Med. Imaging Graph. 95:102026; see config.ts): mini-batch SGD, the learning
 * rate reduced on a validation-loss plateau, early stopping, and the weights of the epoch with
 * the lowest validation loss kept for testing.
 *
 * Protocol of one epoch:
 *   1. The training samples are visited in a seeded random order (a fresh permutation per epoch;
 *      when the epoch needs more samples than one pass, the next permutation continues it, so
 *      every batch is full and has the same shape).
 *   2. Each {@link Trainer.step} cuts and augments its batch (samples.ts), runs one optimizer
 *      step inside tf.tidy and adds the loss to an on-device sum. Every `lossReadEvery` steps it
 *      hands the loss back as a tf.Scalar for the caller to read with `await loss.data()` and
 *      dispose; the other steps return null, so the loop never waits on the device in between.
 *   3. {@link Trainer.endEpoch} reads the epoch's mean training loss, evaluates the validation
 *      set (loss and hard-argmax DSC per foreground class, core/metrics), updates the best
 *      checkpoint, the learning-rate plateau schedule and early stopping (schedule.ts).
 *
 * Validation loss: the mean over validation samples of the loss of each sample. Every loss of
 * core/losses is a mean over the samples of a batch (per-sample soft counts for region losses,
 * per-pixel means for distribution losses, equal image sizes), so batches weighted by their size
 * give that mean. Validation DSC: the mean over validation samples of each sample's DSC, with
 * core/metrics' empty-mask conventions, inside the image (padding excluded) and its roi.
 * Without validation samples the schedules follow the training loss instead.
 *
 * Inference on images larger than the model input: nnU-Net's sliding window (Isensee et al.
 * 2021, Nat. Methods 18:203–211; data/patches.ts) with overlapping windows whose softmax outputs
 * are blended with a Gaussian importance map, then argmax.
 */
import * as tf from '@tensorflow/tfjs';
import { extractPatch, gaussianImportance, slidingWindows, DEFAULT_WINDOW_OVERLAP } from '../data/patches';
import { cropPlane, padTo, type CropBox } from '../data/resize';
import { createRng } from '../data/rng';
import type { Sample2D } from '../data/types';
import type { LossFn } from '../losses';
import { argmaxLabels, caseMetrics } from '../metrics';
import { resolveStepsPerEpoch, validateTrainingConfig, DEFAULT_TRAINING, type TrainingConfig } from './config';
import {
  CHECKPOINT_VERSION,
  CheckpointMismatchError,
  differences,
  modelWeightNames,
  readWeights,
  weightProblems,
  weightTensors,
  type OptimizerCheckpoint,
  type TrainerCheckpoint,
} from './checkpoint';
import { batchArrays, writeOneHot } from './samples';
import { BestCheckpoint, EarlyStopping, ReduceLROnPlateau, type EarlyStoppingState, type PlateauState } from './schedule';

/** Why a run ended. 'stopped' is set by the caller (experiment.ts), never by the trainer. */
export type StopReason = 'maxEpochs' | 'earlyStop' | 'stopped';

export interface TrainerData {
  train: readonly Sample2D[];
  validation: readonly Sample2D[];
}

/** A sample that knows where its image lies inside its padding (samples.ts PreparedSample). */
type MaybeCropped = Sample2D & { crop?: CropBox };

export interface Evaluation {
  /** Mean loss per sample (NaN when there are no samples). */
  loss: number;
  /** Mean DSC per foreground class (classes 1 … C−1) over the samples. */
  dsc: number[];
  samples: number;
}

export interface EpochSummary {
  /** 0-based index of the epoch that ended. */
  epoch: number;
  /** Steps taken in it. */
  steps: number;
  /** Mean training loss over its steps. */
  trainLoss: number;
  /** Validation loss (NaN without validation samples). */
  valLoss: number;
  /** Validation DSC per foreground class (empty without validation samples). */
  valDsc: number[];
  /** Learning rate used during the epoch. */
  lr: number;
  /** Learning rate for the next epoch (lower after a plateau). */
  nextLr: number;
  /** This epoch set a new best checkpoint. */
  improved: boolean;
  /** Set when training is over after this epoch. */
  stop: Exclude<StopReason, 'stopped'> | null;
}

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

/** Sets an optimizer's learning rate (SGD and momentum through setLearningRate; Adam reads its field every step). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as tf.Optimizer & { setLearningRate?: (lr: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else if (typeof o.learningRate === 'number') o.learningRate = lr;
  else throw new Error(`cannot set the learning rate of ${optimizer.getClassName()}`);
}

/** The optimizer the configuration names. */
export function createOptimizer(config: TrainingConfig): tf.Optimizer {
  if (config.optimizer === 'adam') return tf.train.adam(config.learningRate);
  return config.momentum > 0 ? tf.train.momentum(config.learningRate, config.momentum) : tf.train.sgd(config.learningRate);
}

/**
 * Frees an optimizer. tfjs 4.22's MomentumOptimizer.dispose() does not free the learning-rate
 * scalar it inherits from SGDOptimizer (`c`); it is freed here (a no-op when already disposed).
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}

/** Adam's running β1^t, β2^t variables (tfjs internals; undefined for other optimizers). */
function adamAccBeta(optimizer: tf.Optimizer): [tf.Variable, tf.Variable] | undefined {
  const o = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable ? [o.accBeta1, o.accBeta2] : undefined;
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

export class Trainer {
  readonly model: tf.LayersModel;
  readonly config: TrainingConfig;
  readonly numClasses: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly inputChannels: number;
  readonly stepsPerEpoch: number;

  private readonly loss: LossFn;
  private readonly data: TrainerData;
  private optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];
  private readonly lossSum: tf.Variable;
  private plateau: ReduceLROnPlateau;
  private earlyStopping: EarlyStopping;
  private best = new BestCheckpoint();
  private bestWeights: tf.Tensor[] | null = null;
  private order: number[] = [];
  private epochIndex = 0;
  private stepIndex = 0;
  private totalSteps = 0;
  private lr: number;
  private ended: Exclude<StopReason, 'stopped'> | null = null;
  private disposed = false;
  /** Bumped by every change of the state a checkpoint holds. */
  private changes = 0;
  /** Checkpoints being read (the state must not change meanwhile). */
  private readers = 0;
  /** An async operation that changes the state, in progress. */
  private mutating: 'endEpoch' | 'restore' | null = null;

  constructor(model: tf.LayersModel, loss: LossFn, data: TrainerData, config: TrainingConfig = DEFAULT_TRAINING) {
    this.config = validateTrainingConfig(config);
    const g = modelGeometry(model);
    this.model = model;
    this.loss = loss;
    this.data = data;
    this.numClasses = g.classes;
    this.inputWidth = g.width;
    this.inputHeight = g.height;
    this.inputChannels = g.channels;
    if (data.train.length === 0) throw new RangeError('there are no training samples');
    for (const [split, list] of [
      ['training', data.train],
      ['validation', data.validation],
    ] as const) {
      list.forEach((s, i) => {
        if (s.channels !== g.channels) throw new RangeError(`${split} sample ${i} has ${s.channels} channels; the model takes ${g.channels}`);
      });
    }
    this.stepsPerEpoch = resolveStepsPerEpoch(config, data.train.length);
    this.lr = config.learningRate;
    this.optimizer = createOptimizer(config);
    this.variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.lossSum = tf.tidy(() => tf.variable(tf.scalar(0), false, undefined, 'float32'));
    this.plateau = this.makePlateau();
    this.earlyStopping = this.makeEarlyStopping();
    this.order = this.epochOrder(0);
  }

  /** 0-based index of the epoch in progress (or of the next one). */
  get currentEpoch(): number {
    return this.epochIndex;
  }

  /** Steps taken in the current epoch. */
  get stepInEpoch(): number {
    return this.stepIndex;
  }

  /** Steps taken since the start. */
  get globalStep(): number {
    return this.totalSteps;
  }

  get learningRate(): number {
    return this.lr;
  }

  /** All steps of the current epoch are taken: call {@link endEpoch}. */
  get epochComplete(): boolean {
    return this.stepIndex >= this.stepsPerEpoch;
  }

  /** Why training ended ('maxEpochs' or 'earlyStop'), null while it goes on. */
  get stopReason(): Exclude<StopReason, 'stopped'> | null {
    return this.ended;
  }

  get done(): boolean {
    return this.ended !== null;
  }

  /** Epoch (0-based) of the lowest validation loss so far; −1 before the first epoch ends. */
  get bestEpoch(): number {
    return this.best.bestEpoch;
  }

  get bestValLoss(): number {
    return this.best.best;
  }

  /** Whether a best checkpoint is held. */
  get hasBest(): boolean {
    return this.bestWeights !== null;
  }

  /**
   * A counter that changes whenever the state a checkpoint holds changes (a step, an epoch's
   * end, restoreBest, restore): equal revisions mean equal checkpoints. Changes made to
   * {@link model}'s weights from outside the trainer are not seen.
   */
  get revision(): number {
    return this.changes;
  }

  /**
   * One optimizer step on the next batch. Returns the batch loss as a tf.Scalar every
   * `lossReadEvery` steps (read it with `await loss.data()`, then dispose it), null otherwise.
   */
  step(): tf.Scalar | null {
    this.checkUsable();
    this.checkNotBusy('step');
    if (this.ended) throw new Error(`training has ended (${this.ended})`);
    if (this.epochComplete) throw new Error(`epoch ${this.epochIndex} is complete: call endEpoch() before the next step`);
    const B = this.config.batchSize;
    const indices = this.order.slice(this.stepIndex * B, (this.stepIndex + 1) * B);
    const rng = createRng(this.config.seed).fork(`augment epoch ${this.epochIndex}`);
    const a = batchArrays(this.data.train, indices, rng, {
      numClasses: this.numClasses,
      width: this.inputWidth,
      height: this.inputHeight,
      augmentation: this.config.augmentation,
      foregroundProbability: this.config.foregroundProbability,
    });
    const cost = tf.tidy(() => {
      const x = tf.tensor4d(a.x, [a.shape.batch, a.shape.height, a.shape.width, a.shape.channels], 'float32');
      const y = tf.tensor4d(a.y, [a.shape.batch, a.shape.height, a.shape.width, a.shape.classes], 'float32');
      const c = this.optimizer.minimize(
        () => this.loss(y, this.model.apply(x, { training: true }) as tf.Tensor),
        true,
        this.variables,
      );
      if (!c) throw new Error('the optimizer returned no loss');
      this.lossSum.assign(tf.add(this.lossSum, c));
      return c;
    });
    this.stepIndex++;
    this.totalSteps++;
    this.changes++;
    if (this.totalSteps % this.config.lossReadEvery === 0) return cost;
    cost.dispose();
    return null;
  }

  /**
   * Ends the current epoch: mean training loss, validation, best checkpoint, learning-rate
   * plateau and early stopping. The next epoch starts with the next {@link step}.
   */
  async endEpoch(): Promise<EpochSummary> {
    this.checkUsable();
    this.checkNotBusy('endEpoch');
    if (this.ended) throw new Error(`training has ended (${this.ended})`);
    const steps = this.stepIndex;
    if (steps === 0) throw new Error(`epoch ${this.epochIndex} has no steps yet`);
    this.mutating = 'endEpoch';
    try {
      return await this.finishEpoch(steps);
    } finally {
      this.mutating = null;
      this.changes++;
    }
  }

  private async finishEpoch(steps: number): Promise<EpochSummary> {
    const sum = (await this.lossSum.data())[0]!;
    tf.tidy(() => {
      this.lossSum.assign(tf.zerosLike(this.lossSum));
    });
    const trainLoss = sum / steps;
    const val = this.data.validation.length > 0 ? await this.evaluate(this.data.validation) : null;
    const valLoss = val ? val.loss : NaN;
    const monitored = val ? valLoss : trainLoss;
    const epoch = this.epochIndex;
    const lr = this.lr;
    const improved = this.best.update(monitored, epoch);
    if (improved) this.saveBest();
    const plateau = this.plateau.update(monitored);
    if (plateau.learningRate !== this.lr) {
      this.lr = plateau.learningRate;
      setLearningRate(this.optimizer, this.lr);
    }
    const early = this.earlyStopping.update(monitored);
    this.epochIndex++;
    this.stepIndex = 0;
    if (early) this.ended = 'earlyStop';
    else if (this.epochIndex >= this.config.maxEpochs) this.ended = 'maxEpochs';
    if (!this.ended) this.order = this.epochOrder(this.epochIndex);
    return { epoch, steps, trainLoss, valLoss, valDsc: val ? val.dsc : [], lr, nextLr: this.lr, improved, stop: this.ended };
  }

  /**
   * Runs the rest of the current epoch and ends it. `onStep` receives the 1-based global step
   * and, on the steps that read it, the loss.
   */
  async epoch(onStep?: (step: number, loss?: number) => void): Promise<EpochSummary> {
    while (!this.epochComplete) {
      const loss = this.step();
      if (loss) {
        const value = (await loss.data())[0]!;
        loss.dispose();
        onStep?.(this.totalSteps, value);
      } else {
        onStep?.(this.totalSteps);
      }
    }
    return this.endEpoch();
  }

  /** Validation loss and mean hard-argmax DSC per foreground class over `samples`. */
  async evaluate(samples: readonly Sample2D[]): Promise<Evaluation> {
    this.checkUsable();
    const C = this.numClasses;
    const dscSum = new Array<number>(C - 1).fill(0);
    let lossSum = 0;
    await this.forEachPrediction(samples, (sample, probs, loss) => {
      lossSum += loss;
      const labels = argmaxLabels(probs, C);
      const m = scoreInsideImage(sample, labels, C);
      m.forEach((cm, k) => (dscSum[k] = dscSum[k]! + cm.scores.dsc));
    });
    const n = samples.length;
    return { loss: n > 0 ? lossSum / n : NaN, dsc: dscSum.map((s) => (n > 0 ? s / n : NaN)), samples: n };
  }

  /**
   * Softmax probabilities of every sample (at the sample's own size) with its loss (NaN when
   * opts.loss is false), in order:
   * samples of the input size go through the model in batches of evalBatchSize, others through
   * the sliding window.
   */
  async forEachPrediction(
    samples: readonly Sample2D[],
    visit: (sample: Sample2D, probabilities: Float32Array, loss: number, index: number) => void,
    opts: { loss?: boolean } = {},
  ): Promise<void> {
    this.checkUsable();
    const withLoss = opts.loss ?? true;
    const W = this.inputWidth;
    const H = this.inputHeight;
    let i = 0;
    while (i < samples.length) {
      const s = samples[i]!;
      if (s.width !== W || s.height !== H) {
        const probs = await this.probabilities(s, DEFAULT_WINDOW_OVERLAP);
        const loss = withLoss ? await this.lossOf(s, probs) : NaN;
        visit(s, probs, loss, i);
        i++;
        continue;
      }
      const batch: number[] = [];
      for (let j = i; j < samples.length && batch.length < this.config.evalBatchSize; j++) {
        const t = samples[j]!;
        if (t.width !== W || t.height !== H) break;
        batch.push(j);
      }
      const a = batchArrays(samples, batch, createRng(0), { numClasses: this.numClasses, width: W, height: H });
      const [p, l] = tf.tidy(() => {
        const x = tf.tensor4d(a.x, [batch.length, H, W, a.shape.channels], 'float32');
        const y = tf.tensor4d(a.y, [batch.length, H, W, this.numClasses], 'float32');
        const probs = this.model.apply(x, { training: false }) as tf.Tensor;
        return [probs, withLoss ? tf.mul(this.loss(y, probs), batch.length) : tf.scalar(NaN)] as [tf.Tensor, tf.Tensor];
      });
      const [pData, lData] = await Promise.all([p.data() as Promise<Float32Array>, l.data()]);
      p.dispose();
      l.dispose();
      const per = W * H * this.numClasses;
      const batchLoss = lData[0]!;
      batch.forEach((j, b) => visit(samples[j]!, pData.slice(b * per, (b + 1) * per), batchLoss / batch.length, j));
      i += batch.length;
    }
  }

  /** Segmentation of one normalised image of any size (see the file header). */
  async predict(image: Sample2D, opts: PredictOptions = {}): Promise<Prediction> {
    this.checkUsable();
    if (image.channels !== this.inputChannels) throw new RangeError(`the image has ${image.channels} channels; the model takes ${this.inputChannels}`);
    const probs = await this.probabilities(image, opts.overlap ?? DEFAULT_WINDOW_OVERLAP);
    const labels = argmaxLabels(probs, this.numClasses);
    return opts.probabilities ? { labels, probabilities: probs } : { labels };
  }

  /** Puts the best checkpoint's weights into the model; false when there is none yet. */
  restoreBest(): boolean {
    this.checkUsable();
    this.checkNotBusy('restoreBest');
    if (!this.bestWeights) return false;
    this.model.setWeights(this.bestWeights);
    this.changes++;
    return true;
  }

  /**
   * The whole training state as plain data (checkpoint.ts): weights, best weights, optimizer
   * slots, counters, learning rate, schedules. Tensors are read with awaited data() calls; the
   * state must not change until the promise settles (step, endEpoch, restoreBest and restore
   * throw meanwhile). Usually taken at an epoch boundary (stepInEpoch 0), but any point between
   * steps restores exactly (the epoch's loss sum is kept).
   */
  async checkpoint(): Promise<TrainerCheckpoint> {
    this.checkUsable();
    if (this.mutating) throw new Error(`cannot take a checkpoint while ${this.mutating}() is in progress: await it first`);
    this.readers++;
    try {
      const names = modelWeightNames(this.model);
      const head = {
        version: CHECKPOINT_VERSION as TrainerCheckpoint['version'],
        config: structuredClone(this.config),
        trainSamples: this.data.train.length,
        stepsPerEpoch: this.stepsPerEpoch,
        epochIndex: this.epochIndex,
        stepInEpoch: this.stepIndex,
        globalStep: this.totalSteps,
        lr: this.lr,
        ended: this.ended,
        plateau: this.plateau.state,
        earlyStopping: this.earlyStopping.state,
        bestCheckpoint: this.best.state,
      };
      const [weights, bestWeights, lossSum, optimizer] = await Promise.all([
        readWeights(this.model.getWeights(), names),
        this.bestWeights ? readWeights(this.bestWeights, names) : Promise.resolve(null),
        this.lossSum.data().then((d) => d[0]!),
        this.optimizerCheckpoint(names),
      ]);
      return { ...head, lossSum, weights, bestWeights, optimizer };
    } finally {
      this.readers--;
    }
  }

  /** Throws a {@link CheckpointMismatchError} listing why `cp` cannot be restored into this trainer. */
  checkRestorable(cp: TrainerCheckpoint): void {
    const problems = this.restoreProblems(cp);
    if (problems.length > 0) throw new CheckpointMismatchError('the checkpoint does not fit this trainer', problems);
  }

  /**
   * Puts a {@link checkpoint} back: weights, best weights, optimizer state, counters, learning
   * rate, schedules, and the sample order of the epoch in progress. The model must have the
   * checkpoint's architecture and the trainer the same configuration and number of training
   * samples (else a CheckpointMismatchError, and nothing changes). Training then continues
   * exactly as it would have from where the checkpoint was taken.
   */
  async restore(cp: TrainerCheckpoint): Promise<void> {
    this.checkUsable();
    this.checkNotBusy('restore');
    this.checkRestorable(cp);
    this.mutating = 'restore';
    try {
      // The optimizer first: the only asynchronous part, on a new optimizer, so that a failure
      // leaves this trainer as it was.
      const optimizer = await this.restoredOptimizer(cp.optimizer, cp.lr);
      disposeOptimizer(this.optimizer);
      this.optimizer = optimizer;
      const weights = weightTensors(cp.weights);
      try {
        this.model.setWeights(weights);
      } finally {
        tf.dispose(weights);
      }
      if (this.bestWeights) tf.dispose(this.bestWeights);
      this.bestWeights = cp.bestWeights ? weightTensors(cp.bestWeights) : null;
      tf.tidy(() => {
        this.lossSum.assign(tf.scalar(cp.lossSum, 'float32'));
      });
      this.plateau = this.makePlateau(cp.plateau);
      this.earlyStopping = this.makeEarlyStopping(cp.earlyStopping);
      this.best = new BestCheckpoint(cp.bestCheckpoint);
      this.epochIndex = cp.epochIndex;
      this.stepIndex = cp.stepInEpoch;
      this.totalSteps = cp.globalStep;
      this.lr = cp.lr;
      this.ended = cp.ended;
      if (!this.ended) this.order = this.epochOrder(this.epochIndex);
    } finally {
      this.mutating = null;
      this.changes++;
    }
  }

  /** Frees the optimizer, the checkpoint and the trainer's own tensors (the model only when asked). */
  dispose(opts: { model?: boolean } = {}): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeOptimizer(this.optimizer);
    this.lossSum.dispose();
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = null;
    if (opts.model) this.model.dispose();
  }

  private async optimizerCheckpoint(weightNames: readonly string[]): Promise<OptimizerCheckpoint> {
    const className = this.optimizer.getClassName();
    const accBeta = className === 'Adam' ? adamAccBeta(this.optimizer) : undefined;
    const [iter, ...slots] = await this.optimizer.getWeights();
    try {
      const iterations = iter ? (await iter.tensor.data())[0]! : 0;
      const names = this.slotNames(className, slots.length > 0, weightNames);
      if (names.length !== slots.length) throw new Error(`the ${className} optimizer has ${slots.length} slot variables; expected ${names.length}`);
      const [slotArrays, beta] = await Promise.all([
        readWeights(
          slots.map((s) => s.tensor),
          names,
        ),
        accBeta ? Promise.all(accBeta.map(async (v) => (await v.data())[0]!)) : Promise.resolve(null),
      ]);
      return { className, iterations, slots: slotArrays, accBeta: beta ? [beta[0]!, beta[1]!] : null };
    } finally {
      iter?.tensor.dispose(); // a new scalar (the slots are the optimizer's own variables)
    }
  }

  /** A new optimizer with the checkpoint's state and learning rate. */
  private async restoredOptimizer(cp: OptimizerCheckpoint, lr: number): Promise<tf.Optimizer> {
    const optimizer = createOptimizer(this.config);
    try {
      setLearningRate(optimizer, lr);
      const values: { name: string; tensor: tf.Tensor }[] = [
        { name: 'iter', tensor: tf.scalar(cp.iterations, 'int32') },
        ...cp.slots.map((s) => ({ name: s.name, tensor: tf.tensor(new Float32Array(s.data), s.shape, 'float32') })),
      ];
      try {
        await optimizer.setWeights(values); // the slot variables take over the tensors' data
      } finally {
        tf.dispose(values.map((v) => v.tensor));
      }
      if (cp.accBeta) {
        const acc = adamAccBeta(optimizer);
        if (!acc) throw new Error(`the ${optimizer.getClassName()} optimizer has no β powers to restore`);
        const [b1, b2] = cp.accBeta;
        tf.tidy(() => {
          acc[0].assign(tf.scalar(b1, 'float32'));
          acc[1].assign(tf.scalar(b2, 'float32'));
        });
      }
      return optimizer;
    } catch (e) {
      disposeOptimizer(optimizer);
      throw e;
    }
  }

  /** Names of an optimizer's slot variables (none before its first step). */
  private slotNames(className: string, started: boolean, weightNames: readonly string[]): string[] {
    if (!started) return [];
    const trainable = this.trainableNames(weightNames);
    if (className === 'Momentum') return trainable.map((n) => `${n}/momentum`);
    if (className === 'Adam') return [...trainable.map((n) => `${n}/m`), ...trainable.map((n) => `${n}/v`)];
    return [];
  }

  /** Names of the trainable weights (the optimizer's variables), in their order. */
  private trainableNames(weightNames: readonly string[]): string[] {
    const all = this.model.weights;
    return this.model.trainableWeights.map((w) => weightNames[all.indexOf(w)] ?? w.originalName);
  }

  private restoreProblems(cp: TrainerCheckpoint): string[] {
    if (typeof cp !== 'object' || cp === null) return ['it is not a trainer checkpoint'];
    if (cp.version !== CHECKPOINT_VERSION) return [`checkpoint version ${String(cp.version)} (this code reads version ${CHECKPOINT_VERSION})`];
    const p: string[] = [];
    p.push(...differences(cp.config, this.config).map((d) => `training config ${d}`));
    if (cp.trainSamples !== this.data.train.length) p.push(`${String(cp.trainSamples)} training samples in the checkpoint, ${this.data.train.length} now`);
    if (p.length > 0) return p;
    const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
    if (!isCount(cp.epochIndex) || !isCount(cp.stepInEpoch) || !isCount(cp.globalStep) || cp.stepInEpoch > this.stepsPerEpoch) {
      p.push(`bad counters (epoch ${String(cp.epochIndex)}, step ${String(cp.stepInEpoch)} of ${this.stepsPerEpoch}, global step ${String(cp.globalStep)})`);
    } else if (cp.globalStep !== cp.epochIndex * this.stepsPerEpoch + cp.stepInEpoch) {
      p.push(`global step ${cp.globalStep} does not match epoch ${cp.epochIndex}, step ${cp.stepInEpoch} at ${this.stepsPerEpoch} steps per epoch`);
    }
    if (!(typeof cp.lr === 'number' && Number.isFinite(cp.lr) && cp.lr > 0)) p.push(`bad learning rate ${String(cp.lr)}`);
    if (cp.ended !== null && cp.ended !== 'maxEpochs' && cp.ended !== 'earlyStop') p.push(`bad end reason ${String(cp.ended)}`);
    if (typeof cp.lossSum !== 'number') p.push('the loss sum is missing');
    for (const [name, state] of [
      ['plateau', cp.plateau],
      ['earlyStopping', cp.earlyStopping],
      ['bestCheckpoint', cp.bestCheckpoint],
    ] as const) {
      if (typeof state !== 'object' || state === null) p.push(`the ${name} state is missing`);
    }
    const names = modelWeightNames(this.model);
    const expected = this.model.weights.map((w, i) => ({ name: names[i]!, shape: w.shape.map((d) => d ?? -1) }));
    p.push(...weightProblems('weights', cp.weights, expected));
    if (cp.bestWeights !== null) p.push(...weightProblems('best weights', cp.bestWeights, expected));
    const o = cp.optimizer as Partial<OptimizerCheckpoint> | undefined;
    const className = this.optimizer.getClassName();
    if (!o || typeof o !== 'object' || !Array.isArray(o.slots) || typeof o.iterations !== 'number') {
      p.push('the optimizer state is missing');
    } else if (o.className !== className) {
      p.push(`the checkpoint's optimizer is ${String(o.className)}, this trainer's ${className}`);
    } else {
      const slotNames = this.slotNames(className, o.slots.length > 0, names);
      const byName = new Map(expected.map((e) => [e.name, e.shape]));
      const slotShapes = slotNames.map((n) => ({ name: n, shape: byName.get(n.slice(0, n.lastIndexOf('/'))) ?? [] }));
      p.push(...weightProblems(`${className} slots`, o.slots, slotShapes));
      if (className === 'Adam' && o.accBeta !== null && !(Array.isArray(o.accBeta) && o.accBeta.length === 2)) p.push('bad Adam β powers');
    }
    return p;
  }

  private makePlateau(state?: PlateauState): ReduceLROnPlateau {
    const c = this.config;
    return new ReduceLROnPlateau(
      c.learningRate,
      { patience: c.lrPlateauPatience, factor: c.lrFactor, minDelta: c.lrPlateauMinDelta, minLearningRate: c.minLearningRate },
      state,
    );
  }

  private makeEarlyStopping(state?: EarlyStoppingState): EarlyStopping {
    return new EarlyStopping({ patience: this.config.earlyStopPatience, minDelta: this.config.earlyStopMinDelta }, state);
  }

  private checkNotBusy(what: string): void {
    if (this.readers > 0) throw new Error(`${what}() while a checkpoint is being taken: await checkpoint() first`);
    if (this.mutating) throw new Error(`${what}() while ${this.mutating}() is in progress: await it first`);
  }

  private saveBest(): void {
    const copies = tf.tidy(() => this.model.getWeights().map((w) => tf.keep(tf.clone(w))));
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = copies;
  }

  private epochOrder(epoch: number): number[] {
    const n = this.data.train.length;
    const need = this.stepsPerEpoch * this.config.batchSize;
    const base = createRng(this.config.seed).fork(`order epoch ${epoch}`);
    const order: number[] = [];
    for (let pass = 0; order.length < need; pass++) {
      order.push(...base.fork(`pass ${pass}`).shuffle(Array.from({ length: n }, (_, k) => k)));
    }
    return order.slice(0, need);
  }

  /** Probabilities of one image of any size: directly, padded, or by sliding windows. */
  private async probabilities(image: Sample2D, overlap: number): Promise<Float32Array> {
    const W = this.inputWidth;
    const H = this.inputHeight;
    const C = this.numClasses;
    const Cin = this.inputChannels;
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
      const per = this.config.evalBatchSize;
      for (let start = 0; start < windows.length; start += per) {
        const group = windows.slice(start, start + per);
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
    const p = tf.tidy(() => this.model.apply(tf.tensor4d(x, [count, this.inputHeight, this.inputWidth, this.inputChannels], 'float32'), { training: false }) as tf.Tensor);
    const data = (await p.data()) as Float32Array;
    p.dispose();
    return data;
  }

  /** The loss of one image's probabilities against its labels. */
  private async lossOf(sample: Sample2D, probs: Float32Array): Promise<number> {
    const C = this.numClasses;
    const y = new Float32Array(sample.width * sample.height * C);
    writeOneHot(sample.labels, C, y);
    const l = tf.tidy(() =>
      this.loss(tf.tensor4d(y, [1, sample.height, sample.width, C], 'float32'), tf.tensor4d(probs, [1, sample.height, sample.width, C], 'float32')),
    );
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('this trainer has been disposed');
  }
}

/**
 * Per-class metrics of a predicted label map against a sample's labels, inside the image (a
 * PreparedSample's crop box, padding excluded) and its roi.
 */
export function scoreInsideImage(sample: MaybeCropped, predicted: Uint8Array, numClasses: number) {
  const box = sample.crop;
  if (!box || (box.x === 0 && box.y === 0 && box.width === sample.width && box.height === sample.height)) {
    return caseMetrics(sample.labels, predicted, numClasses, sample.roi);
  }
  const truth = cropPlane(sample.labels, sample.width, sample.height, 1, box);
  const pred = cropPlane(predicted, sample.width, sample.height, 1, box);
  const roi = sample.roi ? cropPlane(sample.roi, sample.width, sample.height, 1, box) : undefined;
  return caseMetrics(truth, pred, numClasses, roi);
}
