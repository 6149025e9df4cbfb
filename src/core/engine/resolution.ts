/**
 * What an experiment does to the size of the user's images, in words the page and `segstudio`
 * both print before training starts, so that no image is made smaller without the user being
 * told where and by how much.
 *
 * - Native resolution (training/config.ts Resolution 'native'): images keep their size. An
 *   image larger than the model input W × H is trained on random W × H patches, a third of them
 *   centred on foreground (nnU-Net's rule, data/patches.ts), and scored by overlapping W × H
 *   windows blended with a Gaussian weight (n windows per image by nnU-Net's step rule at 50 %
 *   overlap, data/patches.ts slidingWindows). One smaller than the input is padded to it.
 * - Resize to fit (the quick look): an image larger than W × H is resampled, aspect ratio kept,
 *   by s = min(W/w, H/h) to round(s·w) × round(s·h) (training/samples.ts fitToInput): it is
 *   1/s times smaller along each axis, and a structure thinner than about 1/s pixels covers
 *   less than one pixel of the resampled image and may vanish. Predictions are brought back to
 *   the image's own size before they are scored.
 *
 * Sizes are those of 2D images and of the axial slices of volumes (width × height).
 *
 * 3D experiments may resample volumes to a target spacing (data/volume3d.ts: images trilinear,
 * labels nearest, n' = round(n·s/t) voxels per axis; predictions are scored back on each volume's
 * own grid): {@link spacingReport} says which volumes, from what to what, and by how much each
 * axis becomes coarser or finer. tfjs-free.
 */
import { DEFAULT_WINDOW_OVERLAP, slidingWindows } from '../data/patches';
import { resampledSize } from '../data/volume3d';
import type { Resolution } from '../training/config';

/** The images of one size in a dataset. */
export interface ImageSize {
  width: number;
  height: number;
  /** How many cases have images (or volume slices) of this size. */
  cases: number;
}

/** One size's fate, with the sentence that states it. */
export interface SizeNote extends ImageSize {
  /** 'resized': made smaller (fit); 'patches': larger than the input at native resolution; 'padded': smaller than or equal to the input. */
  kind: 'resized' | 'patches' | 'padded';
  /** The size the model sees: the resized size ('resized'), else the image's own. */
  trainedWidth: number;
  trainedHeight: number;
  /** How many times smaller along each axis ('resized'), else 1. */
  factor: number;
  /** Inference windows per image or slice ('patches'), else 1. */
  windows: number;
  text: string;
}

export interface ResolutionReport {
  resolution: Resolution;
  input: { width: number; height: number };
  sizes: SizeNote[];
  /** Some image is made smaller (resize to fit only). */
  shrinks: boolean;
  /** One line for the whole dataset. */
  summary: string;
}

/** The distinct image sizes of cases, most frequent first (then larger first). */
export function imageSizes(cases: readonly { image: { dims: readonly number[] } }[]): ImageSize[] {
  const bySize = new Map<string, ImageSize>();
  for (const c of cases) {
    const width = c.image.dims[0] ?? 0;
    const height = c.image.dims[1] ?? 0;
    const key = `${width}×${height}`;
    const s = bySize.get(key);
    if (s) s.cases++;
    else bySize.set(key, { width, height, cases: 1 });
  }
  return [...bySize.values()].sort((a, b) => b.cases - a.cases || b.width * b.height - a.width * a.height);
}

const cases = (n: number) => `${n} case${n === 1 ? '' : 's'}`;
const fixed = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));

/** The fate of each image size under a resolution and a model input size, and a summary line. */
export function resolutionReport(sizes: readonly ImageSize[], input: { width: number; height: number }, resolution: Resolution): ResolutionReport {
  const { width: W, height: H } = input;
  const notes = sizes.map((s): SizeNote => {
    const larger = s.width > W || s.height > H;
    const own = `${s.width}×${s.height}`;
    if (!larger) {
      return { ...s, kind: 'padded', trainedWidth: s.width, trainedHeight: s.height, factor: 1, windows: 1, text: `${own} (${cases(s.cases)}): whole, padded to ${W}×${H}` };
    }
    if (resolution === 'native') {
      const windows = slidingWindows(Math.max(s.width, W), Math.max(s.height, H), { width: W, height: H }, DEFAULT_WINDOW_OVERLAP).length;
      return {
        ...s,
        kind: 'patches',
        trainedWidth: s.width,
        trainedHeight: s.height,
        factor: 1,
        windows,
        text: `${own} (${cases(s.cases)}): native resolution, trained on ${W}×${H} patches (a third centred on foreground), scored by ${windows} overlapping windows per image`,
      };
    }
    const scale = Math.min(W / s.width, H / s.height);
    const w = Math.min(W, Math.max(1, Math.round(s.width * scale)));
    const h = Math.min(H, Math.max(1, Math.round(s.height * scale)));
    const factor = 1 / scale;
    return {
      ...s,
      kind: 'resized',
      trainedWidth: w,
      trainedHeight: h,
      factor,
      windows: 1,
      text: `${own} → ${w}×${h} (${cases(s.cases)}), ${fixed(factor)}× smaller: structures thinner than ${fixed(factor)} px may vanish`,
    };
  });
  const shrunk = notes.filter((n) => n.kind === 'resized');
  const patched = notes.filter((n) => n.kind === 'patches');
  let summary: string;
  if (shrunk.length) {
    const worst = shrunk.reduce((a, b) => (b.factor > a.factor ? b : a));
    const n = shrunk.reduce((k, s) => k + s.cases, 0);
    summary = `Resize to fit (quick look): ${cases(n)} resized to the ${W}×${H} input, up to ${fixed(worst.factor)}× smaller (${worst.width}×${worst.height} → ${worst.trainedWidth}×${worst.trainedHeight}): structures thinner than ${fixed(worst.factor)} px may vanish. Native resolution trains on the images as they are.`;
  } else if (patched.length) {
    const n = patched.reduce((k, s) => k + s.cases, 0);
    const most = patched.reduce((a, b) => (b.windows > a.windows ? b : a));
    summary = `Native resolution: ${cases(n)} larger than the ${W}×${H} input, trained on ${W}×${H} patches and scored by sliding windows (up to ${most.windows} per image, ${most.width}×${most.height}); nothing is resized.`;
  } else {
    summary = `Every image fits the ${W}×${H} input (padded where smaller): nothing is resized${resolution === 'fit' ? ', so resize to fit changes nothing here' : ''}.`;
  }
  return { resolution, input: { width: W, height: H }, sizes: notes, shrinks: shrunk.length > 0, summary };
}

/** What resampling to a target spacing does to a dataset's volumes, in sentences. */
export interface SpacingReport {
  /** Volumes whose grid changes. */
  resampled: number;
  lines: string[];
  summary: string;
}

const mm = (s: readonly number[]) => s.map((v) => +v.toFixed(3)).join(' × ');

/** The volumes a 3D experiment resamples to `target` (null: none), grouped by size and spacing. */
export function spacingReport(cases: readonly { image: { dims: readonly number[]; spacing: readonly number[] } }[], target: readonly [number, number, number] | null): SpacingReport {
  if (!target) return { resampled: 0, lines: [], summary: '3D: every volume trains at its own spacing; nothing is resampled.' };
  const groups = new Map<string, { dims: [number, number, number]; spacing: [number, number, number]; n: number }>();
  for (const c of cases) {
    const dims = [c.image.dims[0] ?? 1, c.image.dims[1] ?? 1, c.image.dims[2] ?? 1] as [number, number, number];
    const spacing = [c.image.spacing[0] ?? 1, c.image.spacing[1] ?? 1, c.image.spacing[2] ?? 1] as [number, number, number];
    const key = `${dims.join('×')}@${spacing.join(',')}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { dims, spacing, n: 1 });
  }
  let resampled = 0;
  const lines: string[] = [];
  for (const g of [...groups.values()].sort((a, b) => b.n - a.n)) {
    const to = resampledSize(g.dims, g.spacing, [target[0], target[1], target[2]]);
    const out = [to.width, to.height, to.depth];
    if (out.every((v, a) => v === g.dims[a])) continue;
    resampled += g.n;
    const axes = (['x', 'y', 'z'] as const).flatMap((name, a) => {
      const f = target[a]! / g.spacing[a]!;
      if (Math.abs(f - 1) < 1e-6) return [];
      return [`${name} ${(f > 1 ? f : 1 / f).toFixed(2)}× ${f > 1 ? 'coarser' : 'finer'}`];
    });
    lines.push(`${g.dims.join('×')} at ${mm(g.spacing)} mm (${cases.length === 1 ? '1 volume' : `${g.n} volume${g.n === 1 ? '' : 's'}`}) → ${out.join('×')} at ${mm(target)} mm: ${axes.join(', ')}`);
  }
  const summary = resampled
    ? `3D: ${resampled} of ${cases.length} volumes are resampled to ${mm(target)} mm (images trilinear, labels nearest); predictions are scored back on each volume's own grid.`
    : `3D: every volume is already at ${mm(target)} mm; nothing is resampled.`;
  return { resampled, lines, summary };
}
