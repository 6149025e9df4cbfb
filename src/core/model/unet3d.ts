/**
 * A 3D U-Net for channels-last volumes (Çiçek, Abdulkadir, Lienkamp, Brox & Ronneberger 2016,
 * "3D U-Net: Learning Dense Volumetric Segmentation from Sparse Annotation", MICCAI, Fig. 1),
 * the volumetric counterpart of the 2D U-Net in ./unet.ts, with the same conventions: instance
 * normalisation after every 3×3×3 convolution, 'same' padding, seeded Glorot-uniform kernels,
 * softmax output.
 *
 * Filters per level: F_l = baseFilters · 2^l, l = 0 … depth (level `depth` is the bottleneck).
 * Every "block" is two rounds of [3×3×3 conv (same padding, no bias) → InstanceNorm → ReLU].
 *
 *   volume [B, D, H, W, C_in]
 *   encoder, l = 0 … depth−1:   enc{l}: block → F_l channels at D/2^l × H/2^l × W/2^l
 *                               enc{l}_pool: 2×2×2 max-pool, stride 2
 *   bottleneck:                 block → F_depth channels at D/2^depth × H/2^depth × W/2^depth
 *   decoder, l = depth−1 … 0:   dec{l}_up: 2×2×2 transposed conv, stride 2, F_{l+1} → F_l (with
 *                                          bias, no norm or activation: the "up-convolution")
 *                               dec{l}_concat: [enc{l} output, dec{l}_up] → 2·F_l channels (skip)
 *                               dec{l}: block 2·F_l → F_l
 *   logits: 1×1×1 conv F_0 → numClasses (with bias); softmax over the channel axis
 *
 * Differences from Çiçek et al. 2016, as in the 2D model and as in nnU-Net (Isensee et al.
 * 2021): 'same' padding (output size = input size, skips need no cropping, so every input side
 * must be divisible by 2^depth); instance normalisation (./instanceNorm.ts) in place of batch
 * normalisation; the second convolution of an encoder block has F_l filters rather than Çiçek's
 * doubled 2·F_l (so the encoder and decoder mirror each other, as in ./unet.ts); the convolutions
 * before a normalisation carry no bias (the normalisation subtracts the per-channel mean, which
 * cancels a constant bias exactly); the voxel-wise softmax is the model's last layer, with the
 * logits still reachable as the layer 'logits'.
 *
 * The up-convolution. A 2×2×2 transposed convolution with stride 2 writes each input voxel
 * into its own 2×2×2 output cell, with no overlap:
 *
 *   y[b, 2d+i, 2h+j, 2w+k, o] = Σ_c x[b, d, h, w, c] · K[i, j, k, o, c] + bias[o]
 *
 * so it is one matrix product [B·D·H·W, C] × [C, 8·O] followed by a reordering of the 2×2×2 cell
 * into the grid (two rank-4 transposes). The layer {@link UpConvolution3D} computes it that way:
 * its gradient is then that of matMul, reshape and transpose, which every tfjs backend has,
 * whereas tf.conv3dTranspose (kernel Conv3DBackpropInputV2) has no registered gradient in tfjs
 * 4.22, so tf.layers.conv3dTranspose cannot be trained. The kernel has tf.layers.conv3dTranspose's
 * shape [2, 2, 2, O, C] and the same Glorot fans.
 *
 * Initialisation: every kernel is Glorot (Xavier) uniform (Glorot & Bengio 2010),
 * U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out))), fan = channels × kernel volume; biases
 * are zero, γ = 1, β = 0. The seed of a layer is deriveSeed(seed, layerName), as in ./unet.ts.
 *
 * Memory. The activations a training step keeps for the backward pass are estimated by
 * {@link estimateUNet3DMemory}; the formula is documented there.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, toSeed } from '../data/rng';
import { instanceNormalization } from './instanceNorm';
import { describeValue } from './spec';
import { filtersOf, UNET3D_LAYER_NAMES, validateUNet3DConfig, type UNet3DConfig } from './spec3d';

export * from './spec3d';


type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
/** tfjs-layers' shape type: dimensions, null where unknown (the batch). */
type Shape = (number | null)[];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
/** A tfjs-layers weight initialiser (the type tf.initializers.* return). */
type KernelInitializer = ReturnType<typeof tf.initializers.glorotUniform>;

export interface UpConvolution3DArgs extends LayerArgs {
  /** Output channels O. */
  filters: number;
  /** Kernel initialiser; default Glorot uniform (unseeded). */
  kernelInitializer?: KernelInitializer;
}

/**
 * The 2×2×2, stride-2 transposed convolution with bias (the "up-convolution" of the 3D U-Net)
 * as a matrix product and a reordering; see the top of this file. Input [B, D, H, W, C], output
 * [B, 2D, 2H, 2W, O]; weights `kernel` [2, 2, 2, O, C] (tf.conv3dTranspose's layout) and `bias`
 * [O]. Registered with tf.serialization as 'UpConvolution3D'.
 */
export class UpConvolution3D extends tf.layers.Layer {
  static readonly className = 'UpConvolution3D';

  readonly filters: number;
  private readonly initializer: KernelInitializer;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: UpConvolution3DArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`UpConvolution3D: filters must be an integer ≥ 1; got ${describeValue(args.filters)}`);
    this.filters = args.filters;
    this.initializer = args.kernelInitializer ?? tf.initializers.glorotUniform({});
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[4];
    if (shape.length !== 5 || channels == null) {
      throw new Error(`UpConvolution3D: expected a channels-last input [B, D, H, W, C] with a known channel count; got [${shape.map((d) => d ?? 'null').join(', ')}]`);
    }
    this.kernel = this.addWeight('kernel', [2, 2, 2, this.filters, channels], 'float32', this.initializer, undefined, true);
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const twice = (d: number | null | undefined): number | null => (d == null ? null : 2 * d);
    return [shape[0] ?? null, twice(shape[1]), twice(shape[2]), twice(shape[3]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('UpConvolution3D: called without an input tensor');
    if (this.kernel === null || this.bias === null) throw new Error('UpConvolution3D: called before build()');
    const kernel = this.kernel.read();
    const bias = this.bias.read();
    return tf.tidy(() => upConvolution3d(x, kernel, bias));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters };
  }
}

tf.serialization.registerClass(UpConvolution3D);

/**
 * y[b, 2d+i, 2h+j, 2w+k, o] = Σ_c x[b, d, h, w, c] · kernel[i, j, k, o, c] + bias[o] for x
 * [B, D, H, W, C], kernel [2, 2, 2, O, C], bias [O]: tf.conv3dTranspose(x, kernel, …, 2, 'same')
 * plus bias, by matMul, reshapes and two rank-4 transposes (differentiable on every backend).
 */
export function upConvolution3d(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor5D {
  const [b = 0, d = 0, h = 0, w = 0, c = 0] = x.shape;
  const o = kernel.shape[3] ?? 0;
  if (x.rank !== 5 || kernel.rank !== 5 || kernel.shape[4] !== c || bias.rank !== 1 || bias.shape[0] !== o) {
    throw new Error(`upConvolution3d: expected x [B, D, H, W, C], kernel [2, 2, 2, O, C], bias [O]; got [${x.shape.join(', ')}], [${kernel.shape.join(', ')}], [${bias.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    // [C, 8·O], column ((i·2 + j)·2 + k)·O + o.
    const k = tf.transpose(tf.reshape(kernel, [8 * o, c]));
    // Rows (b, d, h, w), columns (i, j, k, o).
    const y = tf.matMul(tf.reshape(x, [b * d * h * w, c]), k);
    // (b·d, h·w, i, (j, k, o)) → (b·d, i, h·w, (j, k, o)), i.e. (b, d, i, h, w, j, k, o).
    const y1 = tf.transpose(tf.reshape(y, [b * d, h * w, 2, 4 * o]), [0, 2, 1, 3]);
    // (b·d·i·h, w, j, (k, o)) → (b·d·i·h, j, w, (k, o)), i.e. (b, d, i, h, j, w, k, o).
    const y2 = tf.transpose(tf.reshape(y1, [b * d * 2 * h, w, 2, 2 * o]), [0, 2, 1, 3]);
    return tf.add(tf.reshape(y2, [b, 2 * d, 2 * h, 2 * w, o]), bias) as tf.Tensor5D;
  });
}

/** Seeded Glorot-uniform initialiser of one layer's kernel. */
function kernelInit(seed: number, layerName: string): KernelInitializer {
  return tf.initializers.glorotUniform({ seed: deriveSeed(seed, layerName) });
}

/** [3×3×3 conv (no bias) → InstanceNorm → ReLU] × 2, layers named `${prefix}_conv1` … `${prefix}_relu2`. */
function convBlock(x: tf.SymbolicTensor, filters: number, prefix: string, seed: number): tf.SymbolicTensor {
  let y = x;
  for (const i of [1, 2]) {
    const convName = `${prefix}_conv${i}`;
    y = tf.layers
      .conv3d({
        name: convName,
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: kernelInit(seed, convName),
      })
      .apply(y) as tf.SymbolicTensor;
    y = instanceNormalization({ name: `${prefix}_norm${i}` }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.activation({ name: `${prefix}_relu${i}`, activation: 'relu' }).apply(y) as tf.SymbolicTensor;
  }
  return y;
}

/**
 * Builds the 3D U-Net described at the top of this file: input [B, D, H, W, C_in] named 'image',
 * output [B, D, H, W, numClasses] softmax probabilities named 'softmax', logits in the layer
 * 'logits'. Not compiled: the training loop supplies its own loss and optimiser. Building twice
 * with the same config gives identical initial weights.
 */
export function buildUNet3D(config: UNet3DConfig): tf.LayersModel {
  validateUNet3DConfig(config);
  const seed = toSeed(config.seed);
  const f = filtersOf(config);
  const fAt = (l: number): number => f[l] ?? 0;

  const input = tf.input({
    name: UNET3D_LAYER_NAMES.input,
    shape: [config.inputDepth, config.inputHeight, config.inputWidth, config.inputChannels],
  });
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let l = 0; l < config.depth; l++) {
    x = convBlock(x, fAt(l), `enc${l}`, seed);
    skips.push(x);
    x = tf.layers.maxPooling3d({ name: `enc${l}_pool`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = convBlock(x, fAt(config.depth), 'bottleneck', seed);
  for (let l = config.depth - 1; l >= 0; l--) {
    const upName = `dec${l}_up`;
    const up = new UpConvolution3D({ name: upName, filters: fAt(l), kernelInitializer: kernelInit(seed, upName) }).apply(x) as tf.SymbolicTensor;
    const skip = skips[l];
    if (skip === undefined) throw new Error(`buildUNet3D: missing skip connection for level ${l}`);
    const merged = tf.layers.concatenate({ name: `dec${l}_concat`, axis: -1 }).apply([skip, up]) as tf.SymbolicTensor;
    x = convBlock(merged, fAt(l), `dec${l}`, seed);
  }
  const logits = tf.layers
    .conv3d({
      name: UNET3D_LAYER_NAMES.logits,
      filters: config.numClasses,
      kernelSize: 1,
      padding: 'same',
      useBias: true,
      kernelInitializer: kernelInit(seed, UNET3D_LAYER_NAMES.logits),
    })
    .apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ name: UNET3D_LAYER_NAMES.output, activation: 'softmax' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ name: 'unet3d', inputs: input, outputs: probs });
}
