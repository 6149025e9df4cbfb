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
import { Experiment, testMetrics, type ExperimentCheckpoint, type ExperimentOptions, type ExperimentSnapshot } from '../core/training/experiment';
import { prepareSamples } from '../core/training/samples';
import { modelGeometry, Trainer } from '../core/training/trainer';
import { chooseBackend, switchBackend, BACKEND_ORDER, type BackendName } from './backend';
import { ExperimentStore } from './experimentStore';
import type { ExperimentFile, ExperimentRequest, ExperimentStatus, ModelFiles, StoredExperiment, TrainingCommand, TrainingEvent } from './trainingProtocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: TrainingEvent) => scope.postMessage(e);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

let experiment: Experiment | null = null;

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
    yieldToEventLoop: yieldNow,
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
async function run(request: ExperimentRequest, cases: Case[], resumeFrom?: ExperimentCheckpoint) {
  if (experiment) throw new Error('an experiment is already running; stop it first');
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
  experiment = ex;
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
  ex.dispose();
  experiment = null;
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
        await run(cmd.request, cmd.cases);
        return;
      case 'resume':
        await backendReady;
        await resume(cmd.id, cmd.cases);
        return;
      case 'stop':
        experiment?.stop();
        return;
      case 'list': {
        const s = await store();
        post({ type: 'experiments', list: s ? await s.list() : [] });
        return;
      }
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
        const f = cmd.file;
        if (f.format !== 'segmentation-studio-experiment' || f.version !== 1 || !f.record?.id || !f.record.request) {
          throw new Error('not an experiment file of the segmentation studio (format and version 1 expected)');
        }
        const record: StoredExperiment = { ...f.record, status: f.record.status === 'running' ? 'interrupted' : f.record.status, savedWeights: Object.keys(f.weights ?? {}) };
        await s.save(record);
        for (const [run, w] of Object.entries(f.weights ?? {})) await s.saveWeights(record.id, run, w);
        post({ type: 'experiments', list: await s.list() });
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
        await s?.remove(cmd.id);
        post({ type: 'experiments', list: s ? await s.list() : [] });
        return;
      }
    }
  } catch (e) {
    post({ type: 'error', message: message(e) });
  }
};
