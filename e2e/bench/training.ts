/**
 * Training benchmark (npm run bench, after `vite build`). Serves dist/ with `vite preview` on a
 * free port of 127.0.0.1, opens dist/bench.html in headless Chromium (WebGPU on the adapter
 * Chromium offers; on a machine without a GPU that is SwiftShader, a software rasteriser) once
 * per backend, and prints, measured in this one run on one U-Net and one fixed batch:
 * - per loss on WebGPU: the step time in interleaved rounds and its ratio to the cross-entropy
 *   step time of the same round, median over the rounds (aim ≤ 1.05: the paper says the unified
 *   loss costs about the same);
 * - per backend (webgpu, webgl, cpu): steps per second and the first step's time (on the GPU
 *   backends, mostly shader compilation); cpu-stock is the CPU backend with tfjs's own kernels
 *   instead of the product's (core/kernels), and cpu ÷ cpu-stock is printed as their ratio;
 * - tf.memory() after step 1 and after step 200 on WebGPU (aim: equal), with the bytes held on
 *   the GPU, and after the last step; on WebGL and the CPU after step 1 and their timed loop;
 * - the same for a small 3-D U-Net (--models3d, default 16³ voxels, 4 filters, depth 2, on
 *   synthetic volumes) on --backends3d (default webgpu and cpu): per-loss step time ÷ cross
 *   entropy on WebGPU (and the --loss-backends3d; the paper's 8 losses, 3 rounds of 1 step: SwiftShader is slow), steps
 *   per second and tf.memory() after step 1 and after the timed loop;
 * - for every page, 2-D and 3-D, the planner's memory estimate of a step
 *   (core/engine/planner.ts estimateStepMemory of the page's model, batch and timed losses) ÷
 *   what the page measured: on WebGPU the buffer pool (numBytesAllocatedInGPU), the highest
 *   numBytesInGPU during a step and its largest rise within one step; on the CPU tf.profile's
 *   peak of one step minus the bytes live before it. Printed, never judged.
 * How each number is taken: src/worker/bench.worker.ts. Results are merged into the JSON file
 * named by BENCH_OUT (default bench-results.json) under lossStepRatio, lossStepRatio3d,
 * stepsPerSecond, firstStepSeconds, tensorsAfter1, tensorsAfter200, memoryEstimate and
 * "training" (bytes, per-backend details, the 3-D pages under training.pages3d).
 *
 * Sizes (flag or environment variable; defaults sized so the run ends in a few minutes on a
 * 2-core machine without a GPU):
 *   --size N       BENCH_SIZE       input N×N (default 32; a multiple of 2^depth)
 *   --filters N    BENCH_FILTERS    base filters (default 4)
 *   --depth N      BENCH_DEPTH      pooling steps (default 2)
 *   --batch N      BENCH_BATCH      batch size (default 2, the paper's)
 *   --steps N      BENCH_STEPS      WebGPU: the step after which memory is taken again (default 200)
 *   --timed N      BENCH_TIMED      steps of the timed loop for steps/s (default 20)
 *   --rounds N     BENCH_ROUNDS     most interleaved rounds of the per-loss timing (default 16; at least 3)
 *   --budget S     BENCH_BUDGET     WebGPU page: no new round unless it and the steps up to --steps
 *                                   are expected to end within S seconds of the page's start (default 300)
 *   --per-round N  BENCH_PER_ROUND  steps per loss and round (default 2)
 *   --losses all|paper|none  BENCH_LOSSES  which losses are timed (default all)
 *   --backends a,b BENCH_BACKENDS   backends to run (default webgpu,webgl,cpu,cpu-stock)
 *   --models3d M   BENCH_MODELS3D   3-D U-Nets, patch/filters/depth with a patch S (S³) or WxHxD,
 *                                   comma-separated (default 16/4/2); none: no 3-D page
 *   --backends3d a,b BENCH_BACKENDS3D  backends of the 3-D pages (default webgpu,cpu)
 *   --timed3d N    BENCH_TIMED3D    3-D: steps of the timed loop (default 3)
 *   --rounds3d N   BENCH_ROUNDS3D   3-D: most per-loss rounds (default 3, the least)
 *   --per-round3d N BENCH_PER_ROUND3D  3-D: steps per loss and round (default 1)
 *   --losses3d all|paper|none  BENCH_LOSSES3D  3-D: which losses are timed (default paper)
 *   --loss-backends3d a,b BENCH_LOSS_BACKENDS3D  3-D: the backends on which the losses are timed
 *                                   (default webgpu; e.g. webgpu,webgl)
 *   --timeout S    BENCH_TIMEOUT    longest wait for one backend's page (default 1800)
 *   --dist DIR     BENCH_DIST       the built app to serve (default dist, which `npm run bench` builds;
 *                                   another folder, built with `vite build --outDir DIR`, leaves dist to the e2e tests)
 * CHROMIUM_PATH overrides the browser (default /usr/bin/chromium).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import type { BenchState } from '../../src/app/bench';
import type { BenchResult } from '../../src/worker/bench.worker';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium';
import { memoryEstimateRatios, quantile } from '../../src/core/training/stepBench';
import { models3dList, type Model3D } from './nodeOptions';


const BACKENDS = ['webgpu', 'webgl', 'cpu', 'cpu-stock'] as const;
type Backend = (typeof BACKENDS)[number];

function option(flag: string, env: string): string | undefined {
  const i = process.argv.indexOf(`--${flag}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${flag}=`));
  if (eq) return eq.slice(flag.length + 3);
  return process.env[env];
}

function intOption(flag: string, env: string, fallback: number): number {
  const raw = option(flag, env);
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${flag} / ${env} must be a positive integer, got ${raw}`);
  return v;
}

const settings = {
  size: intOption('size', 'BENCH_SIZE', 32),
  filters: intOption('filters', 'BENCH_FILTERS', 4),
  depth: intOption('depth', 'BENCH_DEPTH', 2),
  batch: intOption('batch', 'BENCH_BATCH', 2),
  steps: intOption('steps', 'BENCH_STEPS', 200),
  timed: intOption('timed', 'BENCH_TIMED', 20),
  rounds: intOption('rounds', 'BENCH_ROUNDS', 16),
  budget: intOption('budget', 'BENCH_BUDGET', 300),
  perRound: intOption('per-round', 'BENCH_PER_ROUND', 2),
  losses: option('losses', 'BENCH_LOSSES') ?? 'all',
  backends: (option('backends', 'BENCH_BACKENDS') ?? BACKENDS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as Backend[],
  models3d: models3dList(option('models3d', 'BENCH_MODELS3D') ?? '16/4/2'),
  backends3d: (option('backends3d', 'BENCH_BACKENDS3D') ?? 'webgpu,cpu')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as Backend[],
  timed3d: intOption('timed3d', 'BENCH_TIMED3D', 3),
  rounds3d: intOption('rounds3d', 'BENCH_ROUNDS3D', 3),
  perRound3d: intOption('per-round3d', 'BENCH_PER_ROUND3D', 1),
  losses3d: option('losses3d', 'BENCH_LOSSES3D') ?? 'paper',
  dist: option('dist', 'BENCH_DIST') ?? 'dist',
  lossBackends3d: (option('loss-backends3d', 'BENCH_LOSS_BACKENDS3D') ?? 'webgpu')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as Backend[],
};
for (const b of [...settings.backends, ...settings.backends3d, ...settings.lossBackends3d]) if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b} (known: ${BACKENDS.join(', ')})`);
if (!['all', 'paper', 'none'].includes(settings.losses)) throw new Error(`--losses must be all, paper or none, got ${settings.losses}`);
if (!['all', 'paper', 'none'].includes(settings.losses3d)) throw new Error(`--losses3d must be all, paper or none, got ${settings.losses3d}`);

/** Untimed cross-entropy steps before the timed loop. */
const WARMUP = 2;

/** Per page (BENCH_TIMEOUT seconds): generous, for the larger sizes; the default run takes minutes. */
const PAGE_TIMEOUT_MS = intOption('timeout', 'BENCH_TIMEOUT', 1800) * 1000;

const started = performance.now();
/**
 * CPU time of the whole host (Linux /proc/stat, in clock ticks): busy and total. Other processes
 * compete with SwiftShader for the cores; the average number of busy cores during the run is
 * reported so that a reader can tell a quiet run from a loaded one.
 */
function hostTicks(): { busy: number; total: number } | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}
const ticksStart = hostTicks();

/** CPU ticks used so far by this process and its descendants (the browser, vite preview), from /proc. */
function ownTicks(): number | null {
  try {
    const procs = new Map<number, { ppid: number; ticks: number }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
        // Fields 4 (ppid) and 14–17 (utime, stime, cutime, cstime) of proc(5).
        procs.set(Number(name), { ppid: f[1] ?? 0, ticks: (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0) });
      } catch {
        // exited meanwhile
      }
    }
    let total = 0;
    const stack = [process.pid];
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      total += procs.get(pid)?.ticks ?? 0;
      for (const [child, p] of procs) if (p.ppid === pid) stack.push(child);
    }
    return total;
  } catch {
    return null;
  }
}
const ownStart = ownTicks();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startPreview(port: number): Promise<ChildProcess> {
  const vite = join(process.cwd(), 'node_modules', 'vite', 'bin', 'vite.js');
  const child = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', settings.dist], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}/bench.html`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`vite preview exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(url);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`vite preview did not answer on ${url} within 20 s: ${stderr}`);
}

/** One page of a 3-D model. */
interface Page3D {
  model: Model3D;
  backend: Backend;
  state: BenchState;
}

/** 32×32/4f/d2, 3-D 16³/4f/d2 or 32×32×16/4f/d2 (width × height × depth). */
function modelKey(m: Model3D | null): string {
  if (!m) return `${settings.size}×${settings.size}/${settings.filters}f/d${settings.depth}`;
  const p = m.patch;
  return `3-D ${p.width === p.height && p.height === p.depth ? `${p.width}³` : `${p.width}×${p.height}×${p.depth}`}/${m.filters}f/d${m.depth}`;
}

/** Opens bench.html for one backend: the 2-D model of the settings, or the 3-D `model`. */
async function runPage(page: Page, base: string, backend: Backend, model: Model3D | null = null): Promise<BenchState> {
  const shared = {
    backend: backend === 'cpu-stock' ? 'cpu' : backend,
    ...(backend === 'cpu-stock' ? { kernels: 'stock' } : {}),
    batch: String(settings.batch),
    warmup: String(WARMUP),
    budget: String(settings.budget),
  };
  const q = new URLSearchParams(
    model
      ? {
          ...shared,
          dims: '3',
          size: String(model.patch.width),
          patch: `${model.patch.width}x${model.patch.height}x${model.patch.depth}`,
          depth: String(model.depth),
          filters: String(model.filters),
          timed: String(settings.timed3d),
          // Memory again at the end of the timed loop.
          steps: String(1 + WARMUP + settings.timed3d),
          losses: settings.lossBackends3d.includes(backend) ? settings.losses3d : 'none',
          rounds: String(settings.rounds3d),
          perRound: String(settings.perRound3d),
        }
      : {
          ...shared,
          size: String(settings.size),
          depth: String(settings.depth),
          filters: String(settings.filters),
          timed: String(settings.timed),
          // WebGL and CPU: memory again at the end of the timed loop (their 200 steps would not fit the time).
          steps: String(backend === 'webgpu' ? settings.steps : 1 + WARMUP + settings.timed),
          losses: backend === 'webgpu' ? settings.losses : 'none',
          rounds: String(settings.rounds),
          perRound: String(settings.perRound),
        },
  );
  const label = model ? `${backend} ${modelKey(model)}` : backend;
  page.on('console', (m) => {
    const t = m.text();
    if (t.startsWith('[bench]')) console.log(`${elapsed()}  ${t.slice(8)}`);
    else if (m.type() === 'error') console.log(`${elapsed()}  [${label} console error] ${t}`);
  });
  page.on('pageerror', (e) => console.log(`${elapsed()}  [${label} page error] ${e.message}`));
  await page.goto(`${base}/bench.html?${q}`);
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: PAGE_TIMEOUT_MS, polling: 500 });
  return (await page.evaluate(() => window.__bench)) as BenchState;
}

const f = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const bytes = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));
const mib = (v: number | undefined) => (v === undefined ? '—' : (v / 2 ** 20).toFixed(2));


/**
 * Prints one WebGPU page's per-loss table (step time in interleaved rounds, ÷ cross entropy) and
 * fills the records with each loss's ratio, fastest-round ratio and 25th–75th percentile.
 */
function printLossTimings(
  r: BenchResult,
  what: string,
  ratio: Record<string, number>,
  fastest: Record<string, number>,
  spreadOut: Record<string, [number, number]>,
): void {
  const ce = r.lossTimings.find((t) => t.loss === 'crossEntropy');
  if (r.lossTimings.length === 0 || !ce) return;
  const soft = r.backend.software ? ': software, so CPU-bound' : '';
  const name = r.backend.name === 'webgpu' ? 'WebGPU' : r.backend.name === 'webgl' ? 'WebGL' : r.backend.name;
  console.log(`\nStep time per loss on ${name} (${r.backend.adapter || 'unnamed adapter'}${soft}), ${what}`);
  console.log(
    `${ce.roundsMs.length} interleaved rounds × ${r.request.perRound} steps per loss. Step ms: median over the rounds. ÷ cross-entropy (aim ≤ 1.05): ` +
      'median over the rounds of (loss step time ÷ cross-entropy step time of the same round); beside it the middle half of those per-round ratios, ' +
      'which shows how far the measurement can be trusted.\n',
  );
  console.log('| loss | step ms | ÷ cross-entropy | per-round ratios, 25th–75th percentile | first step s |');
  console.log('|---|---|---|---|---|');
  for (const t of r.lossTimings) {
    ratio[t.loss] = t.ratio;
    fastest[t.loss] = t.ratioFastest;
    const perRound = t.roundsMs.map((ms, i) => ms / (ce.roundsMs[i] ?? NaN)).sort((a, b) => a - b);
    const spread = t.loss === ce.loss ? '—' : `${f(quantile(perRound, 0.25), 3)}–${f(quantile(perRound, 0.75), 3)}`;
    spreadOut[t.loss] = [quantile(perRound, 0.25), quantile(perRound, 0.75)];
    console.log(`| ${t.loss} | ${f(t.medianMs, 0)} | ${f(t.ratio, 3)}${t.ratio <= 1.05 ? '' : ' (above 1.05)'} | ${spread} | ${f(t.firstStepMs / 1000, 2)} |`);
  }
}

async function main(): Promise<number> {
  if (!existsSync(join(settings.dist, 'bench.html'))) throw new Error(`${join(settings.dist, 'bench.html')} is missing: run \`vite build\` first (npm run bench does)`);
  const port = await freePort();
  const preview = await startPreview(port);
  const stop = () => {
    if (preview.exitCode === null) preview.kill();
  };
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stop();
      process.exit(130);
    });
  }
  const base = `http://127.0.0.1:${port}`;
  console.log(
    `\nTraining benchmark: U-Net ${settings.size}×${settings.size}, depth ${settings.depth}, ${settings.filters} base filters, batch ${settings.batch}; ` +
      `backends ${settings.backends.join(', ')}` +
      `${settings.models3d.length ? `; ${settings.models3d.map(modelKey).join(', ')} on ${settings.backends3d.join(', ')}` : ''}; served at ${base}\n`,
  );

  const states = new Map<Backend, BenchState>();
  const pages3d: Page3D[] = [];
  let hostEnd: ReturnType<typeof hostTicks>;
  let ownEnd: number | null;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
  try {
    for (const backend of settings.backends) {
      const page = await browser.newPage();
      try {
        states.set(backend, await runPage(page, base, backend));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        console.log(`${elapsed()}  ${backend}: ${message}`);
        states.set(backend, { status: 'error', message, request: {} as BenchState['request'] });
      } finally {
        await page.close();
      }
    }
    for (const model of settings.models3d) {
      for (const backend of settings.backends3d) {
        const page = await browser.newPage();
        try {
          pages3d.push({ model, backend, state: await runPage(page, base, backend, model) });
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          console.log(`${elapsed()}  ${backend} ${modelKey(model)}: ${message}`);
          pages3d.push({ model, backend, state: { status: 'error', message, request: {} as BenchState['request'] } });
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    hostEnd = hostTicks();
    ownEnd = ownTicks();
    await browser.close();
    stop();
  }

  const results = new Map<Backend, BenchResult>();
  for (const [b, s] of states) if (s.result) results.set(b, s.result);
  const gpu = results.get('webgpu');

  // Per-loss step time on WebGPU.
  const lossStepRatio: Record<string, number> = {};
  const lossStepRatioFastest: Record<string, number> = {};
  const lossStepRatioSpread: Record<string, [number, number]> = {};
  const ce = gpu?.lossTimings.find((t) => t.loss === 'crossEntropy');
  if (gpu) printLossTimings(gpu, 'one model, one batch', lossStepRatio, lossStepRatioFastest, lossStepRatioSpread);
  const lossStepRatio3d: Record<string, Record<string, number>> = {};
  const lossStepRatioSpread3d: Record<string, Record<string, [number, number]>> = {};
  for (const p of pages3d) {
    const r = p.state.result;
    if (!r || r.lossTimings.length === 0) continue;
    const key = modelKey(p.model);
    const pageKey = p.backend === 'webgpu' ? key : `${p.backend} ${key}`;
    printLossTimings(r, `${key}, on synthetic volumes`, (lossStepRatio3d[pageKey] = {}), {}, (lossStepRatioSpread3d[pageKey] = {}));
  }

  // Backends side by side.
  console.log(
    `\nBackends (steps/s: ${settings.timed} cross-entropy steps after ${WARMUP} warm-up steps, the loss read back every 5 steps; ` +
      `first step: step 1 until its loss is read back, shader compilation included)\n`,
  );
  console.log('| backend | adapter / renderer | steps/s | ms/step | first step s |');
  console.log('|---|---|---|---|---|');
  const stepsPerSecond: Record<string, number> = {};
  const firstStep: Record<string, number> = {};
  for (const b of settings.backends) {
    const s = states.get(b);
    const r = results.get(b);
    if (!r) {
      console.log(`| ${b} | ${s?.status ?? 'not run'}: ${(s?.message ?? '').split('\n')[0]} | — | — | — |`);
      continue;
    }
    stepsPerSecond[b] = r.stepsPerSecond;
    firstStep[b] = r.firstStepSeconds;
    const adapter = `${r.backend.adapter || '—'}${r.backend.software ? ' (software)' : ''}`.replace(/\|/g, '/');
    console.log(`| ${b} | ${adapter} | ${f(r.stepsPerSecond, 2)} | ${f(1000 / r.stepsPerSecond, 0)} | ${f(r.firstStepSeconds, 2)} |`);
  }
  if (pages3d.length > 0) {
    console.log(`\n3-D U-Nets (steps/s: ${settings.timed3d} cross-entropy steps after ${WARMUP} warm-up steps)\n`);
    console.log('| model | backend | parameters | steps/s | ms/step | first step s |');
    console.log('|---|---|---|---|---|---|');
    for (const p of pages3d) {
      const r = p.state.result;
      if (!r) console.log(`| ${modelKey(p.model)} | ${p.backend} | ${p.state.status}: ${p.state.message.split('\n')[0] ?? ''} | — | — | — |`);
      else console.log(`| ${modelKey(p.model)} | ${p.backend} | ${r.model.parameters.toLocaleString('en-US')} | ${f(r.stepsPerSecond, 3)} | ${f(1000 / r.stepsPerSecond, 0)} | ${f(r.firstStepSeconds, 2)} |`);
    }
  }
  const fast = results.get('cpu');
  const stock = results.get('cpu-stock');
  const cpuKernelSpeedup = fast && stock ? fast.stepsPerSecond / stock.stepsPerSecond : null;
  if (cpuKernelSpeedup !== null) {
    console.log(`\nCPU backend, the product's kernels (core/kernels) ÷ tfjs-backend-cpu's own, steps/s in this run: ${f(cpuKernelSpeedup, 2)}×`);
  }

  // Memory after step 1 and step N.
  console.log(`\ntf.memory() after step 1, after step ${settings.steps} on WebGPU (aim: equal) and after the last step\n`);
  console.log('| backend | after step | tensors | bytes | GPU bytes (live tensors) | GPU bytes allocated (incl. free pool) |');
  console.log('|---|---|---|---|---|---|');
  const all: [string, BenchResult][] = [...results, ...pages3d.flatMap((p) => (p.state.result ? [[`${p.backend} ${modelKey(p.model)}`, p.state.result] as [string, BenchResult]] : []))];
  for (const [b, r] of all) {
    for (const m of r.memory) {
      console.log(`| ${b} | ${m.step} | ${m.numTensors} | ${bytes(m.numBytes)} | ${bytes(m.numBytesInGPU)} | ${bytes(m.numBytesAllocatedInGPU)} |`);
    }
  }

  // The planner's estimate against the measured bytes.
  const memoryEstimate: Record<string, ReturnType<typeof memoryEstimateRatios>> = {};
  console.log(
    "\nThe planner's memory estimate of a step (estimateStepMemory of the page's model, batch and timed losses: the largest loss's) ÷ what the " +
      'page measured (the planner aims within 25 %). The CPU estimate, and the estimate on the page\'s backend (times its BACKEND_MEMORY_FACTOR), ' +
      'which the ratios use. CPU: tf.profile peakBytes of one step minus the bytes live before it, the ' +
      'largest over the losses. WebGPU: the buffer pool (numBytesAllocatedInGPU at the end, free buffers included), the highest numBytesInGPU ' +
      'during a step (weights, batch and optimizer included) and its largest rise within one step. WebGL: the same from its texture manager ' +
      '(allocated texture bytes; in use: allocated minus free). MiB.\n',
  );
  console.log('| model | backend | losses | CPU estimate | estimate on the backend | CPU step peak | ÷ | GPU pool | ÷ | GPU peak in use | ÷ | GPU rise in a step | ÷ |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const pages: [string, Backend, BenchResult | undefined][] = [
    ...settings.backends.map((b): [string, Backend, BenchResult | undefined] => [modelKey(null), b, results.get(b)]),
    ...pages3d.map((p): [string, Backend, BenchResult | undefined] => [modelKey(p.model), p.backend, p.state.result]),
  ];
  for (const [key, b, r] of pages) {
    const m = r?.stepMemory;
    if (!m) continue;
    const q = memoryEstimateRatios(m);
    memoryEstimate[`${b} ${key}`] = q;
    const losses = m.plan.losses?.length === 1 ? (m.plan.losses[0] ?? '') : `${m.plan.losses?.length ?? 0}`;
    const cell = (v: number | undefined, ratio: number | null) => (v === undefined ? '— | —' : `${mib(v)} | ${f(ratio ?? NaN, 2)}`);
    console.log(
      `| ${key} | ${b} | ${losses} | ${mib(m.cpuEstimateBytes)} | ${mib(m.estimateBytes)} | ${cell(m.profileStepBytes, q.overProfileStep)} | ${cell(m.gpuAllocatedBytes, q.overGpuAllocated)} | ` +
        `${cell(m.gpuPeakBytes, q.overGpuPeak)} | ${cell(m.gpuStepBytes, q.overGpuStep)} |`,
    );
  }
  if (gpu?.backend.software) {
    console.log(
      '\nThe WebGPU adapter is SwiftShader, a software adapter running on the CPU: the absolute speeds, and WebGPU against WebGL ' +
        'and the CPU backend, say nothing about a real GPU; the per-loss ratios compare the work of each loss on the same adapter.',
    );
  }

  const cores = cpus().length;
  let busyCores: number | null = null;
  let ownCores: number | null = null;
  if (ticksStart && hostEnd && hostEnd.total > ticksStart.total) {
    const span = (hostEnd.total - ticksStart.total) / cores; // ticks of wall time
    busyCores = (hostEnd.busy - ticksStart.busy) / span;
    ownCores = ownStart !== null && ownEnd !== null ? (ownEnd - ownStart) / span : null;
    const others = ownCores === null ? null : Math.max(0, busyCores - ownCores);
    console.log(
      `Host CPU during the run: ${busyCores.toFixed(2)} of ${cores} cores busy on average` +
        (ownCores === null || others === null ? '' : `, ${ownCores.toFixed(2)} of them this benchmark (browser included), ${others.toFixed(2)} other processes`) +
        '. Other processes slow steps down and make the times noisy.',
    );
  }

  const m1 = gpu?.memory[0];
  const mN = gpu?.memory.find((m) => m.step === settings.steps);
  const N = settings.steps;
  const wallSeconds = (performance.now() - started) / 1000;
  const training = {
    settings,
    adapter: gpu?.backend.adapter ?? null,
    softwareAdapter: gpu?.backend.software ?? null,
    crossEntropyStepMs: ce ? { medianRound: ce.medianMs, fastestRound: ce.minMs } : null,
    lossRounds: ce?.roundsMs.length ?? 0,
    /** 25th and 75th percentile of the per-round ratios. */
    lossStepRatioSpread,
    /** Fastest round of each loss ÷ fastest round of cross-entropy. */
    lossStepRatioFastest,
    lossStepRatioSpread3d,
    pages3d: pages3d.map((p) => ({ model: modelKey(p.model), backend: p.backend, ...(p.state.result ? { result: p.state.result } : { status: p.state.status, message: p.state.message }) })),
    host: { cores, busyCores, benchmarkCores: ownCores, loadAverage1m: loadavg()[0] ?? null },
    firstStepSeconds: firstStep,
    bytesAfter1: m1?.numBytes ?? null,
    [`bytesAfter${N}`]: mN?.numBytes ?? null,
    gpuBytesAfter1: m1?.numBytesInGPU ?? null,
    [`gpuBytesAfter${N}`]: mN?.numBytesInGPU ?? null,
    /** After the last step of the WebGPU page (when it took more than N steps). */
    memoryAfterLast: gpu?.memory[gpu.memory.length - 1] ?? null,
    backends: Object.fromEntries(
      settings.backends.map((b) => {
        const s = states.get(b);
        return [b, s?.result ?? { status: s?.status ?? 'not run', message: s?.message ?? '' }];
      }),
    ),
    wallSeconds,
  };
  const out = process.env.BENCH_OUT ?? 'bench-results.json';
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(
    out,
    JSON.stringify(
      {
        ...previous,
        lossStepRatio,
        lossStepRatio3d,
        memoryEstimate,
        stepsPerSecond,
        cpuKernelSpeedup,
        firstStepSeconds: gpu?.firstStepSeconds ?? null,
        tensorsAfter1: m1?.numTensors ?? null,
        [`tensorsAfter${N}`]: mN?.numTensors ?? null,
        training,
      },
      null,
      2,
    ),
  );
  console.log(`\nwritten to ${out}; training benchmark took ${wallSeconds.toFixed(0)} s`);
  const failed = settings.backends.filter((b) => !results.has(b));
  if (failed.length > 0) console.log(`no result from: ${failed.map((b) => `${b} (${states.get(b)?.message.split('\n')[0] ?? 'not run'})`).join('; ')}`);
  const failed3d = pages3d.filter((p) => !p.state.result);
  if (failed3d.length > 0) console.log(`no 3-D result from: ${failed3d.map((p) => `${p.backend} ${modelKey(p.model)} (${p.state.message.split('\n')[0] ?? ''})`).join('; ')}`);
  return settings.backends.includes('webgpu') && !gpu ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
