import { describe, expect, it } from 'vitest';
import { BestCheckpoint, EarlyStopping, isImprovement, ReduceLROnPlateau } from './schedule';

/** Feeds a scripted sequence of validation losses and returns the learning rate after each epoch. */
function lrs(schedule: ReduceLROnPlateau, losses: number[]): number[] {
  return losses.map((l) => schedule.update(l).learningRate);
}

describe('isImprovement', () => {
  it('is Keras min mode: strictly below best − minDelta, never NaN', () => {
    expect(isImprovement(1, Infinity)).toBe(true);
    expect(isImprovement(1, 1)).toBe(false);
    expect(isImprovement(0.99995, 1, 1e-4)).toBe(false);
    expect(isImprovement(0.9998, 1, 1e-4)).toBe(true);
    expect(isImprovement(NaN, Infinity)).toBe(false);
    expect(isImprovement(NaN, 1)).toBe(false);
    expect(isImprovement(Infinity, Infinity)).toBe(false);
  });
});

describe('ReduceLROnPlateau', () => {
  it('multiplies the rate by the factor after `patience` epochs without improvement (paper: ×0.1 after 10)', () => {
    const s = new ReduceLROnPlateau(0.1, { patience: 10, factor: 0.1 });
    const seq = [1, ...Array<number>(9).fill(1.5)];
    expect(lrs(s, seq).every((lr) => lr === 0.1)).toBe(true);
    const u = s.update(1.2); // the 10th epoch without improvement
    expect(u).toEqual({ learningRate: 0.1 * 0.1, improved: false, reduced: true });
    // the count starts again: another 10 epochs before the next reduction
    expect(lrs(s, Array<number>(9).fill(1.1)).every((lr) => lr === 0.1 * 0.1)).toBe(true);
    expect(s.update(1.1).learningRate).toBeCloseTo(0.001, 15);
    expect(s.state.reductions).toBe(2);
  });

  it('counts ties as no improvement and resets on an improvement', () => {
    const s = new ReduceLROnPlateau(1, { patience: 3, factor: 0.5 });
    //           improve tie  worse improve tie  tie  tie → reduce
    expect(lrs(s, [1.0, 1.0, 1.2, 0.9, 0.9, 0.9, 0.9])).toEqual([1, 1, 1, 1, 1, 1, 0.5]);
  });

  it('never counts NaN as an improvement', () => {
    const s = new ReduceLROnPlateau(1, { patience: 2, factor: 0.1 });
    expect(s.update(NaN)).toMatchObject({ improved: false, reduced: false });
    expect(s.update(NaN)).toMatchObject({ improved: false, reduced: true, learningRate: 0.1 });
    expect(s.state.best).toBe(Infinity);
    expect(s.update(5)).toMatchObject({ improved: true });
    expect(s.update(NaN).improved).toBe(false);
    expect(s.state.best).toBe(5);
  });

  it('requires a decrease larger than minDelta (Keras default 1e-4)', () => {
    const s = new ReduceLROnPlateau(1, { patience: 2, factor: 0.1, minDelta: 1e-4 });
    expect(lrs(s, [1, 0.99995, 0.99991])).toEqual([1, 1, 0.1]);
  });

  it('stops at minLearningRate', () => {
    const s = new ReduceLROnPlateau(1, { patience: 1, factor: 0.1, minLearningRate: 0.05 });
    expect(lrs(s, [1, 2, 2, 2])).toEqual([1, 0.1, 0.05, 0.05]);
    expect(s.state.reductions).toBe(2);
  });

  it('ignores epochs during the cooldown', () => {
    const s = new ReduceLROnPlateau(1, { patience: 1, factor: 0.5, cooldown: 2 });
    expect(lrs(s, [1, 2, 2, 2, 2])).toEqual([1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('resumes from its state', () => {
    const a = new ReduceLROnPlateau(1, { patience: 3, factor: 0.5 });
    lrs(a, [1, 2, 2]);
    const b = new ReduceLROnPlateau(1, { patience: 3, factor: 0.5 }, a.state);
    expect(b.update(2)).toEqual(a.update(2));
    expect(b.state).toEqual(a.state);
  });

  it('rejects impossible options', () => {
    expect(() => new ReduceLROnPlateau(0, { patience: 1, factor: 0.1 })).toThrow(/learning rate must be > 0/);
    expect(() => new ReduceLROnPlateau(1, { patience: 0, factor: 0.1 })).toThrow(/patience/);
    expect(() => new ReduceLROnPlateau(1, { patience: 1, factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
    expect(() => new ReduceLROnPlateau(1, { patience: 1, factor: 0.1, minDelta: -1 })).toThrow(/minDelta/);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement (paper: 20)', () => {
    const s = new EarlyStopping({ patience: 20 });
    expect(s.update(1)).toBe(false);
    for (let i = 0; i < 19; i++) expect(s.update(1 + i / 100)).toBe(false);
    expect(s.update(1)).toBe(true); // a tie is not an improvement: 20th epoch without one
    expect(s.stopped).toBe(true);
  });

  it('resets its count on an improvement, ties and NaN do not', () => {
    const s = new EarlyStopping({ patience: 3 });
    const out = [2, NaN, 2, 1.5, 1.5, NaN, 1.6].map((l) => s.update(l));
    expect(out).toEqual([false, false, false, false, false, false, true]);
  });

  it('stops on a run of NaN from the start', () => {
    const s = new EarlyStopping({ patience: 2 });
    expect([NaN, NaN].map((l) => s.update(l))).toEqual([false, true]);
    expect(s.state).toEqual({ best: Infinity, wait: 2, stopped: true });
  });

  it('honours minDelta and resumes from its state', () => {
    const a = new EarlyStopping({ patience: 2, minDelta: 0.1 });
    expect([1, 0.95].map((l) => a.update(l))).toEqual([false, false]);
    const b = new EarlyStopping({ patience: 2, minDelta: 0.1 }, a.state);
    expect(b.update(0.92)).toBe(true);
    expect(() => new EarlyStopping({ patience: 0 })).toThrow(/patience/);
  });
});

describe('BestCheckpoint', () => {
  it('keeps the first epoch of the lowest loss; NaN and ties never replace it', () => {
    const c = new BestCheckpoint();
    expect(c.bestEpoch).toBe(-1);
    const saved = [3, 2, 2, NaN, 1.5, 1.7, 1.5].map((l, e) => c.update(l, e));
    expect(saved).toEqual([true, true, false, false, true, false, false]);
    expect(c.state).toEqual({ best: 1.5, bestEpoch: 4 });
  });

  it('never saves on NaN only, and resumes from its state', () => {
    const c = new BestCheckpoint();
    expect(c.update(NaN, 0)).toBe(false);
    expect(c.best).toBe(Infinity);
    const d = new BestCheckpoint({ best: 0.5, bestEpoch: 3 });
    expect(d.update(0.6, 4)).toBe(false);
    expect(d.update(0.4, 5)).toBe(true);
    expect(d.bestEpoch).toBe(5);
  });
});
