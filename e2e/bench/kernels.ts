/**
 * CPU kernels benchmark: a U-Net training step on the tfjs CPU backend in plain Node with the
 * product's kernels (core/kernels, registerFastCpuKernels) against tfjs's stock kernels, in one
 * run, on real data: slices of the Medical Segmentation Decathlon's Task04_Hippocampus read with
 * the studio's readers (core/data loadDataset: NIfTI, pairing, label mapping) and brought to the
 * model's input by core/training prepareSamples (padded when smaller, shrunk when larger).
 * Bundled by e2e/bench/kernels.vite.config.ts into e2e/bench/.out/kernels/kernels.mjs:
 *
 *   npx vite build --config e2e/bench/kernels.vite.config.ts && node e2e/bench/.out/kernels/kernels.mjs
 *
 * Per model (--models size/filters/depth,…; default the studio's default U-Net 128/16/4 and the
 * tests' 32/4/2; `none` for no 2D model), and per 3D U-Net (core/model buildUNet3D, --models3d
 * size/filters/depth,…, a cube of size³ voxels; default 32/8/3, the 3D default, and 16/4/2;
 * `none` for none) on seeded synthetic volumes of that size (core/data generateSynthetic3D,
 * tubes and blobs, 2 classes), after one untimed step with each kernel set on a small model of
 * the same depth (the JIT compiles the kernels there), it runs --rounds rounds; in each, half of
 * --fast-steps steps on the product's kernels, --stock-steps on the stock kernels, then the other
 * half on the product's again (so that the fast steps bracket the slow ones in time), the same
 * model and weights carried on from step to step, batches of --batch slices taken in turn from
 * the foreground slices of the first --cases cases (3D: --batch volumes taken in turn from 4).
 * Each step is
 * optimizer.minimize (SGD, the paper's learning rate) of the loss (--loss, default cross
 * entropy) inside tf.tidy, its value read back. It prints and writes (--out, merged under
 * "kernels"):
 * - seconds per step with each kernel set and stock ÷ fast (median over rounds of the per-round
 *   ratio of mean step times), in wall-clock time and in this process's CPU time (user + system,
 *   which other processes on a shared machine inflate less);
 * - per kernel: milliseconds per step and share of the step, with each kernel set (time inside
 *   the registered kernel function, measured by wrapping every CPU kernel for the timed steps).
 * Wall-clock time on a machine others may share: the process's CPU time and the load are
 * reported beside it. Not a test: nothing is asserted about speed.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, type InputFile } from '../../src/core/data/dataset';
import { createRng } from '../../src/core/data/rng';
import { generateSynthetic3D } from '../../src/core/data/synthetic3d';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../../src/core/kernels';
import { createLoss, LOSS_IDS, type LossId } from '../../src/core/losses';
import { buildUNet, countParameters, DEFAULT_UNET, type UNetConfig } from '../../src/core/model';
import { buildUNet3D, countParameters3D, DEFAULT_UNET3D, type UNet3DConfig } from '../../src/core/model/unet3d';
import { DEFAULT_TRAINING } from '../../src/core/training/config';
import { makeBatch, prepareSamples, type PreparedSample } from '../../src/core/training/samples';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/Task04_Hippocampus' },
    cases: { type: 'string', default: '8' },
    models: { type: 'string', default: '128/16/4,32/4/2' },
    models3d: { type: 'string', default: '32/8/3,16/4/2' },
    batch: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    'stock-steps': { type: 'string', default: '1' },
    'fast-steps': { type: 'string', default: '5' },
    loss: { type: 'string', default: 'crossEntropy' },
    out: { type: 'string', default: 'bench-results.json' },
  },
  strict: true,
});

function positive(name: string, raw: string | undefined): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return v;
}

/** size/filters/depth,… (or `none`) as a list of models. */
function modelList(name: string, raw: string | undefined): { size: number; filters: number; depth: number }[] {
  if (raw === undefined || raw === 'none' || raw === '') return [];
  return raw.split(',').map((m) => {
    const [size, filters, depth] = m.split('/').map((v) => positive(name, v));
    if (size === undefined || filters === undefined || depth === undefined) throw new Error(`--${name} takes size/filters/depth, got ${m}`);
    return { size, filters, depth };
  });
}

const options = {
  data: flags.data ?? '',
  cases: positive('cases', flags.cases),
  models: modelList('models', flags.models),
  models3d: modelList('models3d', flags.models3d),
  batch: positive('batch', flags.batch),
  rounds: positive('rounds', flags.rounds),
  stockSteps: positive('stock-steps', flags['stock-steps']),
  fastSteps: positive('fast-steps', flags['fast-steps']),
  loss: flags.loss as LossId,
  out: flags.out ?? 'bench-results.json',
};
if (!(LOSS_IDS as readonly string[]).includes(options.loss)) throw new Error(`--loss: unknown loss ${options.loss} (known: ${LOSS_IDS.join(', ')})`);

type KernelSet = 'stock' | 'fast';
const KERNEL_SETS: readonly KernelSet[] = ['stock', 'fast'];

function switchKernels(set: KernelSet): void {
  if (set === 'fast') registerFastCpuKernels();
  else restoreStockCpuKernels();
}

const started = performance.now();
const log = (message: string): void => console.log(`${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s  ${message}`);

/** The first `count` cases of a Decathlon folder (imagesTr/labelsTr, dataset.json), read as a drop reads them. */
async function readCases(dir: string, count: number) {
  if (!existsSync(join(dir, 'imagesTr'))) throw new Error(`${dir}: no imagesTr folder (see ../shared/data/README.md)`);
  const names = readdirSync(join(dir, 'imagesTr'))
    .filter((n) => n.endsWith('.nii.gz') && !n.startsWith('.'))
    .sort()
    .slice(0, count);
  const file = (path: string): InputFile => ({ path, read: async () => new Uint8Array(readFileSync(join(dir, path))) });
  const files = [...names.flatMap((n) => [file(`imagesTr/${n}`), file(`labelsTr/${n}`)]), ...(existsSync(join(dir, 'dataset.json')) ? [file('dataset.json')] : [])];
  const dataset = await loadDataset(files);
  for (const issue of dataset.issues) log(`${issue.severity}: ${issue.file}: ${issue.message}`);
  if (dataset.cases.length === 0) throw new Error(`${dir}: no case could be read`);
  return dataset;
}

interface KernelTime {
  ms: number;
  calls: number;
}

/** Runs `f` with every CPU kernel wrapped to add its time to `times`; the registry is as it was afterwards. */
function timingKernels<T>(times: Map<string, KernelTime>, f: () => T): T {
  const configs = tf.getKernelsForBackend('cpu');
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const t = performance.now();
        try {
          return config.kernelFunc(args);
        } finally {
          const entry = times.get(config.kernelName) ?? { ms: 0, calls: 0 };
          entry.ms += performance.now() - t;
          entry.calls++;
          times.set(config.kernelName, entry);
        }
      },
    });
  }
  try {
    return f();
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, 'cpu');
      tf.registerKernel(config);
    }
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

interface ModelResult {
  model: { dims: 2 | 3; size: number; filters: number; depth: number; parameters: number; numClasses: number };
  /** Mean seconds per step of each round, per kernel set. */
  roundSeconds: Record<KernelSet, number[]>;
  stepSeconds: Record<KernelSet, number>;
  steps: Record<KernelSet, number>;
  /** Median over the rounds of (stock step ÷ fast step). */
  stockOverFast: number;
  /** The same in process CPU seconds per step. */
  cpuStepSeconds: Record<KernelSet, number>;
  cpuStockOverFast: number;
  /** Per kernel set: kernel name → ms per step and calls per step. */
  kernels: Record<KernelSet, Record<string, { msPerStep: number; callsPerStep: number; share: number }>>;
  lastLoss: Record<KernelSet, number>;
  processCpuSeconds: number;
  wallSeconds: number;
}

/** What benchModel times: a model at a given input side, its batches, and a warm-up batch. */
interface BenchSpec {
  model: ModelResult['model'];
  /** The model at input side `size` (size³ for a 3D model). */
  build: (size: number) => tf.LayersModel;
  /** A random input and an all-background target at input side `size`. */
  randomBatch: (size: number) => { x: tf.Tensor; y: tf.Tensor };
  /** The next training batch at the model's size. */
  batch: () => { x: tf.Tensor; y: tf.Tensor };
}

const shapeLabel = (m: { dims: 2 | 3; size: number }): string => (m.dims === 2 ? `${m.size}×${m.size}` : `${m.size}³`);

async function benchModel(spec: BenchSpec): Promise<ModelResult> {
  const m = spec.model;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const loss = createLoss(options.loss, {});
  const optimizer = tf.train.sgd(DEFAULT_TRAINING.learningRate);

  // Warm-up: one step with each kernel set on a small model of the same depth.
  {
    const small = 2 ** (m.depth + 1);
    const warm = spec.build(small);
    const { x: wx, y: wy } = spec.randomBatch(small);
    for (const set of KERNEL_SETS) {
      switchKernels(set);
      tf.tidy(() => optimizer.minimize(() => loss(wy, warm.apply(wx, { training: true }) as tf.Tensor) as tf.Scalar, true)?.dataSync());
    }
    tf.dispose([wx, wy]);
    warm.dispose();
  }

  const model = spec.build(m.size);
  const batch = spec.batch;
  const times: Record<KernelSet, Map<string, KernelTime>> = { stock: new Map(), fast: new Map() };
  const roundSeconds: Record<KernelSet, number[]> = { stock: [], fast: [] };
  const steps: Record<KernelSet, number> = { stock: 0, fast: 0 };
  const lastLoss: Record<KernelSet, number> = { stock: NaN, fast: NaN };
  const ratios: number[] = [];
  const cpuRoundSeconds: Record<KernelSet, number[]> = { stock: [], fast: [] };
  const cpuRatios: number[] = [];
  /** `n` steps on kernel set `set`: wall and CPU seconds in all. */
  const run = (set: KernelSet, n: number): { wall: number; cpu: number } => {
    switchKernels(set);
    let wall = 0;
    let cpu = 0;
    for (let s = 0; s < n; s++) {
      const { x, y } = batch();
      const t = performance.now();
      const c = process.cpuUsage();
      lastLoss[set] = timingKernels(times[set], () =>
        tf.tidy(() => optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)?.dataSync()[0] ?? NaN),
      );
      const dc = process.cpuUsage(c);
      wall += (performance.now() - t) / 1000;
      cpu += (dc.user + dc.system) / 1e6;
      tf.dispose([x, y]);
    }
    steps[set] += n;
    return { wall, cpu };
  };
  for (let r = 0; r < options.rounds; r++) {
    const before = Math.ceil(options.fastSteps / 2);
    const fast1 = run('fast', before);
    const stock = run('stock', options.stockSteps);
    const fast2 = run('fast', options.fastSteps - before);
    const fast = { wall: fast1.wall + fast2.wall, cpu: fast1.cpu + fast2.cpu };
    roundSeconds.stock.push(stock.wall / options.stockSteps);
    roundSeconds.fast.push(fast.wall / options.fastSteps);
    cpuRoundSeconds.stock.push(stock.cpu / options.stockSteps);
    cpuRoundSeconds.fast.push(fast.cpu / options.fastSteps);
    ratios.push(stock.wall / options.stockSteps / (fast.wall / options.fastSteps));
    cpuRatios.push(stock.cpu / options.stockSteps / (fast.cpu / options.fastSteps));
    for (const set of KERNEL_SETS) {
      log(
        `${shapeLabel(m)}/${m.filters}/${m.depth}, round ${r + 1}: ${set} kernels ${(roundSeconds[set][r] ?? NaN).toFixed(3)} s/step ` +
          `(CPU ${(cpuRoundSeconds[set][r] ?? NaN).toFixed(3)} s), loss ${lastLoss[set].toFixed(4)}`,
      );
    }
  }
  const stepSeconds = { stock: median(roundSeconds.stock), fast: median(roundSeconds.fast) };
  const kernels = Object.fromEntries(
    KERNEL_SETS.map((set) => {
      const perStep = steps[set];
      const totalMs = roundSeconds[set].reduce((a, b) => a + b, 0) * 1000 * (perStep / roundSeconds[set].length);
      return [
        set,
        Object.fromEntries(
          [...times[set].entries()]
            .sort((a, b) => b[1].ms - a[1].ms)
            .map(([name, t]) => [name, { msPerStep: t.ms / perStep, callsPerStep: t.calls / perStep, share: t.ms / totalMs }]),
        ),
      ];
    }),
  ) as ModelResult['kernels'];
  optimizer.dispose();
  model.dispose();
  const cpu = process.cpuUsage(cpu0);
  return {
    model: m,
    roundSeconds,
    stepSeconds,
    steps,
    stockOverFast: median(ratios),
    cpuStepSeconds: { stock: median(cpuRoundSeconds.stock), fast: median(cpuRoundSeconds.fast) },
    cpuStockOverFast: median(cpuRatios),
    kernels,
    lastLoss,
    processCpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

function report(results: readonly ModelResult[]): void {
  console.log('\nU-Net training step on the tfjs CPU backend: stock kernels ÷ core/kernels, in this run\n');
  console.log('| model | parameters | stock s/step | core/kernels s/step | stock ÷ core/kernels | CPU s/step (stock, core/kernels) | ÷ in CPU time | steps (stock, fast) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const { filters, depth, parameters } = r.model;
    console.log(
      `| ${shapeLabel(r.model)}, ${filters} filters, depth ${depth} | ${parameters.toLocaleString('en-US')} | ${r.stepSeconds.stock.toFixed(3)} | ${r.stepSeconds.fast.toFixed(3)} | ` +
        `${r.stockOverFast.toFixed(1)} | ${r.cpuStepSeconds.stock.toFixed(3)}, ${r.cpuStepSeconds.fast.toFixed(3)} | ${r.cpuStockOverFast.toFixed(1)} | ${r.steps.stock}, ${r.steps.fast} |`,
    );
  }
  for (const r of results) {
    const { filters, depth } = r.model;
    console.log(`\nKernels of a ${shapeLabel(r.model)}/${filters}/${depth} step: ms per step (share of the step), calls per step\n`);
    console.log('| kernel | stock ms | stock share | core/kernels ms | core/kernels share | calls (stock, core/kernels) |');
    console.log('|---|---|---|---|---|---|');
    const names = [...new Set([...Object.keys(r.kernels.stock), ...Object.keys(r.kernels.fast)])];
    const shown = names.filter((n) => Math.max(r.kernels.stock[n]?.share ?? 0, r.kernels.fast[n]?.share ?? 0) >= 0.005);
    for (const n of shown) {
      const s = r.kernels.stock[n];
      const f = r.kernels.fast[n];
      const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)} %`);
      console.log(`| ${n} | ${s ? s.msPerStep.toFixed(1) : '—'} | ${pct(s?.share)} | ${f ? f.msPerStep.toFixed(1) : '—'} | ${pct(f?.share)} | ${s?.callsPerStep.toFixed(0) ?? '—'}, ${f?.callsPerStep.toFixed(0) ?? '—'} |`);
    }
    const rest = (set: KernelSet) => 1 - Object.values(r.kernels[set]).reduce((a, k) => a + k.share, 0);
    console.log(`| (outside kernels: autodiff, tidy, optimizer bookkeeping) | | ${(100 * rest('stock')).toFixed(1)} % | | ${(100 * rest('fast')).toFixed(1)} % | |`);
  }
}

type ModelSize = { size: number; filters: number; depth: number };

/** A 2D U-Net on prepared slices. */
function planeSpec(samples: PreparedSample[], numClasses: number, m: ModelSize): BenchSpec {
  const config = (size: number): UNetConfig => ({ ...DEFAULT_UNET, inputHeight: size, inputWidth: size, baseFilters: m.filters, depth: m.depth, numClasses });
  const rng = createRng(1);
  let next = 0;
  return {
    model: { dims: 2, ...m, parameters: countParameters(config(m.size)), numClasses },
    build: (size) => buildUNet(config(size)),
    randomBatch: (size) => ({ x: tf.randomNormal([options.batch, size, size, 1]), y: tf.oneHot(tf.zeros([options.batch, size, size], 'int32'), numClasses) }),
    batch: () => {
      const indices = Array.from({ length: options.batch }, () => next++ % samples.length);
      return makeBatch(samples, indices, rng, { numClasses });
    },
  };
}

/** A 3D U-Net on seeded synthetic volumes of its input size (2 classes). */
function volumeSpec(m: ModelSize): BenchSpec {
  const numClasses = 2;
  const config = (size: number): UNet3DConfig => ({ ...DEFAULT_UNET3D, inputDepth: size, inputHeight: size, inputWidth: size, baseFilters: m.filters, depth: m.depth, numClasses });
  const volumes = generateSynthetic3D({ seed: 1, count: 4, width: m.size, height: m.size, depth: m.size });
  const voxels = m.size ** 3;
  let next = 0;
  return {
    model: { dims: 3, ...m, parameters: countParameters3D(config(m.size)), numClasses },
    build: (size) => buildUNet3D(config(size)),
    randomBatch: (size) => ({ x: tf.randomNormal([options.batch, size, size, size, 1]), y: tf.oneHot(tf.zeros([options.batch, size, size, size], 'int32'), numClasses) }),
    batch: () => {
      const image = new Float32Array(options.batch * voxels);
      const labels = new Int32Array(options.batch * voxels);
      for (let b = 0; b < options.batch; b++) {
        const v = volumes[next++ % volumes.length]!;
        image.set(v.image.data, b * voxels);
        labels.set(v.labels, b * voxels);
      }
      const shape = [options.batch, m.size, m.size, m.size];
      return { x: tf.tensor(image, [...shape, 1]), y: tf.tidy(() => tf.oneHot(tf.tensor(labels, shape, 'int32'), numClasses)) };
    },
  };
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  console.log(
    `CPU kernels benchmark in Node ${process.version} (${process.platform}-${process.arch}, ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; ` +
      `load ${loadavg()[0]?.toFixed(2)}): ${options.cases} cases of ${options.data}, batch ${options.batch}, loss ${options.loss}, ${options.rounds} round(s) of ` +
      `${options.stockSteps} stock and ${options.fastSteps} core/kernels steps`,
  );
  const results: ModelResult[] = [];
  if (options.models.length > 0) {
    const dataset = await readCases(options.data, options.cases);
    const numClasses = dataset.summary.numClasses;
    log(`${dataset.cases.length} cases read, ${numClasses} classes`);
    for (const m of options.models) {
      const samples = prepareSamples(dataset.cases, { inputWidth: m.size, inputHeight: m.size, depth: m.depth, channels: 1, slices: 'foreground' });
      log(`${m.size}×${m.size}: ${samples.length} foreground slices (${samples[0]?.sourceWidth}×${samples[0]?.sourceHeight} and others, padded or shrunk to the input)`);
      results.push(await benchModel(planeSpec(samples, numClasses, m)));
    }
  }
  for (const m of options.models3d) {
    results.push(await benchModel(volumeSpec(m)));
  }
  switchKernels('fast');
  report(results);
  const previous = existsSync(options.out) ? (JSON.parse(readFileSync(options.out, 'utf8')) as Record<string, unknown>) : {};
  const host = { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? null, loadAverage1m: loadavg()[0] ?? null };
  writeFileSync(options.out, JSON.stringify({ ...previous, kernels: { settings: options, host, results } }, null, 2));
  console.log(`\nwritten to ${options.out} (under "kernels"); ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
