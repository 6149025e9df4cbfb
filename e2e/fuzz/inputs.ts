/**
 * The campaign's inputs: the report rows taking turns in fixed proportions, the bombs first, and
 * input i of seed s always the same bytes (its own generator is seeded from s and i); and the
 * findings saved as files with a JSON sidecar for --replay.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, hex, inputSeed } from './bytes';
import type { Bomb } from './bombs';
import { mutate } from './mutate';
import type { Options } from './options';
import type { RunResult } from './runner';
import { GROUPS, type Group, type ReadMode, type Seed } from './seeds';

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

export interface Input {
  index: number;
  group: Group;
  label: string;
  mode: ReadMode;
  name: string;
  bytes: Uint8Array;
  mutations: string[];
  about?: string;
}

export class Generator {
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
export function extension(name: string): string {
  const m = /(\.nii\.gz|\.[a-z0-9]+)$/i.exec(name);
  return m ? m[1]!.toLowerCase() : '.bin';
}

export function saveFinding(dir: string, input: Input, r: RunResult, kind: string, opts: Options): string {
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
