import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENTATION } from '../data/augment';
import { DEFAULT_TRAINING, resolveStepsPerEpoch, trainingConfig, trainingConfigProblems, validateTrainingConfig, withTrainingDefaults } from './config';

describe('DEFAULT_TRAINING', () => {
  it('is the paper protocol: SGD 0.1 without momentum, batch 2, ×0.1 after 10, stop after 20', () => {
    expect(DEFAULT_TRAINING).toMatchObject({
      optimizer: 'sgd',
      learningRate: 0.1,
      momentum: 0,
      batchSize: 2,
      lrPlateauPatience: 10,
      lrFactor: 0.1,
      earlyStopPatience: 20,
      stepsPerEpoch: null,
      maxSteps: null,
      slices: 'all',
      checkpointMetric: 'valLoss',
    });
    expect(DEFAULT_TRAINING.augmentation).toBe(DEFAULT_AUGMENTATION);
    expect(Object.isFrozen(DEFAULT_TRAINING)).toBe(true);
    expect(trainingConfigProblems(DEFAULT_TRAINING)).toEqual([]);
  });

  it('trainingConfig overrides fields and ignores undefined ones', () => {
    const c = trainingConfig({ optimizer: 'adam', learningRate: 1e-3, batchSize: undefined });
    expect(c.optimizer).toBe('adam');
    expect(c.learningRate).toBe(1e-3);
    expect(c.batchSize).toBe(2);
  });
});

describe('validateTrainingConfig', () => {
  it.each([
    [{ optimizer: 'rmsprop' as 'sgd' }, /optimizer must be 'sgd' or 'adam'/],
    [{ learningRate: 0 }, /learningRate must be a finite number > 0/],
    [{ learningRate: NaN }, /learningRate/],
    [{ momentum: 1 }, /momentum must be in \[0, 1\)/],
    [{ batchSize: 0 }, /batchSize must be a positive integer, got 0/],
    [{ batchSize: 1.5 }, /batchSize must be a positive integer/],
    [{ maxEpochs: -1 }, /maxEpochs/],
    [{ stepsPerEpoch: 0 }, /stepsPerEpoch must be a positive integer/],
    [{ lrPlateauPatience: 0 }, /lrPlateauPatience/],
    [{ lrFactor: 1 }, /lrFactor must be in \(0, 1\)/],
    [{ lrPlateauMinDelta: -1 }, /lrPlateauMinDelta/],
    [{ minLearningRate: 1 }, /minLearningRate \(1\) must not exceed learningRate \(0.1\)/],
    [{ earlyStopPatience: 0 }, /earlyStopPatience must be at least 1/],
    [{ lossReadEvery: 0 }, /lossReadEvery/],
    [{ evalBatchSize: 0 }, /evalBatchSize/],
    [{ foregroundProbability: 2 }, /foregroundProbability must be in \[0, 1\]/],
    [{ seed: Infinity }, /seed must be a finite number/],
    [{ augmentation: { ...DEFAULT_AUGMENTATION, rotation: { probability: 2, maxDegrees: 15 } } }, /augmentation: rotation.probability/],
    [{ maxSteps: 0 }, /maxSteps must be a positive integer, got 0/],
    [{ slices: 'some' as 'all' }, /slices must be 'all' or 'foreground', got some/],
    [{ checkpointMetric: 'iou' as 'valDsc' }, /checkpointMetric must be 'valLoss' or 'valDsc', got iou/],
  ])('rejects %o', (override, message) => {
    expect(() => validateTrainingConfig(trainingConfig(override))).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(trainingConfigProblems(trainingConfig({ batchSize: 0, lrFactor: 2 }))).toHaveLength(2);
  });

  it('accepts no augmentation and Adam', () => {
    expect(validateTrainingConfig(trainingConfig({ augmentation: null, optimizer: 'adam' })).optimizer).toBe('adam');
  });
});

describe('unknown fields', () => {
  it('are errors, never silently ignored, with the field they resemble', () => {
    expect(() => trainingConfig({ learningrate: 0.01 } as never)).toThrow('invalid training config: unknown training field "learningrate" (did you mean learningRate?)');
    expect(() => trainingConfig({ augment: false } as never)).toThrow('unknown training field "augment" (did you mean augmentation?)');
    expect(() => trainingConfig({ maxEpoch: 3, colour: 'red' } as never)).toThrow('unknown training field "maxEpoch" (did you mean maxEpochs?); unknown training field "colour"');
    // an object built without trainingConfig is checked too
    expect(trainingConfigProblems({ ...DEFAULT_TRAINING, batchsize: 4, epochs: 5 } as never)).toEqual(['unknown training field "batchsize" (did you mean batchSize?)', 'unknown training field "epochs"']);
  });

  it('the defaults fill the fields an older configuration lacks', () => {
    const old: Record<string, unknown> = { ...DEFAULT_TRAINING, maxEpochs: 7 };
    delete old.slices;
    delete old.maxSteps;
    expect(withTrainingDefaults(old)).toEqual({ ...DEFAULT_TRAINING, maxEpochs: 7 });
    expect(withTrainingDefaults(null)).toBeNull();
  });
});

describe('resolveStepsPerEpoch', () => {
  it('is one pass over the training samples by default, or the configured count', () => {
    expect(resolveStepsPerEpoch(DEFAULT_TRAINING, 9)).toBe(5);
    expect(resolveStepsPerEpoch(DEFAULT_TRAINING, 8)).toBe(4);
    expect(resolveStepsPerEpoch(trainingConfig({ stepsPerEpoch: 7 }), 8)).toBe(7);
    expect(() => resolveStepsPerEpoch(DEFAULT_TRAINING, 0)).toThrow(/no training samples/);
  });
});
