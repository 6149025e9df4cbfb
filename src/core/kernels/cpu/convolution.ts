/**
 * Convolution and its two gradients over the raw typed arrays, channels-last, in up to three
 * spatial dimensions: the arithmetic behind the 2D kernels (./conv2d.ts, a plane is a volume of
 * depth 1) and the 3D kernels (./conv3d.ts). With x [B, inD, inH, inW, inC], filter
 * w [fD, fH, fW, inC, outC] and output y [B, outD, outH, outW, outC], number the output voxels
 * p = (b, yF, yR, yC) and the filter taps k = (wF, wR, wC, d1), K = fD·fH·fW·inC, and let X be
 * the im2col matrix (P × K):
 *
 *   X[p, k] = x[b, yF·sD − front + wF·dD, yR·sH − top + wR·dH, yC·sW − left + wC·dW, d1]
 *             (0 outside the volume)
 *
 * Then, with W the filter read as a K × outC matrix (its memory layout),
 *
 *   forward            y  = X · W                       (P × outC)
 *   filter gradient    dW = Xᵀ · dy                     (K × outC)
 *   input gradient     dx = col2im(dy · Wᵀ)             (the P × K product added back onto
 *                                                        the voxels X took them from)
 *
 * which is the formulation of Chellapilla, Puri & Simard (2006) and of Caffe (Jia et al. 2014).
 * The products run through ./gemm.ts in blocks of output voxels, so the im2col buffer stays a
 * few hundred kilobytes; a 1 × 1 (× 1) filter with stride 1 and no padding uses x itself as X.
 *
 * Sums are carried in float64 and rounded to float32 once. The filter gradient adds its terms
 * in the order (b, yF, yR, yC) in float64, which is the order of tfjs-backend-cpu 4.22's
 * Conv2DBackpropFilter and Conv3DBackpropFilterV2, so it equals them bit for bit (padding
 * contributes exact zeros where the stock kernels skip a position); the forward pass and the
 * input gradient round differently from the stock kernels (which add in float32, resp. in
 * another order) and agree with them to float32 precision.
 */
import type * as tf from '@tensorflow/tfjs';
import { scratchFloat32, scratchFloat64, scratchInt32, toFloat32 } from './backend';
import { gemm, type Strided } from './gemm';

/**
 * The shape of a convolution or a pooling in three spatial dimensions (depth, height, width); a
 * 2D one has inD = outD = fD = sD = dD = 1 and front = 0. fD, fH, fW count the filter's taps
 * (the window's positions), dD, dH, dW are the dilations between them.
 */
export interface ConvGeometry {
  batch: number;
  inD: number;
  inH: number;
  inW: number;
  inC: number;
  outD: number;
  outH: number;
  outW: number;
  outC: number;
  fD: number;
  fH: number;
  fW: number;
  sD: number;
  sH: number;
  sW: number;
  dD: number;
  dH: number;
  dW: number;
  /** Padding before the first voxel along depth, height and width. */
  front: number;
  top: number;
  left: number;
}

/**
 * The geometry of tfjs's description of a 3D convolution or pooling (computeConv3DInfo,
 * computePool3DInfo: a pooling's window is its filter, its channels both inC and outC).
 */
export function volumeGeometry(info: tf.backend_util.Conv3DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inD: info.inDepth,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outD: info.outDepth,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    fD: info.filterDepth,
    fH: info.filterHeight,
    fW: info.filterWidth,
    sD: info.strideDepth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dD: info.dilationDepth,
    dH: info.dilationHeight,
    dW: info.dilationWidth,
    front: info.padInfo.front,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** The same of a 2D convolution or pooling (computeConv2DInfo, computePool2DInfo), as a volume of depth 1. */
export function planeGeometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inD: 1,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outD: 1,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    fD: 1,
    fH: info.filterHeight,
    fW: info.filterWidth,
    sD: 1,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dD: 1,
    dH: info.dilationHeight,
    dW: info.dilationWidth,
    front: 0,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** Floats of the im2col block of the forward pass and the input gradient (256 KiB). */
const FORWARD_BLOCK_FLOATS = 1 << 16;
/**
 * Floats of the im2col block of the filter gradient (1 MiB): each block adds onto the whole
 * K × outC float64 result, so larger blocks touch it less often.
 */
const FILTER_BLOCK_FLOATS = 1 << 18;

const tapsOf = (g: ConvGeometry): number => g.fD * g.fH * g.fW;
const voxelsOf = (g: ConvGeometry): number => g.batch * g.outD * g.outH * g.outW;

/** Output voxels per block: about `floats` / K, a multiple of 4 (the GEMM's block), at most P. */
function blockVoxels(K: number, P: number, floats: number): number {
  const m = Math.max(4, Math.floor(floats / Math.max(1, K) / 4) * 4);
  return Math.max(1, Math.min(m, P)) | 0;
}

/** A 1 × 1 × 1 filter with stride 1 and no padding: X is x itself (P × inC). */
function isPointwise(g: ConvGeometry): boolean {
  return (
    tapsOf(g) === 1 &&
    g.sD === 1 &&
    g.sH === 1 &&
    g.sW === 1 &&
    g.front === 0 &&
    g.top === 0 &&
    g.left === 0 &&
    g.outD === g.inD &&
    g.outH === g.inH &&
    g.outW === g.inW
  );
}

/**
 * For rows p0 … p0 + m − 1 of X, the offset in x of each tap's first channel,
 * offsets[i·T + t] = offset of x[b, xF, xR, xC, 0] for tap t = (wF·fH + wR)·fW + wC of row
 * p0 + i (T = fD·fH·fW), or −1 where the tap falls outside the volume (padding).
 */
function tapOffsets(g: ConvGeometry, p0: number, m: number, offsets: Int32Array): void {
  const { inD, inH, inW, inC, outD, outH, outW, fD, fH, fW, sD, sH, sW, dD, dH, dW, front, top, left } = g;
  let yC = p0 % outW | 0;
  const row = ((p0 - yC) / outW) | 0;
  let yR = row % outH | 0;
  const plane = ((row - yR) / outH) | 0;
  let yF = plane % outD | 0;
  let b = ((plane - yF) / outD) | 0;
  let o = 0;
  for (let i = 0; i < m; i++) {
    const xF0 = yF * sD - front;
    const xR0 = yR * sH - top;
    const xC0 = yC * sW - left;
    for (let wF = 0; wF < fD; wF++) {
      const xF = xF0 + wF * dD;
      const insideF = xF >= 0 && xF < inD;
      const planeBase = (b * inD + xF) * inH;
      for (let wR = 0; wR < fH; wR++) {
        const xR = xR0 + wR * dH;
        const inside = insideF && xR >= 0 && xR < inH;
        const rowBase = (planeBase + xR) * inW;
        for (let wC = 0; wC < fW; wC++, o++) {
          const xC = xC0 + wC * dW;
          offsets[o] = inside && xC >= 0 && xC < inW ? (rowBase + xC) * inC : -1;
        }
      }
    }
    if (++yC === outW) {
      yC = 0;
      if (++yR === outH) {
        yR = 0;
        if (++yF === outD) {
          yF = 0;
          b++;
        }
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

/** Adds rows p0 … p0 + m − 1 of a P × K matrix (cols, m × K) onto the voxels of dx that X reads them from. */
function col2imAdd(cols: Float64Array, inC: number, T: number, m: number, offsets: Int32Array, dx: Float64Array): void {
  let src = 0;
  for (let o = 0; o < m * T; o++, src += inC) {
    const dst = offsets[o]!;
    if (dst >= 0) for (let d = 0; d < inC; d++) dx[dst + d] = dx[dst + d]! + cols[src + d]!;
  }
}

/** The epilogue of the forward pass: the activation a fused convolution applies itself. */
export type InlineActivation = 'linear' | 'relu';

/** The filter (K × outC) transposed to outC × K, so that the GEMM reads both operands along K. */
function packFilter(w: Float32Array, K: number, N: number): Float32Array {
  const wt = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) wt[n * K + k] = w[k * N + n]!;
  return wt;
}

/**
 * y = X · W (+ bias per output channel, or one bias for all) (then ReLU), as float32
 * [B, outD, outH, outW, outC], with the filter given packed: wt[n·K + k] = W[k, n].
 */
function convolvePacked(x: Float32Array, wt: Float32Array, g: ConvGeometry, bias: Float32Array | null, activation: InlineActivation): Float32Array {
  const N = g.outC;
  const T = tapsOf(g);
  const K = T * g.inC;
  const P = voxelsOf(g);
  const y = new Float32Array(P * N);
  const m0 = blockVoxels(K, P, FORWARD_BLOCK_FLOATS);
  const pointwise = isPointwise(g);
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
      tapOffsets(g, p0, m, offsets);
      im2col(x, g.inC, T, m, offsets, cols);
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

/** y = X · W (+ bias per output channel, or one bias for all) (then ReLU), as float32 [B, outD, outH, outW, outC]. */
export function convolutionForward(x: Float32Array, w: Float32Array, g: ConvGeometry, bias: Float32Array | null = null, activation: InlineActivation = 'linear'): Float32Array {
  return convolvePacked(x, packFilter(w, tapsOf(g) * g.inC, g.outC), g, bias, activation);
}

/**
 * dW = Xᵀ · dy as float32 [fD, fH, fW, inC, outC]. Per block of voxels, X and dy are written
 * transposed (K × m and outC × m), so the GEMM reads both along the voxels it sums over.
 */
export function convolutionFilterGradient(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
  const N = g.outC;
  const T = tapsOf(g);
  const K = T * g.inC;
  const P = voxelsOf(g);
  const dw = new Float64Array(K * N);
  const m0 = blockVoxels(K, P, FILTER_BLOCK_FLOATS);
  const colsT = scratchFloat32('cols', m0 * K);
  const dyT = scratchFloat32('dyT', m0 * N);
  const offsets = scratchInt32('offsets', m0 * T);
  const pointwise = isPointwise(g);
  for (let p0 = 0; p0 < P; p0 += m0) {
    const m = Math.min(m0, P - p0);
    if (pointwise) transposeRows(x, K, p0, m, colsT);
    else {
      tapOffsets(g, p0, m, offsets);
      im2colTransposed(x, g.inC, T, m, offsets, colsT);
    }
    transposeRows(dy, N, p0, m, dyT);
    gemm(K, N, m, { data: colsT, offset: 0, row: m, col: 1 }, { data: dyT, offset: 0, row: 1, col: m }, dw, 0, N, p0 > 0);
  }
  return toFloat32(dw);
}

/**
 * dx as float32 [B, inD, inH, inW, inC]. With stride 1 and dilation 1, dx is itself a stride-1
 * convolution: of dy, padded by fD − 1 − front in front, fH − 1 − top above and fW − 1 − left on
 * the left, with the filter turned by 180° in every spatial axis and its channel axes swapped,
 *
 *   dx[b, f, r, c, d1] = Σ_{wF, wR, wC, d2} dy[b, f − (fD − 1 − front) + wF, r − (fH − 1 − top) + wR, c − (fW − 1 − left) + wC, d2]
 *                                          · W[fD − 1 − wF, fH − 1 − wR, fW − 1 − wC, d1, d2]
 *
 * which runs as the forward pass does (turning every axis reverses the tap index t, so the
 * turned filter's tap t is the original's tap T − 1 − t). Other strides (a transposed
 * convolution's forward pass) compute dy · Wᵀ (P × K) and add it back onto the voxels X took it
 * from (col2im).
 */
export function convolutionInputGradient(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  const N = g.outC;
  const inC = g.inC;
  const T = tapsOf(g);
  const K = T * inC;
  if (g.sD === 1 && g.sH === 1 && g.sW === 1 && g.dD === 1 && g.dH === 1 && g.dW === 1) {
    const K2 = T * N;
    const wt = new Float32Array(inC * K2);
    for (let t = 0; t < T; t++) {
      const src = (T - 1 - t) * inC * N;
      const col = t * N;
      for (let d1 = 0; d1 < inC; d1++) for (let d2 = 0; d2 < N; d2++) wt[d1 * K2 + col + d2] = w[src + d1 * N + d2]!;
    }
    const transposed: ConvGeometry = {
      ...g,
      inD: g.outD,
      inH: g.outH,
      inW: g.outW,
      inC: N,
      outD: g.inD,
      outH: g.inH,
      outW: g.inW,
      outC: inC,
      front: g.fD - 1 - g.front,
      top: g.fH - 1 - g.top,
      left: g.fW - 1 - g.left,
    };
    return convolvePacked(dy, wt, transposed, null, 'linear');
  }
  const P = voxelsOf(g);
  const dx = new Float64Array(g.batch * g.inD * g.inH * g.inW * inC);
  const Wt: Strided = { data: w, offset: 0, row: 1, col: N };
  const m0 = blockVoxels(K, P, FORWARD_BLOCK_FLOATS);
  const offsets = scratchInt32('offsets', m0 * T);
  const cols = scratchFloat64('acc', m0 * K);
  for (let p0 = 0; p0 < P; p0 += m0) {
    const m = Math.min(m0, P - p0);
    gemm(m, K, N, { data: dy, offset: p0 * N, row: N, col: 1 }, Wt, cols, 0, K, false);
    tapOffsets(g, p0, m, offsets);
    col2imAdd(cols, inC, T, m, offsets, dx);
  }
  return toFloat32(dx);
}
