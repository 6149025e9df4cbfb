import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../core/engine/testing/configLinks';
import { syntheticCases } from '../core/training/testing/fixtures';
import { datasetRegistry } from './datasetRegistry';
import { applySharedConfig, currentConfig } from './shareConfig';
import { resetStudio, useStudio } from './store';
import { currentExperimentRequest, developmentCaseCount, trainingActions } from './trainingActions';
import { encodeConfigLink } from '../core/engine/configLink';

/** Seeds and folds in the store: defaults, links written before they existed, and the Start button's request. */
describe('seeds and folds in the store', () => {
  beforeEach(() => resetStudio());
  afterEach(() => datasetRegistry.clear());

  it('a fresh store and a link written before seeds and folds existed train one seed on the split as it is', () => {
    expect(useStudio.getState().training.settings).toMatchObject({ seeds: 1, folds: 1 });
    const old = DEFAULT_QUERY.replace(/&seeds=\d+/, '').replace(/&folds=\d+/, '');
    expect(old).not.toMatch(/seeds|folds/);
    expect(applySharedConfig(`${old.replace(/epochs=\d+/, 'epochs=7')}`)).toEqual([]);
    expect(useStudio.getState().training.settings).toMatchObject({ seeds: 1, folds: 1, maxEpochs: 7 });
  });

  it('a link carries them both ways; out-of-bounds values are refused with their key and keep the current ones', () => {
    expect(applySharedConfig('seeds=3&folds=4')).toEqual([]);
    expect(useStudio.getState().training.settings).toMatchObject({ seeds: 3, folds: 4 });
    expect(encodeConfigLink(currentConfig(useStudio.getState()))).toContain('seeds=3&folds=4');
    const errors = applySharedConfig('seeds=11&folds=0');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^seeds=11: /);
    expect(errors[1]).toMatch(/^folds=0: /);
    expect(useStudio.getState().training.settings).toMatchObject({ seeds: 3, folds: 4 });
  });

  it('the Start button trains every loss over seeds × folds, and folds are refused when the split has too few development cases', () => {
    datasetRegistry.setCases(syntheticCases(10, 6, 32));
    useStudio.setState((s) => ({
      dataset: { ...s.dataset, status: 'ready', origin: 'demo', mapping: { mapping: { kind: 'nonzero' }, numClasses: 2, classNames: ['foreground'] } },
    }));
    expect(developmentCaseCount()).toBe(8);
    trainingActions.setSettings({ losses: ['dice', 'focal'], seeds: 2, folds: 3 });
    const request = currentExperimentRequest();
    expect(request.runs).toHaveLength(12);
    expect(request.runs[0]).toMatchObject({ id: 'dice:seed=1:fold=1', replicateOf: 'dice', seed: 1, fold: 1, folds: 3 });
    trainingActions.setSettings({ folds: 9 });
    expect(() => currentExperimentRequest()).toThrow('9 folds need at least 9 development (training + validation) cases; the split has 8');
  });

  it('no development cases without a dataset', () => {
    expect(developmentCaseCount()).toBeNull();
  });
});
