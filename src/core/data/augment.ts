/**
 * Seeded 2D data augmentation following Yeung et al. 2022 ("Unified Focal loss", Comput. Med.
 * Imaging Graph. 95:102026): random scaling (0.85–1.25), rotation (±15°), mirroring, elastic
 * deformation and brightness multiplication (0.5–2), each applied independently with
 * probability 0.15. How parameters are drawn and pixels sampled follows batchgenerators'
 * SpatialTransform as used by nnU-Net (Isensee et al. 2021, Nat. Methods 18:203–211):
 *
 * - Geometry is one inverse mapping. With c = ((W−1)/2, (H−1)/2) the image centre, output pixel
 *   p samples the input at
 *     q = c + (1/s) · R(−θ) · M · (p − c + d(p)),
 *   s the zoom factor (s > 1 enlarges the content), R(θ) the rotation by θ (positive = clockwise
 *   on screen, where y points down), M = diag(±1, ±1) the mirroring, d the elastic displacement
 *   field. The image is interpolated bilinearly with 0 outside the image (after the z-score: the
 *   mean); labels and roi take the nearest pixel (⌊q + ½⌋), 0 (background / outside) outside.
 *   Image and masks therefore move together, and no label value is invented.
 * - Elastic deformation (Simard et al. 2003, ICDAR, "Best practices for convolutional neural
 *   networks applied to visual document analysis"; batchgenerators' elastic_deform_coordinates):
 *   d = α · (G_σ ∗ U), U i.i.d. uniform in [−1, 1] per pixel and axis, G_σ a normalised Gaussian
 *   (truncated at 4σ, zero outside the image as scipy's gaussian_filter mode 'constant').
 *   The displacement standard deviation away from the border is ≈ α / (σ·√(12π)) ≈ 0.163·α/σ
 *   pixels; with the defaults α ∈ [0, 200], σ ∈ [9, 13] (nnU-Net's default_2D_augmentation_params
 *   elastic_deform_alpha / elastic_deform_sigma) it is at most ≈ 3.6 px.
 * - Brightness: x ↦ b·x for the whole image, b uniform in [0.5, 2].
 *
 * Every transform draws from its own fork of the sample's stream (rng.fork('scale'), …), so
 * turning one transform off or changing its range leaves the others' draws unchanged.
 */
import { createRng, type Rng } from './rng';
import { checkSample } from './resize';
import type { Sample2D } from './types';

/** Ranges and probabilities of the augmentation. Probabilities are per sample and per transform. */
export interface AugmentationConfig {
  readonly scale: { readonly probability: number; readonly range: readonly [number, number] };
  /** Angle uniform in [−maxDegrees, maxDegrees]. */
  readonly rotation: { readonly probability: number; readonly maxDegrees: number };
  /** Each enabled axis is mirrored with `probability`, independently. */
  readonly mirror: { readonly probability: number; readonly horizontal: boolean; readonly vertical: boolean };
  /** α and σ in pixels, each drawn uniformly from its range. */
  readonly elastic: { readonly probability: number; readonly alpha: readonly [number, number]; readonly sigma: readonly [number, number] };
  readonly brightness: { readonly probability: number; readonly range: readonly [number, number] };
}

/** The paper's augmentation: every transform with probability 0.15. */
export const DEFAULT_AUGMENTATION: AugmentationConfig = deepFreeze({
  scale: { probability: 0.15, range: [0.85, 1.25] },
  rotation: { probability: 0.15, maxDegrees: 15 },
  mirror: { probability: 0.15, horizontal: true, vertical: false },
  elastic: { probability: 0.15, alpha: [0, 200], sigma: [9, 13] },
  brightness: { probability: 0.15, range: [0.5, 2] },
});

/** No augmentation at all (every probability 0). */
export const NO_AUGMENTATION: AugmentationConfig = deepFreeze({
  ...DEFAULT_AUGMENTATION,
  scale: { ...DEFAULT_AUGMENTATION.scale, probability: 0 },
  rotation: { ...DEFAULT_AUGMENTATION.rotation, probability: 0 },
  mirror: { ...DEFAULT_AUGMENTATION.mirror, probability: 0 },
  elastic: { ...DEFAULT_AUGMENTATION.elastic, probability: 0 },
  brightness: { ...DEFAULT_AUGMENTATION.brightness, probability: 0 },
});

/** What was applied to one sample; absent / false entries were not applied. Replayable by {@link applyAugmentation}. */
export interface AppliedAugmentation {
  /** Zoom factor s. */
  scale?: number;
  /** Rotation angle in degrees (positive = clockwise on screen). */
  rotationDegrees?: number;
  mirrorHorizontal: boolean;
  mirrorVertical: boolean;
  /** Elastic deformation: α, σ and the 32-bit seed of its displacement field. */
  elastic?: { alpha: number; sigma: number; seed: number };
  /** Brightness factor b. */
  brightness?: number;
}

/** Problems with a configuration, in words; empty when it is valid. */
export function validateAugmentation(config: AugmentationConfig): string[] {
  const problems: string[] = [];
  const prob = (name: string, p: number) => {
    if (!(Number.isFinite(p) && p >= 0 && p <= 1)) problems.push(`${name}.probability must be in [0, 1], got ${p}`);
  };
  const range = (name: string, r: readonly [number, number], min: number, strictMin: boolean) => {
    const [lo, hi] = r;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) problems.push(`${name} must be finite with lo ≤ hi, got [${lo}, ${hi}]`);
    else if (strictMin ? !(lo > min) : !(lo >= min)) problems.push(`${name} must be ${strictMin ? '>' : '≥'} ${min}, got [${lo}, ${hi}]`);
  };
  prob('scale', config.scale.probability);
  range('scale.range', config.scale.range, 0, true);
  prob('rotation', config.rotation.probability);
  const m = config.rotation.maxDegrees;
  if (!(Number.isFinite(m) && m >= 0 && m <= 180)) problems.push(`rotation.maxDegrees must be in [0, 180], got ${m}`);
  prob('mirror', config.mirror.probability);
  prob('elastic', config.elastic.probability);
  range('elastic.alpha', config.elastic.alpha, 0, false);
  range('elastic.sigma', config.elastic.sigma, 0, true);
  prob('brightness', config.brightness.probability);
  range('brightness.range', config.brightness.range, 0, false);
  return problems;
}

/**
 * The stream for sample `index` in `epoch` of a run seeded with `seed`: independent of the
 * order in which samples are visited.
 */
export function augmentationRng(seed: number | string, epoch: number, index: number): Rng {
  return createRng(seed).fork(`augment epoch ${epoch}`).fork(`sample ${index}`);
}

/** Draw which transforms apply and their parameters (each from its own fork of `rng`). */
export function drawAugmentation(rng: Rng, config: AugmentationConfig = DEFAULT_AUGMENTATION): AppliedAugmentation {
  const problems = validateAugmentation(config);
  if (problems.length > 0) throw new RangeError(`invalid augmentation config: ${problems.join('; ')}`);
  const out: AppliedAugmentation = { mirrorHorizontal: false, mirrorVertical: false };

  const rs = rng.fork('scale');
  if (rs.bernoulli(config.scale.probability)) out.scale = rs.uniform(config.scale.range[0], config.scale.range[1]);

  const rr = rng.fork('rotation');
  if (rr.bernoulli(config.rotation.probability)) out.rotationDegrees = rr.uniform(-config.rotation.maxDegrees, config.rotation.maxDegrees);

  const rm = rng.fork('mirror');
  const mx = rm.bernoulli(config.mirror.probability);
  const my = rm.bernoulli(config.mirror.probability);
  out.mirrorHorizontal = config.mirror.horizontal && mx;
  out.mirrorVertical = config.mirror.vertical && my;

  const re = rng.fork('elastic');
  if (re.bernoulli(config.elastic.probability)) {
    const alpha = re.uniform(config.elastic.alpha[0], config.elastic.alpha[1]);
    const sigma = re.uniform(config.elastic.sigma[0], config.elastic.sigma[1]);
    out.elastic = { alpha, sigma, seed: Math.floor(re.next() * 4294967296) };
  }

  const rb = rng.fork('brightness');
  if (rb.bernoulli(config.brightness.probability)) out.brightness = rb.uniform(config.brightness.range[0], config.brightness.range[1]);
  return out;
}

/** Whether the parameters move pixels (scale, rotation, mirroring or elastic deformation). */
export function isGeometric(a: AppliedAugmentation): boolean {
  return a.scale !== undefined || a.rotationDegrees !== undefined || a.mirrorHorizontal || a.mirrorVertical || a.elastic !== undefined;
}

/** Apply drawn (or hand-made) parameters to a sample; returns a new sample, the input is unchanged. */
export function applyAugmentation(sample: Sample2D, a: AppliedAugmentation): Sample2D {
  checkSample(sample);
  if (a.scale !== undefined && !(Number.isFinite(a.scale) && a.scale > 0)) throw new RangeError(`scale must be > 0, got ${a.scale}`);
  if (a.rotationDegrees !== undefined && !Number.isFinite(a.rotationDegrees)) throw new RangeError(`rotation must be finite, got ${a.rotationDegrees}`);
  if (a.brightness !== undefined && !Number.isFinite(a.brightness)) throw new RangeError(`brightness must be finite, got ${a.brightness}`);
  if (a.elastic && !(Number.isFinite(a.elastic.alpha) && a.elastic.sigma > 0 && Number.isFinite(a.elastic.sigma))) {
    throw new RangeError(`elastic needs finite α and σ > 0, got α ${a.elastic.alpha}, σ ${a.elastic.sigma}`);
  }
  const out: Sample2D = isGeometric(a)
    ? warp(sample, a)
    : {
        width: sample.width,
        height: sample.height,
        channels: sample.channels,
        image: sample.image.slice(),
        labels: sample.labels.slice(),
        ...(sample.roi ? { roi: sample.roi.slice() } : {}),
      };
  if (a.brightness !== undefined) {
    const b = a.brightness;
    const img = out.image;
    for (let i = 0; i < img.length; i++) img[i] = img[i]! * b;
  }
  return out;
}

/** Draw and apply: the augmented sample and the record of what was applied. */
export function augment(
  sample: Sample2D,
  rng: Rng,
  config: AugmentationConfig = DEFAULT_AUGMENTATION,
): { sample: Sample2D; applied: AppliedAugmentation } {
  const applied = drawAugmentation(rng, config);
  return { sample: applyAugmentation(sample, applied), applied };
}

/**
 * Simard et al.'s elastic displacement field for a width × height image:
 * d_x = α·(G_σ ∗ U_x), d_y = α·(G_σ ∗ U_y), U uniform in [−1, 1], drawn from `seed`.
 */
export function elasticField(width: number, height: number, alpha: number, sigma: number, seed: number): { dx: Float32Array; dy: Float32Array } {
  const rng = createRng(seed);
  const n = width * height;
  const ux = new Float32Array(n);
  const uy = new Float32Array(n);
  for (let i = 0; i < n; i++) ux[i] = rng.uniform(-1, 1);
  for (let i = 0; i < n; i++) uy[i] = rng.uniform(-1, 1);
  const kernel = gaussianKernel(sigma);
  const dx = blur2d(ux, width, height, kernel);
  const dy = blur2d(uy, width, height, kernel);
  for (let i = 0; i < n; i++) {
    dx[i] = dx[i]! * alpha;
    dy[i] = dy[i]! * alpha;
  }
  return { dx, dy };
}

function warp(sample: Sample2D, a: AppliedAugmentation): Sample2D {
  const { width: w, height: h, channels } = sample;
  const n = w * h;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const theta = ((a.rotationDegrees ?? 0) * Math.PI) / 180;
  const inv = 1 / (a.scale ?? 1);
  const cos = Math.cos(theta) * inv;
  const sin = Math.sin(theta) * inv;
  const mx = a.mirrorHorizontal ? -1 : 1;
  const my = a.mirrorVertical ? -1 : 1;
  // q − c = (1/s)·R(−θ)·(M·(p − c + d)),  R(−θ) = [[cos θ, sin θ], [−sin θ, cos θ]]
  const a11 = cos * mx;
  const a12 = sin * my;
  const a21 = -sin * mx;
  const a22 = cos * my;
  const field = a.elastic ? elasticField(w, h, a.elastic.alpha, a.elastic.sigma, a.elastic.seed) : undefined;

  const image = new Float32Array(n * channels);
  const labels = new Uint8Array(n);
  const roi = sample.roi ? new Uint8Array(n) : undefined;
  const src = sample.image;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      let u = x - cx;
      let v = y - cy;
      if (field) {
        u += field.dx[p]!;
        v += field.dy[p]!;
      }
      const sx = cx + a11 * u + a12 * v;
      const sy = cy + a21 * u + a22 * v;

      // nearest neighbour for labels and roi
      const nx = Math.floor(sx + 0.5);
      const ny = Math.floor(sy + 0.5);
      if (nx >= 0 && nx < w && ny >= 0 && ny < h) {
        const q = ny * w + nx;
        labels[p] = sample.labels[q]!;
        if (roi) roi[p] = sample.roi![q]!;
      }

      // bilinear for the image, zero outside
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || x0 >= w || y0 < -1 || y0 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < w;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < h;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o = p * channels;
      const i00 = (y0 * w + x0) * channels;
      const i10 = i00 + channels;
      const i01 = i00 + w * channels;
      const i11 = i01 + channels;
      for (let c = 0; c < channels; c++) {
        let val = 0;
        if (inY0 && inX0) val += w00 * src[i00 + c]!;
        if (inY0 && inX1) val += w10 * src[i10 + c]!;
        if (inY1 && inX0) val += w01 * src[i01 + c]!;
        if (inY1 && inX1) val += w11 * src[i11 + c]!;
        image[o + c] = val;
      }
    }
  }
  const out: Sample2D = { width: w, height: h, channels, image, labels };
  if (roi) out.roi = roi;
  return out;
}

/** Normalised 1D Gaussian, radius ⌈4σ⌉ (scipy.ndimage's default truncate = 4); the 2-D and 3-D elastic fields use it. */
export function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(4 * sigma));
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  return k;
}

/** Separable convolution with zero ("constant", cval 0) boundary. */
function blur2d(data: Float32Array, w: number, h: number, k: Float64Array): Float32Array {
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      const lo = Math.max(0, x - r);
      const hi = Math.min(w - 1, x + r);
      for (let t = lo; t <= hi; t++) s += k[t - x + r]! * data[row + t]!;
      tmp[row + x] = s;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(h - 1, y + r);
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = lo; t <= hi; t++) s += k[t - y + r]! * tmp[t * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
