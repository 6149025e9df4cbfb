/**
 * Experiments as data: the record IndexedDB keeps per experiment, the experiment file (that
 * record and the best weights of its runs), and a validator for both. Files come from anywhere
 * and stored records may be damaged or planted, so nothing is trusted until it has been checked
 * field by field against the types below and against size bounds; a refusal names the field
 * path and what is wrong (`record.request.name: expected a string, got an object`), quoting at
 * most {@link ECHO_LIMIT} characters of the input.
 *
 * tfjs-free (types only from the modules that load it): the page, the training worker and a
 * command line can all use it.
 */
import type { AugmentationConfig } from '../data/augment';
import type { DatasetSplit } from '../data/split';
import { isLossId, type LossId, type LossParams, type ParamName, type ParamValue } from '../losses/registry';
import type { UNetConfig } from '../model';
import { RESOLUTIONS, trainingConfigProblems, unknownTrainingFields, withTrainingDefaults, type Resolution, type TrainingConfig } from './config';
import type { CaseResult, EpochRecord, ExperimentSnapshot, InterleaveUnit, RunHistory, Scheduling } from './experiment';
import type { RunSpec } from './runs';

/** Everything that defines an experiment except the data itself (kept with its results). */
export interface ExperimentRequest {
  id: string;
  name: string;
  createdAt: string;
  runs: RunSpec[];
  training: Partial<TrainingConfig>;
  /**
   * Input size (the patch size when the resolution is native), depth, base filters, seed;
   * channels and classes come from the dataset. `inputDepth` (slices of a 3D patch) only with
   * dims 3.
   */
  model: Pick<UNetConfig, 'inputHeight' | 'inputWidth' | 'depth' | 'baseFilters' | 'seed'> & { inputDepth?: number };
  /**
   * The model's dimensionality: 2 (a 2D U-Net on images and axial slices) or 3 (a 3D U-Net on
   * patches of volumes, inferred by 3D sliding windows). Absent in older files: 2.
   */
  dims?: 2 | 3;
  /**
   * dims 3: the voxel spacing in mm [x, y, z] that volumes are resampled to before training
   * (images trilinear, labels nearest; predictions are brought back to each volume's own grid for
   * metrics and export); null or absent: every volume at its own spacing.
   */
  spacing?: [number, number, number] | null;
  /** How images meet the input size (config.ts Resolution). Absent in files written before it existed: 'fit', what they trained. */
  resolution?: Resolution;
  scheduling: Scheduling;
  interleave: InterleaveUnit;
  split: DatasetSplit;
  dataset: { origin: 'demo' | 'files'; description: string; numClasses: number; channels: number; caseIds: string[] };
}

/** The resolution an experiment trains at ('fit' for files written before the field existed). */
export function resolutionOf(request: Pick<ExperimentRequest, 'resolution'>): Resolution {
  return request.resolution ?? 'fit';
}

export type ExperimentStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'interrupted';

/** What IndexedDB keeps per experiment. */
export interface StoredExperiment {
  id: string;
  request: ExperimentRequest;
  status: ExperimentStatus;
  message?: string;
  updatedAt: string;
  snapshot: ExperimentSnapshot | null;
  /** Runs whose final (best) weights are stored. */
  savedWeights: string[];
  /** An epoch checkpoint is stored: the experiment can resume where it stopped. */
  resumable?: boolean;
}

/** tfjs model artifacts as plain data: what model.json and its weights file hold. */
export interface ModelFiles {
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: ArrayBuffer;
}

/** An experiment as a file: its record and the best weights of every run that finished. */
export interface ExperimentFile {
  format: 'segmentation-studio-experiment';
  version: 1;
  record: StoredExperiment;
  weights: Record<string, ModelFiles>;
}

export const EXPERIMENT_FILE_FORMAT = 'segmentation-studio-experiment';
export const EXPERIMENT_FILE_VERSION = 1;

/**
 * Bounds on what a file or a stored record may hold. The studio's own experiments stay far
 * below them (the settings allow at most 1,000 epochs; a γ sweep of both unified losses has 18
 * runs); they keep a hostile file from costing minutes or gigabytes before it is refused.
 */
export const EXPERIMENT_LIMITS = Object.freeze({
  /** Files larger than this are refused before they are read. */
  fileBytes: 1024 ** 3,
  runs: 500,
  epochsPerRun: 10_000,
  /** Training losses read back per run (one every lossReadEvery steps). */
  stepLossesPerRun: 1_000_000,
  /** Case ids in the dataset or one split; test results per run. */
  cases: 100_000,
  /** Per-class scores of one case or epoch (classes 1 … 255). */
  classes: 256,
  weightSpecs: 10_000,
  weightRank: 8,
  /** float32 values in one run's weights (1 GiB). */
  weightValues: 2 ** 28,
  /** Experiment and run ids. */
  idChars: 200,
  /** Names, labels, descriptions, case ids. */
  textChars: 1_000,
  /** Status messages. */
  messageChars: 10_000,
  /** Dates (ISO 8601). */
  dateChars: 100,
});

/** How much of a refused value a message quotes. */
export const ECHO_LIMIT = 80;

/** A refused file or record: `path` names the field, `problem` says what is wrong with it. */
export class ExperimentFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ExperimentFileError';
  }
}

/** `s` cut to `max` characters (an ellipsis marks the cut). */
export function truncateText(s: string, max = ECHO_LIMIT): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return Object.prototype.toString.call(v) === '[object ArrayBuffer]';
}

/** A value as a message shows it: its kind, and short values themselves. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${truncateText(JSON.stringify(v))}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (isArrayBuffer(v)) return `binary data of ${v.byteLength} bytes`;
  if (ArrayBuffer.isView(v)) return 'a typed array';
  if (v instanceof Date) return 'a date object';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

// ---- checks of single values; each returns the value typed or throws ExperimentFileError ----

function fail(path: string, problem: string): never {
  throw new ExperimentFileError(path, problem);
}

function expected(path: string, what: string, v: unknown): never {
  return fail(path, `expected ${what}, got ${describeValue(v)}`);
}

/** The path of a field or an item below `path` (`a.b`, `a[3]`, `a["odd key"]`). */
function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (key.length <= 40 && /^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${truncateText(JSON.stringify(key), 40)}]`;
}

type Fields = Record<string, unknown>;

function object(v: unknown, path: string): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isArrayBuffer(v) || ArrayBuffer.isView(v) || v instanceof Date) expected(path, 'an object', v);
  return v as Fields;
}

function list(v: unknown, path: string, max: number, min = 0): unknown[] {
  if (!Array.isArray(v)) expected(path, 'an array', v);
  if (v.length > max) fail(path, `at most ${max} entries are allowed, got ${v.length}`);
  if (v.length < min) fail(path, `at least ${min} ${min === 1 ? 'entry is' : 'entries are'} needed, got ${v.length}`);
  return v;
}

function text(v: unknown, path: string, max: number = EXPERIMENT_LIMITS.textChars): string {
  if (typeof v !== 'string') expected(path, 'a string', v);
  if (v.length > max) fail(path, `expected at most ${max} characters, got ${v.length}`);
  return v;
}

function id(v: unknown, path: string): string {
  const s = text(v, path, EXPERIMENT_LIMITS.idChars);
  if (s.length === 0) fail(path, 'expected a non-empty id, got an empty string');
  return s;
}

function date(v: unknown, path: string): string {
  const s = text(v, path, EXPERIMENT_LIMITS.dateChars);
  if (!Number.isFinite(Date.parse(s))) expected(path, 'a date and time (ISO 8601)', s);
  return s;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) expected(path, `an integer from ${min} to ${max}`, v);
  return v;
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) expected(path, 'a finite number', v);
  return v;
}

/** A number that may be undefined (NaN, ±∞ and non-finite values are kept as null). */
function finiteOrNull(v: unknown, path: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) expected(path, 'a finite number or null', v);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') expected(path, 'true or false', v);
  return v;
}

function oneOf<T extends string | number>(v: unknown, path: string, values: readonly T[]): T {
  if (!(values as readonly unknown[]).includes(v)) expected(path, values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
  return v as T;
}

function each<T>(items: readonly unknown[], path: string, check: (v: unknown, path: string) => T): T[] {
  return items.map((v, i) => check(v, at(path, i)));
}

function unique(ids: readonly string[], path: string, what: string): void {
  const seen = new Set<string>();
  ids.forEach((x, i) => {
    if (seen.has(x)) fail(at(path, i), `the ${what} ${truncateText(JSON.stringify(x))} appears twice`);
    seen.add(x);
  });
}

// ---- the parts of a record ----

const MAX_COUNT = 1e9;
const MAX_INPUT = 4096;
const PARAM_NAMES: Record<ParamName, true> = { alpha: true, beta: true, gamma: true, delta: true, lambda: true };

function scores(v: unknown, path: string): (number | null)[] {
  return each(list(v, path, EXPERIMENT_LIMITS.classes), path, finiteOrNull);
}

function split(v: unknown, path: string): DatasetSplit {
  const o = object(v, path);
  const names = (k: 'train' | 'validation' | 'test') => each(list(o[k], at(path, k), EXPERIMENT_LIMITS.cases), at(path, k), (x, p) => text(x, p));
  return { train: names('train'), validation: names('validation'), test: names('test') };
}

function paramValue(v: unknown, path: string): ParamValue {
  if (v === null) return null;
  if (Array.isArray(v)) return each(list(v, path, EXPERIMENT_LIMITS.classes), path, finite);
  if (typeof v !== 'number' || !Number.isFinite(v)) expected(path, 'a finite number, an array of numbers or null', v);
  return v;
}

function params(v: unknown, path: string): LossParams {
  const o = object(v, path);
  for (const [k, x] of Object.entries(o)) {
    if (!Object.hasOwn(PARAM_NAMES, k)) fail(at(path, k), `unknown loss parameter (parameters: ${Object.keys(PARAM_NAMES).join(', ')})`);
    paramValue(x, at(path, k));
  }
  return o as LossParams;
}

function loss(v: unknown, path: string): LossId {
  if (typeof v !== 'string' || !isLossId(v)) expected(path, 'the id of a loss of the registry (e.g. "dice")', v);
  return v;
}

function runSpec(v: unknown, path: string): RunSpec {
  const o = object(v, path);
  loss(o.loss, at(path, 'loss'));
  if (o.id !== undefined) id(o.id, at(path, 'id'));
  if (o.params !== undefined) params(o.params, at(path, 'params'));
  if (o.label !== undefined) text(o.label, at(path, 'label'));
  replicate(o, path);
  return o as unknown as RunSpec;
}

/** The replicate fields of a run or its history (runs.ts replicateRuns), all optional. */
function replicate(o: Record<string, unknown>, path: string): void {
  if (o.replicateOf !== undefined) id(o.replicateOf, at(path, 'replicateOf'));
  if (o.seed !== undefined) int(o.seed, at(path, 'seed'), 0, 2 ** 31 - 1);
  if ((o.fold === undefined) !== (o.folds === undefined)) fail(at(path, o.fold === undefined ? 'folds' : 'fold'), 'fold and folds go together');
  if (o.folds !== undefined) {
    const folds = int(o.folds, at(path, 'folds'), 2, 1000);
    int(o.fold, at(path, 'fold'), 1, folds);
  }
}

/** A two-item array (a range, a step and its loss). */
function twoItems(v: unknown, path: string, what: string): [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) expected(path, what, v);
  return v as [unknown, unknown];
}

function pair(v: unknown, path: string): void {
  each(twoItems(v, path, 'a range [low, high]'), path, finite);
}

function augmentation(v: unknown, path: string): AugmentationConfig | null {
  if (v === null) return null;
  const o = object(v, path);
  const part = (k: string, fields: Record<string, (x: unknown, p: string) => unknown>) => {
    const p = at(path, k);
    const po = object(o[k], p);
    for (const [f, check] of Object.entries(fields)) check(po[f], at(p, f));
  };
  part('scale', { probability: finite, range: pair });
  part('rotation', { probability: finite, maxDegrees: finite });
  part('mirror', { probability: finite, horizontal: bool, vertical: bool });
  part('elastic', { probability: finite, alpha: pair, sigma: pair });
  part('brightness', { probability: finite, range: pair });
  return o as unknown as AugmentationConfig;
}

const positive = (v: unknown, p: string) => int(v, p, 1, MAX_COUNT);
const TRAINING_FIELDS: Record<keyof TrainingConfig, (v: unknown, path: string) => unknown> = {
  optimizer: (v, p) => oneOf(v, p, ['sgd', 'adam']),
  learningRate: finite,
  momentum: finite,
  batchSize: positive,
  maxEpochs: (v, p) => int(v, p, 1, EXPERIMENT_LIMITS.epochsPerRun),
  maxSteps: (v, p) => (v === null ? null : positive(v, p)),
  stepsPerEpoch: (v, p) => (v === null ? null : positive(v, p)),
  lrPlateauPatience: positive,
  lrFactor: finite,
  lrPlateauMinDelta: finite,
  minLearningRate: finite,
  earlyStopPatience: positive,
  earlyStopMinDelta: finite,
  lossReadEvery: positive,
  evalBatchSize: positive,
  augmentation,
  foregroundProbability: finite,
  seed: finite,
  slices: (v, p) => oneOf(v, p, ['all', 'foreground']),
  checkpointMetric: (v, p) => oneOf(v, p, ['valLoss', 'valDsc']),
};

/** Fields an older studio did not write: a complete configuration may lack them (they take their defaults). */
const LATER_FIELDS: ReadonlySet<string> = new Set<keyof TrainingConfig>(['maxSteps', 'slices', 'checkpointMetric']);

/**
 * A training configuration: every field (`complete`; those of {@link LATER_FIELDS} may be
 * missing) or any of them, no other field, each of its type, and valid together.
 */
function training(v: unknown, path: string, complete: boolean): Partial<TrainingConfig> {
  const o = object(v, path);
  const unknown = unknownTrainingFields(o);
  if (unknown.length) fail(path, unknown.join('; '));
  for (const [k, check] of Object.entries(TRAINING_FIELDS)) {
    if (o[k] !== undefined || (complete && !LATER_FIELDS.has(k))) check(o[k], at(path, k));
  }
  const problems = trainingConfigProblems(withTrainingDefaults(o) as unknown as TrainingConfig);
  if (problems.length) fail(path, problems.join('; '));
  return o as Partial<TrainingConfig>;
}

function request(v: unknown, path: string, recordId: string): ExperimentRequest {
  const o = object(v, path);
  if (id(o.id, at(path, 'id')) !== recordId) fail(at(path, 'id'), `expected the record's id ${truncateText(JSON.stringify(recordId))}, got ${describeValue(o.id)}`);
  text(o.name, at(path, 'name'));
  date(o.createdAt, at(path, 'createdAt'));
  const runs = each(list(o.runs, at(path, 'runs'), EXPERIMENT_LIMITS.runs, 1), at(path, 'runs'), runSpec);
  unique(
    runs.flatMap((r) => (r.id === undefined ? [] : [r.id])),
    at(path, 'runs'),
    'run id',
  );
  training(o.training, at(path, 'training'), false);
  const model = object(o.model, at(path, 'model'));
  const mp = at(path, 'model');
  int(model.inputHeight, at(mp, 'inputHeight'), 1, MAX_INPUT);
  int(model.inputWidth, at(mp, 'inputWidth'), 1, MAX_INPUT);
  int(model.depth, at(mp, 'depth'), 1, 10);
  int(model.baseFilters, at(mp, 'baseFilters'), 1, 1024);
  finite(model.seed, at(mp, 'seed'));
  if (o.dims !== undefined) oneOf(o.dims, at(path, 'dims'), [2, 3]);
  if (o.dims === 3) {
    int(model.inputDepth, at(mp, 'inputDepth'), 1, MAX_INPUT);
    if (o.resolution === 'fit') fail(at(path, 'resolution'), 'a 3D experiment trains at native resolution (patches of the volumes), not "fit"');
  } else if (model.inputDepth !== undefined) {
    fail(at(mp, 'inputDepth'), 'only a 3D experiment (dims 3) has an input depth');
  }
  if (o.spacing !== undefined && o.spacing !== null) {
    if (o.dims !== 3) fail(at(path, 'spacing'), 'only a 3D experiment (dims 3) resamples to a spacing');
    const sp = list(o.spacing, at(path, 'spacing'), 3, 3);
    sp.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 100) expected(at(at(path, 'spacing'), i), 'a spacing in mm, more than 0 and at most 100', v);
    });
  }
  if (o.resolution !== undefined) oneOf(o.resolution, at(path, 'resolution'), RESOLUTIONS);
  oneOf(o.scheduling, at(path, 'scheduling'), ['interleaved', 'sequential']);
  oneOf(o.interleave, at(path, 'interleave'), ['epoch', 'step']);
  split(o.split, at(path, 'split'));
  const dp = at(path, 'dataset');
  const dataset = object(o.dataset, dp);
  oneOf(dataset.origin, at(dp, 'origin'), ['demo', 'files']);
  text(dataset.description, at(dp, 'description'));
  int(dataset.numClasses, at(dp, 'numClasses'), 2, EXPERIMENT_LIMITS.classes);
  int(dataset.channels, at(dp, 'channels'), 1, 64);
  each(list(dataset.caseIds, at(dp, 'caseIds'), EXPERIMENT_LIMITS.cases), at(dp, 'caseIds'), (x, p) => text(x, p));
  return o as unknown as ExperimentRequest;
}

function epochRecord(v: unknown, path: string): EpochRecord {
  const o = object(v, path);
  int(o.epoch, at(path, 'epoch'), 0, EXPERIMENT_LIMITS.epochsPerRun);
  finiteOrNull(o.trainLoss, at(path, 'trainLoss'));
  finiteOrNull(o.valLoss, at(path, 'valLoss'));
  scores(o.valDsc, at(path, 'valDsc'));
  finite(o.lr, at(path, 'lr'));
  bool(o.improved, at(path, 'improved'));
  return o as unknown as EpochRecord;
}

function caseResult(v: unknown, path: string): CaseResult {
  const o = object(v, path);
  text(o.id, at(path, 'id'));
  for (const k of ['dsc', 'iou', 'precision', 'recall']) scores(o[k], at(path, k));
  return o as unknown as CaseResult;
}

function stepLoss(v: unknown, path: string): void {
  const a = twoItems(v, path, 'a pair [step, loss]');
  int(a[0], at(path, 0), 0, Number.MAX_SAFE_INTEGER);
  finiteOrNull(a[1], at(path, 1));
}

function runHistory(v: unknown, path: string): RunHistory {
  const o = object(v, path);
  id(o.id, at(path, 'id'));
  loss(o.loss, at(path, 'loss'));
  params(o.params, at(path, 'params'));
  text(o.label, at(path, 'label'));
  oneOf(o.status, at(path, 'status'), ['pending', 'running', 'done']);
  if (o.stopReason !== null) oneOf(o.stopReason, at(path, 'stopReason'), ['maxEpochs', 'maxSteps', 'earlyStop', 'stopped']);
  int(o.steps, at(path, 'steps'), 0, Number.MAX_SAFE_INTEGER);
  each(list(o.stepLosses, at(path, 'stepLosses'), EXPERIMENT_LIMITS.stepLossesPerRun), at(path, 'stepLosses'), stepLoss);
  each(list(o.epochs, at(path, 'epochs'), EXPERIMENT_LIMITS.epochsPerRun), at(path, 'epochs'), epochRecord);
  int(o.bestEpoch, at(path, 'bestEpoch'), -1, EXPERIMENT_LIMITS.epochsPerRun);
  finiteOrNull(o.bestValLoss, at(path, 'bestValLoss'));
  if (o.test !== null) each(list(o.test, at(path, 'test'), EXPERIMENT_LIMITS.cases), at(path, 'test'), caseResult);
  replicate(o, path);
  if (o.samples !== undefined) {
    const sp = at(path, 'samples');
    const samples = object(o.samples, sp);
    for (const k of ['train', 'validation']) int(samples[k], at(sp, k), 0, MAX_COUNT);
  }
  return o as unknown as RunHistory;
}

function snapshot(v: unknown, path: string): ExperimentSnapshot | null {
  if (v === null) return null;
  const o = object(v, path);
  oneOf(o.version, at(path, 'version'), [1]);
  training(o.config, at(path, 'config'), true);
  oneOf(o.scheduling, at(path, 'scheduling'), ['interleaved', 'sequential']);
  oneOf(o.interleave, at(path, 'interleave'), ['epoch', 'step']);
  split(o.split, at(path, 'split'));
  int(o.numClasses, at(path, 'numClasses'), 2, EXPERIMENT_LIMITS.classes);
  const ip = at(path, 'input');
  const input = object(o.input, ip);
  int(input.width, at(ip, 'width'), 1, MAX_INPUT);
  int(input.height, at(ip, 'height'), 1, MAX_INPUT);
  if (input.depth !== undefined) int(input.depth, at(ip, 'depth'), 1, MAX_INPUT);
  int(input.channels, at(ip, 'channels'), 1, 64);
  const sp = at(path, 'samples');
  const samples = object(o.samples, sp);
  for (const k of ['train', 'validation', 'test']) int(samples[k], at(sp, k), 0, MAX_COUNT);
  bool(o.stopped, at(path, 'stopped'));
  const runs = each(list(o.runs, at(path, 'runs'), EXPERIMENT_LIMITS.runs), at(path, 'runs'), runHistory);
  unique(
    runs.map((r) => r.id),
    at(path, 'runs'),
    'run id',
  );
  return o as unknown as ExperimentSnapshot;
}

/**
 * A stored experiment checked against {@link StoredExperiment}; throws an
 * {@link ExperimentFileError} naming the first field that is wrong. Returns the same object.
 */
export function validateStoredExperiment(v: unknown, path = 'record'): StoredExperiment {
  const o = object(v, path);
  const recordId = id(o.id, at(path, 'id'));
  // Weights are kept under `${experiment}/${run}`: a slash would let one experiment reach another's.
  if (recordId.includes('/')) fail(at(path, 'id'), `an experiment id may not contain "/", got ${describeValue(recordId)}`);
  request(o.request, at(path, 'request'), recordId);
  oneOf(o.status, at(path, 'status'), ['running', 'finished', 'stopped', 'failed', 'interrupted']);
  if (o.message !== undefined) text(o.message, at(path, 'message'), EXPERIMENT_LIMITS.messageChars);
  date(o.updatedAt, at(path, 'updatedAt'));
  snapshot(o.snapshot, at(path, 'snapshot'));
  each(list(o.savedWeights, at(path, 'savedWeights'), EXPERIMENT_LIMITS.runs), at(path, 'savedWeights'), id);
  if (o.resumable !== undefined) bool(o.resumable, at(path, 'resumable'));
  return o as unknown as StoredExperiment;
}

/**
 * tfjs model artifacts as the studio stores them: a topology object, float32 weight specs
 * (unique names, integer shapes) and one ArrayBuffer holding exactly their values.
 */
export function validateModelFiles(v: unknown, path: string): ModelFiles {
  const o = object(v, path);
  object(o.modelTopology, at(path, 'modelTopology'));
  const sp = at(path, 'weightSpecs');
  const specs = list(o.weightSpecs, sp, EXPERIMENT_LIMITS.weightSpecs);
  let values = 0;
  const names = specs.map((s, i) => {
    const p = at(sp, i);
    const spec = object(s, p);
    const name = text(spec.name, at(p, 'name'));
    if (!name) fail(at(p, 'name'), 'expected a non-empty weight name, got an empty string');
    const shape = each(list(spec.shape, at(p, 'shape'), EXPERIMENT_LIMITS.weightRank), at(p, 'shape'), (d, dp) => int(d, dp, 0, EXPERIMENT_LIMITS.weightValues));
    oneOf(spec.dtype, at(p, 'dtype'), ['float32']);
    if (spec.quantization !== undefined) fail(at(p, 'quantization'), 'quantized weights are not supported (the studio stores float32 weights)');
    const n = shape.reduce((a, d) => a * d, 1);
    values += n;
    if (n > EXPERIMENT_LIMITS.weightValues || values > EXPERIMENT_LIMITS.weightValues) {
      fail(at(p, 'shape'), `the weights would hold more than ${EXPERIMENT_LIMITS.weightValues} values (1 GiB)`);
    }
    return name;
  });
  unique(names, sp, 'weight name');
  const data = o.weightData;
  if (!isArrayBuffer(data)) expected(at(path, 'weightData'), 'binary data (an ArrayBuffer; {"$base64": "…"} in a file)', data);
  if (data.byteLength !== values * 4) {
    fail(at(path, 'weightData'), `expected ${values * 4} bytes (4 for each of the ${values} float32 values the weight specs describe), got ${data.byteLength}`);
  }
  return o as unknown as ModelFiles;
}

/**
 * An experiment file checked completely (format, version, record, weights) before anything of it
 * is used; throws an {@link ExperimentFileError} naming the first field that is wrong. Weights
 * may only belong to runs of the record's snapshot. Returns the same object.
 */
export function validateExperimentFile(v: unknown): ExperimentFile {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return expected('the file', 'an experiment of the segmentation studio (a JSON object)', v);
  const o = v as Fields;
  if (o.format !== EXPERIMENT_FILE_FORMAT) expected('format', JSON.stringify(EXPERIMENT_FILE_FORMAT), o.format);
  if (o.version !== EXPERIMENT_FILE_VERSION) expected('version', `${EXPERIMENT_FILE_VERSION} (the version this studio reads)`, o.version);
  const record = validateStoredExperiment(o.record, 'record');
  const weights = object(o.weights, 'weights');
  const keys = Object.keys(weights);
  if (keys.length > EXPERIMENT_LIMITS.runs) fail('weights', `at most ${EXPERIMENT_LIMITS.runs} runs are allowed, got ${keys.length}`);
  const runs = new Set(record.snapshot?.runs.map((r) => r.id) ?? []);
  for (const k of keys) {
    if (!runs.has(k)) fail(at('weights', k), 'no run of the record has this id');
    validateModelFiles(weights[k], at('weights', k));
  }
  return o as unknown as ExperimentFile;
}
