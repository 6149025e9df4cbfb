/**
 * A fuzz campaign in two processes. The one started by `npm run fuzz` supervises: it starts a
 * campaign process that reads the inputs (in its worker thread, runner.ts) and appends every
 * input to a JSON-lines log, a "start" line before the read and a "result" line after. A worker
 * that runs out of heap or past the memory budget is replaced inside that process; but some
 * failures end the whole process (V8 aborts it when a JavaScript array or string passes its
 * maximum length, as gifuct-js's pixel stack does in an endless LZW loop). Then the supervisor
 * records the input in flight as a worker death with the process's last error lines, saves it
 * as a finding, and starts a new campaign process at the next input. The report is made from the
 * log, so it counts every input whichever process read it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBombs } from './bombs';
import { Generator, saveFinding, type Input } from './inputs';
import type { Options } from './options';
import { addResult, allocOf, kindOf, newStats, pattern, table, type FailureKind, type GroupStats } from './report';
import { Runner, type RunResult } from './runner';
import { buildSeeds, type Group, type ReadMode } from './seeds';

type LogLine =
  | { type: 'begin'; at: number }
  | { type: 'seedCheck'; seeds: number; bombs: number; notOk: { label: string; outcome: string; message?: string }[] }
  | { type: 'start'; index: number; at: number }
  | ({ type: 'result'; index: number; group: Group; label: string; mode: ReadMode; name: string; bytes: number; mutations: string[]; about?: string; result: RunResult } & KindOf)
  | { type: 'process'; workerStarts: number; aborted?: boolean };

interface KindOf {
  kind?: string;
  kindOutcome?: FailureKind['outcome'];
  finding?: string;
}

const ORDER = ['death', 'hang', 'crash', 'wrapped', 'alloc', 'slow'];

function readLog(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  const out: LogLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // A line cut short by an abort.
    }
  }
  return out;
}

/** NaN and ±Infinity become null in JSON. */
const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

class Log {
  private readonly fd: number;
  constructor(file: string, fresh: boolean) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, fresh ? 'w' : 'a');
  }
  /** Written straight to the file, so that it survives the process aborting during the next read. */
  write(line: LogLine): void {
    writeSync(this.fd, `${json(line)}\n`);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Counts kinds and their saved findings so far (a restarted process keeps saving up to the limit). */
function kindCounts(lines: LogLine[]): Map<string, { count: number; saved: number }> {
  const m = new Map<string, { count: number; saved: number }>();
  for (const l of lines) {
    if (l.type !== 'result' || !l.kind) continue;
    const c = m.get(l.kind) ?? { count: 0, saved: 0 };
    c.count++;
    if (l.finding) c.saved++;
    m.set(l.kind, c);
  }
  return m;
}

/** Records one input's result in the log, saving it as a finding when it is one. */
function record(log: Log, opts: Options, counts: Map<string, { count: number; saved: number }>, input: Input, r: RunResult): ReturnType<typeof kindOf> {
  const k = kindOf(r, opts.slowMs, opts.allocMb);
  const extra: KindOf = {};
  if (k) {
    const c = counts.get(k.kind) ?? { count: 0, saved: 0 };
    if (c.count === 0) console.log(`  new ${k.outcome} at input ${input.index} (${input.label}): ${k.kind}`);
    c.count++;
    extra.kind = k.kind;
    extra.kindOutcome = k.outcome;
    if (c.saved < opts.maxFindingsPerKind) {
      extra.finding = saveFinding(opts.findings, input, r, k.kind, opts);
      c.saved++;
    }
    counts.set(k.kind, c);
  }
  const { index, group, label, mode, name, mutations, about } = input;
  log.write({ type: 'result', index, group, label, mode, name, bytes: input.bytes.length, mutations, ...(about ? { about } : {}), result: r, ...extra });
  return k;
}

/** The campaign process: reads inputs from opts.from until the count or the deadline, then reports. */
async function campaignProcess(opts: Options): Promise<number> {
  const seeds = buildSeeds();
  const bombs = opts.bombs ? buildBombs() : [];
  const gen = new Generator(opts, seeds, bombs);
  const runner = new Runner(new URL('./worker.mjs', import.meta.url), opts);
  const log = new Log(opts.log, false);
  const counts = kindCounts(readLog(opts.log));

  if (opts.from === 0) {
    // Every seed, unmutated, must read: otherwise the harness (or a reader) is broken.
    const notOk: { label: string; outcome: string; message?: string }[] = [];
    for (const s of seeds.filter((x) => opts.groups.includes(x.group))) {
      const r = await runner.run(s.mode, s.name, s.bytes);
      if (r.outcome !== 'ok') notOk.push({ label: s.label, outcome: r.outcome, ...(r.message ? { message: r.message } : {}) });
    }
    log.write({ type: 'seedCheck', seeds: seeds.length, bombs: bombs.length, notOk });
    console.log(
      `${seeds.length} seeds (${notOk.length} not read as ok${notOk.length ? `: ${notOk.map((c) => `${c.label} ${c.outcome}${c.message ? ` "${c.message}"` : ''}`).join('; ')}` : ''}), ${bombs.length} bombs; seed ${opts.seed}, up to ${opts.inputs} inputs or ${opts.seconds} s`,
    );
  }

  const onlyBombs = !opts.groups.some((g) => g !== 'bomb');
  for (let index = opts.from; index < opts.inputs && Date.now() < opts.deadline; index++) {
    if (index >= bombs.length && onlyBombs) break;
    const input = gen.input(index);
    log.write({ type: 'start', index, at: Date.now() });
    const r = await runner.run(input.mode, input.name, input.bytes);
    record(log, opts, counts, input, r);
    if (input.group === 'bomb') {
      console.log(`  ${input.label}: ${r.outcome} in ${r.ms.toFixed(0)} ms, rss↑ ${r.rssPeakMb.toFixed(0)} MB, vm↑ ${r.vmPeakMb.toFixed(0)} MB${r.message ? ` — ${r.message.slice(0, 160)}` : ''}`);
    }
    if ((index + 1) % 1000 === 0) {
      const n = (o: string) => [...counts.entries()].filter(([k]) => k.startsWith(o)).reduce((s, [, c]) => s + c.count, 0);
      console.log(`${index + 1} inputs: ${n('crash')} crashes, ${n('wrapped')} wrapped, ${n('hang')} hangs, ${n('death')} deaths, ${counts.size} kinds`);
    }
  }
  await runner.close();
  log.write({ type: 'process', workerStarts: runner.starts });
  log.close();
  report(opts);
  return 0;
}

/** The table, the failure kinds and the JSON report, from the log. */
function report(opts: Options): void {
  const lines = readLog(opts.log);
  const stats = new Map<Group, GroupStats>(opts.groups.map((g) => [g, newStats()]));
  const kinds = new Map<string, FailureKind>();
  const bombs: object[] = [];
  let inputs = 0;
  let workerStarts = 0;
  let aborts = 0;
  const begin = lines.find((l) => l.type === 'begin')?.at ?? Date.now();
  const seedCheck = lines.find((l) => l.type === 'seedCheck');
  for (const l of lines) {
    if (l.type === 'process') {
      workerStarts += l.workerStarts;
      if (l.aborted) aborts++;
    }
    if (l.type !== 'result') continue;
    inputs++;
    const r = l.result;
    for (const key of ['ms', 'rssPeakMb', 'vmPeakMb', 'arrayBuffersMb'] as const) r[key] = r[key] ?? NaN;
    addResult(stats.get(l.group) ?? newStats(), r, opts.slowMs, opts.allocMb);
    if (l.group === 'bomb') bombs.push({ label: l.label, about: l.about, outcome: r.outcome, ms: r.ms, rssPeakMb: r.rssPeakMb, vmPeakMb: r.vmPeakMb, message: r.message, kind: l.kind, finding: l.finding });
    if (!l.kind || !l.kindOutcome) continue;
    let k = kinds.get(l.kind);
    if (!k) {
      k = { kind: l.kind, outcome: l.kindOutcome, count: 0, groups: {}, message: r.message ?? '', examples: [], ...(r.stage ? { stage: r.stage } : {}), ...(r.hangFrames?.length ? { hangFrames: r.hangFrames } : {}), ...(r.stack ? { stack: r.stack } : {}) };
      kinds.set(l.kind, k);
    }
    k.count++;
    k.groups[l.group] = (k.groups[l.group] ?? 0) + 1;
    if (l.kindOutcome === 'alloc') k.maxAllocMb = Math.max(k.maxAllocMb ?? 0, allocOf(r));
    if (l.finding || k.examples.length < 100) k.examples.push({ index: l.index, label: l.label, ...(l.finding ? { file: l.finding } : {}), mutations: l.mutations });
  }
  const seconds = (Date.now() - begin) / 1000;
  console.log(`\n${inputs} inputs in ${seconds.toFixed(0)} s (seed ${opts.seed}, ${workerStarts} worker starts${aborts ? `, ${aborts} campaign process(es) aborted and restarted` : ''})\n`);
  console.log(table(stats));
  const sorted = [...kinds.values()].sort((a, b) => ORDER.indexOf(a.outcome) - ORDER.indexOf(b.outcome) || b.count - a.count);
  console.log(`\n${sorted.length} failure kinds:`);
  for (const k of sorted) {
    const where = Object.entries(k.groups).map(([g, n]) => `${g} ${n}`).join(', ');
    const max = k.maxAllocMb ? `, up to ${(k.maxAllocMb / 1024).toFixed(1)} GiB` : '';
    console.log(`  [${k.outcome}] ×${k.count} (${where}${max}) ${k.kind}\n      e.g. ${k.examples.find((e) => e.file)?.file ?? `input ${k.examples[0]?.index}`}`);
  }
  const perFormat = Object.fromEntries(
    [...stats].map(([g, s]) => {
      const finite = s.times.filter(Number.isFinite).sort((a, b) => a - b);
      return [g, { ...s, times: undefined, maxMs: finite[finite.length - 1] ?? null, p99Ms: finite[Math.ceil(0.99 * finite.length) - 1] ?? null }];
    }),
  );
  const out = { startedAt: new Date(begin).toISOString(), seconds, options: { ...opts, child: undefined, from: undefined, deadline: undefined }, inputs, workerStarts, aborts, seedCheck, perFormat, bombs, kinds: sorted };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  console.log(`\nreport: ${opts.out}; every input: ${opts.log}; findings: ${opts.findings}`);
}

/** The error lines a process printed before it died (V8's "Fatal JavaScript invalid size error …"). */
function lastError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^#\s*/, '').trim()).filter((l) => l && !/^\d+: 0x/.test(l));
  const fatal = lines.find((l) => /Fatal JavaScript|invalid size|out of memory|allocation failed/i.test(l)) ?? lines.find((l) => /fatal|abort/i.test(l));
  return fatal ?? lines[lines.length - 1] ?? 'no message';
}

/** Starts campaign processes until the inputs or the time run out; returns the last one's exit code. */
export async function campaign(opts: Options, argv: string[]): Promise<number> {
  if (opts.child) return campaignProcess(opts);
  const begin = Date.now();
  const deadline = begin + opts.seconds * 1000;
  new Log(opts.log, true).write({ type: 'begin', at: begin });
  const script = fileURLToPath(new URL('./fuzz.mjs', import.meta.url));
  let from = 0;
  for (let restarts = 0; ; restarts++) {
    const child = spawn(process.execPath, [script, ...argv, '--child', '--from', String(from), '--deadline', String(deadline)], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      stderr = (stderr + d.toString()).slice(-8000);
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    if (code === 0) return 0;
    const lines = readLog(opts.log);
    const results = new Set(lines.flatMap((l) => (l.type === 'result' ? [l.index] : [])));
    const inFlight = [...lines].reverse().find((l): l is Extract<LogLine, { type: 'start' }> => l.type === 'start' && !results.has(l.index));
    if (!inFlight || code === 2 || restarts >= 100) {
      console.error(`the campaign process ended with ${signal ?? `code ${code}`} outside any read: stopping`);
      return 2;
    }
    // The input in flight killed the process: a worker death, as if only its thread had died.
    const message = `the campaign process died (${signal ?? `exit code ${code}`}): ${lastError(stderr)}`;
    console.log(`  input ${inFlight.index} ended the campaign process: ${message}`);
    const seeds = buildSeeds();
    const gen = new Generator(opts, seeds, opts.bombs ? buildBombs() : []);
    const input = gen.input(inFlight.index);
    const r: RunResult = { outcome: 'death', ms: Date.now() - inFlight.at, message, rssPeakMb: NaN, vmPeakMb: NaN, arrayBuffersMb: NaN };
    const log = new Log(opts.log, false);
    const k = record(log, opts, kindCounts(lines), input, r);
    log.write({ type: 'process', workerStarts: 1, aborted: true });
    log.close();
    if (k) console.log(`      ${pattern(message)}`);
    from = inFlight.index + 1;
    if (from >= opts.inputs || Date.now() >= deadline) {
      report(opts);
      return 0;
    }
  }
}
