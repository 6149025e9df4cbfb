/**
 * Instance normalisation (Ulyanov, Vedaldi & Lempitsky 2016, "Instance Normalization: The
 * Missing Ingredient for Fast Stylization", arXiv:1607.08022, eq. 2).
 *
 * For a channels-last input x of shape [B, H, W, C] (or [B, D, H, W, C]), each sample b and
 * channel c is normalised over its spatial positions only:
 *
 *   μ_bc  = (1/HW) Σ_hw x_bhwc
 *   σ²_bc = (1/HW) Σ_hw (x_bhwc − μ_bc)²          (biased variance, as in the paper)
 *   y_bhwc = γ_c · (x_bhwc − μ_bc) / √(σ²_bc + ε) + β_c
 *
 * with a learnable scale γ (initialised to 1) and shift β (initialised to 0) per channel, and
 * ε = 1e-5 (PyTorch's InstanceNorm2d default; tensorflow-addons uses 1e-3). Unlike batch
 * normalisation the statistics never mix samples, so there are no running averages and training
 * and inference compute the same function: it behaves identically at batch size 1 or 2, which
 * is what small-batch medical segmentation trains with.
 *
 * Two implementations compute it. Where the backend has the fused kernels (core/kernels: the
 * CPU backend once registerFastCpuKernels() has run), one kernel computes the forward pass and
 * one its gradient. Elsewhere the composite form is used: basic differentiable ops (tf.moments,
 * sub, add, rsqrt, mul) with kernels and gradients on the cpu, webgl and webgpu backends. Both
 * take the same weights, so the layer's saved form does not depend on which one ran.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedInstanceNorm, hasFusedInstanceNorm } from '../kernels/instanceNorm';

/** ε added to the variance before the square root (PyTorch's InstanceNorm default). */
export const INSTANCE_NORM_EPSILON = 1e-5;

/** The spatial axes of a channels-last tensor: 1 … rank − 2. */
function spatialAxes(rank: number): number[] {
  const axes: number[] = [];
  for (let a = 1; a < rank - 1; a++) axes.push(a);
  return axes;
}

/** Throws unless x is channels-last of rank ≥ 3, ε > 0 and γ, β (when given) have shape [C]. */
function checkArguments(x: tf.Tensor, gamma: tf.Tensor | null, beta: tf.Tensor | null, eps: number): void {
  if (x.rank < 3) {
    throw new Error(`instanceNorm: expected a channels-last input [B, H, W, C] (rank ≥ 3); got shape [${x.shape.join(', ')}]`);
  }
  if (!Number.isFinite(eps) || eps <= 0) {
    throw new Error(`instanceNorm: ε must be a finite number > 0; got ${eps}`);
  }
  const channels = x.shape[x.rank - 1] ?? 0;
  for (const [label, p] of [['γ (gamma)', gamma], ['β (beta)', beta]] as const) {
    if (p !== null && (p.rank !== 1 || p.shape[0] !== channels)) {
      throw new Error(`instanceNorm: ${label} must have shape [${channels}] (one value per channel); got [${p.shape.join(', ')}]`);
    }
  }
}

/**
 * y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² per sample and channel over the spatial axes of a
 * channels-last x ([B, H, W, C] or [B, D, H, W, C]). gamma and beta have shape [C]; either may
 * be null (scale 1, shift 0). The caller owns the returned tensor; intermediates are disposed.
 * Uses the fused kernels where the active backend has them, else {@link instanceNormComposite}.
 */
export function instanceNorm(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  eps: number = INSTANCE_NORM_EPSILON,
): tf.Tensor {
  if (!hasFusedInstanceNorm()) return instanceNormComposite(x, gamma, beta, eps);
  checkArguments(x, gamma, beta, eps);
  return tf.tidy(() => {
    const xf = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    const channels = x.shape[x.rank - 1] ?? 0;
    return fusedInstanceNorm(xf, gamma ?? tf.ones([channels]), beta ?? tf.zeros([channels]), eps);
  });
}

/** {@link instanceNorm} from generic differentiable ops, on any backend. */
export function instanceNormComposite(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  eps: number = INSTANCE_NORM_EPSILON,
): tf.Tensor {
  checkArguments(x, gamma, beta, eps);
  return tf.tidy(() => {
    const xf = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    const { mean, variance } = tf.moments(xf, spatialAxes(x.rank), true);
    let y = tf.mul(tf.sub(xf, mean), tf.rsqrt(tf.add(variance, eps)));
    // γ and β of shape [C] broadcast against the last axis.
    if (gamma !== null) y = tf.mul(y, gamma);
    if (beta !== null) y = tf.add(y, beta);
    return y;
  });
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
/** tfjs-layers' shape type: dimensions, null where unknown (the batch). */
type Shape = (number | null)[];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];

export interface InstanceNormalizationArgs extends LayerArgs {
  /** ε added to the variance; default {@link INSTANCE_NORM_EPSILON} = 1e-5. */
  epsilon?: number;
}

/**
 * Instance normalisation as a tfjs layer, with trainable weights `gamma` (ones) and `beta`
 * (zeros) of shape [C]. Registered with tf.serialization under the class name
 * 'InstanceNormalization', so models that contain it save and load with tf.loadLayersModel /
 * tf.models.modelFromJSON once this module has been imported.
 */
export class InstanceNormalization extends tf.layers.Layer {
  static readonly className = 'InstanceNormalization';

  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    const eps = args.epsilon ?? INSTANCE_NORM_EPSILON;
    if (!Number.isFinite(eps) || eps <= 0) {
      throw new Error(`InstanceNormalization: epsilon must be a finite number > 0; got ${eps}`);
    }
    this.epsilon = eps;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 3 || channels == null) {
      throw new Error(
        `InstanceNormalization: expected a channels-last input [B, H, W, C] with a known channel count; got [${shape.map((d) => d ?? 'null').join(', ')}]`,
      );
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('InstanceNormalization: called without an input tensor');
    if (this.gamma === null || this.beta === null) throw new Error('InstanceNormalization: called before build()');
    return instanceNorm(x, this.gamma.read(), this.beta.read(), this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(InstanceNormalization);

/** Factory in the style of tf.layers.*: `instanceNormalization({ name: 'enc0_norm1' })`. */
export function instanceNormalization(args: InstanceNormalizationArgs = {}): InstanceNormalization {
  return new InstanceNormalization(args);
}
