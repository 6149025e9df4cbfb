/**
 * The gradient of 2D max pooling for the tfjs CPU backend, channels-last, over the raw typed
 * arrays: each output position passes its incoming gradient to the input position that held
 * its window's maximum,
 *
 *   dx[b, r, c, d] = Σ over windows (yR, yC) whose maximum is at (r, c):  dy[b, yR, yC, d]
 *
 * The maximum is the first value in the window's row-major scan that is strictly greater than
 * every earlier one (starting from −∞), which is how tfjs-backend-cpu 4.22 locates it
 * (utils/pool_utils.ts maxPoolPositions): ties go to the first position, and a window of NaN
 * passes nothing on. The stock kernel finds, for every input position, the windows that chose
 * it through TensorBuffer.get; this one scans each window once.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values, toFloat32 } from './backend';

type Pool2DInfo = tf.backend_util.Conv2DInfo;

export function maxPoolGradient(x: Float32Array, dy: Float32Array, info: Pool2DInfo): Float32Array {
  const { batchSize: B, inHeight: inH, inWidth: inW, inChannels: C, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW, effectiveFilterHeight: fH, effectiveFilterWidth: fW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = new Float64Array(x.length);
  const best = new Float64Array(C);
  const at = new Int32Array(C);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let yR = 0; yR < outH; yR++) {
      const r0 = yR * sH - top;
      let rMin = r0;
      while (rMin < 0) rMin += dH;
      const rMax = Math.min(inH, r0 + fH);
      for (let yC = 0; yC < outW; yC++, o += C) {
        const c0 = yC * sW - left;
        let cMin = c0;
        while (cMin < 0) cMin += dW;
        const cMax = Math.min(inW, c0 + fW);
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = rMin; r < rMax; r += dH) {
          for (let c = cMin; c < cMax; c += dW) {
            const base = ((b * inH + r) * inW + c) * C;
            for (let d = 0; d < C; d++) {
              const v = x[base + d]!;
              if (v > best[d]!) {
                best[d] = v;
                at[d] = base + d;
              }
            }
          }
        }
        for (let d = 0; d < C; d++) {
          const i = at[d]!;
          if (i >= 0) dx[i] = dx[i]! + dy[o + d]!;
        }
      }
    }
  }
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
    return backend.makeTensorInfo(input.shape, 'float32', maxPoolGradient(xv, dyv, info));
  };
}
