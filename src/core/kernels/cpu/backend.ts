/**
 * What the kernels need of tfjs-backend-cpu's MathBackendCPU: the typed array behind a tensor,
 * a new tensor over a typed array, and freeing an intermediate one. Typed structurally, so
 * that core does not import the backend package itself.
 */
import * as tf from '@tensorflow/tfjs';

export interface CpuBackend {
  data: { get(dataId: tf.DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
  disposeIntermediateTensorInfo(info: tf.TensorInfo): void;
}

export function cpuBackend(backend: unknown): CpuBackend {
  return backend as CpuBackend;
}

/** The float32 values of a tensor on the CPU backend, or null when it holds anything else. */
export function float32Values(backend: CpuBackend, t: tf.TensorInfo | undefined): Float32Array | null {
  if (t === undefined || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** The typed array of a numeric tensor (float32, int32, bool) on the CPU backend, or null for strings and complex numbers. */
export function numericValues(backend: CpuBackend, t: tf.TensorInfo): tf.TypedArray | null {
  if (t.dtype === 'string' || t.dtype === 'complex64') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array ? v : null;
}

/** A float64 accumulator rounded to a new float32 array. */
export function toFloat32(acc: Float64Array): Float32Array {
  const out = new Float32Array(acc.length);
  out.set(acc);
  return out;
}

/**
 * Working buffers reused from call to call (kernels run one at a time on the JavaScript
 * thread), so that a kernel does not allocate, and the system does not zero, fresh memory for
 * its scratch space at every call. Each use has its own slot; contents are not cleared.
 */
const scratch = new Map<string, Float32Array | Float64Array | Int32Array>();

function scratchOf<T extends Float32Array | Float64Array | Int32Array>(slot: string, length: number, make: (n: number) => T): T {
  const have = scratch.get(slot) as T | undefined;
  if (have !== undefined && have.length >= length) return have;
  const made = make(Math.max(length, have === undefined ? 0 : 2 * have.length));
  scratch.set(slot, made);
  return made;
}

export const scratchFloat32 = (slot: string, length: number): Float32Array => scratchOf(slot, length, (n) => new Float32Array(n));
export const scratchFloat64 = (slot: string, length: number): Float64Array => scratchOf(slot, length, (n) => new Float64Array(n));
export const scratchInt32 = (slot: string, length: number): Int32Array => scratchOf(slot, length, (n) => new Int32Array(n));
