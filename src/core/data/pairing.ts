/**
 * Pairing images with their masks from the paths of a dropped folder, zip or file list, for the
 * layouts the field's datasets are downloaded in:
 * - DRIVE: `training/images/21_training.tif` ↔ `training/1st_manual/21_manual1.gif`, with the
 *   field-of-view `training/mask/21_training_mask.gif` as the region of interest; the
 *   `training/` and `test/` folders are the dataset's own split. HRF: `images/` ↔ `manual1/`,
 *   `mask/` the field of view. CHASE_DB1: `Image_01L.jpg` ↔ `Image_01L_1stHO.png`.
 * - CVC-ClinicDB: `Original/12.tif` ↔ `Ground Truth/12.tif`.
 * - Medical Segmentation Decathlon: `imagesTr/x.nii.gz` ↔ `labelsTr/x.nii.gz`; `imagesTs/` has no
 *   labels unless a `labelsTs/` folder sits beside it. nnU-Net's channel files
 *   `x_0000.nii.gz`, `x_0001.nii.gz`, … ↔ `labelsTr/x.nii.gz`: the first channel is used and the
 *   others are listed. A name ending in `_` and four digits is a further channel only beside
 *   `x_0000` in the same folder and when no mask bears its own name; otherwise it is an ordinary
 *   case name (`img_0001`, `case_1000`).
 * - KiTS: `case_00000/imaging.nii.gz` ↔ `case_00000/segmentation.nii.gz` (KiTS23's
 *   `instances/` annotations are listed, the aggregated segmentation is used).
 * - BraTS: `X/X_t1ce.nii.gz` ↔ `X/X_seg.nii.gz`, 2023's `X-t1c.nii.gz` ↔ `X-seg.nii.gz` (other
 *   modalities are listed as not used).
 * - ISIC: `..._Input/x.jpg` ↔ `..._GroundTruth/x_segmentation.png`. Carvana: `train/x.jpg` ↔
 *   `train_masks/x_mask.gif`.
 * - Generic: `images/` ↔ `masks/`, `labels/`, `gt/`, … by name, the mask name optionally with a
 *   suffix such as `_mask`, `_seg`, `_label`, `_gt`; or `x.png` beside `x_mask.png`.
 * Folders before names: where folders under one parent name both sides (`images/` and `masks/`,
 * `imagesTr/` and `labelsTr/`), a file's folder decides its role whatever its name ends in, so
 * `imagesTr/nan_label.nii.gz` is the image of case `nan_label`. A mask ending in the name
 * (`x_mask.png`) decides only where folders do not name both sides. Names match exactly first,
 * then with an ending removed (`_0000`, a BraTS modality, `_training`, a mask suffix).
 * Pure: works on paths only. Every path given comes back exactly once: in a pair (as image,
 * mask or field of view), in `unpaired` with the reason (data not used, image and volume
 * formats the readers do not decode, with what to do), or in `ignored` (files that are not data).
 * Which extensions are data (and which are compound, like `.nii.gz`) comes from the format
 * registry (core/io/formats/registry.ts); formats it names but does not read, from
 * core/io/formats/unsupported.ts.
 */
import { FORMATS, orList, readableExtensions, splitExtension, type Formats } from '../io/formats/registry';
import { TO_NIFTI, UNOPENED_ARCHIVE_EXTENSIONS, unsupportedFormat } from '../io/formats/unsupported';
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
  /** Set when the file is in an image or volume format the studio's readers do not decode. */
  unreadable?: true;
}

export interface Pairing {
  pairs: PairedCase[];
  /**
   * Images, masks and fields of view without a partner, files that were not used (further
   * channels, other modalities, second observers), and image or volume files in formats the
   * studio does not read; each with the reason. Sorted by path.
   */
  unpaired: LeftOut[];
  /** Files that are not data at all (__MACOSX, .DS_Store, dataset.json, .txt, …), and repeated paths. */
  ignored: LeftOut[];
  /** The layout recognised, e.g. 'DRIVE', 'MSD', 'generic'. */
  layout: string;
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');

/** Folder names that say "these are the images" / "these are the masks" (compared by norm). */
const IMAGE_DIRS = new Set(['images', 'image', 'imgs', 'img', 'imagestr', 'original', 'originals', 'input', 'inputs', 'frames', 'scans', 'volumes', 'raw']);
/** Decathlon test images: labelled only where a labelsTs/ folder sits beside them. */
const TEST_IMAGE_DIR = 'imagests';
const TEST_LABEL_DIR = 'labelsts';
const MASK_DIRS = new Set([
  'masks', 'labels', 'label', 'labelstr', TEST_LABEL_DIR, 'gt', 'groundtruth', 'annotations', 'annotation', 'segmentations',
  'segmentation', 'seg', '1stmanual', 'manual', 'manual1', 'truth', 'targets',
]);
/** Decathlon folders pair Tr with Tr and Ts with Ts. */
const TR_TS: Record<string, string> = { imagestr: 'tr', labelstr: 'tr', imagests: 'ts', labelsts: 'ts' };
/** Folder names that end in a mask word ('train_masks', 'ISIC2018_Task1_Training_GroundTruth'). */
const MASK_DIR_ENDINGS = ['masks', 'mask', 'groundtruth', 'labels', 'annotations', 'segmentations'];
const IMAGE_DIR_ENDINGS = ['images', 'input', 'inputs'];
/** Folders that hold a field of view rather than the segmentation. */
const ROI_DIRS = new Set(['fov', 'roi']);
const SECOND_OBSERVER_DIRS = new Set(['2ndmanual']);

/** Mask name endings, optionally numbered (BUSI's x_mask_1 is a second mask of x). */
const MASK_SUFFIX = /[_-](segmentation|manual1|1stho|labels|label|masks|mask|seg|gt|groundtruth)(?:_(\d+))?$/i;
/** The endings that make a file in an image folder a mask, where no folder names the masks. */
const MASK_SUFFIX_IN_IMAGE_DIR = /[_-](mask|seg|gt|label|labels|masks|segmentation|groundtruth)(_\d+)?$/i;
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
const BRATS_SUFFIX = /^(.+)[_-](t1ce|t1c|flair|t2f|t2w|t2|t1n|t1)$/i;
/** nnU-Net channel files: case_0000, case_0001, … */
const CHANNEL_SUFFIX = /^(.+)_(\d{4})$/;

/** The reason given to a file no rule placed; never expected, kept so that no file can vanish. */
export const UNPLACED_REASON = 'not paired: no pairing rule placed this file';

interface Entry {
  path: string;
  dirs: string[];
  stem: string;
  ext: string;
}

function parse(path: string, formats: Formats = FORMATS): Entry {
  const clean = path.replace(/\\/g, '/').replace(/^\/+/, '');
  const parts = clean.split('/').filter(Boolean);
  const name = parts.pop() ?? '';
  const { stem, ext } = splitExtension(name, formats);
  return { path: clean, dirs: parts, stem, ext };
}

/** The extension under a last one ('x.mha.gz' → 'mha'), or '' when there is none. */
function innerExt(stem: string): string {
  const dot = stem.lastIndexOf('.');
  return dot > 0 ? stem.slice(dot + 1).toLowerCase() : '';
}

type LeftOutBy = { to: 'ignored' | 'unpaired'; reason: string; unreadable?: true };

/**
 * Why a file cannot be paired from its name alone: not data (ignored), or an image or volume in
 * a format the readers do not decode (unpaired, with what to do). Null for readable files.
 */
/** The extensions the readers decode, by kind, and the words for them in reasons. */
interface Readable {
  images: string[];
  volumes: string[];
  /** 'NIfTI' (the volume formats' names, for "not an image or NIfTI file"). */
  volumeWords: string;
}

function readableOf(formats: Formats): Readable {
  return {
    images: readableExtensions('image2d', formats),
    volumes: readableExtensions('volume', formats),
    volumeWords: orList(formats.filter((f) => f.kind === 'volume').map((f) => f.label)),
  };
}

function leftOutByName(e: Entry, metaImageStems: Set<string>, readable: Readable): LeftOutBy | null {
  const name = e.path.split('/').pop() ?? '';
  const ignore = (reason: string): LeftOutBy => ({ to: 'ignored', reason });
  const unreadable = (reason: string): LeftOutBy => ({ to: 'unpaired', reason, unreadable: true });
  if (e.dirs.some((d) => d === '__MACOSX')) return ignore('macOS resource fork (__MACOSX)');
  if (name === '.DS_Store' || name.startsWith('._')) return ignore('macOS metadata file');
  if (name === 'Thumbs.db' || name === 'desktop.ini') return ignore('Windows metadata file');
  if (name.startsWith('.')) return ignore('hidden file');
  if (readable.images.includes(e.ext) || readable.volumes.includes(e.ext)) return null;
  if (name === 'dataset.json') return ignore('Decathlon metadata (dataset.json)');
  const notData = `not an image or ${readable.volumeWords} file`;
  const format = unsupportedFormat(e.ext);
  if (format) return unreadable(`${format.format} (.${e.ext}) is not read by the studio: ${format.advice}`);
  if ((e.ext === 'raw' || e.ext === 'zraw') && metaImageStems.has(`${e.dirs.join('/')}/${e.stem}`.toLowerCase())) {
    return unreadable(`the data file of ${e.stem}.mhd (MetaImage) is not read by the studio: ${TO_NIFTI}`);
  }
  const inner = e.ext === 'gz' ? innerExt(e.stem) : '';
  if (UNOPENED_ARCHIVE_EXTENSIONS.includes(e.ext) || inner === 'tar') {
    const ext = inner === 'tar' ? 'tar.gz' : e.ext;
    return unreadable(`archive (.${ext}) is not opened by the studio: unpack it and drop the folder, or a zip of it`);
  }
  if (e.ext === 'zip') return unreadable('a zip archive inside another is not opened: unpack it and drop the folder');
  if (e.ext === 'gz') {
    const innerFormat = unsupportedFormat(inner);
    if (innerFormat) return unreadable(`gzip-compressed ${innerFormat.format} (.${inner}.gz) is not read by the studio: ${innerFormat.advice}`);
    if (readable.images.includes(inner)) return unreadable(`gzip-compressed image (.${inner}.gz) is not read by the studio: decompress it (gunzip)`);
    if (inner === '') return unreadable(`.gz is not a supported volume (use ${orList(readable.volumes.map((v) => `.${v}`))})`);
    return ignore(`.${inner}.gz is ${notData}`);
  }
  return ignore(e.ext ? `.${e.ext} is ${notData}` : 'no file extension');
}

type FolderRole = 'image' | 'mask' | 'roi' | 'unlabelled' | 'second';
type Role = 'image' | 'mask' | 'roi';

/** A name a file can be matched by: lower-case key and the same in the file's own case. */
interface Name {
  key: string;
  label: string;
}

interface Classified extends Entry {
  role: Role;
  /** The folder the pair lives in: the path with the role folder taken out (and where it was). */
  group: string;
  /** Names to match by, the exact name first, then with endings removed. */
  names: Name[];
  /** A numbered extra mask's number (x_mask_1 → 1), else 0. */
  number: number;
  /** BraTS modality of an image (t1ce, flair, …). */
  modality?: string;
  /** The nnU-Net channel number of an image beside its `_0000` sibling, and that sibling. */
  channel?: { n: string; first: Classified };
}

/** Appends to the list kept under a key. */
function add<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function names(...stems: (string | null | undefined)[]): Name[] {
  const out: Name[] = [];
  for (const s of stems) {
    if (s === null || s === undefined) continue;
    const key = s.toLowerCase();
    if (!out.some((n) => n.key === key)) out.push({ key, label: s });
  }
  return out;
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

/** The innermost folder of the path that names a role, and its position (−1: none). */
function folderRole(e: Entry, manualLayout: boolean): { role: FolderRole | null; at: number } {
  for (let i = e.dirs.length - 1; i >= 0; i--) {
    const d = norm(e.dirs[i] ?? '');
    if (SECOND_OBSERVER_DIRS.has(d)) return { role: 'second', at: i };
    if ((d === 'mask' && manualLayout) || ROI_DIRS.has(d)) return { role: 'roi', at: i };
    if (d === TEST_IMAGE_DIR) return { role: 'unlabelled', at: i };
    if (d === 'mask') return { role: 'mask', at: i };
    const r = dirRole(d);
    if (r) return { role: r, at: i };
  }
  return { role: null, at: -1 };
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

const fileName = (path: string) => path.split('/').pop() ?? path;
/** Natural order (case_2 before case_10) for the lists shown. */
const natural = new Intl.Collator(undefined, { numeric: true }).compare;
/** A fixed order for ties in the matching (plain code-unit order: much faster than a collator). */
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

interface Edge {
  img: Classified;
  mask: Classified;
  /** The image's name the two matched by (the case id). */
  name: Name;
  /** Positions of the matched name in the image's and the mask's lists, summed: 0 is exact. */
  score: number;
  sameCase: boolean;
}

function modalityRank(c: Classified): number {
  return c.modality ? BRATS_MODALITIES.indexOf(c.modality) : -1;
}

/** Best match first: fewer endings removed, same letter case, preferred modality, unnumbered mask, same extension. */
function compareEdges(a: Edge, b: Edge): number {
  return (
    a.score - b.score ||
    Number(b.sameCase) - Number(a.sameCase) ||
    modalityRank(a.img) - modalityRank(b.img) ||
    a.mask.number - b.mask.number ||
    Number(b.img.ext === b.mask.ext) - Number(a.img.ext === a.mask.ext) ||
    byPath(a.img, b.img) ||
    byPath(a.mask, b.mask)
  );
}

/** Edges from images to masks whose names match in the same group. */
function edgesWithin(images: Classified[], masks: Classified[]): Edge[] {
  const index = new Map<string, { m: Classified; j: number }[]>();
  for (const m of masks) m.names.forEach((n, j) => add(index, `${m.group}\n${n.key}`, { m, j }));
  const edges: Edge[] = [];
  for (const img of images) {
    img.names.forEach((n, i) => {
      for (const { m, j } of index.get(`${img.group}\n${n.key}`) ?? []) {
        edges.push({ img, mask: m, name: n, score: i + j, sameCase: n.label === m.names[j]?.label });
      }
    });
  }
  return edges;
}

/**
 * Edges across groups, for layouts whose image and mask folders do not mirror each other
 * (Carvana's train/ and train_masks/): only by a name whose remaining images all lie in one
 * group and whose remaining masks all lie in one other group.
 */
function edgesAcross(images: Classified[], masks: Classified[]): Edge[] {
  const groupsOf = (list: Classified[]) => {
    const m = new Map<string, Set<string>>();
    for (const c of list) for (const n of c.names) m.set(n.key, (m.get(n.key) ?? new Set()).add(c.group));
    return m;
  };
  const imageGroups = groupsOf(images);
  const maskGroups = groupsOf(masks);
  const index = new Map<string, { m: Classified; j: number }[]>();
  for (const m of masks) m.names.forEach((n, j) => add(index, n.key, { m, j }));
  const edges: Edge[] = [];
  for (const img of images) {
    img.names.forEach((n, i) => {
      if (n.key === '' || imageGroups.get(n.key)?.size !== 1 || maskGroups.get(n.key)?.size !== 1) return;
      for (const { m, j } of index.get(n.key) ?? []) {
        if (m.group !== img.group) edges.push({ img, mask: m, name: n, score: i + j, sameCase: n.label === m.names[j]?.label });
      }
    });
  }
  return edges;
}

/** Takes edges best first while both ends are free. */
function assign(edges: Edge[], matched: Map<Classified, Edge>, usedMasks: Set<Classified>): void {
  for (const e of [...edges].sort(compareEdges)) {
    if (matched.has(e.img) || usedMasks.has(e.mask)) continue;
    matched.set(e.img, e);
    usedMasks.add(e.mask);
  }
}

/**
 * Gives each readable file its role (image, mask, field of view) and the names it can be matched
 * by; files that are not used (second observers, unlabelled test images, KiTS instances) go to
 * `unpaired` with the reason.
 */
function classify(entries: Entry[], unpaired: LeftOut[]): { classified: Classified[]; manualLayout: boolean } {
  // DRIVE (1st_manual) and HRF (manual1) keep the segmentation in a manual folder; their 'mask'
  // folders hold the field of view, also in a test/ folder that comes without manual annotations.
  const manualLayout = entries.some((e) => e.dirs.some((d) => ['1stmanual', 'manual1'].includes(norm(d))));

  // Which parents name both sides: a folder of images and a folder of masks under one parent.
  const located = entries.map((e) => ({ e, ...folderRole(e, manualLayout) }));
  const parentOf = (l: { e: Entry; at: number }) => l.e.dirs.slice(0, l.at).join('/');
  const imageParents = new Set(located.filter((l) => l.role === 'image' || l.role === 'unlabelled').map(parentOf));
  const maskParents = new Set(located.filter((l) => l.role === 'mask').map(parentOf));
  const testLabelParents = new Set(located.filter((l) => l.role === 'mask' && norm(l.e.dirs[l.at] ?? '') === TEST_LABEL_DIR).map(parentOf));
  const bothSides = (parent: string) => imageParents.has(parent) && maskParents.has(parent);
  // KiTS: the case folders that hold an aggregated segmentation.
  const kitsCases = new Set(entries.filter((e) => e.stem.toLowerCase() === 'segmentation').map((e) => e.dirs.join('/')));

  const classified: Classified[] = [];
  for (const l of located) {
    const { e, at } = l;
    let role = l.role;
    const parent = parentOf(l);
    if (role === 'second' || /[_-](2ndho|manual2)$/i.test(e.stem)) {
      unpaired.push({ path: e.path, reason: "second observer's annotation (2nd_manual); the first observer's (1st_manual) is used" });
      continue;
    }
    if (role === 'unlabelled') {
      if (!testLabelParents.has(parent)) {
        unpaired.push({ path: e.path, reason: 'test image of the dataset without a label (imagesTs)' });
        continue;
      }
      role = 'image';
    }
    if (role === null && norm(e.dirs[e.dirs.length - 1] ?? '') === 'instances' && kitsCases.has(e.dirs.slice(0, -1).join('/'))) {
      unpaired.push({ path: e.path, reason: "KiTS instance annotation (instances/); the case's aggregated segmentation is used" });
      continue;
    }
    const roleDir = at >= 0 ? norm(e.dirs[at] ?? '') : '';
    const group = at >= 0 ? `${e.dirs.slice(0, at).join('/')}|${e.dirs.slice(at + 1).join('/')}|${TR_TS[roleDir] ?? ''}` : `${e.dirs.join('/')}||`;
    const base = { ...e, group, number: 0 };
    const lowerStem = e.stem.toLowerCase();
    const bare = stripMaskSuffix(e.stem);
    const split = (s: string | undefined) => (s === undefined ? undefined : stripSplitWord(s));
    if (role === null && (lowerStem === 'imaging' || lowerStem === 'segmentation')) {
      // KiTS: imaging / segmentation in a case folder.
      classified.push({ ...base, role: lowerStem === 'imaging' ? 'image' : 'mask', names: names('') });
    } else if (role === 'roi') {
      const fov = stripSuffix(e.stem, ['_mask', '-mask', '_fov', '_roi']) ?? undefined;
      classified.push({ ...base, role, names: names(e.stem, fov, split(fov), split(e.stem)) });
    } else if (role === 'mask') {
      classified.push({ ...base, role, names: names(e.stem, bare?.base, split(e.stem), split(bare?.base)), number: bare?.index ?? 0 });
    } else if (bare !== null && (role === null || (!bothSides(parent) && MASK_SUFFIX_IN_IMAGE_DIR.test(e.stem)))) {
      // A mask by its name: x_mask.png beside x.png, or images/x_mask.png where no folder holds masks.
      classified.push({ ...base, role: 'mask', names: names(bare.base, split(bare.base)), number: bare.index });
    } else {
      const channel = CHANNEL_SUFFIX.exec(e.stem);
      const first = channel?.[2] === '0000' ? channel[1] : undefined;
      const modality = BRATS_SUFFIX.exec(e.stem);
      const withoutModality = modality?.[1];
      classified.push({
        ...base,
        role: 'image',
        names: names(e.stem, first, withoutModality, split(e.stem), split(first), split(withoutModality)),
        ...(modality ? { modality: (modality[2] ?? '').toLowerCase() } : {}),
      });
    }
  }

  // nnU-Net: x_0001, x_0002, … are further channels of x only beside x_0000 in the same group.
  const firstChannels = new Map<string, Classified>();
  for (const c of classified) {
    const m = c.role === 'image' ? CHANNEL_SUFFIX.exec(c.stem) : null;
    if (m?.[2] === '0000') firstChannels.set(`${c.group}\n${(m[1] ?? '').toLowerCase()}`, c);
  }
  for (const c of classified) {
    const m = c.role === 'image' ? CHANNEL_SUFFIX.exec(c.stem) : null;
    const first = m && m[2] !== '0000' ? firstChannels.get(`${c.group}\n${(m[1] ?? '').toLowerCase()}`) : undefined;
    if (m && first) c.channel = { n: m[2] ?? '', first };
  }
  return { classified, manualLayout };
}

/**
 * Pairs the images and masks among `paths` (see the module comment for the layouts and rules).
 * `formats`: the formats whose files are data (the registry's by default).
 */
export function pairFiles(paths: string[], formats: Formats = FORMATS): Pairing {
  const ignored: LeftOut[] = [];
  const unpaired: LeftOut[] = [];
  const seen = new Set<string>();
  const all: Entry[] = [];
  const repeated: LeftOut[] = [];
  for (const p of paths) {
    const e = parse(p, formats);
    if (seen.has(e.path)) repeated.push({ path: e.path, reason: 'the same path appears more than once in the drop; one copy is used' });
    else {
      seen.add(e.path);
      all.push(e);
    }
  }
  const metaImageStems = new Set(all.filter((e) => e.ext === 'mhd').map((e) => `${e.dirs.join('/')}/${e.stem}`.toLowerCase()));
  const entries: Entry[] = [];
  const readable = readableOf(formats);
  for (const e of all) {
    const out = leftOutByName(e, metaImageStems, readable);
    if (!out) entries.push(e);
    else (out.to === 'ignored' ? ignored : unpaired).push({ path: e.path, reason: out.reason, ...(out.unreadable ? { unreadable: true as const } : {}) });
  }
  ignored.push(...repeated);

  const { classified, manualLayout } = classify(entries, unpaired);
  const images = classified.filter((c) => c.role === 'image').sort(byPath);
  const masks = classified.filter((c) => c.role === 'mask');
  const rois = classified.filter((c) => c.role === 'roi');
  // Best names first within a group, then across groups by names that are not ambiguous.
  const matched = new Map<Classified, Edge>();
  const usedMasks = new Set<Classified>();
  const within = edgesWithin(images, masks);
  assign(within, matched, usedMasks);
  const across = edgesAcross(
    images.filter((i) => !matched.has(i)),
    masks.filter((m) => !usedMasks.has(m)),
  );
  assign(across, matched, usedMasks);
  const edges = [...within, ...across].sort(compareEdges);
  const fov = attachFieldsOfView(images, rois, matched);

  const pairs: PairedCase[] = [];
  for (const img of images) {
    const edge = matched.get(img);
    if (!edge) continue;
    const roi = fov.roiOf.get(img);
    const id = edge.name.key === '' ? (img.dirs[img.dirs.length - 1] ?? img.stem) : edge.name.label;
    const ownSplit = splitOf(img.dirs);
    pairs.push({ id, image: img.path, mask: edge.mask.path, ...(roi ? { roi: roi.path } : {}), ...(ownSplit ? { ownSplit } : {}) });
  }

  // Every image, mask and field of view not paired, with the reason.
  const why = new Leftovers(edges, matched, masks, manualLayout);
  for (const img of images) if (!matched.has(img)) unpaired.push({ path: img.path, reason: why.image(img) });
  for (const m of masks) if (!usedMasks.has(m)) unpaired.push({ path: m.path, reason: why.mask(m) });
  for (const r of rois) {
    if (fov.used.has(r)) continue;
    const img = fov.imageOf.get(r);
    const other = img ? fov.roiOf.get(img) : undefined;
    let reason = 'field-of-view mask without a matching image';
    if (img && other) reason = `a second field-of-view mask for ${img.path}; ${other.path} is used`;
    else if (img) reason = `field-of-view mask of ${img.path}, which is not paired (${manualLayout ? 'no manual annotation' : 'no mask'})`;
    unpaired.push({ path: r.path, reason });
  }

  // No file may vanish: anything no rule placed is listed.
  const placed = new Set([...pairs.flatMap((p) => [p.image, p.mask, p.roi ?? '']), ...unpaired.map((u) => u.path), ...ignored.map((u) => u.path)]);
  for (const e of all) if (!placed.has(e.path)) unpaired.push({ path: e.path, reason: UNPLACED_REASON });

  uniqueIds(pairs);
  pairs.sort((a, b) => natural(a.id, b.id));
  unpaired.sort((a, b) => natural(a.path, b.path));
  return { pairs, unpaired, ignored, layout: detectLayout(entries, pairs) };
}

/** Fields of view: each paired image takes the best-matching one in its group. */
function attachFieldsOfView(images: Classified[], rois: Classified[], matched: Map<Classified, Edge>) {
  const index = new Map<string, { r: Classified; j: number }[]>();
  for (const r of rois) r.names.forEach((n, j) => add(index, `${r.group}\n${n.key}`, { r, j }));
  const roiOf = new Map<Classified, Classified>();
  const used = new Set<Classified>();
  /** The first image (paired ones first) each field of view matches, for the reasons. */
  const imageOf = new Map<Classified, Classified>();
  for (const img of [...images].sort((a, b) => Number(matched.has(b)) - Number(matched.has(a)))) {
    const candidates = img.names
      .flatMap((n, i) => (index.get(`${img.group}\n${n.key}`) ?? []).map(({ r, j }) => ({ r, score: i + j })))
      .sort((a, b) => a.score - b.score || byPath(a.r, b.r));
    for (const { r } of candidates) if (!imageOf.has(r)) imageOf.set(r, img);
    const best = matched.has(img) ? candidates.find(({ r }) => !used.has(r)) : undefined;
    if (best) {
      roiOf.set(img, best.r);
      used.add(best.r);
    }
  }
  return { roiOf, used, imageOf };
}

/** The reasons images and masks were left unpaired, from the edges the matching considered. */
class Leftovers {
  private readonly edgesOfImage = new Map<Classified, Edge[]>();
  private readonly edgesOfMask = new Map<Classified, Edge[]>();
  private readonly winnerOfMask = new Map<Classified, Edge>();
  /** Paired BraTS modality images by group and case name. */
  private readonly pairedModality = new Map<string, Classified>();
  private readonly masksByKey = new Map<string, Classified[]>();

  constructor(
    edges: Edge[],
    private readonly matched: Map<Classified, Edge>,
    masks: Classified[],
    private readonly manualLayout: boolean,
  ) {
    for (const e of edges) {
      add(this.edgesOfImage, e.img, e);
      add(this.edgesOfMask, e.mask, e);
    }
    for (const [img, e] of matched) {
      this.winnerOfMask.set(e.mask, e);
      if (img.modality) this.pairedModality.set(`${img.group}\n${e.name.key}`, img);
    }
    for (const m of masks) for (const n of m.names) if (n.key !== '') add(this.masksByKey, n.key, m);
  }

  image(img: Classified): string {
    const first = img.channel?.first;
    const firstEdge = first ? this.matched.get(first) : undefined;
    if (first && firstEdge && CHANNEL_SUFFIX.exec(first.stem)?.[1]?.toLowerCase() === firstEdge.name.key) {
      return `a further input channel (nnU-Net _${img.channel?.n}) of case ${firstEdge.name.label}; the first channel (${fileName(first.path)}) is used`;
    }
    const caseKey = img.modality ? BRATS_SUFFIX.exec(img.stem)?.[1]?.toLowerCase() : undefined;
    const kept = caseKey === undefined ? undefined : this.pairedModality.get(`${img.group}\n${caseKey}`);
    if (kept) return `another modality of the same case; ${fileName(kept.path)} is used`;
    const rival = this.edgesOfImage.get(img)?.[0];
    const winner = rival ? this.winnerOfMask.get(rival.mask) : undefined;
    if (rival && winner) {
      return `another image with a matching name, ${winner.img.path}, is paired with ${rival.mask.path}; pair this one by hand if it is the right one`;
    }
    for (const n of img.names) {
      const elsewhere = (this.masksByKey.get(n.key) ?? []).find((m) => m.group !== img.group && !this.winnerOfMask.has(m));
      if (elsewhere) return `a mask with a matching name (${elsewhere.path}) lies in another folder where more than one file could match it; pair by hand`;
    }
    return this.manualLayout
      ? 'no manual annotation for this image'
      : 'no mask found with a matching name (looked in masks/, labels/, gt/, … and for suffixes such as _mask)';
  }

  mask(m: Classified): string {
    const rival = this.edgesOfMask.get(m)?.find((e) => this.matched.has(e.img));
    const owner = rival ? this.matched.get(rival.img) : undefined;
    if (!rival || !owner) return 'no image found for this mask';
    return m.number > 0 && rival.name.key !== m.stem.toLowerCase()
      ? `a further mask of ${rival.img.path} (numbered ${m.number}); only ${owner.mask.path} is used`
      : `a second mask for ${rival.img.path}; ${owner.mask.path} is used`;
  }
}

/** Ids must be unique: the folder is put before an id two cases share, then the image path. */
function uniqueIds(pairs: PairedCase[]): void {
  const count = (list: PairedCase[]) => {
    const seen = new Map<string, number>();
    for (const p of list) seen.set(p.id, (seen.get(p.id) ?? 0) + 1);
    return seen;
  };
  let seen = count(pairs);
  for (const p of pairs) {
    if ((seen.get(p.id) ?? 0) < 2) continue;
    const group = parse(p.image).dirs.filter((d) => !IMAGE_DIRS.has(norm(d))).join('/');
    p.id = group ? `${group}/${p.id}` : p.image;
  }
  seen = count(pairs);
  for (const p of pairs) if ((seen.get(p.id) ?? 0) > 1) p.id = p.image;
}

function detectLayout(entries: Entry[], pairs: PairedCase[]): string {
  const dirs = new Set(entries.flatMap((e) => e.dirs.map(norm)));
  const names = new Set(entries.map((e) => e.stem.toLowerCase()));
  if (dirs.has('1stmanual')) return 'DRIVE';
  if (dirs.has('groundtruth') && dirs.has('original')) return 'CVC-ClinicDB';
  if (dirs.has('imagestr') || dirs.has('labelstr')) return 'Medical Segmentation Decathlon';
  if (names.has('imaging') && names.has('segmentation')) return 'KiTS';
  if (pairs.some((p) => /[_-]seg\.nii(\.gz)?$/i.test(p.mask))) return 'BraTS';
  return pairs.length ? 'generic' : 'none';
}

/**
 * Replaces or adds a pairing chosen by the user; the image and mask leave the unpaired list.
 * Pairs that held either file are undone: their other files go back to the unpaired list,
 * except the image's field of view and own split, which stay with the image.
 */
export function pairManually(p: Pairing, image: string, mask: string, id?: string): Pairing {
  const chosen = (f: string | undefined) => f === image || f === mask;
  const touched = (x: PairedCase) => chosen(x.image) || chosen(x.mask) || chosen(x.roi);
  const pairs = p.pairs.filter((x) => !touched(x));
  const unpaired = p.unpaired.filter((u) => !chosen(u.path));
  let roi: string | undefined;
  let ownSplit: SplitName | undefined;
  for (const f of p.pairs.filter(touched)) {
    if (!chosen(f.image)) unpaired.push({ path: f.image, reason: 'its mask was paired with another image by hand' });
    if (!chosen(f.mask)) unpaired.push({ path: f.mask, reason: 'its image was paired with another mask by hand' });
    if (f.image === image) {
      roi = f.roi && !chosen(f.roi) ? f.roi : undefined;
      ownSplit = f.ownSplit;
    } else if (f.roi && !chosen(f.roi)) {
      unpaired.push({ path: f.roi, reason: `field-of-view mask of ${f.image}, whose pair was undone by hand` });
    }
  }
  const stem = parse(image).stem;
  let unique = id ?? stem;
  for (let n = 2; pairs.some((x) => x.id === unique); n++) unique = `${id ?? stem} (${n})`;
  pairs.push({ id: unique, image, mask, ...(roi ? { roi } : {}), ...(ownSplit ? { ownSplit } : {}) });
  pairs.sort((a, b) => natural(a.id, b.id));
  return { ...p, pairs, unpaired };
}

/** Removes a pair; its files (image, mask and field of view) go back to the unpaired list. */
export function unpair(p: Pairing, id: string): Pairing {
  const gone = p.pairs.find((x) => x.id === id);
  if (!gone) return p;
  return {
    ...p,
    pairs: p.pairs.filter((x) => x.id !== id),
    unpaired: [...p.unpaired, ...[gone.image, gone.mask, gone.roi].flatMap((path) => (path ? [{ path, reason: 'unpaired by hand' }] : []))],
  };
}
