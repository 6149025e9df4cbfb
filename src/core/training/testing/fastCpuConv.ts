/**
 * A faster Conv2DBackpropFilter for the tfjs CPU backend, for Node tests only.
 *
 * The stock kernel (tfjs-backend-cpu 4.22, kernels/Conv2DBackpropFilter.ts) reads every element
 * through TensorBuffer.get(), which makes it most of a training step's time on the CPU backend
 * (docs: TESTING.md). This one computes the same sums over the raw typed arrays, channels-last:
 *
 *   dW[wR, wC, d1, d2] = Σ_b Σ_yR Σ_yC x[b, wR + yR·sH − padTop, wC + yC·sW − padLeft, d1] · dy[b, yR, yC, d2]
 *
 * in the same summation order (b, then yR, then yC) and in float64 like the stock kernel, so the
 * results are bitwise identical (checked in the tests). Channels-first inputs go to the stock
 * kernel.
 */
import * as tf from '@tensorflow/tfjs';

interface CpuBackendLike {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

let stock: tf.KernelConfig | null = null;

/** Replaces the CPU backend's Conv2DBackpropFilter by the fast one (idempotent). */
export function installFastCpuConvGradients(): void {
  if (stock) return;
  stock = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  const fallback = stock.kernelFunc;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as BackpropFilterAttrs;
      if (attrs.dataFormat === 'NCHW') return fallback(args);
      const inputs = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      return conv2dBackpropFilterNHWC(inputs.x, inputs.dy, attrs, args.backend as unknown as CpuBackendLike);
    },
  });
}

/** Puts the stock kernel back. */
export function restoreStockCpuConvGradients(): void {
  if (!stock) return;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel(stock);
  stock = null;
}

function conv2dBackpropFilterNHWC(x: tf.TensorInfo, dy: tf.TensorInfo, attrs: BackpropFilterAttrs, backend: CpuBackendLike): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sH, strideWidth: sW, filterHeight: fH, filterWidth: fW, inChannels: inC, outChannels: outC } = info;
  const { batchSize: B, inHeight: inH, inWidth: inW, outHeight: outH, outWidth: outW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const out = new Float32Array(fH * fW * inC * outC);
  const acc = new Float64Array(inC * outC);
  for (let wR = 0; wR < fH; ++wR) {
    const yRMin = Math.max(0, Math.ceil((top - wR) / sH));
    const yRMax = Math.min(outH, (inH + top - wR) / sH);
    for (let wC = 0; wC < fW; ++wC) {
      const yCMin = Math.max(0, Math.ceil((left - wC) / sW));
      const yCMax = Math.min(outW, (inW + left - wC) / sW);
      acc.fill(0);
      for (let b = 0; b < B; ++b) {
        for (let yR = yRMin; yR < yRMax; ++yR) {
          const xR = wR + yR * sH - top;
          for (let yC = yCMin; yC < yCMax; ++yC) {
            const xC = wC + yC * sW - left;
            const xBase = ((b * inH + xR) * inW + xC) * inC;
            const dyBase = ((b * outH + yR) * outW + yC) * outC;
            for (let d1 = 0; d1 < inC; ++d1) {
              const xval = xv[xBase + d1]!;
              const row = d1 * outC;
              for (let d2 = 0; d2 < outC; ++d2) acc[row + d2] = acc[row + d2]! + xval * dyv[dyBase + d2]!;
            }
          }
        }
      }
      out.set(acc, (wR * fW + wC) * inC * outC);
    }
  }
  return backend.makeTensorInfo(info.filterShape, 'float32', out);
}
