import { beforeEach, describe, expect, it } from 'vitest';
import { explorer, resetStudio, useStudio } from './store';

describe('explorer state', () => {
  beforeEach(() => resetStudio());

  it('starts at the paper settings', () => {
    const p = useStudio.getState().explorer.params;
    expect(p.asymmetricUnifiedFocal).toEqual({ lambda: 0.5, delta: 0.6, gamma: 0.5 });
    expect(p.focal).toEqual({ alpha: 0.25, gamma: 2 });
    expect(p.focalTversky.gamma).toBeCloseTo(4 / 3, 12);
  });

  it('sets a parameter and rejects one outside its range, keeping the old value', () => {
    explorer.setParam('symmetricUnifiedFocal', 'gamma', 0.2);
    expect(useStudio.getState().explorer.params.symmetricUnifiedFocal.gamma).toBe(0.2);
    expect(() => explorer.setParam('symmetricUnifiedFocal', 'gamma', 1.5)).toThrow(/outside its range \[0, 1\]/);
    expect(useStudio.getState().explorer.params.symmetricUnifiedFocal.gamma).toBe(0.2);
  });

  it('focusing a loss also selects it; toggling removes it', () => {
    explorer.focusLoss('dice');
    expect(useStudio.getState().explorer.focused).toBe('dice');
    expect(useStudio.getState().explorer.selected).toContain('dice');
    explorer.toggleLoss('dice');
    expect(useStudio.getState().explorer.selected).not.toContain('dice');
  });

  it('resets one loss to the paper settings', () => {
    explorer.setParams('combo', { alpha: 0.1, beta: 0.9 });
    explorer.resetToPaper('combo');
    expect(useStudio.getState().explorer.params.combo).toEqual({ alpha: 0.5, beta: 0.5 });
  });
});
