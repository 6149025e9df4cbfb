/**
 * A seeded synthetic 3D dataset for the 3D U-Net (../model/unet3d.ts): volumes with thin
 * tubes (curvilinear structures a voxel or two across, as vessels or airways in CT/MR) and
 * small ellipsoidal blobs (as lesions or nodules) on a noisy, smoothly varying background,
 * with a few per cent foreground: the class imbalance of Yeung et al. 2022 ("Unified Focal
 * loss", Comput. Med. Imaging Graph. 95:102026) in three dimensions. The 2D counterpart is
 * ./synthetic.ts, whose conventions this file follows.
 *
 * Layout: a Case whose image is a Volume of dims [nx, ny, nz] = [width, height, depth], one
 * channel, spacing [1, 1, 1] mm, identity affine, index = x + nx·(y + ny·z), so the data read
 * in order is a row-major [depth, height, width] array: a model input [D, H, W, 1] as it stands.
 * The labels use the same index.
 *
 * Foreground count. Each volume gets T = max(1, round(f·N)) foreground voxels exactly, N =
 * nx·ny·nz (unless the structures cannot cover that many). Structures are drawn as a score field
 * s(p): tubes, the distance to the centre line divided by the tube's radius; blobs, the
 * ellipsoidal radius √((u/a)² + (v/b)² + (w/c)²) in the blob's own rotated frame. Structures are
 * added one tube step / one blob at a time until at least T free voxels have s ≤ 1; the T voxels
 * with the smallest s (ties broken by a seeded jitter ≤ 1e-4) become foreground.
 *
 * Tubes: a centre line advancing in 1-voxel steps from a random point inside the volume in a
 * random direction; its direction u is turned each step by a damped random walk of the
 * "angular velocity" ω (ω ← 0.9·ω + 0.04·N(0, I₃) projected orthogonal to u, |ω| ≤ 0.12 rad,
 * u ← normalise(u + ω)), so bends have radii of ≳ 8 voxels; each tube runs for
 * U(0.5, 1.0)·(nx + ny + nz) steps or until it leaves the volume; radius U(1, 1.5) voxels, so a
 * tube is 2–3 voxels across.
 *
 * Blobs: k = 1 + uniform{0 … min(3, ⌊T_b/60⌋)} ellipsoids for T_b blob voxels; mean radius
 * r = ∛(3·T_b/(4πk)), each × U(0.75, 1.25), semi-axes r·(e₁, e₂, 1/(e₁e₂)) with e ∈ U(0.8, 1.25),
 * a random orientation (a random orthonormal frame by Gram–Schmidt of Gaussian vectors), centres
 * kept a semi-axis away from the faces where the volume allows.
 *
 * Classes and layers: kind 'mixed' gives round(T·blobShare) voxels (at least 1 when T ≥ 2) to
 * blobs, placed first, and the rest to tubes on the voxels the blobs left free; with
 * numClasses 3 the blobs are class 2, else every structure is class 1. 'tubes' / 'blobs' draw
 * one kind only (class 1).
 *
 * Intensity: I(p) = B(p) + contrast·ℓ_c·g_o + noise·N(0, 1) on a foreground voxel of class c
 * whose structure is o, I(p) = B(p) + noise·N(0, 1) on background; B = 0.4 + texture·(sum of
 * four random 3D plane waves of 0.5–2 cycles per volume, normalised), ℓ_1 = 1, ℓ_2 = 1.8, gain
 * g_o ∈ U(0.8, 1.2) per structure. Default contrast 0.4 over noise 0.1: contrast-to-noise 4.
 */
import { IDENTITY_AFFINE } from '../io/volume';
import { createRng, type Rng } from './rng';
import type { Case } from './types';

export type Synthetic3DKind = 'tubes' | 'blobs' | 'mixed';

export interface Synthetic3DOptions {
  /** Seed of the whole dataset; case i is the same for any count > i. Default 1. */
  seed?: number | string;
  /** Number of volumes, 0 … 10000. Default 8. */
  count?: number;
  /** Volume size in voxels, 4 … 512 each. Default 32 × 32 × 32. */
  width?: number;
  height?: number;
  depth?: number;
  /** Default 'mixed'. */
  kind?: Synthetic3DKind;
  /** Target foreground fraction f in (0, 0.2] (all foreground classes together). Default 0.03. */
  foregroundFraction?: number;
  /** Share of the foreground voxels in blobs for kind 'mixed', in (0, 1). Default 0.3. */
  blobShare?: number;
  /** 2: background + one foreground class; 3: blobs are class 2 (kind 'mixed' only). Default 2. */
  numClasses?: 2 | 3;
  /** Standard deviation of the additive Gaussian noise, ≥ 0. Default 0.1. */
  noise?: number;
  /** Class-1 intensity above the background (negative: darker). Default 0.4. */
  contrast?: number;
  /** Amplitude of the smooth background texture, ≥ 0. Default 0.1. */
  texture?: number;
}

export const DEFAULT_SYNTHETIC3D: Readonly<Required<Synthetic3DOptions>> = Object.freeze({
  seed: 1,
  count: 8,
  width: 32,
  height: 32,
  depth: 32,
  kind: 'mixed',
  foregroundFraction: 0.03,
  blobShare: 0.3,
  numClasses: 2,
  noise: 0.1,
  contrast: 0.4,
  texture: 0.1,
});

/** What one generated volume achieved. */
export interface Synthetic3DCaseInfo {
  id: string;
  targetFraction: number;
  /** Foreground voxels (all classes) / all voxels. */
  achievedFraction: number;
  /** Voxels per class, index = class (0 = background). */
  classVoxels: number[];
  /** Structures drawn (including the last, possibly partly used, one). */
  tubes: number;
  blobs: number;
}

export interface Synthetic3DDataset {
  cases: Case[];
  info: Synthetic3DCaseInfo[];
  /** Mean achieved foreground fraction over the volumes. */
  achievedFraction: number;
  options: Readonly<Required<Synthetic3DOptions>>;
}

/** The 3D dataset as Case[] (see {@link generateSynthetic3DDataset} for the report). */
export function generateSynthetic3D(opts: Synthetic3DOptions = {}): Case[] {
  return generateSynthetic3DDataset(opts).cases;
}

/** The 3D dataset with the achieved foreground fraction of every volume. */
export function generateSynthetic3DDataset(opts: Synthetic3DOptions = {}): Synthetic3DDataset {
  const o = resolveSynthetic3DOptions(opts);
  const cases: Case[] = [];
  const info: Synthetic3DCaseInfo[] = [];
  for (let i = 0; i < o.count; i++) {
    const r = generateSynthetic3DCase(i, o);
    cases.push(r.case);
    info.push(r.info);
  }
  const achievedFraction = info.reduce((s, c) => s + c.achievedFraction, 0) / Math.max(1, info.length);
  return { cases, info, achievedFraction, options: o };
}

/** Grid of one volume: sizes and the voxel count. */
interface Grid {
  nx: number;
  ny: number;
  nz: number;
  n: number;
}

/** Volume `index` of the dataset described by `opts` (depends on the seed and index only, not on count). */
export function generateSynthetic3DCase(index: number, opts: Synthetic3DOptions = {}): { case: Case; info: Synthetic3DCaseInfo } {
  const o = resolveSynthetic3DOptions(opts);
  const g: Grid = { nx: o.width, ny: o.height, nz: o.depth, n: o.width * o.height * o.depth };
  const id = `synthetic3d_${String(index).padStart(3, '0')}`;
  const rng = createRng(o.seed).fork(`volume ${index}`);

  const total = Math.min(g.n, Math.max(1, Math.round(o.foregroundFraction * g.n)));
  const labels = new Uint8Array(g.n);
  const contrastMap = new Float32Array(g.n);
  const layoutRng = rng.fork('layout');
  let tubes = 0;
  let blobs = 0;
  for (const layer of planLayers(o, total)) {
    if (layer.target <= 0) continue;
    const grown = layer.shape === 'tubes' ? growTubes(layer.target, labels, g, layoutRng) : growBlobs(layer.target, labels, g, layoutRng);
    if (layer.shape === 'tubes') tubes += grown.gain.length;
    else blobs += grown.gain.length;
    const level = o.contrast * (layer.cls === 1 ? 1 : 1.8);
    for (const p of selectSmallest(grown.score, labels, layer.target, layoutRng)) {
      labels[p] = layer.cls;
      contrastMap[p] = level * (grown.gain[grown.owner[p]!] ?? 1);
    }
  }

  const image = background(g, o.texture, rng.fork('texture'));
  const noiseRng = rng.fork('noise');
  for (let p = 0; p < g.n; p++) image[p] = image[p]! + contrastMap[p]! + (o.noise > 0 ? o.noise * noiseRng.normal() : 0);

  const classVoxels = new Array<number>(o.numClasses).fill(0);
  for (let p = 0; p < g.n; p++) classVoxels[labels[p]!]!++;
  const achievedFraction = (g.n - classVoxels[0]!) / g.n;
  const note = `synthetic 3D ${o.kind}, ${o.numClasses} classes: foreground ${(100 * achievedFraction).toFixed(3)} % of voxels (target ${(100 * o.foregroundFraction).toFixed(3)} %)`;
  const c: Case = {
    id,
    image: {
      data: image,
      dims: [g.nx, g.ny, g.nz],
      channels: 1,
      spacing: [1, 1, 1],
      affine: [...IDENTITY_AFFINE],
      source: { name: id, format: 'synthetic', datatype: 'float32' },
      notes: [note],
    },
    labels,
  };
  return { case: c, info: { id, targetFraction: o.foregroundFraction, achievedFraction, classVoxels, tubes, blobs } };
}

/** Options with defaults filled in; throws a RangeError naming the option on values out of range. */
export function resolveSynthetic3DOptions(opts: Synthetic3DOptions): Readonly<Required<Synthetic3DOptions>> {
  const o = { ...DEFAULT_SYNTHETIC3D, ...stripUndefined(opts) };
  const bad = (msg: string): never => {
    throw new RangeError(`synthetic 3D data: ${msg}`);
  };
  if (!Number.isInteger(o.count) || o.count < 0 || o.count > 10000) bad(`count must be an integer in 0…10000, got ${o.count}`);
  for (const [name, v] of [['width', o.width], ['height', o.height], ['depth', o.depth]] as const) {
    if (!Number.isInteger(v) || v < 4 || v > 512) bad(`${name} must be an integer in 4…512, got ${v}`);
  }
  if (!(o.foregroundFraction > 0 && o.foregroundFraction <= 0.2)) bad(`foregroundFraction must be in (0, 0.2], got ${o.foregroundFraction}`);
  if (!(o.blobShare > 0 && o.blobShare < 1)) bad(`blobShare must be in (0, 1), got ${o.blobShare}`);
  if (o.numClasses !== 2 && o.numClasses !== 3) bad(`numClasses must be 2 or 3, got ${String(o.numClasses)}`);
  if (!['tubes', 'blobs', 'mixed'].includes(o.kind)) bad(`kind must be tubes, blobs or mixed, got ${String(o.kind)}`);
  if (o.numClasses === 3 && o.kind !== 'mixed') bad(`numClasses 3 needs kind 'mixed' (blobs are class 2), got kind ${o.kind}`);
  if (!(o.noise >= 0 && Number.isFinite(o.noise))) bad(`noise must be ≥ 0, got ${o.noise}`);
  if (!Number.isFinite(o.contrast)) bad(`contrast must be finite, got ${o.contrast}`);
  if (!(o.texture >= 0 && Number.isFinite(o.texture))) bad(`texture must be ≥ 0, got ${o.texture}`);
  return Object.freeze(o);
}

interface Layer {
  shape: 'tubes' | 'blobs';
  cls: number;
  target: number;
}

/** Which structures get how many voxels; the second-placed layer only takes voxels left free. */
function planLayers(o: Required<Synthetic3DOptions>, total: number): Layer[] {
  if (o.kind !== 'mixed') return [{ shape: o.kind, cls: 1, target: total }];
  const blobVoxels = total >= 2 ? Math.min(total - 1, Math.max(1, Math.round(total * o.blobShare))) : 0;
  return [
    { shape: 'blobs', cls: o.numClasses === 3 ? 2 : 1, target: blobVoxels },
    { shape: 'tubes', cls: 1, target: total - blobVoxels },
  ];
}

interface Grown {
  /** Score per voxel (≤ 1 inside a structure), Infinity where no structure is near. */
  score: Float32Array;
  /** Structure index per voxel (−1 none). */
  owner: Int32Array;
  /** Intensity gain per structure. */
  gain: number[];
}

/** Voxels farther than this (in score units) from every structure are not candidates. */
const SCORE_CAP = 2.5;

type Vec3 = [number, number, number];

const norm3 = (v: Vec3): number => Math.hypot(v[0], v[1], v[2]);
const dot3 = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const scale3 = (v: Vec3, s: number): Vec3 => [v[0] * s, v[1] * s, v[2] * s];
const sub3 = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

/** A uniformly distributed unit vector (a normalised standard Gaussian vector). */
function randomDirection(rng: Rng): Vec3 {
  for (;;) {
    const v: Vec3 = [rng.normal(), rng.normal(), rng.normal()];
    const len = norm3(v);
    if (len > 1e-6) return scale3(v, 1 / len);
  }
}

/** The tube centre lines of the top of this file, grown until ≥ target free voxels lie within their radius. */
function growTubes(target: number, taken: Uint8Array, g: Grid, rng: Rng): Grown {
  const grown: Grown = { score: new Float32Array(g.n).fill(Infinity), owner: new Int32Array(g.n).fill(-1), gain: [] };
  const gain = grown.gain;
  const maxSteps = 20 * g.n + 1000;
  let covered = 0;
  for (let steps = 0; covered < target && steps < maxSteps; ) {
    const id = gain.length;
    gain.push(rng.uniform(0.8, 1.2));
    const radius = rng.uniform(1, 1.5);
    let p: Vec3 = [rng.uniform(0, g.nx - 1), rng.uniform(0, g.ny - 1), rng.uniform(0, g.nz - 1)];
    let u = randomDirection(rng);
    let omega: Vec3 = [0, 0, 0];
    const length = Math.ceil(rng.uniform(0.5, 1.0) * (g.nx + g.ny + g.nz));
    for (let s = 0; s < length && covered < target && steps < maxSteps; s++, steps++) {
      omega = [0.9 * omega[0] + 0.04 * rng.normal(), 0.9 * omega[1] + 0.04 * rng.normal(), 0.9 * omega[2] + 0.04 * rng.normal()];
      omega = sub3(omega, scale3(u, dot3(omega, u)));
      const w = norm3(omega);
      if (w > 0.12) omega = scale3(omega, 0.12 / w);
      const turned: Vec3 = [u[0] + omega[0], u[1] + omega[1], u[2] + omega[2]];
      u = scale3(turned, 1 / norm3(turned));
      const q: Vec3 = [p[0] + u[0], p[1] + u[1], p[2] + u[2]];
      covered += stampSegment(p, q, radius, id, grown, taken, g);
      p = q;
      if (p[0] < -2 || p[1] < -2 || p[2] < -2 || p[0] > g.nx + 1 || p[1] > g.ny + 1 || p[2] > g.nz + 1) break;
    }
  }
  return grown;
}

/**
 * Lowers the score to scoreAt(x, y, z) where that is smaller, over the voxels of the box lo … hi
 * (clipped to the volume) whose score there is ≤ SCORE_CAP; returns how many free voxels newly
 * reached score ≤ 1.
 */
function stampBox(lo: Vec3, hi: Vec3, scoreAt: (x: number, y: number, z: number) => number, id: number, grown: Grown, taken: Uint8Array, g: Grid): number {
  const { score, owner } = grown;
  let added = 0;
  for (let z = Math.max(0, Math.floor(lo[2])); z <= Math.min(g.nz - 1, Math.ceil(hi[2])); z++) {
    for (let y = Math.max(0, Math.floor(lo[1])); y <= Math.min(g.ny - 1, Math.ceil(hi[1])); y++) {
      for (let x = Math.max(0, Math.floor(lo[0])); x <= Math.min(g.nx - 1, Math.ceil(hi[0])); x++) {
        const s = scoreAt(x, y, z);
        if (s > SCORE_CAP) continue;
        const p = x + g.nx * (y + g.ny * z);
        if (s < score[p]!) {
          if (!taken[p] && s <= 1 && !(score[p]! <= 1)) added++;
          score[p] = s;
          owner[p] = id;
        }
      }
    }
  }
  return added;
}

/** Lowers the score to dist(p, segment)/radius near the segment a–b; returns how many free voxels newly reached score ≤ 1. */
function stampSegment(a: Vec3, b: Vec3, radius: number, id: number, grown: Grown, taken: Uint8Array, g: Grid): number {
  const reach = SCORE_CAP * radius;
  const d = sub3(b, a);
  const len2 = dot3(d, d);
  const lo: Vec3 = [Math.min(a[0], b[0]) - reach, Math.min(a[1], b[1]) - reach, Math.min(a[2], b[2]) - reach];
  const hi: Vec3 = [Math.max(a[0], b[0]) + reach, Math.max(a[1], b[1]) + reach, Math.max(a[2], b[2]) + reach];
  return stampBox(
    lo,
    hi,
    (x, y, z) => {
      const rel: Vec3 = [x - a[0], y - a[1], z - a[2]];
      const t = len2 > 0 ? Math.max(0, Math.min(1, dot3(rel, d) / len2)) : 0;
      return norm3(sub3(rel, scale3(d, t))) / radius;
    },
    id,
    grown,
    taken,
    g,
  );
}

/** A random orthonormal frame (Gram–Schmidt of two random directions). */
function randomFrame(rng: Rng): [Vec3, Vec3, Vec3] {
  const e1 = randomDirection(rng);
  let e2: Vec3 = [0, 0, 0];
  for (let len = 0; len < 1e-3; ) {
    const v = randomDirection(rng);
    e2 = sub3(v, scale3(e1, dot3(v, e1)));
    len = norm3(e2);
    if (len >= 1e-3) e2 = scale3(e2, 1 / len);
  }
  const e3: Vec3 = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
  return [e1, e2, e3];
}

/** The ellipsoids of the top of this file, added until ≥ target free voxels are inside one. */
function growBlobs(target: number, taken: Uint8Array, g: Grid, rng: Rng): Grown {
  const grown: Grown = { score: new Float32Array(g.n).fill(Infinity), owner: new Int32Array(g.n).fill(-1), gain: [] };
  const gain = grown.gain;
  const k = 1 + rng.int(Math.min(3, Math.floor(target / 60)) + 1);
  const meanRadius = Math.cbrt((3 * target) / (4 * Math.PI * k));
  let covered = 0;
  for (let blob = 0; covered < target && blob < 50 * k + 50; blob++) {
    const r = Math.max(0.6, meanRadius * rng.uniform(0.75, 1.25));
    const e1 = rng.uniform(0.8, 1.25);
    const e2 = rng.uniform(0.8, 1.25);
    const axes: Vec3 = [r * e1, r * e2, r / (e1 * e2)];
    const frame = randomFrame(rng);
    const margin = Math.max(...axes);
    const centre = (size: number): number => {
      const m = Math.min(margin, (size - 1) / 2);
      return rng.uniform(m, size - 1 - m);
    };
    const c: Vec3 = [centre(g.nx), centre(g.ny), centre(g.nz)];
    const id = gain.length;
    gain.push(rng.uniform(0.8, 1.2));
    const reach = SCORE_CAP * margin;
    covered += stampBox(
      [c[0] - reach, c[1] - reach, c[2] - reach],
      [c[0] + reach, c[1] + reach, c[2] + reach],
      (x, y, z) => {
        const rel: Vec3 = [x - c[0], y - c[1], z - c[2]];
        return Math.hypot(dot3(rel, frame[0]) / axes[0], dot3(rel, frame[1]) / axes[1], dot3(rel, frame[2]) / axes[2]);
      },
      id,
      grown,
      taken,
      g,
    );
  }
  return grown;
}

/** The `count` free (label 0) candidate voxels with the smallest score; ties broken by a jitter of ≤ 1e-4. */
function selectSmallest(score: Float32Array, taken: Uint8Array, count: number, rng: Rng): number[] {
  const candidates: number[] = [];
  const key = new Float64Array(score.length);
  for (let p = 0; p < score.length; p++) {
    if (taken[p] || !(score[p]! <= SCORE_CAP)) continue;
    candidates.push(p);
    key[p] = score[p]! + 1e-4 * rng.next();
  }
  candidates.sort((a, b) => key[a]! - key[b]!);
  return candidates.slice(0, count);
}

/** 0.4 + texture · Σ_k a_k cos(2π(u_k·x/nx + v_k·y/ny + w_k·z/nz) + φ_k) / Σ_k a_k, four waves of 0.5–2 cycles per volume. */
function background(g: Grid, texture: number, rng: Rng): Float32Array {
  const waves = Array.from({ length: 4 }, () => {
    const cycles = rng.uniform(0.5, 2);
    const dir = randomDirection(rng);
    return { a: rng.uniform(0.5, 1), k: scale3(dir, cycles), phi: rng.uniform(0, 2 * Math.PI) };
  });
  const norm = waves.reduce((s, wv) => s + wv.a, 0);
  const out = new Float32Array(g.n);
  for (let z = 0, p = 0; z < g.nz; z++) {
    for (let y = 0; y < g.ny; y++) {
      for (let x = 0; x < g.nx; x++, p++) {
        let s = 0;
        for (const wv of waves) s += wv.a * Math.cos(2 * Math.PI * ((wv.k[0] * x) / g.nx + (wv.k[1] * y) / g.ny + (wv.k[2] * z) / g.nz) + wv.phi);
        out[p] = 0.4 + (texture * s) / norm;
      }
    }
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
