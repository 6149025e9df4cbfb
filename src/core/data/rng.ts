/**
 * A small seeded pseudo-random generator for the data pipeline (splits, patch sampling,
 * augmentation, synthetic data).
 *
 * Generator: mulberry32 (Tommy Ettinger, 2017; public domain), a 32-bit state advanced by
 * the Weyl increment 0x6D2B79F5 and scrambled by a multiply–xorshift output function. Period
 * 2^32 per stream; statistical quality is ample for sampling and augmentation (not for
 * cryptography). The same generator as src/core/testing/random.ts.
 *
 * Streams: `fork(label)` derives a new generator whose seed depends only on the parent's
 * seed and the label, hashed with FNV-1a (Fowler–Noll–Vo, 32-bit) and mixed with the MurmurHash3
 * 32-bit finaliser (fmix32, Austin Appleby). It does not depend on how many numbers the
 * parent has already produced, so e.g.
 *   createRng(seed).fork(`epoch ${e}`).fork(`sample ${i}`)
 * gives the same augmentation of sample i in epoch e whatever order the samples are visited in.
 */

/** A deterministic stream of pseudo-random numbers. */
export interface Rng {
  /** The 32-bit seed this stream started from (forks have their own derived seed). */
  readonly seed: number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in 0 … n − 1 (n a positive integer). */
  int(n: number): number;
  /** True with probability p (p ≤ 0: never, p ≥ 1: always; one number is drawn either way). */
  bernoulli(p: number): boolean;
  /** Standard normal N(0, 1) by the Box–Muller transform (one pair of uniforms per value). */
  normal(): number;
  /** Fisher–Yates (Durstenfeld) shuffle in place; returns the same array. */
  shuffle<T>(array: T[]): T[];
  /** An independent stream determined by this stream's seed and the label only. */
  fork(label: string | number): Rng;
}

/** MurmurHash3's 32-bit finaliser: an invertible avalanche mix of a 32-bit integer. */
export function fmix32(h: number): number {
  h >>>= 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 32-bit seed from a number or a string: integers are taken modulo 2^32, other finite
 * numbers and strings are hashed (FNV-1a of their decimal / literal text).
 */
export function toSeed(seed: number | string): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, got ${seed}`);
  if (Number.isInteger(seed)) return seed >>> 0;
  return hashString(String(seed));
}

/** The seed of the stream `fork(label)` of a stream with seed `parent`. */
export function deriveSeed(parent: number, label: string | number): number {
  const h = hashString(typeof label === 'number' ? `#${label}` : label);
  return fmix32((fmix32(parent ^ 0x9e3779b9) + h) >>> 0);
}

class Mulberry32 implements Rng {
  readonly seed: number;
  private state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }

  fork(label: string | number): Rng {
    return new Mulberry32(deriveSeed(this.seed, label));
  }
}

/** A mulberry32 stream from a seed (see {@link toSeed} for how non-integer seeds are read). */
export function createRng(seed: number | string): Rng {
  return new Mulberry32(toSeed(seed));
}
