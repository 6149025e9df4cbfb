/**
 * Seeded, time-bounded fuzzing of the studio's file readers (npm run fuzz; not part of npm test).
 *
 *   npm run fuzz                                   30 000 inputs or 300 s, seed 1
 *   npm run fuzz -- --seed 7 --seconds 60 --inputs 5000 --groups png,gif
 *   npm run fuzz -- --replay e2e/fuzz/.out/findings/000123-crash-png.png
 *   npm run fuzz -- --replay-index 123 --seed 7     regenerate input 123 of seed 7 and read it
 *   npm run fuzz -- --find-gif-hang                mutate a small GIF's LZW data until a read hangs
 *
 * Flags: --seed N (1), --seconds S (300), --inputs N (30000), --timeout-ms T (2000: a read
 * without an answer by then is a hang), --slow-ms T (2000: answered reads slower than this are
 * saved as findings; only distinct from hangs when --timeout-ms is larger), --alloc-mb M (1024:
 * reads that end well but grow ArrayBuffers or the virtual size by more are saved as findings),
 * --max-memory-mb M (4096: the worker's V8 heap limit, and the rise of the process's resident
 * set that counts as a worker death), --stack-mb M (1: the worker's stack, about a browser's),
 * --sample-ms (5), --groups (comma-separated report rows), --no-bombs,
 * --max-findings-per-kind (10), --out FILE (e2e/fuzz/.out/fuzz-report.json), --findings DIR
 * (e2e/fuzz/.out/findings), --no-hang-stacks.
 *
 * Inputs: first the hand-made bombs (bombs.ts), then mutants of the seeds (seeds.ts,
 * mutate.ts), the report rows taking turns in fixed proportions. Input i of seed s is always
 * the same bytes: its own generator is seeded from (s, i). Each input is read in a worker
 * thread under a watchdog (runner.ts) as the studio reads it (adapter.ts). The table gives,
 * per row: inputs, outcomes (ok, refused, wrapped, crash, hang, death; see worker.ts), slow
 * answers, the longest and 99th-percentile read time, and the largest rises of resident set,
 * virtual size and the worker's ArrayBuffer bytes. The JSON report adds every failure kind with
 * its count, first message, stack and examples; findings are saved as files (the input, and
 * beside it NAME.json with the seed, index, mutations and result) for --replay.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Rng, hex, inputSeed } from './bytes';
import { buildBombs, type Bomb } from './bombs';
import { gifBlocks } from './fields';
import { mutate } from './mutate';
import { addResult, kindOf, newStats, table, type FailureKind, type GroupStats } from './report';
import { Runner, type RunResult } from './runner';
import { buildSeeds, GROUPS, type Group, type ReadMode, type Seed } from './seeds';
import { encodeGif } from '../../src/core/io/testing/image-fixtures';

interface Options {
  seed: number;
  seconds: number;
  inputs: number;
  timeoutMs: number;
  slowMs: number;
  allocMb: number;
  maxMemoryMb: number;
  stackMb: number;
  sampleMs: number;
  groups: Group[];
  bombs: boolean;
  maxFindingsPerKind: number;
  out: string;
  findings: string;
  hangStacks: boolean;
  replay?: string;
  replayIndex?: number;
  findGifHang: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seed: 1,
    seconds: 300,
    inputs: 30_000,
    timeoutMs: 2000,
    slowMs: 2000,
    allocMb: 1024,
    maxMemoryMb: 4096,
    stackMb: 1,
    sampleMs: 5,
    groups: [...GROUPS],
    bombs: true,
    maxFindingsPerKind: 10,
    out: 'e2e/fuzz/.out/fuzz-report.json',
    findings: 'e2e/fuzz/.out/findings',
    hangStacks: true,
    findGifHang: false,
  };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--seed': o.seed = num(a, v) >>> 0; i++; break;
      case '--seconds': o.seconds = num(a, v); i++; break;
      case '--inputs': o.inputs = num(a, v); i++; break;
      case '--timeout-ms': o.timeoutMs = num(a, v); i++; break;
      case '--slow-ms': o.slowMs = num(a, v); i++; break;
      case '--alloc-mb': o.allocMb = num(a, v); i++; break;
      case '--max-memory-mb': o.maxMemoryMb = num(a, v); i++; break;
      case '--stack-mb': o.stackMb = num(a, v); i++; break;
      case '--sample-ms': o.sampleMs = num(a, v); i++; break;
      case '--max-findings-per-kind': o.maxFindingsPerKind = num(a, v); i++; break;
      case '--groups': {
        const gs = (v ?? '').split(',').filter(Boolean) as Group[];
        const bad = gs.filter((g) => !GROUPS.includes(g));
        if (bad.length || gs.length === 0) throw new Error(`--groups takes some of ${GROUPS.join(',')}`);
        o.groups = gs;
        i++;
        break;
      }
      case '--no-bombs': o.bombs = false; break;
      case '--no-hang-stacks': o.hangStacks = false; break;
      case '--out': o.out = v ?? o.out; i++; break;
      case '--findings': o.findings = v ?? o.findings; i++; break;
      case '--replay': o.replay = v; i++; break;
      case '--replay-index': o.replayIndex = num(a, v); i++; break;
      case '--find-gif-hang': o.findGifHang = true; break;
      default: throw new Error(`unknown flag ${a} (see the comment at the top of e2e/fuzz/fuzz.ts)`);
    }
  }
  if (!o.groups.includes('bomb')) o.bombs = false;
  return o;
}

/** The share of mutants each report row gets, out of 100. */
const WEIGHTS: Record<Exclude<Group, 'bomb'>, number> = { png: 14, jpeg: 12, gif: 12, bmp: 10, tiff: 13, nii: 12, 'nii.gz': 11, zip: 8, mask: 8 };

/** The rows in turn, interleaved by smooth weighted round robin (same order every run). */
function schedule(groups: Group[]): Group[] {
  const rows = groups.filter((g): g is Exclude<Group, 'bomb'> => g !== 'bomb');
  const total = rows.reduce((s, g) => s + WEIGHTS[g], 0);
  const current = new Map(rows.map((g) => [g, 0]));
  const out: Group[] = [];
  for (let i = 0; i < total; i++) {
    let best = rows[0];
    for (const g of rows) {
      current.set(g, (current.get(g) ?? 0) + WEIGHTS[g]);
      if (best === undefined || (current.get(g) ?? 0) > (current.get(best) ?? 0)) best = g;
    }
    if (best === undefined) break;
    current.set(best, (current.get(best) ?? 0) - total);
    out.push(best);
  }
  return out;
}

interface Input {
  index: number;
  group: Group;
  label: string;
  mode: ReadMode;
  name: string;
  bytes: Uint8Array;
  mutations: string[];
  about?: string;
}

class Generator {
  private readonly cycle: Group[];
  private readonly byGroup: Map<Group, Seed[]>;
  constructor(
    private readonly opts: Options,
    readonly seeds: Seed[],
    readonly bombs: Bomb[],
  ) {
    this.cycle = schedule(opts.groups);
    this.byGroup = new Map(GROUPS.map((g) => [g, seeds.filter((s) => s.group === g)]));
  }
  input(index: number): Input {
    if (index < this.bombs.length) {
      const b = this.bombs[index]!;
      return { index, group: 'bomb', label: b.label, mode: b.mode, name: b.name, bytes: b.build(), mutations: [], about: b.about };
    }
    const group = this.cycle[(index - this.bombs.length) % this.cycle.length];
    if (!group) throw new Error('no report row to fuzz');
    const rng = new Rng(inputSeed(this.opts.seed, index));
    const seed = rng.pick(this.byGroup.get(group) ?? []);
    const m = mutate(seed, rng, this.seeds);
    return { index, group, label: seed.label, mode: seed.mode, name: seed.name, bytes: m.bytes, mutations: m.mutations };
  }
}

/** The file extension of a name, .nii.gz counted whole. */
function extension(name: string): string {
  const m = /(\.nii\.gz|\.[a-z0-9]+)$/i.exec(name);
  return m ? m[1]!.toLowerCase() : '.bin';
}

function saveFinding(dir: string, input: Input, r: RunResult, kind: string, opts: Options): string {
  mkdirSync(dir, { recursive: true });
  const base = `${String(input.index).padStart(6, '0')}-${r.outcome}-${input.group.replace('.', '')}`;
  const file = join(dir, base + extension(input.name));
  writeFileSync(file, input.bytes);
  const sidecar = {
    seed: opts.seed,
    index: input.index,
    group: input.group,
    label: input.label,
    mode: input.mode,
    name: input.name,
    bytes: input.bytes.length,
    mutations: input.mutations,
    about: input.about,
    kind,
    result: r,
    ...(input.bytes.length <= 256 ? { hex: hex(input.bytes) } : {}),
  };
  writeFileSync(`${file}.json`, JSON.stringify(sidecar, null, 2));
  return file;
}

function describeResult(r: RunResult): string {
  const lines = [`outcome: ${r.outcome}  (${r.ms.toFixed(1)} ms, rss↑ ${r.rssPeakMb.toFixed(1)} MB, vm↑ ${r.vmPeakMb.toFixed(1)} MB, arrayBuffers ${Number.isFinite(r.arrayBuffersMb) ? r.arrayBuffersMb.toFixed(1) : '-'} MB)`];
  if (r.errorName) lines.push(`error: ${r.errorName}`);
  if (r.message) lines.push(`message: ${r.message}`);
  if (r.detail) lines.push(`read: ${r.detail}`);
  if (r.stage && r.outcome !== 'ok' && r.outcome !== 'refused') lines.push(`stage: ${r.stage}`);
  if (r.hangFrames?.length) lines.push('stack at the hang:', ...r.hangFrames.map((f) => `  ${f}`));
  if (r.stack && r.outcome === 'crash') lines.push('stack:', ...r.stack.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

const workerUrl = new URL('./worker.mjs', import.meta.url);

async function replay(opts: Options): Promise<number> {
  let input: Input;
  if (opts.replayIndex !== undefined) {
    const gen = new Generator(opts, buildSeeds(), opts.bombs ? buildBombs() : []);
    input = gen.input(opts.replayIndex);
    const file = join(opts.findings, `replay-${opts.seed}-${input.index}${extension(input.name)}`);
    mkdirSync(opts.findings, { recursive: true });
    writeFileSync(file, input.bytes);
    console.log(`input ${input.index} of seed ${opts.seed}: ${input.label} (${input.mode}) → ${file}\n  ${input.mutations.join('\n  ')}`);
  } else {
    const file = opts.replay!;
    const bytes = new Uint8Array(readFileSync(file));
    const side = existsSync(`${file}.json`) ? (JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { mode?: ReadMode; name?: string; label?: string; mutations?: string[] }) : {};
    const name = side.name ?? basename(file);
    const mode: ReadMode = side.mode ?? (name.toLowerCase().endsWith('.zip') ? 'zip' : 'file');
    input = { index: -1, group: 'bomb', label: side.label ?? basename(file), mode, name, bytes, mutations: side.mutations ?? [] };
    console.log(`${file}: ${bytes.length} bytes, read as ${mode} "${name}"${side.label ? ` (from ${side.label})` : ''}`);
  }
  const runner = new Runner(workerUrl, opts);
  const r = await runner.run(input.mode, input.name, input.bytes);
  await runner.close();
  console.log(describeResult(r));
  return r.outcome === 'crash' || r.outcome === 'hang' || r.outcome === 'death' ? 1 : 0;
}

/** Mutates the LZW data of a small valid GIF until a read hangs; saves and prints the first that does. */
async function findGifHang(opts: Options): Promise<number> {
  const base = encodeGif({ width: 4, height: 4, palette: [[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0]], frames: [{ indices: [0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 1, 1, 2, 2, 3, 3] }] });
  const image = gifBlocks(base).find((u) => u.what === 'image');
  if (!image) throw new Error('no image block in the base GIF');
  const dataStart = image.start + 11; // code size byte, then the first sub-block's length byte
  const dataEnd = image.end - 1;
  const runner = new Runner(workerUrl, { ...opts, timeoutMs: Math.min(opts.timeoutMs, 500) });
  const t0 = Date.now();
  try {
    for (let i = 0; i < opts.inputs && Date.now() - t0 < opts.seconds * 1000; i++) {
      const rng = new Rng(inputSeed(opts.seed, i));
      const b = base.slice();
      const n = rng.range(1, 3);
      const changes: string[] = [];
      for (let k = 0; k < n; k++) {
        const at = dataStart + 1 + rng.int(dataEnd - dataStart - 1);
        b[at] = rng.int(256);
        changes.push(`byte ${at}=0x${(b[at] ?? 0).toString(16)}`);
      }
      const r = await runner.run('file', 'lzw.gif', b);
      if (r.outcome === 'hang') {
        const input: Input = { index: i, group: 'gif', label: 'gif/search-base', mode: 'file', name: 'lzw.gif', bytes: b, mutations: changes };
        const file = saveFinding(opts.findings, input, r, 'hang (GIF LZW search)', opts);
        console.log(`try ${i + 1}: a ${b.length}-byte GIF hangs (${changes.join(', ')})\n${hex(b)}\nsaved as ${file}\n${describeResult(r)}`);
        return 0;
      }
    }
  } finally {
    await runner.close();
  }
  console.log('no hang found within the limits');
  return 1;
}

async function campaign(opts: Options): Promise<number> {
  const seeds = buildSeeds();
  const bombs = opts.bombs ? buildBombs() : [];
  const gen = new Generator(opts, seeds, bombs);
  const runner = new Runner(workerUrl, opts);
  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;

  // Every seed, unmutated, must read: otherwise the harness (or a reader) is broken.
  const seedCheck: { label: string; outcome: string; message?: string }[] = [];
  for (const s of seeds.filter((x) => opts.groups.includes(x.group))) {
    const r = await runner.run(s.mode, s.name, s.bytes);
    if (r.outcome !== 'ok') seedCheck.push({ label: s.label, outcome: r.outcome, ...(r.message ? { message: r.message } : {}) });
  }
  console.log(`${seeds.length} seeds (${seedCheck.length} not read as ok${seedCheck.length ? `: ${seedCheck.map((c) => `${c.label} ${c.outcome}${c.message ? ` "${c.message}"` : ''}`).join('; ')}` : ''}), ${bombs.length} bombs; seed ${opts.seed}, up to ${opts.inputs} inputs or ${opts.seconds} s`);

  const stats = new Map<Group, GroupStats>(opts.groups.map((g) => [g, newStats()]));
  const kinds = new Map<string, FailureKind>();
  const bombResults: { label: string; about: string; outcome: string; ms: number; rssPeakMb: number; vmPeakMb: number; message?: string; kind?: string; file?: string }[] = [];
  let done = 0;
  for (let index = 0; index < opts.inputs && elapsed() < opts.seconds; index++) {
    if (index >= bombs.length && !opts.groups.some((g) => g !== 'bomb')) break;
    const input = gen.input(index);
    const r = await runner.run(input.mode, input.name, input.bytes);
    done++;
    addResult(stats.get(input.group) ?? newStats(), r, opts.slowMs, opts.allocMb);
    const k = kindOf(r, opts.slowMs, opts.allocMb);
    let file: string | undefined;
    if (k) {
      let fk = kinds.get(k.kind);
      if (!fk) {
        fk = { kind: k.kind, outcome: k.outcome, count: 0, groups: {}, message: r.message ?? '', examples: [], ...(r.stage ? { stage: r.stage } : {}), ...(r.hangFrames?.length ? { hangFrames: r.hangFrames } : {}), ...(r.stack ? { stack: r.stack } : {}) };
        kinds.set(k.kind, fk);
        console.log(`  new ${k.outcome} at input ${index} (${input.label}): ${k.kind}`);
      }
      fk.count++;
      fk.groups[input.group] = (fk.groups[input.group] ?? 0) + 1;
      if (fk.examples.length < opts.maxFindingsPerKind) {
        file = saveFinding(opts.findings, input, r, k.kind, opts);
        fk.examples.push({ index, label: input.label, file, mutations: input.mutations });
      } else if (fk.examples.length < 100) {
        fk.examples.push({ index, label: input.label, mutations: input.mutations });
      }
    }
    if (input.group === 'bomb') {
      bombResults.push({ label: input.label, about: input.about ?? '', outcome: r.outcome, ms: r.ms, rssPeakMb: r.rssPeakMb, vmPeakMb: r.vmPeakMb, ...(r.message ? { message: r.message } : {}), ...(k ? { kind: k.kind } : {}), ...(file ? { file } : {}) });
      console.log(`  ${input.label}: ${r.outcome} in ${r.ms.toFixed(0)} ms, rss↑ ${r.rssPeakMb.toFixed(0)} MB, vm↑ ${r.vmPeakMb.toFixed(0)} MB${r.message ? ` — ${r.message.slice(0, 160)}` : ''}`);
    }
    if (done % 1000 === 0) {
      const all = [...stats.values()];
      const sum = (o: 'crash' | 'hang' | 'death' | 'wrapped') => all.reduce((s, x) => s + x.counts[o], 0);
      console.log(`${done} inputs, ${elapsed().toFixed(0)} s: ${sum('crash')} crashes, ${sum('wrapped')} wrapped, ${sum('hang')} hangs, ${sum('death')} deaths, ${kinds.size} kinds`);
    }
  }
  await runner.close();

  console.log(`\n${done} inputs in ${elapsed().toFixed(0)} s (seed ${opts.seed}, ${runner.starts} worker starts)\n`);
  console.log(table(stats));
  const order = ['death', 'hang', 'crash', 'wrapped', 'alloc', 'slow'];
  const sorted = [...kinds.values()].sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome) || b.count - a.count);
  console.log(`\n${sorted.length} failure kinds:`);
  for (const k of sorted) {
    const where = Object.entries(k.groups).map(([g, n]) => `${g} ${n}`).join(', ');
    console.log(`  [${k.outcome}] ×${k.count} (${where}) ${k.kind}\n      e.g. ${k.examples[0]?.file ?? `input ${k.examples[0]?.index}`}`);
  }
  const report = {
    startedAt: new Date(t0).toISOString(),
    seconds: elapsed(),
    options: opts,
    inputs: done,
    workerStarts: runner.starts,
    seedCheck,
    perFormat: Object.fromEntries([...stats].map(([g, s]) => [g, { ...s, times: undefined, maxMs: Math.max(0, ...s.times), p99Ms: s.times.length ? [...s.times].sort((a, b) => a - b)[Math.ceil(0.99 * s.times.length) - 1] : null }])),
    bombs: bombResults,
    kinds: sorted,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  console.log(`\nreport: ${opts.out}; findings: ${opts.findings}`);
  return 0;
}

const opts = parseArgs(process.argv.slice(2));
const run = opts.replay !== undefined || opts.replayIndex !== undefined ? replay : opts.findGifHang ? findGifHang : campaign;
run(opts).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
