/**
 * Byte-level helpers for the fuzz harness: fields read and written at an offset in either byte
 * order, a seeded random source, and a bit writer for hand-made deflate streams.
 */
import { mulberry32 } from '../../src/core/testing/random';

/** How a header field is stored: its size in bytes, integer or IEEE float, and its byte order. */
export interface FieldType {
  size: 1 | 2 | 4 | 8;
  float?: boolean;
  le: boolean;
}

/** A header field at a known offset (negative offsets count from the end, as for gzip trailers). */
export interface Field extends FieldType {
  name: string;
  offset: number;
  /** Interesting values for this field beyond the generic ones (e.g. huge dimensions). */
  values?: number[];
}

export function resolveOffset(bytes: Uint8Array, offset: number): number {
  return offset < 0 ? bytes.length + offset : offset;
}

/** Writes `value` into the field; values that do not fit are wrapped as two's complement. */
export function writeField(bytes: Uint8Array, f: Field, value: number): boolean {
  const at = resolveOffset(bytes, f.offset);
  if (at < 0 || at + f.size > bytes.length) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.float) {
    if (f.size === 4) dv.setFloat32(at, value, f.le);
    else dv.setFloat64(at, value, f.le);
    return true;
  }
  const v = Number.isFinite(value) ? Math.trunc(value) : 0;
  switch (f.size) {
    case 1:
      dv.setUint8(at, v & 0xff);
      break;
    case 2:
      dv.setUint16(at, v & 0xffff, f.le);
      break;
    case 4:
      dv.setUint32(at, v >>> 0, f.le);
      break;
    case 8:
      dv.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), f.le);
      break;
  }
  return true;
}

export function readField(bytes: Uint8Array, f: Field): number {
  const at = resolveOffset(bytes, f.offset);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.float) return f.size === 4 ? dv.getFloat32(at, f.le) : dv.getFloat64(at, f.le);
  if (f.size === 1) return dv.getUint8(at);
  if (f.size === 2) return dv.getUint16(at, f.le);
  if (f.size === 4) return dv.getUint32(at, f.le);
  return Number(dv.getBigInt64(at, f.le));
}

export const u16le = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
export const u32le = (b: Uint8Array, o: number): number => (u16le(b, o) | (u16le(b, o + 2) << 16)) >>> 0;
export const u16be = (b: Uint8Array, o: number): number => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
export const u32be = (b: Uint8Array, o: number): number => ((u16be(b, o) << 16) | u16be(b, o + 2)) >>> 0;

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (v) => v.toString(16).padStart(2, '0')).join('');
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A seeded random source with the few draws the mutators need. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[this.int(xs.length)] as T;
  }
  /** A byte array of random values. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Mixes a campaign seed and an input index into the seed of that input's own generator. */
export function inputSeed(seed: number, index: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** Bits written least significant first, as deflate packs them. */
export class BitWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private acc = 0;
  private nbits = 0;
  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  /** `count` bits of `value`, low bit first. */
  bits(value: number, count: number): void {
    this.acc |= (value & ((1 << count) - 1)) << this.nbits;
    this.nbits += count;
    this.ensure(4);
    while (this.nbits >= 8) {
      this.buf[this.len++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.nbits -= 8;
    }
  }
  /** A Huffman code: most significant bit first. */
  code(code: number, length: number): void {
    let rev = 0;
    for (let i = 0; i < length; i++) rev |= ((code >>> i) & 1) << (length - 1 - i);
    this.bits(rev, length);
  }
  /** The bytes so far, the last one padded with zero bits. */
  finish(): Uint8Array {
    if (this.nbits > 0) {
      this.ensure(1);
      this.buf[this.len++] = this.acc & 0xff;
      this.acc = 0;
      this.nbits = 0;
    }
    return this.buf.slice(0, this.len);
  }
  get bitLength(): number {
    return this.len * 8 + this.nbits;
  }
}
