/**
 * Fast kernels for the tfjs CPU backend, in the product: the browser's CPU backend, the Node
 * command line and the Node tests run on them.
 *
 * The stock tfjs-backend-cpu 4.22 kernels of a U-Net training step are plain loops, and some
 * read every element through TensorBuffer.get (Conv2DBackpropFilter alone is ≈ 80 % of a step
 * of the default 128 × 128 U-Net; Conv3D and its two gradients ≈ 87 % of a 32³ 3D U-Net's;
 * docs/BENCHMARKS.md). registerFastCpuKernels() replaces them with kernels over the raw typed
 * arrays (cpu/*.ts), and adds the fused instance normalisation
 * (instanceNorm.ts), which core/model's InstanceNormalization layer then uses on the CPU
 * backend. A replaced kernel hands what it does not cover (NCHW, other dtypes) to the stock one.
 *
 * tfjs looks kernels up by name and backend at every call, so registering takes effect at once,
 * whichever backend is active. restoreStockCpuKernels() puts the stock kernels back and removes
 * the fused instance normalisation (benchmarks compare the two in one run).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel, conv2DKernel, fusedConv2DKernel } from './cpu/conv2d';
import { conv3DBackpropFilterKernel, conv3DBackpropInputKernel, conv3DKernel } from './cpu/conv3d';
import { addKernel, multiplyKernel, realDivKernel, reluKernel, softmaxKernel, stepKernel, subKernel, sumKernel } from './cpu/elementwise';
import { instanceNormCpuKernel, instanceNormGradCpuKernel } from './cpu/instanceNorm';
import { batchMatMulKernel } from './cpu/matMul';
import { maxPool3DGradKernel, maxPool3DKernel } from './cpu/maxPool3d';
import { maxPoolGradKernel } from './cpu/maxPoolGrad';
import { sliceKernel, splitVKernel, transposeKernel } from './cpu/slice';
import { INSTANCE_NORM_GRAD_KERNEL, INSTANCE_NORM_KERNEL } from './instanceNorm';

export { fusedInstanceNorm, hasFusedInstanceNorm, INSTANCE_NORM_GRAD_KERNEL, INSTANCE_NORM_KERNEL } from './instanceNorm';

/** Stock CPU kernels replaced, each by a kernel made from the stock one (its fallback). */
const REPLACED: readonly { kernelName: string; make: (stock: tf.KernelFunc) => tf.KernelFunc }[] = [
  { kernelName: 'Conv2D', make: conv2DKernel },
  { kernelName: 'FusedConv2D', make: fusedConv2DKernel },
  { kernelName: 'Conv2DBackpropFilter', make: conv2DBackpropFilterKernel },
  { kernelName: 'Conv2DBackpropInput', make: conv2DBackpropInputKernel },
  { kernelName: 'MaxPoolGrad', make: maxPoolGradKernel },
  { kernelName: 'Conv3D', make: conv3DKernel },
  { kernelName: 'Conv3DBackpropFilterV2', make: conv3DBackpropFilterKernel },
  { kernelName: 'Conv3DBackpropInputV2', make: conv3DBackpropInputKernel },
  { kernelName: 'MaxPool3D', make: maxPool3DKernel },
  { kernelName: 'MaxPool3DGrad', make: maxPool3DGradKernel },
  { kernelName: 'BatchMatMul', make: batchMatMulKernel },
  { kernelName: 'Slice', make: sliceKernel },
  { kernelName: 'SplitV', make: splitVKernel },
  { kernelName: 'Transpose', make: transposeKernel },
  { kernelName: 'Add', make: addKernel },
  { kernelName: 'Sub', make: subKernel },
  { kernelName: 'Multiply', make: multiplyKernel },
  { kernelName: 'RealDiv', make: realDivKernel },
  { kernelName: 'Relu', make: reluKernel },
  { kernelName: 'Step', make: stepKernel },
  { kernelName: 'Sum', make: sumKernel },
  { kernelName: 'Softmax', make: softmaxKernel },
];

/** Kernels the stock CPU backend does not have. */
const ADDED: readonly tf.KernelConfig[] = [
  { kernelName: INSTANCE_NORM_KERNEL, backendName: 'cpu', kernelFunc: instanceNormCpuKernel },
  { kernelName: INSTANCE_NORM_GRAD_KERNEL, backendName: 'cpu', kernelFunc: instanceNormGradCpuKernel },
];

/** The names of the kernels registerFastCpuKernels() registers for the CPU backend. */
export const FAST_CPU_KERNELS: readonly string[] = [...REPLACED.map((k) => k.kernelName), ...ADDED.map((k) => k.kernelName)];

/** The stock kernels while the fast ones are registered; null otherwise. */
let stock: Map<string, tf.KernelConfig> | null = null;

/** Calls the fast kernels handed to the stock ones since they were registered, per kernel. */
const fallbacks = new Map<string, number>();

/** Registers the fast CPU kernels (idempotent: a second call does nothing). */
export function registerFastCpuKernels(): void {
  if (stock !== null) return;
  const saved = new Map<string, tf.KernelConfig>();
  for (const { kernelName, make } of REPLACED) {
    const config = tf.getKernel(kernelName, 'cpu') as tf.KernelConfig | undefined;
    if (config === undefined) throw new Error(`registerFastCpuKernels: the CPU backend has no ${kernelName} kernel (is @tensorflow/tfjs loaded?)`);
    saved.set(kernelName, config);
    const fallback: tf.KernelFunc = (args) => {
      fallbacks.set(kernelName, (fallbacks.get(kernelName) ?? 0) + 1);
      return config.kernelFunc(args);
    };
    tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel({ ...config, kernelFunc: make(fallback) });
  }
  for (const config of ADDED) {
    if (tf.getKernel(config.kernelName, 'cpu') !== undefined) tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel(config);
  }
  fallbacks.clear();
  stock = saved;
}

/** Puts the stock CPU kernels back and removes the added ones (a no-op when the fast ones are not registered). */
export function restoreStockCpuKernels(): void {
  if (stock === null) return;
  for (const [kernelName, config] of stock) {
    tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel(config);
  }
  for (const config of ADDED) tf.unregisterKernel(config.kernelName, 'cpu');
  stock = null;
}

/** Whether registerFastCpuKernels() is in force. */
export function fastCpuKernelsRegistered(): boolean {
  return stock !== null;
}

/**
 * How many calls each fast kernel handed to the stock kernel (what it does not cover: NCHW,
 * other dtypes, other broadcasts, contiguous slices) since registerFastCpuKernels(); kernels
 * that never did are absent.
 */
export function fastCpuKernelFallbacks(): Record<string, number> {
  return Object.fromEntries(fallbacks);
}
