/**
 * 2D convolution and its two gradients for the tfjs CPU backend, channels-last (NHWC), over
 * the raw typed arrays. With x [B, inH, inW, inC], filter w [fH, fW, inC, outC] and output
 * y [B, outH, outW, outC], number the output pixels p = (b, yR, yC) and the filter taps
 * k = (wR, wC, d1), K = fH·fW·inC, and let X be the im2col matrix (P × K):
 *
 *   X[p, k] = x[b, yR·sH − top + wR·dH, yC·sW − left + wC·dW, d1]   (0 outside the image)
 *
 * Then, with W the filter read as a K × outC matrix (its memory layout),
 *
 *   forward            y  = X · W                       (P × outC)
 *   filter gradient    dW = Xᵀ · dy                     (K × outC)
 *   input gradient     dx = col2im(dy · Wᵀ)             (the P × K product added back onto
 *                                                        the pixels X took them from)
 *
 * which is the formulation of Chellapilla, Puri & Simard (2006) and of Caffe (Jia et al. 2014).
 * The products run through ./gemm.ts in blocks of output pixels, so the im2col buffer stays a
 * few hundred kilobytes; a 1 × 1 filter with stride 1 and no padding uses x itself as X.
 *
 * Sums are carried in float64 and rounded to float32 once. The filter gradient adds its terms
 * in the stock kernel's order (b, yR, yC) in float64 too, so it equals tfjs-backend-cpu 4.22's
 * Conv2DBackpropFilter bit for bit (padding contributes exact zeros where the stock kernel skips
 * a position); the forward pass and the input gradient round differently from the stock kernels
 * (which add in float32, resp. in another order) and agree with them to float32 precision.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values, scratchFloat32, scratchFloat64, scratchInt32, toFloat32, type CpuBackend } from './backend';
import { gemm, type Strided } from './gemm';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Floats of the im2col block of the forward pass and the input gradient (256 KiB). */
const FORWARD_BLOCK_FLOATS = 1 << 16;
/**
 * Floats of the im2col block of the filter gradient (1 MiB): each block adds onto the whole
 * K × outC float64 result, so larger blocks touch it less often.
 */
const FILTER_BLOCK_FLOATS = 1 << 18;

/** Output pixels per block: about `floats` / K, a multiple of 4 (the GEMM's block), at most P. */
function blockPixels(K: number, P: number, floats: number): number {
  const m = Math.max(4, Math.floor(floats / Math.max(1, K) / 4) * 4);
  return Math.max(1, Math.min(m, P)) | 0;
}

/** A 1 × 1 filter with stride 1 and no padding: X is x itself (P × inC). */
function isPointwise(info: Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}

/**
 * For rows p0 … p0 + m − 1 of X, the offset in x of each tap's first channel,
 * offsets[i·T + t] = offset of x[b, xR, xC, 0] for tap t = wR·fW + wC of row p0 + i (T = fH·fW),
 * or −1 where the tap falls outside the image (padding).
 */
function tapOffsets(info: Conv2DInfo, p0: number, m: number, offsets: Int32Array): void {
  const { inHeight: inH, inWidth: inW, inChannels: inC, outHeight: outH, outWidth: outW } = info;
  const { filterHeight: fH, filterWidth: fW, strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let yC = p0 % outW | 0;
  const row = ((p0 - yC) / outW) | 0;
  let yR = row % outH | 0;
  let b = ((row - yR) / outH) | 0;
  let o = 0;
  for (let i = 0; i < m; i++) {
    const xR0 = yR * sH - top;
    const xC0 = yC * sW - left;
    for (let wR = 0; wR < fH; wR++) {
      const xR = xR0 + wR * dH;
      const inside = xR >= 0 && xR < inH;
      const rowBase = (b * inH + xR) * inW;
      for (let wC = 0; wC < fW; wC++, o++) {
        const xC = xC0 + wC * dW;
        offsets[o] = inside && xC >= 0 && xC < inW ? (rowBase + xC) * inC : -1;
      }
    }
    if (++yC === outW) {
      yC = 0;
      if (++yR === outH) {
        yR = 0;
        b++;
      }
    }
  }
}

/** Rows p0 … p0 + m − 1 of X into cols (m × K, row-major), given their tap offsets. */
function im2col(x: Float32Array, inC: number, T: number, m: number, offsets: Int32Array, cols: Float32Array): void {
  let dst = 0;
  for (let o = 0; o < m * T; o++, dst += inC) {
    const src = offsets[o]!;
    if (src < 0) for (let d = 0; d < inC; d++) cols[dst + d] = 0;
    else for (let d = 0; d < inC; d++) cols[dst + d] = x[src + d]!;
  }
}

/** Rows p0 … p0 + m − 1 of X transposed into colsT (K × m, row-major): colsT[k·m + i] = X[p0 + i, k]. */
function im2colTransposed(x: Float32Array, inC: number, T: number, m: number, offsets: Int32Array, colsT: Float32Array): void {
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < T; t++) {
      const src = offsets[i * T + t]!;
      let dst = t * inC * m + i;
      if (src < 0) for (let d = 0; d < inC; d++, dst += m) colsT[dst] = 0;
      else for (let d = 0; d < inC; d++, dst += m) colsT[dst] = x[src + d]!;
    }
  }
}

/** Rows p0 … p0 + m − 1 of a P × N row-major matrix transposed into out (N × m). */
function transposeRows(a: Float32Array, N: number, p0: number, m: number, out: Float32Array): void {
  for (let i = 0; i < m; i++) {
    const src = (p0 + i) * N;
    for (let n = 0, dst = i; n < N; n++, dst += m) out[dst] = a[src + n]!;
  }
}

/** Adds rows p0 … p0 + m − 1 of a P × K matrix (cols, m × K) onto the pixels of dx that X reads them from. */
function col2imAdd(cols: Float64Array, inC: number, T: number, m: number, offsets: Int32Array, dx: Float64Array): void {
  let src = 0;
  for (let o = 0; o < m * T; o++, src += inC) {
    const dst = offsets[o]!;
    if (dst >= 0) for (let d = 0; d < inC; d++) dx[dst + d] = dx[dst + d]! + cols[src + d]!;
  }
}

/** The epilogue of the forward pass: the activation a fused convolution applies itself. */
export type InlineActivation = 'linear' | 'relu';

/** The filter [fH, fW, inC, outC] (K × outC) transposed to outC × K, so that the GEMM reads both operands along K. */
function packFilter(w: Float32Array, K: number, N: number): Float32Array {
  const wt = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) wt[n * K + k] = w[k * N + n]!;
  return wt;
}

/**
 * y = X · W (+ bias per output channel, or one bias for all) (then ReLU), as float32
 * [B, outH, outW, outC], with the filter given packed: wt[n·K + k] = W[k, n].
 */
function convolvePacked(x: Float32Array, wt: Float32Array, info: Conv2DInfo, bias: Float32Array | null, activation: InlineActivation): Float32Array {
  const N = info.outChannels;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const P = info.batchSize * info.outHeight * info.outWidth;
  const y = new Float32Array(P * N);
  const m0 = blockPixels(K, P, FORWARD_BLOCK_FLOATS);
  const pointwise = isPointwise(info);
  const T = info.filterHeight * info.filterWidth;
  const offsets = scratchInt32('offsets', m0 * T);
  const cols = pointwise ? null : scratchFloat32('cols', m0 * K);
  const acc = scratchFloat64('acc', m0 * N);
  const Wt: Strided = { data: wt, offset: 0, row: 1, col: K };
  const relu = activation === 'relu';
  const biasPerChannel = bias !== null && bias.length === N;
  const bias0 = bias !== null && bias.length === 1 ? bias[0]! : 0;
  for (let p0 = 0; p0 < P; p0 += m0) {
    const m = Math.min(m0, P - p0);
    let A: Strided;
    if (cols) {
      tapOffsets(info, p0, m, offsets);
      im2col(x, info.inChannels, T, m, offsets, cols);
      A = { data: cols, offset: 0, row: K, col: 1 };
    } else {
      A = { data: x, offset: p0 * K, row: K, col: 1 };
    }
    gemm(m, N, K, A, Wt, acc, 0, N, false);
    const out = p0 * N;
    for (let i = 0; i < m * N; i += N) {
      for (let n = 0; n < N; n++) {
        let v = acc[i + n]! + (biasPerChannel ? bias[n]! : bias0);
        if (relu && v < 0) v = 0;
        y[out + i + n] = v;
      }
    }
  }
  return y;
}

/** y = X · W (+ bias per output channel, or one bias for all) (then ReLU), as float32 [B, outH, outW, outC]. */
export function conv2dForward(x: Float32Array, w: Float32Array, info: Conv2DInfo, bias: Float32Array | null = null, activation: InlineActivation = 'linear'): Float32Array {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  return convolvePacked(x, packFilter(w, K, info.outChannels), info, bias, activation);
}

/**
 * dW = Xᵀ · dy as float32 [fH, fW, inC, outC]. Per block of pixels, X and dy are written
 * transposed (K × m and outC × m), so the GEMM reads both along the pixels it sums over.
 */
export function conv2dFilterGradient(x: Float32Array, dy: Float32Array, info: Conv2DInfo): Float32Array {
  const N = info.outChannels;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const P = info.batchSize * info.outHeight * info.outWidth;
  const dw = new Float64Array(K * N);
  const m0 = blockPixels(K, P, FILTER_BLOCK_FLOATS);
  const colsT = scratchFloat32('cols', m0 * K);
  const dyT = scratchFloat32('dyT', m0 * N);
  const T = info.filterHeight * info.filterWidth;
  const offsets = scratchInt32('offsets', m0 * T);
  const pointwise = isPointwise(info);
  for (let p0 = 0; p0 < P; p0 += m0) {
    const m = Math.min(m0, P - p0);
    if (pointwise) transposeRows(x, K, p0, m, colsT);
    else {
      tapOffsets(info, p0, m, offsets);
      im2colTransposed(x, info.inChannels, T, m, offsets, colsT);
    }
    transposeRows(dy, N, p0, m, dyT);
    gemm(K, N, m, { data: colsT, offset: 0, row: m, col: 1 }, { data: dyT, offset: 0, row: 1, col: m }, dw, 0, N, p0 > 0);
  }
  return toFloat32(dw);
}

/**
 * dx as float32 [B, inH, inW, inC]. With stride 1, dx is itself a stride-1 convolution: of dy,
 * padded by fH − 1 − top above and fW − 1 − left on the left, with the filter turned by 180°
 * and its channel axes swapped,
 *
 *   dx[b, r, c, d1] = Σ_{wR, wC, d2} dy[b, r − (fH − 1 − top) + wR, c − (fW − 1 − left) + wC, d2] · W[fH − 1 − wR, fW − 1 − wC, d1, d2]
 *
 * which runs as the forward pass does. Other strides (a transposed convolution's forward pass)
 * compute dy · Wᵀ (P × K) and add it back onto the pixels X took it from (col2im).
 */
export function conv2dInputGradient(dy: Float32Array, w: Float32Array, info: Conv2DInfo): Float32Array {
  const N = info.outChannels;
  const inC = info.inChannels;
  const fH = info.filterHeight;
  const fW = info.filterWidth;
  const K = fH * fW * inC;
  if (info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1) {
    const K2 = fH * fW * N;
    const wt = new Float32Array(inC * K2);
    for (let wR = 0; wR < fH; wR++) {
      for (let wC = 0; wC < fW; wC++) {
        const src = ((fH - 1 - wR) * fW + (fW - 1 - wC)) * inC * N;
        const col = (wR * fW + wC) * N;
        for (let d1 = 0; d1 < inC; d1++) for (let d2 = 0; d2 < N; d2++) wt[d1 * K2 + col + d2] = w[src + d1 * N + d2]!;
      }
    }
    const top = fH - 1 - info.padInfo.top;
    const left = fW - 1 - info.padInfo.left;
    const transposed: Conv2DInfo = {
      ...info,
      inHeight: info.outHeight,
      inWidth: info.outWidth,
      inChannels: N,
      outHeight: info.inHeight,
      outWidth: info.inWidth,
      outChannels: inC,
      padInfo: { top, left, bottom: fH - 1 - top, right: fW - 1 - left, type: 'EXPLICIT' },
      inShape: info.outShape,
      outShape: info.inShape,
      filterShape: [fH, fW, N, inC],
    };
    return convolvePacked(dy, wt, transposed, null, 'linear');
  }
  const P = info.batchSize * info.outHeight * info.outWidth;
  const dx = new Float64Array(info.batchSize * info.inHeight * info.inWidth * inC);
  const Wt: Strided = { data: w, offset: 0, row: 1, col: N };
  const m0 = blockPixels(K, P, FORWARD_BLOCK_FLOATS);
  const T = fH * fW;
  const offsets = scratchInt32('offsets', m0 * T);
  const cols = scratchFloat64('acc', m0 * K);
  for (let p0 = 0; p0 < P; p0 += m0) {
    const m = Math.min(m0, P - p0);
    gemm(m, K, N, { data: dy, offset: p0 * N, row: N, col: 1 }, Wt, cols, 0, K, false);
    tapOffsets(info, p0, m, offsets);
    col2imAdd(cols, inC, T, m, offsets, dx);
  }
  return toFloat32(dx);
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Stock kernels an activation of FusedConv2D other than linear and ReLU is handed to. */
const ACTIVATION_KERNELS: Record<string, string> = { elu: 'Elu', relu6: 'Relu6', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu' };

function applyActivationKernel(backend: CpuBackend, y: tf.TensorInfo, activation: string, alpha: tf.TensorInfo | undefined, leakyreluAlpha: number | undefined): tf.TensorInfo {
  const name = ACTIVATION_KERNELS[activation];
  if (name === undefined) throw new Error(`FusedConv2D: activation ${activation} is not implemented for the CPU backend`);
  const kernel = tf.getKernel(name, 'cpu');
  const inputs = activation === 'prelu' ? { x: y, alpha } : { x: y };
  const attrs = activation === 'leakyrelu' ? { alpha: leakyreluAlpha } : {};
  const out = kernel.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  backend.disposeIntermediateTensorInfo(y);
  return out;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Conv2D: NHWC float32 here, anything else to `stock`. */
export function conv2DKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const xv = float32Values(backend, x);
    const wv = float32Values(backend, filter);
    if (attrs.dataFormat === 'NCHW' || xv === null || wv === null) return stock(args);
    const info = convInfo(x.shape, filter.shape, attrs);
    return backend.makeTensorInfo(info.outShape, 'float32', conv2dForward(xv, wv, info));
  };
}

/**
 * FusedConv2D (convolution + bias + activation, what tf.layers.conv2d calls): NHWC float32
 * with a bias of one value per output channel (or a single one) here, ReLU and linear applied
 * in the same pass and the other activations by the backend's kernels; anything else to `stock`.
 */
export function fusedConv2DKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { activation?: string; leakyreluAlpha?: number };
    const xv = float32Values(backend, x);
    const wv = float32Values(backend, filter);
    const bv = bias === undefined ? null : float32Values(backend, bias);
    const outC = filter.shape[3] ?? 0;
    const biasFits = bias === undefined || (bv !== null && (bv.length === 1 || (bias.shape.length === 1 && bv.length === outC)));
    if (attrs.dataFormat === 'NCHW' || xv === null || wv === null || !biasFits) return stock(args);
    const activation = attrs.activation ?? 'linear';
    const inline = activation === 'linear' || activation === 'relu';
    const info = convInfo(x.shape, filter.shape, attrs);
    const y = backend.makeTensorInfo(info.outShape, 'float32', conv2dForward(xv, wv, info, bv, inline ? activation : 'linear'));
    return inline ? y : applyActivationKernel(backend, y, activation, preluActivationWeights, attrs.leakyreluAlpha);
  };
}

/** Conv2DBackpropFilter: NHWC float32 here, anything else to `stock`. */
export function conv2DBackpropFilterKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const xv = float32Values(backend, x);
    const dyv = float32Values(backend, dy);
    if (attrs.dataFormat === 'NCHW' || xv === null || dyv === null) return stock(args);
    const info = convInfo(x.shape, attrs.filterShape, { ...attrs, dilations: 1 });
    return backend.makeTensorInfo(info.filterShape, 'float32', conv2dFilterGradient(xv, dyv, info));
  };
}

/** Conv2DBackpropInput (also the forward pass of a transposed convolution): NHWC float32 here, anything else to `stock`. */
export function conv2DBackpropInputKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const dyv = float32Values(backend, dy);
    const wv = float32Values(backend, filter);
    if (attrs.dataFormat === 'NCHW' || dyv === null || wv === null) return stock(args);
    const info = convInfo(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 });
    return backend.makeTensorInfo(info.inShape, 'float32', conv2dInputGradient(dyv, wv, info));
  };
}
