/**
 * The 2D U-Net's specification without tfjs (./unet.ts builds the network): its configuration,
 * defaults and limits, validation with every problem named, the layer names other code looks up,
 * the analytic parameter count and a plain-text summary. Pages, the planner and the configuration
 * checks import this module; it loads no tensor library. The architecture is described in
 * ./unet.ts.
 */

export interface UNetConfig {
  /** Input height in pixels; a multiple of 2^depth. */
  inputHeight: number;
  /** Input width in pixels; a multiple of 2^depth. */
  inputWidth: number;
  /** Image channels (1 for grey, 3 for RGB, 4 for multi-modal MRI …), 1 … 64. */
  inputChannels: number;
  /** Output classes including background (channel 0), 2 … 256 (labels are 8-bit). */
  numClasses: number;
  /** Number of 2×2 pooling steps, 2 … 5; the network has depth + 1 resolution levels. */
  depth: number;
  /** Filters at the first level, 4 … 64; doubled at every level down. */
  baseFilters: number;
  /** Integer seed for the Glorot-uniform initialisation of every kernel. */
  seed: number;
}

/**
 * 128×128 grey-scale, two classes, four pooling steps (bottleneck 8×8), 16 base filters
 * (16·32·64·128·256): 1,942,306 parameters — a quarter of Ronneberger's filter counts, sized
 * to train in a browser.
 */
export const DEFAULT_UNET: Readonly<UNetConfig> = Object.freeze({
  inputHeight: 128,
  inputWidth: 128,
  inputChannels: 1,
  numClasses: 2,
  depth: 4,
  baseFilters: 16,
  seed: 42,
});

/** Valid ranges (inclusive) of the integer fields of {@link UNetConfig}. */
export const UNET_LIMITS = Object.freeze({
  depth: [2, 5],
  baseFilters: [4, 64],
  inputChannels: [1, 64],
  numClasses: [2, 256],
  inputSize: [1, 4096],
} as const);

/** Names of the layers other code may look up with model.getLayer(name). */
export const UNET_LAYER_NAMES = Object.freeze({
  /** The input layer; the model's single input. */
  input: 'image',
  /** The 1×1 convolution producing class scores before softmax. */
  logits: 'logits',
  /** The softmax activation; the model's single output. */
  output: 'softmax',
});

/** A config that fails validation; `issues` lists every problem found, one sentence each. */
export class UNetConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: string[]) {
    super(`Invalid U-Net config: ${issues.join('; ')}`);
    this.name = 'UNetConfigError';
    this.issues = issues;
  }
}

/** DEFAULT_UNET overridden by the given fields (not validated). */
export function resolveUNetConfig(partial: Partial<UNetConfig> = {}): UNetConfig {
  return { ...DEFAULT_UNET, ...partial };
}

/** A value as an error message quotes it. */
export function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Whether `value` is an integer in lo … hi; when not, the reason is pushed to `issues`. Shared by the 2D and 3D configs. */
export function checkInteger(issues: string[], name: string, value: unknown, lo: number, hi: number, why = ''): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    issues.push(`${name} must be an integer in ${lo} … ${hi}${why}; got ${describeValue(value)}`);
    return false;
  }
  if (value < lo || value > hi) {
    issues.push(`${name} = ${value} is outside ${lo} … ${hi}${why}`);
    return false;
  }
  return true;
}

/** The valid sizes (positive multiples of `step`) just below and above `size`. */
export function nearestMultiples(size: number, step: number): string {
  const below = Math.floor(size / step) * step;
  const above = below + step;
  return below > 0 ? `${below} or ${above}` : `${above}`;
}

/**
 * Throws a {@link UNetConfigError} naming every invalid field: integer ranges per
 * {@link UNET_LIMITS}, input sizes divisible by 2^depth (with the nearest valid sizes), a
 * bottleneck of at least two pixels (instance normalisation of a single pixel returns β alone,
 * so nothing would pass through it), and an integer seed.
 */
export function validateUNetConfig(config: UNetConfig): void {
  if (config === null || typeof config !== 'object') throw new UNetConfigError([`expected an object, got ${describeValue(config)}`]);
  const issues = unetConfigIssues(config, UNET_LIMITS, [
    ['inputHeight', config.inputHeight],
    ['inputWidth', config.inputWidth],
  ]);
  if (issues.length > 0) throw new UNetConfigError(issues);
}

/** Inclusive ranges of a U-Net's integer fields (UNET_LIMITS, spec3d.ts's UNET3D_LIMITS). */
export interface UNetLimits {
  readonly depth: readonly [number, number];
  readonly baseFilters: readonly [number, number];
  readonly inputChannels: readonly [number, number];
  readonly numClasses: readonly [number, number];
  readonly inputSize: readonly [number, number];
}

/**
 * Every problem of a 2D or 3D U-Net's configuration, one sentence each: the integer ranges of
 * `limits`, each input side (`sides`, named, in the order the bottleneck is written) divisible by
 * 2^depth with the nearest valid sizes, a bottleneck of at least two pixels or voxels, an integer
 * seed. Two sides are an image, three a volume.
 */
export function unetConfigIssues(
  config: Pick<UNetConfig, 'depth' | 'baseFilters' | 'inputChannels' | 'numClasses' | 'seed'>,
  limits: UNetLimits,
  sides: readonly (readonly [string, number])[],
): string[] {
  const issues: string[] = [];
  const [pool, thing, cell] = sides.length === 3 ? ['2×2×2', 'volume', 'voxel'] : ['2×2', 'image', 'pixel'];
  const depthOk = checkInteger(issues, 'depth', config.depth, ...limits.depth, ` (number of ${pool} pooling steps)`);
  checkInteger(issues, 'baseFilters', config.baseFilters, ...limits.baseFilters);
  checkInteger(issues, 'inputChannels', config.inputChannels, ...limits.inputChannels);
  checkInteger(issues, 'numClasses', config.numClasses, ...limits.numClasses, ' (background plus at least one foreground class)');
  const sizeOk = sides.map(([name, v]) => checkInteger(issues, name, v, ...limits.inputSize));
  if (depthOk) {
    const step = 2 ** config.depth;
    const divisible = sides.map(([name, v], i) => {
      if (!sizeOk[i]) return false;
      if (v % step === 0) return true;
      issues.push(
        `${name} = ${v} is not a multiple of 2^${config.depth} = ${step} (depth ${config.depth} halves the ${thing} ${config.depth} times); nearest valid ${name}: ${nearestMultiples(v, step)}`,
      );
      return false;
    });
    if (divisible.every(Boolean)) {
      const b = sides.map(([, v]) => v / step);
      if (b.reduce((p, q) => p * q, 1) < 2) {
        issues.push(`the bottleneck would be ${b.join('×')} at depth ${config.depth}: instance normalisation over a single ${cell} discards it; use a larger input or a smaller depth`);
      }
    }
  }
  if (typeof config.seed !== 'number' || !Number.isSafeInteger(config.seed)) {
    issues.push(`seed must be an integer; got ${describeValue(config.seed)}`);
  }
  return issues;
}

/** Filters per level, F_l = baseFilters · 2^l for l = 0 … depth. */
export function levelFilters(config: Pick<UNetConfig, 'depth' | 'baseFilters'>): number[] {
  return Array.from({ length: config.depth + 1 }, (_, l) => config.baseFilters * 2 ** l);
}

/** Parameters of one block, two bias-free 3×3 convolutions c → F → F and two (γ, β) pairs. */
function blockParams(cIn: number, filters: number): number {
  return 9 * cIn * filters + 9 * filters * filters + 4 * filters;
}

/**
 * Trainable parameters, computed analytically (validated first). With F_l = b·2^l, C_in input
 * channels and K classes:
 *
 *   block(c → F)  = 9·c·F + 9·F·F + 2·(2F)          two bias-free 3×3 convs, two (γ, β) pairs
 *   encoder       = block(C_in → F_0) + Σ_{l=1}^{d} block(F_{l−1} → F_l)   (l = d: bottleneck)
 *   decoder       = Σ_{l=0}^{d−1} [ 4·F_{l+1}·F_l + F_l  +  block(2F_l → F_l) ]
 *                   2×2 transposed conv with bias, then the block after the concatenation
 *   head          = F_0·K + K                     1×1 conv with bias
 *
 * e.g. 32×32, depth 2, base 4, C_in 1, K 2: 196 + 896 + 3520 + 2280 + 580 + 10 = 7,482.
 * The spatial size does not enter: convolution weights are shared over positions.
 */
export function countParameters(config: UNetConfig): number {
  validateUNetConfig(config);
  return unetParameterCount(2, config);
}

/**
 * Trainable parameters of the studio's 2D (dims 2) or 3D (dims 3) U-Net, the arithmetic of
 * countParameters and spec3d.ts's countParameters3D without validation (the planner sizes plans
 * with it): per level a block of two bias-free 3^dims convolutions and two (γ, β) pairs, per
 * decoder level a 2^dims up-convolution with bias, and the 1×1 logits convolution with bias.
 */
export function unetParameterCount(dims: 2 | 3, c: Pick<UNetConfig, 'depth' | 'baseFilters' | 'inputChannels' | 'numClasses'>): number {
  const k = 3 ** dims;
  const up = 2 ** dims;
  const F = (l: number) => c.baseFilters * 2 ** l;
  const block = (cin: number, f: number) => k * cin * f + k * f * f + 4 * f;
  let total = 0;
  for (let l = 0; l <= c.depth; l++) total += block(l === 0 ? c.inputChannels : F(l - 1), F(l));
  for (let l = 0; l < c.depth; l++) total += up * F(l + 1) * F(l) + F(l) + block(2 * F(l), F(l));
  return total + F(0) * c.numClasses + c.numClasses;
}

/** A plain-text summary: one line per level with its resolution, channels and parameters. */
export function describeUNet(config: UNetConfig): string {
  validateUNetConfig(config);
  const { inputHeight: h, inputWidth: w, inputChannels: cIn, numClasses: k, depth: d } = config;
  const f = levelFilters(config);
  const fAt = (l: number): number => f[l] ?? 0;
  const size0Width = `${h}×${w}`.length;
  const size = (l: number): string => `${h / 2 ** l}×${w / 2 ** l}`.padEnd(size0Width);
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const lines = [
    `U-Net ${h}×${w}×${cIn} → ${h}×${w}×${k} softmax, depth ${d}, filters ${f.join('·')}, seed ${config.seed}: ${fmt(countParameters(config))} parameters`,
  ];
  for (let l = 0; l < d; l++) {
    const c = l === 0 ? cIn : fAt(l - 1);
    lines.push(`  enc${l}        ${size(l)}  2×[conv3×3 → IN → ReLU] ${c}→${fAt(l)}  (${fmt(blockParams(c, fAt(l)))}), max-pool 2×2`);
  }
  lines.push(`  bottleneck  ${size(d)}  2×[conv3×3 → IN → ReLU] ${fAt(d - 1)}→${fAt(d)}  (${fmt(blockParams(fAt(d - 1), fAt(d)))})`);
  for (let l = d - 1; l >= 0; l--) {
    const up = 4 * fAt(l + 1) * fAt(l) + fAt(l);
    lines.push(
      `  dec${l}        ${size(l)}  up-conv2×2 ${fAt(l + 1)}→${fAt(l)} (${fmt(up)}), concat enc${l} → ${2 * fAt(l)}, 2×[conv3×3 → IN → ReLU] →${fAt(l)}  (${fmt(blockParams(2 * fAt(l), fAt(l)))})`,
    );
  }
  lines.push(`  logits      ${size(0)}  conv1×1 ${fAt(0)}→${k} (${fmt(fAt(0) * k + k)}), softmax`);
  return lines.join('\n');
}
