import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentFromJson, experimentToJson } from '../io/modelFiles';
import { paperParams } from '../losses/registry';
import { buildUNet } from '../model';
import { Experiment } from './experiment';
import {
  ECHO_LIMIT,
  EXPERIMENT_LIMITS,
  ExperimentFileError,
  validateExperimentFile,
  validateModelFiles,
  validateStoredExperiment,
  type ExperimentFile,
  type ExperimentRequest,
  type ModelFiles,
} from './experimentFile';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { experimentFileFixture } from './testing/experimentRecords';
import { syntheticCases } from './testing/fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

/** The model's artifacts as the training worker stores them (topology, specs, one buffer). */
async function artifacts(model: tf.LayersModel): Promise<ModelFiles> {
  let a: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (x) => {
      a = x;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const got = a as tf.io.ModelArtifacts | null;
  if (!got?.weightData || !(got.weightData instanceof ArrayBuffer)) throw new Error('no single weights buffer');
  return { modelTopology: got.modelTopology, weightSpecs: got.weightSpecs, weightData: got.weightData };
}

/** An experiment trained for real (two runs, one epoch of one step each), exported as a file. */
async function trainedFile(): Promise<ExperimentFile> {
  const cases = syntheticCases(6, 5, 32);
  const ids = cases.map((c) => c.id);
  const request: ExperimentRequest = {
    id: 'exp-2026-02-03T04-05-06-789Z-42',
    name: 'Dice · aUF on synthetic',
    createdAt: '2026-02-03T04:05:06.789Z',
    runs: [{ loss: 'dice', params: { ...paperParams('dice') } }, { loss: 'asymmetricUnifiedFocal', params: { ...paperParams('asymmetricUnifiedFocal') } }],
    training: { maxEpochs: 1, stepsPerEpoch: 1, batchSize: 2, learningRate: 0.1, optimizer: 'sgd', seed: 1 },
    model: { inputHeight: 32, inputWidth: 32, depth: 2, baseFilters: 4, seed: 1 },
    scheduling: 'interleaved',
    interleave: 'epoch',
    split: { train: ids.slice(0, 3), validation: ids.slice(3, 4), test: ids.slice(4) },
    dataset: { origin: 'demo', description: 'synthetic', numClasses: 2, channels: 1, caseIds: ids },
  };
  const ex = new Experiment({
    createModel: () => buildUNet({ ...request.model, inputChannels: 1, numClasses: 2 }),
    runs: request.runs,
    cases,
    split: request.split,
    config: request.training,
    scheduling: request.scheduling,
    interleave: request.interleave,
    samples: { channels: 1 },
  });
  try {
    const snapshot = await ex.run();
    const weights: ExperimentFile['weights'] = {};
    for (const run of ex.runIds) weights[run] = await artifacts(ex.trainer(run).model);
    return {
      format: 'segmentation-studio-experiment',
      version: 1,
      record: { id: request.id, request, status: 'finished', updatedAt: new Date().toISOString(), snapshot, savedWeights: Object.keys(weights) },
      weights,
    };
  } finally {
    ex.dispose();
  }
}

/** The message a validation throws, or '' when it passes. */
function refusal(check: () => unknown): string {
  try {
    check();
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ExperimentFileError);
    return (e as Error).message;
  }
}

type Json = Record<string, unknown>;
/** A copy of `file` changed by `edit` (the copy as plain objects, so that any field can be broken). */
function hostile(file: ExperimentFile, edit: (f: Json & { record: Json & { request: Json; snapshot: Json & { runs: Json[] } }; weights: Record<string, Json & { weightSpecs: Json[] }> }) => void): unknown {
  const copy = structuredClone(file) as unknown as Parameters<typeof edit>[0];
  edit(copy);
  return copy;
}

describe('validateExperimentFile', () => {
  let real: ExperimentFile;
  beforeAll(async () => {
    real = await trainedFile();
  }, 120_000);

  it('accepts a file of a really trained experiment, in memory and after the JSON round trip, and returns it unchanged', () => {
    const before = structuredClone(real);
    expect(validateExperimentFile(real)).toBe(real);
    expect(real).toEqual(before);
    const roundTrip = experimentFromJson(experimentToJson(real));
    expect(validateExperimentFile(roundTrip)).toBe(roundTrip);
    const dice = (roundTrip as ExperimentFile).weights.dice!;
    expect(dice.weightData.byteLength).toBe(real.weights.dice!.weightData.byteLength);
    expect(dice.weightData.byteLength).toBeGreaterThan(0);
  });

  it('accepts a record of an older studio whose snapshot config lacks the later fields (they take their defaults)', () => {
    const f = experimentFileFixture();
    const config = f.record.snapshot!.config as unknown as Record<string, unknown>;
    for (const k of ['maxSteps', 'slices', 'checkpointMetric']) delete config[k];
    expect(refusal(() => validateExperimentFile(f))).toBe('');
    delete config.seed;
    expect(refusal(() => validateExperimentFile(f))).toBe('record.snapshot.config.seed: expected a finite number, got nothing (the field is missing)');
  });

  it('accepts the small fixture the storage tests use', () => {
    expect(refusal(() => validateExperimentFile(experimentFileFixture()))).toBe('');
  });

  // Each case: a change to the real file, and the message that must refuse it (exactly or as a pattern).
  const cases: [string, (f: Parameters<Parameters<typeof hostile>[1]>[0]) => void, string | RegExp][] = [
    ['the name is an object', (f) => (f.record.request.name = { text: 'x' }), 'record.request.name: expected a string, got an object'],
    ['runs is not an array', (f) => (f.record.request.runs = { 0: { loss: 'dice' } }), 'record.request.runs: expected an array, got an object'],
    ['no runs', (f) => (f.record.request.runs = []), 'record.request.runs: at least 1 entry is needed, got 0'],
    ['too many runs', (f) => (f.record.request.runs = Array.from({ length: 501 }, () => ({ loss: 'dice' }))), 'record.request.runs: at most 500 entries are allowed, got 501'],
    ['an unknown loss', (f) => ((f.record.request.runs as Json[])[1]!.loss = 'magic'), 'record.request.runs[1].loss: expected the id of a loss of the registry (e.g. "dice"), got the string "magic"'],
    ['an unknown loss parameter', (f) => ((f.record.request.runs as Json[])[0]!.params = { omega: 1 }), /^record\.request\.runs\[0\]\.params\.omega: unknown loss parameter/],
    ['a parameter that is a string', (f) => ((f.record.request.runs as Json[])[0]!.params = { gamma: '0.5' }), 'record.request.runs[0].params.gamma: expected a finite number, an array of numbers or null, got the string "0.5"'],
    ['a run id used twice', (f) => (f.record.request.runs = [{ loss: 'dice', id: 'a' }, { loss: 'focal', id: 'a' }]), 'record.request.runs[1]: the run id "a" appears twice'],
    ['createdAt is a number', (f) => (f.record.request.createdAt = 1700000000000), 'record.request.createdAt: expected a string, got the number 1700000000000'],
    ['createdAt is not a date', (f) => (f.record.request.createdAt = 'yesterday'), 'record.request.createdAt: expected a date and time (ISO 8601), got the string "yesterday"'],
    ['createdAt is an object', (f) => (f.record.request.createdAt = { toString: 'x' }), 'record.request.createdAt: expected a string, got an object'],
    ['the request belongs to another record', (f) => (f.record.request.id = 'other'), /^record\.request\.id: expected the record's id "exp-2026-02-03T04-05-06-789Z-42", got the string "other"$/],
    ['a record id with a slash', (f) => (f.record.id = 'a/b'), 'record.id: an experiment id may not contain "/", got the string "a/b"'],
    ['a record id that is a number', (f) => (f.record.id = 7), 'record.id: expected a string, got the number 7'],
    ['an empty record id', (f) => (f.record.id = ''), 'record.id: expected a non-empty id, got an empty string'],
    ['no record', (f) => delete (f as Json).record, 'record: expected an object, got nothing (the field is missing)'],
    ['a bad learning rate', (f) => ((f.record.request.training as Json).learningRate = -1), /^record\.request\.training: learningRate must be a finite number > 0, got -1/],
    ['an unknown optimizer', (f) => ((f.record.request.training as Json).optimizer = 'rmsprop'), 'record.request.training.optimizer: expected one of "sgd", "adam", got the string "rmsprop"'],
    ['a broken augmentation', (f) => ((f.record.snapshot.config as Json).augmentation = { scale: 1 }), 'record.snapshot.config.augmentation.scale: expected an object, got the number 1'],
    ['a fractional depth', (f) => ((f.record.request.model as Json).depth = 2.5), 'record.request.model.depth: expected an integer from 1 to 10, got the number 2.5'],
    ['an unknown scheduling', (f) => (f.record.request.scheduling = 'random'), 'record.request.scheduling: expected one of "interleaved", "sequential", got the string "random"'],
    ['a split that is not a list', (f) => ((f.record.request.split as Json).train = 'c1'), 'record.request.split.train: expected an array, got the string "c1"'],
    ['a case id that is a number', (f) => ((f.record.request.dataset as Json).caseIds = [1]), 'record.request.dataset.caseIds[0]: expected a string, got the number 1'],
    ['one class', (f) => ((f.record.request.dataset as Json).numClasses = 1), 'record.request.dataset.numClasses: expected an integer from 2 to 256, got the number 1'],
    ['too many cases', (f) => ((f.record.request.dataset as Json).caseIds = Array.from({ length: 100_001 }, (_, i) => `c${i}`)), 'record.request.dataset.caseIds: at most 100000 entries are allowed, got 100001'],
    ['an unknown status', (f) => (f.record.status = 'exploded'), /^record\.status: expected one of "running", .*, got the string "exploded"$/],
    ['a message that is a number', (f) => (f.record.message = 5), 'record.message: expected a string, got the number 5'],
    ['updatedAt missing', (f) => delete f.record.updatedAt, 'record.updatedAt: expected a string, got nothing (the field is missing)'],
    ['savedWeights not a list', (f) => (f.record.savedWeights = 'dice'), 'record.savedWeights: expected an array, got the string "dice"'],
    ['a snapshot of version 2', (f) => (f.record.snapshot.version = 2), 'record.snapshot.version: expected 1, got the number 2'],
    ['snapshot runs not a list', (f) => ((f.record.snapshot as Json).runs = null), 'record.snapshot.runs: expected an array, got null'],
    ['a snapshot run of an unknown loss', (f) => (f.record.snapshot.runs[0]!.loss = 'x'), /^record\.snapshot\.runs\[0\]\.loss: expected the id of a loss/],
    ['epochs not a list', (f) => (f.record.snapshot.runs[0]!.epochs = 3), 'record.snapshot.runs[0].epochs: expected an array, got the number 3'],
    ['too many epochs', (f) => (f.record.snapshot.runs[1]!.epochs = Array.from({ length: 10_001 }, () => ({}))), 'record.snapshot.runs[1].epochs: at most 10000 entries are allowed, got 10001'],
    ['a validation loss as text', (f) => ((f.record.snapshot.runs[0]!.epochs as Json[])[0]!.valLoss = 'NaN'), 'record.snapshot.runs[0].epochs[0].valLoss: expected a finite number or null, got the string "NaN"'],
    ['a DSC that is an object', (f) => ((f.record.snapshot.runs[0]!.epochs as Json[])[0]!.valDsc = [{}]), 'record.snapshot.runs[0].epochs[0].valDsc[0]: expected a finite number or null, got an object'],
    ['a learning rate of null', (f) => ((f.record.snapshot.runs[0]!.epochs as Json[])[0]!.lr = null), 'record.snapshot.runs[0].epochs[0].lr: expected a finite number, got null'],
    ['improved as text', (f) => ((f.record.snapshot.runs[0]!.epochs as Json[])[0]!.improved = 'yes'), 'record.snapshot.runs[0].epochs[0].improved: expected true or false, got the string "yes"'],
    ['a step loss that is not a pair', (f) => (f.record.snapshot.runs[0]!.stepLosses = [[1]]), 'record.snapshot.runs[0].stepLosses[0]: expected a pair [step, loss], got an array of 1 item'],
    ['test results as an object', (f) => (f.record.snapshot.runs[0]!.test = { dsc: [] }), 'record.snapshot.runs[0].test: expected an array, got an object'],
    ['a test DSC list that is a string', (f) => ((f.record.snapshot.runs[0]!.test as Json[])[0]!.dsc = '0.5'), 'record.snapshot.runs[0].test[0].dsc: expected an array, got the string "0.5"'],
    ['a best epoch of -2', (f) => (f.record.snapshot.runs[0]!.bestEpoch = -2), 'record.snapshot.runs[0].bestEpoch: expected an integer from -1 to 10000, got the number -2'],
    ['an unknown stop reason', (f) => (f.record.snapshot.runs[0]!.stopReason = 'bored'), /^record\.snapshot\.runs\[0\]\.stopReason: expected one of "maxEpochs", "maxSteps", "earlyStop", "stopped", got the string "bored"$/],
    ['a misspelt training field', (f) => ((f.record.request.training as Json).learningrate = 0.1), 'record.request.training: unknown training field "learningrate" (did you mean learningRate?)'],
    ['an unknown field in the snapshot config', (f) => ((f.record.snapshot.config as Json).augment = false), 'record.snapshot.config: unknown training field "augment" (did you mean augmentation?)'],
    ['an unknown slice selection', (f) => ((f.record.request.training as Json).slices = 'some'), 'record.request.training.slices: expected one of "all", "foreground", got the string "some"'],
    ['two snapshot runs with one id', (f) => (f.record.snapshot.runs[1]!.id = 'dice'), 'record.snapshot.runs[1]: the run id "dice" appears twice'],
    ['a wrong format', (f) => (f.format = 'tfjs'), 'format: expected "segmentation-studio-experiment", got the string "tfjs"'],
    ['a newer version', (f) => (f.version = 2), 'version: expected 1 (the version this studio reads), got the number 2'],
    ['weights missing', (f) => delete (f as Json).weights, 'weights: expected an object, got nothing (the field is missing)'],
    ['weights of an unknown run', (f) => (f.weights['not a run'] = f.weights.dice!), 'weights["not a run"]: no run of the record has this id'],
    ['a topology that is a string', (f) => (f.weights.dice!.modelTopology = '{}'), 'weights.dice.modelTopology: expected an object, got the string "{}"'],
    ['weight specs not a list', (f) => (f.weights.dice!.weightSpecs = {} as Json[]), 'weights.dice.weightSpecs: expected an array, got an object'],
    ['200,000 weight specs', (f) => (f.weights.dice!.weightSpecs = Array.from({ length: 200_000 }, (_, i) => ({ name: `w${i}`, shape: [1], dtype: 'float32' }))), 'weights.dice.weightSpecs: at most 10000 entries are allowed, got 200000'],
    ['a negative dimension', (f) => (f.weights.dice!.weightSpecs[0]!.shape = [3, -3]), /^weights\.dice\.weightSpecs\[0\]\.shape\[1\]: expected an integer from 0 to \d+, got the number -3$/],
    ['a fractional dimension', (f) => (f.weights.dice!.weightSpecs[0]!.shape = [1.5]), /^weights\.dice\.weightSpecs\[0\]\.shape\[0\]: expected an integer/],
    ['a shape of rank 9', (f) => (f.weights.dice!.weightSpecs[0]!.shape = [1, 1, 1, 1, 1, 1, 1, 1, 1]), 'weights.dice.weightSpecs[0].shape: at most 8 entries are allowed, got 9'],
    ['a huge shape', (f) => (f.weights.dice!.weightSpecs[0]!.shape = [65536, 65536]), 'weights.dice.weightSpecs[0].shape: the weights would hold more than 268435456 values (1 GiB)'],
    ['int32 weights', (f) => (f.weights.dice!.weightSpecs[0]!.dtype = 'int32'), 'weights.dice.weightSpecs[0].dtype: expected "float32", got the string "int32"'],
    ['quantized weights', (f) => (f.weights.dice!.weightSpecs[0]!.quantization = { dtype: 'uint8' }), /^weights\.dice\.weightSpecs\[0\]\.quantization: quantized weights are not supported/],
    ['a weight name used twice', (f) => (f.weights.dice!.weightSpecs[1]!.name = f.weights.dice!.weightSpecs[0]!.name), /^weights\.dice\.weightSpecs\[1\]: the weight name ".*" appears twice$/],
    ['weight data 4 bytes short', (f) => (f.weights.dice!.weightData = (f.weights.dice!.weightData as ArrayBuffer).slice(4)), /^weights\.dice\.weightData: expected (\d+) bytes \(4 for each of the \d+ float32 values the weight specs describe\), got \d+$/],
    ['weight data left as base64', (f) => (f.weights.dice!.weightData = { $base64: 5 }), 'weights.dice.weightData: expected binary data (an ArrayBuffer; {"$base64": "…"} in a file), got an object'],
  ];
  it.each(cases)('refuses %s, naming the field', (_what, edit, message) => {
    const m = refusal(() => validateExperimentFile(hostile(real, edit)));
    if (typeof message === 'string') expect(m).toBe(message);
    else expect(m).toMatch(message);
  });

  it('refuses what is not an experiment at all', () => {
    expect(refusal(() => validateExperimentFile([]))).toBe('the file: expected an experiment of the segmentation studio (a JSON object), got an array of 0 items');
    expect(refusal(() => validateExperimentFile(null))).toBe('the file: expected an experiment of the segmentation studio (a JSON object), got null');
    expect(refusal(() => validateExperimentFile('{"format": 1}'))).toMatch(/^the file: expected .*, got the string "\{\\"format\\": 1\}"$/);
  });

  it('quotes at most 80 characters of what it refuses, and names odd keys readably', () => {
    const long = 'x'.repeat(100_000);
    const m = refusal(() => validateExperimentFile(hostile(real, (f) => (f.record.status = long))));
    expect(m.length).toBeLessThan(250);
    const quoted = /got the string (.*)$/.exec(m)?.[1] ?? '';
    expect(quoted.length).toBe(ECHO_LIMIT);
    expect(quoted.endsWith('…')).toBe(true);
    const name = refusal(() => validateExperimentFile(hostile(real, (f) => (f.record.request.name = long))));
    expect(name).toBe(`record.request.name: expected at most ${EXPERIMENT_LIMITS.textChars} characters, got 100000`);
    const key = refusal(() => validateExperimentFile(hostile(real, (f) => (f.weights[long] = f.weights.dice!))));
    expect(key.length).toBeLessThan(120);
    expect(key).toMatch(/^weights\["x+…\]: no run of the record has this id$/);
  });

  it('reads "__proto__" in a JSON file as data, not as a prototype', () => {
    const text = experimentToJson(real).replace('"params":{', '"params":{"__proto__":{"gamma":"x"},');
    expect(refusal(() => validateExperimentFile(experimentFromJson(text)))).toMatch(/^record\.request\.runs\[0\]\.params\.__proto__: unknown loss parameter/);
  });

  it('the record alone and the weights alone are checked by the same rules', () => {
    expect(validateStoredExperiment(real.record)).toBe(real.record);
    expect(refusal(() => validateStoredExperiment({ ...real.record, snapshot: { ...real.record.snapshot, stopped: 'no' } }))).toBe('record.snapshot.stopped: expected true or false, got the string "no"');
    expect(refusal(() => validateModelFiles({ ...real.weights.dice, weightData: new ArrayBuffer(3) }, 'model'))).toMatch(/^model\.weightData: expected \d+ bytes .*, got 3$/);
  });

  it('checks 10,000 weight specs and a long history quickly', () => {
    const big = hostile(real, (f) => {
      const specs = Array.from({ length: 10_000 }, (_, i) => ({ name: `w${i}`, shape: [4, 4], dtype: 'float32' }));
      f.weights = { dice: { modelTopology: {}, weightSpecs: specs, weightData: new ArrayBuffer(10_000 * 16 * 4) } };
      const run = f.record.snapshot.runs[0]!;
      const epoch = (run.epochs as Json[])[0]!;
      run.epochs = Array.from({ length: 10_000 }, (_, i) => ({ ...epoch, epoch: i }));
      run.stepLosses = Array.from({ length: 100_000 }, (_, i) => [i, 0.5]);
    });
    const t = performance.now();
    expect(refusal(() => validateExperimentFile(big))).toBe('');
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
