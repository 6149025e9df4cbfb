/**
 * Options of the Node training benchmark (e2e/bench/node.ts): each one a flag or an environment
 * variable, the flag winning. Parsed once, when first imported.
 *
 *   --backends a,b      BENCH_BACKENDS     cpu and/or webgpu, run in that order (default cpu,webgpu)
 *   --size N            BENCH_SIZE         input N×N (default 32; a multiple of 2^depth)
 *   --sizes a,b,c       BENCH_SIZES        a sweep: one model per size, every backend on each
 *   --filters N[,N…]    BENCH_FILTERS      base filters, one value or one per size (default 4)
 *   --depth N[,N…]      BENCH_DEPTH        pooling steps, one value or one per size (default 2)
 *   --batch N           BENCH_BATCH        batch size (default 2, the paper's)
 *   --cpu-max-size N    BENCH_CPU_MAX_SIZE the CPU backend skips larger sizes of a sweep (default: none)
 *   --models3d M[,M…]   BENCH_MODELS3D     3-D U-Nets run after the 2-D ones on every backend, each
 *                                          patch/filters/depth with a patch of S (S³) or WxHxD voxels,
 *                                          e.g. 16/4/2 (the default) or 32x32x16/4/2; none: no 3-D model
 *   --timed3d N         BENCH_TIMED3D      3-D: steps of the timed loop (default 3)
 *   --losses3d L        BENCH_LOSSES3D     3-D: all, paper or none (default paper: 8 losses, for time)
 *   --rounds3d N        BENCH_ROUNDS3D     3-D: most interleaved per-loss rounds (default 3, the least)
 *   --per-round3d N     BENCH_PER_ROUND3D  3-D: steps per loss and round (default 1)
 *                                          (3-D: tf.memory() is taken again after the timed loop, not at --steps)
 *   --warmup N          BENCH_WARMUP       untimed cross-entropy steps before the timed loop (default 2; 0 allowed)
 *   --timed N           BENCH_TIMED        steps of the timed loop for steps/s (default 20)
 *   --steps N           BENCH_STEPS        the step after which tf.memory() is taken again (default 60)
 *   --losses L          BENCH_LOSSES       all (the registry's 12), paper (the paper's 8) or none (default all)
 *   --loss-backends a,b BENCH_LOSS_BACKENDS  backends on which the losses are timed (default: all run)
 *   --rounds N          BENCH_ROUNDS       most interleaved rounds of the per-loss timing (default 16; at least 3)
 *   --per-round N       BENCH_PER_ROUND    steps per loss and round (default 2)
 *   --seconds S         BENCH_SECONDS      per backend and size: no new per-loss round unless it and the
 *                                          steps up to --steps are expected to end within S s (default 300)
 *   --stop-after S      BENCH_STOP_AFTER   per backend and size: warm-up, timed and memory steps end at
 *                                          the first step ending after S s (default: no limit)
 *   --check / --no-check  BENCH_CHECK=0|1  compare loss values and gradients on every backend with the
 *                                          CPU backend and the numpy reference (default on)
 *   --stock-kernels     BENCH_STOCK_KERNELS=1  the CPU backend with tfjs's stock kernels instead of the
 *                                          product's fast ones (core/kernels, the default)
 *   --out FILE          BENCH_OUT          JSON results, merged under "node" (default bench-results.json),
 *                                          written again after every backend and size
 *   --dawn PATH         DAWN_NODE          dawn.node, or the folder of the `webgpu` package (default: import 'webgpu')
 *   --dawn-options s    DAWN_OPTIONS       options for Dawn's create(), separated by ';' (e.g. backend=vulkan)
 *   --adapter-only                         print the WebGPU adapter and exit: 0 when there is one, 2 when not
 *   --report FILE                          print the tables of a results file (e.g. of a run a watchdog stopped) and exit
 */
import { parseArgs } from 'node:util';

export const NODE_BACKENDS = ['cpu', 'webgpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** A 3-D model of --models3d: its patch (width × height × depth voxels), base filters and depth. */
export interface Model3D {
  patch: { width: number; height: number; depth: number };
  filters: number;
  depth: number;
}

export interface NodeBenchOptions {
  backends: NodeBackend[];
  /** One entry per model size of the sweep (a single one without --sizes). */
  models: { size: number; filters: number; depth: number }[];
  /** 3-D U-Nets, run after the 2-D models. */
  models3d: Model3D[];
  timed3d: number;
  losses3d: 'all' | 'paper' | 'none';
  rounds3d: number;
  perRound3d: number;
  batch: number;
  cpuMaxSize: number | null;
  warmup: number;
  timed: number;
  steps: number;
  losses: 'all' | 'paper' | 'none';
  lossBackends: NodeBackend[];
  rounds: number;
  perRound: number;
  seconds: number;
  stopAfter: number | null;
  check: boolean;
  /** The CPU backend with tfjs's stock kernels (else registerFastCpuKernels()). */
  stockKernels: boolean;
  out: string;
  dawn: string | null;
  dawnOptions: string[];
  adapterOnly: boolean;
  report: string | null;
}

const STRING_FLAGS = [
  'backends',
  'size',
  'sizes',
  'filters',
  'depth',
  'batch',
  'cpu-max-size',
  'models3d',
  'timed3d',
  'losses3d',
  'rounds3d',
  'per-round3d',
  'warmup',
  'timed',
  'steps',
  'losses',
  'loss-backends',
  'rounds',
  'per-round',
  'seconds',
  'stop-after',
  'out',
  'dawn',
  'dawn-options',
] as const;

/** BENCH_LOSS_BACKENDS for loss-backends, DAWN_NODE for dawn, … */
function envName(flag: string): string {
  if (flag === 'dawn') return 'DAWN_NODE';
  if (flag === 'dawn-options') return 'DAWN_OPTIONS';
  return `BENCH_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function positive(name: string, raw: string, min = 1): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${raw}`);
  return v;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** patch/filters/depth,… (patch S or WxHxD) or `none`, as 3-D models. */
export function models3dList(raw: string): Model3D[] {
  if (raw === 'none' || raw.trim() === '') return [];
  return list(raw).map((m) => {
    const parts = m.split('/');
    if (parts.length !== 3) throw new Error(`--models3d takes patch/filters/depth (patch S or WxHxD), got ${m}`);
    const sides = (parts[0] ?? '').split('x').map((v) => positive('models3d', v));
    if (sides.length !== 1 && sides.length !== 3) throw new Error(`--models3d: the patch is S or WxHxD, got ${parts[0]}`);
    const [width = NaN, height = width, depth = width] = sides;
    return { patch: { width, height, depth }, filters: positive('models3d', parts[1] ?? ''), depth: positive('models3d', parts[2] ?? '') };
  });
}

function backendList(name: string, raw: string): NodeBackend[] {
  const names = list(raw);
  for (const b of names) if (!(NODE_BACKENDS as readonly string[]).includes(b)) throw new Error(`--${name}: unknown backend ${b} (known: ${NODE_BACKENDS.join(', ')})`);
  return names as NodeBackend[];
}

export function parseNodeBenchOptions(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): NodeBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])),
      check: { type: 'boolean' },
      'no-check': { type: 'boolean' },
      'adapter-only': { type: 'boolean' },
      'stock-kernels': { type: 'boolean' },
      report: { type: 'string' },
    },
    strict: true,
  });
  const strings = values as Record<string, string | boolean | undefined>;
  const get = (flag: (typeof STRING_FLAGS)[number]): string | undefined => {
    const v = strings[flag];
    return typeof v === 'string' ? v : env[envName(flag)] || undefined;
  };
  const int = (flag: (typeof STRING_FLAGS)[number], fallback: number, min = 1): number => {
    const raw = get(flag);
    return raw === undefined ? fallback : positive(flag, raw, min);
  };
  const sizes = list(get('sizes') ?? get('size') ?? '32').map((s) => positive('sizes', s));
  /** One value for every size, or one per size. */
  const perSize = (flag: 'filters' | 'depth', fallback: string): number[] => {
    const vs = list(get(flag) ?? fallback).map((s) => positive(flag, s));
    if (vs.length !== 1 && vs.length !== sizes.length) throw new Error(`--${flag} takes one value or one per size (${sizes.length}), got ${vs.length}`);
    return sizes.map((_, i) => vs[vs.length === 1 ? 0 : i] ?? NaN);
  };
  const filters = perSize('filters', '4');
  const depths = perSize('depth', '2');
  const cpuMaxSize = get('cpu-max-size');
  const losses = get('losses') ?? 'all';
  if (losses !== 'all' && losses !== 'paper' && losses !== 'none') throw new Error(`--losses must be all, paper or none, got ${losses}`);
  const losses3d = get('losses3d') ?? 'paper';
  if (losses3d !== 'all' && losses3d !== 'paper' && losses3d !== 'none') throw new Error(`--losses3d must be all, paper or none, got ${losses3d}`);
  const backends = backendList('backends', get('backends') ?? NODE_BACKENDS.join(','));
  if (backends.length === 0) throw new Error('--backends names no backend');
  const stopAfter = get('stop-after');
  const checkEnv = env.BENCH_CHECK;
  return {
    backends,
    models: sizes.map((size, i) => ({ size, filters: filters[i] ?? NaN, depth: depths[i] ?? NaN })),
    batch: int('batch', 2),
    cpuMaxSize: cpuMaxSize === undefined ? null : positive('cpu-max-size', cpuMaxSize),
    models3d: models3dList(get('models3d') ?? '16/4/2'),
    timed3d: int('timed3d', 3),
    losses3d,
    rounds3d: int('rounds3d', 3),
    perRound3d: int('per-round3d', 1),
    warmup: int('warmup', 2, 0),
    timed: int('timed', 20),
    steps: int('steps', 60),
    losses,
    lossBackends: backendList('loss-backends', get('loss-backends') ?? backends.join(',')),
    rounds: int('rounds', 16),
    perRound: int('per-round', 2),
    seconds: int('seconds', 300),
    stopAfter: stopAfter === undefined ? null : positive('stop-after', stopAfter),
    check: values['no-check'] ? false : values.check ? true : checkEnv === undefined ? true : checkEnv !== '0',
    stockKernels: values['stock-kernels'] === true || env.BENCH_STOCK_KERNELS === '1',
    out: get('out') ?? 'bench-results.json',
    dawn: get('dawn') ?? null,
    dawnOptions: (get('dawn-options') ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
    adapterOnly: values['adapter-only'] === true,
    report: typeof values.report === 'string' ? values.report : null,
  };
}
