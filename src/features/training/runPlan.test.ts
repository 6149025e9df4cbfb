import { describe, expect, it } from 'vitest';
import { defaultSettings, type TrainingSettings } from '../../core/engine/configuration';
import { buildExperimentRequest } from '../../core/engine/experimentRequest';
import type { ExperimentRequest } from '../../core/training/experimentFile';
import { liveProgress, runPlan } from './runPlan';

const settings = (s: Partial<TrainingSettings>): TrainingSettings => ({ ...defaultSettings(), ...s });
const dataset = { origin: 'demo' as const, description: 'ten cases', numClasses: 2, channels: 1, caseIds: Array.from({ length: 10 }, (_, i) => `c${i}`) };
const split = { train: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'], validation: ['c6', 'c7'], test: ['c8', 'c9'] };

describe('runPlan: the run count beside Start', () => {
  it('is loss configurations × seeds × folds, the count the experiment request has', () => {
    const s = settings({ losses: ['dice', 'focal', 'tversky'], seeds: 3, folds: 2 });
    const plan = runPlan({ settings: s, params: {} });
    expect(plan).toMatchObject({ configurations: 3, seeds: 3, folds: 2, runs: 18, tooMany: null });
    expect(plan?.text).toBe('3 loss configurations × 3 seeds × 2 folds = 18 runs');
    expect(buildExperimentRequest({ settings: s, params: {} }, dataset, split).runs).toHaveLength(18);
  });
  it('leaves out factors of one, and counts γ-sweep runs as configurations', () => {
    expect(runPlan({ settings: settings({ losses: ['dice'] }), params: {} })?.text).toBe('1 run');
    expect(runPlan({ settings: settings({ losses: ['dice', 'focal'], seeds: 2 }), params: {} })?.text).toBe('2 loss configurations × 2 seeds = 4 runs');
    expect(runPlan({ settings: settings({ losses: ['asymmetricUnifiedFocal', 'dice'], gammaSweep: true, folds: 3 }), params: {} })?.text).toBe(
      '9 loss configurations × 3 folds = 27 runs',
    );
  });
  it('says when the count is more than an experiment holds, and gives no count for seeds or folds out of bounds', () => {
    const many = runPlan({ settings: settings({ losses: ['symmetricUnifiedFocal', 'asymmetricUnifiedFocal'], gammaSweep: true, seeds: 10, folds: 10 }), params: {} });
    expect(many?.runs).toBe(1800);
    expect(many?.tooMany).toBe('more than the 500 runs an experiment holds');
    expect(runPlan({ settings: settings({ seeds: 0 }), params: {} })).toBeNull();
    expect(runPlan({ settings: settings({ folds: 11 }), params: {} })).toBeNull();
    expect(runPlan({ settings: settings({ folds: 1.5 }), params: {} })).toBeNull();
  });
});

describe('liveProgress: the progress bar and the time left', () => {
  const request = (s: Partial<TrainingSettings>): ExperimentRequest => buildExperimentRequest({ settings: settings({ losses: ['dice', 'focal'], ...s }), params: {} }, dataset, split);
  const live = (r: ExperimentRequest, stepsDone: number, stepsBefore?: number) => ({
    request: r,
    snapshot: null,
    stepsPerEpoch: 10,
    stepsDone,
    startedAt: 1000,
    ...(stepsBefore === undefined ? {} : { stepsBefore }),
  });

  it('without a step budget: runs × epochs × steps per epoch', () => {
    const p = liveProgress(live(request({ maxEpochs: 5 }), 25), 1000 + 50_000);
    expect(p).toEqual({ total: 100, done: 25, fraction: 0.25, etaSeconds: 150 });
  });
  it('a step budget fewer than the epochs allow bounds every run, so the bar and the time left follow it', () => {
    const p = liveProgress(live(request({ maxEpochs: 5, maxSteps: 30 }), 15), 1000 + 15_000);
    expect(p).toEqual({ total: 60, done: 15, fraction: 0.25, etaSeconds: 45 });
    // A budget larger than the epochs allow changes nothing.
    expect(liveProgress(live(request({ maxEpochs: 5, maxSteps: 500 }), 0), 1000).total).toBe(100);
  });
  it('counts replicate runs, and a resume starts from the steps taken before at the rate since the resume', () => {
    const r = request({ maxEpochs: 5, seeds: 2, folds: 2 });
    expect(r.runs).toHaveLength(8);
    const p = liveProgress(live(r, 40, 200), 1000 + 20_000);
    // 400 steps at most, 240 done; 40 steps in 20 s: 160 left take 80 s.
    expect(p.total).toBe(400);
    expect(p.done).toBe(240);
    expect(p.etaSeconds).toBeCloseTo(80, 9);
    expect(Number.isNaN(liveProgress(live(r, 0, 200), 1000 + 5000).etaSeconds)).toBe(true);
  });
  it('the engine resolved configuration wins once the experiment has started', () => {
    const r = request({ maxEpochs: 5 });
    const started = { ...live(r, 0), snapshot: { config: { ...r.training, maxEpochs: 5, maxSteps: 12 } } } as unknown as Parameters<typeof liveProgress>[0];
    expect(liveProgress(started, 1000).total).toBe(24);
  });
});
