/**
 * Training benchmark (npm run bench, after `vite build`). Serves dist/ with `vite preview` on a
 * free port of 127.0.0.1, opens dist/bench.html in headless Chromium (WebGPU on the adapter
 * Chromium offers; on a machine without a GPU that is SwiftShader, a software rasteriser) once
 * per backend, and prints, measured in this one run on one U-Net and one fixed batch:
 * - per loss on WebGPU: the median step time over interleaved rounds and its ratio to the
 *   cross-entropy step time (aim ≤ 1.05: the paper says the unified loss costs about the same);
 * - per backend (webgpu, webgl, cpu): steps per second and the first step's time (on the GPU
 *   backends, mostly shader compilation);
 * - per backend: tf.memory() after step 1 and after step 200 (aim: equal), on WebGPU with the
 *   bytes held on the GPU.
 * How each number is taken: src/worker/bench.worker.ts. Results are merged into the JSON file
 * named by BENCH_OUT (default bench-results.json) under lossStepRatio, stepsPerSecond,
 * firstStepSeconds, tensorsAfter1, tensorsAfter200 and "training" (bytes, per-backend details).
 *
 * Sizes (flag or environment variable; defaults sized so the run ends in a few minutes on a
 * 2-core machine without a GPU):
 *   --size N       BENCH_SIZE       input N×N (default 32; a multiple of 2^depth)
 *   --filters N    BENCH_FILTERS    base filters (default 4)
 *   --depth N      BENCH_DEPTH      pooling steps (default 2)
 *   --batch N      BENCH_BATCH      batch size (default 2, the paper's)
 *   --steps N      BENCH_STEPS      step after which memory is taken again; end of the timed loop (default 200)
 *   --rounds N     BENCH_ROUNDS     interleaved rounds of the per-loss timing (default 5)
 *   --per-round N  BENCH_PER_ROUND  steps per loss and round (default 5)
 *   --losses all|paper|none  BENCH_LOSSES  which losses are timed (default all)
 *   --backends a,b BENCH_BACKENDS   backends to run (default webgpu,webgl,cpu)
 * CHROMIUM_PATH overrides the browser (default /usr/bin/chromium).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import type { BenchState } from '../src/app/bench';
import type { BenchResult, MemorySnapshot } from '../src/worker/bench.worker';

/** The Chromium flags of playwright.config.ts: WebGPU on SwiftShader when there is no GPU. */
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;
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
  rounds: intOption('rounds', 'BENCH_ROUNDS', 5),
  perRound: intOption('per-round', 'BENCH_PER_ROUND', 5),
  losses: option('losses', 'BENCH_LOSSES') ?? 'all',
  backends: (option('backends', 'BENCH_BACKENDS') ?? BACKENDS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as Backend[],
};
for (const b of settings.backends) if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b} (known: ${BACKENDS.join(', ')})`);
if (!['all', 'paper', 'none'].includes(settings.losses)) throw new Error(`--losses must be all, paper or none, got ${settings.losses}`);

/** Untimed steps between step 1 and the timed loop. */
const WARMUP = 4;

/** Per page: generous, well beyond the default sizes' few minutes. */
const PAGE_TIMEOUT_MS = intOption('timeout', 'BENCH_TIMEOUT', 540) * 1000;

const started = performance.now();
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
  const child = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
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

async function runPage(page: Page, base: string, backend: Backend): Promise<BenchState> {
  const q = new URLSearchParams({
    backend,
    size: String(settings.size),
    depth: String(settings.depth),
    filters: String(settings.filters),
    batch: String(settings.batch),
    warmup: String(WARMUP),
    steps: String(settings.steps),
    losses: backend === 'webgpu' ? settings.losses : 'none',
    rounds: String(settings.rounds),
    perRound: String(settings.perRound),
  });
  page.on('console', (m) => {
    const t = m.text();
    if (t.startsWith('[bench]')) console.log(`${elapsed()}  ${t.slice(8)}`);
    else if (m.type() === 'error') console.log(`${elapsed()}  [${backend} console error] ${t}`);
  });
  page.on('pageerror', (e) => console.log(`${elapsed()}  [${backend} page error] ${e.message}`));
  await page.goto(`${base}/bench.html?${q}`);
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: PAGE_TIMEOUT_MS, polling: 500 });
  return (await page.evaluate(() => window.__bench)) as BenchState;
}

const f = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const bytes = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));

function memoryAt(r: BenchResult, step: number): MemorySnapshot | undefined {
  return r.memory.find((m) => m.step === step);
}

async function main(): Promise<number> {
  if (!existsSync(join('dist', 'bench.html'))) throw new Error('dist/bench.html is missing: run `vite build` first (npm run bench does)');
  const port = await freePort();
  const preview = await startPreview(port);
  const stop = () => {
    if (preview.exitCode === null) preview.kill();
  };
  process.on('exit', stop);
  const base = `http://127.0.0.1:${port}`;
  console.log(
    `\nTraining benchmark: U-Net ${settings.size}×${settings.size}, depth ${settings.depth}, ${settings.filters} base filters, batch ${settings.batch}; ` +
      `backends ${settings.backends.join(', ')}; served at ${base}\n`,
  );

  const states = new Map<Backend, BenchState>();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
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
  } finally {
    await browser.close();
    stop();
  }

  const results = new Map<Backend, BenchResult>();
  for (const [b, s] of states) if (s.result) results.set(b, s.result);
  const gpu = results.get('webgpu');
  const N = settings.steps;

  // Per-loss step time on WebGPU.
  const lossStepRatio: Record<string, number> = {};
  const ce = gpu?.lossTimings.find((t) => t.loss === 'crossEntropy')?.medianMs;
  if (gpu && gpu.lossTimings.length > 0 && ce) {
    const soft = gpu.backend.software ? ', a software adapter: CPU-bound, says nothing of a real GPU' : '';
    console.log(`\nStep time per loss on WebGPU (${gpu.backend.adapter || 'unnamed adapter'}${soft})`);
    console.log(
      `median of ${settings.rounds} interleaved rounds × ${settings.perRound} steps; aim ÷ cross-entropy ≤ 1.05\n`,
    );
    console.log('| loss | step ms (median) | min–max ms | ÷ cross-entropy | first step s |');
    console.log('|---|---|---|---|---|');
    for (const t of gpu.lossTimings) {
      const ratio = t.medianMs / ce;
      lossStepRatio[t.loss] = ratio;
      console.log(
        `| ${t.loss} | ${f(t.medianMs, 1)} | ${f(Math.min(...t.roundsMs), 1)}–${f(Math.max(...t.roundsMs), 1)} | ${f(ratio, 3)}${ratio <= 1.05 ? '' : ' (above 1.05)'} | ${f(t.firstStepMs / 1000, 2)} |`,
      );
    }
  }

  // Backends side by side.
  console.log(`\nBackends (steps/s over steps ${2 + WARMUP}–${N}, the loss read back every 5 steps)\n`);
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

  // Memory after step 1 and step N.
  console.log(`\ntf.memory() after step 1 and step ${N} (aim: equal)\n`);
  console.log('| backend | after step | tensors | bytes | GPU bytes (live tensors) | GPU bytes allocated (incl. free pool) |');
  console.log('|---|---|---|---|---|---|');
  for (const [b, r] of results) {
    for (const m of r.memory) {
      console.log(`| ${b} | ${m.step} | ${m.numTensors} | ${bytes(m.numBytes)} | ${bytes(m.numBytesInGPU)} | ${bytes(m.numBytesAllocatedInGPU)} |`);
    }
  }
  if (gpu?.backend.software) {
    console.log('\nThe WebGPU adapter is SwiftShader (software, on the CPU): absolute speeds here say nothing about a real GPU; the ratios do.');
  }

  const m1 = gpu ? memoryAt(gpu, 1) : undefined;
  const mN = gpu ? memoryAt(gpu, N) : undefined;
  const wallSeconds = (performance.now() - started) / 1000;
  const training = {
    settings,
    adapter: gpu?.backend.adapter ?? null,
    softwareAdapter: gpu?.backend.software ?? null,
    crossEntropyStepMs: ce ?? null,
    firstStepSeconds: firstStep,
    [`bytesAfter1`]: m1?.numBytes ?? null,
    [`bytesAfter${N}`]: mN?.numBytes ?? null,
    [`gpuBytesAfter1`]: m1?.numBytesInGPU ?? null,
    [`gpuBytesAfter${N}`]: mN?.numBytesInGPU ?? null,
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
        stepsPerSecond,
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
  return settings.backends.includes('webgpu') && !gpu ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
