/**
 * Element-wise kernels of a training step for the tfjs CPU backend, over float32 typed arrays:
 * Add, Sub, Multiply and RealDiv (equal shapes, or a tensor against a single value, against one
 * value per channel of the last axis, or against one value per position with the last axis
 * of length 1), Relu and Step (ReLU's gradient), Sum over leading axes (a bias's gradient) and
 * Softmax over the last axis. The stock kernels (tfjs-backend-cpu 4.22, utils/binary_impl.ts and
 * unary_utils.ts) call the operation through a function shared by every kernel and locate a
 * broadcast element through index arithmetic on arrays, tens of nanoseconds per element; these
 * are plain loops.
 *
 * Each computes exactly what the stock kernel computes: one float64 operation on two float32
 * values rounded to float32 (the correctly rounded float32 result), ReLU as max(0, x), Step as
 * x > 0 ? 1 : α (NaN stays NaN), sums added in the stock order in float64, and softmax through
 * the same float32 intermediates as the stock kernel's max, sub, exp, sum and div. Other dtypes
 * and other broadcasts go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values } from './backend';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const sameShape = (p: readonly number[], q: readonly number[]): boolean => p.length === q.length && p.every((d, i) => d === q[i]);

type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

function apply(op: BinaryOp, x: number, y: number): number {
  return op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y;
}

/** How the smaller operand b is laid against a (of n values): b[i], b[0], b[i mod C] or b[⌊i / C⌋]. */
type Layout = { kind: 'same' } | { kind: 'single' } | { kind: 'channel'; C: number } | { kind: 'row'; C: number };

/** out = a ∘ b, or b ∘ a when `swap`, with b laid out as `layout` says. */
function binaryLoop(op: BinaryOp, a: Float32Array, b: Float32Array, layout: Layout, swap: boolean): Float32Array {
  const n = a.length;
  const out = new Float32Array(n);
  if (layout.kind === 'same') {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
    else if (swap) for (let i = 0; i < n; i++) out[i] = apply(op, b[i]!, a[i]!);
    else for (let i = 0; i < n; i++) out[i] = apply(op, a[i]!, b[i]!);
  } else if (layout.kind === 'single') {
    const v = b[0]!;
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i]! + v;
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i]! * v;
    else if (swap) for (let i = 0; i < n; i++) out[i] = apply(op, v, a[i]!);
    else for (let i = 0; i < n; i++) out[i] = apply(op, a[i]!, v);
  } else {
    const C = layout.C;
    const row = layout.kind === 'row';
    for (let i = 0, r = 0; i < n; i += C, r++) {
      for (let c = 0; c < C; c++) {
        const y = b[row ? r : c]!;
        out[i + c] = swap ? apply(op, y, a[i + c]!) : apply(op, a[i + c]!, y);
      }
    }
  }
  return out;
}

/** How an operand of `shape` (and `length` values) lies against `outShape`, or null when it is another broadcast. */
function layoutOf(shape: readonly number[], length: number, outShape: readonly number[], n: number): Layout | null {
  if (length === n) return sameShape(shape, outShape) ? { kind: 'same' } : null;
  if (length === 1) return { kind: 'single' };
  const rank = outShape.length;
  const C = outShape[rank - 1] ?? 1;
  if (shape.length === 0) return null;
  // [..., 1, 1, C]: one value per channel.
  if (shape[shape.length - 1] === C && length === C) return { kind: 'channel', C };
  // [d0, …, d(r−2), 1] against [d0, …, d(r−2), C]: one value per position.
  if (shape.length === rank && shape[rank - 1] === 1 && length * C === n && shape.every((d, i) => i === rank - 1 || d === outShape[i])) return { kind: 'row', C };
  return null;
}

function binaryKernel(op: BinaryOp) {
  return (stock: tf.KernelFunc): tf.KernelFunc =>
    (args) => {
      const backend = cpuBackend(args.backend);
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const av = float32Values(backend, a);
      const bv = float32Values(backend, b);
      if (av === null || bv === null) return stock(args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = size(outShape);
      // The full operand must have the output's shape; the other is laid against it.
      const aFull = av.length === n && sameShape(a.shape, outShape);
      const bFull = bv.length === n && sameShape(b.shape, outShape);
      const bLayout = aFull ? layoutOf(b.shape, bv.length, outShape, n) : null;
      const aLayout = bLayout === null && bFull ? layoutOf(a.shape, av.length, outShape, n) : null;
      if (bLayout !== null) return backend.makeTensorInfo(outShape, 'float32', binaryLoop(op, av, bv, bLayout, false));
      if (aLayout !== null) return backend.makeTensorInfo(outShape, 'float32', binaryLoop(op, bv, av, aLayout, true));
      return stock(args);
    };
}

export const addKernel = binaryKernel('add');
export const subKernel = binaryKernel('sub');
export const multiplyKernel = binaryKernel('mul');
export const realDivKernel = binaryKernel('div');

/** Relu: max(0, x) for float32, anything else to `stock`. */
export function reluKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = float32Values(backend, x);
    if (xv === null) return stock(args);
    const out = new Float32Array(xv.length);
    for (let i = 0; i < xv.length; i++) out[i] = Math.max(0, xv[i]!);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

/** Step: x > 0 ? 1 : α, NaN for NaN, for float32; anything else to `stock`. */
export function stepKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { alpha } = args.attrs as unknown as { alpha: number };
    const xv = float32Values(backend, x);
    if (xv === null) return stock(args);
    const out = new Float32Array(xv.length);
    for (let i = 0; i < xv.length; i++) {
      const v = xv[i]!;
      out[i] = v > 0 ? 1 : v !== v ? NaN : alpha;
    }
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

/**
 * Sum over the leading axes 0 … r − 1 of a float32 tensor (with keepDims or not): per position
 * of the remaining axes, the sum of its values in row-major order, in float64, the order the
 * stock kernel adds them in after moving the reduced axes last. Other reductions go to `stock`.
 */
export function sumKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const xv = float32Values(backend, x);
    if (xv === null) return stock(args);
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
    const r = axes.length;
    // Only a proper prefix of the axes: reducing trailing or all axes needs no transpose in the stock kernel.
    if (r === 0 || r === x.shape.length || axes.some((a, i) => a !== i)) return stock(args);
    const inner = size(x.shape.slice(r));
    const acc = new Float64Array(inner);
    for (let o = 0; o < xv.length; o += inner) for (let i = 0; i < inner; i++) acc[i] = acc[i]! + xv[o + i]!;
    const out = new Float32Array(inner);
    out.set(acc);
    const outShape = keepDims ? x.shape.map((d, a) => (a < r ? 1 : d)) : x.shape.slice(r);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

/**
 * Softmax over the last axis of float32 logits, per row: m = max (NaN wins, as in the stock Max
 * kernel), e = exp(x − m), s = Σ e, y = e / s, each rounded to float32 where the stock kernel
 * stores it. Anything else to `stock`.
 */
export function softmaxKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const { dim } = args.attrs as unknown as { dim: number };
    const xv = float32Values(backend, logits);
    const rank = logits.shape.length;
    if (xv === null || rank === 0 || (dim !== -1 && dim !== rank - 1)) return stock(args);
    const C = logits.shape[rank - 1] ?? 1;
    const out = new Float32Array(xv.length);
    if (C === 0) return backend.makeTensorInfo(logits.shape, 'float32', out);
    for (let i = 0; i < xv.length; i += C) {
      let m = xv[i]!;
      for (let c = 0; c < C; c++) {
        const v = xv[i + c]!;
        if (v !== v || v > m) m = v;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.fround(Math.exp(Math.fround(xv[i + c]! - m)));
        out[i + c] = e;
        sum += e;
      }
      const s = Math.fround(sum);
      for (let c = 0; c < C; c++) out[i + c] = out[i + c]! / s;
    }
    return backend.makeTensorInfo(logits.shape, 'float32', out);
  };
}
