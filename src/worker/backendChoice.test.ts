import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../core/engine/configuration';
import { buildExperimentRequest } from '../core/engine/experimentRequest';
import { probeStepTime, type ProbeResult } from '../core/engine/probe';
import { switchBackend, type BackendInfo, type BackendName, type BackendResult } from './backend';
import { chooseFastestBackend, measurementText, type ChoiceDeps } from './backendChoice';

const facts = { origin: 'files' as const, description: 'x', numClasses: 2, channels: 1, caseIds: ['a', 'b', 'c'] };
const split = { train: ['a'], validation: ['b'], test: ['c'] };
const request = buildExperimentRequest({ settings: { ...defaultSettings(), losses: ['crossEntropy'], depth: 2, baseFilters: 4, inputWidth: 32, inputHeight: 32 }, params: {} }, facts, split);

/**
 * Backends that start or not, each with a step time; records the order of switches and probes so
 * the tests see what was measured and what the choice switched to last.
 */
function fakes(backends: Partial<Record<BackendName, { ms?: number; software?: boolean; fails?: string; probeFails?: string }>>) {
  const calls: string[] = [];
  let active: BackendName | null = null;
  const deps: ChoiceDeps = {
    switchTo: async (name): Promise<BackendResult> => {
      calls.push(`switch ${name}`);
      const b = backends[name];
      if (!b || b.fails) return { ok: false, name, reason: b?.fails ?? 'absent' };
      active = name;
      const info: BackendInfo = { name, adapter: `${name} adapter`, software: b.software ?? false };
      return { ok: true, info };
    },
    probe: async (_r, steps): Promise<ProbeResult> => {
      calls.push(`probe ${active}`);
      const b = backends[active!]!;
      if (b.probeFails) throw new Error(b.probeFails);
      return { msPerStep: b.ms!, steps, firstStepMs: 10 * b.ms!, backend: active! };
    },
  };
  return { deps, calls, active: () => active };
}

const ORDER: BackendName[] = ['webgpu', 'webgl', 'cpu'];

describe('the automatic backend: the fastest measured', () => {
  it('switches to the backend with the fewest milliseconds per step, not the first in the order', async () => {
    const f = fakes({ webgpu: { ms: 140, software: true }, webgl: { ms: 41, software: true }, cpu: { ms: 95 } });
    const c = await chooseFastestBackend(request, ORDER, f.deps);
    expect(c.info.name).toBe('webgl');
    expect(f.active()).toBe('webgl');
    expect(f.calls).toEqual(['switch webgpu', 'probe webgpu', 'switch webgl', 'probe webgl', 'switch cpu', 'probe cpu', 'switch webgl']);
    expect(c.measurements).toEqual([
      { name: 'webgpu', msPerStep: 140, firstStepMs: 1400 },
      { name: 'webgl', msPerStep: 41, firstStepMs: 410 },
      { name: 'cpu', msPerStep: 95, firstStepMs: 950 },
    ]);
    expect(measurementText(c.measurements)).toBe('WebGL 41.0 ms per step · CPU 95.0 ms per step · WebGPU 140 ms per step');
  });

  it('does not time the CPU next to a hardware GPU backend', async () => {
    const f = fakes({ webgpu: { ms: 12 }, webgl: { ms: 9 }, cpu: { ms: 1 } });
    const c = await chooseFastestBackend(request, ORDER, f.deps);
    expect(c.info.name).toBe('webgl');
    expect(f.calls).not.toContain('probe cpu');
    expect(c.measurements[2]).toEqual({ name: 'cpu', note: 'not measured: a hardware GPU backend is available' });
  });

  it('reports backends that do not start and probes that fail, and chooses among the rest', async () => {
    const f = fakes({ webgpu: { fails: 'no adapter' }, webgl: { probeFails: 'context lost', software: true }, cpu: { ms: 30 } });
    const c = await chooseFastestBackend(request, ORDER, f.deps);
    expect(c.info.name).toBe('cpu');
    expect(c.skipped).toEqual(['webgpu: no adapter']);
    expect(c.measurements.map((m) => m.note ?? m.msPerStep)).toEqual(['did not start: no adapter', 'the probe failed: context lost', 30]);
    expect(measurementText(c.measurements)).toBe('CPU 30.0 ms per step · WebGPU did not start: no adapter · WebGL the probe failed: context lost');
  });

  it('keeps the first backend that started when none could be timed, and fails when none starts', async () => {
    const f = fakes({ webgpu: { probeFails: 'out of memory' }, webgl: { fails: 'no context' } });
    expect((await chooseFastestBackend(request, ['webgpu', 'webgl'], f.deps)).info.name).toBe('webgpu');
    await expect(chooseFastestBackend(request, ['webgl'], fakes({ webgl: { fails: 'no context' } }).deps)).rejects.toThrow('No tfjs backend could start: webgl: no context');
  });

  it('in Node only the CPU starts: it is timed on the model and chosen, and no tensor is left behind', async () => {
    const before = tf.memory().numTensors;
    const c = await chooseFastestBackend(request, ORDER, { switchTo: switchBackend, probe: probeStepTime }, 2);
    expect(c.info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(c.skipped.map((s) => s.split(':')[0])).toEqual(['webgpu', 'webgl']);
    expect(c.measurements[2]!.msPerStep).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
