import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigLink } from '../core/engine/configLink';
import { buildExperimentRequest, describeDataset } from '../core/engine/experimentRequest';
import { splitCases } from '../core/data/split';
import { syntheticCases } from '../core/training/testing/fixtures';
import { datasetRegistry } from './datasetRegistry';
import { applySharedConfig } from './shareConfig';
import { resetStudio, useStudio } from './store';
import { currentExperimentRequest, trainingActions } from './trainingActions';

const cases = syntheticCases(10, 6, 32);
const at = { id: 'exp-page', createdAt: new Date('2026-04-05T06:07:08.000Z') };

function loadDemo(splitSeed = 1) {
  datasetRegistry.setCases(cases);
  useStudio.setState((s) => ({
    dataset: {
      ...s.dataset,
      status: 'ready',
      origin: 'demo',
      splitSeed,
      mapping: { mapping: { kind: 'nonzero' }, numClasses: 2, classNames: ['foreground'] },
      pairing: { pairs: [], unpaired: [], ignored: [], layout: 'synthetic vessels' },
    },
  }));
}

describe('the experiment the Start button trains', () => {
  beforeEach(() => resetStudio());
  afterEach(() => datasetRegistry.clear());

  it('is the request a command line builds from the same configuration link', () => {
    loadDemo();
    const link = 'losses=crossEntropy,asymmetricUnifiedFocal&epochs=6&size=32&depth=2&filters=4&steps=2&seed=5&p.asymmetricUnifiedFocal=delta:0.7,gamma:0.2';
    expect(applySharedConfig(link)).toEqual([]);
    const page = currentExperimentRequest(at);
    const command = buildExperimentRequest(readConfigLink(link), describeDataset(cases, { numClasses: 2, origin: 'demo', description: 'synthetic vessels' }), splitCases(cases, 1), at);
    expect(page).toEqual(command);
    expect(page.runs[1]).toEqual({ loss: 'asymmetricUnifiedFocal', params: { lambda: 0.5, delta: 0.7, gamma: 0.2 } });
  });

  it('says what is missing instead of starting', () => {
    trainingActions.start();
    expect(useStudio.getState().training.error).toBe('Load a dataset first (the Data view), or the synthetic demo.');
    loadDemo();
    trainingActions.setSettings({ losses: [] });
    trainingActions.start();
    expect(useStudio.getState().training.error).toBe('no loss to train: choose at least one');
    expect(useStudio.getState().training.live).toBeNull();
  });
});
