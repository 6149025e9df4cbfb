/**
 * 3D convolution and its two gradients for the tfjs CPU backend, channels-last (NDHWC), over
 * the raw typed arrays: the kernels Conv3D, Conv3DBackpropFilterV2 and Conv3DBackpropInputV2
 * (also the forward pass of conv3dTranspose). With x [B, inD, inH, inW, inC] and the filter
 * [fD, fH, fW, inC, outC], the arithmetic is ./convolution.ts's (im2col + GEMM):
 *
 *   y  = X · W,   dW = Xᵀ · dy,   dx = col2im(dy · Wᵀ)   (stride 1: a convolution of dy with the turned filter)
 *
 * Sums are carried in float64 and rounded to float32 once. The filter gradient adds its terms
 * in the order (b, yF, yR, yC), as tfjs-backend-cpu 4.22's Conv3DBackpropFilterV2 does in
 * float64, and equals it bit for bit; the forward pass (the stock kernel adds in float32) and
 * the input gradient (another order) agree with the stock kernels to float32 precision.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values } from './backend';
import { convolutionFilterGradient, convolutionForward, convolutionInputGradient, volumeGeometry } from './convolution';

type Conv3DInfo = tf.backend_util.Conv3DInfo;
type Shape5 = [number, number, number, number, number];
type Triple = [number, number, number] | number;
type KernelArgs = Parameters<tf.KernelFunc>[0];

interface Conv3DAttrs {
  strides: Triple;
  pad: 'valid' | 'same';
  dataFormat?: 'NDHWC' | 'NCDHW';
  dilations?: Triple;
}

function conv3dInfo(xShape: number[], filterShape: number[], attrs: Conv3DAttrs, dilations: Triple): Conv3DInfo {
  return tf.backend_util.computeConv3DInfo(xShape as Shape5, filterShape as Shape5, attrs.strides, dilations, attrs.pad);
}

/** Conv3D: NDHWC float32 here (any stride and dilation), anything else to `stock`. */
export function conv3DKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as Conv3DAttrs;
    const xv = float32Values(backend, x);
    const wv = float32Values(backend, filter);
    if (attrs.dataFormat === 'NCDHW' || xv === null || wv === null) return stock(args);
    const info = conv3dInfo(x.shape, filter.shape, attrs, attrs.dilations ?? 1);
    return backend.makeTensorInfo(info.outShape, 'float32', convolutionForward(xv, wv, volumeGeometry(info)));
  };
}

/** Conv3DBackpropFilterV2 (the filter gradient of conv3d): float32 here, anything else to `stock`. */
export function conv3DBackpropFilterKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as Conv3DAttrs & { filterShape: Shape5 };
    const xv = float32Values(backend, x);
    const dyv = float32Values(backend, dy);
    if (xv === null || dyv === null) return stock(args);
    const info = conv3dInfo(x.shape, attrs.filterShape, attrs, 1);
    return backend.makeTensorInfo(info.filterShape, 'float32', convolutionFilterGradient(xv, dyv, volumeGeometry(info)));
  };
}

/** Conv3DBackpropInputV2 (the input gradient of conv3d, the forward pass of conv3dTranspose): float32 here, anything else to `stock`. */
export function conv3DBackpropInputKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = cpuBackend(args.backend);
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as Conv3DAttrs & { inputShape: Shape5 };
    const dyv = float32Values(backend, dy);
    const wv = float32Values(backend, filter);
    if (dyv === null || wv === null) return stock(args);
    const info = conv3dInfo(attrs.inputShape, filter.shape, attrs, 1);
    return backend.makeTensorInfo(info.inShape, 'float32', convolutionInputGradient(dyv, wv, volumeGeometry(info)));
  };
}
