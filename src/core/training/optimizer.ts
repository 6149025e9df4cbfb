/**
 * The optimizers of the training protocol (config.ts): SGD (the paper), SGD with momentum, Adam;
 * setting the learning rate of each, and freeing them completely.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './config';

/** Sets an optimizer's learning rate (SGD and momentum through setLearningRate; Adam reads its field every step). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as tf.Optimizer & { setLearningRate?: (lr: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else if (typeof o.learningRate === 'number') o.learningRate = lr;
  else throw new Error(`cannot set the learning rate of ${optimizer.getClassName()}`);
}

/** The optimizer the configuration names. */
export function createOptimizer(config: TrainingConfig): tf.Optimizer {
  if (config.optimizer === 'adam') return tf.train.adam(config.learningRate);
  return config.momentum > 0 ? tf.train.momentum(config.learningRate, config.momentum) : tf.train.sgd(config.learningRate);
}

/**
 * Frees an optimizer. tfjs 4.22's MomentumOptimizer.dispose() does not free the learning-rate
 * scalar it inherits from SGDOptimizer (`c`); it is freed here (a no-op when already disposed).
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}

/** Adam's running β1^t, β2^t variables (tfjs internals; undefined for other optimizers). */
export function adamAccBeta(optimizer: tf.Optimizer): [tf.Variable, tf.Variable] | undefined {
  const o = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable ? [o.accBeta1, o.accBeta2] : undefined;
}
