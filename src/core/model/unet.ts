/**
 * A 2D U-Net for channels-last images (Ronneberger, Fischer & Brox 2015, "U-Net: Convolutional
 * Networks for Biomedical Image Segmentation", MICCAI, Fig. 1) with instance normalisation
 * after every 3×3 convolution: the network on which this project compares the losses of the
 * Unified Focal loss paper (Yeung, Sala, Schönlieb & Rundo 2022, Computerized Medical Imaging
 * and Graphics 95:102026).
 *
 * Filters per level: F_l = baseFilters · 2^l, l = 0 … depth (level `depth` is the bottleneck).
 * Every "block" is two rounds of [3×3 conv (same padding, no bias) → InstanceNorm → ReLU].
 *
 *   image [B, H, W, C_in]
 *   encoder, l = 0 … depth−1:   enc{l}: block → F_l channels at H/2^l × W/2^l
 *                               enc{l}_pool: 2×2 max-pool, stride 2
 *   bottleneck:                 block → F_depth channels at H/2^depth × W/2^depth
 *   decoder, l = depth−1 … 0:   dec{l}_up: 2×2 transposed conv, stride 2, F_{l+1} → F_l (with bias,
 *                                          no norm or activation: Ronneberger's "up-convolution")
 *                               dec{l}_concat: [enc{l} output, dec{l}_up] → 2·F_l channels (skip)
 *                               dec{l}: block 2·F_l → F_l
 *   logits: 1×1 conv F_0 → numClasses (with bias); softmax over the channel axis
 *
 * Differences from Ronneberger et al. 2015, all standard in current practice (e.g. nnU-Net,
 * Isensee et al. 2021): 'same' padding, so output size = input size and the skip connections
 * need no cropping (hence the input must be divisible by 2^depth); instance normalisation
 * (./instanceNorm.ts); the 3×3 convolutions carry no bias because the instance normalisation
 * that follows subtracts the per-channel mean, which cancels any constant bias exactly (its
 * gradient would be identically zero); the pixel-wise softmax, which Ronneberger et al. put in
 * the loss, is the model's last layer, with the logits still reachable as the layer 'logits'.
 *
 * Initialisation: every kernel is Glorot (Xavier) uniform (Glorot & Bengio 2010),
 * U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out))), fan = channels × kernel area; biases
 * are zero, γ = 1, β = 0. The seed of a layer is deriveSeed(seed, layerName) (FNV-1a hash of the
 * name mixed with the config seed by MurmurHash3's finaliser, ../data/rng.ts), so one config seed
 * fixes every initial weight and no two layers share a random stream.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, toSeed } from '../data/rng';
import { instanceNormalization } from './instanceNorm';
import { levelFilters, UNET_LAYER_NAMES, validateUNetConfig, type UNetConfig } from './spec';

export * from './spec';

/** Seeded Glorot-uniform initialiser of one layer's kernel. */
function kernelInit(seed: number, layerName: string): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: deriveSeed(seed, layerName) });
}

/** [3×3 conv (no bias) → InstanceNorm → ReLU] × 2, layers named `${prefix}_conv1` … `${prefix}_relu2`. */
function convBlock(x: tf.SymbolicTensor, filters: number, prefix: string, seed: number): tf.SymbolicTensor {
  let y = x;
  for (const i of [1, 2]) {
    const convName = `${prefix}_conv${i}`;
    y = tf.layers
      .conv2d({
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
 * Builds the U-Net described at the top of this file: input [B, H, W, C_in] named 'image',
 * output [B, H, W, numClasses] softmax probabilities named 'softmax'. Not compiled: the
 * training loop supplies its own loss and optimiser. Building twice with the same config gives
 * identical initial weights.
 */
export function buildUNet(config: UNetConfig): tf.LayersModel {
  validateUNetConfig(config);
  const seed = toSeed(config.seed);
  const f = levelFilters(config);
  const fAt = (l: number): number => f[l] ?? 0;

  const input = tf.input({ name: UNET_LAYER_NAMES.input, shape: [config.inputHeight, config.inputWidth, config.inputChannels] });
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let l = 0; l < config.depth; l++) {
    x = convBlock(x, fAt(l), `enc${l}`, seed);
    skips.push(x);
    x = tf.layers.maxPooling2d({ name: `enc${l}_pool`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = convBlock(x, fAt(config.depth), 'bottleneck', seed);
  for (let l = config.depth - 1; l >= 0; l--) {
    const upName = `dec${l}_up`;
    const up = tf.layers
      .conv2dTranspose({
        name: upName,
        filters: fAt(l),
        kernelSize: 2,
        strides: 2,
        padding: 'same',
        useBias: true,
        kernelInitializer: kernelInit(seed, upName),
      })
      .apply(x) as tf.SymbolicTensor;
    const skip = skips[l];
    if (skip === undefined) throw new Error(`buildUNet: missing skip connection for level ${l}`);
    const merged = tf.layers.concatenate({ name: `dec${l}_concat`, axis: -1 }).apply([skip, up]) as tf.SymbolicTensor;
    x = convBlock(merged, fAt(l), `dec${l}`, seed);
  }
  const logits = tf.layers
    .conv2d({
      name: UNET_LAYER_NAMES.logits,
      filters: config.numClasses,
      kernelSize: 1,
      padding: 'same',
      useBias: true,
      kernelInitializer: kernelInit(seed, UNET_LAYER_NAMES.logits),
    })
    .apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ name: UNET_LAYER_NAMES.output, activation: 'softmax' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ name: 'unet', inputs: input, outputs: probs });
}
