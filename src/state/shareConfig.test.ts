import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_LINK_LENGTH, decodeConfigLink, encodeConfigLink } from '../core/engine/configLink';
import { paperParams } from '../core/losses/registry';
import { DEFAULT_QUERY, MODIFIED_QUERY, modified } from '../core/engine/testing/configLinks';
import { applySharedConfig, currentConfig, parseHashQuery, shareUrl } from './shareConfig';
import { explorer, resetStudio, useStudio } from './store';
import { trainingActions } from './trainingActions';
import { DEFAULT_SETTINGS } from './trainingSlice';

/** A link as the page writes it: the settings' keys, then the dataset's split seed. */
const withSplit = (query: string, seed: number) => query.replace(/(&folds=\d+&res=\w+&dims=\d&mem=\d+)/, `$1&split=${seed}`);

describe('the configuration link in the page', () => {
  beforeEach(() => resetStudio());

  it('the store as it opens gives the default link, which decodes back to it', () => {
    const cfg = currentConfig(useStudio.getState());
    expect(encodeConfigLink(cfg)).toBe(withSplit(DEFAULT_QUERY, 1));
    const s = useStudio.getState();
    const { config, errors } = decodeConfigLink(withSplit(DEFAULT_QUERY, 1), { settings: s.training.settings, params: s.explorer.params, explorer: { selected: s.explorer.selected, focused: s.explorer.focused } });
    expect(errors).toEqual([]);
    expect(config).toEqual(cfg);
    expect(config.settings).toEqual(DEFAULT_SETTINGS);
  });

  it('builds the link to the Train view', () => {
    const url = shareUrl(currentConfig(useStudio.getState()), { origin: 'https://example.org', pathname: '/studio/' });
    expect(url).toBe(`https://example.org/studio/#/train?${withSplit(DEFAULT_QUERY, 1)}`);
    expect(parseHashQuery(new URL(url).hash)).toBe(withSplit(DEFAULT_QUERY, 1));
  });

  it('applies a link to the store and returns its errors', () => {
    trainingActions.setSettings({ maxEpochs: 99 });
    explorer.setParam('tversky', 'delta', 0.2);
    const errors = applySharedConfig(`${MODIFIED_QUERY.replace('alpha:none', 'alpha:0.1').replace('depth=4', 'depth=9')}&extra=1`);
    expect(errors).toEqual([
      'depth=9: must be an integer 2…5',
      'extra: unknown key (known keys: losses, epochs, size, width, height, depth, filters, batch, lr, opt, order, seed, steps, sweep, budget, slices, aug, best, seeds, folds, res, dims, zsize, spacing, mem, split, show, focus, p.<lossId>)',
    ]);
    const s = useStudio.getState();
    expect(s.training.settings).toEqual({ ...modified().settings, depth: 3 });
    expect(s.explorer.params.focal).toEqual({ alpha: [0.2, 0.3, 0.5], gamma: 1.5 });
    expect(s.explorer.params.asymmetricUnifiedFocal).toEqual({ lambda: 0.5, delta: 0.7, gamma: 0.2 });
    expect(s.explorer.params.combo).toEqual({ alpha: 0.1, beta: 0.9 });
    // tversky is in play without a p. key: back to the paper's δ.
    expect(s.explorer.params.tversky).toEqual({ delta: 0.7 });
    // Losses out of play keep their parameters.
    expect(s.explorer.params.dice).toEqual(paperParams('dice'));
    expect(s.explorer.selected).toEqual(['combo', 'tversky']);
    expect(s.explorer.focused).toBe('combo');
  });

  it('applying a link the store wrote gives the same link back', () => {
    const query = withSplit(MODIFIED_QUERY.replace('alpha:none', 'alpha:0.1'), 5);
    expect(query).toContain('&folds=2&res=fit&dims=2&mem=4096&split=5&show=');
    applySharedConfig(query);
    expect(useStudio.getState().dataset.splitSeed).toBe(5);
    expect(encodeConfigLink(currentConfig(useStudio.getState()))).toBe(query);
    // A link without the key leaves the split seed as it is.
    applySharedConfig('epochs=3');
    expect(useStudio.getState().dataset.splitSeed).toBe(5);
  });

  it('a focused loss left out of the shown ones stays unshown', () => {
    expect(applySharedConfig('show=dice&focus=combo')).toEqual([]);
    const e = useStudio.getState().explorer;
    expect(e.selected).toEqual(['dice']);
    expect(e.focused).toBe('combo');
  });

  it('a link longer than the limit changes nothing in the store', () => {
    const longest = `epochs=7&lr=0.1${'0'.repeat(MAX_LINK_LENGTH - 15)}`;
    const before = useStudio.getState();
    expect(applySharedConfig(`${longest}0&depth=4`)).toEqual([`the configuration link is ${MAX_LINK_LENGTH + 9} characters long, more than the ${MAX_LINK_LENGTH} a configuration needs: nothing in it was applied`]);
    expect(useStudio.getState().training).toBe(before.training);
    expect(useStudio.getState().explorer).toBe(before.explorer);
  });
});
