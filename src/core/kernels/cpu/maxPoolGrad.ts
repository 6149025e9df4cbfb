/**
 * Max pooling and its gradient over the raw typed arrays, channels-last, in up to three spatial
 * dimensions (a 2D pooling is a 3D one of depth 1), and the 2D gradient kernel MaxPoolGrad
 * (the 3D kernels: ./maxPool3d.ts). Each output position passes its incoming gradient to the
 * input position that held its window's maximum,
 *
 *   dx[b, f, r, c, d] = Σ over windows (yF, yR, yC) whose maximum is at (f, r, c):  dy[b, yF, yR, yC, d]
 *
 * The windows are scanned in row-major order (depth, then rows, then columns) from −∞; NaN is
 * never a maximum. Which of equal values is the maximum follows tfjs-backend-cpu 4.22
 * (utils/pool_utils.ts): in 2D (maxPoolPositions) the first value strictly greater than every
 * earlier one, so ties go to the first position; in 3D (maxPool3dPositions) every value
 * greater than or equal to the maximum so far, so ties go to the last. A window without a
 * maximum (all NaN) passes nothing on. The stock kernels find, for every input position, the
 * windows that chose it through TensorBuffer.get; these scan each window once.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values, toFloat32 } from './backend';
import { planeGeometry, type ConvGeometry } from './convolution';

/** Ties between equal maxima: to the first position of the scan (2D) or to the last (3D). */
export type PoolTies = 'first' | 'last';

/**
 * Calls visit for every output position: o, the offset of its first channel in the output; b,
 * its sample; and its window clipped to the input, depths fMin ≤ f < fMax, rows rMin ≤ r < rMax,
 * columns cMin ≤ c < cMax (stepping by the dilations). The window spans (f − 1)·d + 1 positions
 * along each axis, f its size and d its dilation.
 */
function forEachWindow(g: ConvGeometry, visit: (o: number, b: number, fMin: number, fMax: number, rMin: number, rMax: number, cMin: number, cMax: number) => void): void {
  const spanD = (g.fD - 1) * g.dD + 1;
  const spanH = (g.fH - 1) * g.dH + 1;
  const spanW = (g.fW - 1) * g.dW + 1;
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let yF = 0; yF < g.outD; yF++) {
      const f0 = yF * g.sD - g.front;
      let fMin = f0;
      while (fMin < 0) fMin += g.dD;
      const fMax = Math.min(g.inD, f0 + spanD);
      for (let yR = 0; yR < g.outH; yR++) {
        const r0 = yR * g.sH - g.top;
        let rMin = r0;
        while (rMin < 0) rMin += g.dH;
        const rMax = Math.min(g.inH, r0 + spanH);
        for (let yC = 0; yC < g.outW; yC++, o += g.inC) {
          const c0 = yC * g.sW - g.left;
          let cMin = c0;
          while (cMin < 0) cMin += g.dW;
          visit(o, b, fMin, fMax, rMin, rMax, cMin, Math.min(g.inW, c0 + spanW));
        }
      }
    }
  }
}

/** y[b, yF, yR, yC, d] = the maximum of the window (−∞ for a window of NaN only). */
export function maxPoolForward(x: Float32Array, g: ConvGeometry): Float32Array {
  const { inD, inH, inW, inC: C, dD, dH, dW } = g;
  const y = new Float32Array(g.batch * g.outD * g.outH * g.outW * C).fill(-Infinity);
  forEachWindow(g, (o, b, fMin, fMax, rMin, rMax, cMin, cMax) => {
    for (let f = fMin; f < fMax; f += dD) {
      for (let r = rMin; r < rMax; r += dH) {
        for (let c = cMin; c < cMax; c += dW) {
          const base = (((b * inD + f) * inH + r) * inW + c) * C;
          for (let d = 0; d < C; d++) {
            const v = x[base + d]!;
            if (v > y[o + d]!) y[o + d] = v;
          }
        }
      }
    }
  });
  return y;
}

export function maxPoolGradient(x: Float32Array, dy: Float32Array, g: ConvGeometry, ties: PoolTies): Float32Array {
  const { inD, inH, inW, inC: C, dD, dH, dW } = g;
  const last = ties === 'last';
  const dx = new Float64Array(x.length);
  const best = new Float64Array(C);
  const at = new Int32Array(C);
  forEachWindow(g, (o, b, fMin, fMax, rMin, rMax, cMin, cMax) => {
    best.fill(-Infinity);
    at.fill(-1);
    for (let f = fMin; f < fMax; f += dD) {
      for (let r = rMin; r < rMax; r += dH) {
        for (let c = cMin; c < cMax; c += dW) {
          const base = (((b * inD + f) * inH + r) * inW + c) * C;
          for (let d = 0; d < C; d++) {
            const v = x[base + d]!;
            if (v > best[d]! || (last && v === best[d]!)) {
              best[d] = v;
              at[d] = base + d;
            }
          }
        }
      }
    }
    for (let d = 0; d < C; d++) {
      const i = at[d]!;
      if (i >= 0) dx[i] = dx[i]! + dy[o + d]!;
    }
  });
  return toFloat32(dx);
}

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** MaxPoolGrad: float32 here, anything else to `stock`. */
export function maxPoolGradKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const attrs = args.attrs as unknown as MaxPoolGradAttrs;
    const xv = float32Values(backend, input);
    const dyv = float32Values(backend, dy);
    if (xv === null || dyv === null) return stock(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    return backend.makeTensorInfo(input.shape, 'float32', maxPoolGradient(xv, dyv, planeGeometry(info), 'first'));
  };
}
