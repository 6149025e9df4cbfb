/**
 * A Trainer's state to and from its checkpoint (checkpoint.ts): the optimizer's state (slot
 * variables named after their weights, Adam's running β powers, the iteration count) read from
 * a live optimizer and put into a new one, and the check that a checkpoint fits a trainer
 * before anything of it is restored. The Trainer decides when (between steps, never during
 * one); this module decides how.
 */
import * as tf from '@tensorflow/tfjs';
import { withTrainingDefaults, type TrainingConfig } from './config';
import { CHECKPOINT_VERSION, differences, modelWeightNames, readWeights, weightProblems, type OptimizerCheckpoint, type TrainerCheckpoint } from './checkpoint';
import { adamAccBeta, createOptimizer, disposeOptimizer, setLearningRate } from './optimizer';

/** Names of the trainable weights (the optimizer's variables), in their order. */
function trainableNames(model: tf.LayersModel, weightNames: readonly string[]): string[] {
  const all = model.weights;
  return model.trainableWeights.map((w) => weightNames[all.indexOf(w)] ?? w.originalName);
}

/**
 * Names of an optimizer's slot variables (none before its first step): `${weight}/momentum` for
 * Momentum, `${weight}/m` then `${weight}/v` for Adam, none for SGD.
 */
export function optimizerSlotNames(model: tf.LayersModel, className: string, started: boolean, weightNames: readonly string[] = modelWeightNames(model)): string[] {
  if (!started) return [];
  const trainable = trainableNames(model, weightNames);
  if (className === 'Momentum') return trainable.map((n) => `${n}/momentum`);
  if (className === 'Adam') return [...trainable.map((n) => `${n}/m`), ...trainable.map((n) => `${n}/v`)];
  return [];
}

/** The state of an optimizer that trains `model` (awaited reads; copies). */
export async function encodeOptimizer(optimizer: tf.Optimizer, model: tf.LayersModel, weightNames: readonly string[] = modelWeightNames(model)): Promise<OptimizerCheckpoint> {
  const className = optimizer.getClassName();
  const accBeta = className === 'Adam' ? adamAccBeta(optimizer) : undefined;
  const [iter, ...slots] = await optimizer.getWeights();
  try {
    const iterations = iter ? (await iter.tensor.data())[0]! : 0;
    const names = optimizerSlotNames(model, className, slots.length > 0, weightNames);
    if (names.length !== slots.length) throw new Error(`the ${className} optimizer has ${slots.length} slot variables; expected ${names.length}`);
    const [slotArrays, beta] = await Promise.all([
      readWeights(
        slots.map((s) => s.tensor),
        names,
      ),
      accBeta ? Promise.all(accBeta.map(async (v) => (await v.data())[0]!)) : Promise.resolve(null),
    ]);
    return { className, iterations, slots: slotArrays, accBeta: beta ? [beta[0]!, beta[1]!] : null };
  } finally {
    iter?.tensor.dispose(); // a new scalar (the slots are the optimizer's own variables)
  }
}

/** A new optimizer of the configuration with the checkpoint's state and learning rate (the caller disposes it). */
export async function decodeOptimizer(config: TrainingConfig, cp: OptimizerCheckpoint, lr: number): Promise<tf.Optimizer> {
  const optimizer = createOptimizer(config);
  try {
    setLearningRate(optimizer, lr);
    const values: { name: string; tensor: tf.Tensor }[] = [
      { name: 'iter', tensor: tf.scalar(cp.iterations, 'int32') },
      ...cp.slots.map((s) => ({ name: s.name, tensor: tf.tensor(new Float32Array(s.data), s.shape, 'float32') })),
    ];
    try {
      await optimizer.setWeights(values); // the slot variables take over the tensors' data
    } finally {
      tf.dispose(values.map((v) => v.tensor));
    }
    if (cp.accBeta) {
      const acc = adamAccBeta(optimizer);
      if (!acc) throw new Error(`the ${optimizer.getClassName()} optimizer has no β powers to restore`);
      const [b1, b2] = cp.accBeta;
      tf.tidy(() => {
        acc[0].assign(tf.scalar(b1, 'float32'));
        acc[1].assign(tf.scalar(b2, 'float32'));
      });
    }
    return optimizer;
  } catch (e) {
    disposeOptimizer(optimizer);
    throw e;
  }
}

/** What a checkpoint must match to be restored into a trainer. */
export interface TrainerLayout {
  config: TrainingConfig;
  trainSamples: number;
  stepsPerEpoch: number;
  model: tf.LayersModel;
  /** The trainer's optimizer class ('SGD', 'Momentum', 'Adam'). */
  optimizer: string;
}

/** Why `cp` cannot be restored into a trainer of this layout, one sentence each; empty when it can. */
export function trainerCheckpointProblems(cp: TrainerCheckpoint, layout: TrainerLayout): string[] {
  if (typeof cp !== 'object' || cp === null) return ['it is not a trainer checkpoint'];
  if (cp.version !== CHECKPOINT_VERSION) return [`checkpoint version ${String(cp.version)} (this code reads version ${CHECKPOINT_VERSION})`];
  const p: string[] = [];
  p.push(...differences(withTrainingDefaults(cp.config), layout.config).map((d) => `training config ${d}`));
  if (cp.trainSamples !== layout.trainSamples) p.push(`${String(cp.trainSamples)} training samples in the checkpoint, ${layout.trainSamples} now`);
  if (p.length > 0) return p;
  const steps = layout.stepsPerEpoch;
  const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (!isCount(cp.epochIndex) || !isCount(cp.stepInEpoch) || !isCount(cp.globalStep) || cp.stepInEpoch > steps) {
    p.push(`bad counters (epoch ${String(cp.epochIndex)}, step ${String(cp.stepInEpoch)} of ${steps}, global step ${String(cp.globalStep)})`);
  } else if (cp.globalStep !== Math.min(cp.epochIndex * steps + cp.stepInEpoch, layout.config.maxSteps ?? Infinity)) {
    // A step budget ends the last epoch early: then the steps are the budget.
    p.push(`global step ${cp.globalStep} does not match epoch ${cp.epochIndex}, step ${cp.stepInEpoch} at ${steps} steps per epoch`);
  }
  if (!(typeof cp.lr === 'number' && Number.isFinite(cp.lr) && cp.lr > 0)) p.push(`bad learning rate ${String(cp.lr)}`);
  if (cp.ended !== null && cp.ended !== 'maxEpochs' && cp.ended !== 'maxSteps' && cp.ended !== 'earlyStop') p.push(`bad end reason ${String(cp.ended)}`);
  if (typeof cp.lossSum !== 'number') p.push('the loss sum is missing');
  for (const [name, state] of [
    ['plateau', cp.plateau],
    ['earlyStopping', cp.earlyStopping],
    ['bestCheckpoint', cp.bestCheckpoint],
  ] as const) {
    if (typeof state !== 'object' || state === null) p.push(`the ${name} state is missing`);
  }
  const model = layout.model;
  const names = modelWeightNames(model);
  const expected = model.weights.map((w, i) => ({ name: names[i]!, shape: w.shape.map((d) => d ?? -1) }));
  p.push(...weightProblems('weights', cp.weights, expected));
  if (cp.bestWeights !== null) p.push(...weightProblems('best weights', cp.bestWeights, expected));
  const o = cp.optimizer as Partial<OptimizerCheckpoint> | undefined;
  const className = layout.optimizer;
  if (!o || typeof o !== 'object' || !Array.isArray(o.slots) || typeof o.iterations !== 'number') {
    p.push('the optimizer state is missing');
  } else if (o.className !== className) {
    p.push(`the checkpoint's optimizer is ${String(o.className)}, this trainer's ${className}`);
  } else {
    const slotNames = optimizerSlotNames(model, className, o.slots.length > 0, names);
    const byName = new Map(expected.map((e) => [e.name, e.shape]));
    const slotShapes = slotNames.map((n) => ({ name: n, shape: byName.get(n.slice(0, n.lastIndexOf('/'))) ?? [] }));
    p.push(...weightProblems(`${className} slots`, o.slots, slotShapes));
    if (className === 'Adam' && o.accBeta !== null && !(Array.isArray(o.accBeta) && o.accBeta.length === 2)) p.push('bad Adam β powers');
  }
  return p;
}
