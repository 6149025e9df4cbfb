/**
 * Scalar forms of each loss's components, for the loss explorer (the paper's Figure 2):
 * the value a single pixel of the true class contributes, as a function of the predicted
 * probability p of that class, for a background pixel (class 0) and a rare-class pixel.
 *
 * - Distribution component: the per-pixel term w_c · m_c(p) · (−log p), p clipped as in the
 *   tensor losses. Exactly what the tensor loss returns for a one-pixel image.
 * - Region component: the class term for a class whose pixels are all predicted at p with no
 *   false positives: tp = N·p, fn = N·(1 − p), fp = 0, so 1 − TI = δ(1 − p) / (p + δ(1 − p))
 *   (smoothing is negligible for N ≫ s and left out), raised to the loss's exponent.
 * - Total: the loss's own mix (λ for the unified losses, α for combo, whose Dice part enters
 *   as −(1 − α)·TI).
 *
 * Pure numbers, no tfjs: the page draws these without loading tensors. The unit tests check
 * every component against the tensor implementation.
 */
import { EPSILON as EPS } from './constants';
import { getLossSpec, type LossId, type ResolvedParams } from './registry';

export type PixelClass = 'background' | 'rare';

export interface ComponentCurve {
  /** 'distribution' | 'region' | 'total' */
  component: 'distribution' | 'region' | 'total';
  values: number[];
}

const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);

function num(p: ResolvedParams, k: keyof ResolvedParams): number {
  const v = p[k];
  if (typeof v !== 'number') throw new Error(`parameter ${k} must be a number`);
  return v;
}

/** 1 − TI for a class predicted at p everywhere on its pixels, with no false positives. */
export function regionDistance(p: number, delta: number): number {
  const fn = delta * (1 - p);
  const den = p + fn;
  return den > 0 ? fn / den : 0;
}

const powGuarded = (d: number, e: number) => (d > 0 ? Math.pow(d, e) : 0);

/** Per-pixel distribution term −w·m(p)·log p for a pixel of the given class kind. */
export function distributionComponent(id: LossId, params: ResolvedParams, kind: PixelClass, p: number): number | null {
  const pc = clip(p);
  const ce = -Math.log(pc);
  switch (id) {
    case 'crossEntropy':
      return ce;
    case 'focal': {
      const a = params.alpha;
      let w = 1;
      if (typeof a === 'number') w = kind === 'background' ? 1 - a : a;
      else if (Array.isArray(a)) w = (kind === 'background' ? a[0] : a[1]) ?? 1;
      return w * Math.pow(1 - pc, num(params, 'gamma')) * ce;
    }
    case 'combo': {
      const b = num(params, 'beta');
      return (kind === 'background' ? 1 - b : b) * ce;
    }
    case 'symmetricFocal':
    case 'asymmetricFocal':
    case 'symmetricUnifiedFocal':
    case 'asymmetricUnifiedFocal': {
      const d = num(params, 'delta');
      const g = num(params, 'gamma');
      const asym = id === 'asymmetricFocal' || id === 'asymmetricUnifiedFocal';
      if (kind === 'background') return (1 - d) * Math.pow(1 - pc, g) * ce;
      return d * (asym ? 1 : Math.pow(1 - pc, g)) * ce;
    }
    default:
      return null;
  }
}

/** Region term (1 − TI)^e, or for combo the Dice coefficient TI, for a class predicted at p. */
export function regionComponent(id: LossId, params: ResolvedParams, kind: PixelClass, p: number): number | null {
  switch (id) {
    case 'dice':
    case 'tversky':
      return regionDistance(p, num(params, 'delta'));
    case 'combo':
      return 1 - regionDistance(p, 0.5);
    case 'focalTversky':
      return powGuarded(regionDistance(clip(p), num(params, 'delta')), 1 / num(params, 'gamma'));
    case 'symmetricFocalTversky':
    case 'asymmetricFocalTversky':
    case 'symmetricUnifiedFocal':
    case 'asymmetricUnifiedFocal': {
      const d = regionDistance(clip(p), num(params, 'delta'));
      const asym = id === 'asymmetricFocalTversky' || id === 'asymmetricUnifiedFocal';
      const e = asym && kind === 'background' ? 1 : 1 - num(params, 'gamma');
      return powGuarded(d, e);
    }
    default:
      return null;
  }
}

/** The loss's mix of its components at p. */
export function totalComponent(id: LossId, params: ResolvedParams, kind: PixelClass, p: number): number {
  const dist = distributionComponent(id, params, kind, p);
  const reg = regionComponent(id, params, kind, p);
  if (id === 'combo') {
    const a = num(params, 'alpha');
    return a * (dist ?? 0) - (1 - a) * (reg ?? 0);
  }
  if (id === 'symmetricUnifiedFocal' || id === 'asymmetricUnifiedFocal') {
    const l = num(params, 'lambda');
    return l * (dist ?? 0) + (1 - l) * (reg ?? 0);
  }
  return (dist ?? reg ?? 0);
}

/** Curves over the probabilities `ps` for every component the loss has. */
export function componentCurves(id: LossId, params: ResolvedParams, kind: PixelClass, ps: number[]): ComponentCurve[] {
  const family = getLossSpec(id).family;
  const out: ComponentCurve[] = [];
  const dist = ps.map((p) => distributionComponent(id, params, kind, p));
  const reg = ps.map((p) => regionComponent(id, params, kind, p));
  if (family === 'compound') {
    out.push({ component: 'distribution', values: dist.map((v) => v ?? 0) });
    out.push({ component: 'region', values: reg.map((v) => v ?? 0) });
  }
  out.push({ component: 'total', values: ps.map((p) => totalComponent(id, params, kind, p)) });
  return out;
}

/** Evenly spaced probabilities in [lo, 1]. */
export function probabilityGrid(points = 199, lo = 0.005): number[] {
  return Array.from({ length: points }, (_, i) => lo + ((1 - lo) * i) / (points - 1));
}
