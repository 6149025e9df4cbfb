/** Configuration links and the configurations they stand for, for the tests of the link and of the page. */
import type { LossParams, ResolvedParams } from '../../losses/registry';
import type { StudioConfiguration } from '../configuration';

export const DEFAULT_QUERY =
  'losses=crossEntropy,focal,dice,tversky,focalTversky,combo,symmetricUnifiedFocal,asymmetricUnifiedFocal' +
  '&epochs=30&size=64&depth=3&filters=8&batch=2&lr=0.1&opt=sgd&order=interleaved&seed=1&steps=0&sweep=0' +
  '&budget=0&slices=all&aug=1&best=loss&seeds=1&folds=1&res=native&dims=2&mem=2048' +
  '&show=crossEntropy,asymmetricUnifiedFocal&focus=asymmetricUnifiedFocal';

/** A loss's parameters as the store holds them (only that loss's names are present). */
export const rp = (p: LossParams) => p as ResolvedParams;

/** A modified configuration: two ticked losses, one explorer-only loss, changed parameters. */
export function modified(): StudioConfiguration {
  return {
    settings: {
      losses: ['asymmetricUnifiedFocal', 'focal'],
      gammaSweep: true,
      inputWidth: 128,
      inputHeight: 128,
      depth: 4,
      baseFilters: 16,
      maxEpochs: 12,
      stepsPerEpoch: 50,
      batchSize: 4,
      learningRate: 0.001,
      optimizer: 'adam',
      scheduling: 'sequential',
      seed: 42,
      maxSteps: 5000,
      slices: 'foreground',
      augment: false,
      checkpointMetric: 'valDsc',
      seeds: 3,
      folds: 2,
      resolution: 'fit',
      dims: 2,
      inputDepth: 32,
      spacing: null,
      memoryBudget: 4096,
    },
    params: {
      focal: rp({ alpha: [0.2, 0.3, 0.5], gamma: 1.5 }),
      asymmetricUnifiedFocal: rp({ lambda: 0.5, delta: 0.7, gamma: 0.2 }),
      tversky: rp({ delta: 0.7 }),
      combo: rp({ alpha: null, beta: 0.9 }),
    },
    explorer: { selected: ['combo', 'tversky'], focused: 'combo' },
  };
}

export const MODIFIED_QUERY =
  'losses=asymmetricUnifiedFocal,focal&epochs=12&size=128&depth=4&filters=16&batch=4&lr=0.001&opt=adam' +
  '&order=sequential&seed=42&steps=50&sweep=1&budget=5000&slices=foreground&aug=0&best=dsc&seeds=3&folds=2&res=fit&dims=2&mem=4096&show=combo,tversky&focus=combo' +
  '&p.focal=alpha:0.2/0.3/0.5,gamma:1.5&p.combo=alpha:none,beta:0.9&p.asymmetricUnifiedFocal=delta:0.7,gamma:0.2';
