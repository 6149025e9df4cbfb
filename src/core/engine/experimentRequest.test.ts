import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENTATION } from '../data/augment';
import { splitCases } from '../data/split';
import { PAPER_COMPARISON, paperParams } from '../losses/registry';
import { trainingConfig } from '../training/config';
import { validateStoredExperiment } from '../training/experimentFile';
import { GAMMA_SWEEP } from '../training/runs';
import { syntheticCases } from '../training/testing/fixtures';
import { readConfigLink } from './configLink';
import { defaultSettings, type StudioConfiguration } from './configuration';
import { buildExperimentRequest, ConfigurationError, describeDataset, modelChannels } from './experimentRequest';

const cases = syntheticCases(10, 4, 32);
const facts = describeDataset(cases, { numClasses: 2, origin: 'demo', description: 'synthetic vessels' });
const split = splitCases(cases, 1);
const at = { id: 'exp-1', createdAt: new Date('2026-03-04T05:06:07.000Z') };

describe('buildExperimentRequest', () => {
  it("the studio's defaults: the paper's eight losses at their parameters, the U-Net and protocol of the settings", () => {
    const request = buildExperimentRequest({ settings: defaultSettings(), params: {} }, facts, split, at);
    expect(request).toEqual({
      id: 'exp-1',
      name: 'CE · F · DSC · T · FT · Combo · sUF · aUF on synthetic vessels',
      createdAt: '2026-03-04T05:06:07.000Z',
      runs: PAPER_COMPARISON.map((loss) => ({ loss, params: paperParams(loss) })),
      training: {
        maxEpochs: 30,
        maxSteps: null,
        stepsPerEpoch: null,
        batchSize: 2,
        learningRate: 0.1,
        optimizer: 'sgd',
        seed: 1,
        augmentation: DEFAULT_AUGMENTATION,
        slices: 'all',
        checkpointMetric: 'valLoss',
      },
      model: { inputHeight: 64, inputWidth: 64, depth: 3, baseFilters: 8, seed: 1 },
      dims: 2,
      resolution: 'native',
      scheduling: 'interleaved',
      interleave: 'epoch',
      split: { train: split.train, validation: split.validation, test: split.test },
      dataset: { origin: 'demo', description: 'synthetic vessels', numClasses: 2, channels: 1, caseIds: cases.map((c) => c.id) },
    });
    // a 3D configuration: the patch depth, the spacing, dims 3, and a record of it is valid
    const three = buildExperimentRequest({ settings: { ...defaultSettings(), losses: ['dice'], dims: 3, inputDepth: 48, spacing: [1, 1, 2] }, params: {} }, facts, split, at);
    expect(three).toMatchObject({ dims: 3, resolution: 'native', spacing: [1, 1, 2], model: { inputDepth: 48, inputWidth: 64, inputHeight: 64 }, name: 'DSC on synthetic vessels (3D)' });
    expect(() => validateStoredExperiment({ id: 'exp-1', request: three, status: 'running', updatedAt: three.createdAt, snapshot: null, savedWeights: [] })).not.toThrow();
    expect(() => buildExperimentRequest({ settings: { ...defaultSettings(), dims: 3, resolution: 'fit' }, params: {} }, facts, split, at)).toThrow(/3D U-Net trains at native resolution/);
    expect(() => buildExperimentRequest({ settings: { ...defaultSettings(), dims: 3, depth: 5, inputDepth: 48 }, params: {} }, facts, split, at)).toThrow(/inputDepth 48 must be a multiple of 2\^depth = 32/);
    // a record of it passes the experiment file's validation
    expect(() => validateStoredExperiment({ id: 'exp-1', request, status: 'running', updatedAt: request.createdAt, snapshot: null, savedWeights: [] })).not.toThrow();
    // the quick look is recorded as such; a file that names another resolution or dimensionality is refused
    expect(buildExperimentRequest({ settings: { ...defaultSettings(), resolution: 'fit' }, params: {} }, facts, split, at).resolution).toBe('fit');
    const record = (r: object) => ({ id: 'exp-1', request: { ...request, ...r }, status: 'running' as const, updatedAt: request.createdAt, snapshot: null, savedWeights: [] });
    expect(() => validateStoredExperiment(record({ resolution: 'full' }))).toThrow(/resolution/);
    expect(() => validateStoredExperiment(record({ dims: 4 }))).toThrow(/dims/);
    // 3D: an input depth, native resolution, a spacing of three positive numbers
    const model3 = { ...request.model, inputDepth: 32 };
    expect(() => validateStoredExperiment(record({ dims: 3, model: model3, spacing: [1, 1, 1.5] }))).not.toThrow();
    expect(() => validateStoredExperiment(record({ dims: 3, model: model3, spacing: null }))).not.toThrow();
    expect(() => validateStoredExperiment(record({ dims: 3 }))).toThrow(/inputDepth/);
    expect(() => validateStoredExperiment(record({ dims: 3, model: model3, resolution: 'fit' }))).toThrow(/3D experiment trains at native resolution/);
    expect(() => validateStoredExperiment(record({ dims: 3, model: model3, spacing: [1, 0, 1] }))).toThrow(/spacing.*more than 0/);
    expect(() => validateStoredExperiment(record({ spacing: [1, 1, 1] }))).toThrow(/only a 3D experiment/);
    expect(() => validateStoredExperiment(record({ model: model3 }))).toThrow(/only a 3D experiment \(dims 3\) has an input depth/);
  });

  it('takes the parameters of the configuration, and a γ sweep of the ticked unified losses', () => {
    const settings = { ...defaultSettings(), losses: ['dice', 'asymmetricUnifiedFocal'] as StudioConfiguration['settings']['losses'], stepsPerEpoch: 40 };
    const config: StudioConfiguration = { settings, params: { asymmetricUnifiedFocal: { ...paperParams('asymmetricUnifiedFocal'), gamma: 0.3 } } };
    const r = buildExperimentRequest(config, facts, split, at);
    expect(r.runs).toEqual([
      { loss: 'dice', params: paperParams('dice') },
      { loss: 'asymmetricUnifiedFocal', params: { lambda: 0.5, delta: 0.6, gamma: 0.3 } },
    ]);
    expect(r.training.stepsPerEpoch).toBe(40);
    const sweep = buildExperimentRequest({ ...config, settings: { ...settings, gammaSweep: true } }, facts, split, at);
    expect(sweep.runs.map((x) => x.id)).toEqual(GAMMA_SWEEP.map((g) => `asymmetricUnifiedFocal:gamma=${g}`));
    expect(sweep.name).toBe('γ sweep of aUF on synthetic vessels');
  });

  it('refuses a configuration that defines no experiment, with every reason', () => {
    const none = { settings: { ...defaultSettings(), losses: [] }, params: {} };
    expect(() => buildExperimentRequest(none, facts, split)).toThrow(ConfigurationError);
    expect(() => buildExperimentRequest(none, facts, split)).toThrow('no loss to train: choose at least one');
    const sweep = { settings: { ...defaultSettings(), losses: ['dice' as const], gammaSweep: true }, params: {} };
    expect(() => buildExperimentRequest(sweep, facts, split)).toThrow(/the γ sweep needs a unified focal loss/);
    const bad = { settings: { ...defaultSettings(), depth: 9, batchSize: 0.5, inputWidth: 100, slices: 'some' as 'all' }, params: {} };
    expect(() => buildExperimentRequest(bad, facts, split)).toThrow(
      'depth must be an integer 2…5, got 9; batchSize must be an integer 1…64, got 0.5; inputWidth must be an integer 16…512, a multiple of 16, got 100; slices must be all or foreground, got some',
    );
    expect(() => buildExperimentRequest({ settings: defaultSettings(), params: {} }, facts, { ...split, test: ['ghost'] })).toThrow(/the test split names 1 case the dataset does not have \(e\.g\. ghost\)/);
  });

  it('one link gives one experiment: the same request wherever it is built', () => {
    const link = 'https://example.org/studio/#/train?losses=dice,asymmetricUnifiedFocal&epochs=4&size=32&depth=2&filters=4&steps=3&seed=7&p.asymmetricUnifiedFocal=gamma:0.2';
    const a = buildExperimentRequest(readConfigLink(link), facts, split, at);
    const b = buildExperimentRequest(readConfigLink(link.slice(link.indexOf('?'))), facts, split, at);
    expect(b).toEqual(a);
    expect(a.model).toEqual({ inputHeight: 32, inputWidth: 32, depth: 2, baseFilters: 4, seed: 7 });
    expect(a.training).toMatchObject({ maxEpochs: 4, stepsPerEpoch: 3, seed: 7 });
  });

  it('the protocol a link can state beyond the paper: a non-square input, a step budget, foreground slices, no augmentation, DSC picks the checkpoint', () => {
    const r = buildExperimentRequest(readConfigLink('losses=dice&width=96&height=64&budget=2000&slices=foreground&aug=0&best=dsc'), facts, split, at);
    expect(r.model).toMatchObject({ inputWidth: 96, inputHeight: 64 });
    expect(r.training).toMatchObject({ maxSteps: 2000, slices: 'foreground', augmentation: null, checkpointMetric: 'valDsc' });
    expect(() => trainingConfig(r.training)).not.toThrow();
  });

  it('seeds and folds: every loss repeated over each, named, counted in the name; too many runs or folds refused', () => {
    const r = buildExperimentRequest(readConfigLink('losses=crossEntropy,dice&seed=4&seeds=2&folds=3'), facts, split, at);
    expect(r.runs).toHaveLength(12);
    expect(r.runs.slice(0, 6).map((x) => x.id)).toEqual([
      'crossEntropy:seed=4:fold=1', 'crossEntropy:seed=5:fold=1', 'crossEntropy:seed=4:fold=2', 'crossEntropy:seed=5:fold=2', 'crossEntropy:seed=4:fold=3', 'crossEntropy:seed=5:fold=3',
    ]);
    expect(r.runs[7]).toMatchObject({ loss: 'dice', replicateOf: 'dice', seed: 5, fold: 1, folds: 3, params: paperParams('dice') });
    expect(r.name).toBe('CE · DSC, 2 seeds × 3 folds on synthetic vessels');
    expect(r.training.seed).toBe(4);
    expect(() => validateStoredExperiment({ id: r.id, request: r, status: 'running', updatedAt: r.createdAt, snapshot: null, savedWeights: [] })).not.toThrow();
    const sweep = readConfigLink('losses=symmetricUnifiedFocal,asymmetricUnifiedFocal&sweep=1&seeds=10&folds=3');
    expect(() => buildExperimentRequest(sweep, facts, split, at)).toThrow(/540 runs \(18 loss configurations × 10 seeds × 3 folds\) are more than an experiment holds \(500\)/);
    const small = { train: split.train.slice(0, 2), validation: split.validation.slice(0, 1), test: split.test };
    expect(() => buildExperimentRequest(readConfigLink('losses=dice&folds=4'), facts, small, at)).toThrow(/4 folds need at least 4 development \(training \+ validation\) cases; the split has 3/);
  });

  it('model channels: alpha dropped, at most three', () => {
    expect([1, 2, 3, 4, 5].map(modelChannels)).toEqual([1, 1, 3, 3, 3]);
  });
});
