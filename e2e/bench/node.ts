/**
 * Training benchmark in plain Node (npm run bench:node), on the tfjs CPU backend and on WebGPU
 * through Dawn (the npm package `webgpu`; a real GPU where the machine has one and a Vulkan
 * driver for it, or a software adapter such as SwiftShader). Bundled by e2e/bench/vite.config.ts
 * into e2e/bench/.out/node.mjs with `webgpu` left external, so dawn.node is loaded from
 * node_modules or from --dawn / DAWN_NODE. The training steps are measured by src/core/training/stepBench.ts,
 * the same plan as the browser's benchmark worker: see there.
 * The 3-D U-Nets of --models3d (default 16³, 4 filters, depth 2) run after the 2-D sizes on
 * every backend, with fewer steps and losses (--timed3d, --rounds3d, --per-round3d, --losses3d). Per backend and model it prints,
 * measured in this one run:
 * - per loss: step time ÷ cross-entropy step time in rotating interleaved rounds (median and
 *   25th–75th percentile over the rounds);
 * - steps per second, the first step's time (on WebGPU mostly shader compilation), and WebGPU's
 *   steps per second ÷ the CPU's for each size of a sweep (where WebGPU overtakes the CPU);
 * - tf.memory() numTensors after step 1 and after step --steps (they must be equal);
 * - the planner's memory estimate of a step (core/engine/planner.ts estimateStepMemory, the plan
 *   of the run's model, batch and timed losses) ÷ the bytes measured in the same run: on the CPU
 *   tf.profile's peak of one step minus the bytes live before it, on WebGPU the buffer pool
 *   (numBytesAllocatedInGPU), the highest numBytesInGPU and its largest rise within a step;
 *   printed, never judged;
 * - the WebGPU adapter (vendor, architecture, device, description, fallback/software);
 * and, with --check (default), whether each backend computes the losses, their gradients and a
 * U-Net's gradients as the CPU backend and the numpy reference do (lossCheck.ts).
 * The CPU backend runs the product's kernels (core/kernels registerFastCpuKernels), or tfjs's
 * stock ones with --stock-kernels. Options: nodeOptions.ts. Results are merged under "node" into --out / BENCH_OUT (default
 * bench-results.json). Exit status 1 when a backend could not run, tensors grew, or the check failed.
 *
 * Without a GPU, SwiftShader (Chromium's) serves as the Vulkan driver:
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     node e2e/bench/.out/node.mjs --backends cpu,webgpu
 */
import { dawn, options } from './nodeSetup';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../../src/core/kernels';
import { switchBackend } from '../../src/worker/backend';
import { releaseDawn, type AdapterReport } from '../../src/cli/dawn';
import { CHECK_TOLERANCE, compareProbes, probeBackend, PROBE, type Probe, type ProbeComparison } from './lossCheck';
import type { NodeBackend } from './nodeOptions';
import { memoryEstimateRatios, runStepBench, type StepBenchResult, type StepMemory } from '../../src/core/training/stepBench';

interface Run {
  /** 2 (absent in files of earlier runs) or 3. */
  dims?: 2 | 3;
  /** 2-D: the side of the square input; 3-D: the patch's width. */
  size: number;
  /** 3-D: the patch. */
  patch?: { width: number; height: number; depth: number };
  filters: number;
  depth: number;
  backend: NodeBackend;
  result?: StepBenchResult;
  error?: string;
  /** CPU time of this process during the run (user + system): about the wall time when one core was free for it. */
  processCpuSeconds?: number;
}

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const log = (message: string) => console.log(`${elapsed()}  ${message}`);
const f = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const e = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : v === 0 ? '0' : v.toExponential(1));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Switches to `backend`; the reason when it cannot run. */
async function activate(backend: NodeBackend): Promise<string | null> {
  if (backend === 'webgpu') {
    if (dawn === null) return 'WebGPU was not set up';
    if ('error' in dawn) return dawn.error;
    if ('error' in dawn.adapter) return dawn.adapter.error;
  }
  const r = await switchBackend(backend);
  if (!r.ok) return r.reason;
  // The CPU backend's kernels: the product's (core/kernels) unless --stock-kernels.
  if (backend === 'cpu') {
    if (options.stockKernels) restoreStockCpuKernels();
    else registerFastCpuKernels();
  }
  return null;
}

function printAdapter(): AdapterReport | null {
  if (dawn === null) return null;
  if ('error' in dawn) {
    log(dawn.error);
    return null;
  }
  if ('error' in dawn.adapter) {
    log(`Dawn (${dawn.source}): ${dawn.adapter.error}`);
    return null;
  }
  const a = dawn.adapter;
  log(
    `WebGPU adapter: vendor ${a.vendor || '—'}, architecture ${a.architecture || '—'}, device ${a.device || '—'}, ` +
      `description ${a.description || '—'}; ${a.isFallbackAdapter ? 'a fallback adapter' : 'not a fallback adapter'}` +
      `${a.software ? ', software (runs on the CPU)' : ''}. Dawn from ${dawn.source}${dawn.options.length ? `, options ${dawn.options.join('; ')}` : ''}`,
  );
  return a;
}

async function check(): Promise<{ probes: Partial<Record<NodeBackend, Probe>>; comparisons: Partial<Record<NodeBackend, ProbeComparison>>; errors: string[] }> {
  const probes: Partial<Record<NodeBackend, Probe>> = {};
  const errors: string[] = [];
  // The CPU first: it is what the others are compared with.
  const order: NodeBackend[] = ['cpu', ...options.backends.filter((b) => b !== 'cpu')];
  for (const backend of order) {
    const why = await activate(backend);
    if (why) {
      errors.push(`${backend}: ${why}`);
      continue;
    }
    log(`check on ${backend}: the numpy reference table, ${PROBE.batch}×${PROBE.lossSize}×${PROBE.lossSize} losses and a U-Net's gradients…`);
    try {
      const before = tf.memory().numTensors;
      probes[backend] = await probeBackend();
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) errors.push(`${backend}: the check left ${leaked} tensors behind`);
    } catch (err) {
      errors.push(`${backend}: ${message(err)}`);
    }
  }
  const comparisons: Partial<Record<NodeBackend, ProbeComparison>> = {};
  const cpu = probes.cpu;
  if (cpu) for (const b of options.backends) if (probes[b]) comparisons[b] = compareProbes(probes[b], cpu);

  for (const [b, c] of Object.entries(comparisons) as [NodeBackend, ProbeComparison][]) {
    console.log(
      `\nCheck on ${b} (tolerance ${CHECK_TOLERANCE} relative): ${c.referenceCases} numpy reference cases, largest relative error ${e(c.referenceMaxRelativeError)} ` +
        `(vs the CPU backend ${e(c.referenceMaxRelativeErrorVsCpu)}), ${c.referenceFailures.length} outside the tolerance or with a non-finite gradient` +
        `${c.referenceFailures.length ? `: ${c.referenceFailures.slice(0, 5).map((r) => r.name).join(', ')}` : ''}. ${c.ok ? 'PASS' : 'FAIL'}\n`,
    );
    console.log(`| loss (${PROBE.batch}×${PROBE.lossSize}×${PROBE.lossSize}×2) | value | CPU value | relative difference | gradient: max difference ÷ max |`);
    console.log('|---|---|---|---|---|');
    for (const l of c.losses) console.log(`| ${l.loss} | ${f(l.value, 7)} | ${f(l.cpuValue, 7)} | ${e(l.relativeError)} | ${e(l.gradientRelativeError)} |`);
    const m = PROBE.model;
    for (const r of c.model) {
      console.log(
        `| U-Net ${m.inputHeight}×${m.inputWidth}, ${m.baseFilters} filters, depth ${m.depth}: ${r.loss} | ${f(r.value, 7)} | ${f(r.cpuValue, 7)} | ${e(r.relativeError)} | ` +
          `weight-gradient norm ${f(r.gradientNorm, 5)}, relative difference ${e(r.gradientNormRelativeError)} |`,
      );
    }
  }
  return { probes, comparisons, errors };
}

/**
 * Every model size on every backend: one backend's sizes after the other's, so that a watchdog
 * that stops a slow backend's large sizes loses nothing else. `save` is called after each run.
 */
async function bench(runs: Run[], save: () => void): Promise<void> {
  for (const backend of options.backends) {
    const models: Run[] = [
      ...options.models.map(({ size, filters, depth }) => ({ dims: 2 as const, size, filters, depth, backend })),
      ...options.models3d.map(({ patch, filters, depth }) => ({ dims: 3 as const, size: patch.width, patch, filters, depth, backend })),
    ];
    for (const run of models) {
      const { size, filters, depth } = run;
      const three = run.dims === 3;
      // One turn of the event loop, where a pending SIGTERM is handled (CPU steps never yield).
      await new Promise((resolve) => setImmediate(resolve));
      runs.push(run);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const why = !three && backend === 'cpu' && options.cpuMaxSize !== null && size > options.cpuMaxSize ? `skipped: size above --cpu-max-size ${options.cpuMaxSize}` : await activate(backend);
      if (why) {
        run.error = why;
        log(`${backend}: ${why}`);
        save();
        continue;
      }
      log(`${backend}: ${three ? '3-D ' : ''}U-Net ${modelKey(run)}, batch ${options.batch}`);
      try {
        run.result = await runStepBench(
          {
            backend,
            ...(run.patch ? { dims: 3 as const, patch: run.patch } : {}),
            size,
            depth,
            baseFilters: filters,
            batchSize: options.batch,
            warmupSteps: options.warmup,
            timedSteps: three ? options.timed3d : options.timed,
            // 3-D: tf.memory() again after the timed loop, rather than after steps added for it.
            memorySteps: three ? 1 + options.warmup + options.timed3d : options.steps,
            losses: options.lossBackends.includes(backend) ? (three ? options.losses3d : options.losses) : 'none',
            rounds: three ? options.rounds3d : options.rounds,
            perRound: three ? options.perRound3d : options.perRound,
            budgetSeconds: options.seconds,
            ...(options.stopAfter === null ? {} : { stopAfterSeconds: options.stopAfter }),
          },
          log,
          t0,
        );
      } catch (err) {
        run.error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
        log(`${backend}: ${run.error}`);
      }
      const cpu = process.cpuUsage(cpu0);
      run.processCpuSeconds = (cpu.user + cpu.system) / 1e6;
      save();
    }
  }
}

/** numTensors after step 1 and after the step --steps (or the last step, when fewer were taken). */
function tensorCounts(r: StepBenchResult): { after1: number | null; afterN: number | null; stepN: number | null; flat: boolean } {
  const m1 = r.memory.find((m) => m.step === 1);
  const mN = r.memory.find((m) => m.step === r.request.memorySteps) ?? r.memory[r.memory.length - 1];
  const after1 = m1?.numTensors ?? null;
  const afterN = mN && mN !== m1 ? mN.numTensors : null;
  return { after1, afterN, stepN: mN && mN !== m1 ? mN.step : null, flat: after1 !== null && afterN !== null && after1 === afterN };
}

/** 2-D 32×32/4f/d2, 3-D 16³/4f/d2 or 32×32×16/4f/d2 (width × height × depth). */
const modelKey = (r: Run) => {
  const p = r.patch;
  const input = !p ? `${r.size}×${r.size}` : p.width === p.height && p.height === p.depth ? `${p.width}³` : `${p.width}×${p.height}×${p.depth}`;
  return `${input}/${r.filters}f/d${r.depth}`;
};
const runKey = (r: Run) => `${r.backend} ${modelKey(r)}`;

/** The figures of the runs so far, keyed by backend and model. */
function summarize(runs: readonly Run[]) {
  const lossStepRatio: Record<string, Record<string, number>> = {};
  const lossStepRatioIqr: Record<string, Record<string, [number, number]>> = {};
  const stepsPerSecond: Record<string, Partial<Record<NodeBackend, number>>> = {};
  const firstStepSeconds: Record<string, Partial<Record<NodeBackend, number>>> = {};
  const tensors: Record<string, ReturnType<typeof tensorCounts>> = {};
  const webgpuOverCpu: Record<string, number> = {};
  /** The planner's estimate ÷ each measured byte count (memoryEstimateRatios). */
  const memoryEstimate: Record<string, ReturnType<typeof memoryEstimateRatios>> = {};
  for (const r of runs) {
    const res = r.result;
    if (!res) continue;
    if (res.stepMemory) memoryEstimate[runKey(r)] = memoryEstimateRatios(res.stepMemory);
    if (res.lossTimings.length > 0) {
      lossStepRatio[runKey(r)] = Object.fromEntries(res.lossTimings.map((t) => [t.loss, t.ratio]));
      lossStepRatioIqr[runKey(r)] = Object.fromEntries(res.lossTimings.map((t) => [t.loss, t.ratioIqr]));
    }
    (stepsPerSecond[modelKey(r)] ??= {})[r.backend] = res.stepsPerSecond;
    (firstStepSeconds[modelKey(r)] ??= {})[r.backend] = res.firstStepSeconds;
    tensors[runKey(r)] = tensorCounts(res);
  }
  for (const [key, sps] of Object.entries(stepsPerSecond)) {
    if (sps.cpu !== undefined && sps.webgpu !== undefined) webgpuOverCpu[key] = sps.webgpu / sps.cpu;
  }
  return { lossStepRatio, lossStepRatioIqr, stepsPerSecond, webgpuOverCpu, firstStepSeconds, tensors, memoryEstimate };
}


function printReport(runs: readonly Run[], adapter: AdapterReport | null): void {
  const s = summarize(runs);
  for (const r of runs) {
    const res = r.result;
    if (!res || res.lossTimings.length === 0) continue;
    const ce = res.lossTimings.find((t) => t.loss === 'crossEntropy');
    const soft = r.backend === 'webgpu' && adapter?.software ? ', software adapter' : '';
    console.log(
      `\nStep time per loss on ${r.dims === 3 ? '3-D ' : ''}${runKey(r)}${soft}: ${ce?.roundsMs.length ?? 0} interleaved rounds × ${res.request.perRound} steps per loss; ` +
        'step ms: median over the rounds; ÷ cross-entropy: median over the rounds of (loss step ÷ cross-entropy step of the same round), ' +
        'with the 25th–75th percentile of those per-round ratios.\n',
    );
    console.log('| loss | step ms | ÷ cross-entropy | 25th–75th percentile | first step s |');
    console.log('|---|---|---|---|---|');
    for (const t of res.lossTimings) {
      const spread = t.loss === 'crossEntropy' ? '—' : `${f(t.ratioIqr[0], 3)}–${f(t.ratioIqr[1], 3)}`;
      console.log(`| ${t.loss} | ${f(t.medianMs, 1)} | ${f(t.ratio, 3)} | ${spread} | ${f(t.firstStepMs / 1000, 2)} |`);
    }
  }

  const warmup = runs.find((r) => r.result)?.result?.request.warmupSteps ?? options.warmup;
  console.log(
    `\nBackends: steps/s over the timed cross-entropy steps (after ${warmup} warm-up steps; the loss read back every 5 steps); ` +
      'first step: step 1 until its loss is read back; tensors: tf.memory().numTensors after step 1 and after step N (must be equal)\n',
  );
  console.log('| size | filters | depth | parameters | backend | steps/s | ms/step | timed steps | first step s | tensors after 1 | after N | N | flat |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const res = r.result;
    if (!res) {
      console.log(`| ${inputOf(r)} | ${r.filters} | ${r.depth} | — | ${r.backend} | ${(r.error ?? 'not run').split('\n')[0]} | | | | | | | |`);
      continue;
    }
    const t = tensorCounts(res);
    console.log(
      `| ${inputOf(r)} | ${r.filters} | ${r.depth} | ${res.model.parameters.toLocaleString('en-US')} | ${r.backend} | ${f(res.stepsPerSecond, 3)} | ` +
        `${f(1000 / res.stepsPerSecond, 1)} | ${res.timedSteps} | ${f(res.firstStepSeconds, 2)} | ${t.after1 ?? '—'} | ${t.afterN ?? '—'} | ${t.stepN ?? '—'} | ${t.flat ? 'yes' : 'NO'} |`,
    );
  }
  printMemory(runs);
  const ratios = Object.entries(s.webgpuOverCpu);
  if (ratios.length > 0) {
    console.log(
      `\nWebGPU ÷ CPU: steps/s of the same model in this run (above 1: WebGPU trains faster)` +
        `${adapter?.software ? '; the adapter is a software one, so this says nothing about a GPU' : ''}\n`,
    );
    console.log('| model | webgpu ÷ cpu |');
    console.log('|---|---|');
    for (const [key, v] of ratios) console.log(`| ${key} | ${f(v, 2)} |`);
  }
}

/** The input column of the tables: 32 (2-D, 32 × 32), 16³ or 32×32×16 (3-D). */
const inputOf = (r: Run) => modelKey(r).split('/')[0] ?? String(r.size);

const MiB = (v: number | undefined) => (v === undefined ? '—' : (v / 2 ** 20).toFixed(2));

/** The planner's estimate of a step ÷ the bytes measured in the same run, per backend and model. */
function printMemory(runs: readonly Run[]): void {
  const measured = runs.filter((r) => r.result?.stepMemory);
  if (measured.length === 0) return;
  console.log(
    "\nThe planner's memory estimate of a step (estimateStepMemory of the run's model, batch 2 and timed losses, the largest loss's) " +
      '÷ what was measured in the same run (the planner aims within 25 %). The CPU estimate, and the estimate on the run\'s backend (times its ' +
      'BACKEND_MEMORY_FACTOR), which the ratios use. CPU: tf.profile peakBytes of one step minus the bytes ' +
      'live before it, the largest over the losses. WebGPU: the buffer pool (numBytesAllocatedInGPU at the end, free buffers included), ' +
      'the highest numBytesInGPU during a step (weights, batch and optimizer included) and its largest rise within one step. MiB.\n',
  );
  console.log('| model | backend | losses | CPU estimate | estimate on the backend | CPU step peak | ÷ | GPU pool | ÷ | GPU peak in use | ÷ | GPU rise in a step | ÷ |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of measured) {
    const m = r.result?.stepMemory as StepMemory;
    const q = memoryEstimateRatios(m);
    const losses = m.plan.losses?.length === 1 ? (m.plan.losses[0] ?? '') : `${m.plan.losses?.length ?? 0}`;
    const cell = (v: number | undefined, ratio: number | null) => (v === undefined ? '— | —' : `${MiB(v)} | ${f(ratio ?? NaN, 2)}`);
    console.log(
      `| ${r.dims === 3 ? '3-D ' : ''}${modelKey(r)} | ${r.backend} | ${losses} | ${MiB(m.cpuEstimateBytes)} | ${MiB(m.estimateBytes)} | ${cell(m.profileStepBytes, q.overProfileStep)} | ` +
        `${cell(m.gpuAllocatedBytes, q.overGpuAllocated)} | ${cell(m.gpuPeakBytes, q.overGpuPeak)} | ${cell(m.gpuStepBytes, q.overGpuStep)} |`,
    );
  }
}

/** CPU time of the whole host (Linux /proc/stat): busy and total ticks. */
function hostTicks(): { busy: number; total: number } | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    return { busy: cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0), total: cpu.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Problems that make the exit status 1. */
function failures(runs: readonly Run[], checked: Awaited<ReturnType<typeof check>> | null): string[] {
  const out: string[] = [];
  for (const r of runs) {
    if (!r.result && !r.error?.startsWith('skipped')) out.push(`${runKey(r)}: ${(r.error ?? 'not run').split('\n')[0]}`);
    else if (r.result && !tensorCounts(r.result).flat) out.push(`${runKey(r)}: tensors after step 1 and step N differ`);
  }
  if (checked) {
    out.push(...checked.errors.map((x) => `check: ${x}`));
    for (const [b, c] of Object.entries(checked.comparisons)) if (!c.ok) out.push(`check on ${b} failed`);
  }
  return out;
}

/** Prints the tables of a results file written by this benchmark (e.g. by a run a watchdog stopped). */
function reprint(file: string): number {
  const saved = (JSON.parse(readFileSync(file, 'utf8')) as { node?: { runs?: Run[]; dawn?: { adapter?: AdapterReport | { error: string } } | null; failures?: string[]; complete?: boolean } }).node;
  if (!saved?.runs) throw new Error(`${file} holds no results of this benchmark (no "node.runs")`);
  const adapter = saved.dawn?.adapter && !('error' in saved.dawn.adapter) ? saved.dawn.adapter : null;
  console.log(`\nResults in ${file}${saved.complete ? '' : ' (a run that did not reach its end: the runs it finished)'}`);
  printReport(saved.runs, adapter);
  if (saved.failures?.length) console.log(`\nFAILED: ${saved.failures.join('; ')}`);
  return 0;
}

async function main(): Promise<number> {
  if (options.report !== null) return reprint(options.report);
  const ticks0 = hostTicks();
  const cores = cpus().length;
  console.log(
    `\nTraining benchmark in Node ${process.version} (${process.platform}-${process.arch}, ${cores} cores, ${cpus()[0]?.model ?? 'unknown CPU'}): ` +
      `backends ${options.backends.join(', ')}${options.backends.includes('cpu') ? ` (CPU kernels: ${options.stockKernels ? "tfjs's stock ones" : 'core/kernels'})` : ''}; models ${options.models.map((m) => `${m.size}×${m.size}/${m.filters} filters/depth ${m.depth}`).join(', ')}` +
      `${options.models3d.length ? `; 3-D ${options.models3d.map((m) => `${m.patch.width}×${m.patch.height}×${m.patch.depth}/${m.filters} filters/depth ${m.depth}`).join(', ')}` : ''}; batch ${options.batch}\n`,
  );
  const adapter = printAdapter();
  if (options.adapterOnly) {
    console.log(JSON.stringify({ dawn }));
    return adapter ? 0 : 2;
  }
  const runs: Run[] = [];
  let checked: Awaited<ReturnType<typeof check>> | null = null;
  const previous = existsSync(options.out) ? (JSON.parse(readFileSync(options.out, 'utf8')) as Record<string, unknown>) : {};
  /** Writes what there is so far, so that a run stopped by a watchdog still leaves its figures. */
  const save = (done = false) => {
    const ticks = hostTicks();
    const busyCores = ticks0 && ticks && ticks.total > ticks0.total ? (ticks.busy - ticks0.busy) / ((ticks.total - ticks0.total) / cores) : null;
    const node = {
      complete: done,
      settings: options,
      host: { node: process.version, platform: `${process.platform}-${process.arch}`, cores, cpu: cpus()[0]?.model ?? null, busyCores, loadAverage1m: loadavg()[0] ?? null },
      dawn: dawn === null ? null : 'error' in dawn ? { error: dawn.error } : { source: dawn.source, options: dawn.options, adapter: dawn.adapter },
      check: checked
        ? { tolerance: CHECK_TOLERANCE, probe: PROBE, seconds: Object.fromEntries(Object.entries(checked.probes).map(([b, p]) => [b, p.seconds])), comparisons: checked.comparisons, errors: checked.errors }
        : null,
      ...summarize(runs),
      runs,
      failures: failures(runs, checked),
      wallSeconds: (performance.now() - started) / 1000,
    };
    writeFileSync(options.out, JSON.stringify({ ...previous, node }, null, 2));
    return node;
  };
  /** Prints the tables, writes the JSON, and gives the exit status (1 on any failure). */
  const finish = (complete: boolean): number => {
    printReport(runs, adapter);
    const node = save(complete);
    if (node.host.busyCores !== null) console.log(`\nHost CPU during the run: ${node.host.busyCores.toFixed(2)} of ${cores} cores busy on average (this benchmark and any other process).`);
    console.log(`\nwritten to ${options.out} (under "node"); the benchmark took ${node.wallSeconds.toFixed(0)} s${complete ? '' : ', and was stopped before its end'}`);
    if (node.failures.length > 0) console.log(`FAILED: ${node.failures.join('; ')}`);
    return node.failures.length > 0 ? 1 : 0;
  };
  // A watchdog's SIGTERM (or Ctrl+C) is handled between steps: the figures so far are kept.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping with the figures taken so far`);
      finish(false);
      releaseDawn();
      process.exit(124);
    });
  }
  if (options.check) {
    checked = await check();
    for (const err of checked.errors) log(`check: ${err}`);
    save();
  }
  await bench(runs, save);
  return finish(true);
}

main().then(
  (code) => {
    releaseDawn();
    process.exit(code);
  },
  (err: unknown) => {
    console.error(err);
    releaseDawn();
    process.exit(1);
  },
);
