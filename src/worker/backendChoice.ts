/**
 * The automatic backend: the fastest one measured on the experiment about to train, not the first
 * one that starts. Small convolutional networks often train faster on WebGL than on WebGPU, and
 * on a software adapter (SwiftShader) the CPU backend with the studio's kernels can beat both, so
 * the order of preference alone picks badly.
 *
 * Each backend of `order` that starts is timed on the request's model with the planner's probe
 * (core/engine/probe.ts: one untimed step that compiles the shaders, then `steps` timed SGD steps
 * read back at the end). The CPU is measured only when no hardware GPU backend started: next to
 * a real GPU it is never the fastest for a U-Net, and timing a large model on it would cost
 * minutes. The backend with the fewest milliseconds per step is switched to; when none could be
 * measured, the first that started is kept (as the order alone would choose).
 */
import type { ProbeResult } from '../core/engine/probe';
import type { ExperimentRequest } from '../core/training/experimentFile';
import type { BackendInfo, BackendName, BackendResult } from './backend';

export interface BackendMeasurement {
  name: BackendName;
  /** Milliseconds per training step over the timed steps; absent when not measured. */
  msPerStep?: number;
  /** The first, untimed step (shader compilation included). */
  firstStepMs?: number;
  /** Why it has no figure: it did not start, the probe failed, or it was not measured. */
  note?: string;
}

export interface BackendChoice {
  info: BackendInfo;
  /** Every backend of the order, in order, with its figure or the reason it has none. */
  measurements: BackendMeasurement[];
  /** The backends that did not start, with the reason (as chooseBackend reports them). */
  skipped: string[];
}

export interface ChoiceDeps {
  switchTo: (name: BackendName) => Promise<BackendResult>;
  probe: (request: ExperimentRequest, steps: number) => Promise<ProbeResult>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Measures the backends of `order` on the request's model and switches to the fastest. */
export async function chooseFastestBackend(request: ExperimentRequest, order: readonly BackendName[], deps: ChoiceDeps, steps = 3): Promise<BackendChoice> {
  const measurements: BackendMeasurement[] = [];
  const skipped: string[] = [];
  const started = new Map<BackendName, BackendInfo>();
  for (const name of order) {
    const r = await deps.switchTo(name);
    if (!r.ok) {
      skipped.push(`${r.name}: ${r.reason}`);
      measurements.push({ name, note: `did not start: ${r.reason}` });
      continue;
    }
    started.set(name, r.info);
    if (name === 'cpu' && [...started.values()].some((i) => i.name !== 'cpu' && !i.software)) {
      measurements.push({ name, note: 'not measured: a hardware GPU backend is available' });
      continue;
    }
    try {
      const p = await deps.probe(request, steps);
      measurements.push({ name, msPerStep: p.msPerStep, firstStepMs: p.firstStepMs });
    } catch (e) {
      measurements.push({ name, note: `the probe failed: ${message(e)}` });
    }
  }
  const timed = measurements.filter((m): m is BackendMeasurement & { msPerStep: number } => m.msPerStep !== undefined && Number.isFinite(m.msPerStep));
  const fastest = timed.reduce<(typeof timed)[number] | null>((best, m) => (best === null || m.msPerStep < best.msPerStep ? m : best), null);
  const pick = fastest?.name ?? [...started.keys()][0];
  if (pick === undefined) throw new Error(`No tfjs backend could start: ${skipped.join('; ')}`);
  const r = await deps.switchTo(pick);
  if (!r.ok) throw new Error(`the fastest backend, ${pick}, did not start again: ${r.reason}`);
  return { info: r.info, measurements, skipped };
}

/** The measured backends in words, fastest first, then those without a figure: "WebGL 41.0 ms per step · CPU 95.0 ms per step · WebGPU 140 ms per step". */
export function measurementText(measurements: readonly BackendMeasurement[]): string {
  const NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'CPU' };
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const timed = measurements.filter((m) => m.msPerStep !== undefined).sort((a, b) => a.msPerStep! - b.msPerStep!);
  const rest = measurements.filter((m) => m.msPerStep === undefined);
  return [...timed.map((m) => `${NAMES[m.name]} ${ms(m.msPerStep!)} ms per step`), ...rest.map((m) => `${NAMES[m.name]} ${m.note ?? 'not measured'}`)].join(' · ');
}
