/**
 * BatchMatMul (tf.matMul) for the tfjs CPU backend over the raw typed arrays, through ./gemm.ts:
 * per batch b, with A = a[b] (M × K, or K × M when transposeA) and B = b[b] (K × N, or N × K when
 * transposeB),
 *
 *   C[b] = op(A) · op(B),   op(X) = X or Xᵀ
 *
 * summed in float64 and rounded to float32 once (the stock kernel, tfjs-backend-cpu 4.22, adds
 * blocks of 48 terms in float64 into a float32 result, so the two agree to float32 precision).
 * A transposed operand is read through its strides, not copied. The 3D U-Net's up-convolution
 * is such a product ([B·D·H·W, C] × [C, 8·O]) and so are its two gradients. Handled here: float32
 * operands whose batches are equal or one of them 1; others (broadcasting over several batch
 * axes, other dtypes) go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values, toFloat32 } from './backend';
import { gemm } from './gemm';

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** BatchMatMul: float32, equal batches or a batch of 1 here, anything else to `stock`. */
export function batchMatMulKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const av = float32Values(backend, a);
    const bv = float32Values(backend, b);
    if (av === null || bv === null || a.shape.length < 2 || b.shape.length < 2) return stock(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) ?? 0;
    const K = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) ?? 0;
    const N = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) ?? 0;
    const Kb = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) ?? 0;
    const batchA = product(a.shape.slice(0, -2));
    const batchB = product(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (K !== Kb || product(outBatch) !== batch || (batchA !== batchB && Math.min(batchA, batchB) !== 1)) return stock(args);
    const c = new Float64Array(batch * M * N);
    for (let i = 0; i < batch; i++) {
      const aOff = batchA === 1 ? 0 : i * M * K;
      const bOff = batchB === 1 ? 0 : i * K * N;
      gemm(
        M,
        N,
        K,
        transposeA ? { data: av, offset: aOff, row: 1, col: M } : { data: av, offset: aOff, row: K, col: 1 },
        transposeB ? { data: bv, offset: bOff, row: 1, col: K } : { data: bv, offset: bOff, row: N, col: 1 },
        c,
        i * M * N,
        N,
        false,
      );
    }
    return backend.makeTensorInfo([...outBatch, M, N], 'float32', toFloat32(c));
  };
}
