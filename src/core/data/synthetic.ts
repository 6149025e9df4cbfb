/**
 * The studio's built-in demo dataset: seeded synthetic 2D images with a controllable
 * foreground fraction, for trying the losses of Yeung et al. 2022 ("Unified Focal loss",
 * Comput. Med. Imaging Graph. 95:102026) on class imbalance from mild to extreme without
 * loading data. Two structure types echo the paper's datasets: thin curvilinear 'vessels'
 * (as DRIVE's retinal vessels) and small round 'lesions' (as polyps, breast lesions or
 * kidney tumours); 'mixed' puts both in each image.
 *
 * Foreground fraction. Each image gets T = max(1, round(f·W·H)) foreground pixels exactly
 * (unless the requested structures cannot cover that many, which the report then shows).
 * Structures are drawn as a score field s(p) (vessels: distance to the centre line divided by
 * the vessel's half-width; lesions: elliptic radius √((u/a)² + (v/b)²)), grown one vessel step /
 * one blob at a time until at least T free pixels have s ≤ 1; then the T pixels with the
 * smallest s (ties broken by a tiny seeded jitter) become foreground. Half-widths are 0.6–1.25 px,
 * so vessels are 1–3 px thick; a blob's mean radius is √(T/(kπ)) for k planned blobs, which goes
 * down to ≈ 1 px (a 4-pixel lesion at 0.1 % of 64×64).
 *
 * Layers: round(T·secondClassShare) pixels (at least 1 when T ≥ 2) form a second layer: in
 * 'mixed' the lesions (class 2 when numClasses = 3, class 1 otherwise; vessels take the rest as
 * class 1); with numClasses = 3 in 'vessels' / 'lesions', separate vessels or blobs of class 2.
 * The second layer is placed first and the first only on pixels it left free, so the totals stay
 * exact.
 *
 * Intensity: I(p) = B(p) + contrast·ℓ_c·g_o + noise·N(0, 1) on a foreground pixel p of class c
 * whose nearest structure is o, I(p) = B(p) + noise·N(0, 1) on background; B is a smooth
 * background (0.4 plus a sum of four random plane waves of 0.5–3 cycles per image, total
 * amplitude `texture`), ℓ_1 = 1, ℓ_2 = 1.8 (class 2 brighter), g_o ∈ [0.8, 1.2] per structure.
 */
import { IDENTITY_AFFINE } from '../io/volume';
import { createRng, type Rng } from './rng';
import type { Case } from './types';

export type SyntheticKind = 'vessels' | 'lesions' | 'mixed';

export interface SyntheticOptions {
  /** Seed of the whole dataset; case i is the same for any count > i. Default 1. */
  seed?: number | string;
  /** Number of images. Default 24. */
  count?: number;
  /** Image size in pixels. Default 64 × 64. */
  width?: number;
  height?: number;
  /** Default 'vessels'. */
  kind?: SyntheticKind;
  /** Target foreground fraction f in (0, 0.5] (all foreground classes together). Default 0.05. */
  foregroundFraction?: number;
  /** Standard deviation of the additive Gaussian noise. Default 0.1. */
  noise?: number;
  /** Class-1 intensity above the background (negative: darker). Default 0.4 (contrast-to-noise 4). */
  contrast?: number;
  /** Amplitude of the smooth background texture. Default 0.1. */
  texture?: number;
  /** 2: background + one foreground class; 3: a second foreground class. Default 2. */
  numClasses?: 2 | 3;
  /** Share of the foreground pixels that are class 2 (numClasses 3) or lesions ('mixed'). Default 0.4. */
  secondClassShare?: number;
  /** Vessels may branch. Default true. */
  branching?: boolean;
}

export const DEFAULT_SYNTHETIC: Readonly<Required<SyntheticOptions>> = Object.freeze({
  seed: 1,
  count: 24,
  width: 64,
  height: 64,
  kind: 'vessels',
  foregroundFraction: 0.05,
  noise: 0.1,
  contrast: 0.4,
  texture: 0.1,
  numClasses: 2,
  secondClassShare: 0.4,
  branching: true,
});

/** What one generated image achieved. */
export interface SyntheticCaseInfo {
  id: string;
  targetFraction: number;
  /** Foreground pixels (all classes) / all pixels. */
  achievedFraction: number;
  /** Pixels per class, index = class (0 = background). */
  classPixels: number[];
}

export interface SyntheticDataset {
  cases: Case[];
  info: SyntheticCaseInfo[];
  /** Mean achieved foreground fraction over the images. */
  achievedFraction: number;
  options: Readonly<Required<SyntheticOptions>>;
}

/** The demo dataset as Case[] (see {@link generateSyntheticDataset} for the report). */
export function generateSynthetic(opts: SyntheticOptions = {}): Case[] {
  return generateSyntheticDataset(opts).cases;
}

/** The demo dataset with the achieved foreground fraction of every image. */
export function generateSyntheticDataset(opts: SyntheticOptions = {}): SyntheticDataset {
  const o = resolveOptions(opts);
  const cases: Case[] = [];
  const info: SyntheticCaseInfo[] = [];
  for (let i = 0; i < o.count; i++) {
    const r = generateSyntheticCase(i, o);
    cases.push(r.case);
    info.push(r.info);
  }
  const achievedFraction = info.reduce((s, c) => s + c.achievedFraction, 0) / Math.max(1, info.length);
  return { cases, info, achievedFraction, options: o };
}

/** Image `index` of the dataset described by `opts` (depends on the seed and index only, not on count). */
export function generateSyntheticCase(index: number, opts: SyntheticOptions = {}): { case: Case; info: SyntheticCaseInfo } {
  const o = resolveOptions(opts);
  const { width: w, height: h } = o;
  const n = w * h;
  const id = `synthetic_${String(index).padStart(3, '0')}`;
  const rng = createRng(o.seed).fork(`case ${index}`);

  const total = Math.min(n, Math.max(1, Math.round(o.foregroundFraction * n)));
  const layers = planLayers(o, total);
  const labels = new Uint8Array(n);
  const contrastMap = new Float32Array(n);
  const layoutRng = rng.fork('layout');
  for (const layer of layers) {
    if (layer.target <= 0) continue;
    const grown = layer.shape === 'vessels' ? growVessels(layer.target, labels, w, h, layoutRng, o.branching) : growLesions(layer.target, labels, w, h, layoutRng);
    const chosen = selectSmallest(grown.score, labels, layer.target, layoutRng);
    const level = o.contrast * (layer.cls === 1 ? 1 : 1.8);
    for (const p of chosen) {
      labels[p] = layer.cls;
      contrastMap[p] = level * (grown.gain[grown.owner[p]!] ?? 1);
    }
  }

  const image = background(w, h, o.texture, rng.fork('texture'));
  const noiseRng = rng.fork('noise');
  for (let p = 0; p < n; p++) image[p] = image[p]! + contrastMap[p]! + (o.noise > 0 ? o.noise * noiseRng.normal() : 0);

  const classPixels = new Array<number>(o.numClasses).fill(0);
  for (let p = 0; p < n; p++) classPixels[labels[p]!]!++;
  const achievedFraction = (n - classPixels[0]!) / n;
  const note = `synthetic ${o.kind}, ${o.numClasses} classes: foreground ${(100 * achievedFraction).toFixed(3)} % of pixels (target ${(100 * o.foregroundFraction).toFixed(3)} %)`;
  const c: Case = {
    id,
    image: {
      data: image,
      dims: [w, h, 1],
      channels: 1,
      spacing: [1, 1, 1],
      affine: [...IDENTITY_AFFINE],
      source: { name: id, format: 'synthetic', datatype: 'float32' },
      notes: [note],
    },
    labels,
  };
  return { case: c, info: { id, targetFraction: o.foregroundFraction, achievedFraction, classPixels } };
}

/** Options with defaults filled in; throws on values out of range. */
export function resolveOptions(opts: SyntheticOptions): Readonly<Required<SyntheticOptions>> {
  const o = { ...DEFAULT_SYNTHETIC, ...stripUndefined(opts) };
  const bad = (msg: string) => {
    throw new RangeError(`synthetic data: ${msg}`);
  };
  if (!Number.isInteger(o.count) || o.count < 0 || o.count > 100000) bad(`count must be an integer in 0…100000, got ${o.count}`);
  if (!Number.isInteger(o.width) || !Number.isInteger(o.height) || o.width < 8 || o.height < 8 || o.width > 4096 || o.height > 4096) {
    bad(`size must be integers in 8…4096, got ${o.width}×${o.height}`);
  }
  if (!(o.foregroundFraction > 0 && o.foregroundFraction <= 0.5)) bad(`foregroundFraction must be in (0, 0.5], got ${o.foregroundFraction}`);
  if (!(o.noise >= 0 && Number.isFinite(o.noise))) bad(`noise must be ≥ 0, got ${o.noise}`);
  if (!Number.isFinite(o.contrast)) bad(`contrast must be finite, got ${o.contrast}`);
  if (!(o.texture >= 0 && Number.isFinite(o.texture))) bad(`texture must be ≥ 0, got ${o.texture}`);
  if (o.numClasses !== 2 && o.numClasses !== 3) bad(`numClasses must be 2 or 3, got ${String(o.numClasses)}`);
  if (!(o.secondClassShare > 0 && o.secondClassShare < 1)) bad(`secondClassShare must be in (0, 1), got ${o.secondClassShare}`);
  if (!['vessels', 'lesions', 'mixed'].includes(o.kind)) bad(`kind must be vessels, lesions or mixed, got ${String(o.kind)}`);
  return Object.freeze(o);
}

/** Fraction of pixels with a nonzero label. */
export function foregroundFraction(labels: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) k++;
  return labels.length > 0 ? k / labels.length : 0;
}

interface Layer {
  shape: 'vessels' | 'lesions';
  cls: number;
  target: number;
}

/** Which structures get how many pixels; the second-placed layer only takes pixels left free. */
function planLayers(o: Required<SyntheticOptions>, total: number): Layer[] {
  const second = total >= 2 ? Math.min(total - 1, Math.max(1, Math.round(total * o.secondClassShare))) : 0;
  if (o.kind === 'mixed') {
    const lesionClass = o.numClasses === 3 ? 2 : 1;
    return [
      { shape: 'lesions', cls: lesionClass, target: second },
      { shape: 'vessels', cls: 1, target: total - second },
    ];
  }
  if (o.numClasses === 3) {
    return [
      { shape: o.kind, cls: 2, target: second },
      { shape: o.kind, cls: 1, target: total - second },
    ];
  }
  return [{ shape: o.kind, cls: 1, target: total }];
}

interface Grown {
  /** Score per pixel (≤ 1 inside a structure), Infinity where no structure is near. */
  score: Float32Array;
  /** Object index per pixel (−1 none). */
  owner: Int32Array;
  /** Intensity gain per object. */
  gain: number[];
}

/** Pixels farther than this (in score units) from every structure are not candidates. */
const SCORE_CAP = 2.5;

/**
 * Random vessel trees: a centre line advances in 1-px steps; its heading turns by a curvature
 * κ ← clamp(0.95·κ + 0.025·N(0, 1), ±0.1) rad per step (a damped random walk, so bends have
 * radii of ≳ 10 px); starts are on the border (heading inwards ±45°) or inside the image, half
 * of each. With branching, a step spawns a child with probability 0.03 (two levels at most),
 * at ±(0.4…1.0) rad with 0.8× the parent's half-width (at least 0.6 px). Grows until ≥ target
 * free pixels lie within their vessel's half-width.
 */
function growVessels(target: number, taken: Uint8Array, w: number, h: number, rng: Rng, branching: boolean): Grown {
  const n = w * h;
  const score = new Float32Array(n).fill(Infinity);
  const owner = new Int32Array(n).fill(-1);
  const gain: number[] = [];
  let covered = 0;
  interface Tip {
    x: number;
    y: number;
    heading: number;
    curvature: number;
    halfWidth: number;
    left: number;
    depth: number;
    id: number;
  }
  const tips: Tip[] = [];
  const maxSteps = 40 * n + 1000;
  let steps = 0;
  while (covered < target && steps < maxSteps) {
    if (tips.length === 0) {
      const id = gain.length;
      gain.push(rng.uniform(0.8, 1.2));
      const start = rng.bernoulli(0.5) ? borderStart(w, h, rng) : { x: rng.uniform(0, w - 1), y: rng.uniform(0, h - 1), heading: rng.uniform(-Math.PI, Math.PI) };
      tips.push({ ...start, curvature: 0, halfWidth: rng.uniform(0.8, 1.25), left: rng.uniform(0.6, 1.4) * (w + h), depth: 0, id });
    }
    const t = tips[tips.length - 1]!;
    t.curvature = Math.max(-0.1, Math.min(0.1, 0.95 * t.curvature + 0.025 * rng.normal()));
    t.heading += t.curvature;
    const nx = t.x + Math.cos(t.heading);
    const ny = t.y + Math.sin(t.heading);
    covered += stampSegment(t.x, t.y, nx, ny, t.halfWidth, t.id, score, owner, taken, w, h);
    t.x = nx;
    t.y = ny;
    t.left -= 1;
    steps++;
    if (branching && t.depth < 2 && t.left > 8 && rng.bernoulli(0.03)) {
      const side = rng.bernoulli(0.5) ? 1 : -1;
      tips.unshift({
        x: nx,
        y: ny,
        heading: t.heading + side * rng.uniform(0.4, 1.0),
        curvature: 0,
        halfWidth: Math.max(0.6, 0.8 * t.halfWidth),
        left: t.left * rng.uniform(0.3, 0.7),
        depth: t.depth + 1,
        id: t.id,
      });
    }
    if (t.left <= 0 || nx < -2 || ny < -2 || nx > w + 1 || ny > h + 1) tips.splice(tips.indexOf(t), 1);
  }
  return { score, owner, gain };
}

function borderStart(w: number, h: number, rng: Rng): { x: number; y: number; heading: number } {
  const side = rng.int(4);
  const jitter = rng.uniform(-Math.PI / 4, Math.PI / 4);
  if (side === 0) return { x: 0, y: rng.uniform(0, h - 1), heading: jitter };
  if (side === 1) return { x: w - 1, y: rng.uniform(0, h - 1), heading: Math.PI + jitter };
  if (side === 2) return { x: rng.uniform(0, w - 1), y: 0, heading: Math.PI / 2 + jitter };
  return { x: rng.uniform(0, w - 1), y: h - 1, heading: -Math.PI / 2 + jitter };
}

/** Lower score to dist(p, segment)/halfWidth near the segment; returns how many free pixels newly reached score ≤ 1. */
function stampSegment(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  halfWidth: number,
  id: number,
  score: Float32Array,
  owner: Int32Array,
  taken: Uint8Array,
  w: number,
  h: number,
): number {
  const reach = SCORE_CAP * halfWidth;
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - reach));
  const xb = Math.min(w - 1, Math.ceil(Math.max(x0, x1) + reach));
  const ya = Math.max(0, Math.floor(Math.min(y0, y1) - reach));
  const yb = Math.min(h - 1, Math.ceil(Math.max(y0, y1) + reach));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  let added = 0;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2)) : 0;
      const ex = x - (x0 + t * dx);
      const ey = y - (y0 + t * dy);
      const s = Math.sqrt(ex * ex + ey * ey) / halfWidth;
      if (s > SCORE_CAP) continue;
      const p = y * w + x;
      if (s < score[p]!) {
        if (!taken[p] && s <= 1 && !(score[p]! <= 1)) added++;
        score[p] = s;
        owner[p] = id;
      }
    }
  }
  return added;
}

/**
 * Elliptic blobs: k = 1 blob planned below 30 pixels, else 1 + uniform{0 … min(4, ⌊T/30⌋) − 1}
 * more; mean radius √(T/(kπ)), each radius × U(0.75, 1.25), axis ratio e ∈ U(0.8, 1.25)
 * (a = r·e, b = r/e), random orientation; centres kept r away from the border when the image
 * allows, and preferably off existing structures. Blobs are added until ≥ T free pixels are inside one.
 */
function growLesions(target: number, taken: Uint8Array, w: number, h: number, rng: Rng): Grown {
  const n = w * h;
  const score = new Float32Array(n).fill(Infinity);
  const owner = new Int32Array(n).fill(-1);
  const gain: number[] = [];
  const k = target < 30 ? 1 : 1 + rng.int(Math.min(4, Math.floor(target / 30)));
  const meanRadius = Math.sqrt(target / (k * Math.PI));
  let covered = 0;
  for (let blob = 0; covered < target && blob < 50 * k + 50; blob++) {
    const r = Math.max(0.6, meanRadius * rng.uniform(0.75, 1.25));
    const e = rng.uniform(0.8, 1.25);
    const a = r * e;
    const b = r / e;
    const phi = rng.uniform(0, Math.PI);
    const margin = Math.min(Math.max(a, b), (Math.min(w, h) - 1) / 2);
    let cx = 0;
    let cy = 0;
    for (let tryNo = 0; tryNo < 10; tryNo++) {
      cx = rng.uniform(margin, w - 1 - margin);
      cy = rng.uniform(margin, h - 1 - margin);
      const p = Math.round(cy) * w + Math.round(cx);
      if (!taken[p] && !(score[p]! <= SCORE_CAP)) break;
    }
    const id = gain.length;
    gain.push(rng.uniform(0.8, 1.2));
    const reach = SCORE_CAP * Math.max(a, b);
    const cos = Math.cos(phi);
    const sin = Math.sin(phi);
    for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(h - 1, Math.ceil(cy + reach)); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(w - 1, Math.ceil(cx + reach)); x++) {
        const u = (x - cx) * cos + (y - cy) * sin;
        const v = -(x - cx) * sin + (y - cy) * cos;
        const s = Math.sqrt((u / a) ** 2 + (v / b) ** 2);
        if (s > SCORE_CAP) continue;
        const p = y * w + x;
        if (s < score[p]!) {
          if (!taken[p] && s <= 1 && !(score[p]! <= 1)) covered++;
          score[p] = s;
          owner[p] = id;
        }
      }
    }
  }
  return { score, owner, gain };
}

/** The `count` free (label 0) candidate pixels with the smallest score; ties broken by a jitter of ≤ 1e-4. */
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

/** 0.4 + texture · Σ_k a_k cos(2π(u_k x/W + v_k y/H) + φ_k) / Σ_k a_k, four waves of 0.5–3 cycles per image. */
function background(w: number, h: number, texture: number, rng: Rng): Float32Array {
  const waves = Array.from({ length: 4 }, () => {
    const cycles = rng.uniform(0.5, 3);
    const dir = rng.uniform(0, 2 * Math.PI);
    return { a: rng.uniform(0.5, 1), u: cycles * Math.cos(dir), v: cycles * Math.sin(dir), phi: rng.uniform(0, 2 * Math.PI) };
  });
  const norm = waves.reduce((s, wv) => s + wv.a, 0);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (const wv of waves) s += wv.a * Math.cos(2 * Math.PI * ((wv.u * x) / w + (wv.v * y) / h) + wv.phi);
      out[y * w + x] = 0.4 + (texture * s) / norm;
    }
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
