/**
 * Seeded 3-D data augmentation: the transforms of data/augment.ts (Yeung et al. 2022, "Unified
 * Focal loss", Comput. Med. Imaging Graph. 95:102026: scaling 0.85–1.25, rotation ±15°,
 * mirroring, elastic deformation, brightness 0.5–2, each with probability 0.15) for volumes,
 * from the same {@link AugmentationConfig}, following batchgenerators' SpatialTransform and
 * MirrorTransform as nnU-Net applies them to 3-D patches (Isensee et al. 2021, Nat. Methods
 * 18:203–211).
 *
 * Geometry is one inverse mapping from the voxels of the output patch to coordinates in the
 * whole source volume. The output patch is the transform's output grid: with c = ((P_x−1)/2,
 * (P_y−1)/2, (P_z−1)/2) the patch centre and C = o + c the centre of the patch chosen in the
 * volume (origin o, e.g. by the foreground-oversampling rule of data/patches.ts), output voxel
 * p = (x, y, z) samples the volume at
 *     q = C + R · S · M · (p − c + d(p)),
 * so rotation and zoom take content from around the patch (as nnU-Net's SpatialTransform does,
 * which crops its output from the whole case) and bring in no empty corners where the volume
 * extends.
 *   - M = diag(±1, ±1, ±1): mirroring, each axis (x, y, z) independently with the
 *     configuration's mirror probability (nnU-Net mirrors every spatial axis of a 3-D patch; the
 *     2-D switches `horizontal` and `vertical` are not consulted).
 *   - S = diag(1/s, 1/s, 1/s): one isotropic zoom factor s from the scale range (s > 1 enlarges
 *     the content, as in 2-D).
 *   - R = R_x(α_x)·R_y(α_y)·R_z(α_z), with R_x(a) = [[1,0,0],[0,cos a,−sin a],[0,sin a,cos a]],
 *     R_y(a) = [[cos a,0,sin a],[0,1,0],[−sin a,0,cos a]], R_z(a) = [[cos a,−sin a,0],
 *     [sin a,cos a,0],[0,0,1]] in (x, y, z) voxel coordinates; with the rotation probability
 *     the three angles are drawn independently, each uniform in [−maxDegrees, maxDegrees]
 *     (batchgenerators' angle_x/y/z with p_rot_per_axis 1, nnU-Net's default). Multiples of
 *     90° use exact cosines and sines (0, ±1), so quarter turns permute voxels exactly.
 *   - d: the elastic displacement (Simard et al. 2003; batchgenerators'
 *     elastic_deform_coordinates): three fields d_a = α·(G_σ ∗ U_a), U_a i.i.d. uniform in
 *     [−1, 1] per voxel, G_σ a normalised 3-D Gaussian applied separably (radius ⌈4σ⌉, zero
 *     outside the patch, scipy's gaussian_filter mode 'constant'), as data/augment.ts's
 *     elasticField in 2-D. α and σ are voxels. The configuration's α is the 2-D one (nnU-Net's
 *     default_2D_augmentation_params: 0–200); in 3-D it is multiplied by
 *     {@link ELASTIC_ALPHA_3D_FACTOR} = 4.5, the ratio of nnU-Net's 3-D to 2-D
 *     elastic_deform_alpha (0–900 against 0–200), because a 3-D Gaussian averages more noise:
 *     the displacement standard deviation away from the border is α/(√3·(2σ√π)^{3/2}), with
 *     α ≤ 900 and σ ≥ 9 at most ≈ 2.9 voxels (2-D: ≈ 3.6 pixels).
 * Sampling: the image trilinearly with 0 outside the volume (after the z-score: the mean),
 * labels and roi at the nearest voxel (⌊q + ½⌋ per axis) with 0 (background / outside) outside,
 * so image and masks move together and no label value is invented. Brightness: the image is
 * multiplied by b, uniform in the brightness range. Without zoom, rotation, mirroring or elastic
 * deformation the patch is cut as data/volume3d.ts extractPatch3D cuts it, bit for bit.
 *
 * Anisotropic voxels: the transforms act on voxel coordinates, as batchgenerators' do. nnU-Net
 * rotates and deforms in 3-D only where the data is roughly isotropic; for strongly anisotropic
 * data it does "dummy 2-D" augmentation (each slice deformed, rotated and zoomed in-plane the
 * same way; its threshold 3). The rule here, per volume, from the spacing of the grid it is
 * trained on (the target spacing of training/volumes.ts after resampling, else the case's own):
 * when max/min spacing > {@link ANISOTROPY_THRESHOLD} = 3, the axis of the largest spacing is held
 * fixed: rotation only about it (its own angle; the other two are 0), zoom only in the plane
 * across it, and the elastic field of data/augment.ts elasticField in that plane, with the 2-D α
 * (unscaled) and the same displacement for every slice; mirroring stays per axis. Spacing
 * ratios ≤ 3 (BraTS' 1 mm isotropic; KiTS19's 1.62 × 1.62 × 3.22 mm, ratio 1.99) and volumes
 * without a spacing get the full 3-D transform.
 *
 * Every transform draws from its own fork of the sample's stream (rng.fork('scale'),
 * 'rotation', 'mirror', 'elastic', 'brightness', as in 2-D), so turning one off or changing its
 * range leaves the others' draws unchanged; the mirror fork draws x, y, z in that order.
 */
import { DEFAULT_AUGMENTATION, elasticField, gaussianKernel, validateAugmentation, type AugmentationConfig } from './augment';
import { createRng, type Rng } from './rng';
import { checkSample3D, extractPatch3D, toSize3D, type Sample3D, type Size3D, type Spacing3D } from './volume3d';

/** Spacing ratio (max/min) above which the largest-spacing axis is held fixed ("dummy 2-D", nnU-Net's threshold 3). */
export const ANISOTROPY_THRESHOLD = 3;

/** The configuration's (2-D) elastic α is multiplied by this in 3-D: nnU-Net's 3-D ÷ 2-D elastic_deform_alpha, 900 / 200. */
export const ELASTIC_ALPHA_3D_FACTOR = 4.5;

/** An axis of a volume: 0 = x (width), 1 = y (height), 2 = z (depth). */
export type Axis3D = 0 | 1 | 2;

/** What was applied to one patch; absent / false entries were not applied. Replayable by {@link augmentPatch3D}. */
export interface AppliedAugmentation3D {
  /** The axis held fixed (in-plane "dummy 2-D" augmentation); absent: full 3-D. */
  fixedAxis?: Axis3D;
  /** Zoom factor s (on every axis but the fixed one). */
  scale?: number;
  /** Angles in degrees about x, y and z (R = R_x·R_y·R_z, see the file header). */
  rotationDegrees?: readonly [number, number, number];
  mirror: { x: boolean; y: boolean; z: boolean };
  /** Elastic deformation: α (voxels, as applied), σ (voxels) and the 32-bit seed of its field. */
  elastic?: { alpha: number; sigma: number; seed: number };
  /** Brightness factor b. */
  brightness?: number;
}

/** Nothing applied: the plain patch. */
export const NO_AUGMENTATION_3D: AppliedAugmentation3D = Object.freeze({ mirror: Object.freeze({ x: false, y: false, z: false }) });

/** The axis to hold fixed for a grid of this spacing ([x, y, z]), or undefined for full 3-D (see the file header). */
export function fixedAxisForSpacing(spacing: Spacing3D | undefined): Axis3D | undefined {
  if (!spacing) return undefined;
  const [sx, sy, sz] = spacing;
  if (![sx, sy, sz].every((v) => Number.isFinite(v) && v > 0)) throw new RangeError(`spacing must be positive and finite, got [${sx}, ${sy}, ${sz}]`);
  const max = Math.max(sx, sy, sz);
  if (!(max / Math.min(sx, sy, sz) > ANISOTROPY_THRESHOLD)) return undefined;
  return sz === max ? 2 : sy === max ? 1 : 0;
}

/**
 * Draw which transforms apply and their parameters (each from its own fork of `rng`); with a
 * `spacing` whose max/min exceeds {@link ANISOTROPY_THRESHOLD}, the in-plane variant.
 */
export function drawAugmentation3D(rng: Rng, config: AugmentationConfig = DEFAULT_AUGMENTATION, opts: { spacing?: Spacing3D } = {}): AppliedAugmentation3D {
  const problems = validateAugmentation(config);
  if (problems.length > 0) throw new RangeError(`invalid augmentation config: ${problems.join('; ')}`);
  const fixed = fixedAxisForSpacing(opts.spacing);
  const out: AppliedAugmentation3D = { mirror: { x: false, y: false, z: false } };
  if (fixed !== undefined) out.fixedAxis = fixed;

  const rs = rng.fork('scale');
  if (rs.bernoulli(config.scale.probability)) out.scale = rs.uniform(config.scale.range[0], config.scale.range[1]);

  const rr = rng.fork('rotation');
  if (rr.bernoulli(config.rotation.probability)) {
    const m = config.rotation.maxDegrees;
    const angles: [number, number, number] = [rr.uniform(-m, m), rr.uniform(-m, m), rr.uniform(-m, m)];
    if (fixed !== undefined) for (const a of [0, 1, 2] as const) if (a !== fixed) angles[a] = 0;
    out.rotationDegrees = angles;
  }

  const rm = rng.fork('mirror');
  const p = config.mirror.probability;
  out.mirror = { x: rm.bernoulli(p), y: rm.bernoulli(p), z: rm.bernoulli(p) };

  const re = rng.fork('elastic');
  if (re.bernoulli(config.elastic.probability)) {
    const alpha = re.uniform(config.elastic.alpha[0], config.elastic.alpha[1]);
    const sigma = re.uniform(config.elastic.sigma[0], config.elastic.sigma[1]);
    out.elastic = { alpha: fixed === undefined ? alpha * ELASTIC_ALPHA_3D_FACTOR : alpha, sigma, seed: Math.floor(re.next() * 4294967296) };
  }

  const rb = rng.fork('brightness');
  if (rb.bernoulli(config.brightness.probability)) out.brightness = rb.uniform(config.brightness.range[0], config.brightness.range[1]);
  return out;
}

/** Whether the parameters move voxels (zoom, rotation, mirroring or elastic deformation). */
export function isGeometric3D(a: AppliedAugmentation3D): boolean {
  return a.scale !== undefined || a.rotationDegrees !== undefined || a.mirror.x || a.mirror.y || a.mirror.z || a.elastic !== undefined;
}

/**
 * The augmented patch of size `patch` whose untransformed origin in `volume` is `origin`
 * ([x, y, z]; it may reach past the borders), sampled from the whole volume by the mapping of
 * the file header. The volume is unchanged.
 */
export function augmentPatch3D(volume: Sample3D, origin: readonly [number, number, number], patch: Size3D, a: AppliedAugmentation3D): Sample3D {
  checkSample3D(volume);
  const P = toSize3D(patch);
  checkApplied(a);
  if (!origin.every((v) => Number.isInteger(v))) throw new RangeError(`patch origin must be integers, got [${origin.join(', ')}]`);
  const out = isGeometric3D(a) ? warp(volume, origin, P, a) : extractPatch3D(volume, origin[0], origin[1], origin[2], P);
  if (a.brightness !== undefined) {
    const b = a.brightness;
    const img = out.image;
    for (let i = 0; i < img.length; i++) img[i] = img[i]! * b;
  }
  return out;
}

/** Apply drawn (or hand-made) parameters to a whole sample (the output grid is the sample's own); returns a new sample. */
export function applyAugmentation3D(sample: Sample3D, a: AppliedAugmentation3D): Sample3D {
  return augmentPatch3D(sample, [0, 0, 0], sample, a);
}

/** Draw and apply to a whole sample: the augmented sample and the record of what was applied. */
export function augment3D(
  sample: Sample3D,
  rng: Rng,
  config: AugmentationConfig = DEFAULT_AUGMENTATION,
  opts: { spacing?: Spacing3D } = {},
): { sample: Sample3D; applied: AppliedAugmentation3D } {
  const applied = drawAugmentation3D(rng, config, opts);
  return { sample: applyAugmentation3D(sample, applied), applied };
}

/**
 * The elastic displacement field of a patch, layout (z·H + y)·W + x: d_a = α·(G_σ ∗ U_a) for
 * a = x, y, z, U_a uniform in [−1, 1] drawn from `seed` (all of U_x, then U_y, then U_z). With
 * `fixedAxis`, data/augment.ts's 2-D elasticField of the plane across that axis (its first
 * component along the plane's faster axis), the same for every slice, and 0 along the axis.
 */
export function elasticField3D(patch: Size3D, alpha: number, sigma: number, seed: number, fixedAxis?: Axis3D): { dx: Float32Array; dy: Float32Array; dz: Float32Array } {
  const { width: W, height: H, depth: D } = toSize3D(patch);
  const n = W * H * D;
  if (fixedAxis !== undefined) {
    const d = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
    const dims = [W, H, D];
    const [a, b] = ([0, 1, 2] as const).filter((k) => k !== fixedAxis) as [Axis3D, Axis3D];
    const f = elasticField(dims[a]!, dims[b]!, alpha, sigma, seed);
    const da = d[a];
    const db = d[b];
    const c = [0, 0, 0];
    let i = 0;
    for (let z = 0; z < D; z++) {
      c[2] = z;
      for (let y = 0; y < H; y++) {
        c[1] = y;
        for (let x = 0; x < W; x++, i++) {
          c[0] = x;
          const j = c[b]! * dims[a]! + c[a]!;
          da[i] = f.dx[j]!;
          db[i] = f.dy[j]!;
        }
      }
    }
    return { dx: d[0], dy: d[1], dz: d[2] };
  }
  const rng = createRng(seed);
  const u = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (const f of u) for (let i = 0; i < n; i++) f[i] = rng.uniform(-1, 1);
  const k = gaussianKernel(sigma);
  const [dx, dy, dz] = u.map((f) => {
    const g = blur3d(f, W, H, D, k);
    for (let i = 0; i < n; i++) g[i] = g[i]! * alpha;
    return g;
  }) as [Float32Array, Float32Array, Float32Array];
  return { dx, dy, dz };
}

/** The 3 × 3 matrix R·S·M of the file header, row-major. */
export function augmentationMatrix3D(a: AppliedAugmentation3D): number[] {
  const [ax, ay, az] = a.rotationDegrees ?? [0, 0, 0];
  const rx = rotation(0, ax);
  const ry = rotation(1, ay);
  const rz = rotation(2, az);
  const r = mul3(mul3(rx, ry), rz);
  const inv = 1 / (a.scale ?? 1);
  const s = [0, 1, 2].map((k) => (k === a.fixedAxis ? 1 : inv));
  const m = [a.mirror.x ? -1 : 1, a.mirror.y ? -1 : 1, a.mirror.z ? -1 : 1];
  return r.map((v, i) => v * s[i % 3]! * m[i % 3]!);
}

// ---------------------------------------------------------------- internals

function checkApplied(a: AppliedAugmentation3D): void {
  if (a.scale !== undefined && !(Number.isFinite(a.scale) && a.scale > 0)) throw new RangeError(`scale must be > 0, got ${a.scale}`);
  if (a.rotationDegrees !== undefined && !(a.rotationDegrees.length === 3 && a.rotationDegrees.every(Number.isFinite))) {
    throw new RangeError(`rotation needs three finite angles, got [${a.rotationDegrees.join(', ')}]`);
  }
  if (a.brightness !== undefined && !Number.isFinite(a.brightness)) throw new RangeError(`brightness must be finite, got ${a.brightness}`);
  if (a.elastic && !(Number.isFinite(a.elastic.alpha) && a.elastic.sigma > 0 && Number.isFinite(a.elastic.sigma))) {
    throw new RangeError(`elastic needs finite α and σ > 0, got α ${a.elastic.alpha}, σ ${a.elastic.sigma}`);
  }
  if (a.fixedAxis !== undefined && a.fixedAxis !== 0 && a.fixedAxis !== 1 && a.fixedAxis !== 2) throw new RangeError(`fixedAxis must be 0, 1 or 2, got ${String(a.fixedAxis)}`);
}

function warp(vol: Sample3D, origin: readonly [number, number, number], P: Size3D, a: AppliedAugmentation3D): Sample3D {
  const { width: W, height: H, depth: D, channels } = vol;
  const { width: pw, height: ph, depth: pd } = P;
  const n = pw * ph * pd;
  const cx = (pw - 1) / 2;
  const cy = (ph - 1) / 2;
  const cz = (pd - 1) / 2;
  const Cx = origin[0] + cx;
  const Cy = origin[1] + cy;
  const Cz = origin[2] + cz;
  const [a00, a01, a02, a10, a11, a12, a20, a21, a22] = augmentationMatrix3D(a) as [number, number, number, number, number, number, number, number, number];
  const field = a.elastic ? elasticField3D(P, a.elastic.alpha, a.elastic.sigma, a.elastic.seed, a.fixedAxis) : undefined;

  const image = new Float32Array(n * channels);
  const labels = new Uint8Array(n);
  const roi = vol.roi ? new Uint8Array(n) : undefined;
  const src = vol.image;
  const HW = H * W;
  const sy1 = W * channels;
  const sz1 = HW * channels;
  let p = 0;
  for (let z = 0; z < pd; z++) {
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++, p++) {
        let u = x - cx;
        let v = y - cy;
        let w = z - cz;
        if (field) {
          u += field.dx[p]!;
          v += field.dy[p]!;
          w += field.dz[p]!;
        }
        const qx = Cx + a00 * u + a01 * v + a02 * w;
        const qy = Cy + a10 * u + a11 * v + a12 * w;
        const qz = Cz + a20 * u + a21 * v + a22 * w;

        // nearest neighbour for labels and roi
        const nx = Math.floor(qx + 0.5);
        const ny = Math.floor(qy + 0.5);
        const nz = Math.floor(qz + 0.5);
        if (nx >= 0 && nx < W && ny >= 0 && ny < H && nz >= 0 && nz < D) {
          const q = (nz * H + ny) * W + nx;
          labels[p] = vol.labels[q]!;
          if (roi) roi[p] = vol.roi![q]!;
        }

        // trilinear for the image, zero outside
        const x0 = Math.floor(qx);
        const y0 = Math.floor(qy);
        const z0 = Math.floor(qz);
        if (x0 < -1 || x0 >= W || y0 < -1 || y0 >= H || z0 < -1 || z0 >= D) continue;
        const fx = qx - x0;
        const fy = qy - y0;
        const fz = qz - z0;
        const inX0 = x0 >= 0;
        const inX1 = x0 + 1 < W;
        const inY0 = y0 >= 0;
        const inY1 = y0 + 1 < H;
        const inZ0 = z0 >= 0;
        const inZ1 = z0 + 1 < D;
        const gx0 = 1 - fx;
        const gy0 = 1 - fy;
        const gz0 = 1 - fz;
        const w000 = gz0 * gy0 * gx0;
        const w001 = gz0 * gy0 * fx;
        const w010 = gz0 * fy * gx0;
        const w011 = gz0 * fy * fx;
        const w100 = fz * gy0 * gx0;
        const w101 = fz * gy0 * fx;
        const w110 = fz * fy * gx0;
        const w111 = fz * fy * fx;
        const i000 = ((z0 * H + y0) * W + x0) * channels;
        const o = p * channels;
        for (let c = 0; c < channels; c++) {
          const i = i000 + c;
          let val = 0;
          if (inZ0) {
            if (inY0) {
              if (inX0) val += w000 * src[i]!;
              if (inX1) val += w001 * src[i + channels]!;
            }
            if (inY1) {
              if (inX0) val += w010 * src[i + sy1]!;
              if (inX1) val += w011 * src[i + sy1 + channels]!;
            }
          }
          if (inZ1) {
            if (inY0) {
              if (inX0) val += w100 * src[i + sz1]!;
              if (inX1) val += w101 * src[i + sz1 + channels]!;
            }
            if (inY1) {
              if (inX0) val += w110 * src[i + sz1 + sy1]!;
              if (inX1) val += w111 * src[i + sz1 + sy1 + channels]!;
            }
          }
          image[o + c] = val;
        }
      }
    }
  }
  const out: Sample3D = { width: pw, height: ph, depth: pd, channels, image, labels };
  if (roi) out.roi = roi;
  return out;
}

/** The rotation by `degrees` about `axis` (matrices of the file header), exact at multiples of 90°. */
function rotation(axis: Axis3D, degrees: number): number[] {
  const [c, s] = cosSin(degrees);
  if (axis === 0) return [1, 0, 0, 0, c, -s, 0, s, c];
  if (axis === 1) return [c, 0, s, 0, 1, 0, -s, 0, c];
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

function cosSin(degrees: number): [number, number] {
  const r = ((degrees % 360) + 360) % 360;
  if (r === 0) return [1, 0];
  if (r === 90) return [0, 1];
  if (r === 180) return [-1, 0];
  if (r === 270) return [0, -1];
  const t = (degrees * Math.PI) / 180;
  return [Math.cos(t), Math.sin(t)];
}

function mul3(a: number[], b: number[]): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  }
  return out;
}

/**
 * Separable 3-D convolution with a zero ("constant", cval 0) boundary: along x, then y, then z.
 * The y and z passes add weighted whole rows / planes, so their inner loops run over contiguous
 * memory.
 */
function blur3d(data: Float32Array, W: number, H: number, D: number, k: Float64Array): Float32Array {
  const r = (k.length - 1) / 2;
  const HW = H * W;
  const a = new Float64Array(data.length);
  for (let line = 0; line < H * D; line++) {
    const start = line * W;
    for (let t = 0; t < W; t++) {
      const lo = Math.max(0, t - r);
      const hi = Math.min(W - 1, t + r);
      let s = 0;
      for (let j = lo; j <= hi; j++) s += k[j - t + r]! * data[start + j]!;
      a[start + t] = s;
    }
  }
  const b = new Float64Array(data.length);
  for (let z = 0; z < D; z++) {
    const plane = z * HW;
    for (let t = 0; t < H; t++) {
      const o = plane + t * W;
      const lo = Math.max(0, t - r);
      const hi = Math.min(H - 1, t + r);
      for (let j = lo; j <= hi; j++) {
        const w = k[j - t + r]!;
        const src = plane + j * W;
        for (let x = 0; x < W; x++) b[o + x] = b[o + x]! + w * a[src + x]!;
      }
    }
  }
  const out = new Float32Array(data.length);
  const acc = new Float64Array(HW);
  for (let t = 0; t < D; t++) {
    acc.fill(0);
    const lo = Math.max(0, t - r);
    const hi = Math.min(D - 1, t + r);
    for (let j = lo; j <= hi; j++) {
      const w = k[j - t + r]!;
      const src = j * HW;
      for (let i = 0; i < HW; i++) acc[i] = acc[i]! + w * b[src + i]!;
    }
    out.set(acc, t * HW);
  }
  return out;
}
