/**
 * 3D max pooling and its gradient for the tfjs CPU backend, channels-last (NDHWC), over the raw
 * typed arrays: the kernels MaxPool3D and MaxPool3DGrad, computed as ./maxPoolGrad.ts describes
 * (ties to the last position of the window's scan, as tfjs-backend-cpu 4.22's
 * maxPool3dPositions chooses).
 *
 * For windows whose height and width differ, the stock MaxPool3DGrad records the position of a
 * maximum as wF·fH·fW + wR·fH + wC but reads it back as wF·fH·fW + wR·fW + wC, and so passes
 * the gradient to the wrong voxel or to none; this kernel passes it to the maximum. The two
 * agree wherever fH = fW (the 3D U-Net's 2 × 2 × 2 windows).
 */
import * as tf from '@tensorflow/tfjs';
import { cpuBackend, float32Values } from './backend';
import { volumeGeometry, type ConvGeometry } from './convolution';
import { maxPoolForward, maxPoolGradient } from './maxPoolGrad';

type Shape5 = [number, number, number, number, number];

interface MaxPool3DAttrs {
  filterSize: [number, number, number] | number;
  strides: [number, number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NDHWC' | 'NCDHW';
}

function poolGeometry(shape: number[], attrs: MaxPool3DAttrs): ConvGeometry {
  return volumeGeometry(tf.backend_util.computePool3DInfo(shape as Shape5, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode));
}

/** MaxPool3D: NDHWC float32 here, anything else to `stock`. */
export function maxPool3DKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as MaxPool3DAttrs;
    const xv = float32Values(backend, x);
    if (xv === null || attrs.dataFormat === 'NCDHW') return stock(args);
    const g = poolGeometry(x.shape, attrs);
    return backend.makeTensorInfo([g.batch, g.outD, g.outH, g.outW, g.inC], 'float32', maxPoolForward(xv, g));
  };
}

/** MaxPool3DGrad: float32 here, anything else to `stock`. */
export function maxPool3DGradKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args.backend);
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const attrs = args.attrs as unknown as MaxPool3DAttrs;
    const xv = float32Values(backend, input);
    const dyv = float32Values(backend, dy);
    if (xv === null || dyv === null) return stock(args);
    return backend.makeTensorInfo(input.shape, 'float32', maxPoolGradient(xv, dyv, poolGeometry(input.shape, attrs), 'last'));
  };
}
