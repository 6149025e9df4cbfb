/**
 * Small valid experiment records and files for tests of storage and import (the unit tests and
 * the e2e specs): one finished Dice run of one epoch on four cases, with made-up numbers, and
 * weights whose specs and bytes agree. tfjs-free.
 */
import { paperParams } from '../../losses/registry';
import { trainingConfig } from '../config';
import { EXPERIMENT_FILE_FORMAT, EXPERIMENT_FILE_VERSION, type ExperimentFile, type ModelFiles, type StoredExperiment } from '../experimentFile';

export function storedExperimentFixture(id = 'exp-fixture', createdAt = '2026-01-02T03:04:05.000Z'): StoredExperiment {
  const split = { train: ['c1', 'c2'], validation: ['c3'], test: ['c4'] };
  const training = { maxEpochs: 1, stepsPerEpoch: 1, batchSize: 2, learningRate: 0.1, optimizer: 'sgd' as const, seed: 1 };
  return {
    id,
    request: {
      id,
      name: `Dice on four cases (${id})`,
      createdAt,
      runs: [{ loss: 'dice', params: { ...paperParams('dice') } }],
      training,
      model: { inputHeight: 32, inputWidth: 32, depth: 2, baseFilters: 4, seed: 1 },
      scheduling: 'interleaved',
      interleave: 'epoch',
      split,
      dataset: { origin: 'demo', description: 'four cases', numClasses: 2, channels: 1, caseIds: ['c1', 'c2', 'c3', 'c4'] },
    },
    status: 'finished',
    updatedAt: createdAt,
    snapshot: {
      version: 1,
      config: trainingConfig(training),
      scheduling: 'interleaved',
      interleave: 'epoch',
      split,
      numClasses: 2,
      input: { width: 32, height: 32, channels: 1 },
      samples: { train: 2, validation: 1, test: 1 },
      stopped: false,
      runs: [
        {
          id: 'dice',
          loss: 'dice',
          params: paperParams('dice'),
          label: 'Dice',
          status: 'done',
          stopReason: 'maxEpochs',
          steps: 1,
          stepLosses: [[1, 0.91]],
          epochs: [{ epoch: 0, trainLoss: 0.91, valLoss: 0.87, valDsc: [0.12], lr: 0.1, improved: true }],
          bestEpoch: 0,
          bestValLoss: 0.87,
          test: [{ id: 'c4', dsc: [0.2], iou: [0.11], precision: [0.3], recall: [0.15] }],
        },
      ],
    },
    savedWeights: ['dice'],
  };
}

/** Weights of a one-convolution model: a 3×3×1×2 kernel and a bias of 2 (20 float32 values). */
export function modelFilesFixture(): ModelFiles {
  return {
    modelTopology: { class_name: 'Model', config: { name: 'fixture', layers: [] } },
    weightSpecs: [
      { name: 'conv/kernel', shape: [3, 3, 1, 2], dtype: 'float32' },
      { name: 'conv/bias', shape: [2], dtype: 'float32' },
    ],
    weightData: new Float32Array(20).fill(0.5).buffer,
  };
}

export function experimentFileFixture(id?: string, createdAt?: string): ExperimentFile {
  return { format: EXPERIMENT_FILE_FORMAT, version: EXPERIMENT_FILE_VERSION, record: storedExperimentFixture(id, createdAt), weights: { dice: modelFilesFixture() } };
}
