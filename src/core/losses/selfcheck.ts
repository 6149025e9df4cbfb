/**
 * Runs the reference table (__fixtures__/reference.json, computed independently with numpy) on
 * whatever tfjs backend is active, so a browser can check that its backend computes the losses
 * correctly. Used by the self-check page and its end-to-end test.
 */
import * as tf from '@tensorflow/tfjs';
import { createLoss } from './index';
import type { LossParams } from './registry';

export { relativeError, withinTolerance } from './tolerance';

export interface ReferenceCase {
  name: string;
  loss: string;
  params: LossParams;
  shape: number[];
  yTrue: number[];
  yPred: number[];
  expected: number;
}

export interface ReferenceTable {
  generator: string;
  cases: ReferenceCase[];
}

export interface CaseOutcome {
  name: string;
  loss: string;
  expected: number;
  value: number;
  /** Whether every entry of ∂loss/∂yPred is finite. */
  gradientFinite: boolean;
}

/** Evaluates every case (value and gradient) on the active backend; reads back asynchronously. */
export async function runReferenceCases(
  cases: ReferenceCase[],
  onProgress?: (done: number, total: number) => void,
): Promise<CaseOutcome[]> {
  const out: CaseOutcome[] = [];
  for (const [i, c] of cases.entries()) {
    const [v, g] = tf.tidy(() => {
      const y = tf.tensor(c.yTrue, c.shape);
      const p = tf.tensor(c.yPred, c.shape);
      const f = createLoss(c.loss, c.params);
      const value = f(y, p);
      const grad = tf.grad((q: tf.Tensor) => f(y, q))(p);
      return [value, tf.all(tf.isFinite(grad))];
    });
    const [value, finite] = await Promise.all([v.data(), g.data()]);
    tf.dispose([v, g]);
    out.push({ name: c.name, loss: c.loss, expected: c.expected, value: value[0] ?? NaN, gradientFinite: finite[0] === 1 });
    onProgress?.(i + 1, cases.length);
  }
  return out;
}
