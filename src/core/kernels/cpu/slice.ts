/**
 * Slice, SplitV and Transpose for the tfjs CPU backend over the raw typed arrays. The stock
 * kernels (tfjs-backend-cpu 4.22, Slice.ts sliceImpl, Transpose_impl.ts) copy a slice that is
 * not one contiguous run, and every element of a transpose, one at a time through index
 * arithmetic on arrays (TensorBuffer, indexToLoc / locToIndex); splitting the channels of a
 * concatenation's gradient ([B, H, W, C1 + C2] → C1 and C2) is such a slice, and the 3D U-Net's
 * up-convolution reorders its product with two rank-4 transposes. Here a slice is copied as runs
 * over its last axis, and a transpose walks the output in order, stepping through the input by
 * the stride of the axis each output axis comes from. Contiguous slices (a view of the input)
 * and strings stay with the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, numericValues } from './backend';

/** The box begin … begin + size of a row-major array of `shape`, copied. */
export function sliceStrided<T extends tf.TypedArray>(values: T, shape: readonly number[], begin: readonly number[], size: readonly number[]): T {
  const rank = shape.length;
  const total = size.reduce((a, b) => a * b, 1);
  const out = new (values.constructor as new (n: number) => T)(total);
  if (total === 0) return out;
  const strides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = (strides[a + 1] ?? 1) * (shape[a + 1] ?? 1);
  const run = size[rank - 1] ?? 1;
  const index = new Array<number>(rank).fill(0);
  let src = begin.reduce((s, b, a) => s + b * (strides[a] ?? 0), 0);
  for (let dst = 0; dst < total; dst += run) {
    for (let k = 0; k < run; k++) out[dst + k] = values[src + k]!;
    // Next run: advance the index over the axes before the last, like an odometer.
    for (let a = rank - 2; a >= 0; a--) {
      index[a] = (index[a] ?? 0) + 1;
      src += strides[a] ?? 0;
      if ((index[a] ?? 0) < (size[a] ?? 0)) break;
      src -= (size[a] ?? 0) * (strides[a] ?? 0);
      index[a] = 0;
    }
  }
  return out;
}

/** Slice: a non-contiguous numeric slice here, anything else to `stock`. */
export function sliceKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const values = numericValues(backend, x);
    if (values === null) return stock(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size) as [number[], number[]];
    tf.slice_util.assertParamsValid(x, begin, size);
    if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return stock(args);
    return backend.makeTensorInfo(size, x.dtype, sliceStrided(values, x.shape, begin, size));
  };
}

/** SplitV: numeric tensors here (every piece copied), strings to `stock`. */
export function splitVKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as { numOrSizeSplits: number[] | number; axis: number };
    const values = numericValues(backend, x);
    if (values === null) return stock(args);
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] ?? 0;
    const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = backend.makeTensorInfo(size, x.dtype, sliceStrided(values, x.shape, begin, size));
      begin[axis] = (begin[axis] ?? 0) + s;
      return piece;
    });
  };
}

/**
 * x of `shape` with its axes permuted: out[i_0, …, i_{r−1}] = x[j] with j_{perm[a]} = i_a, so
 * out has shape [shape[perm[0]], …, shape[perm[r − 1]]].
 */
export function transposeValues<T extends tf.TypedArray>(values: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const out = new (values.constructor as new (n: number) => T)(values.length);
  if (values.length === 0) return out;
  const inStrides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) inStrides[a] = (inStrides[a + 1] ?? 1) * (shape[a + 1] ?? 1);
  const outShape = perm.map((p) => shape[p] ?? 1);
  // The input step of each output axis.
  const step = perm.map((p) => inStrides[p] ?? 0);
  const run = outShape[rank - 1] ?? 1;
  const last = step[rank - 1] ?? 1;
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let dst = 0; dst < values.length; dst += run) {
    if (last === 1) for (let k = 0; k < run; k++) out[dst + k] = values[src + k]!;
    else for (let k = 0, s = src; k < run; k++, s += last) out[dst + k] = values[s]!;
    for (let a = rank - 2; a >= 0; a--) {
      index[a] = (index[a] ?? 0) + 1;
      src += step[a] ?? 0;
      if ((index[a] ?? 0) < (outShape[a] ?? 0)) break;
      src -= (outShape[a] ?? 0) * (step[a] ?? 0);
      index[a] = 0;
    }
  }
  return out;
}

/** Transpose: numeric tensors here, strings and complex numbers to `stock`. */
export function transposeKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const values = numericValues(backend, x);
    if (values === null) return stock(args);
    return backend.makeTensorInfo(
      perm.map((p) => x.shape[p] ?? 1),
      x.dtype,
      transposeValues(values, x.shape, perm),
    );
  };
}
