/**
 * Training one model with one loss, following the protocol of Yeung et al. 2022 ("Unified Focal
 * loss", Comput. Med. Imaging Graph. 95:102026; see config.ts): mini-batch SGD, the learning
 * rate reduced on a validation-loss plateau, early stopping, and the weights of the epoch with
 * the lowest validation loss (or, with checkpointMetric 'valDsc', the highest validation DSC)
 * kept for testing.
 *
 * Protocol of one epoch:
 *   1. The training samples are visited in a seeded random order ({@link sampleOrder}): an epoch
 *      of one pass or more takes a fresh permutation (the next one continues it when it needs
 *      more samples than one pass, so every batch is full and has the same shape); epochs
 *      shorter than one pass walk through one permutation after the other, so that every
 *      sample is seen once before any is seen again. A step budget (maxSteps) ends the run
 *      inside an epoch: that epoch ends (and is validated) after its last step.
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
 * give that mean. Validation DSC: per case, as the test metrics and the Results view score
 * (scoring.ts: a case's slices pooled, at the case's own size, inside its roi), averaged over the
 * cases. The learning-rate plateau and early stopping follow the validation loss; the best
 * checkpoint follows config.checkpointMetric. Without validation samples all of them follow the
 * training loss.
 *
 * Inference on images of any size: slidingWindow.ts. The state a checkpoint holds is read and
 * put back through checkpointCodec.ts; the optimizers are in optimizer.ts.
 *
 * 3-D models (input [B, D, H, W, C], a 3-D U-Net): the model's rank decides. The training
 * samples are then whole normalised volumes (volumes.ts), one per training case: a step cuts a
 * random patch of the input size from each volume of its batch (a third centred on foreground,
 * config.foregroundProbability) and augments it in 3-D with the configuration's augmentation
 * (data/augment3d.ts: zoom, rotation about each axis, mirroring along each axis, elastic
 * deformation, brightness; the patch sampled from the whole volume around its centre, in-plane
 * only for strongly anisotropic voxels). With stepsPerEpoch null an epoch
 * is ⌈training volumes / batchSize⌉ steps: each volume gives one patch per epoch. Validation
 * runs every volume through Gaussian-weighted sliding windows (overlap 0.5, evalBatchSize
 * windows per forward pass); the validation loss is the mean over volumes of the loss of each
 * volume's blended probabilities against its one-hot labels on its (resampled) grid, and the
 * validation DSC is scored per case at the case's own grid, as the test metrics are.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../data/rng';
import type { Sample2D } from '../data/types';
import type { LossFn } from '../losses';
import { resolveStepsPerEpoch, validateTrainingConfig, DEFAULT_TRAINING, type TrainingConfig } from './config';
import { CHECKPOINT_VERSION, CheckpointMismatchError, modelWeightNames, readWeights, weightTensors, type TrainerCheckpoint } from './checkpoint';
import { decodeOptimizer, encodeOptimizer, trainerCheckpointProblems } from './checkpointCodec';
import { createOptimizer, disposeOptimizer, setLearningRate } from './optimizer';
import type { Sample3D } from '../data/volume3d';
import { batchArrays } from './samples';
import { CaseScores, meanCaseDsc, type CaseResult, type ScoredSample } from './scoring';
import { BestCheckpoint, EarlyStopping, ReduceLROnPlateau, type EarlyStoppingState, type PlateauState } from './schedule';
import { modelGeometry, Predictor, type Prediction, type PredictOptions } from './slidingWindow';
import { modelGeometry3D, predictVolume3D, type PredictVolumeOptions, type VolumePrediction } from './slidingWindow3d';
import { scoreVolumes, volumeBatch, type PreparedVolume, type VolumeScore } from './volumes';

export { createOptimizer, disposeOptimizer, setLearningRate } from './optimizer';
export { modelGeometry, type Prediction, type PredictOptions } from './slidingWindow';

/** Why a run ended. 'stopped' is set by the caller (experiment.ts), never by the trainer. */
export type StopReason = 'maxEpochs' | 'maxSteps' | 'earlyStop' | 'stopped';

export interface TrainerData {
  train: readonly Sample2D[];
  validation: readonly Sample2D[];
}

/** The data of a 3-D model: whole volumes (volumes.ts), one per case. */
export interface TrainerData3D {
  train: readonly Sample3D[];
  validation: readonly PreparedVolume[];
}

/** Whether the model takes volumes ([B, D, H, W, C]) rather than images ([B, H, W, C]). */
export function isVolumeModel(model: tf.LayersModel): boolean {
  return model.inputs[0]?.shape.length === 5;
}

/** The geometry of a 2-D or a 3-D model (depth 1 for 2-D). */
export function modelInput(model: tf.LayersModel): { dims: 2 | 3; width: number; height: number; depth: number; channels: number; classes: number } {
  if (isVolumeModel(model)) {
    const g = modelGeometry3D(model);
    return { dims: 3, ...g.patch, channels: g.channels, classes: g.classes };
  }
  const g = modelGeometry(model);
  return { dims: 2, width: g.width, height: g.height, depth: 1, channels: g.channels, classes: g.classes };
}

export interface Evaluation {
  /** Mean loss per sample (NaN when there are no samples). */
  loss: number;
  /**
   * Mean over cases of each case's DSC per foreground class (classes 1 … C−1; scoring.ts: the
   * samples of a case scored together; a sample without a case id is a case of its own).
   */
  dsc: number[];
  samples: number;
  /** The cases scored. */
  cases: number;
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

export class Trainer {
  readonly model: tf.LayersModel;
  readonly config: TrainingConfig;
  readonly numClasses: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly inputChannels: number;
  /** Slices of the input patch of a 3-D model; 1 for a 2-D model. */
  readonly inputDepth: number;
  /** 2: images and slices; 3: volumes (see the file header). */
  readonly dims: 2 | 3;
  readonly stepsPerEpoch: number;

  private readonly loss: LossFn;
  private readonly data: TrainerData | TrainerData3D;
  /** The 2-D predictor; null for a 3-D model. */
  private readonly predictor: Predictor | null;
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

  /**
   * `data` holds 2-D samples for a 2-D model and volumes for a 3-D one (the model's input rank
   * decides; see the file header).
   */
  constructor(model: tf.LayersModel, loss: LossFn, data: TrainerData | TrainerData3D, config: TrainingConfig = DEFAULT_TRAINING) {
    this.config = validateTrainingConfig(config);
    const g = modelInput(model);
    this.model = model;
    this.loss = loss;
    this.data = data;
    this.dims = g.dims;
    this.numClasses = g.classes;
    this.inputWidth = g.width;
    this.inputHeight = g.height;
    this.inputDepth = g.depth;
    this.inputChannels = g.channels;
    this.predictor = g.dims === 2 ? new Predictor(model, { batchSize: this.config.evalBatchSize, loss }) : null;
    if (data.train.length === 0) throw new RangeError('there are no training samples');
    for (const [split, list] of [
      ['training', data.train],
      ['validation', data.validation],
    ] as const) {
      list.forEach((s: Sample2D | Sample3D, i) => {
        const volume = typeof (s as Partial<Sample3D>).depth === 'number';
        if (volume !== (g.dims === 3)) throw new RangeError(`${split} sample ${i} is ${volume ? 'a volume' : 'an image'}, but the model is ${g.dims}-D`);
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

  /** All steps of the current epoch are taken (or the step budget is spent): call {@link endEpoch}. */
  get epochComplete(): boolean {
    return this.stepIndex >= this.stepsPerEpoch || this.budgetSpent;
  }

  /** The run's step budget (config.maxSteps) is spent. */
  private get budgetSpent(): boolean {
    return this.config.maxSteps !== null && this.totalSteps >= this.config.maxSteps;
  }

  /** Why training ended ('maxEpochs', 'maxSteps' or 'earlyStop'), null while it goes on. */
  get stopReason(): Exclude<StopReason, 'stopped'> | null {
    return this.ended;
  }

  get done(): boolean {
    return this.ended !== null;
  }

  /** Epoch (0-based) of the best checkpoint so far; −1 before the first epoch ends. */
  get bestEpoch(): number {
    return this.best.bestEpoch;
  }

  /**
   * The score of the best checkpoint, lower is better: the validation loss, 1 − the validation
   * DSC with checkpointMetric 'valDsc', the training loss without validation samples.
   */
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
    const a = this.batch(indices, rng);
    const cost = tf.tidy(() => {
      const x = tf.tensor(a.x, a.xShape, 'float32');
      const y = tf.tensor(a.y, a.yShape, 'float32');
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

  /** The typed arrays and shapes of one training batch (images or volume patches). */
  private batch(indices: readonly number[], rng: Rng): { x: Float32Array; y: Float32Array; xShape: number[]; yShape: number[] } {
    const common = { numClasses: this.numClasses, augmentation: this.config.augmentation, foregroundProbability: this.config.foregroundProbability };
    if (this.dims === 3) {
      const patch = { width: this.inputWidth, height: this.inputHeight, depth: this.inputDepth };
      const a = volumeBatch(this.data.train as readonly Sample3D[], indices, rng, { ...common, patch });
      const { batch: B, depth: D, height: H, width: W } = a.shape;
      return { x: a.x, y: a.y, xShape: [B, D, H, W, a.shape.channels], yShape: [B, D, H, W, a.shape.classes] };
    }
    const a = batchArrays(this.data.train as readonly Sample2D[], indices, rng, { ...common, width: this.inputWidth, height: this.inputHeight });
    const { batch: B, height: H, width: W } = a.shape;
    return { x: a.x, y: a.y, xShape: [B, H, W, a.shape.channels], yShape: [B, H, W, a.shape.classes] };
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
    const val = this.data.validation.length > 0 ? await this.evaluateValidation() : null;
    const valLoss = val ? val.loss : NaN;
    const monitored = val ? valLoss : trainLoss;
    const epoch = this.epochIndex;
    const lr = this.lr;
    const improved = this.best.update(val && this.config.checkpointMetric === 'valDsc' ? 1 - meanOfClasses(val.dsc) : monitored, epoch);
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
    else if (this.budgetSpent) this.ended = 'maxSteps';
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

  private evaluateValidation(): Promise<Evaluation> {
    return this.dims === 3 ? this.evaluateVolumes(this.data.validation as readonly PreparedVolume[]) : this.evaluate(this.data.validation as readonly Sample2D[]);
  }

  /**
   * 3-D models: mean loss over `volumes` (each volume's sliding-window probabilities against its
   * labels, one sample) and the mean per-case DSC per foreground class at each case's own grid.
   */
  async evaluateVolumes(volumes: readonly PreparedVolume[]): Promise<Evaluation> {
    const { loss, results } = await this.scoreVolumes(volumes);
    return { loss, dsc: meanCaseDsc(results, this.numClasses), samples: volumes.length, cases: results.length };
  }

  /**
   * 3-D models: every volume by Gaussian-weighted sliding windows (volumes.ts scoreVolumes),
   * its loss (unless opts.loss is false) and its scores at its case's own grid.
   */
  async scoreVolumes(
    volumes: readonly PreparedVolume[],
    opts: { loss?: boolean } = {},
    visit?: (score: VolumeScore, index: number) => void,
  ): Promise<{ loss: number; results: CaseResult[] }> {
    this.checkUsable();
    this.checkDims(3, 'scoreVolumes');
    const loss = (opts.loss ?? true) ? this.loss : undefined;
    return scoreVolumes(this.model, volumes, { numClasses: this.numClasses, batchSize: this.config.evalBatchSize, ...(loss ? { loss } : {}) }, visit);
  }

  /** 3-D models: segmentation of one normalised volume of any size (slidingWindow3d.ts), evalBatchSize windows per pass. */
  predictVolume(volume: Sample3D, opts: Omit<PredictVolumeOptions, 'batchSize'> = {}): Promise<VolumePrediction> {
    this.checkUsable();
    this.checkDims(3, 'predictVolume');
    return predictVolume3D(this.model, volume, { ...opts, batchSize: this.config.evalBatchSize });
  }

  /** Mean loss over `samples` and the mean per-case hard-argmax DSC per foreground class (see {@link Evaluation}); 2-D models. */
  async evaluate(samples: readonly ScoredSample[]): Promise<Evaluation> {
    this.checkUsable();
    const scores = new CaseScores(this.numClasses);
    let lossSum = 0;
    await this.forEachPrediction(samples, (sample, probs, loss, i) => {
      lossSum += loss;
      scores.add(sample, probs, i);
    });
    const n = samples.length;
    const cases = scores.results();
    return { loss: n > 0 ? lossSum / n : NaN, dsc: meanCaseDsc(cases, this.numClasses), samples: n, cases: cases.length };
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
    await this.predictor2D('forEachPrediction').forEachPrediction(samples, visit, opts);
  }

  /** Segmentation of one normalised image of any size (slidingWindow.ts); 2-D models. */
  predict(image: Sample2D, opts: PredictOptions = {}): Promise<Prediction> {
    this.checkUsable();
    return this.predictor2D('predict').predict(image, opts);
  }

  private predictor2D(what: string): Predictor {
    if (!this.predictor) throw new Error(`${what}() takes 2-D images; this trainer's model is 3-D (use predictVolume or scoreVolumes)`);
    return this.predictor;
  }

  private checkDims(dims: 2 | 3, what: string): void {
    if (this.dims !== dims) throw new Error(`${what}() needs a ${dims}-D model; this trainer's model is ${this.dims}-D`);
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
        encodeOptimizer(this.optimizer, this.model, names),
      ]);
      return { ...head, lossSum, weights, bestWeights, optimizer };
    } finally {
      this.readers--;
    }
  }

  /** Throws a {@link CheckpointMismatchError} listing why `cp` cannot be restored into this trainer. */
  checkRestorable(cp: TrainerCheckpoint): void {
    const problems = trainerCheckpointProblems(cp, {
      config: this.config,
      trainSamples: this.data.train.length,
      stepsPerEpoch: this.stepsPerEpoch,
      model: this.model,
      optimizer: this.optimizer.getClassName(),
    });
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
      const optimizer = await decodeOptimizer(this.config, cp.optimizer, cp.lr);
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
    return sampleOrder(this.config.seed, epoch, this.data.train.length, this.stepsPerEpoch * this.config.batchSize);
  }


  private checkUsable(): void {
    if (this.disposed) throw new Error('this trainer has been disposed');
  }
}

/** The mean of the finite values (NaN when there is none). */
function meanOfClasses(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

/**
 * The training samples (indices 0 … n−1) of epoch `epoch`, `perEpoch` of them, drawn from
 * streams seeded by (seed, epoch) only, so that a resumed run draws them again (see the file
 * header). Epochs of one pass or more: permutation after permutation of a stream of their own.
 * Shorter epochs: consecutive stretches of one walk through permutation after permutation, so
 * every sample comes once in each n draws that start a permutation.
 */
export function sampleOrder(seed: number, epoch: number, n: number, perEpoch: number): number[] {
  const all = () => Array.from({ length: n }, (_, k) => k);
  const order: number[] = [];
  if (perEpoch >= n) {
    const base = createRng(seed).fork(`order epoch ${epoch}`);
    for (let pass = 0; order.length < perEpoch; pass++) order.push(...base.fork(`pass ${pass}`).shuffle(all()));
    return order.slice(0, perEpoch);
  }
  const walk = createRng(seed).fork('order walk');
  const start = epoch * perEpoch;
  let pass = Math.floor(start / n);
  let at = start - pass * n;
  let permutation = walk.fork(`pass ${pass}`).shuffle(all());
  while (order.length < perEpoch) {
    if (at === n) {
      pass++;
      at = 0;
      permutation = walk.fork(`pass ${pass}`).shuffle(all());
    }
    order.push(permutation[at++]!);
  }
  return order;
}
