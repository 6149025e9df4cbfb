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
 * Sizes are those of 2D images and of the axial slices of volumes (width × height). tfjs-free.
 */
import { DEFAULT_WINDOW_OVERLAP, slidingWindows } from '../data/patches';
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
