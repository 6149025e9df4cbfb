import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../training/experiment';
import { replicateTable, type ReplicateRun } from './replicates';

const cases = (a: number, b: number): CaseResult[] => [
  { id: 'case-2', dsc: [a], iou: [0], precision: [0], recall: [0] },
  { id: 'case-10', dsc: [b], iou: [0], precision: [0], recall: [0] },
];
/** Cross entropy over five seeds: per-seed case DSCs whose means are 0.75, 0.65, 0.80, 0.70, 0.80. */
const CE: [number, number][] = [[0.7, 0.8], [0.6, 0.7], [0.8, 0.8], [0.7, 0.7], [0.75, 0.85]];
/** The unified focal loss: each seed's cases raised by 0.10, 0.11, 0.12, 0.13, 0.14. */
const LIFT = [0.1, 0.11, 0.12, 0.13, 0.14];

function runs(seeds: number, lift: (s: number) => number): ReplicateRun[] {
  const out: ReplicateRun[] = [];
  for (let s = 0; s < seeds; s++) {
    const [a, b] = CE[s] as [number, number];
    out.push({ runId: `ce:seed=${s}`, key: 'ce', label: 'CE', seed: s, fold: null, test: cases(a, b) });
    out.push({ runId: `auf:seed=${s}`, key: 'auf', label: 'aUF', seed: s, fold: null, test: cases(a + lift(s), b + lift(s)) });
  }
  return out;
}

describe('replicateTable', () => {
  it('means per seed, mean ± std across seeds, and the paired tests against the reference (values by hand)', () => {
    const [ce, auf] = replicateTable(runs(5, (s) => LIFT[s] as number));
    expect(ce?.replicates.map((r) => r.meanDsc)).toEqual([0.75, 0.65, 0.8, 0.7, 0.8].map((v) => expect.closeTo(v, 12)));
    // CE: mean 0.74, sample std sqrt(0.017 / 4); aUF: mean 0.86, sample std sqrt(0.021 / 4).
    expect(ce?.mean).toBeCloseTo(0.74, 12);
    expect(ce?.std).toBeCloseTo(Math.sqrt(0.017 / 4), 12);
    expect(auf?.mean).toBeCloseTo(0.86, 12);
    expect(auf?.std).toBeCloseTo(Math.sqrt(0.021 / 4), 12);
    const v = auf?.vsReference;
    expect(v?.difference).toBeCloseTo(0.12, 12);
    expect(v?.pairs).toBe(5);
    // Five positive, distinct differences: the exact two-sided signed-rank p is 2 / 2^5.
    expect(v?.pAcrossReplicates).toBeCloseTo(0.0625, 12);
    expect(v?.smallestPossibleP).toBeCloseTo(0.0625, 12);
    // Ten positive case differences (tied in pairs): far below 0.05, above the untied 2 / 2^10.
    expect(v?.casePairs).toBe(10);
    expect(v?.pAcrossCases).toBeGreaterThan(2 / 1024);
    expect(v?.pAcrossCases).toBeLessThan(0.01);
    expect(v?.withinSpread).toBe(false);
    expect(v?.words).toMatch(/^aUF − CE = \+0\.120 mean DSC over 5 paired seeds\/folds, larger than the seed-to-seed spread \(std up to 0\.072\); p = 0\.063 across seeds \(5 pairs cannot reach p < 0\.05: the smallest possible is 0\.063\), p = 0\.00\d across seeds × cases \(10 pairs\)$/);
    expect(ce?.vsReference).toBeNull();
  });
  it('a difference smaller than the seed-to-seed spread says so', () => {
    const [, auf] = replicateTable(runs(5, (s) => (s % 2 ? 0.03 : -0.01)));
    expect(auf?.vsReference?.difference).toBeCloseTo(0.006, 12);
    expect(auf?.vsReference?.withinSpread).toBe(true);
    expect(auf?.vsReference?.words).toMatch(/^aUF − CE = \+0\.006 mean DSC over 5 paired seeds\/folds, within the seed-to-seed spread/);
  });
  it('one seed: the spread is unknown; three seeds: p cannot go below 0.25', () => {
    const one = replicateTable(runs(1, () => 0.05))[1];
    expect(one?.vsReference?.words).toBe('aUF − CE = +0.050 mean DSC from one seed: the spread between seeds is unknown (train with more seeds to judge it)');
    const three = replicateTable(runs(3, (s) => LIFT[s] as number))[1];
    expect(three?.vsReference?.smallestPossibleP).toBeCloseTo(0.25, 12);
    expect(three?.vsReference?.words).toContain('(3 pairs cannot reach p < 0.05: the smallest possible is 0.250)');
  });
  it('folds pair with folds, seeds with seeds; a replicate without a partner is left out of the tests', () => {
    const r: ReplicateRun[] = [
      { runId: 'a0', key: 'a', label: 'A', seed: 1, fold: 0, test: cases(0.5, 0.5) },
      { runId: 'a1', key: 'a', label: 'A', seed: 1, fold: 1, test: cases(0.6, 0.6) },
      { runId: 'b0', key: 'b', label: 'B', seed: 1, fold: 0, test: cases(0.7, 0.7) },
      { runId: 'b2', key: 'b', label: 'B', seed: 1, fold: 2, test: cases(0.9, 0.9) },
    ];
    const [a, b] = replicateTable(r);
    expect(a?.replicates.map((x) => x.fold)).toEqual([0, 1]);
    expect(b?.vsReference?.pairs).toBe(1);
    expect(b?.vsReference?.difference).toBeCloseTo(0.2, 12);
    expect(replicateTable(r, { referenceKey: 'b' })[0]?.vsReference?.difference).toBeCloseTo(-0.2, 12);
  });
});
