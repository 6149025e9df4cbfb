import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { defaultSettings } from './configuration';
import { buildExperimentRequest } from './experimentRequest';
import { experimentTime, formatEstimate, probeStepTime } from './probe';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

const facts = { origin: 'files' as const, description: 'x', numClasses: 3, channels: 1, caseIds: ['a', 'b', 'c'] };
const split = { train: ['a'], validation: ['b'], test: ['c'] };

describe('the step-time probe', () => {
  it.each([
    ['2D 32×32', { dims: 2 as const, inputWidth: 32, inputHeight: 32 }],
    ['3D 16×16×16', { dims: 3 as const, inputWidth: 16, inputHeight: 16, inputDepth: 16 }],
  ])('times three steps of the request’s model and leaves no tensor behind: %s', async (_name, over) => {
    const request = buildExperimentRequest({ settings: { ...defaultSettings(), losses: ['asymmetricUnifiedFocal'], depth: 2, baseFilters: 4, ...over }, params: {} }, facts, split);
    const before = tf.memory().numTensors;
    const r = await probeStepTime(request);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.steps).toBe(3);
    expect(r.backend).toBe('cpu');
    expect(r.msPerStep).toBeGreaterThan(0);
    expect(Number.isFinite(r.msPerStep)).toBe(true);
    expect(r.firstStepMs).toBeGreaterThan(0);
  }, 60_000);

  it('turns a step time into the time of an epoch and of the experiment', () => {
    // 250 ms × 40 steps = 10 s an epoch; × 30 epochs × 8 runs = 2,400 s = 40 min.
    const t = experimentTime(250, 40, 30, 8);
    expect(t.epochMs).toBe(10_000);
    expect(t.totalMs).toBe(2_400_000);
    expect(t.text).toBe('a step takes 250 ms: an epoch of 40 steps about 10 s, the experiment (8 runs × up to 30 epochs) up to about 40 min, validation not counted');
    expect(formatEstimate(5.4 * 3600 * 1000)).toBe('about 5.4 h');
    expect(formatEstimate(3 * 86400 * 1000)).toBe('about 3.0 days');
  });
});
