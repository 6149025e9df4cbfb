/** The strided GEMM against a plain float64 triple loop, and a sum split over calls against the whole. */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random';
import { randomInt } from '../testing/compare';
import { gemm, type Strided } from './gemm';

function randomArray(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
}

describe('gemm', () => {
  const rand = mulberry32(3);
  const cases = Array.from({ length: 30 }, (_, i) => ({
    M: randomInt(rand, 1, 11),
    N: randomInt(rand, 1, 11),
    K: randomInt(rand, 0, 13),
    transposeA: i % 2 === 1,
    transposeB: i % 3 === 1,
    i,
  }));
  it.each(cases.map((c) => [`${c.M}×${c.K} · ${c.K}×${c.N}${c.transposeA ? ', A transposed' : ''}${c.transposeB ? ', B transposed' : ''}`, c] as const))('%s', (_label, c) => {
    const r = mulberry32(100 + c.i);
    const offA = randomInt(r, 0, 3);
    const offB = randomInt(r, 0, 3);
    const a = randomArray(offA + c.M * c.K, r);
    const b = randomArray(offB + c.K * c.N, r);
    const A: Strided = c.transposeA ? { data: a, offset: offA, row: 1, col: c.M } : { data: a, offset: offA, row: c.K, col: 1 };
    const B: Strided = c.transposeB ? { data: b, offset: offB, row: 1, col: c.K } : { data: b, offset: offB, row: c.N, col: 1 };
    const ldc = c.N + 2;
    const out = new Float64Array(1 + c.M * ldc).fill(7);
    gemm(c.M, c.N, c.K, A, B, out, 1, ldc, false);
    for (let i = 0; i < c.M; i++) {
      for (let j = 0; j < c.N; j++) {
        let s = 0;
        for (let k = 0; k < c.K; k++) s += (a[A.offset + i * A.row + k * A.col] ?? NaN) * (b[B.offset + k * B.row + j * B.col] ?? NaN);
        expect(out[1 + i * ldc + j]).toBe(s);
      }
      // Outside the N columns of each row, C is left as it was.
      for (let j = c.N; j < ldc && 1 + i * ldc + j < out.length; j++) expect(out[1 + i * ldc + j]).toBe(7);
    }
    expect(out[0]).toBe(7);

    // The same product as two calls over k < h and k ≥ h, the second accumulating: bit for bit equal.
    const h = randomInt(r, 0, c.K);
    const split = new Float64Array(out.length).fill(7);
    gemm(c.M, c.N, h, A, B, split, 1, ldc, false);
    gemm(c.M, c.N, c.K - h, { ...A, offset: A.offset + h * A.col }, { ...B, offset: B.offset + h * B.row }, split, 1, ldc, true);
    expect(split).toEqual(out);
  });
});
