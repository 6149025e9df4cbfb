/**
 * Segmentations for a host: chosen axial slices of a case by runs of an experiment, answered one
 * request after the other. While an experiment trains they are answered between its steps by
 * its live models (current weights; best weights once a run has been tested); otherwise by the
 * experiment that ended last, or by models loaded from the best weights kept in the store (one
 * experiment's at a time). Each label map is what the test metrics scored: the prediction cut to
 * the image and brought back to the slice's own size (core/training/experiment.ts).
 *
 * The host's cases are remembered under a key (the page's dataset version) so that a request
 * can name a case instead of sending it; the volume predicted last is normalised once for all
 * its slices. Also: inference with a model given as files, scored per case.
 *
 * 3-D experiments (dims 3): a request for slices of a case predicts the case's whole volume
 * (normalised and resampled as for training, Gaussian-weighted 3-D sliding windows, brought
 * back to the case's own grid: core/training/experiment.ts predictCaseVolume) and answers with
 * the asked axial slices of it. The label volume is kept, one per run, for the (experiment,
 * case, weights) it was predicted with, so scrolling through the slices predicts once. The
 * weights are told apart as the answer describes them (epochs seen, current or best): while a
 * run trains, its volume is predicted again once it has finished another epoch or been tested,
 * and slices asked in between come from the volume predicted first.
 */
import * as tf from '@tensorflow/tfjs';
import type { Case } from '../data/types';
import { createLoss } from '../losses';
import { trainingConfig } from '../training/config';
import type { Sample2D } from '../data/types';
import type { Sample3D } from '../data/volume3d';
import { axialSlices, predictCaseVolume, predictPrepared, prepareCaseSlices, testMetrics, type CaseVolumeOptions } from '../training/experiment';
import { resolutionOf, type ExperimentRequest, type ModelFiles } from '../training/experimentFile';
import { fitForResolution, NormalizedVolumeCache, prepareSamples } from '../training/samples';
import { isVolumeModel, modelGeometry, modelInput, Trainer, type TrainerData, type TrainerData3D } from '../training/trainer';
import { prepareVolume, prepareVolumes, type PreparedVolume } from '../training/volumes';
import type { StoreAccess } from './store';
import type { LiveExperiment } from './trainingService';
import type { InferenceCaseResult, PredictionResult, RunPrediction } from './types';

export interface PredictionServiceOptions {
  store: StoreAccess;
  /** The experiment training or ended last (its models answer for it). */
  live: () => LiveExperiment | null;
  /** An experiment is training: requests wait for {@link PredictionService.serve} between its steps. */
  training: () => boolean;
}

/** Slices of a case to segment by runs of an experiment. */
export interface SlicePredictionRequest {
  experimentId: string;
  runs: readonly string[];
  case: Case;
  /** Axial slice indices, in the order the label maps come back. */
  slices: readonly number[];
}

interface Job {
  request: SlicePredictionRequest;
  resolve: (r: PredictionResult) => void;
  reject: (e: Error) => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A model from tfjs artifacts held in memory. */
export function loadModelFiles(files: ModelFiles): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: files.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: files.weightSpecs as tf.io.WeightsManifestEntry[], weightData: files.weightData }),
  );
}

/**
 * A trainer that only predicts (its loss and protocol are never used; `samples` only have to fit
 * the model), with the experiment's evalBatchSize when known, so that it predicts as the live run did.
 */
function predictor(model: tf.LayersModel, samples: readonly Sample2D[] | readonly Sample3D[], evalBatchSize?: number): Trainer {
  const config = trainingConfig({ augmentation: null, ...(evalBatchSize === undefined ? {} : { evalBatchSize }) });
  return new Trainer(model, createLoss('crossEntropy'), { train: samples, validation: [] } as TrainerData | TrainerData3D, config);
}

/** A label volume kept for a run: the case, experiment and weights it was predicted with. */
interface PredictedVolume {
  experimentId: string;
  c: Case;
  version: string;
  labels: Uint8Array;
}

export class PredictionService {
  private readonly opts: PredictionServiceOptions;
  private readonly jobs: Job[] = [];
  private serving: Promise<void> | null = null;
  /** Models loaded from the best weights stored for an experiment's runs (one experiment at a time). */
  private stored: { experimentId: string; request: ExperimentRequest; trainers: Map<string, Trainer> } | null = null;
  private known: { key: string; byId: Map<string, Case> } = { key: '', byId: new Map() };
  /** The volume last predicted, normalised once for all its slices. */
  readonly normalized = new NormalizedVolumeCache();
  /** 3-D: the case last prepared as a volume, and the label volume last predicted per run. */
  private volume: { c: Case; key: string; volume: PreparedVolume } | null = null;
  private readonly predictedVolumes = new Map<string, PredictedVolume>();
  /** 3-D: whole volumes predicted (not taken from the kept label volumes). */
  volumesPredicted = 0;

  constructor(opts: PredictionServiceOptions) {
    this.opts = opts;
  }

  /** Keeps cases under `key`; a new key forgets the cases of the old one. */
  rememberCases(key: string, cases: readonly Case[]): void {
    if (this.known.key !== key) {
      this.known = { key, byId: new Map() };
      this.normalized.clear();
      this.volume = null;
      this.predictedVolumes.clear();
    }
    for (const c of cases) this.known.byId.set(c.id, c);
  }

  /** A case remembered under `key`. */
  knownCase(key: string, id: string): Case | undefined {
    return this.known.key === key ? this.known.byId.get(id) : undefined;
  }

  /**
   * Segments the slices by each run; resolves when answered (between steps while training).
   * A run that cannot answer is listed in `failed`; a request no run can answer (an unknown
   * experiment) rejects.
   */
  predict(request: SlicePredictionRequest): Promise<PredictionResult> {
    return new Promise((resolve, reject) => {
      this.jobs.push({ request, resolve, reject });
      if (!this.opts.training()) void this.serve();
    });
  }

  /** Answers the waiting requests one after the other; settles when none is left. */
  serve(): Promise<void> {
    if (this.serving) return this.serving;
    if (this.jobs.length === 0) return Promise.resolve();
    const work = (async () => {
      try {
        for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
          try {
            job.resolve(await this.answer(job.request));
          } catch (e) {
            job.reject(e instanceof Error ? e : new Error(String(e)));
          }
        }
      } finally {
        this.serving = null;
      }
    })();
    this.serving = work;
    return work;
  }

  /** Settles when no request is being answered. */
  async idle(): Promise<void> {
    while (this.serving) await this.serving;
  }

  /** Frees the models loaded from an experiment's stored weights (any experiment's when no id); call between requests (see {@link idle}). */
  forget(experimentId?: string): void {
    for (const [run, v] of this.predictedVolumes) if (experimentId === undefined || v.experimentId === experimentId) this.predictedVolumes.delete(run);
    if (experimentId !== undefined && this.stored?.experimentId !== experimentId) return;
    for (const t of this.stored?.trainers.values() ?? []) t.dispose({ model: true });
    this.stored = null;
  }

  /**
   * Inference with a model given as files: every case's whole image, resized to fit the model
   * input where it is larger (how the model was trained is not known from its files), argmax,
   * and per-case metrics against its labels at the image's own size. A 3-D model predicts every
   * case's whole volume at its own spacing by 3-D sliding windows.
   */
  async infer(files: ModelFiles, cases: readonly Case[], numClasses: number): Promise<InferenceCaseResult[]> {
    const model = await loadModelFiles(files);
    let trainer: Trainer | null = null;
    try {
      if (isVolumeModel(model)) {
        const volumes = prepareVolumes(cases, { channels: modelInput(model).channels });
        trainer = predictor(model, volumes);
        if (trainer.numClasses !== numClasses) throw new Error(`the model predicts ${trainer.numClasses} classes but the dataset has ${numClasses}`);
        return (await trainer.scoreVolumes(volumes, { loss: false })).results;
      }
      const g = modelGeometry(model);
      if (g.classes !== numClasses) throw new Error(`the model predicts ${g.classes} classes but the dataset has ${numClasses}`);
      const samples = prepareSamples(cases, { inputWidth: g.width, inputHeight: g.height, channels: g.channels, slices: 'all', keepOriginal: true });
      trainer = predictor(model, samples);
      return await testMetrics(trainer, samples, numClasses);
    } finally {
      // The model goes with the trainer, or alone when the trainer could not be built.
      if (trainer) trainer.dispose({ model: true });
      else model.dispose();
    }
  }

  private async storedTrainer(experimentId: string, run: string, samples: readonly Sample2D[] | readonly Sample3D[]): Promise<Trainer> {
    if (this.stored?.experimentId !== experimentId) {
      this.forget();
      const record = await (await this.opts.store())?.get(experimentId);
      if (!record) throw new Error(`experiment ${experimentId} is not stored here`);
      this.stored = { experimentId, request: record.request, trainers: new Map() };
    }
    const have = this.stored.trainers.get(run);
    if (have) return have;
    const w = await (await this.opts.store())?.getWeights(experimentId, run);
    if (!w) throw new Error('no weights are stored for this run (a run keeps its best weights when it ends)');
    const model = await loadModelFiles(w);
    try {
      const t = predictor(model, samples, this.stored.request.training.evalBatchSize);
      this.stored.trainers.set(run, t);
      return t;
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  private async answer(job: SlicePredictionRequest): Promise<PredictionResult> {
    const current = this.opts.live();
    const live = current && current.request.id === job.experimentId ? current : null;
    const request = live?.request ?? (this.stored?.experimentId === job.experimentId ? this.stored.request : (await (await this.opts.store())?.get(job.experimentId))?.request);
    if (!request) throw new Error(`experiment ${job.experimentId} is neither running nor stored here`);
    if (request.dims === 3) return this.answerVolume(job, request, live);
    const { inputWidth, inputHeight } = request.model;
    const fit = fitForResolution(resolutionOf(request));
    const samples = prepareCaseSlices(job.case, job.slices, { channels: request.dataset.channels, inputWidth, inputHeight, fit, cache: this.normalized });
    const results: RunPrediction[] = [];
    const failed: { run: string; message: string }[] = [];
    const snapshot = live?.experiment.snapshot();
    for (const run of job.runs) {
      try {
        if (live && live.experiment.runIds.includes(run)) {
          const h = snapshot?.runs.find((r) => r.id === run);
          const labels = await predictPrepared(live.experiment.trainer(run), samples, request.dataset.numClasses);
          results.push({ run, labels, epochs: h?.epochs.length ?? 0, weights: h?.test ? 'best' : 'current' });
        } else {
          const labels = await predictPrepared(await this.storedTrainer(job.experimentId, run, samples), samples, request.dataset.numClasses);
          const record = await (await this.opts.store())?.get(job.experimentId);
          results.push({ run, labels, epochs: record?.snapshot?.runs.find((r) => r.id === run)?.epochs.length ?? 0, weights: 'best' });
        }
      } catch (e) {
        failed.push({ run, message: message(e) });
      }
    }
    return { results, failed };
  }

  /** 3-D: the asked slices of each run's label volume of the case (see the file header). */
  private async answerVolume(job: SlicePredictionRequest, request: ExperimentRequest, live: LiveExperiment | null): Promise<PredictionResult> {
    const opts: CaseVolumeOptions = { channels: request.dataset.channels, numClasses: request.dataset.numClasses, spacing: request.spacing ?? null };
    const volume = () => this.preparedVolume(job.case, opts);
    const results: RunPrediction[] = [];
    const failed: { run: string; message: string }[] = [];
    const snapshot = live?.experiment.snapshot();
    for (const run of job.runs) {
      try {
        let answer: { source: 'live' | 'stored'; epochs: number; weights: 'current' | 'best'; trainer: () => Promise<Trainer> };
        if (live && live.experiment.runIds.includes(run)) {
          const h = snapshot?.runs.find((r) => r.id === run);
          answer = { source: 'live', epochs: h?.epochs.length ?? 0, weights: h?.test ? 'best' : 'current', trainer: () => Promise.resolve(live.experiment.trainer(run)) };
        } else {
          const record = await (await this.opts.store())?.get(job.experimentId);
          answer = { source: 'stored', epochs: record?.snapshot?.runs.find((r) => r.id === run)?.epochs.length ?? 0, weights: 'best', trainer: () => this.storedTrainer(job.experimentId, run, [volume()]) };
        }
        const version = `${answer.source}|${answer.epochs}|${answer.weights}`;
        let kept = this.predictedVolumes.get(run);
        if (!(kept && kept.experimentId === job.experimentId && kept.c === job.case && kept.version === version)) {
          const labels = await predictCaseVolume(await answer.trainer(), job.case, opts, volume());
          this.volumesPredicted++;
          kept = { experimentId: job.experimentId, c: job.case, version, labels };
          this.predictedVolumes.set(run, kept);
        }
        results.push({ run, labels: axialSlices(kept.labels, job.case.image.dims, job.slices), epochs: answer.epochs, weights: answer.weights });
      } catch (e) {
        failed.push({ run, message: message(e) });
      }
    }
    return { results, failed };
  }

  /** The case as a normalised (resampled) volume, kept for the next request of the same case. */
  private preparedVolume(c: Case, opts: CaseVolumeOptions): PreparedVolume {
    const key = JSON.stringify([opts.channels, opts.spacing ?? null]);
    if (this.volume?.c !== c || this.volume.key !== key) this.volume = { c, key, volume: prepareVolume(c, opts) };
    return this.volume.volume;
  }

  /** Frees every model loaded from stored weights. */
  dispose(): void {
    this.forget();
  }
}
