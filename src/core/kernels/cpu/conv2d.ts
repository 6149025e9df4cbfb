/**
 * 2D convolution and its two gradients for the tfjs CPU backend, channels-last (NHWC), over
 * the raw typed arrays: the kernels Conv2D, FusedConv2D, Conv2DBackpropFilter and
 * Conv2DBackpropInput. The arithmetic (im2col + GEMM, float64 sums; the filter gradient equal
 * to the stock Conv2DBackpropFilter bit for bit) is ./convolution.ts's, with the plane as a
 * volume of depth 1: x [B, inH, inW, inC] is x [B, 1, inH, inW, inC] and the filter
 * [fH, fW, inC, outC] is [1, fH, fW, inC, outC], the same memory.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values, type CpuBackend } from './backend';
import { convolutionFilterGradient, convolutionForward, convolutionInputGradient, planeGeometry } from './convolution';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
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
    return backend.makeTensorInfo(info.outShape, 'float32', convolutionForward(xv, wv, planeGeometry(info)));
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
    const y = backend.makeTensorInfo(info.outShape, 'float32', convolutionForward(xv, wv, planeGeometry(info), bv, inline ? activation : 'linear'));
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
    return backend.makeTensorInfo(info.filterShape, 'float32', convolutionFilterGradient(xv, dyv, planeGeometry(info)));
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
    return backend.makeTensorInfo(info.inShape, 'float32', convolutionInputGradient(dyv, wv, planeGeometry(info)));
  };
}
