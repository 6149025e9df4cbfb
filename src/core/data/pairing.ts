/**
 * Pairing images with their masks from the paths of a dropped folder, zip or file list, for the
 * layouts the field's datasets are downloaded in:
 * - DRIVE: `training/images/21_training.tif` ↔ `training/1st_manual/21_manual1.gif`, with the
 *   field-of-view `training/mask/21_training_mask.gif` as the region of interest; the
 *   `training/` and `test/` folders are the dataset's own split.
 * - CVC-ClinicDB: `Original/12.tif` ↔ `Ground Truth/12.tif`.
 * - Medical Segmentation Decathlon: `imagesTr/x.nii.gz` ↔ `labelsTr/x.nii.gz` (also nnU-Net's
 *   `x_0000.nii.gz`); `imagesTs/` has no labels.
 * - KiTS: `case_00000/imaging.nii.gz` ↔ `case_00000/segmentation.nii.gz`.
 * - BraTS: `X/X_t1ce.nii.gz` ↔ `X/X_seg.nii.gz` (other modalities are left out, said so).
 * - Generic: `images/` ↔ `masks/`, `labels/`, `gt/`, … by name, the mask name optionally with a
 *   suffix such as `_mask`, `_seg`, `_label`, `_gt`; or `x.png` beside `x_mask.png`.
 * Pure: works on paths only. Everything not paired is listed with the reason.
 */
import type { SplitName } from './types';

export interface PairedCase {
  id: string;
  image: string;
  mask: string;
  /** Field-of-view mask (DRIVE's mask/ folder). */
  roi?: string;
  ownSplit?: SplitName;
}

export interface LeftOut {
  path: string;
  reason: string;
}

export interface Pairing {
  pairs: PairedCase[];
  /** Images or masks without a partner, and files that were not used, each with the reason. */
  unpaired: LeftOut[];
  /** Files that are not data at all (__MACOSX, .DS_Store, dataset.json, …). */
  ignored: LeftOut[];
  /** The layout recognised, e.g. 'DRIVE', 'MSD', 'generic'. */
  layout: string;
}

const IMAGE_EXT = ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'tif', 'tiff'];
const VOLUME_EXT = ['nii', 'nii.gz'];

const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');

/** Folder names that say "these are the images" / "these are the masks" (compared by norm). */
const IMAGE_DIRS = new Set(['images', 'image', 'imgs', 'img', 'imagestr', 'original', 'originals', 'input', 'inputs', 'frames', 'scans', 'volumes', 'raw']);
const UNLABELLED_DIRS = new Set(['imagests']);
const MASK_DIRS = new Set([
  'masks', 'labels', 'label', 'labelstr', 'gt', 'groundtruth', 'annotations', 'annotation', 'segmentations',
  'segmentation', 'seg', '1stmanual', 'manual', 'manual1', 'truth', 'targets',
]);
/** Folder names that end in a mask word ('train_masks', 'ISIC2018_Task1_Training_GroundTruth'). */
const MASK_DIR_ENDINGS = ['masks', 'mask', 'groundtruth', 'labels', 'annotations', 'segmentations'];
const IMAGE_DIR_ENDINGS = ['images', 'input', 'inputs'];
/** Folders that hold a field of view rather than the segmentation. */
const ROI_DIRS = new Set(['fov', 'roi']);
const SECOND_OBSERVER_DIRS = new Set(['2ndmanual']);

/** Mask name endings, optionally numbered (BUSI's x_mask_1 is a second mask of x). */
const MASK_SUFFIX = /[_-](segmentation|manual1|1stho|labels|label|masks|mask|seg|gt|groundtruth)(?:_(\d+))?$/i;
const SPLIT_WORDS: Record<string, SplitName> = {
  training: 'train',
  train: 'train',
  validation: 'validation',
  val: 'validation',
  test: 'test',
  testing: 'test',
};
/** BraTS modalities in order of preference (2020 names, then 2023 names). */
const BRATS_MODALITIES = ['t1ce', 't1c', 'flair', 't2f', 't2', 't2w', 't1', 't1n'];
const BRATS_SUFFIX = /^(.*)[_-](t1ce|t1c|flair|t2f|t2w|t2|t1n|t1)$/i;

interface Entry {
  path: string;
  dirs: string[];
  stem: string;
  ext: string;
}

function parse(path: string): Entry {
  const clean = path.replace(/\\/g, '/').replace(/^\/+/, '');
  const parts = clean.split('/').filter(Boolean);
  const name = parts.pop() ?? '';
  const lower = name.toLowerCase();
  let ext = '';
  let stem = name;
  if (lower.endsWith('.nii.gz')) {
    ext = 'nii.gz';
    stem = name.slice(0, -7);
  } else if (lower.includes('.')) {
    ext = lower.slice(lower.lastIndexOf('.') + 1);
    stem = name.slice(0, name.lastIndexOf('.'));
  }
  return { path: clean, dirs: parts, stem, ext };
}

function junkReason(e: Entry): string | null {
  const name = e.path.split('/').pop() ?? '';
  if (e.dirs.some((d) => d === '__MACOSX')) return 'macOS resource fork (__MACOSX)';
  if (name === '.DS_Store' || name.startsWith('._')) return 'macOS metadata file';
  if (name === 'Thumbs.db' || name === 'desktop.ini') return 'Windows metadata file';
  if (name.startsWith('.')) return 'hidden file';
  if (!IMAGE_EXT.includes(e.ext) && !VOLUME_EXT.includes(e.ext)) {
    if (name === 'dataset.json') return 'Decathlon metadata (dataset.json)';
    if (e.ext === 'gz' || e.ext === 'hdr' || e.ext === 'img') return `.${e.ext} is not a supported volume (use .nii or .nii.gz)`;
    return e.ext ? `.${e.ext} is not an image or NIfTI file` : 'no file extension';
  }
  return null;
}

type Role = 'image' | 'mask' | 'roi' | 'unlabelled';

interface Classified extends Entry {
  role: Role;
  /** The folder the pair lives in: the path with the role folder taken out. */
  group: string;
  /** Matching key (lower case) and the same in the file's own case, for display. */
  key: string;
  label: string;
}

function stripSuffix(stem: string, suffixes: string[]): string | null {
  const lower = stem.toLowerCase();
  for (const s of suffixes) if (lower.endsWith(s) && lower.length > s.length) return stem.slice(0, stem.length - s.length);
  return null;
}

/** The stem without its mask ending, and the mask's number (x_mask_1 → 1), or null when no ending. */
function stripMaskSuffix(stem: string): { base: string; index: number } | null {
  const m = MASK_SUFFIX.exec(stem);
  if (!m || m.index === 0) return null;
  return { base: stem.slice(0, m.index), index: m[2] ? Number(m[2]) : 0 };
}

function dirRole(d: string): 'image' | 'mask' | null {
  if (MASK_DIRS.has(d)) return 'mask';
  if (IMAGE_DIRS.has(d)) return 'image';
  if (MASK_DIR_ENDINGS.some((e) => d.endsWith(e) && d.length > e.length)) return 'mask';
  if (IMAGE_DIR_ENDINGS.some((e) => d.endsWith(e) && d.length > e.length)) return 'image';
  return null;
}

/** DRIVE-style names: '21_training' → '21', '01_test' → '01'. */
function stripSplitWord(stem: string): string {
  return stem.replace(/[_-](training|train|test|testing)$/i, '');
}

function splitOf(dirs: string[]): SplitName | undefined {
  for (const d of dirs) {
    const s = SPLIT_WORDS[norm(d)];
    if (s) return s;
  }
  return undefined;
}

export function pairFiles(paths: string[]): Pairing {
  const ignored: LeftOut[] = [];
  const unpaired: LeftOut[] = [];
  const entries: Entry[] = [];
  for (const p of paths) {
    const e = parse(p);
    const junk = junkReason(e);
    if (junk) ignored.push({ path: e.path, reason: junk });
    else entries.push(e);
  }

  // DRIVE (1st_manual) and HRF (manual1) keep the segmentation in a manual folder; their 'mask'
  // folders hold the field of view, also in a test/ folder that comes without manual annotations.
  const manualLayout = entries.some((e) => e.dirs.some((d) => ['1stmanual', 'manual1'].includes(norm(d))));

  const classified: Classified[] = [];
  /** Numbered extra masks (x_mask_1) and further nnU-Net channels (x_0001): listed, not paired. */
  const extraMask = new Map<string, number>();
  const extraChannel = new Set<string>();
  for (const e of entries) {
    // The innermost folder that names a role decides; the rest of the path is the group.
    let role: Role | null = null;
    let roleAt = -1;
    for (let i = e.dirs.length - 1; i >= 0 && role === null; i--) {
      const d = norm(e.dirs[i] ?? '');
      if (SECOND_OBSERVER_DIRS.has(d)) {
        role = 'roi';
        roleAt = -2;
      } else if ((d === 'mask' && manualLayout) || ROI_DIRS.has(d)) {
        role = 'roi';
        roleAt = i;
      } else if (d === 'mask' || dirRole(d) !== null) {
        role = d === 'mask' ? 'mask' : dirRole(d);
        roleAt = i;
      } else if (UNLABELLED_DIRS.has(d)) {
        role = 'unlabelled';
        roleAt = i;
      }
    }
    if (roleAt === -2 || /[_-](2ndho|manual2)$/i.test(e.stem)) {
      unpaired.push({ path: e.path, reason: "second observer's annotation (2nd_manual); the first observer's (1st_manual) is used" });
      continue;
    }
    if (role === 'unlabelled') {
      unpaired.push({ path: e.path, reason: 'test image of the dataset without a label (imagesTs)' });
      continue;
    }
    const dirs = roleAt >= 0 ? [...e.dirs.slice(0, roleAt), ...e.dirs.slice(roleAt + 1)] : e.dirs;
    const group = dirs.join('/');
    const lowerStem = e.stem.toLowerCase();
    let key: string;
    // KiTS: imaging / segmentation in a case folder.
    if (lowerStem === 'imaging' && role === null) {
      role = 'image';
      key = '';
    } else if (lowerStem === 'segmentation' && role === null) {
      role = 'mask';
      key = '';
    } else {
      const bareMask = stripMaskSuffix(e.stem);
      if (role === 'roi') {
        key = stripSplitWord(stripSuffix(e.stem, ['_mask', '-mask', '_fov', '_roi']) ?? e.stem);
      } else if (bareMask !== null && role !== 'mask' && /[_-](mask|seg|gt|label|labels|masks|segmentation|groundtruth)(_\d+)?$/i.test(e.stem)) {
        // A mask name wins over an image folder (images/x_mask.png is a mask).
        role = 'mask';
        key = stripSplitWord(bareMask.base);
        if (bareMask.index > 0) extraMask.set(e.path, bareMask.index);
      } else if (role === 'mask') {
        key = stripSplitWord(bareMask?.base ?? e.stem);
        if (bareMask && bareMask.index > 0) extraMask.set(e.path, bareMask.index);
      } else if (bareMask !== null && role === null) {
        role = 'mask';
        key = bareMask.base;
      } else {
        role = 'image';
        key = stripSplitWord(e.stem.replace(/_0000$/, ''));
        const channel = /_(\d{4})$/.exec(e.stem);
        if (channel && channel[1] !== '0000') extraChannel.add(e.path);
      }
    }
    classified.push({ ...e, role: role ?? 'image', group, key: key.toLowerCase(), label: key });
  }

  // BraTS: several modalities per case folder; keep t1ce (else the first available) and list the rest.
  const byGroupKey = new Map<string, Classified[]>();
  for (const c of classified) {
    if (c.role !== 'image') continue;
    const m = BRATS_SUFFIX.exec(c.key);
    if (!m) continue;
    c.key = (m[1] ?? '').toLowerCase();
    c.label = c.label.slice(0, m[1]?.length ?? 0);
    const k = `${c.group}|${c.key}`;
    byGroupKey.set(k, [...(byGroupKey.get(k) ?? []), c]);
  }
  const droppedModality = new Set<Classified>();
  for (const list of byGroupKey.values()) {
    if (list.length < 2) continue;
    const rank = (c: Classified) => BRATS_MODALITIES.indexOf((BRATS_SUFFIX.exec(c.stem)?.[2] ?? '').toLowerCase());
    const sorted = [...list].sort((a, b) => rank(a) - rank(b));
    const kept = sorted[0];
    for (const other of sorted.slice(1)) {
      droppedModality.add(other);
      unpaired.push({ path: other.path, reason: `another modality of the same case; ${kept?.path.split('/').pop()} is used` });
    }
  }

  for (const c of classified) {
    if (extraChannel.has(c.path)) {
      unpaired.push({ path: c.path, reason: 'a further input channel (nnU-Net _000N); the first channel (_0000) is used' });
    }
  }
  const images = classified.filter((c) => c.role === 'image' && !droppedModality.has(c) && !extraChannel.has(c.path));
  const masks = classified.filter((c) => c.role === 'mask');
  const rois = classified.filter((c) => c.role === 'roi');
  const index = (list: Classified[]) => {
    const m = new Map<string, Classified[]>();
    for (const c of list) {
      const k = `${c.group}|${c.key}`;
      m.set(k, [...(m.get(k) ?? []), c]);
    }
    return m;
  };
  const maskIndex = index(masks);
  const roiIndex = index(rois);
  const usedMasks = new Set<Classified>();
  const usedRois = new Set<Classified>();
  const pairs: PairedCase[] = [];

  // Masks by key alone, for layouts whose image and mask folders have different parents
  // (ISIC's ..._Input/ and ..._GroundTruth/): used only when the key is unique.
  const maskByKey = new Map<string, Classified[]>();
  for (const m of masks) maskByKey.set(m.key, [...(maskByKey.get(m.key) ?? []), m]);
  const byNumber = (a: Classified, b: Classified) => (extraMask.get(a.path) ?? 0) - (extraMask.get(b.path) ?? 0) || a.path.localeCompare(b.path);

  for (const img of [...images].sort((a, b) => a.path.localeCompare(b.path))) {
    const k = `${img.group}|${img.key}`;
    let candidates = (maskIndex.get(k) ?? []).filter((m) => !usedMasks.has(m)).sort(byNumber);
    if (candidates.length === 0) {
      const anywhere = (maskByKey.get(img.key) ?? []).filter((m) => !usedMasks.has(m));
      const groups = new Set(anywhere.map((m) => m.group));
      if (groups.size === 1) candidates = anywhere.sort(byNumber);
    }
    const mask = candidates[0];
    if (!mask) {
      unpaired.push({
        path: img.path,
        reason: manualLayout
          ? 'no manual annotation for this image'
          : 'no mask found with a matching name (looked in masks/, labels/, gt/, … and for suffixes such as _mask)',
      });
      continue;
    }
    usedMasks.add(mask);
    for (const extra of candidates.slice(1)) {
      usedMasks.add(extra);
      unpaired.push({
        path: extra.path,
        reason: extraMask.has(extra.path)
          ? `a further mask of ${img.path} (numbered ${extraMask.get(extra.path)}); only ${mask.path} is used`
          : `a second mask for ${img.path}; ${mask.path} is used`,
      });
    }
    const roi = (roiIndex.get(k) ?? [])[0];
    if (roi) usedRois.add(roi);
    const id = img.key === '' ? (img.dirs[img.dirs.length - 1] ?? img.stem) : img.label;
    const ownSplit = splitOf(img.dirs);
    pairs.push({ id, image: img.path, mask: mask.path, ...(roi ? { roi: roi.path } : {}), ...(ownSplit ? { ownSplit } : {}) });
  }
  for (const m of masks) if (!usedMasks.has(m)) unpaired.push({ path: m.path, reason: 'no image found for this mask' });
  for (const r of rois) if (!usedRois.has(r)) unpaired.push({ path: r.path, reason: 'field-of-view mask without a matching image' });

  // Ids must be unique: prefix the group where two cases share one.
  const seen = new Map<string, number>();
  for (const p of pairs) seen.set(p.id, (seen.get(p.id) ?? 0) + 1);
  for (const p of pairs) {
    if ((seen.get(p.id) ?? 0) > 1) {
      const group = parse(p.image).dirs.filter((d) => !IMAGE_DIRS.has(norm(d))).join('/');
      p.id = group ? `${group}/${p.id}` : p.image;
    }
  }
  pairs.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  return { pairs, unpaired, ignored, layout: detectLayout(entries, pairs) };
}

function detectLayout(entries: Entry[], pairs: PairedCase[]): string {
  const dirs = new Set(entries.flatMap((e) => e.dirs.map(norm)));
  const names = new Set(entries.map((e) => e.stem.toLowerCase()));
  if (dirs.has('1stmanual')) return 'DRIVE';
  if (dirs.has('groundtruth') && dirs.has('original')) return 'CVC-ClinicDB';
  if (dirs.has('imagestr') || dirs.has('labelstr')) return 'Medical Segmentation Decathlon';
  if (names.has('imaging') && names.has('segmentation')) return 'KiTS';
  if (pairs.some((p) => /_seg\.nii(\.gz)?$/i.test(p.mask))) return 'BraTS';
  return pairs.length ? 'generic' : 'none';
}

/** Replaces or adds a pairing chosen by the user; the image and mask leave the unpaired list. */
export function pairManually(p: Pairing, image: string, mask: string, id?: string): Pairing {
  const pairs = p.pairs.filter((x) => x.image !== image && x.mask !== mask);
  const freed = p.pairs.filter((x) => (x.image === image || x.mask === mask) && !(x.image === image && x.mask === mask));
  const unpaired = p.unpaired.filter((u) => u.path !== image && u.path !== mask);
  for (const f of freed) {
    if (f.image !== image) unpaired.push({ path: f.image, reason: 'its mask was paired with another image by hand' });
    if (f.mask !== mask) unpaired.push({ path: f.mask, reason: 'its image was paired with another mask by hand' });
  }
  const stem = parse(image).stem;
  let unique = id ?? stem;
  for (let n = 2; pairs.some((x) => x.id === unique); n++) unique = `${id ?? stem} (${n})`;
  pairs.push({ id: unique, image, mask });
  pairs.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  return { ...p, pairs, unpaired };
}

/** Removes a pair; both files go back to the unpaired list. */
export function unpair(p: Pairing, id: string): Pairing {
  const gone = p.pairs.find((x) => x.id === id);
  if (!gone) return p;
  return {
    ...p,
    pairs: p.pairs.filter((x) => x.id !== id),
    unpaired: [
      ...p.unpaired,
      { path: gone.image, reason: 'unpaired by hand' },
      { path: gone.mask, reason: 'unpaired by hand' },
    ],
  };
}
