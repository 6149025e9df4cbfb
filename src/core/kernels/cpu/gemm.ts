/**
 * A general matrix product over strided float32 operands with float64 accumulation, the inner
 * loop of the CPU convolution kernels (im2col + GEMM: Chellapilla, Puri & Simard 2006, "High
 * Performance Convolutional Neural Networks for Document Processing").
 *
 *   C[i·ldc + j] (+)= Σ_{k < K} A(i, k) · B(k, j),   i < M, j < N
 *   A(i, k) = a[aOff + i·aRow + k·aCol],   B(k, j) = b[bOff + k·bRow + j·bCol]
 *
 * Strides let one routine serve every layout the kernels need (A or B transposed or not)
 * without copying. Each 4 × 4 block of C is held in sixteen local sums over the whole K loop,
 * so an inner iteration loads 8 values for 16 multiply-adds; the products of two float32
 * values are exact in float64 and each sum adds its terms in the order k = 0, 1, …, K − 1 onto the value C held (with
 * `accumulate`), so a sum split over consecutive ranges of k in several calls equals the single
 * sum bit for bit.
 */

export interface Strided {
  data: Float32Array;
  offset: number;
  /** Step between consecutive rows (i for A, k for B). */
  row: number;
  /** Step between consecutive columns (k for A, j for B). */
  col: number;
}

/**
 * C (M × N, row-major with row length ldc, from cOff) = A · B, or C += A · B when
 * `accumulate`. K = 0 gives zeros (or leaves C as it is).
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: Strided,
  B: Strided,
  c: Float64Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  if (!accumulate) {
    if (ldc === N) c.fill(0, cOff, cOff + M * N);
    else for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  addBlocks(M4, N4, K, A.data, A.offset, A.row, A.col, B.data, B.offset, B.row, B.col, c, cOff, ldc);
  // The last M mod 4 rows (all columns) and the last N mod 4 columns of the other rows.
  if (N4 < N) addSingles(0, M4, N4, N, K, A, B, c, cOff, ldc);
  if (M4 < M) addSingles(M4, M, 0, N, K, A, B, c, cOff, ldc);
}

/**
 * C += A · B over the first M rows and N columns, both multiples of 4, in 4 × 4 blocks. Kept
 * apart from every rarely taken path, and all its arguments integers (| 0), so that the
 * optimising compiler sees one shape of work; a dimension that arrived as a float64 value would
 * otherwise make it index the arrays with floats.
 */
function addBlocks(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  aRow: number,
  aCol: number,
  b: Float32Array,
  bOff: number,
  bRow: number,
  bCol: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  M |= 0;
  N |= 0;
  K |= 0;
  aOff |= 0;
  aRow |= 0;
  aCol |= 0;
  bOff |= 0;
  bRow |= 0;
  bCol |= 0;
  cOff |= 0;
  ldc |= 0;
  for (let i = 0; i < M; i += 4) {
    const ai = aOff + i * aRow;
    for (let j = 0; j < N; j += 4) {
      const r0 = cOff + i * ldc + j;
      const r1 = r0 + ldc;
      const r2 = r1 + ldc;
      const r3 = r2 + ldc;
      let s00 = c[r0]!, s01 = c[r0 + 1]!, s02 = c[r0 + 2]!, s03 = c[r0 + 3]!;
      let s10 = c[r1]!, s11 = c[r1 + 1]!, s12 = c[r1 + 2]!, s13 = c[r1 + 3]!;
      let s20 = c[r2]!, s21 = c[r2 + 1]!, s22 = c[r2 + 2]!, s23 = c[r2 + 3]!;
      let s30 = c[r3]!, s31 = c[r3 + 1]!, s32 = c[r3 + 2]!, s33 = c[r3 + 3]!;
      let pa = ai;
      let pb = bOff + j * bCol;
      for (let k = 0; k < K; k++) {
        const y0 = b[pb]!;
        const y1 = b[pb + bCol]!;
        const y2 = b[pb + 2 * bCol]!;
        const y3 = b[pb + 3 * bCol]!;
        let x = a[pa]!;
        s00 += x * y0; s01 += x * y1; s02 += x * y2; s03 += x * y3;
        x = a[pa + aRow]!;
        s10 += x * y0; s11 += x * y1; s12 += x * y2; s13 += x * y3;
        x = a[pa + 2 * aRow]!;
        s20 += x * y0; s21 += x * y1; s22 += x * y2; s23 += x * y3;
        x = a[pa + 3 * aRow]!;
        s30 += x * y0; s31 += x * y1; s32 += x * y2; s33 += x * y3;
        pa += aCol;
        pb += bRow;
      }
      c[r0] = s00; c[r0 + 1] = s01; c[r0 + 2] = s02; c[r0 + 3] = s03;
      c[r1] = s10; c[r1 + 1] = s11; c[r1 + 2] = s12; c[r1 + 3] = s13;
      c[r2] = s20; c[r2 + 1] = s21; c[r2 + 2] = s22; c[r2 + 3] = s23;
      c[r3] = s30; c[r3 + 1] = s31; c[r3 + 2] = s32; c[r3 + 3] = s33;
    }
  }
}

/** C += A · B over rows i0 … i1 − 1 and columns j0 … j1 − 1, one element at a time. */
function addSingles(i0: number, i1: number, j0: number, j1: number, K: number, A: Strided, B: Strided, c: Float64Array, cOff: number, ldc: number): void {
  const a = A.data;
  const b = B.data;
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      const r = cOff + i * ldc + j;
      let pa = A.offset + i * A.row;
      let pb = B.offset + j * B.col;
      let s = c[r]!;
      for (let k = 0; k < K; k++) {
        s += a[pa]! * b[pb]!;
        pa += A.col;
        pb += B.row;
      }
      c[r] = s;
    }
  }
}
