/**
 * Training actions: choose the backend, start and stop experiments, list the stored ones. The
 * training worker does the work; its events update the store, step updates at most 4 times a
 * second so the page stays responsive however fast the GPU steps.
 */
import type { Case } from '../core/data/types';
import { splitCases } from '../core/data/split';
import { buildExperimentRequest, describeDataset, modelChannels } from '../core/engine/experimentRequest';
import type { ExperimentSnapshot } from '../core/training/experiment';
import type { BackendName } from '../worker/backend';
import { TrainingClient, type PredictionResult, type TrainingListener } from '../worker/trainingClient';
import { EXPERIMENT_LIMITS, truncateText, validateExperimentFile } from '../core/training/experimentFile';
import type { ExperimentRequest, PredictRequest } from '../worker/trainingProtocol';
import { experimentFromJson, experimentToJson, modelFromFiles, modelToFiles } from '../core/io/modelFiles';
import { datasetRegistry } from './datasetRegistry';
import { download } from './download';
import { useStudio } from './store';
import { rememberBackend, type TrainingSettings, type TrainingState } from './trainingSlice';
import { imageSizes, type ImageSize } from '../core/engine/resolution';
import { datasetProblems, datasetShape, proposePlan, requestDeviceProblems, type Proposal } from '../core/engine/planner';

const client = new TrainingClient();

function patch(p: Partial<TrainingState> | ((t: TrainingState) => Partial<TrainingState>)) {
  useStudio.setState((s) => ({ training: { ...s.training, ...(typeof p === 'function' ? p(s.training) : p) } }));
}

// Step events are frequent: count them here and flush to the store on a timer.
let pendingSteps = 0;
let pendingPosition: { run: string; epoch: number; step: number } | null = null;
let flushTimer: ReturnType<typeof setTimeout> | null = null;
function flushSteps() {
  flushTimer = null;
  const steps = pendingSteps;
  const position = pendingPosition;
  pendingSteps = 0;
  patch((t) => (t.live ? { live: { ...t.live, stepsDone: t.live.stepsDone + steps, lastStepAt: performance.now(), position: position ?? t.live.position } } : {}));
}

let pendingSnapshot: { id: string; snapshot: ExperimentSnapshot } | null = null;
let snapshotTimer: ReturnType<typeof setTimeout> | null = null;
function flushSnapshot() {
  snapshotTimer = null;
  const p = pendingSnapshot;
  pendingSnapshot = null;
  if (p) patch((t) => (t.live && t.live.request.id === p.id ? { live: { ...t.live, snapshot: p.snapshot } } : {}));
}

const onEvent: TrainingListener = (e) => {
  switch (e.type) {
    case 'ready':
      patch((t) => ({ backend: e.backend, backendStatus: 'ready', backendMessage: null, skipped: e.skipped, measurements: e.measurements ?? t.measurements }));
      client.list();
      return;
    case 'backendMeasuring':
      patch({ backendStatus: 'measuring' });
      return;
    case 'backendFailed':
      patch({ backend: null, backendStatus: 'failed', backendMessage: e.message });
      return;
    case 'started':
      patch((t) => (t.live ? { live: { ...t.live, snapshot: e.snapshot, stepsPerEpoch: e.stepsPerEpoch, startedAt: performance.now() } } : {}));
      return;
    case 'experiment':
      if (e.event.type === 'step') {
        pendingSteps++;
        pendingPosition = { run: e.event.run, epoch: e.event.epoch, step: e.event.step };
        flushTimer ??= setTimeout(flushSteps, 250);
      }
      return;
    case 'snapshot':
      // Charts, tables and tiles follow the snapshot: at most 4 updates a second, the newest wins.
      pendingSnapshot = { id: e.id, snapshot: e.snapshot };
      snapshotTimer ??= setTimeout(flushSnapshot, 250);
      return;
    case 'ended':
      if (flushTimer) clearTimeout(flushTimer);
      flushSteps();
      if (snapshotTimer) clearTimeout(snapshotTimer);
      flushSnapshot();
      patch((t) => ({
        live: t.live && t.live.request.id === e.id ? { ...t.live, status: e.status, snapshot: e.snapshot ?? t.live.snapshot, ...(e.message ? { message: e.message } : {}) } : t.live,
        error: e.status === 'failed' ? (e.message ?? 'training failed') : t.error,
      }));
      client.list();
      return;
    case 'experiments':
      patch({ experiments: e.list, brokenExperiments: e.broken });
      return;
    case 'experimentFile':
      download(`${e.file.record.id}.experiment.json`, new Blob([experimentToJson(e.file)], { type: 'application/json' }));
      return;
    case 'modelFiles': {
      const f = modelToFiles(e.name, e.model);
      download(f.jsonName, new Blob([f.json], { type: 'application/json' }));
      download(f.weightsName, new Blob([f.weights], { type: 'application/octet-stream' }));
      return;
    }
    case 'inference':
      patch({ inference: { name: e.name, status: 'done', perCase: e.perCase } });
      return;
    case 'probe':
      if (useStudio.getState().training.probe?.key === e.key) patch({ probe: { key: e.key, status: 'done', result: e.result } });
      return;
    case 'probeFailed':
      if (useStudio.getState().training.probe?.key === e.key) patch({ probe: { key: e.key, status: 'failed', message: e.message } });
      return;
    case 'inferenceFailed':
      patch({ inference: null, error: `${e.name}: ${e.message}` });
      return;
    case 'error':
      patch({ error: e.message });
      return;
    case 'crashed':
      // The worker is gone: what the page received so far stays; the backend must start again.
      patch((t) => ({
        error: e.message,
        backendStatus: 'failed',
        backendMessage: e.message,
        live: t.live && t.live.status === 'running' ? { ...t.live, status: 'failed', message: e.message } : t.live,
      }));
      return;
  }
};
client.on(onEvent);

/** The page's dataset version: the training worker keeps the cases it was sent under it. */
export function datasetKey(): string {
  return String(useStudio.getState().dataset.version);
}

/**
 * The experiment the Start button trains: the store's configuration (the training settings and
 * the explorer's parameters) on the loaded dataset with its split, built by core/engine exactly
 * as a command line builds it from the same configuration link. Throws with the reason when
 * there is no dataset or the configuration defines no experiment.
 */
export function currentExperimentRequest(opts: { id?: string; createdAt?: Date } = {}): ExperimentRequest {
  const state = useStudio.getState();
  const cases = datasetRegistry.cases();
  const mapping = state.dataset.mapping;
  if (!cases.length || !mapping) throw new Error('Load a dataset first (the Data view), or the synthetic demo.');
  const dataset = describeDataset(cases, { numClasses: mapping.numClasses, origin: state.dataset.origin ?? 'files', description: state.dataset.pairing?.layout ?? '' });
  return buildExperimentRequest({ settings: state.training.settings, params: state.explorer.params }, dataset, splitCases(cases, state.dataset.splitSeed), opts);
}

/**
 * How many development (training + validation) cases the loaded dataset's split has: what K
 * folds redistribute (at least K are needed). Null without a dataset.
 */
export function developmentCaseCount(splitSeed = useStudio.getState().dataset.splitSeed): number | null {
  const cases = datasetRegistry.cases();
  if (!cases.length) return null;
  const split = splitCases(cases, splitSeed);
  return split.train.length + split.validation.length;
}

/** The loaded dataset's cases (read-only; they live outside React in the dataset registry). */
export function datasetCases(): readonly Case[] {
  return datasetRegistry.cases();
}

/** The distinct image (or axial slice) sizes of the loaded dataset, most frequent first; empty without a dataset. */
export function datasetImageSizes(): ImageSize[] {
  return imageSizes(datasetRegistry.cases());
}

/**
 * The planner's proposal for the loaded dataset on the running backend within the settings'
 * memory budget (core/engine/planner.ts); null without a dataset.
 */
export function datasetPlan(memoryBudgetMiB = useStudio.getState().training.settings.memoryBudget): Proposal | null {
  const state = useStudio.getState();
  const cases = datasetRegistry.cases();
  const mapping = state.dataset.mapping;
  if (!cases.length || !mapping) return null;
  const backend = state.training.backend;
  return proposePlan(datasetShape(cases, mapping.numClasses, modelChannels(cases[0]!.image.channels)), {
    memoryBudget: memoryBudgetMiB * 2 ** 20,
    ...(backend?.limits ?? {}),
    ...(backend ? { backend: backend.name } : {}),
  });
}

/** The settings of a proposal: dimensionality, patch, depth, filters, batch, spacing, native resolution. */
export function proposalSettings(plan: Proposal): Partial<TrainingSettings> {
  return {
    dims: plan.dims,
    resolution: 'native',
    inputWidth: plan.patch.width,
    inputHeight: plan.patch.height,
    ...(plan.dims === 3 ? { inputDepth: plan.patch.depth } : {}),
    depth: plan.depth,
    baseFilters: plan.baseFilters,
    batchSize: plan.batchSize,
    spacing: plan.spacing,
  };
}

/**
 * Optimizer steps per epoch of a request on the loaded dataset: its stepsPerEpoch, else one pass
 * over the training samples, ⌈samples / batch⌉ (2-D: the training cases' axial slices, those with
 * foreground when the request trains on those; 3-D: one patch per training volume).
 */
export function plannedStepsPerEpoch(request: ExperimentRequest): number {
  const batch = request.training.batchSize ?? 2;
  if (request.training.stepsPerEpoch) return request.training.stepsPerEpoch;
  const train = new Set(request.split.train);
  const cases = datasetRegistry.cases().filter((c) => train.has(c.id));
  if ((request.dims ?? 2) === 3) return Math.max(1, Math.ceil(cases.length / batch));
  let samples = 0;
  for (const c of cases) {
    const [w, h, d] = c.image.dims;
    if (request.training.slices !== 'foreground') samples += d;
    else for (let z = 0; z < d; z++) if (c.labels.subarray(z * w * h, (z + 1) * w * h).some((v) => v > 0)) samples++;
  }
  return Math.max(1, Math.ceil(samples / batch));
}

/** What a probe measured: the model, batch and first loss of a request (not its id, date or split). */
export function probeKey(request: ExperimentRequest): string {
  return JSON.stringify([request.dims ?? 2, request.model, request.training.batchSize, request.dataset.channels, request.dataset.numClasses, request.runs[0]?.loss]);
}

/**
 * Why an experiment request cannot start on the running backend and the loaded dataset: a step
 * over the adapter's buffer limits or the memory budget (core/engine/planner.ts), a 3D model on
 * 2D images. Empty when it can.
 */
export function startProblems(request: ExperimentRequest, settings: Pick<TrainingSettings, 'memoryBudget'> = useStudio.getState().training.settings): string[] {
  const backend = useStudio.getState().training.backend;
  return [
    ...datasetProblems(request.dims ?? 2, datasetRegistry.cases()),
    ...requestDeviceProblems(request, { memoryBudget: settings.memoryBudget * 2 ** 20, ...(backend?.limits ?? {}), ...(backend ? { backend: backend.name } : {}) }),
  ];
}

export const trainingActions = {
  initBackend(forced: BackendName | 'auto' = useStudio.getState().training.forced) {
    patch({ forced, backendStatus: 'starting', backendMessage: null, backend: null, measurements: null });
    rememberBackend(forced);
    client.init(forced);
  },
  setSettings(s: Partial<TrainingSettings>) {
    patch((t) => ({ settings: { ...t.settings, ...s } }));
  },
  /** Starts an experiment on the current dataset with the ticked losses at the explorer's parameters. */
  start() {
    let request: ExperimentRequest;
    try {
      request = currentExperimentRequest();
    } catch (e) {
      patch({ error: e instanceof Error ? e.message : String(e) });
      return;
    }
    // Refused before it starts (no lost device mid-run): the reasons are shown as the error.
    const problems = startProblems(request);
    if (problems.length) {
      patch({ error: `Not started: ${problems.join('; ')}.` });
      return;
    }
    patch({
      error: null,
      viewing: null,
      live: { request, snapshot: null, status: 'running', stepsPerEpoch: 0, startedAt: performance.now(), stepsDone: 0, lastStepAt: performance.now(), position: null },
    });
    client.start(request, datasetRegistry.cases(), datasetKey(), probeKey(request));
  },
  /** Continues a stored experiment where its last finished epoch left it. */
  resume(id: string) {
    const record = useStudio.getState().training.experiments.find((e) => e.id === id);
    if (!record) return;
    const cases = datasetRegistry.cases();
    patch({
      error: null,
      viewing: null,
      live: {
        request: record.request,
        snapshot: record.snapshot,
        status: 'running',
        stepsPerEpoch: 0,
        startedAt: performance.now(),
        stepsDone: 0,
        stepsBefore: record.snapshot?.runs.reduce((sum, r) => sum + r.steps, 0) ?? 0,
        lastStepAt: performance.now(),
        position: null,
      },
    });
    client.resume(id, cases, datasetKey());
  },
  stop() {
    client.stop();
  },
  /** Times three training steps of the current configuration on the running backend (the planner's probe). */
  probe() {
    let request: ExperimentRequest;
    try {
      request = currentExperimentRequest({ id: 'probe', createdAt: new Date(0) });
    } catch (e) {
      patch({ error: e instanceof Error ? e.message : String(e) });
      return;
    }
    const problems = startProblems(request);
    if (problems.length) {
      patch({ error: `Not probed: ${problems.join('; ')}.` });
      return;
    }
    const key = probeKey(request);
    patch({ probe: { key, status: 'running' } });
    client.probe(request, key);
  },
  /** Segmentations of slices of a case by runs of an experiment (live, last or stored); see PredictRequest. */
  predict(request: Omit<PredictRequest, 'requestId' | 'case' | 'datasetKey'>): Promise<PredictionResult> {
    return client.predict({ ...request, datasetKey: datasetKey() }, () => datasetRegistry.cases().find((c) => c.id === request.caseId));
  },
  refresh() {
    client.list();
  },
  remove(id: string) {
    client.remove(id);
  },
  view(id: string | null) {
    patch({ viewing: id });
  },
  dismissError() {
    patch({ error: null });
  },
  exportExperiment(id: string) {
    client.exportExperiment(id);
  },
  /**
   * Reads an experiment file and checks all of it (core/training/experimentFile.ts) before the
   * worker stores it: a refused file changes nothing and its problem is shown as the error.
   */
  async importExperiment(file: File) {
    try {
      if (file.size > EXPERIMENT_LIMITS.fileBytes) {
        throw new Error(`the file has ${file.size} bytes, more than an experiment file may have (${EXPERIMENT_LIMITS.fileBytes})`);
      }
      const checked = validateExperimentFile(experimentFromJson(await file.text()));
      patch({ error: null });
      client.importExperiment(checked);
    } catch (e) {
      patch({ error: `${truncateText(file.name)}: ${e instanceof Error ? e.message : String(e)}` });
    }
  },
  exportModel(id: string, run: string) {
    client.exportModel(id, run);
  },
  /** Runs a model chosen as files (model.json + weights) on every case of the current dataset. */
  async inferWithFiles(files: File[]) {
    const json = files.find((f) => f.name.endsWith('.json'));
    const state = useStudio.getState();
    const mapping = state.dataset.mapping;
    try {
      if (!json) throw new Error('choose the model.json file together with its weights file(s)');
      if (!mapping || !datasetRegistry.cases().length) throw new Error('load a dataset first');
      const weights = new Map<string, ArrayBuffer>();
      for (const f of files) if (f !== json) weights.set(f.name, await f.arrayBuffer());
      const model = modelFromFiles(await json.text(), weights);
      patch({ inference: { name: json.name, status: 'running', perCase: [] }, error: null });
      client.infer(model, json.name, datasetRegistry.cases(), mapping.numClasses);
    } catch (e) {
      patch({ error: `${json?.name ?? 'model'}: ${e instanceof Error ? e.message : String(e)}`, inference: null });
    }
  },
};
