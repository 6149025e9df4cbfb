/**
 * The 3D U-Net's specification without tfjs (./unet3d.ts builds the network): its configuration,
 * defaults and limits, validation, the analytic parameter count, the activation-memory estimate
 * and a plain-text summary. Tensor-free like ./spec.ts; the architecture is described in
 * ./unet3d.ts.
 */
import { describeValue, levelFilters, UNET_LAYER_NAMES, UNetConfigError, unetConfigIssues, unetParameterCount } from './spec';

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
  if (config === null || typeof config !== 'object') throw new UNetConfigError([`expected an object, got ${describeValue(config)}`]);
  const issues = unetConfigIssues(config, UNET3D_LIMITS, [
    ['inputDepth', config.inputDepth],
    ['inputHeight', config.inputHeight],
    ['inputWidth', config.inputWidth],
  ]);
  if (issues.length > 0) throw new UNetConfigError(issues);
}

/** Filters per level, F_l = baseFilters · 2^l for l = 0 … depth (spec.ts's levelFilters). */
export const filtersOf: (config: Pick<UNet3DConfig, 'depth' | 'baseFilters'>) => number[] = levelFilters;

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
  return unetParameterCount(3, config);
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
