/// <reference lib="webworker" />
/**
 * Training worker: the page's commands dispatched to the engine (core/engine: training,
 * predictions, stored experiments, the step-time probe), plus what only a worker can do: it
 * starts the tfjs backend explicitly (backend.ts) and, in automatic mode, times the backends on
 * each new model before it trains and switches to the fastest (backendChoice.ts); it watches the
 * WebGPU device for loss, keeps experiments in IndexedDB (experimentStore.ts), lets messages in
 * between training steps, and posts the engine's events to the page. Tensors never leave this
 * worker.
 */
import * as tf from '@tensorflow/tfjs';
import { createEngine } from '../core/engine/engine';
import { probeStepTime } from '../core/engine/probe';
import { chooseBackend, switchBackend, BACKEND_ORDER, type BackendName } from './backend';
import { chooseFastestBackend } from './backendChoice';
import { ExperimentStore } from './experimentStore';
import type { TrainingCommand, TrainingEvent } from './trainingProtocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: TrainingEvent) => scope.postMessage(e);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Lets queued messages (stop, predict) in between steps; a MessageChannel avoids setTimeout's 4 ms clamp. */
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
/** IndexedDB, opened once; without it experiments train and predict but are not kept. */
function store(): Promise<ExperimentStore | null> {
  storePromise ??= ExperimentStore.open().catch((e: unknown) => {
    post({ type: 'error', message: `Experiments cannot be kept across reloads: ${message(e)}` });
    return null;
  });
  return storePromise;
}

const engine = createEngine({ store, emit: post, yieldNow });

/** Settles when the backend chosen by the last 'init' is in place; commands that compute wait for it. */
let backendReady: Promise<void> = Promise.resolve();

/** The backend asked for by the last 'init'; 'auto' measures the backends at each new model's start. */
let mode: BackendName | 'auto' = 'auto';
/** The model (probeKey) the automatic choice was last measured on, and the backend it chose. */
let measuredFor: { key: string; backend: BackendName } | null = null;
const watched = new WeakSet<GPUDevice>();
/** A 'stop' that came while the backends were being measured for a 'start': the experiment stops as soon as it is built. */
let measuring = false;
let stopAfterMeasuring = false;

/** A lost WebGPU device (driver reset, GPU removed) ends the run with a message; results are kept. */
function watchDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    post({ type: 'error', message: `The GPU device was lost (${info.message || info.reason}): training stops; the finished epochs are kept. Reload to start the GPU again.` });
    engine.training.stop();
  });
}

async function init(backend: BackendName | 'auto'): Promise<void> {
  mode = backend;
  measuredFor = null;
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

/**
 * In automatic mode, before a model trains: the backends timed on it (backendChoice.ts) and the
 * fastest switched to, once per model (`key`, the page's probeKey of the request).
 */
async function chooseForModel(request: Parameters<typeof probeStepTime>[0], key: string): Promise<void> {
  if (mode !== 'auto' || measuredFor?.key === key) return;
  post({ type: 'backendMeasuring' });
  const choice = await chooseFastestBackend(request, BACKEND_ORDER, { switchTo: switchBackend, probe: probeStepTime });
  if (choice.info.name === 'webgpu') watchDevice();
  measuredFor = { key, backend: choice.info.name };
  post({ type: 'ready', backend: choice.info, skipped: choice.skipped, measurements: choice.measurements });
}

async function postList(): Promise<void> {
  const { experiments, broken } = await engine.experiments.list();
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
        measuring = true;
        stopAfterMeasuring = false;
        try {
          await chooseForModel(cmd.request, cmd.modelKey);
        } catch (e) {
          post({ type: 'error', message: `The backends could not be measured (${message(e)}); training on ${tf.getBackend()}.` });
        } finally {
          measuring = false;
        }
        engine.predictions.rememberCases(cmd.datasetKey, cmd.cases);
        {
          // start() marks the experiment as starting before it awaits anything, so a stop asked
          // for while measuring ends it once built, with the usual 'ended' (stopped) event.
          const started = engine.training.start(cmd.request, cmd.cases);
          if (stopAfterMeasuring) engine.training.stop();
          await started;
        }
        return;
      case 'resume':
        await backendReady;
        engine.predictions.rememberCases(cmd.datasetKey, cmd.cases);
        await engine.training.resume(cmd.id, cmd.cases);
        return;
      case 'stop':
        if (measuring) stopAfterMeasuring = true;
        engine.training.stop();
        return;
      case 'predict': {
        await backendReady;
        if (cmd.case) engine.predictions.rememberCases(cmd.datasetKey, [cmd.case]);
        const c = engine.predictions.knownCase(cmd.datasetKey, cmd.caseId);
        if (!c) {
          post({ type: 'predictionFailed', requestId: cmd.requestId, message: `case ${cmd.caseId} is not loaded in the training worker`, missingCase: true });
          return;
        }
        // While training, the engine answers between steps.
        try {
          const r = await engine.predictions.predict({ experimentId: cmd.experimentId, runs: cmd.runs, case: c, slices: cmd.slices });
          post({ type: 'prediction', requestId: cmd.requestId, results: r.results, failed: r.failed });
        } catch (e) {
          post({ type: 'predictionFailed', requestId: cmd.requestId, message: message(e) });
        }
        return;
      }
      case 'list':
        await postList();
        return;
      case 'exportExperiment':
        post({ type: 'experimentFile', file: await engine.experiments.exportExperiment(cmd.id) });
        return;
      case 'importExperiment':
        await engine.experiments.importExperiment(cmd.file);
        await postList();
        return;
      case 'exportModel':
        post({ type: 'modelFiles', name: `${cmd.id}-${cmd.run}`, model: await engine.experiments.exportModel(cmd.id, cmd.run) });
        return;
      case 'infer':
        await backendReady;
        try {
          post({ type: 'inference', name: cmd.name, perCase: await engine.predictions.infer(cmd.model, cmd.cases, cmd.numClasses) });
        } catch (e) {
          post({ type: 'inferenceFailed', name: cmd.name, message: message(e) });
        }
        return;
      case 'probe':
        await backendReady;
        try {
          post({ type: 'probe', key: cmd.key, result: await probeStepTime(cmd.request) });
        } catch (e) {
          post({ type: 'probeFailed', key: cmd.key, message: message(e) });
        }
        return;
      case 'remove':
        await engine.experiments.remove(cmd.id);
        await postList();
        return;
    }
  } catch (e) {
    post({ type: 'error', message: message(e) });
  }
};
