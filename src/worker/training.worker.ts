/// <reference lib="webworker" />
/**
 * Training worker: a thin switch over the training commands. It chooses the tfjs backend
 * explicitly, runs an Experiment (core/training) on the cases it is sent, forwards its events,
 * and keeps the history and the best weights in IndexedDB. Tensors never leave this worker.
 */
import * as tf from '@tensorflow/tfjs';
import type { Case } from '../core/data/types';
import { buildUNet } from '../core/model';
import { createLoss } from '../core/losses';
import { trainingConfig } from '../core/training/config';
import { Experiment, predictPrepared, prepareCaseSlices, testMetrics, type ExperimentCheckpoint, type ExperimentOptions, type ExperimentSnapshot } from '../core/training/experiment';
import { validateExperimentFile } from '../core/training/experimentFile';
import { NormalizedVolumeCache, prepareSamples, type PreparedSample } from '../core/training/samples';
import { modelGeometry, Trainer } from '../core/training/trainer';
import { chooseBackend, switchBackend, BACKEND_ORDER, type BackendName } from './backend';
import { ExperimentStore } from './experimentStore';
import type { ExperimentFile, ExperimentRequest, ExperimentStatus, ModelFiles, PredictRequest, RunPrediction, StoredExperiment, TrainingCommand, TrainingEvent } from './trainingProtocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: TrainingEvent) => scope.postMessage(e);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The experiment being trained. */
let experiment: Experiment | null = null;
/** The experiment trained last (running or ended): its models answer predictions until the next starts. */
let last: { request: ExperimentRequest; ex: Experiment } | null = null;

/** Lets queued messages (stop) in between steps; a MessageChannel avoids setTimeout's 4 ms clamp. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldNow(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}
let storePromise: Promise<ExperimentStore | null> | null = null;

function store(): Promise<ExperimentStore | null> {
  storePromise ??= ExperimentStore.open().catch((e: unknown) => {
    post({ type: 'error', message: `Experiments cannot be kept across reloads: ${message(e)}` });
    return null;
  });
  return storePromise;
}

async function persist(request: ExperimentRequest, status: ExperimentStatus, snapshot: ExperimentSnapshot | null, savedWeights: string[], msg?: string, resumable?: boolean) {
  const s = await store();
  if (!s) return;
  const record: StoredExperiment = {
    id: request.id,
    request,
    status,
    updatedAt: new Date().toISOString(),
    snapshot,
    savedWeights: [...savedWeights],
    ...(msg ? { message: msg } : {}),
    ...(resumable ? { resumable: true } : {}),
  };
  try {
    await s.save(record);
  } catch (e) {
    post({ type: 'error', message: `Could not save the experiment (${message(e)}); results stay on this page until it is closed.` });
  }
}

function experimentOptions(request: ExperimentRequest, cases: Case[], hooks: Pick<ExperimentOptions, 'onEvent' | 'onEpochCheckpoint'>): ExperimentOptions {
  return {
    createModel: () => buildUNet({ ...request.model, inputChannels: request.dataset.channels, numClasses: request.dataset.numClasses }),
    runs: request.runs,
    cases,
    split: request.split,
    config: request.training,
    scheduling: request.scheduling,
    interleave: request.interleave,
    samples: { channels: request.dataset.channels },
    // Between steps: take messages, then answer the predictions asked for meanwhile.
    yieldToEventLoop: async () => {
      await yieldNow();
      await servePredictions();
    },
    ...hooks,
  };
}

/** A finished run's best weights (from the checkpoint, so no later swap can race) as tfjs artifacts. */
async function saveRunWeights(request: ExperimentRequest, ex: Experiment, runId: string, cp: ExperimentCheckpoint): Promise<boolean> {
  const s = await store();
  const tc = cp.runs[runId];
  if (!s || !tc) return false;
  try {
    let artifacts: tf.io.ModelArtifacts | null = null;
    await ex.trainer(runId).model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const a = artifacts as tf.io.ModelArtifacts | null;
    const specs = (a?.weightSpecs ?? []) as tf.io.WeightsManifestEntry[];
    const weights = tc.bestWeights ?? tc.weights;
    if (!a || specs.length !== weights.length || specs.some((w, i) => w.shape.join() !== weights[i]?.shape.join() || w.dtype !== 'float32')) {
      throw new Error('the checkpoint weights do not match the model layout');
    }
    const total = weights.reduce((n, w) => n + w.data.length, 0);
    const data = new Float32Array(total);
    let o = 0;
    for (const w of weights) {
      data.set(w.data, o);
      o += w.data.length;
    }
    await s.saveWeights(request.id, runId, { modelTopology: a.modelTopology, weightSpecs: specs, weightData: data.buffer });
    return true;
  } catch (e) {
    post({ type: 'error', message: `Could not save the weights of ${runId}: ${message(e)}` });
    return false;
  }
}

/** Runs a new experiment, or continues a stored one from its checkpoint. */
/** An experiment is being built (start or resume before its first step); a stop meanwhile is kept for it. */
let starting = false;
let stopWhenStarted = false;

async function run(request: ExperimentRequest, cases: Case[], resumeFrom?: ExperimentCheckpoint) {
  if (experiment || starting) throw new Error('an experiment is already running; stop it first');
  starting = true;
  stopWhenStarted = false;
  try {
    await runStarting(request, cases, resumeFrom);
  } finally {
    starting = false;
  }
}

async function runStarting(request: ExperimentRequest, cases: Case[], resumeFrom?: ExperimentCheckpoint) {
  const savedWeights: string[] = resumeFrom ? [...((await (await store())?.get(request.id))?.savedWeights ?? [])] : [];
  let ex: Experiment | null = null;
  const hooks: Pick<ExperimentOptions, 'onEvent' | 'onEpochCheckpoint'> = {
    onEvent: (event) => {
      post({ type: 'experiment', id: request.id, event });
      if (ex && (event.type === 'epoch' || event.type === 'testResults' || event.type === 'runDone')) {
        post({ type: 'snapshot', id: request.id, snapshot: ex.snapshot() });
      }
    },
    // Right after every epoch: keep the checkpoint and history (a reload loses at most the epoch
    // in progress) and the best weights of runs that have ended. Training waits for this.
    onEpochCheckpoint: async (cp) => {
      const s = await store();
      if (!s || !ex) return;
      for (const r of cp.snapshot.runs) {
        if (r.status === 'done' && !savedWeights.includes(r.id) && (await saveRunWeights(request, ex, r.id, cp))) savedWeights.push(r.id);
      }
      try {
        await s.saveCheckpoint(request.id, cp);
      } catch (e) {
        post({ type: 'error', message: `Could not save the checkpoint (${message(e)}); the experiment cannot resume after a reload.` });
      }
      await persist(request, 'running', cp.snapshot, savedWeights, undefined, true);
    },
  };
  try {
    ex = resumeFrom ? await Experiment.resume(experimentOptions(request, cases, hooks), resumeFrom) : new Experiment(experimentOptions(request, cases, hooks));
  } catch (e) {
    post({ type: 'ended', id: request.id, status: 'failed', message: message(e), snapshot: null });
    return;
  }
  await releaseLast();
  experiment = ex;
  last = { request, ex };
  starting = false;
  if (stopWhenStarted) ex.stop();
  const first = ex.snapshot();
  post({ type: 'started', id: request.id, snapshot: first, stepsPerEpoch: ex.trainer(ex.runIds[0] ?? '').stepsPerEpoch });
  if (!resumeFrom) await persist(request, 'running', first, savedWeights);
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
  await persist(request, status, snapshot, savedWeights, msg, status !== 'finished');
  post({ type: 'ended', id: request.id, status, snapshot, ...(msg ? { message: msg } : {}) });
  // The models stay for predictions (the viewer) until the next experiment starts.
  experiment = null;
  void servePredictions();
}

async function resume(id: string, cases: Case[]) {
  const s = await store();
  const record = await s?.get(id);
  const cp = await s?.getCheckpoint<ExperimentCheckpoint>(id);
  if (!record || !cp) throw new Error('this experiment has no stored checkpoint to resume from');
  const have = new Set(cases.map((c) => c.id));
  const missing = record.request.dataset.caseIds.filter((c) => !have.has(c));
  if (missing.length) {
    throw new Error(
      `load the dataset this experiment was trained on to resume it: ${missing.length} of its ${record.request.dataset.caseIds.length} cases are missing (e.g. ${missing.slice(0, 3).join(', ')})`,
    );
  }
  await run(record.request, cases, cp);
}

/**
 * Inference with a model loaded from files: every case's whole image (sliding window where the
 * image is larger than the model input), argmax, and per-case metrics against its labels.
 */
async function infer(files: ModelFiles, cases: Case[], numClasses: number) {
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: files.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: files.weightSpecs as tf.io.WeightsManifestEntry[], weightData: files.weightData }),
  );
  let trainer: Trainer | null = null;
  try {
    const g = modelGeometry(model);
    if (g.classes !== numClasses) throw new Error(`the model predicts ${g.classes} classes but the dataset has ${numClasses}`);
    const samples = prepareSamples(cases, { inputWidth: g.width, inputHeight: g.height, channels: g.channels, slices: 'all', keepOriginal: true });
    trainer = new Trainer(model, createLoss('crossEntropy'), { train: samples, validation: [] }, trainingConfig({ augmentation: null }));
    return await testMetrics(trainer, samples, numClasses);
  } finally {
    // The model goes with the trainer, or alone when the trainer could not be built.
    if (trainer) trainer.dispose({ model: true });
    else model.dispose();
  }
}

/** Models loaded from the best weights stored for an experiment's runs (one experiment at a time). */
let stored: { experimentId: string; request: ExperimentRequest; trainers: Map<string, Trainer> } | null = null;
/** Cases the page sent, under its dataset key. */
let knownCases: { key: string; byId: Map<string, Case> } = { key: '', byId: new Map() };
const predictJobs: PredictRequest[] = [];
/** The volume last predicted, normalised once for all its slices. */
const normalizedVolume = new NormalizedVolumeCache();
let serving: Promise<void> | null = null;

function rememberCases(key: string, cases: readonly Case[]): void {
  if (knownCases.key !== key) {
    knownCases = { key, byId: new Map() };
    normalizedVolume.clear();
  }
  for (const c of cases) knownCases.byId.set(c.id, c);
}

/** Settles when no prediction is being answered. */
async function predictionsIdle(): Promise<void> {
  while (serving) await serving;
}

/** Frees the models of the previous experiment once no prediction uses them. */
async function releaseLast(): Promise<void> {
  await predictionsIdle();
  const old = last;
  last = null;
  old?.ex.dispose();
}

/** Frees the models loaded from stored weights (only between predictions: see predictionsIdle). */
function releaseStored(): void {
  for (const t of stored?.trainers.values() ?? []) t.dispose({ model: true });
  stored = null;
}

/** Answers queued predictions one after the other; during training only between steps. */
function servePredictions(): Promise<void> {
  if (serving) return serving;
  if (predictJobs.length === 0) return Promise.resolve();
  const work = (async () => {
    try {
      while (predictJobs.length) await servePrediction(predictJobs.shift()!);
    } finally {
      serving = null;
    }
  })();
  serving = work;
  return work;
}

async function storedTrainer(experimentId: string, run: string, samples: PreparedSample[]): Promise<Trainer> {
  if (stored?.experimentId !== experimentId) {
    releaseStored();
    const record = await (await store())?.get(experimentId);
    if (!record) throw new Error(`experiment ${experimentId} is not stored in this browser`);
    stored = { experimentId, request: record.request, trainers: new Map() };
  }
  const have = stored.trainers.get(run);
  if (have) return have;
  const w = await (await store())?.getWeights(experimentId, run);
  if (!w) throw new Error('no weights are stored for this run (a run keeps its best weights when it ends)');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: w.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: w.weightSpecs as tf.io.WeightsManifestEntry[], weightData: w.weightData }),
  );
  try {
    const t = new Trainer(model, createLoss('crossEntropy'), { train: samples, validation: [] }, trainingConfig({ augmentation: null }));
    stored.trainers.set(run, t);
    return t;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

async function servePrediction(job: PredictRequest): Promise<void> {
  try {
    if (job.case) rememberCases(job.datasetKey, [job.case]);
    const c = knownCases.key === job.datasetKey ? knownCases.byId.get(job.caseId) : undefined;
    if (!c) {
      post({ type: 'predictionFailed', requestId: job.requestId, message: `case ${job.caseId} is not loaded in the training worker`, missingCase: true });
      return;
    }
    const live = last && last.request.id === job.experimentId ? last : null;
    const request = live?.request ?? (stored?.experimentId === job.experimentId ? stored.request : (await (await store())?.get(job.experimentId))?.request);
    if (!request) throw new Error(`experiment ${job.experimentId} is neither running nor stored in this browser`);
    const { inputWidth, inputHeight } = request.model;
    const samples = prepareCaseSlices(c, job.slices, { channels: request.dataset.channels, inputWidth, inputHeight, cache: normalizedVolume });
    const results: RunPrediction[] = [];
    const failed: { run: string; message: string }[] = [];
    const snapshot = live?.ex.snapshot();
    for (const run of job.runs) {
      try {
        if (live && live.ex.runIds.includes(run)) {
          const h = snapshot?.runs.find((r) => r.id === run);
          const labels = await predictPrepared(live.ex.trainer(run), samples, request.dataset.numClasses);
          results.push({ run, labels, epochs: h?.epochs.length ?? 0, weights: h?.test ? 'best' : 'current' });
        } else {
          const labels = await predictPrepared(await storedTrainer(job.experimentId, run, samples), samples, request.dataset.numClasses);
          const record = await (await store())?.get(job.experimentId);
          results.push({ run, labels, epochs: record?.snapshot?.runs.find((r) => r.id === run)?.epochs.length ?? 0, weights: 'best' });
        }
      } catch (e) {
        failed.push({ run, message: message(e) });
      }
    }
    post({ type: 'prediction', requestId: job.requestId, results, failed });
  } catch (e) {
    post({ type: 'predictionFailed', requestId: job.requestId, message: message(e) });
  }
}

/** Settles when the backend chosen by the last 'init' is in place; 'start' waits for it. */
let backendReady: Promise<void> = Promise.resolve();

/** A lost WebGPU device (driver reset, GPU removed) ends the run with a message; results are kept. */
function watchDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  void device?.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    post({ type: 'error', message: `The GPU device was lost (${info.message || info.reason}): training stops; the finished epochs are kept. Reload to start the GPU again.` });
    experiment?.stop();
  });
}

async function init(backend: BackendName | 'auto'): Promise<void> {
  try {
    if (backend === 'auto') {
      const { info, skipped } = await chooseBackend(BACKEND_ORDER);
      if (info.name === 'webgpu') watchDevice();
      post({ type: 'ready', backend: info, skipped });
    } else {
      const r = await switchBackend(backend);
      if (r.ok && r.info.name === 'webgpu') watchDevice();
      if (r.ok) post({ type: 'ready', backend: r.info, skipped: [] });
      else post({ type: 'backendFailed', message: `${r.name}: ${r.reason}` });
    }
  } catch (e) {
    post({ type: 'backendFailed', message: message(e) });
  }
}

/** Sends the stored experiments, and the records that fail validation, to the page. */
async function postList(s: ExperimentStore | null): Promise<void> {
  const { experiments, broken } = s ? await s.list() : { experiments: [], broken: [] };
  post({ type: 'experiments', list: experiments, broken });
}

scope.onmessage = async (ev: MessageEvent<TrainingCommand>) => {
  const cmd = ev.data;
  try {
    switch (cmd.type) {
      case 'init':
        backendReady = init(cmd.backend);
        await backendReady;
        return;
      case 'start':
        await backendReady;
        rememberCases(cmd.datasetKey, cmd.cases);
        await run(cmd.request, cmd.cases);
        return;
      case 'resume':
        await backendReady;
        rememberCases(cmd.datasetKey, cmd.cases);
        await resume(cmd.id, cmd.cases);
        return;
      case 'stop':
        if (experiment) experiment.stop();
        else if (starting) stopWhenStarted = true;
        return;
      case 'predict': {
        await backendReady;
        predictJobs.push(cmd);
        // While training, the experiment answers them between steps (see experimentOptions).
        if (!experiment) await servePredictions();
        return;
      }
      case 'list':
        await postList(await store());
        return;
      case 'exportExperiment': {
        const s = await store();
        const record = await s?.get(cmd.id);
        if (!s || !record) throw new Error(`experiment ${cmd.id} is not stored in this browser`);
        const weights: ExperimentFile['weights'] = {};
        for (const run of record.savedWeights) {
          const w = await s.getWeights(cmd.id, run);
          if (w) weights[run] = w;
        }
        post({ type: 'experimentFile', file: { format: 'segmentation-studio-experiment', version: 1, record, weights } });
        return;
      }
      case 'importExperiment': {
        const s = await store();
        if (!s) throw new Error('experiments cannot be stored in this browser');
        let f: ExperimentFile;
        try {
          f = validateExperimentFile(cmd.file);
        } catch (e) {
          throw new Error(`the experiment file was not imported: ${message(e)}`, { cause: e });
        }
        const record: StoredExperiment = { ...f.record, status: f.record.status === 'running' ? 'interrupted' : f.record.status, savedWeights: Object.keys(f.weights) };
        // Models loaded from this experiment's old weights must not answer for the new ones.
        await predictionsIdle();
        if (stored?.experimentId === record.id) releaseStored();
        // The weights first: the record then names only weights that are stored.
        for (const [run, w] of Object.entries(f.weights)) await s.saveWeights(record.id, run, w);
        await s.save(record);
        await postList(s);
        return;
      }
      case 'exportModel': {
        const s = await store();
        const w = await s?.getWeights(cmd.id, cmd.run);
        if (!w) throw new Error(`no stored weights for run ${cmd.run} of experiment ${cmd.id} (a run keeps its weights when it ends)`);
        post({ type: 'modelFiles', name: `${cmd.id}-${cmd.run}`, model: w });
        return;
      }
      case 'infer':
        await backendReady;
        try {
          post({ type: 'inference', name: cmd.name, perCase: await infer(cmd.model, cmd.cases, cmd.numClasses) });
        } catch (e) {
          post({ type: 'inferenceFailed', name: cmd.name, message: message(e) });
        }
        return;
      case 'remove': {
        const s = await store();
        await predictionsIdle();
        if (stored?.experimentId === cmd.id) releaseStored();
        await s?.remove(cmd.id);
        await postList(s);
        return;
      }
    }
  } catch (e) {
    post({ type: 'error', message: message(e) });
  }
};
