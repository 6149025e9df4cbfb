/**
 * `segstudio train`: the experiment the studio's configuration link describes, trained headless
 * on a dataset folder or zip with the studio's own readers, pairing, label mapping and split, by
 * the same engine the browser's worker drives (core/engine). The result is an experiment file
 * in the studio's export format (Train & compare → Import). Progress goes to stderr.
 *
 * Resuming: the engine keeps its record, best weights and epoch checkpoints in `OUT.state/`
 * (FileStore) while it trains; with --resume a run interrupted (a Slurm task killed, a machine
 * restarted) continues from its last finished epoch, and a finished one is not trained again.
 * The state folder is removed once the experiment file is written.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadDataset } from '../core/data/dataset';
import { classValues } from '../core/data/labels';
import { splitCases, type DatasetSplit } from '../core/data/split';
import type { Case } from '../core/data/types';
import { readConfigLink, ConfigLinkError } from '../core/engine/configLink';
import { settingsProblems, type StudioConfiguration, type TrainingSettings } from '../core/engine/configuration';
import { createEngine, type Engine } from '../core/engine/engine';
import { buildExperimentRequest, ConfigurationError, describeDataset } from '../core/engine/experimentRequest';
import { experimentFromJson, experimentToJson } from '../core/io/modelFiles';
import { joinSlices, predictionFile } from '../core/io/predictionFiles';
import { isLossId, type LossId } from '../core/losses/registry';
import { resolveRunSpecs } from '../core/training/experiment';
import { resolutionOf, validateExperimentFile, validateStoredExperiment, type ExperimentFile, type ExperimentRequest } from '../core/training/experimentFile';
import { RESOLUTIONS } from '../core/training/config';
import { imageSizes, resolutionReport, spacingReport } from '../core/engine/resolution';
import { datasetShape, proposePlan, requestDeviceProblems, type Proposal } from '../core/engine/planner';
import { experimentTime, probeStepTime } from '../core/engine/probe';
import { intFlag, UsageError, type CommandSpec, type Parsed } from './args';
import { startBackend, type NodeBackend } from './backend';
import { FileStore } from './fileStore';
import { inputFilesFrom } from './nodeFiles';
import { ProgressReporter, type Output } from './progress';

export const TRAIN: CommandSpec = {
  summary: 'Trains the experiment of a configuration link on a dataset and writes an experiment file the studio imports.',
  flags: {
    data: { value: 'DIR|ZIP', required: true, help: 'the dataset: a folder or zip, read as a drop onto the Data view reads it' },
    config: { value: 'LINK|FILE', required: true, help: 'the studio’s configuration link (URL, #/train?… or query), or a file holding it' },
    out: { value: 'FILE', required: true, help: 'the experiment file to write (.experiment.json)' },
    backend: { value: 'cpu|webgpu', help: 'tfjs backend (default cpu); webgpu runs on Dawn and never falls back' },
    runs: { value: 'LIST', help: 'train only these runs: indices from 0 or run ids, comma-separated' },
    predictions: { value: 'DIR', help: 'write each test case’s predicted mask (NIfTI in the source geometry, or PNG) per run' },
    losses: { value: 'LIST', help: 'override the link’s losses (loss ids, comma-separated)' },
    'max-epochs': { value: 'N', help: 'override the epoch limit' },
    'steps-per-epoch': { value: 'N', help: 'override the steps per epoch (0: one pass)' },
    'max-steps': { value: 'N', help: 'override the step budget of a run (0: none)' },
    seed: { value: 'N', help: 'override the training seed (initial weights, sample order, augmentation)' },
    seeds: { value: 'N', help: 'repeat every loss over N training seeds (seed, seed+1, …; 1…10)' },
    folds: { value: 'K', help: 'repeat every loss over K folds of the development set (1…10; test cases stay)' },
    dims: { value: '2|3', help: 'override the model: 2 (a 2D U-Net on images and axial slices) or 3 (a 3D U-Net on 3D patches of volumes)' },
    patch: { value: 'WxH|WxHxD', help: 'override the patch (model input) size: width×height, and ×slices for 3D (e.g. 160x160x80)' },
    spacing: { value: 'X,Y,Z|own', help: 'override the spacing in mm 3D volumes are resampled to (own: each at its own)' },
    memory: { value: 'MiB', help: 'override the memory budget of a training step (the planner’s; a larger plan is refused)' },
    plan: { help: 'use the planner’s proposal for this dataset and backend (2D or 3D, patch, depth, filters, spacing); flags still override it' },
    resolution: { value: 'native|fit', help: 'override the resolution: native (patches of the input size, sliding windows; nothing resized) or fit (images resized to the input, the quick look)' },
    'split-seed': { value: 'N', help: 'override the seed of the train/validation/test split (default: the link’s split key, else 1 as the studio)' },
    request: { value: 'FILE', help: 'train this experiment request (written by segstudio sweep) instead of building one' },
    resume: { help: 'continue from OUT.state/ if an earlier run was interrupted; a finished OUT is kept' },
    force: { help: 'overwrite --out and --predictions' },
  },
};

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The link itself, or the contents of the file it names. */
export async function configText(value: string): Promise<string> {
  if (existsSync(value)) return (await readFile(value, 'utf8')).trim();
  if (/^[\w./-]+\.(txt|link|url)$/i.test(value)) throw new UsageError(`--config ${value}: no such file`, 'train');
  return value;
}

/** Flags that change the link's configuration (none may go with --request, which fixes the experiment). */
const OVERRIDE_FLAGS = ['losses', 'max-epochs', 'steps-per-epoch', 'max-steps', 'seed', 'seeds', 'folds', 'resolution', 'dims', 'patch', 'spacing', 'plan', 'split-seed'] as const;

/** The link's configuration with the flags' overrides applied and checked. */
export function configurationFrom(p: Parsed, text: string): StudioConfiguration {
  let configuration: StudioConfiguration;
  try {
    configuration = readConfigLink(text);
  } catch (e) {
    if (e instanceof ConfigLinkError) throw new UsageError(`--config: ${e.message}`, 'train');
    throw e;
  }
  // With --plan the flags apply after the proposal (train), so that they override it.
  if (!p.flags.has('plan')) applyOverrides(p, configuration.settings);
  return configuration;
}

/** The planner's proposal as settings: dimensionality, patch, depth, filters, batch, spacing, native resolution. */
export function applyProposal(s: TrainingSettings, plan: Proposal): void {
  s.dims = plan.dims;
  s.resolution = 'native';
  s.inputWidth = plan.patch.width;
  s.inputHeight = plan.patch.height;
  if (plan.dims === 3) s.inputDepth = plan.patch.depth;
  s.depth = plan.depth;
  s.baseFilters = plan.baseFilters;
  s.batchSize = plan.batchSize;
  s.spacing = plan.spacing;
}

/**
 * --plan: the planner's proposal for this dataset, its memory estimated for `backend` (device
 * limits are checked once the backend runs), then the flags given, which override it.
 */
export function applyPlanFlag(p: Parsed, configuration: StudioConfiguration, loaded: { cases: readonly Case[]; mapping: { numClasses: number } }, backend: string, err: Output): void {
  if (!p.flags.has('plan')) return;
  const proposal = proposePlan(datasetShape(loaded.cases, loaded.mapping.numClasses), { memoryBudget: configuration.settings.memoryBudget * 2 ** 20, backend });
  for (const r of proposal.reasons) err.write(`plan: ${r}\n`);
  applyProposal(configuration.settings, proposal);
  applyOverrides(p, configuration.settings);
}

/** The flags that set single fields, applied to `s` and checked with the settings' own rules. */
export function applyOverrides(p: Parsed, s: TrainingSettings): void {
  const losses = p.flags.get('losses');
  if (losses !== undefined) {
    const ids = losses.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = ids.filter((x) => !isLossId(x));
    if (bad.length || !ids.length) throw new UsageError(`--losses: ${bad.length ? `unknown loss ${bad.map((b) => `"${b.slice(0, 40)}"`).join(', ')}` : 'no loss given'}`, 'train');
    s.losses = ids as LossId[];
  }
  if (p.flags.has('max-epochs')) s.maxEpochs = intFlag(p, 'max-epochs', s.maxEpochs);
  if (p.flags.has('steps-per-epoch')) s.stepsPerEpoch = intFlag(p, 'steps-per-epoch', s.stepsPerEpoch, 0);
  if (p.flags.has('max-steps')) s.maxSteps = intFlag(p, 'max-steps', s.maxSteps, 0);
  if (p.flags.has('seed')) s.seed = intFlag(p, 'seed', s.seed, 0, 2 ** 31 - 1);
  if (p.flags.has('seeds')) s.seeds = intFlag(p, 'seeds', s.seeds, 1, 10);
  if (p.flags.has('folds')) s.folds = intFlag(p, 'folds', s.folds, 1, 10);
  const resolution = p.flags.get('resolution');
  if (resolution !== undefined) {
    const r = RESOLUTIONS.find((x) => x === resolution);
    if (!r) throw new UsageError(`--resolution: must be ${RESOLUTIONS.join(' or ')}, got "${resolution.slice(0, 40)}"`, 'train');
    s.resolution = r;
  }
  const dims = p.flags.get('dims');
  if (dims !== undefined) {
    if (dims !== '2' && dims !== '3') throw new UsageError(`--dims: must be 2 or 3, got "${dims.slice(0, 40)}"`, 'train');
    s.dims = dims === '3' ? 3 : 2;
  }
  const patch = p.flags.get('patch');
  if (patch !== undefined) {
    const sides = patch.split(/[x×]/).map((x) => (/^\d+$/.test(x.trim()) ? Number(x) : NaN));
    if (sides.length < 2 || sides.length > 3 || sides.some((v) => !Number.isSafeInteger(v))) throw new UsageError(`--patch: must be WxH or WxHxD in voxels, got "${patch.slice(0, 40)}"`, 'train');
    if (sides.length === 3 && s.dims !== 3) throw new UsageError(`--patch ${patch}: a patch of three sides needs --dims 3 (or dims=3 in the link)`, 'train');
    s.inputWidth = sides[0]!;
    s.inputHeight = sides[1]!;
    if (sides.length === 3) s.inputDepth = sides[2]!;
  }
  const spacing = p.flags.get('spacing');
  if (spacing !== undefined) {
    if (spacing === 'own') s.spacing = null;
    else {
      const v = spacing.split(',').map((x) => Number(x.trim()));
      if (v.length !== 3 || v.some((x) => !Number.isFinite(x) || x <= 0 || x > 100)) throw new UsageError(`--spacing: must be own or x,y,z in mm (each more than 0, at most 100), got "${spacing.slice(0, 40)}"`, 'train');
      s.spacing = [v[0]!, v[1]!, v[2]!];
    }
  }
  if (p.flags.has('memory')) s.memoryBudget = intFlag(p, 'memory', s.memoryBudget, 64, 1_048_576);
  const problems = settingsProblems(s);
  if (problems.length) throw new UsageError(`the configuration: ${problems.join('; ')}`, 'train');
}

/** An experiment request read from a file and checked as an imported experiment's is; errors name the file. */
async function readRequest(path: string, prefix = ''): Promise<ExperimentRequest> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as ExperimentRequest;
    const id = typeof parsed === 'object' && parsed !== null && typeof parsed.id === 'string' ? parsed.id : '';
    return validateStoredExperiment({ id, request: parsed, status: 'running', updatedAt: new Date(0).toISOString(), snapshot: null, savedWeights: [] }, 'the request').request;
  } catch (e) {
    throw new Error(`${prefix}${path}: ${errorText(e)}`, { cause: e });
  }
}

/** The split seed: --split-seed, else the link's `split` key, else the studio's default 1. */
export function splitSeedOf(p: Parsed, configuration: StudioConfiguration): number {
  return intFlag(p, 'split-seed', configuration.splitSeed ?? 1, 0, 2 ** 31 - 1);
}

/** The runs named by --runs (indices or ids), in the request's order; every name must match. */
export function selectRuns(request: ExperimentRequest, list: string | undefined): ExperimentRequest['runs'] {
  if (list === undefined) return request.runs;
  const names = list.split(',').map((x) => x.trim()).filter(Boolean);
  const chosen = new Set<number>();
  for (const n of names) {
    const byIndex = /^\d+$/.test(n) ? Number(n) : -1;
    const i = byIndex >= 0 ? byIndex : request.runs.findIndex((r) => r.id === n);
    if (i < 0 || i >= request.runs.length) {
      throw new UsageError(`--runs: no run "${n.slice(0, 40)}" (the experiment has ${request.runs.length}: ${request.runs.map((r, k) => `${k} ${r.id}`).join(', ')})`, 'train');
    }
    chosen.add(i);
  }
  return request.runs.filter((_, i) => chosen.has(i));
}

/** Explicit run ids and labels (replicate fields kept), so that every host and every task names runs alike. */
export function withRunIds(request: ExperimentRequest): ExperimentRequest {
  return { ...request, runs: resolveRunSpecs(request.runs) };
}

async function writeFileMaking(path: string, bytes: string | Uint8Array): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, bytes);
}

/** Each test case's predicted mask by each trained run, in the source geometry. */
async function writePredictions(engine: Engine, file: ExperimentFile, cases: readonly Case[], dir: string, numClasses: number, values: readonly number[] | null, err: Output): Promise<number> {
  const byId = new Map(cases.map((c) => [c.id, c]));
  let written = 0;
  for (const run of file.record.snapshot?.runs ?? []) {
    if (!run.test) continue;
    for (const id of file.record.request.split.test) {
      const c = byId.get(id);
      if (!c) continue;
      const slices = Array.from({ length: c.image.dims[2] }, (_, k) => k);
      const r = await engine.predictions.predict({ experimentId: file.record.id, runs: [run.id], case: c, slices });
      const labels = r.results[0]?.labels;
      if (!labels) {
        err.write(`predictions: ${run.id} on ${id}: ${r.failed[0]?.message ?? 'no prediction'}\n`);
        continue;
      }
      const f = predictionFile(c.image, joinSlices(labels, c.image.dims), id, { numClasses, classValues: values });
      await writeFileMaking(join(dir, run.id, f.name), f.bytes);
      written++;
    }
  }
  return written;
}

export async function train(p: Parsed, err: Output = process.stderr): Promise<number> {
  const out = p.flags.get('out') as string;
  const state = `${out}.state`;
  const resume = p.flags.has('resume');
  const force = p.flags.has('force');
  const backendFlag = p.flags.get('backend') ?? 'cpu';
  if (backendFlag !== 'cpu' && backendFlag !== 'webgpu') throw new UsageError(`--backend must be cpu or webgpu, got "${backendFlag.slice(0, 40)}"`, 'train');
  const backendName: NodeBackend = backendFlag;
  if (existsSync(out) && !force) {
    if (!resume) throw new UsageError(`${out} exists: add --force to overwrite it (or --resume to keep it when finished)`, 'train');
    try {
      const done = validateExperimentFile(experimentFromJson(await readFile(out, 'utf8')));
      if (done.record.status === 'finished') {
        err.write(`${out}: already finished (${done.record.snapshot?.runs.length ?? 0} runs); nothing to train\n`);
        return 0;
      }
    } catch (e) {
      throw new Error(`${out} exists but is not a readable experiment file (${errorText(e)}): add --force to overwrite it`, { cause: e });
    }
  }
  const predictionsDir = p.flags.get('predictions');
  if (predictionsDir && existsSync(predictionsDir) && !force && !resume) throw new UsageError(`${predictionsDir} exists: add --force to write into it`, 'train');
  const text = await configText(p.flags.get('config') as string);
  const configuration = configurationFrom(p, text);
  const splitSeed = splitSeedOf(p, configuration);

  // The dataset, read as a drop reads it; every bad file is named on stderr, the rest is used.
  const data = p.flags.get('data') as string;
  err.write(`reading ${data}…\n`);
  const loaded = await loadDataset(await inputFilesFrom(data), { onProgress: (done, total) => err.isTTY && err.write(`\rreading cases ${Math.floor(done)}/${total}\x1b[K`) });
  if (err.isTTY) err.write('\r\x1b[K');
  for (const i of loaded.issues) err.write(`${i.severity === 'error' ? 'skipped' : 'note'}: ${i.file}: ${i.message}\n`);
  if (!loaded.cases.length) throw new Error(`${data}: no case could be loaded (see the messages above)`);
  err.write(`${loaded.cases.length} cases (${loaded.pairing.layout}), ${loaded.mapping.numClasses} classes\n`);

  if (!p.flags.has('request') && !resume) applyPlanFlag(p, configuration, loaded, backendName, err);

  const store = new FileStore(state);
  const stored = resume ? (await store.list()).experiments[0] : undefined;
  const fullRequestPath = join(state, 'experiment.request.json');
  let request: ExperimentRequest;
  if (stored) {
    // The whole experiment (the store holds only the runs this process trains).
    request = existsSync(fullRequestPath) ? await readRequest(fullRequestPath) : stored.request;
    err.write(`resuming ${request.id} from ${state}\n`);
  } else if (p.flags.has('request')) {
    const path = p.flags.get('request') as string;
    const ignored = OVERRIDE_FLAGS.filter((f) => p.flags.has(f));
    if (ignored.length) throw new UsageError(`--request fixes the experiment: ${ignored.map((f) => `--${f}`).join(', ')} would have no effect`, 'train');
    request = await readRequest(path, '--request ');
  } else {
    const split = splitCases(loaded.cases, splitSeed);
    const facts = describeDataset(loaded.cases, { numClasses: loaded.mapping.numClasses, origin: 'files', description: loaded.pairing.layout });
    try {
      request = withRunIds(buildExperimentRequest(configuration, facts, { train: split.train, validation: split.validation, test: split.test } satisfies DatasetSplit));
    } catch (e) {
      if (e instanceof ConfigurationError) throw new UsageError(e.message, 'train');
      throw e;
    }
  }
  const have = new Set(loaded.cases.map((c) => c.id));
  const missing = request.dataset.caseIds.filter((id) => !have.has(id));
  if (missing.length) throw new Error(`the experiment needs ${missing.length} cases this dataset does not have (e.g. ${missing.slice(0, 3).join(', ')})`);
  const full = request;
  // Resuming without --runs continues the runs the state was training.
  const runs = stored && !p.flags.has('runs') ? stored.request.runs : selectRuns(full, p.flags.get('runs'));
  const trained: ExperimentRequest = { ...full, runs };
  if (stored) {
    const before = stored.request.runs.map((r) => r.id);
    const now = runs.map((r) => r.id);
    if (before.join('\n') !== now.join('\n')) throw new UsageError(`--resume: ${state} trained the runs ${before.join(', ')}; --runs now names ${now.join(', ')}`, 'train');
  } else {
    await writeFileMaking(fullRequestPath, `${JSON.stringify(full)}\n`);
  }

  // What the experiment does to the images' size, said before anything trains.
  const byId = new Map(loaded.cases.map((c) => [c.id, c]));
  const report = resolutionReport(
    imageSizes(full.dataset.caseIds.flatMap((id) => byId.get(id) ?? [])),
    { width: full.model.inputWidth, height: full.model.inputHeight },
    resolutionOf(full),
  );
  if (full.dims === 3) {
    const m = full.model;
    err.write(`3D U-Net on ${m.inputWidth}×${m.inputHeight}×${m.inputDepth ?? 0} patches (depth ${m.depth}, ${m.baseFilters} base filters)\n`);
    const sr = spacingReport(full.dataset.caseIds.flatMap((id) => byId.get(id) ?? []), full.spacing ?? null);
    err.write(`${sr.summary}\n`);
    for (const l of sr.lines) err.write(`  ${l}\n`);
  } else err.write(`${report.summary}\n`);
  if (report.shrinks) for (const n of report.sizes.filter((x) => x.kind === 'resized')) err.write(`  ${n.text}\n`);

  const backend = await startBackend(backendName);
  err.write(`backend: ${backend.name}${backend.adapter ? ` (${backend.adapter}${backend.software ? ', a software adapter' : ''})` : ''}\n`);
  // Refused before anything trains: a step over the adapter's buffer limits or the memory budget.
  const refusals = requestDeviceProblems(full, {
    ...(p.flags.has('request') || stored ? { memoryBudget: Infinity } : { memoryBudget: configuration.settings.memoryBudget * 2 ** 20 }),
    ...(backend.dawnAdapter?.limits.maxStorageBufferBindingSize ? { maxStorageBufferBindingSize: backend.dawnAdapter.limits.maxStorageBufferBindingSize } : {}),
    ...(backend.dawnAdapter?.limits.maxBufferSize ? { maxBufferSize: backend.dawnAdapter.limits.maxBufferSize } : {}),
    backend: backend.name,
  });
  if (refusals.length) throw new UsageError(`refused before training: ${refusals.join('; ')}`, 'train');
  if (p.flags.has('plan')) {
    // The planner's probe: three timed steps of the experiment's model on this backend.
    const probe = await probeStepTime(full);
    const stepsPerEpoch = full.training.stepsPerEpoch ?? Math.max(1, Math.ceil((full.dims === 3 ? full.split.train.length : full.split.train.reduce((n, id) => n + (byId.get(id)?.image.dims[2] ?? 0), 0)) / (full.training.batchSize ?? 2)));
    err.write(`plan: on ${probe.backend}, ${experimentTime(probe.msPerStep, stepsPerEpoch, full.training.maxEpochs ?? 1, full.runs.length).text}\n`);
  }
  const reporter = new ProgressReporter(
    { runs: runs.map((r) => r.id ?? r.loss), maxEpochs: trained.training.maxEpochs ?? 1, stepsPerEpoch: 0, maxSteps: trained.training.maxSteps ?? 0 },
    err,
  );
  const engine = createEngine({
    store: async () => store,
    emit: (e) => {
      if (e.type === 'started') reporter.setStepsPerEpoch(e.stepsPerEpoch);
      else if (e.type === 'experiment') reporter.event(e.event);
      else if (e.type === 'error') err.write(`warning: ${e.message}\n`);
    },
  });
  const onSignal = () => {
    err.write('\nstopping after the current step (the finished epochs are kept for --resume)…\n');
    engine.training.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const outcome = stored && (await store.getCheckpoint(trained.id)) ? await engine.training.resume(trained.id, loaded.cases) : await engine.training.start(trained, loaded.cases);
    reporter.done();
    const file = await engine.experiments.exportExperiment(trained.id);
    // The file names every run of the experiment (segstudio collect merges the tasks' files).
    file.record.request = full;
    await writeFileMaking(out, experimentToJson(file));
    err.write(`${out}: ${outcome.status}${outcome.message ? ` (${outcome.message})` : ''}, ${file.record.snapshot?.runs.length ?? 0} run(s); ${reporter.summary()} on ${backend.name}\n`);
    if (predictionsDir && outcome.snapshot) {
      const n = await writePredictions(engine, file, loaded.cases, predictionsDir, request.dataset.numClasses, classValues(loaded.mapping.mapping, request.dataset.numClasses), err);
      err.write(`${predictionsDir}: ${n} predicted masks\n`);
    }
    if (outcome.status === 'finished') await rm(state, { recursive: true, force: true });
    return outcome.status === 'finished' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.dispose();
  }
}
