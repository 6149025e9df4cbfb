/**
 * Training experiments for a host (the browser's training worker, a command line): start one
 * from an {@link ExperimentRequest} and the cases it names, or resume a stored one from its last
 * epoch checkpoint; stop it; report every step, epoch and result as {@link EngineEvent}s.
 *
 * Kept in the store (when there is one): the record when the experiment starts, after every
 * epoch the checkpoint and the history (training waits for them, so an interruption loses at
 * most the epochs in progress), the best weights of every run when it ends, and the final status.
 * A failure while training (a lost GPU device, anything else) ends the experiment as 'failed'
 * and keeps the epochs finished so far.
 *
 * One experiment at a time. Its models stay after it ends, to answer predictions
 * ({@link TrainingService.live}), until the next one starts.
 */
import * as tf from '@tensorflow/tfjs';
import type { Case } from '../data/types';
import { buildUNet, buildUNet3D } from '../model';
import { Experiment, type ExperimentCheckpoint, type ExperimentOptions } from '../training/experiment';
import { resolutionOf, type ExperimentRequest, type ExperimentStatus, type ModelFiles, type StoredExperiment } from '../training/experimentFile';
import { fitForResolution } from '../training/samples';
import type { EngineStore, StoreAccess } from './store';
import type { EngineEventSink, RunOutcome } from './types';

export interface TrainingServiceOptions {
  store: StoreAccess;
  emit: EngineEventSink;
  /**
   * Awaited after every step so that the host can take messages (a stop) in between. Default:
   * a zero-delay timer.
   */
  yieldNow?: () => Promise<void>;
  /** Awaited after every step, after yieldNow: the host's work between steps (predictions). */
  betweenSteps?: () => Promise<void>;
  /** Awaited before the models of the previous experiment are freed (predictions using them finish first). */
  beforeRelease?: () => Promise<void>;
  /** Builds one run's model (seed: the run's own, for replicates). Default: the request's U-Net (core/model). */
  createModel?: (request: ExperimentRequest, seed?: number) => tf.LayersModel;
  /** The clock of the records' updatedAt. */
  now?: () => Date;
}

/** An experiment whose models answer predictions: the one training, or the one that ended last. */
export interface LiveExperiment {
  request: ExperimentRequest;
  experiment: Experiment;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const defaultYield = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The U-Net a request describes, with the dataset's channels and classes; its initial weights
 * from `seed` (a replicate's) or the request's model seed. dims 3: the 3-D U-Net (Çiçek et al.
 * 2016) with the patch's inputDepth; otherwise the 2-D U-Net.
 */
export function requestModel(request: ExperimentRequest, seed?: number): tf.LayersModel {
  const { inputDepth, ...model } = request.model;
  const common = { ...model, ...(seed === undefined ? {} : { seed }), inputChannels: request.dataset.channels, numClasses: request.dataset.numClasses };
  if (request.dims === 3) {
    if (inputDepth === undefined) throw new RangeError('a 3-D experiment needs model.inputDepth (the slices of its patch)');
    return buildUNet3D({ ...common, inputDepth });
  }
  return buildUNet(common);
}

/**
 * A model's topology with the given weights (in model.getWeights() order) as tfjs artifacts:
 * what model.json and its weights file hold. The weights must match the model's layout.
 */
export async function modelArtifacts(model: tf.LayersModel, weights: readonly { shape: number[]; data: Float32Array }[]): Promise<ModelFiles> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts | null;
  const specs = (a?.weightSpecs ?? []) as tf.io.WeightsManifestEntry[];
  if (!a || specs.length !== weights.length || specs.some((w, i) => w.shape.join() !== weights[i]?.shape.join() || w.dtype !== 'float32')) {
    throw new Error('the checkpoint weights do not match the model layout');
  }
  const data = new Float32Array(weights.reduce((n, w) => n + w.data.length, 0));
  let o = 0;
  for (const w of weights) {
    data.set(w.data, o);
    o += w.data.length;
  }
  return { modelTopology: a.modelTopology, weightSpecs: specs, weightData: data.buffer };
}

export class TrainingService {
  private readonly opts: TrainingServiceOptions;
  private experiment: Experiment | null = null;
  private last: LiveExperiment | null = null;
  /** An experiment is being built (start or resume before its first step); a stop meanwhile is kept for it. */
  private starting = false;
  private stopWhenStarted = false;

  constructor(opts: TrainingServiceOptions) {
    this.opts = opts;
  }

  /** An experiment is training (its steps are being taken). */
  get running(): boolean {
    return this.experiment !== null;
  }

  /** An experiment is training or being built: another cannot start. */
  get busy(): boolean {
    return this.experiment !== null || this.starting;
  }

  /** The experiment training, or the one that ended last; null before the first and after {@link release}. */
  get live(): LiveExperiment | null {
    return this.last;
  }

  /**
   * Trains a new experiment on `cases` (they must include every case of its split) and
   * resolves when it has ended, with how. Throws when an experiment is already running.
   */
  start(request: ExperimentRequest, cases: readonly Case[]): Promise<RunOutcome> {
    return this.run(request, cases);
  }

  /**
   * Continues a stored experiment from its last epoch checkpoint, on the same dataset: throws
   * when it has no checkpoint or `cases` lacks any of its cases.
   */
  async resume(id: string, cases: readonly Case[]): Promise<RunOutcome> {
    const s = await this.opts.store();
    const record = await s?.get(id);
    const cp = await s?.getCheckpoint(id);
    if (!record || !cp) throw new Error('this experiment has no stored checkpoint to resume from');
    const have = new Set(cases.map((c) => c.id));
    const missing = record.request.dataset.caseIds.filter((c) => !have.has(c));
    if (missing.length) {
      throw new Error(
        `load the dataset this experiment was trained on to resume it: ${missing.length} of its ${record.request.dataset.caseIds.length} cases are missing (e.g. ${missing.slice(0, 3).join(', ')})`,
      );
    }
    return this.run(record.request, cases, cp);
  }

  /** Ends the experiment after the step in progress (or as soon as it is built); the epochs so far are kept. */
  stop(): void {
    if (this.experiment) this.experiment.stop();
    else if (this.starting) this.stopWhenStarted = true;
  }

  /** Frees the models of the experiment that ended last (never the one training). */
  async release(): Promise<void> {
    if (this.experiment) return;
    await this.opts.beforeRelease?.();
    const old = this.last;
    this.last = null;
    old?.experiment.dispose();
  }

  private async run(request: ExperimentRequest, cases: readonly Case[], resumeFrom?: ExperimentCheckpoint): Promise<RunOutcome> {
    if (this.busy) throw new Error('an experiment is already running; stop it first');
    this.starting = true;
    this.stopWhenStarted = false;
    try {
      return await this.runStarting(request, cases, resumeFrom);
    } finally {
      this.starting = false;
    }
  }

  private async persist(s: EngineStore | null, request: ExperimentRequest, status: ExperimentStatus, snapshot: StoredExperiment['snapshot'], savedWeights: string[], msg?: string, resumable?: boolean) {
    if (!s) return;
    const record: StoredExperiment = {
      id: request.id,
      request,
      status,
      updatedAt: (this.opts.now?.() ?? new Date()).toISOString(),
      snapshot,
      savedWeights: [...savedWeights],
      ...(msg ? { message: msg } : {}),
      ...(resumable ? { resumable: true } : {}),
    };
    try {
      await s.save(record);
    } catch (e) {
      this.opts.emit({ type: 'error', message: `Could not save the experiment (${message(e)}); results stay on this page until it is closed.` });
    }
  }

  /** A finished run's best weights (from the checkpoint, so no later swap can race) into the store. */
  private async saveRunWeights(s: EngineStore, request: ExperimentRequest, ex: Experiment, runId: string, cp: ExperimentCheckpoint): Promise<boolean> {
    const tc = cp.runs[runId];
    if (!tc) return false;
    try {
      await s.saveWeights(request.id, runId, await modelArtifacts(ex.trainer(runId).model, tc.bestWeights ?? tc.weights));
      return true;
    } catch (e) {
      this.opts.emit({ type: 'error', message: `Could not save the weights of ${runId}: ${message(e)}` });
      return false;
    }
  }

  private async runStarting(request: ExperimentRequest, cases: readonly Case[], resumeFrom?: ExperimentCheckpoint): Promise<RunOutcome> {
    const { emit } = this.opts;
    const s = await this.opts.store();
    const savedWeights: string[] = resumeFrom ? [...((await s?.get(request.id))?.savedWeights ?? [])] : [];
    let ex: Experiment | null = null;
    const createModel = this.opts.createModel ?? requestModel;
    const yieldNow = this.opts.yieldNow ?? defaultYield;
    const options: ExperimentOptions = {
      createModel: (seed) => createModel(request, seed),
      runs: request.runs,
      cases,
      split: request.split,
      config: request.training,
      scheduling: request.scheduling,
      interleave: request.interleave,
      samples: { channels: request.dataset.channels, fit: fitForResolution(resolutionOf(request)) },
      ...(request.dims === 3 ? { spacing: request.spacing ?? null } : {}),
      // Between steps: take messages, then the host's work (predictions asked for meanwhile).
      yieldToEventLoop: async () => {
        await yieldNow();
        await this.opts.betweenSteps?.();
      },
      onEvent: (event) => {
        emit({ type: 'experiment', id: request.id, event });
        if (ex && (event.type === 'epoch' || event.type === 'testResults' || event.type === 'runDone')) {
          emit({ type: 'snapshot', id: request.id, snapshot: ex.snapshot() });
        }
      },
      // Right after every epoch: keep the checkpoint and history (an interruption loses at most
      // the epoch in progress) and the best weights of runs that have ended. Training waits.
      onEpochCheckpoint: async (cp) => {
        if (!s || !ex) return;
        for (const r of cp.snapshot.runs) {
          if (r.status === 'done' && !savedWeights.includes(r.id) && (await this.saveRunWeights(s, request, ex, r.id, cp))) savedWeights.push(r.id);
        }
        try {
          await s.saveCheckpoint(request.id, cp);
        } catch (e) {
          emit({ type: 'error', message: `Could not save the checkpoint (${message(e)}); the experiment cannot resume after a reload.` });
        }
        await this.persist(s, request, 'running', cp.snapshot, savedWeights, undefined, true);
      },
    };
    try {
      ex = resumeFrom ? await Experiment.resume(options, resumeFrom) : new Experiment(options);
    } catch (e) {
      const outcome: RunOutcome = { id: request.id, status: 'failed', message: message(e), snapshot: null };
      emit({ type: 'ended', ...outcome });
      return outcome;
    }
    await this.release();
    this.experiment = ex;
    this.last = { request, experiment: ex };
    this.starting = false;
    if (this.stopWhenStarted) ex.stop();
    const first = ex.snapshot();
    emit({ type: 'started', id: request.id, snapshot: first, stepsPerEpoch: ex.trainer(ex.runIds[0] ?? '').stepsPerEpoch });
    if (!resumeFrom) await this.persist(s, request, 'running', first, savedWeights);
    let status: ExperimentStatus = 'finished';
    let msg: string | undefined;
    try {
      await ex.run();
      if (ex.stopped) status = 'stopped';
    } catch (e) {
      // A lost GPU device or any other failure: the epochs finished so far are kept.
      status = 'failed';
      msg = `training stopped: ${message(e)}`;
    }
    const snapshot = ex.snapshot();
    await this.persist(s, request, status, snapshot, savedWeights, msg, status !== 'finished');
    const outcome: RunOutcome = { id: request.id, status, snapshot, ...(msg ? { message: msg } : {}) };
    emit({ type: 'ended', ...outcome });
    // The models stay for predictions until the next experiment starts.
    this.experiment = null;
    void this.opts.betweenSteps?.();
    return outcome;
  }
}
