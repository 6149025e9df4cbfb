/**
 * A loss comparison as in Yeung et al. 2022 ("Unified Focal loss", Comput. Med. Imaging Graph.
 * 95:102026): one data split, one network architecture, one training protocol (config.ts), and
 * one run per loss configuration. Everything but the loss is held equal: every run starts from
 * the same initial weights, sees the same training samples in the same order with the same
 * augmentation (all seeded by config.seed), and is tested on the same test cases with the
 * weights of its epoch of lowest validation loss.
 *
 * Defaults: the paper's eight configurations ({@link paperRuns}: PAPER_COMPARISON with the
 * paper's parameters) and, for its Figure 3, the sweep of γ from 0.1 to 0.9 of the symmetric and
 * asymmetric unified focal losses at λ = 0.5, δ = 0.6 ({@link gammaSweepRuns}).
 *
 * Scheduling: 'interleaved' advances every unfinished run by one epoch (or one step) in turn, so
 * that their curves grow together; 'sequential' trains one run to its end before the next.
 * Progress is reported through `onEvent` (see {@link ExperimentEvent}); {@link Experiment.stop}
 * ends the experiment after the step in progress and keeps everything recorded so far.
 *
 * Resuming (checkpoint.ts): {@link Experiment.checkpoint} gives the whole state as plain,
 * structured-cloneable data (the history snapshot and every run's {@link TrainerCheckpoint});
 * {@link Experiment.resume} builds the same experiment again and puts that state back, so that
 * run() continues where the checkpoint was taken, bit for bit as the uninterrupted experiment
 * would have, and skips the runs that were done. `onEpochCheckpoint` hands the caller such a
 * checkpoint, taken right after every epoch of every run, and training waits until the caller
 * has kept it: after a reload at most the epochs in progress are lost.
 *
 * Test metrics are per case (core/metrics, hard argmax, per foreground class): all slices of a
 * volume are scored together as one 3D label map; an image that was resampled to fit the model
 * is scored at its original size (probabilities resampled bilinearly, then argmax); padding is
 * never scored, and a case's roi (field of view) restricts the metrics.
 *
 * 3-D experiments: a model whose input is [B, D, H, W, C] (a 3-D U-Net, Çiçek et al. 2016)
 * trains on whole volumes (volumes.ts): every case is one normalised volume, resampled to
 * `spacing` when one is given, and a training step draws random patches of the input size
 * (trainer.ts). Validation and test cases are predicted whole by Gaussian-weighted 3-D sliding
 * windows (nnU-Net, Isensee et al. 2021), brought back to the case's own grid when resampled,
 * and scored per case as above. Runs, seeds, folds, checkpoints and resuming work as in 2-D;
 * sample counts (snapshot `samples`) count volumes, and the snapshot's `input` has the patch's
 * `depth`.
 */
import type * as tf from '@tensorflow/tfjs';
import { developmentFold, type DatasetSplit } from '../data/split';
import type { Case } from '../data/types';
import { createLoss, LOSSES, paperParams, resolveParams, type LossId, type ResolvedParams } from '../losses';
import { trainingConfig, validateTrainingConfig, withTrainingDefaults, type TrainingConfig } from './config';
import { fitToInput, normalizedSlices, prepareSamples, type FitMode, type NormalizedVolumeCache, type PreparedSample, type SampleOptions } from './samples';
import { CHECKPOINT_VERSION, CheckpointMismatchError, differences, type TrainerCheckpoint } from './checkpoint';
import { modelInput, Trainer, type EpochSummary, type Prediction, type PredictOptions, type StopReason, type TrainerData, type TrainerData3D } from './trainer';
import type { Sample2D } from '../data/types';
import type { Spacing3D } from '../data/volume3d';
import { prepareVolume, prepareVolumes, volumeLabelsAtSource, type PreparedVolume, type VolumeOptions } from './volumes';
import { paperRuns, type RunSpec } from './runs';
import { CaseScores, labelsAtSource, type CaseResult } from './scoring';

export { GAMMA_SWEEP, gammaSweepRuns, paperRuns, replicateRuns, type RunSpec } from './runs';
export { labelsAtSource, type CaseResult } from './scoring';


export type Scheduling = 'interleaved' | 'sequential';
export type InterleaveUnit = 'epoch' | 'step';

export type ExperimentEvent =
  /** After every optimizer step; `loss` on the steps that read it (every lossReadEvery). */
  | { type: 'step'; run: string; step: number; epoch: number; loss?: number }
  /** After every epoch. valLoss is NaN and valDsc empty without validation cases. */
  | {
      type: 'epoch';
      run: string;
      epoch: number;
      trainLoss: number;
      valLoss: number;
      valDsc: number[];
      lr: number;
      improved: boolean;
    }
  /** A run ended: its epoch limit, early stopping, or stop(). */
  | { type: 'runDone'; run: string; reason: StopReason; epochs: number; bestEpoch: number }
  /** Test metrics with the run's best weights. */
  | { type: 'testResults'; run: string; perCase: CaseResult[] };

export type ExperimentEventType = ExperimentEvent['type'];

export interface ExperimentOptions {
  /**
   * Builds the network; called once per run with the run's seed (undefined: the experiment's).
   * The initial weights of every run are overwritten with those of the first model built with
   * the same seed, so the runs of one seed start from the same weights.
   */
  createModel: (seed?: number) => tf.LayersModel;
  /** Default: {@link paperRuns}. */
  runs?: readonly RunSpec[];
  cases: readonly Case[];
  split: DatasetSplit;
  /**
   * How cases become samples (the input size comes from the model, the slices of training cases
   * from config.slices). Validation and test cases always use every slice, scored per case at
   * the case's own size.
   */
  samples?: Omit<SampleOptions, 'inputWidth' | 'inputHeight' | 'keepOriginal' | 'slices'>;
  /**
   * 3-D models only: the voxel spacing in mm [x, y, z] every volume is resampled to before
   * training and scoring (predictions are scored at each case's own grid); null or absent: each
   * volume at its own spacing. Of `samples`, only channels, window and useRoi apply to 3-D.
   */
  spacing?: Spacing3D | null;
  /** The protocol; missing fields take DEFAULT_TRAINING (the paper's). */
  config?: Partial<TrainingConfig>;
  /** Default 'interleaved'. */
  scheduling?: Scheduling;
  /** Granularity of interleaving. Default 'epoch'. */
  interleave?: InterleaveUnit;
  onEvent?: (event: ExperimentEvent) => void;
  /** Evaluate the test cases when a run ends by itself. Default true. */
  test?: boolean;
  /** Also evaluate the test cases of runs ended by stop(). Default false (stop returns promptly). */
  testOnStop?: boolean;
  /**
   * Awaited after every step so that a worker can take messages (such as stop) in between.
   * Default: a zero-delay timer.
   */
  yieldToEventLoop?: () => Promise<void>;
  /**
   * Called after every epoch of every run (after the 'epoch' event, and after 'runDone' and
   * 'testResults' when that epoch ended the run) with a checkpoint of the whole experiment as it
   * is at that moment; training waits until the returned promise settles, so the caller can
   * keep it (IndexedDB) before anything changes. A throw or rejection ends run() with that
   * error. Runs that did not change since the previous checkpoint hand out the same
   * TrainerCheckpoint object again (compare `runs[id]` by identity to write only what changed);
   * treat checkpoints as read-only and do not transfer their buffers.
   */
  onEpochCheckpoint?: (checkpoint: ExperimentCheckpoint) => void | Promise<void>;
}

/** One epoch of a run's history (non-finite numbers as null). */
export interface EpochRecord {
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  valDsc: (number | null)[];
  lr: number;
  improved: boolean;
}

export interface RunHistory {
  id: string;
  loss: LossId;
  params: ResolvedParams;
  label: string;
  /** Replicates (runs.ts replicateRuns): the loss configuration this run repeats. */
  replicateOf?: string;
  /** The run's own training seed, when it has one (replicates). */
  seed?: number;
  /** Its fold of the development set (1 … folds) and how many there are. */
  fold?: number;
  folds?: number;
  /** The samples a fold run trains and validates on (the snapshot's `samples` are the split's). */
  samples?: { train: number; validation: number };
  status: 'pending' | 'running' | 'done';
  stopReason: StopReason | null;
  /** Steps taken. */
  steps: number;
  /** The training losses that were read: [global step, loss]. */
  stepLosses: [number, number | null][];
  epochs: EpochRecord[];
  /** The epoch of the kept checkpoint (config.checkpointMetric); −1 before the first. */
  bestEpoch: number;
  /** The validation loss of that epoch (the training loss without validation cases). */
  bestValLoss: number | null;
  test: CaseResult[] | null;
}

/** The whole experiment as plain data (JSON-safe), for persistence and display. */
export interface ExperimentSnapshot {
  version: 1;
  config: TrainingConfig;
  scheduling: Scheduling;
  interleave: InterleaveUnit;
  split: DatasetSplit;
  numClasses: number;
  /** The model's input: image size, or the patch of a 3-D model (with its depth). */
  input: { width: number; height: number; depth?: number; channels: number };
  /** Training, validation and test samples: 2-D slices and images, or volumes (3-D). */
  samples: { train: number; validation: number; test: number };
  stopped: boolean;
  runs: RunHistory[];
}

/**
 * Everything needed to resume an experiment (see the file header): plain, structured-cloneable
 * data (Float32Arrays, NaN and ±∞ inside the trainer checkpoints: not JSON).
 */
export interface ExperimentCheckpoint {
  version: 1;
  /** The history (as {@link Experiment.snapshot}). */
  snapshot: ExperimentSnapshot;
  /** Every run's trainer, by run id. */
  runs: Record<string, TrainerCheckpoint>;
  /** The run that interleaved scheduling advances next; null when every run is done. */
  next: string | null;
}

/** What an experiment trains and scores on: 2-D samples or volumes. */
type Item = PreparedSample | PreparedVolume;

interface ItemSets {
  train: readonly Item[];
  validation: readonly Item[];
  test: readonly Item[];
}

interface RunState {
  spec: ResolvedRunSpec;
  trainer: Trainer;
  history: RunHistory;
}

const defaultYield = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class Experiment {
  readonly config: TrainingConfig;
  readonly scheduling: Scheduling;
  readonly interleave: InterleaveUnit;
  readonly numClasses: number;
  /** 2: images and slices; 3: volumes (the model's input rank decides). */
  readonly dims: 2 | 3;
  /** 2-D: the samples of the split (empty for 3-D, see {@link volumes}). */
  readonly train: readonly PreparedSample[];
  readonly validation: readonly PreparedSample[];
  readonly test: readonly PreparedSample[];
  /** 3-D: the volumes of the split; null for 2-D. */
  readonly volumes: { train: readonly PreparedVolume[]; validation: readonly PreparedVolume[]; test: readonly PreparedVolume[] } | null;

  private readonly options: ExperimentOptions;
  private readonly runStates: RunState[];
  private readonly sets: ItemSets;
  private readonly input: ExperimentSnapshot['input'];
  private stopRequested = false;
  private started = false;
  private running = false;
  private disposed = false;
  /** Index of the run that interleaved scheduling advances next. */
  private cursor = 0;
  /** Inside run(), at a point where a checkpoint matches the state (after an epoch). */
  private atCheckpoint = false;
  /** The splits of the folds in use, by `${fold}/${folds}`. */
  private readonly foldSplits: Map<string, DatasetSplit>;
  /** The last checkpoint of each run and the trainer revision it was taken at. */
  private readonly cache = new Map<string, { revision: number; checkpoint: TrainerCheckpoint }>();

  /**
   * The experiment of `checkpoint` (from {@link checkpoint} or `onEpochCheckpoint`), built again
   * from the same options: models, samples, then every run's trainer state and history. Its
   * run() continues with the epochs that are left and skips the runs that are done. Throws a
   * CheckpointMismatchError (and frees what it built) when the runs, their losses, the training
   * config, the scheduling, the split, the sample counts or the model's weights differ from the
   * checkpoint's.
   */
  static async resume(options: ExperimentOptions, checkpoint: ExperimentCheckpoint): Promise<Experiment> {
    const ex = new Experiment(options);
    try {
      await ex.restore(checkpoint);
    } catch (e) {
      ex.dispose();
      throw e;
    }
    return ex;
  }

  constructor(options: ExperimentOptions) {
    this.options = options;
    this.config = validateTrainingConfig(trainingConfig(options.config));
    this.scheduling = options.scheduling ?? 'interleaved';
    this.interleave = options.interleave ?? 'epoch';
    if (this.scheduling !== 'interleaved' && this.scheduling !== 'sequential') throw new RangeError(`scheduling must be 'interleaved' or 'sequential', got ${String(this.scheduling)}`);
    if (this.interleave !== 'epoch' && this.interleave !== 'step') throw new RangeError(`interleave must be 'epoch' or 'step', got ${String(this.interleave)}`);
    const specs = resolveRunSpecs(options.runs ?? paperRuns());
    const params = specs.map((s) => resolveParams(s.loss, s.params));
    const losses = specs.map((s) => createLoss(s.loss, s.params));

    const byId = new Map(options.cases.map((c) => [c.id, c]));
    const pick = (ids: readonly string[], split: string) =>
      ids.map((id) => {
        const c = byId.get(id);
        if (!c) throw new Error(`the ${split} split names case "${id}", which is not in the dataset`);
        return c;
      });
    const plain = specs.some((s) => s.fold === undefined);
    const devIds = [...options.split.train, ...options.split.validation];
    const trainCases = pick(options.split.train, 'training');
    const valCases = pick(options.split.validation, 'validation');
    const testCases = pick(options.split.test, 'test');
    if (plain && trainCases.length === 0) throw new RangeError('the split has no training cases');

    const models: tf.LayersModel[] = [];
    const runData: { train: readonly Item[]; validation: readonly Item[] }[] = [];
    try {
      // One model per distinct seed builds the initial weights; every run with that seed starts
      // from them (without seeds: the first model's weights, for every run).
      const reference = options.createModel(specs[0]!.seed);
      models.push(reference);
      const g = modelInput(reference);
      this.dims = g.dims;
      this.numClasses = g.classes;
      this.input = g.dims === 3 ? { width: g.width, height: g.height, depth: g.depth, channels: g.channels } : { width: g.width, height: g.height, channels: g.channels };
      if (g.dims === 2 && options.spacing) throw new RangeError('a target spacing resamples volumes for a 3-D model; this model is 2-D');
      const prepare = preparation(g, options, this.config);
      const train = plain ? prepare(trainCases, 'train') : [];
      this.sets = { train, validation: plain ? prepare(valCases, 'scored') : [], test: prepare(testCases, 'scored') };
      this.train = g.dims === 2 ? (this.sets.train as PreparedSample[]) : [];
      this.validation = g.dims === 2 ? (this.sets.validation as PreparedSample[]) : [];
      this.test = g.dims === 2 ? (this.sets.test as PreparedSample[]) : [];
      this.volumes = g.dims === 3 ? (this.sets as { train: PreparedVolume[]; validation: PreparedVolume[]; test: PreparedVolume[] }) : null;
      if (plain && train.length === 0) throw new RangeError('the training cases gave no samples (no slice was selected)');
      for (const list of Object.values(this.sets)) checkLabels(list, g.classes);

      // Folds of the development set: each case prepared once for training and once for scoring
      // (a volume once: it trains and is scored as it is).
      const folds = new Map<string, { train: Item[]; validation: Item[]; split: DatasetSplit }>();
      if (specs.some((s) => s.fold !== undefined)) {
        const devCases = pick(devIds, 'development');
        const asTrain = groupByCase(prepare(devCases, 'train'));
        const asScored = g.dims === 3 ? asTrain : groupByCase(prepare(devCases, 'scored'));
        for (const list of [asTrain, asScored]) for (const samples of list.values()) checkLabels(samples, g.classes);
        for (const spec of specs) {
          if (spec.fold === undefined) continue;
          const key = `${spec.fold}/${spec.folds}`;
          if (folds.has(key)) continue;
          const split = developmentFold(options.split, spec.fold - 1, spec.folds!, this.config.seed);
          const train = split.train.flatMap((id) => asTrain.get(id) ?? []);
          if (train.length === 0) throw new RangeError(`fold ${key} gave no training samples (no slice of its ${split.train.length} training cases was selected)`);
          folds.set(key, { train, validation: split.validation.flatMap((id) => asScored.get(id) ?? []), split });
        }
      }
      this.foldSplits = new Map([...folds].map(([k, v]) => [k, v.split]));

      const initial = new Map<string, tf.Tensor[]>([[seedKey(specs[0]!), reference.getWeights().map((w) => w.clone())]]);
      try {
        for (let i = 0; i < specs.length; i++) {
          const spec = specs[i]!;
          if (i > 0) {
            const weights = initial.get(seedKey(spec));
            const m = options.createModel(spec.seed);
            models.push(m);
            if (weights) m.setWeights(weights);
            else initial.set(seedKey(spec), m.getWeights().map((w) => w.clone()));
          }
          runData.push(spec.fold === undefined ? { train: this.sets.train, validation: this.sets.validation } : folds.get(`${spec.fold}/${spec.folds}`)!);
        }
      } finally {
        for (const ws of initial.values()) for (const t of ws) t.dispose();
      }
    } catch (e) {
      for (const m of models) m.dispose();
      throw e;
    }
    this.runStates = specs.map((spec, i) => {
      const data = runData[i]!;
      const config = spec.seed === undefined ? this.config : { ...this.config, seed: spec.seed };
      const trainer = new Trainer(models[i]!, losses[i]!, data as TrainerData | TrainerData3D, config);
      return {
        spec,
        trainer,
        history: {
          id: spec.id,
          loss: spec.loss,
          params: params[i]!,
          label: spec.label,
          ...replicateFields(spec, data),
          status: 'pending',
          stopReason: null,
          steps: 0,
          stepLosses: [],
          epochs: [],
          bestEpoch: -1,
          bestValLoss: null,
          test: null,
        },
      };
    });
  }

  /** The split a run trains and validates on: the experiment's, or its fold's of the development set. */
  runSplit(runId: string): DatasetSplit {
    const spec = this.state(runId).spec;
    return spec.fold === undefined ? this.options.split : this.foldSplits.get(`${spec.fold}/${spec.folds}`)!;
  }

  /** The run ids in order. */
  get runIds(): string[] {
    return this.runStates.map((r) => r.spec.id);
  }

  /** The trainer of a run (its model, predict, evaluate). */
  trainer(runId: string): Trainer {
    return this.state(runId).trainer;
  }

  get stopped(): boolean {
    return this.stopRequested;
  }

  /** Trains every run (see the file header); resolves with the final snapshot. */
  async run(): Promise<ExperimentSnapshot> {
    this.checkUsable();
    if (this.started) throw new Error('this experiment has already been run');
    this.started = true;
    this.running = true;
    try {
      await this.schedule();
    } finally {
      this.running = false;
    }
    return this.snapshot();
  }

  private async schedule(): Promise<void> {
    if (this.scheduling === 'sequential') {
      for (const r of this.runStates) {
        while (!this.stopRequested && r.history.status !== 'done') await this.advance(r, 'epoch');
      }
    } else {
      // Round robin over the runs that are not done, from the cursor (kept in checkpoints).
      for (;;) {
        if (this.stopRequested) break;
        const i = this.nextRunIndex();
        if (i < 0) break;
        this.cursor = (i + 1) % this.runStates.length;
        await this.advance(this.runStates[i]!, this.interleave);
      }
    }
    if (this.stopRequested) {
      for (const r of this.runStates) {
        if (r.history.status === 'done') continue;
        await this.finish(r, 'stopped', this.options.testOnStop ?? false);
      }
    }
  }

  /** Ends the experiment after the step in progress; the runs so far are kept. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Test metrics of a run with its best weights (its current weights before its first epoch
   * ended); also recorded in the history and sent as a 'testResults' event.
   */
  async evaluateTest(runId: string): Promise<CaseResult[]> {
    this.checkUsable();
    const r = this.state(runId);
    r.trainer.restoreBest();
    const perCase = this.volumes ? (await r.trainer.scoreVolumes(this.volumes.test, { loss: false })).results : await testMetrics(r.trainer, this.test, this.numClasses);
    r.history.test = perCase;
    this.emit({ type: 'testResults', run: r.spec.id, perCase });
    return perCase;
  }

  /** Segmentation of a normalised image (samples.ts normalizedSlices) by a run's model. */
  async predict(runId: string, image: Sample2D, opts: PredictOptions = {}): Promise<Prediction> {
    this.checkUsable();
    return this.state(runId).trainer.predict(image, opts);
  }

  /** The history as plain data (a deep copy; NaN and ±∞ become null). */
  snapshot(): ExperimentSnapshot {
    const snap: ExperimentSnapshot = {
      version: 1,
      config: this.config,
      scheduling: this.scheduling,
      interleave: this.interleave,
      split: this.options.split,
      numClasses: this.numClasses,
      input: this.input,
      samples: { train: this.sets.train.length, validation: this.sets.validation.length, test: this.sets.test.length },
      stopped: this.stopRequested,
      runs: this.runStates.map((r) => r.history),
    };
    return JSON.parse(JSON.stringify(snap)) as ExperimentSnapshot;
  }

  /**
   * The whole experiment as plain data, to resume it with {@link Experiment.resume}. Take it
   * before run(), after run() has resolved, or let run() hand it over after every epoch
   * (`onEpochCheckpoint`); while run() is training it rejects, since the state changes under
   * the reads. With interleave 'step' a run may be inside an epoch: its trainer checkpoint
   * holds the epoch's partial loss sum and resumes exactly there.
   */
  async checkpoint(): Promise<ExperimentCheckpoint> {
    this.checkUsable();
    if (this.running && !this.atCheckpoint) {
      throw new Error('checkpoint() while run() is training: use the onEpochCheckpoint option (a checkpoint right after every epoch), or call it after run() has resolved');
    }
    const snapshot = this.snapshot();
    const i = this.nextRunIndex();
    const next = i < 0 ? null : this.runStates[i]!.spec.id;
    const entries = await Promise.all(
      this.runStates.map(async (r): Promise<[string, TrainerCheckpoint]> => {
        const revision = r.trainer.revision;
        const cached = this.cache.get(r.spec.id);
        if (cached?.revision === revision) return [r.spec.id, cached.checkpoint];
        const checkpoint = await r.trainer.checkpoint();
        this.cache.set(r.spec.id, { revision, checkpoint });
        return [r.spec.id, checkpoint];
      }),
    );
    return { version: CHECKPOINT_VERSION as ExperimentCheckpoint['version'], snapshot, runs: Object.fromEntries(entries), next };
  }

  /** Frees every trainer and model. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopRequested = true;
    this.cache.clear();
    for (const r of this.runStates) r.trainer.dispose({ model: true });
  }

  /** Index of the run to advance next (interleaved: from the cursor on; sequential: the first not done), −1 when all are done. */
  private nextRunIndex(): number {
    const n = this.runStates.length;
    const from = this.scheduling === 'interleaved' ? this.cursor : 0;
    for (let k = 0; k < n; k++) {
      const i = (from + k) % n;
      if (this.runStates[i]!.history.status !== 'done') return i;
    }
    return -1;
  }

  /** Puts a checkpoint's state back (see {@link Experiment.resume}). */
  private async restore(cp: ExperimentCheckpoint): Promise<void> {
    this.checkUsable();
    if (this.started) throw new Error('cannot restore an experiment that has been run');
    const problems = this.resumeProblems(cp);
    if (problems.length > 0) throw new CheckpointMismatchError('the checkpoint does not fit this experiment', problems);
    for (const r of this.runStates) r.trainer.checkRestorable(cp.runs[r.spec.id]!);
    for (const r of this.runStates) await r.trainer.restore(cp.runs[r.spec.id]!);
    cp.snapshot.runs.forEach((h, i) => {
      this.runStates[i]!.history = structuredClone(h);
    });
    // Resuming means continuing: a stop recorded in the checkpoint is not carried over.
    this.stopRequested = false;
    const next = cp.next === null ? -1 : this.runStates.findIndex((r) => r.spec.id === cp.next);
    this.cursor = next < 0 ? 0 : next;
  }

  private resumeProblems(cp: ExperimentCheckpoint): string[] {
    if (typeof cp !== 'object' || cp === null || typeof cp.snapshot !== 'object' || cp.snapshot === null || typeof cp.runs !== 'object' || cp.runs === null) {
      return ['it is not an experiment checkpoint'];
    }
    if (cp.version !== CHECKPOINT_VERSION) return [`checkpoint version ${String(cp.version)} (this code reads version ${CHECKPOINT_VERSION})`];
    const saved = cp.snapshot;
    const now = this.snapshot();
    const ids = this.runIds;
    const savedIds = Array.isArray(saved.runs) ? saved.runs.map((r) => r.id) : [];
    if (differences(savedIds, ids).length > 0) return [`the checkpoint's runs are ${savedIds.join(', ') || 'none'}; this experiment's are ${ids.join(', ')}`];
    const runKeys = Object.keys(cp.runs);
    if (differences([...runKeys].sort(), [...ids].sort()).length > 0) return [`the checkpoint holds trainers for ${runKeys.join(', ') || 'no run'}; this experiment's runs are ${ids.join(', ')}`];
    const p: string[] = [];
    p.push(...differences(withTrainingDefaults(saved.config), now.config).map((d) => `training config ${d}`));
    const same = (what: string, a: unknown, b: unknown) => p.push(...differences(a, b, what));
    same('scheduling', saved.scheduling, now.scheduling);
    same('interleave', saved.interleave, now.interleave);
    for (const k of ['train', 'validation', 'test'] as const) same(`split.${k}`, saved.split[k], now.split[k]);
    same('numClasses', saved.numClasses, now.numClasses);
    same('input', saved.input, now.input);
    same('samples', saved.samples, now.samples);
    saved.runs.forEach((h, i) => {
      const r = now.runs[i]!;
      same(`run ${r.id}: loss`, h.loss, r.loss);
      same(`run ${r.id}: params`, h.params, r.params);
      for (const k of ['seed', 'fold', 'folds', 'samples'] as const) same(`run ${r.id}: ${k}`, h[k] ?? null, r[k] ?? null);
      const t = cp.runs[r.id]!;
      if (typeof t !== 'object' || t === null) {
        p.push(`run ${r.id}: no trainer checkpoint`);
        return;
      }
      if (h.steps !== t.globalStep || h.epochs.length !== t.epochIndex) {
        p.push(`run ${r.id}: the history (${h.steps} steps, ${h.epochs.length} epochs) does not match its trainer (${t.globalStep} steps, ${t.epochIndex} epochs)`);
      }
      if (t.ended !== null && h.status !== 'done') p.push(`run ${r.id}: its trainer has ended (${t.ended}) but its history says '${h.status}'`);
    });
    if (cp.next !== null && !ids.includes(cp.next)) p.push(`the next run "${String(cp.next)}" is not one of the runs`);
    return p;
  }

  private async advance(r: RunState, unit: InterleaveUnit): Promise<void> {
    const t = r.trainer;
    r.history.status = 'running';
    do {
      if (this.stopRequested) return;
      const loss = t.step();
      let value: number | undefined;
      if (loss) {
        value = (await loss.data())[0]!;
        loss.dispose();
        r.history.stepLosses.push([t.globalStep, finite(value)]);
      }
      r.history.steps = t.globalStep;
      this.emit(value === undefined ? { type: 'step', run: r.spec.id, step: t.globalStep, epoch: t.currentEpoch } : { type: 'step', run: r.spec.id, step: t.globalStep, epoch: t.currentEpoch, loss: value });
      await (this.options.yieldToEventLoop ?? defaultYield)();
    } while (unit === 'epoch' && !t.epochComplete);
    if (!t.epochComplete || this.stopRequested) return;
    const s = await t.endEpoch();
    this.recordEpoch(r, s);
    if (s.stop) await this.finish(r, s.stop, this.options.test ?? true);
    await this.epochCheckpoint();
  }

  /** Hands a checkpoint to onEpochCheckpoint and waits for it. */
  private async epochCheckpoint(): Promise<void> {
    const keep = this.options.onEpochCheckpoint;
    if (!keep) return;
    this.atCheckpoint = true;
    let cp: ExperimentCheckpoint;
    try {
      cp = await this.checkpoint();
    } finally {
      this.atCheckpoint = false;
    }
    await keep(cp);
  }

  private recordEpoch(r: RunState, s: EpochSummary): void {
    r.history.epochs.push({
      epoch: s.epoch,
      trainLoss: finite(s.trainLoss),
      valLoss: finite(s.valLoss),
      valDsc: s.valDsc.map(finite),
      lr: s.lr,
      improved: s.improved,
    });
    r.history.bestEpoch = r.trainer.bestEpoch;
    const best = r.history.epochs.find((e) => e.epoch === r.trainer.bestEpoch);
    // The kept epoch's validation loss (its score is 1 − DSC when DSC picks checkpoints).
    r.history.bestValLoss = best?.valLoss ?? (this.sets.validation.length > 0 ? null : finite(r.trainer.bestValLoss));
    this.emit({ type: 'epoch', run: r.spec.id, epoch: s.epoch, trainLoss: s.trainLoss, valLoss: s.valLoss, valDsc: s.valDsc, lr: s.lr, improved: s.improved });
  }

  private async finish(r: RunState, reason: StopReason, test: boolean): Promise<void> {
    r.history.status = 'done';
    r.history.stopReason = reason;
    this.emit({ type: 'runDone', run: r.spec.id, reason, epochs: r.history.epochs.length, bestEpoch: r.trainer.bestEpoch });
    if (test && this.sets.test.length > 0) await this.evaluateTest(r.spec.id);
  }

  private emit(e: ExperimentEvent): void {
    this.options.onEvent?.(e);
  }

  private state(runId: string): RunState {
    const r = this.runStates.find((s) => s.spec.id === runId);
    if (!r) throw new Error(`no run "${runId}" (runs: ${this.runIds.join(', ')})`);
    return r;
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('this experiment has been disposed');
  }
}

/** A run's group of equal initial weights: its seed, or the experiment's. */
function seedKey(spec: RunSpec): string {
  return spec.seed === undefined ? 'experiment' : `seed ${spec.seed}`;
}

/**
 * How the cases of a split become what the runs train on and are scored on: 2-D samples (the
 * training slices of config.slices; every slice, with labels at the source size, for scoring)
 * or, for a 3-D model, one volume per case either way.
 */
function preparation(
  g: ReturnType<typeof modelInput>,
  options: ExperimentOptions,
  config: TrainingConfig,
): (cases: readonly Case[], role: 'train' | 'scored') => Item[] {
  const s = options.samples ?? {};
  if (g.dims === 3) {
    const volumeOptions: VolumeOptions = { channels: g.channels, ...(s.window ? { window: s.window } : {}), useRoi: s.useRoi ?? false, spacing: options.spacing ?? null };
    return (cases) => prepareVolumes(cases, volumeOptions);
  }
  const sampleOptions: SampleOptions = { ...s, inputWidth: g.width, inputHeight: g.height, channels: g.channels };
  const trainOptions: SampleOptions = { ...sampleOptions, slices: config.slices };
  const scoredOptions: SampleOptions = { ...sampleOptions, slices: 'all', keepOriginal: true };
  return (cases, role) => prepareSamples(cases, role === 'train' ? trainOptions : scoredOptions);
}

function groupByCase<T extends { caseId: string }>(samples: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const s of samples) {
    const list = out.get(s.caseId);
    if (list) list.push(s);
    else out.set(s.caseId, [s]);
  }
  return out;
}

/** What a run's history records of its replicate (nothing for a plain run). */
function replicateFields(spec: ResolvedRunSpec, data: { train: readonly Item[]; validation: readonly Item[] }): Partial<RunHistory> {
  return {
    ...(spec.replicateOf !== undefined ? { replicateOf: spec.replicateOf } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    ...(spec.fold !== undefined ? { fold: spec.fold, folds: spec.folds!, samples: { train: data.train.length, validation: data.validation.length } } : {}),
  };
}

/** A run with its id, label and parameters filled in; replicate fields as given. */
export type ResolvedRunSpec = Required<Pick<RunSpec, 'id' | 'loss' | 'params' | 'label'>> & Pick<RunSpec, 'replicateOf' | 'seed' | 'fold' | 'folds'>;

/** Fills in ids (unique) and labels; parameters default to the paper's. */
export function resolveRunSpecs(runs: readonly RunSpec[]): ResolvedRunSpec[] {
  if (runs.length === 0) throw new RangeError('an experiment needs at least one run');
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.loss, (counts.get(r.loss) ?? 0) + 1);
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  return runs.map((r) => {
    const spec = LOSSES[r.loss];
    if (!spec) throw new Error(`unknown loss "${String(r.loss)}"`);
    let id = r.id;
    if (id === undefined) {
      const k = (seen.get(r.loss) ?? 0) + 1;
      seen.set(r.loss, k);
      id = counts.get(r.loss)! > 1 ? `${r.loss}#${k}` : r.loss;
    }
    if (ids.has(id)) throw new Error(`run id "${id}" is used twice`);
    ids.add(id);
    if (r.seed !== undefined && (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 2 ** 31 - 1)) throw new RangeError(`run ${id}: seed must be an integer 0…2147483647, got ${r.seed}`);
    if ((r.fold === undefined) !== (r.folds === undefined)) throw new RangeError(`run ${id}: fold and folds go together`);
    if (r.folds !== undefined && (!Number.isInteger(r.folds) || r.folds < 2 || !Number.isInteger(r.fold) || r.fold! < 1 || r.fold! > r.folds)) {
      throw new RangeError(`run ${id}: fold must be 1 … folds with folds ≥ 2, got fold ${r.fold} of ${r.folds}`);
    }
    return {
      id,
      loss: r.loss,
      params: r.params ?? { ...paperParams(r.loss) },
      label: r.label ?? spec.label,
      ...(r.replicateOf !== undefined ? { replicateOf: r.replicateOf } : {}),
      ...(r.seed !== undefined ? { seed: r.seed } : {}),
      ...(r.fold !== undefined ? { fold: r.fold, folds: r.folds! } : {}),
    };
  });
}

/**
 * Per-case test metrics (see the file header): predictions of every test sample, cropped to the
 * image, resampled back to the original size when the image was resized, and pooled per case.
 */
export async function testMetrics(trainer: Trainer, samples: readonly PreparedSample[], numClasses: number): Promise<CaseResult[]> {
  const scores = new CaseScores(numClasses);
  await trainer.forEachPrediction(samples, (_sample, probs, _loss, index) => scores.add(samples[index]!, probs, index), { loss: false });
  return scores.results();
}

/**
 * Chosen axial slices of a case as model-ready samples, normalised as for training (z-score over
 * the whole volume, channel rule) and fitted to the model input, with what is needed to bring a
 * prediction back to the slice's own size. Order as asked.
 */
export function prepareCaseSlices(
  c: Case,
  slices: readonly number[],
  opts: { channels: number; inputWidth: number; inputHeight: number; fit?: FitMode; window?: SampleOptions['window']; cache?: NormalizedVolumeCache },
): PreparedSample[] {
  const normalized = normalizedSlices(c, { channels: opts.channels, slices, ...(opts.window ? { window: opts.window } : {}), ...(opts.cache ? { cache: opts.cache } : {}) });
  return normalized.map(({ slice, sample }) => {
    const fitted = fitToInput(sample, opts.inputWidth, opts.inputHeight, opts.fit ?? 'resize');
    const p: PreparedSample = { ...fitted.sample, caseId: c.id, slice, crop: fitted.crop, sourceWidth: sample.width, sourceHeight: sample.height };
    if (fitted.resized) p.original = { labels: sample.labels, ...(sample.roi ? { roi: sample.roi } : {}) };
    return p;
  });
}

/**
 * Label maps of prepared samples at their source size, exactly as the test metrics score them
 * ({@link labelsAtSource}), so what a viewer shows is what was scored.
 */
export async function predictPrepared(trainer: Trainer, samples: readonly PreparedSample[], numClasses: number): Promise<Uint8Array[]> {
  const out = new Array<Uint8Array>(samples.length);
  await trainer.forEachPrediction(samples, (_s, probs, _loss, i) => (out[i] = labelsAtSource(samples[i]!, probs, numClasses).pred), { loss: false });
  return out;
}

/** Segmentation of chosen axial slices of a case by a trainer's model, at the slices' own size. */
export async function predictCaseSlices(
  trainer: Trainer,
  c: Case,
  slices: readonly number[],
  opts: { channels: number; numClasses: number; fit?: FitMode; window?: SampleOptions['window'] },
): Promise<Uint8Array[]> {
  const samples = prepareCaseSlices(c, slices, { ...opts, inputWidth: trainer.inputWidth, inputHeight: trainer.inputHeight });
  return predictPrepared(trainer, samples, opts.numClasses);
}

function checkLabels(samples: readonly Item[], numClasses: number): void {
  for (const s of samples) {
    let max = 0;
    for (let i = 0; i < s.labels.length; i++) if (s.labels[i]! > max) max = s.labels[i]!;
    if (max >= numClasses) {
      throw new RangeError(`case ${s.caseId} has class ${max}, but the model outputs ${numClasses} classes (0…${numClasses - 1})`);
    }
  }
}

/** Volume preparation of a 3-D experiment (volumes.ts): channels, window, roi statistics, spacing. */
export type CaseVolumeOptions = VolumeOptions & { numClasses: number };

/**
 * The segmentation of a whole case by a 3-D trainer's model at the case's own grid, exactly as
 * the test metrics score it: the case normalised (and resampled) as for training, predicted by
 * Gaussian-weighted sliding windows, brought back to its own grid when resampled.
 */
export async function predictCaseVolume(trainer: Trainer, c: Case, opts: CaseVolumeOptions, prepared?: PreparedVolume): Promise<Uint8Array> {
  const v = prepared ?? prepareVolume(c, opts);
  const p = await trainer.predictVolume(v, { probabilities: true });
  return volumeLabelsAtSource(v, p.probabilities!, opts.numClasses).pred;
}

/** Axial slices `slices` of a label volume of `dims` [nx, ny, nz], in the order asked. */
export function axialSlices(labels: Uint8Array, dims: readonly [number, number, number], slices: readonly number[]): Uint8Array[] {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  return slices.map((k) => {
    if (!(Number.isInteger(k) && k >= 0 && k < nz)) throw new RangeError(`slice ${k} is outside 0…${nz - 1}`);
    return labels.slice(k * plane, (k + 1) * plane);
  });
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
