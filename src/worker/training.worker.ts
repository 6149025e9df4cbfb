/// <reference lib="webworker" />
/**
 * Training worker: a thin switch over the training commands. It chooses the tfjs backend
 * explicitly, runs an Experiment (core/training) on the cases it is sent, forwards its events,
 * and keeps the history and the best weights in IndexedDB. Tensors never leave this worker.
 */
import * as tf from '@tensorflow/tfjs';
import type { Case } from '../core/data/types';
import { buildUNet } from '../core/model';
import { Experiment, type ExperimentSnapshot } from '../core/training/experiment';
import { chooseBackend, switchBackend, BACKEND_ORDER, type BackendName } from './backend';
import { ExperimentStore } from './experimentStore';
import type { ExperimentRequest, ExperimentStatus, StoredExperiment, TrainingCommand, TrainingEvent } from './trainingProtocol';

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

async function persist(request: ExperimentRequest, status: ExperimentStatus, snapshot: ExperimentSnapshot | null, savedWeights: string[], msg?: string) {
  const s = await store();
  if (!s) return;
  const record: StoredExperiment = { id: request.id, request, status, updatedAt: new Date().toISOString(), snapshot, savedWeights, ...(msg ? { message: msg } : {}) };
  try {
    await s.save(record);
  } catch (e) {
    post({ type: 'error', message: `Could not save the experiment (${message(e)}); results stay on this page until it is closed.` });
  }
}

async function saveWeights(request: ExperimentRequest, ex: Experiment, runId: string): Promise<boolean> {
  const s = await store();
  if (!s) return false;
  try {
    let artifacts: tf.io.ModelArtifacts | null = null;
    await ex.trainer(runId).model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const a = artifacts as tf.io.ModelArtifacts | null;
    if (!a?.weightData) return false;
    const data = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
    await s.saveWeights(request.id, runId, { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: data });
    return true;
  } catch (e) {
    post({ type: 'error', message: `Could not save the weights of ${runId}: ${message(e)}` });
    return false;
  }
}

async function start(request: ExperimentRequest, cases: Case[]) {
  if (experiment) throw new Error('an experiment is already running; stop it first');
  const savedWeights: string[] = [];
  let ex: Experiment;
  try {
    ex = new Experiment({
      createModel: () =>
        buildUNet({ ...request.model, inputChannels: request.dataset.channels, numClasses: request.dataset.numClasses }),
      runs: request.runs,
      cases,
      split: request.split,
      config: request.training,
      scheduling: request.scheduling,
      interleave: request.interleave,
      samples: { channels: request.dataset.channels },
      yieldToEventLoop: yieldNow,
      onEvent: (event) => {
        post({ type: 'experiment', id: request.id, event });
        if (event.type === 'epoch' || event.type === 'testResults' || event.type === 'runDone') {
          const snapshot = ex.snapshot();
          post({ type: 'snapshot', id: request.id, snapshot });
          void persist(request, 'running', snapshot, savedWeights);
        }
        if (event.type === 'runDone') {
          void saveWeights(request, ex, event.run).then((ok) => {
            if (ok) savedWeights.push(event.run);
          });
        }
      },
    });
  } catch (e) {
    post({ type: 'ended', id: request.id, status: 'failed', message: message(e), snapshot: null });
    return;
  }
  experiment = ex;
  const first = ex.snapshot();
  post({ type: 'started', id: request.id, snapshot: first, stepsPerEpoch: ex.trainer(ex.runIds[0] ?? '').stepsPerEpoch });
  await persist(request, 'running', first, savedWeights);
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
  await persist(request, status, snapshot, savedWeights, msg);
  post({ type: 'ended', id: request.id, status, snapshot, ...(msg ? { message: msg } : {}) });
  ex.dispose();
  experiment = null;
}

/** Settles when the backend chosen by the last 'init' is in place; 'start' waits for it. */
let backendReady: Promise<void> = Promise.resolve();

async function init(backend: BackendName | 'auto'): Promise<void> {
  try {
    if (backend === 'auto') {
      const { info, skipped } = await chooseBackend(BACKEND_ORDER);
      post({ type: 'ready', backend: info, skipped });
    } else {
      const r = await switchBackend(backend);
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
        await start(cmd.request, cmd.cases);
        return;
      case 'stop':
        experiment?.stop();
        return;
      case 'list': {
        const s = await store();
        post({ type: 'experiments', list: s ? await s.list() : [] });
        return;
      }
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
