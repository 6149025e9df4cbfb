/**
 * Tallies of a fuzz campaign: outcomes per report row, read times (max and 99th percentile),
 * memory peaks, and the distinct failure kinds (message patterns) with the inputs that show them.
 */
import type { Outcome, RunResult } from './runner';
import type { Group } from './seeds';

export const OUTCOMES: readonly Outcome[] = ['ok', 'refused', 'wrapped', 'crash', 'hang', 'death'];

export interface GroupStats {
  inputs: number;
  counts: Record<Outcome, number>;
  times: number[];
  maxRssMb: number;
  maxVmMb: number;
  maxArrayBuffersMb: number;
  /** Inputs slower than the slow threshold that still answered. */
  slow: number;
  /** Inputs that answered but allocated more than the allocation threshold. */
  alloc: number;
}

export interface KindExample {
  index: number;
  label: string;
  file?: string;
  mutations: string[];
}

export interface FailureKind {
  kind: string;
  outcome: Outcome | 'slow' | 'alloc';
  count: number;
  groups: Partial<Record<Group, number>>;
  /** The first message seen, as it was. */
  message: string;
  /** alloc kinds: the largest allocation seen (MiB). */
  maxAllocMb?: number;
  stage?: string;
  hangFrames?: string[];
  stack?: string;
  examples: KindExample[];
}

export function newStats(): GroupStats {
  return { inputs: 0, counts: { ok: 0, refused: 0, wrapped: 0, crash: 0, hang: 0, death: 0 }, times: [], maxRssMb: 0, maxVmMb: 0, maxArrayBuffersMb: 0, slow: 0, alloc: 0 };
}

/** The allocation a read shows: the larger of its ArrayBuffer growth and the rise of the virtual size (MiB). */
export function allocOf(r: RunResult): number {
  return Math.max(Number.isFinite(r.arrayBuffersMb) ? r.arrayBuffersMb : 0, Number.isFinite(r.vmPeakMb) ? r.vmPeakMb : 0);
}

export function addResult(s: GroupStats, r: RunResult, slowMs: number, allocMb: number): void {
  s.inputs++;
  s.counts[r.outcome]++;
  if (Number.isFinite(r.ms)) s.times.push(r.ms);
  if (Number.isFinite(r.rssPeakMb)) s.maxRssMb = Math.max(s.maxRssMb, r.rssPeakMb);
  if (Number.isFinite(r.vmPeakMb)) s.maxVmMb = Math.max(s.maxVmMb, r.vmPeakMb);
  if (Number.isFinite(r.arrayBuffersMb)) s.maxArrayBuffersMb = Math.max(s.maxArrayBuffersMb, r.arrayBuffersMb);
  if (r.ms > slowMs && r.outcome !== 'hang' && r.outcome !== 'death') s.slow++;
  if (r.outcome !== 'hang' && r.outcome !== 'death' && allocOf(r) > allocMb) s.alloc++;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** A message with its variable parts (numbers, quoted names) replaced, so that equal causes group together. */
export function pattern(message: string): string {
  return message
    .replace(/0x[0-9a-f]+/gi, 'H')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\s+/g, ' ')
    .slice(0, 220);
}

interface Frame {
  fn: string;
  /** The npm package of a library frame (fflate, jpeg-js, ...). */
  pkg?: string;
  builtin: boolean;
}

function parseFrame(f: string): Frame {
  const m = /^(\S+) (\S*):\d+:\d+$/.exec(f);
  const fn = m?.[1] ?? f;
  const url = m?.[2] ?? '?';
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  return { fn, ...(pkg ? { pkg } : {}), builtin: url === '?' || url.startsWith('node:') || url === '' };
}

/**
 * Where a hang is: the library call it is stuck in and the studio function that made it
 * ("fflate unzipSync() from filter()"), or the studio function itself ("unpackBits()"); the
 * innermost helper is left out so that one loop gives one kind. The adapter stage when no stack came.
 */
function hangSite(r: RunResult): string {
  const frames = (r.hangFrames ?? []).map(parseFrame).filter((f) => !f.builtin);
  const first = frames[0];
  if (!first) return `stage "${(r.stage ?? '?').split(' ')[0]}" (no stack)`;
  if (!first.pkg) return `${first.fn}()`;
  let i = 0;
  while (frames[i + 1]?.pkg === first.pkg) i++;
  const caller = frames[i + 1];
  return `${first.pkg} ${frames[i]?.fn}()${caller ? ` from ${caller.fn}()` : ''}`;
}

/**
 * The failure kind of a result, or null for ok and plain refusals that are neither slow nor
 * allocate more than `allocMb` (ArrayBuffer growth or virtual size: memory a browser tab may
 * not be able to give).
 */
export function kindOf(r: RunResult, slowMs: number, allocMb: number): { kind: string; outcome: Outcome | 'slow' | 'alloc' } | null {
  switch (r.outcome) {
    case 'crash':
      return { kind: `crash ${r.errorName ?? 'Error'}: ${pattern(r.message ?? '')}`, outcome: 'crash' };
    case 'wrapped':
      return { kind: `wrapped: ${pattern(r.message ?? '')}`, outcome: 'wrapped' };
    case 'hang':
      return { kind: `hang in ${hangSite(r)}`, outcome: 'hang' };
    case 'death':
      return { kind: `death: ${pattern(r.message ?? '')}${r.stage ? ` (during ${r.stage.split(' ')[0]})` : ''}`, outcome: 'death' };
  }
  if (allocOf(r) > allocMb) {
    return { kind: `alloc > ${allocMb} MiB, ${r.outcome}${r.message ? `: ${pattern(r.message)}` : ` (${pattern(r.detail ?? '')})`}`, outcome: 'alloc' };
  }
  return r.ms > slowMs ? { kind: `slow ${r.outcome} (> ${slowMs} ms)${r.message ? `: ${pattern(r.message)}` : ''}`, outcome: 'slow' } : null;
}

const fmtMs = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '-');
const fmtMb = (v: number): string => (v >= 1 ? v.toFixed(0) : v.toFixed(1));

/** The per-row table as text. */
export function table(stats: Map<Group, GroupStats>): string {
  const head = ['format', 'inputs', 'ok', 'refused', 'wrapped', 'crash', 'hang', 'death', 'slow', 'alloc', 'max ms', 'p99 ms', 'rss↑ MB', 'vm↑ MB', 'ab MB'];
  const rows: string[][] = [];
  const total = newStats();
  for (const [g, s] of stats) {
    if (s.inputs === 0) continue;
    rows.push([g, String(s.inputs), ...OUTCOMES.map((o) => String(s.counts[o])), String(s.slow), String(s.alloc), fmtMs(s.times.reduce((m, x) => Math.max(m, x), -Infinity)), fmtMs(percentile(s.times, 99)), fmtMb(s.maxRssMb), fmtMb(s.maxVmMb), fmtMb(s.maxArrayBuffersMb)]);
    total.inputs += s.inputs;
    for (const o of OUTCOMES) total.counts[o] += s.counts[o];
    total.slow += s.slow;
    total.alloc += s.alloc;
    for (const t of s.times) total.times.push(t);
    total.maxRssMb = Math.max(total.maxRssMb, s.maxRssMb);
    total.maxVmMb = Math.max(total.maxVmMb, s.maxVmMb);
    total.maxArrayBuffersMb = Math.max(total.maxArrayBuffersMb, s.maxArrayBuffersMb);
  }
  const t = total;
  rows.push(['all', String(t.inputs), ...OUTCOMES.map((o) => String(t.counts[o])), String(t.slow), String(t.alloc), fmtMs(t.times.reduce((m, x) => Math.max(m, x), 0)), fmtMs(percentile(t.times, 99)), fmtMb(t.maxRssMb), fmtMb(t.maxVmMb), fmtMb(t.maxArrayBuffersMb)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(0, -1).map(line), line(widths.map((w) => '-'.repeat(w))), line(rows[rows.length - 1] ?? [])].join('\n');
}
