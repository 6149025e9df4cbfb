/**
 * Does a backend compute the studio's losses and their gradients as the CPU backend does? On the
 * active backend {@link probeBackend} evaluates, from inputs made in plain JavaScript (so every
 * backend gets the same bits):
 * - the numpy reference table (src/core/losses/__fixtures__/reference.json, 210 cases: 2D and
 *   3D, two and three classes): values and whether the gradients are finite;
 * - every loss of the registry at the paper's settings on a training-sized input (the synthetic
 *   demo's one-hot masks, softmax of seeded random logits): value and ∂loss/∂yPred;
 * - the U-Net (core/model) at its initial weights on the synthetic batch with cross-entropy and
 *   the asymmetric unified focal loss: value and the L2 norm of the gradient of every weight.
 * {@link compareProbes} then gives the relative differences from the CPU's probe and from numpy.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/data/rng';
import { generateSynthetic } from '../../src/core/data/synthetic';
import { createLoss, LOSS_IDS, paperParams, type LossId } from '../../src/core/losses';
import { relativeError, runReferenceCases, withinTolerance, type CaseOutcome, type ReferenceTable } from '../../src/core/losses/selfcheck';
import reference from '../../src/core/losses/__fixtures__/reference.json';
import { buildUNet, DEFAULT_UNET, type UNetConfig } from '../../src/core/model';
import { batchArrays, prepareSamples } from '../../src/core/training';

/** Shapes of the probe: the loss inputs and the small U-Net. */
export const PROBE = Object.freeze({ lossSize: 64, batch: 2, model: { ...DEFAULT_UNET, inputHeight: 32, inputWidth: 32, depth: 2, baseFilters: 8 } as UNetConfig });

/** Relative tolerance of values and gradients against the CPU backend and numpy. */
export const CHECK_TOLERANCE = 1e-5;

export interface Probe {
  reference: CaseOutcome[];
  losses: { loss: LossId; value: number; gradient: Float32Array }[];
  model: { loss: LossId; value: number; gradientNorm: number }[];
  seconds: number;
}

export interface ProbeComparison {
  /** Reference cases outside CHECK_TOLERANCE of numpy or of the CPU backend, or with a non-finite gradient. */
  referenceFailures: { name: string; expected: number; value: number; relativeError: number; gradientFinite: boolean }[];
  referenceCases: number;
  /** Largest relative error against numpy and against the CPU backend's value. */
  referenceMaxRelativeError: number;
  referenceMaxRelativeErrorVsCpu: number;
  /** Per loss: value, its relative difference from the CPU's, and max |Δgradient| ÷ max |CPU gradient|. */
  losses: { loss: LossId; value: number; cpuValue: number; relativeError: number; gradientRelativeError: number }[];
  model: { loss: LossId; value: number; cpuValue: number; relativeError: number; gradientNorm: number; gradientNormRelativeError: number }[];
  /** Every comparison within CHECK_TOLERANCE and every gradient finite. */
  ok: boolean;
}

/** One-hot masks of the synthetic demo and a softmax of seeded logits, as plain arrays. */
function lossInputs(): { shape: number[]; y: Float32Array; p: Float32Array } {
  const S = PROBE.lossSize;
  const B = PROBE.batch;
  const samples = prepareSamples(generateSynthetic({ count: B, width: S, height: S, seed: 3 }), { inputWidth: S, inputHeight: S, channels: 1 });
  const { y } = batchArrays(
    samples,
    samples.map((_, i) => i),
    createRng(3),
    { numClasses: 2 },
  );
  const rng = createRng('loss probe');
  const p = new Float32Array(y.length);
  for (let i = 0; i < p.length; i += 2) {
    // Logits that lean towards the true class, so that the probabilities span (0, 1).
    const a = 1.5 * rng.normal() + 2 * ((y[i] ?? 0) - 0.5);
    const b = 1.5 * rng.normal() + 2 * ((y[i + 1] ?? 0) - 0.5);
    const m = Math.max(a, b);
    const ea = Math.exp(a - m);
    const eb = Math.exp(b - m);
    p[i] = ea / (ea + eb);
    p[i + 1] = eb / (ea + eb);
  }
  return { shape: [B, S, S, 2], y, p };
}

/** Runs the probe on the active backend; leaves no tensors behind. */
export async function probeBackend(): Promise<Probe> {
  const t0 = performance.now();
  const referenceOutcomes = await runReferenceCases((reference as ReferenceTable).cases);

  const input = lossInputs();
  const losses: Probe['losses'] = [];
  for (const id of LOSS_IDS) {
    const f = createLoss(id, paperParams(id));
    const [v, g] = tf.tidy(() => {
      const y = tf.tensor(input.y, input.shape);
      const p = tf.tensor(input.p, input.shape);
      return [f(y, p), tf.grad((q: tf.Tensor) => f(y, q))(p)];
    });
    const [value, gradient] = await Promise.all([v.data(), g.data()]);
    tf.dispose([v, g]);
    losses.push({ loss: id, value: value[0] ?? NaN, gradient: gradient as Float32Array });
  }

  const config = PROBE.model;
  const samples = prepareSamples(generateSynthetic({ count: PROBE.batch, width: config.inputWidth, height: config.inputHeight, seed: 1 }), {
    inputWidth: config.inputWidth,
    inputHeight: config.inputHeight,
    depth: config.depth,
    channels: 1,
  });
  const a = batchArrays(
    samples,
    samples.map((_, i) => i),
    createRng(1),
    { numClasses: config.numClasses },
  );
  const model = buildUNet(config);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const modelProbe: Probe['model'] = [];
  for (const id of ['crossEntropy', 'asymmetricUnifiedFocal'] as const) {
    const f = createLoss(id, paperParams(id));
    const [v, n] = tf.tidy(() => {
      const x = tf.tensor4d(a.x, [a.shape.batch, a.shape.height, a.shape.width, a.shape.channels]);
      const y = tf.tensor4d(a.y, [a.shape.batch, a.shape.height, a.shape.width, a.shape.classes]);
      const { value, grads } = tf.variableGrads(() => f(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, variables);
      // Summed pairwise: tfjs-backend-webgpu's addN binds every input at once, and more than 7
      // exceed WebGPU's default 8 storage buffers per shader stage (an invalid pipeline, garbage out).
      const sumOfSquares = Object.values(grads)
        .map((g) => tf.sum(tf.square(g)))
        .reduce((acc, s) => tf.add(acc, s));
      return [value, tf.sqrt(sumOfSquares)];
    });
    const [value, norm] = await Promise.all([v.data(), n.data()]);
    tf.dispose([v, n]);
    modelProbe.push({ loss: id, value: value[0] ?? NaN, gradientNorm: norm[0] ?? NaN });
  }
  model.dispose();
  return { reference: referenceOutcomes, losses, model: modelProbe, seconds: (performance.now() - t0) / 1000 };
}

function maxAbs(xs: Float32Array): number {
  let m = 0;
  for (const v of xs) m = Math.max(m, Math.abs(v));
  return m;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return a.length === b.length ? m : Infinity;
}

/** The probe of `probe` against numpy and against the CPU backend's probe. */
export function compareProbes(probe: Probe, cpu: Probe): ProbeComparison {
  const referenceFailures: ProbeComparison['referenceFailures'] = [];
  let referenceMaxRelativeError = 0;
  let referenceMaxRelativeErrorVsCpu = 0;
  probe.reference.forEach((c, i) => {
    const err = relativeError(c.value, c.expected);
    referenceMaxRelativeError = Math.max(referenceMaxRelativeError, err);
    const other = cpu.reference[i];
    if (other) referenceMaxRelativeErrorVsCpu = Math.max(referenceMaxRelativeErrorVsCpu, relativeError(c.value, other.value));
    const vsCpu = !other || withinTolerance(c.value, other.value, CHECK_TOLERANCE);
    if (!withinTolerance(c.value, c.expected, CHECK_TOLERANCE) || !vsCpu || !c.gradientFinite) {
      referenceFailures.push({ name: c.name, expected: c.expected, value: c.value, relativeError: err, gradientFinite: c.gradientFinite });
    }
  });
  const losses = probe.losses.map((l, i) => {
    const c = cpu.losses[i];
    const cpuValue = c?.value ?? NaN;
    const gradientRelativeError = c ? maxAbsDiff(l.gradient, c.gradient) / Math.max(maxAbs(c.gradient), 1e-30) : NaN;
    return { loss: l.loss, value: l.value, cpuValue, relativeError: relativeError(l.value, cpuValue), gradientRelativeError };
  });
  const model = probe.model.map((m, i) => {
    const c = cpu.model[i];
    return {
      loss: m.loss,
      value: m.value,
      cpuValue: c?.value ?? NaN,
      relativeError: relativeError(m.value, c?.value ?? NaN),
      gradientNorm: m.gradientNorm,
      gradientNormRelativeError: relativeError(m.gradientNorm, c?.gradientNorm ?? NaN),
    };
  });
  const within = (e: number) => e <= CHECK_TOLERANCE;
  const ok =
    referenceFailures.length === 0 &&
    losses.every((l) => within(l.relativeError) && within(l.gradientRelativeError)) &&
    model.every((m) => within(m.relativeError) && within(m.gradientNormRelativeError));
  return {
    referenceFailures,
    referenceCases: probe.reference.length,
    referenceMaxRelativeError,
    referenceMaxRelativeErrorVsCpu,
    losses,
    model,
    ok,
  };
}
