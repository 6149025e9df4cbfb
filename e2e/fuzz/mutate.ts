/**
 * Seeded mutations of a seed: bit flips, random bytes, interesting values written over known
 * header fields, huge dimensions, truncation, duplicated chunks, insertions and deletions, and
 * splices of two seeds. Gzip seeds are mutated either as compressed bytes or through the NIfTI
 * inside (then compressed again); zip seeds either as archive bytes or through one member (then
 * zipped again). Each mutation is described in words so a finding says how it was made.
 */
import { gzipSync } from 'fflate';
import { readField, resolveOffset, writeField, type Field, type Rng } from './bytes';
import { fieldsOf, fixPngCrcs, unitsOf, type Kind } from './fields';
import { buildZip, type Seed } from './seeds';

export interface Mutated {
  bytes: Uint8Array;
  /** One line per mutation, in the order applied. */
  mutations: string[];
}

const GENERIC_INTS: Record<1 | 2 | 4 | 8, number[]> = {
  1: [0, 1, 0x7f, 0x80, 0xff],
  2: [0, 1, 0x7fff, 0x8000, 0xffff, 0x100],
  4: [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 46341, 100000, 2 ** 24 + 1],
  8: [0, 1, -1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 62],
};
const GENERIC_FLOATS = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-45, 3.4e38, 2 ** 31, 1e20];

/** Names of fields that hold a picture or volume size. */
const DIM_FIELD = /(^|\.)(width|height)$|^dim[1-4]$|^tag25[67]\.value$/;

function show(v: number): string {
  if (!Number.isFinite(v) || !Number.isInteger(v)) return String(v);
  return v < 0 ? String(v) : `0x${v.toString(16)}`;
}

function interestingValue(f: Field, rng: Rng): number {
  if (f.values && f.values.length > 0 && rng.chance(0.6)) return rng.pick(f.values);
  return f.float ? rng.pick(GENERIC_FLOATS) : rng.pick(GENERIC_INTS[f.size]);
}

type Op = (b: Uint8Array, kind: Kind | undefined, rng: Rng, others: Seed[]) => { bytes: Uint8Array; what: string } | null;

const fieldOp: Op = (b, kind, rng) => {
  const fields = kind ? fieldsOf(kind, b) : [];
  if (fields.length === 0) return null;
  const f = rng.pick(fields);
  const at = resolveOffset(b, f.offset);
  if (at < 0 || at + f.size > b.length) return null;
  // Now and then one more or one less than the stored value, else an interesting value.
  const v = !f.float && rng.chance(0.15) ? readField(b, f) + (rng.chance(0.5) ? 1 : -1) : interestingValue(f, rng);
  const out = b.slice();
  if (!writeField(out, f, v)) return null;
  return { bytes: out, what: `field ${f.name}=${show(v)}` };
};

const dimsOp: Op = (b, kind, rng) => {
  const fields = (kind ? fieldsOf(kind, b) : []).filter((f) => DIM_FIELD.test(f.name));
  if (fields.length === 0) return null;
  const v = rng.pick([10000, 46341, 65535, 0x7fffffff, 100000]);
  const out = b.slice();
  const names: string[] = [];
  for (const f of fields) {
    const value = f.size === 1 ? 255 : f.size === 2 ? Math.min(v, kind === 'nii' ? 0x7fff : 0xffff) : v;
    if (writeField(out, f, value)) names.push(`${f.name}=${show(value)}`);
  }
  return names.length ? { bytes: out, what: `dims ${names.join(' ')}` } : null;
};

const bitflipOp: Op = (b, _kind, rng) => {
  if (b.length === 0) return null;
  const out = b.slice();
  const n = rng.range(1, 8);
  const at: string[] = [];
  for (let i = 0; i < n; i++) {
    const pos = rng.chance(0.5) ? rng.int(Math.min(out.length, 512)) : rng.int(out.length);
    const bit = rng.int(8);
    out[pos]! ^= 1 << bit;
    at.push(`${pos}.${bit}`);
  }
  return { bytes: out, what: `bitflip ${at.join(' ')}` };
};

const bytesOp: Op = (b, _kind, rng) => {
  if (b.length === 0) return null;
  const out = b.slice();
  const n = rng.range(1, 16);
  const pos = rng.chance(0.5) ? rng.int(Math.min(out.length, 512)) : rng.int(out.length);
  const fill = rng.chance(0.5) ? rng.pick([0x00, 0xff, 0x7f, 0x80]) : -1;
  for (let i = 0; i < n && pos + i < out.length; i++) out[pos + i] = fill >= 0 ? fill : rng.int(256);
  return { bytes: out, what: `bytes ${n}@${pos}=${fill >= 0 ? show(fill) : 'random'}` };
};

const truncateOp: Op = (b, _kind, rng) => {
  if (b.length < 2) return null;
  const len = rng.chance(0.5) ? b.length - rng.range(1, Math.min(64, b.length - 1)) : rng.int(b.length);
  return { bytes: b.slice(0, len), what: `truncate ${b.length}→${len}` };
};

const dupOp: Op = (b, kind, rng) => {
  const units = kind ? unitsOf(kind, b).filter((u) => u.end > u.start && u.end <= b.length) : [];
  let start: number, end: number, what: string;
  if (units.length > 0 && rng.chance(0.8)) {
    const u = rng.pick(units);
    ({ start, end } = u);
    what = u.what;
  } else {
    if (b.length < 2) return null;
    start = rng.int(b.length - 1);
    end = Math.min(b.length, start + rng.range(1, 256));
    what = 'bytes';
  }
  const at = rng.chance(0.7) ? end : rng.int(b.length + 1);
  const piece = b.subarray(start, end);
  const times = rng.chance(0.8) ? 1 : rng.range(2, 64);
  const out = new Uint8Array(b.length + piece.length * times);
  out.set(b.subarray(0, at));
  for (let i = 0; i < times; i++) out.set(piece, at + i * piece.length);
  out.set(b.subarray(at), at + piece.length * times);
  return { bytes: out, what: `dup ${what} [${start},${end})×${times} at ${at}` };
};

const insertOp: Op = (b, _kind, rng) => {
  const at = rng.int(b.length + 1);
  if (rng.chance(0.5) && b.length > 1) {
    const n = Math.min(b.length - at, rng.range(1, 64));
    const out = new Uint8Array(b.length - n);
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + n), at);
    return { bytes: out, what: `delete ${n}@${at}` };
  }
  const ins = rng.bytes(rng.range(1, 64));
  const out = new Uint8Array(b.length + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at), at + ins.length);
  return { bytes: out, what: `insert ${ins.length}@${at}` };
};

const spliceOp: Op = (b, _kind, rng, others) => {
  if (others.length === 0 || b.length < 2) return null;
  const o = rng.pick(others);
  const cut = rng.range(1, b.length - 1);
  const from = rng.int(o.bytes.length);
  const out = new Uint8Array(cut + o.bytes.length - from);
  out.set(b.subarray(0, cut));
  out.set(o.bytes.subarray(from), cut);
  return { bytes: out, what: `splice [0,${cut}) + ${o.label}[${from},)` };
};

const OPS: [Op, number][] = [
  [fieldOp, 30],
  [dimsOp, 5],
  [bitflipOp, 15],
  [bytesOp, 10],
  [truncateOp, 10],
  [dupOp, 9],
  [insertOp, 8],
  [spliceOp, 7],
];
const OPS_TOTAL = OPS.reduce((s, [, w]) => s + w, 0);

function pickOp(rng: Rng): Op {
  let r = rng.int(OPS_TOTAL);
  for (const [op, w] of OPS) {
    if (r < w) return op;
    r -= w;
  }
  return fieldOp;
}

/** 1 to 5 operations on bytes of one kind; PNG chunk checksums are usually repaired afterwards. */
function havoc(bytes: Uint8Array, kind: Kind | undefined, rng: Rng, others: Seed[], prefix = ''): Mutated {
  const n = rng.chance(0.5) ? 1 : rng.chance(0.5) ? 2 : rng.range(3, 5);
  let b: Uint8Array = bytes;
  const mutations: string[] = [];
  for (let i = 0, tries = 0; i < n && tries < 20; tries++) {
    const r = pickOp(rng)(b, kind, rng, others);
    if (!r) continue;
    b = r.bytes;
    mutations.push(prefix + r.what);
    i++;
  }
  if (kind === 'png' && rng.chance(0.75)) {
    b = b.slice();
    fixPngCrcs(b);
    mutations.push(`${prefix}PNG chunk CRCs recomputed`);
  }
  return { bytes: b, mutations };
}

/** A mutant of `seed`; `others` are the seeds a splice may take its tail from. */
export function mutate(seed: Seed, rng: Rng, others: Seed[]): Mutated {
  if (seed.inner && rng.chance(0.55)) {
    const inner = havoc(seed.inner.bytes, seed.inner.kind, rng, others, `inner ${seed.inner.kind}: `);
    let bytes: Uint8Array = gzipSync(inner.bytes);
    const mutations = [...inner.mutations, 'gzip again'];
    if (rng.chance(0.25)) {
      const r = fieldOp(bytes, seed.kind, rng, others);
      if (r) {
        bytes = r.bytes;
        mutations.push(r.what);
      }
    }
    return { bytes, mutations };
  }
  if (seed.members && rng.chance(0.4)) {
    const i = rng.int(seed.members.length);
    const m = seed.members[i]!;
    const inner = havoc(m.bytes, m.kind, rng, others, `member ${m.path}: `);
    const members = seed.members.map((x, j) => (j === i ? { ...x, bytes: inner.bytes } : x));
    return { bytes: buildZip(members), mutations: [...inner.mutations, 'zip again'] };
  }
  return havoc(seed.bytes, seed.kind, rng, others);
}
