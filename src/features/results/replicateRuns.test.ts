import { describe, expect, it } from 'vitest';
import { LOSSES, paperParams, type LossId } from '../../core/losses/registry';
import { replicateTable } from '../../core/results/replicates';
import type { RunHistory } from '../../core/training/experiment';
import { replicateRuns } from '../../core/training/runs';
import { configurationLabel, hasReplicates, replicateNamer, replicateRunsOf, replicateSeries } from './replicateRuns';

/** Histories of the runs replicateRuns makes (ids, labels, seeds, folds as the engine writes them), with made-up test DSCs. */
function histories(losses: LossId[], seeds: number, folds: number, dsc: (loss: LossId, seed: number, fold: number | null, c: number) => number): RunHistory[] {
  const specs = replicateRuns(
    losses.map((loss) => ({ id: loss, loss, label: LOSSES[loss].label })),
    { seeds, folds, firstSeed: 1 },
  );
  return specs.map((s) => ({
    id: s.id ?? s.loss,
    loss: s.loss,
    params: paperParams(s.loss),
    label: s.label ?? LOSSES[s.loss].label,
    ...(s.replicateOf !== undefined ? { replicateOf: s.replicateOf } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(s.fold !== undefined ? { fold: s.fold, folds: s.folds } : {}),
    status: 'done',
    stopReason: 'maxEpochs',
    steps: 1,
    stepLosses: [],
    epochs: [],
    bestEpoch: 0,
    bestValLoss: null,
    test: [0, 1, 2].map((c) => ({ id: `case-${c}`, dsc: [dsc(s.loss, s.seed ?? 1, s.fold ?? null, c)], iou: [0], precision: [0], recall: [0] })),
  }));
}

describe('replicate runs of an experiment', () => {
  it('a plain experiment has none; seeds or folds make them', () => {
    expect(hasReplicates({ runs: histories(['dice', 'focal'], 1, 1, () => 0.5) })).toBe(false);
    expect(hasReplicates({ runs: histories(['dice'], 2, 1, () => 0.5) })).toBe(true);
    expect(hasReplicates({ runs: histories(['dice'], 1, 2, () => 0.5) })).toBe(true);
  });

  it('runs of one configuration share its key and its label without the seed and fold words', () => {
    const runs = replicateRunsOf({ runs: histories(['dice', 'asymmetricUnifiedFocal'], 2, 3, () => 0.5) });
    expect(runs).toHaveLength(12);
    expect(runs[0]).toMatchObject({ runId: 'dice:seed=1:fold=1', key: 'dice', label: 'Dice', seed: 1, fold: 1 });
    expect(runs[11]).toMatchObject({ runId: 'asymmetricUnifiedFocal:seed=2:fold=3', key: 'asymmetricUnifiedFocal', label: LOSSES.asymmetricUnifiedFocal.label, seed: 2, fold: 3 });
    expect(new Set(runs.map((r) => r.label))).toEqual(new Set(['Dice', LOSSES.asymmetricUnifiedFocal.label]));
    // A plain run keeps its label and id; a label that merely ends in digits is left alone.
    expect(configurationLabel({ id: 'x', label: 'UF γ = 0.2' })).toBe('UF γ = 0.2');
    expect(configurationLabel({ id: 'x:seed=3', label: 'UF γ = 0.2 · seed 3', replicateOf: 'x' })).toBe('UF γ = 0.2');
    expect(configurationLabel({ id: 'x:seed=3', label: ' · seed 3', replicateOf: 'x' })).toBe('x');
  });

  it('names replicates by what the experiment varies', () => {
    const both = replicateNamer({ runs: histories(['dice'], 2, 3, () => 0.5) });
    expect(both({ seed: 2, fold: 1 })).toBe('seed 2 · fold 1/3');
    const seeds = replicateNamer({ runs: histories(['dice'], 3, 1, () => 0.5) });
    expect(seeds({ seed: 3, fold: null })).toBe('seed 3');
    const folds = replicateNamer({ runs: histories(['dice'], 1, 4, () => 0.5) });
    expect(folds({ seed: 1, fold: 2 })).toBe('fold 2/4');
  });

  it('feeds the replicate table: per-seed means, the reference configuration, and the chart series', () => {
    // Focal beats Dice by 0.1 on every case of every seed; seeds move both by 0.02 × seed.
    const runs = histories(['dice', 'focal'], 3, 1, (loss, seed, _fold, c) => 0.5 + 0.02 * seed + 0.01 * c + (loss === 'focal' ? 0.1 : 0));
    const snapshot = { runs };
    const rows = replicateTable(replicateRunsOf(snapshot), { classIndex: 0, referenceKey: 'dice' });
    expect(rows.map((r) => r.label)).toEqual(['Dice', 'Focal']);
    expect(rows[0]?.replicates.map((r) => r.meanDsc)).toEqual([0.53, 0.55, 0.57].map((v) => expect.closeTo(v, 12)));
    expect(rows[0]?.vsReference).toBeNull();
    const v = rows[1]?.vsReference;
    expect(v?.difference).toBeCloseTo(0.1, 12);
    expect(v?.pairs).toBe(3);
    expect(v?.smallestPossibleP).toBeCloseTo(0.25, 12);
    expect(v?.casePairs).toBe(9);
    expect(v?.withinSpread).toBe(false);
    expect(v?.words).toMatch(/^Focal − Dice = \+0\.100 mean DSC over 3 paired seeds\/folds, larger than/);
    const series = replicateSeries(rows, snapshot);
    expect(series[1]).toMatchObject({ key: 'focal', label: 'Focal', color: LOSSES.focal.color });
    expect(series[1]?.points.map((p) => p.name)).toEqual(['seed 1', 'seed 2', 'seed 3']);
    expect(series[1]?.mean).toBeCloseTo(0.65, 12);
    expect(series[1]?.std).toBeCloseTo(0.02, 12);
  });
});
