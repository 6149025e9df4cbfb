import { describe, it, expect } from 'vitest';
import { createRng, deriveSeed, fmix32, hashString, toSeed } from './rng';
import { mulberry32 } from '../testing/random';

describe('rng (mulberry32 with FNV-1a/fmix32 forks)', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 20 }, () => a.next());
    const xb = Array.from({ length: 20 }, () => b.next());
    const xc = Array.from({ length: 20 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('matches the reference mulberry32 sequence', () => {
    // mulberry32(0) first output × 2^32, and the same stream as the test helper's mulberry32
    const r = createRng(0);
    expect(Math.round(r.next() * 4294967296)).toBe(1144304738);
    const ref = mulberry32(123456);
    const ours = createRng(123456);
    for (let i = 0; i < 100; i++) expect(ours.next()).toBe(ref());
  });

  it('uniform, int and bernoulli stay in range with the right moments', () => {
    const r = createRng('moments');
    let sum = 0;
    let sumInt = 0;
    let hits = 0;
    const counts = new Array<number>(7).fill(0);
    const n = 20000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform(-2, 3);
      if (!(u >= -2 && u < 3)) outOfRange++;
      sum += u;
      const k = r.int(7);
      if (!(Number.isInteger(k) && k >= 0 && k < 7)) outOfRange++;
      counts[k]!++;
      sumInt += k;
      if (r.bernoulli(0.3)) hits++;
    }
    expect(outOfRange).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(sumInt / n).toBeCloseTo(3, 1);
    for (const c of counts) expect(Math.abs(c - n / 7)).toBeLessThan(5 * Math.sqrt((n * (1 / 7) * 6) / 7));
    expect(Math.abs(hits - 0.3 * n)).toBeLessThan(5 * Math.sqrt(n * 0.3 * 0.7));
    expect(() => r.int(0)).toThrow();
    expect(() => r.int(2.5)).toThrow();
  });

  it('normal() has mean 0 and variance 1', () => {
    const r = createRng(7);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Number.isFinite(s2)).toBe(true);
    expect(Math.abs(s / n)).toBeLessThan(0.04);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('shuffle is an in-place seeded permutation', () => {
    const arr = Array.from({ length: 50 }, (_, i) => i);
    const out = createRng(1).shuffle(arr);
    expect(out).toBe(arr);
    expect([...out].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(out).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(createRng(1).shuffle(Array.from({ length: 50 }, (_, i) => i))).toEqual(out);
  });

  it('fork depends only on the seed and the label, not on draws consumed', () => {
    const a = createRng(5);
    const b = createRng(5);
    for (let i = 0; i < 100; i++) b.next();
    const fa = a.fork('epoch 3').fork('sample 17');
    const fb = b.fork('epoch 3').fork('sample 17');
    expect(fa.seed).toBe(fb.seed);
    expect([fa.next(), fa.next()]).toEqual([fb.next(), fb.next()]);
    expect(a.fork('x').seed).not.toBe(a.fork('y').seed);
    expect(a.fork(1).seed).not.toBe(a.fork('1').seed);
    expect(a.fork('x').seed).not.toBe(a.seed);
    // forks of different parents with the same label differ
    expect(createRng(5).fork('x').seed).not.toBe(createRng(6).fork('x').seed);
  });

  it('forked streams are uncorrelated', () => {
    const root = createRng(99);
    const a = root.fork('a');
    const b = root.fork('b');
    const n = 5000;
    let sab = 0;
    for (let i = 0; i < n; i++) sab += (a.next() - 0.5) * (b.next() - 0.5);
    // correlation of two independent U(0,1): sd of the mean product ≈ (1/12)/√n
    expect(Math.abs(sab / n / (1 / 12))).toBeLessThan(0.06);
  });

  it('seeds and hashes', () => {
    expect(toSeed(-1)).toBe(4294967295);
    expect(toSeed(2 ** 32 + 5)).toBe(5);
    expect(toSeed('abc')).toBe(hashString('abc'));
    expect(toSeed(0.5)).toBe(hashString('0.5'));
    expect(() => toSeed(Number.NaN)).toThrow();
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c); // FNV-1a 32 test vector
    expect(fmix32(0)).toBe(0);
    expect(deriveSeed(1, 'a')).toBe(deriveSeed(1, 'a'));
  });
});
