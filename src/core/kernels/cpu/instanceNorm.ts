/**
 * Instance normalisation and its gradient as two CPU kernels over the raw typed arrays (the
 * op and its definition: ../instanceNorm.ts). For a channels-last x with B samples, S spatial
 * positions and C channels, per sample b and channel c, in float64:
 *
 *   μ = (1/S) Σ_s x_s,   σ² = (1/S) Σ_s (x_s − μ)²   (two passes),   r = 1/√(σ² + ε)
 *   y_s = γ·(x_s − μ)·r + β
 *
 * and, with x̂_s = (x_s − μ)·r, the gradient of the normalisation over one instance (Ioffe &
 * Szegedy 2015, "Batch Normalization", §3, with the instance in place of the mini-batch):
 *
 *   ∂L/∂β = Σ_{b,s} dy,   ∂L/∂γ = Σ_{b,s} dy·x̂
 *   ∂L/∂x_s = γ·r·(dy_s − (1/S) Σ_s' dy_s' − x̂_s·(1/S) Σ_s' dy_s'·x̂_s')
 *
 * The gradient kernel recomputes μ and r from x rather than keeping them from the forward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values, toFloat32 } from './backend';

/** Per channel of sample b: the mean and 1/√(σ² + ε), into mean and rstd (length C). */
function moments(x: Float32Array, base: number, S: number, C: number, eps: number, mean: Float64Array, rstd: Float64Array): void {
  mean.fill(0);
  rstd.fill(0);
  for (let s = 0, i = base; s < S; s++, i += C) for (let c = 0; c < C; c++) mean[c] = mean[c]! + x[i + c]!;
  for (let c = 0; c < C; c++) mean[c] = mean[c]! / S;
  for (let s = 0, i = base; s < S; s++, i += C) {
    for (let c = 0; c < C; c++) {
      const d = x[i + c]! - mean[c]!;
      rstd[c] = rstd[c]! + d * d;
    }
  }
  for (let c = 0; c < C; c++) rstd[c] = 1 / Math.sqrt(rstd[c]! / S + eps);
}

/** y = γ·(x − μ)/√(σ² + ε) + β per sample and channel; x is [B, …spatial (S positions)…, C]. */
export function instanceNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, B: number, S: number, C: number, eps: number): Float32Array {
  const y = new Float32Array(x.length);
  const mean = new Float64Array(C);
  const rstd = new Float64Array(C);
  const scale = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    const base = b * S * C;
    moments(x, base, S, C, eps, mean, rstd);
    for (let c = 0; c < C; c++) scale[c] = gamma[c]! * rstd[c]!;
    for (let s = 0, i = base; s < S; s++, i += C) for (let c = 0; c < C; c++) y[i + c] = (x[i + c]! - mean[c]!) * scale[c]! + beta[c]!;
  }
  return y;
}

/** [∂L/∂x, ∂L/∂γ, ∂L/∂β] for the forward pass above, given dy = ∂L/∂y. */
export function instanceNormGradient(x: Float32Array, gamma: Float32Array, dy: Float32Array, B: number, S: number, C: number, eps: number): [Float32Array, Float32Array, Float32Array] {
  const dx = new Float32Array(x.length);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  const mean = new Float64Array(C);
  const rstd = new Float64Array(C);
  const sumDy = new Float64Array(C);
  const sumDyXc = new Float64Array(C);
  const k1 = new Float64Array(C);
  const k2 = new Float64Array(C);
  const a = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    const base = b * S * C;
    moments(x, base, S, C, eps, mean, rstd);
    sumDy.fill(0);
    sumDyXc.fill(0);
    for (let s = 0, i = base; s < S; s++, i += C) {
      for (let c = 0; c < C; c++) {
        const g = dy[i + c]!;
        sumDy[c] = sumDy[c]! + g;
        sumDyXc[c] = sumDyXc[c]! + g * (x[i + c]! - mean[c]!);
      }
    }
    for (let c = 0; c < C; c++) {
      const r = rstd[c]!;
      dbeta[c] = dbeta[c]! + sumDy[c]!;
      dgamma[c] = dgamma[c]! + sumDyXc[c]! * r;
      // ∂L/∂x = γr·(dy − mean(dy) − (x − μ)·r²·mean(dy·(x − μ)))
      a[c] = gamma[c]! * r;
      k1[c] = sumDy[c]! / S;
      k2[c] = (r * r * sumDyXc[c]!) / S;
    }
    for (let s = 0, i = base; s < S; s++, i += C) {
      for (let c = 0; c < C; c++) dx[i + c] = a[c]! * (dy[i + c]! - k1[c]! - (x[i + c]! - mean[c]!) * k2[c]!);
    }
  }
  return [dx, toFloat32(dgamma), toFloat32(dbeta)];
}

/** B, S (spatial positions) and C of a channels-last shape [B, …spatial…, C]. */
function dims(shape: readonly number[]): { B: number; S: number; C: number } {
  const B = shape[0] ?? 1;
  const C = shape[shape.length - 1] ?? 1;
  let S = 1;
  for (let a = 1; a < shape.length - 1; a++) S *= shape[a] ?? 1;
  return { B, S, C };
}

function need(v: Float32Array | null, what: string): Float32Array {
  if (v === null) throw new Error(`instance normalisation (CPU kernel): ${what} must be a float32 tensor`);
  return v;
}

export const instanceNormCpuKernel: tf.KernelFunc = (args) => {
  const backend = cpuBackend(args.backend);
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { B, S, C } = dims(x.shape);
  const y = instanceNormForward(need(float32Values(backend, x), 'x'), need(float32Values(backend, gamma), 'γ'), need(float32Values(backend, beta), 'β'), B, S, C, epsilon);
  return backend.makeTensorInfo(x.shape, 'float32', y);
};

export const instanceNormGradCpuKernel: tf.KernelFunc = (args) => {
  const backend = cpuBackend(args.backend);
  const { x, gamma, dy } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; dy: tf.TensorInfo };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { B, S, C } = dims(x.shape);
  const [dx, dgamma, dbeta] = instanceNormGradient(need(float32Values(backend, x), 'x'), need(float32Values(backend, gamma), 'γ'), need(float32Values(backend, dy), 'dy'), B, S, C, epsilon);
  return [backend.makeTensorInfo(x.shape, 'float32', dx), backend.makeTensorInfo([C], 'float32', dgamma), backend.makeTensorInfo([C], 'float32', dbeta)];
};
