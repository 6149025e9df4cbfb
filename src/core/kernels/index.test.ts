/**
 * registerFastCpuKernels / restoreStockCpuKernels: idempotent, reversible, and a U-Net's loss
 * and weight gradients under the fast kernels agree with the stock kernels' without leaking
 * tensors or handing its work back to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../losses';
import { buildUNet, type UNetConfig } from '../model';
import {
  FAST_CPU_KERNELS,
  fastCpuKernelFallbacks,
  fastCpuKernelsRegistered,
  hasFusedInstanceNorm,
  INSTANCE_NORM_KERNEL,
  registerFastCpuKernels,
  restoreStockCpuKernels,
} from './index';
import { randomTensor, scaledDifference, stockAndFast } from './testing/compare';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => restoreStockCpuKernels());

const kernelFuncs = (): (tf.KernelFunc | undefined)[] => FAST_CPU_KERNELS.map((name) => (tf.getKernel(name, 'cpu') as tf.KernelConfig | undefined)?.kernelFunc);

describe('registerFastCpuKernels', () => {
  it('replaces the stock kernels once, and restoreStockCpuKernels puts the very same ones back', () => {
    restoreStockCpuKernels();
    const stock = kernelFuncs();
    expect(fastCpuKernelsRegistered()).toBe(false);
    expect(hasFusedInstanceNorm('cpu')).toBe(false);
    expect(tf.getKernel(INSTANCE_NORM_KERNEL, 'cpu')).toBeUndefined();

    registerFastCpuKernels();
    const fast = kernelFuncs();
    expect(fastCpuKernelsRegistered()).toBe(true);
    expect(hasFusedInstanceNorm('cpu')).toBe(true);
    fast.forEach((f, i) => {
      expect(f).toBeTypeOf('function');
      expect(f).not.toBe(stock[i]);
    });
    registerFastCpuKernels();
    expect(kernelFuncs()).toEqual(fast);

    restoreStockCpuKernels();
    expect(kernelFuncs()).toEqual(stock);
    expect(hasFusedInstanceNorm('cpu')).toBe(false);
    restoreStockCpuKernels();
    expect(kernelFuncs()).toEqual(stock);
  });

  it('registers for the CPU backend only, whichever backend is active', () => {
    registerFastCpuKernels();
    expect(hasFusedInstanceNorm('webgl')).toBe(false);
    expect(hasFusedInstanceNorm('webgpu')).toBe(false);
  });
});

describe('a U-Net under the fast kernels', () => {
  const config: UNetConfig = { inputHeight: 32, inputWidth: 32, inputChannels: 1, numClasses: 3, depth: 2, baseFilters: 4, seed: 3 };

  it('gives the stock kernels’ loss and weight gradients to float32 precision', () => {
    const model = buildUNet(config);
    const loss = createLoss('asymmetricUnifiedFocal', {});
    const x = randomTensor([2, 32, 32, 1], 1, 2);
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.mul(tf.add(randomTensor([2, 32, 32], 2), 1), 1.5), 'int32'), 3));
    const { stock, fast, fallbacks } = stockAndFast(() => {
      const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      return [value, ...model.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name] ?? tf.scalar(NaN))];
    });
    expect(stock).toHaveLength(model.trainableWeights.length + 1);
    stock.forEach((s, k) => expect(scaledDifference(fast[k]!, s)).toBeLessThan(1e-5));
    // The network's own kernels hand nothing back (the loss may: reductions over other axes).
    for (const k of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'SplitV', 'Relu', 'Step', 'Softmax']) {
      expect(fallbacks[k]).toBeUndefined();
    }
    model.dispose();
  });

  it('trains with a flat tensor count', () => {
    registerFastCpuKernels();
    const model = buildUNet(config);
    const loss = createLoss('crossEntropy', {});
    const optimizer = tf.train.sgd(0.1);
    const x = randomTensor([2, 32, 32, 1], 3);
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.mul(tf.add(randomTensor([2, 32, 32], 4), 1), 1.5), 'int32'), 3));
    const step = (): number =>
      tf.tidy(() => optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)?.dataSync()[0] ?? NaN);
    const first = step();
    const count = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    expect(tf.memory().numTensors).toBe(count);
    expect(Number.isFinite(last) && last < first).toBe(true);
    expect(fastCpuKernelFallbacks().FusedConv2D).toBeUndefined();
    optimizer.dispose();
    model.dispose();
  });
});
