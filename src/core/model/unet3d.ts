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
import { checkInteger, describeValue, nearestMultiples, UNET_LAYER_NAMES, UNetConfigError } from './unet';

export interface UNet3DConfig {
  /** Input depth (slices, z) in voxels; a multiple of 2^depth. */
  inputDepth: number;
  /** Input height (rows, y) in voxels; a multiple of 2^depth. */
  inputHeight: number;
  /** Input width (columns, x) in voxels; a multiple of 2^depth. */
  inputWidth: number;
  /** Image channels (1 for one modality, 4 for multi-modal MRI …), 1 … 64. */
  inputChannels: number;
  /** Output classes including background (channel 0), 2 … 256 (labels are 8-bit). */
  numClasses: number;
  /** Number of 2×2×2 pooling steps, 1 … 5; the network has depth + 1 resolution levels. */
  depth: number;
  /** Filters at the first level, 2 … 64; doubled at every level down. */
  baseFilters: number;
  /** Integer seed for the Glorot-uniform initialisation of every kernel. */
  seed: number;
}

/**
 * 32×32×32 single-channel volumes, two classes, three pooling steps (bottleneck 4×4×4), 8 base
 * filters (8·16·32·64): 350,818 parameters; a training step at batch 1 is estimated at
 * 51,396,608 bytes (49 MiB) of activations and their gradients ({@link estimateUNet3DMemory}),
 * sized to train in a browser.
 */
export const DEFAULT_UNET3D: Readonly<UNet3DConfig> = Object.freeze({
  inputDepth: 32,
  inputHeight: 32,
  inputWidth: 32,
  inputChannels: 1,
  numClasses: 2,
  depth: 3,
  baseFilters: 8,
  seed: 42,
});

/** Valid ranges (inclusive) of the integer fields of {@link UNet3DConfig}. */
export const UNET3D_LIMITS = Object.freeze({
  depth: [1, 5],
  baseFilters: [2, 64],
  inputChannels: [1, 64],
  numClasses: [2, 256],
  inputSize: [1, 1024],
} as const);

/** Names of the layers other code may look up with model.getLayer(name): those of the 2D model. */
export const UNET3D_LAYER_NAMES = UNET_LAYER_NAMES;

/** DEFAULT_UNET3D overridden by the given fields (not validated). */
export function resolveUNet3DConfig(partial: Partial<UNet3DConfig> = {}): UNet3DConfig {
  return { ...DEFAULT_UNET3D, ...partial };
}

/**
 * Throws a {@link UNetConfigError} naming every invalid field: integer ranges per
 * {@link UNET3D_LIMITS}, input sides divisible by 2^depth (with the nearest valid sizes), a
 * bottleneck of at least two voxels (instance normalisation of a single voxel returns β alone),
 * and an integer seed.
 */
export function validateUNet3DConfig(config: UNet3DConfig): void {
  const issues: string[] = [];
  if (config === null || typeof config !== 'object') throw new UNetConfigError([`expected an object, got ${describeValue(config)}`]);
  const depthOk = checkInteger(issues, 'depth', config.depth, ...UNET3D_LIMITS.depth, ' (number of 2×2×2 pooling steps)');
  checkInteger(issues, 'baseFilters', config.baseFilters, ...UNET3D_LIMITS.baseFilters);
  checkInteger(issues, 'inputChannels', config.inputChannels, ...UNET3D_LIMITS.inputChannels);
  checkInteger(issues, 'numClasses', config.numClasses, ...UNET3D_LIMITS.numClasses, ' (background plus at least one foreground class)');
  const sizes = [
    ['inputDepth', config.inputDepth],
    ['inputHeight', config.inputHeight],
    ['inputWidth', config.inputWidth],
  ] as const;
  const sizeOk = sizes.map(([name, v]) => checkInteger(issues, name, v, ...UNET3D_LIMITS.inputSize));
  if (depthOk) {
    const step = 2 ** config.depth;
    const divisible = sizes.map(([name, v], i) => {
      if (!sizeOk[i]) return false;
      if (v % step === 0) return true;
      issues.push(
        `${name} = ${v} is not a multiple of 2^${config.depth} = ${step} (depth ${config.depth} halves the volume ${config.depth} times); nearest valid ${name}: ${nearestMultiples(v, step)}`,
      );
      return false;
    });
    if (divisible.every(Boolean)) {
      const b = sizes.map(([, v]) => v / step);
      if (b.reduce((p, q) => p * q, 1) < 2) {
        issues.push(
          `the bottleneck would be ${b.join('×')} at depth ${config.depth}: instance normalisation over a single voxel discards it; use a larger input or a smaller depth`,
        );
      }
    }
  }
  if (typeof config.seed !== 'number' || !Number.isSafeInteger(config.seed)) {
    issues.push(`seed must be an integer; got ${describeValue(config.seed)}`);
  }
  if (issues.length > 0) throw new UNetConfigError(issues);
}

/** Filters per level, F_l = baseFilters · 2^l for l = 0 … depth. */
function filtersOf(config: Pick<UNet3DConfig, 'depth' | 'baseFilters'>): number[] {
  return Array.from({ length: config.depth + 1 }, (_, l) => config.baseFilters * 2 ** l);
}

/** Parameters of one block, two bias-free 3×3×3 convolutions c → F → F and two (γ, β) pairs. */
function blockParams(cIn: number, filters: number): number {
  return 27 * cIn * filters + 27 * filters * filters + 4 * filters;
}

/**
 * Trainable parameters, computed analytically (validated first). With F_l = b·2^l, C_in input
 * channels and K classes:
 *
 *   block(c → F)  = 27·c·F + 27·F·F + 2·(2F)       two bias-free 3×3×3 convs, two (γ, β) pairs
 *   encoder       = block(C_in → F_0) + Σ_{l=1}^{d} block(F_{l−1} → F_l)   (l = d: bottleneck)
 *   decoder       = Σ_{l=0}^{d−1} [ 8·F_{l+1}·F_l + F_l  +  block(2F_l → F_l) ]
 *                   2×2×2 transposed conv with bias, then the block after the concatenation
 *   head          = F_0·K + K                       1×1×1 conv with bias
 *
 * e.g. depth 1, base 4, C_in 1, K 2: 556 + (864 + 1728 + 32) + (260 + 1312) + 10 = 4,762.
 * The input size does not enter: convolution weights are shared over positions.
 */
export function countParameters3D(config: UNet3DConfig): number {
  validateUNet3DConfig(config);
  const f = filtersOf(config);
  const fAt = (l: number): number => f[l] ?? 0;
  let total = 0;
  for (let l = 0; l <= config.depth; l++) total += blockParams(l === 0 ? config.inputChannels : fAt(l - 1), fAt(l));
  for (let l = 0; l < config.depth; l++) total += 8 * fAt(l + 1) * fAt(l) + fAt(l) + blockParams(2 * fAt(l), fAt(l));
  total += fAt(0) * config.numClasses + config.numClasses;
  return total;
}

/** One level's spatial size in voxels, (D·H·W) / 8^l. */
function voxelsAt(config: UNet3DConfig, l: number): number {
  return (config.inputDepth * config.inputHeight * config.inputWidth) / 8 ** l;
}

/** Float32 values of every layer output of one sample (the terms of {@link estimateUNet3DMemory}). */
function activationValuesPerSample(config: UNet3DConfig): number {
  const f = filtersOf(config);
  const fAt = (l: number): number => f[l] ?? 0;
  const block = (l: number): number => 6 * voxelsAt(config, l) * fAt(l); // conv, norm, relu × 2
  let values = voxelsAt(config, 0) * config.inputChannels; // the input
  for (let l = 0; l < config.depth; l++) values += block(l) + voxelsAt(config, l + 1) * fAt(l); // block, pool
  values += block(config.depth);
  // up-convolution (matMul, two transposes, bias: four tensors of V_l·F_l), concat, block
  for (let l = 0; l < config.depth; l++) values += voxelsAt(config, l) * (4 * fAt(l) + 2 * fAt(l)) + block(l);
  values += 2 * voxelsAt(config, 0) * config.numClasses; // logits, softmax
  return values;
}

/** Gradient factor of {@link estimateUNet3DMemory}: the gradients alive at the peak, as a share of the activations. */
export const UNET3D_GRADIENT_FACTOR = 1;

/**
 * Bytes of float32 activations a training step keeps, analytically (validated first):
 *
 *   A       = batchSize · Σ_layers (output elements per sample)
 *             over the input, every conv / norm / ReLU / pool output, the up-convolution's four
 *             tensors (matMul, two transposes, bias add), the concatenation, the logits and the
 *             softmax: with V_l = D·H·W / 8^l voxels at level l,
 *             Σ = V_0·C_in + Σ_{l<d} [6·V_l·F_l + V_{l+1}·F_l] + 6·V_d·F_d
 *                 + Σ_{l<d} [4·V_l·F_l + 2·V_l·F_l + 6·V_l·F_l] + 2·V_0·K
 *   bytes   = 4 · A · (1 + g),   g = {@link UNET3D_GRADIENT_FACTOR} = 1
 *
 * Why g = 1: tfjs's tape keeps every forward tensor a gradient needs until the backward pass
 * ends, and the backward pass (Engine.gradients) keeps the gradient of every tensor on the path
 * in one map until it returns, so at its end there is one gradient of the size of each
 * activation. Not included: the weights, their gradients and the optimiser state (they do not
 * grow with the volume), the loss's own intermediates (they depend on the loss), and the
 * transient buffers of the kernel running at the peak. The engine's measured peak is therefore
 * higher than this estimate; the ratio, measured on the CPU backend, is stated in
 * unet3d.test.ts: the estimate is ≈ 0.74–0.77 of it with a minimal cross-entropy loss, ≈ 0.4–0.6
 * with the loss registry's losses.
 */
export function estimateUNet3DMemory(config: UNet3DConfig, batchSize: number): number {
  validateUNet3DConfig(config);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`estimateUNet3DMemory: batchSize must be an integer ≥ 1; got ${describeValue(batchSize)}`);
  return 4 * batchSize * activationValuesPerSample(config) * (1 + UNET3D_GRADIENT_FACTOR);
}

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

/** A plain-text summary: one line per level with its resolution, channels and parameters. */
export function describeUNet3D(config: UNet3DConfig): string {
  validateUNet3DConfig(config);
  const { inputDepth: dz, inputHeight: h, inputWidth: w, inputChannels: cIn, numClasses: k, depth: d } = config;
  const f = filtersOf(config);
  const fAt = (l: number): number => f[l] ?? 0;
  const size0Width = `${dz}×${h}×${w}`.length;
  const size = (l: number): string => `${dz / 2 ** l}×${h / 2 ** l}×${w / 2 ** l}`.padEnd(size0Width);
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const mib = (estimateUNet3DMemory(config, 1) / 2 ** 20).toFixed(1);
  const lines = [
    `3D U-Net ${dz}×${h}×${w}×${cIn} → ${dz}×${h}×${w}×${k} softmax, depth ${d}, filters ${f.join('·')}, seed ${config.seed}: ${fmt(countParameters3D(config))} parameters, ≈ ${mib} MiB of activations per sample in training`,
  ];
  for (let l = 0; l < d; l++) {
    const c = l === 0 ? cIn : fAt(l - 1);
    lines.push(`  enc${l}        ${size(l)}  2×[conv3×3×3 → IN → ReLU] ${c}→${fAt(l)}  (${fmt(blockParams(c, fAt(l)))}), max-pool 2×2×2`);
  }
  lines.push(`  bottleneck  ${size(d)}  2×[conv3×3×3 → IN → ReLU] ${fAt(d - 1)}→${fAt(d)}  (${fmt(blockParams(fAt(d - 1), fAt(d)))})`);
  for (let l = d - 1; l >= 0; l--) {
    const up = 8 * fAt(l + 1) * fAt(l) + fAt(l);
    lines.push(
      `  dec${l}        ${size(l)}  up-conv2×2×2 ${fAt(l + 1)}→${fAt(l)} (${fmt(up)}), concat enc${l} → ${2 * fAt(l)}, 2×[conv3×3×3 → IN → ReLU] →${fAt(l)}  (${fmt(blockParams(2 * fAt(l), fAt(l)))})`,
    );
  }
  lines.push(`  logits      ${size(0)}  conv1×1×1 ${fAt(0)}→${k} (${fmt(fAt(0) * k + k)}), softmax`);
  return lines.join('\n');
}
