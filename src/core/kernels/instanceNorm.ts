/**
 * Instance normalisation as one fused op: a forward kernel and a gradient kernel, joined by
 * tf.customGrad, instead of the ≈ 15 generic element-wise and reduction ops (and their
 * autodiff) the composite form in core/model/instanceNorm.ts runs per layer. The op is used on
 * a backend where both kernels are registered (the CPU backend, by registerFastCpuKernels());
 * elsewhere the model keeps the composite form, which computes the same function.
 *
 * Kernels (channels-last x of rank ≥ 3; gamma, beta of shape [C]; attribute epsilon):
 *   INSTANCE_NORM       {x, gamma, beta} → y
 *   INSTANCE_NORM_GRAD  {x, gamma, dy}   → [dx, dgamma, dbeta]
 * The gradient kernel takes x rather than saved statistics, so the op keeps no tensor beyond
 * its inputs between the forward and the backward pass.
 */
import * as tf from '@tensorflow/tfjs';

export const INSTANCE_NORM_KERNEL = 'StudioInstanceNorm';
export const INSTANCE_NORM_GRAD_KERNEL = 'StudioInstanceNormGrad';

/** Whether both kernels are registered for `backendName` (default: the active backend). */
export function hasFusedInstanceNorm(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(INSTANCE_NORM_KERNEL, backendName) !== undefined && tf.getKernel(INSTANCE_NORM_GRAD_KERNEL, backendName) !== undefined;
}

/**
 * y = γ·(x − μ)/√(σ² + ε) + β through the two kernels, differentiable in x, γ and β. x float32
 * channels-last, γ and β of shape [C]; the caller checks shapes and ε (core/model/instanceNorm.ts).
 */
export function fusedInstanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const engine = tf.engine();
  const op = tf.customGrad(((xIn: tf.Tensor, gammaIn: tf.Tensor, betaIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn, gammaIn]);
    const value = engine.runKernel(INSTANCE_NORM_KERNEL, { x: xIn, gamma: gammaIn, beta: betaIn }, { epsilon }) as tf.Tensor;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, gs] = saved;
      if (xs === undefined || gs === undefined) throw new Error('fusedInstanceNorm: the saved inputs are missing');
      return engine.runKernel(INSTANCE_NORM_GRAD_KERNEL, { x: xs, gamma: gs, dy }, { epsilon }) as tf.Tensor[];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta);
}
