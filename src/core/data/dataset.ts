/**
 * Turning dropped files into a dataset: pair images with masks, decode each file, check that
 * each mask lies on its image's grid, map stored label values to classes, and summarise.
 * A bad file costs only its own case: it is reported with its name and the problem, and every
 * other case still loads. Nothing is dropped or changed silently: every case left out is an
 * issue naming its files, and every change to the values (NaN/∞ voxels set to 0) is a warning.
 *
 * Memory: each file is read within the budget of core/io/budget.ts, and the dataset as a whole
 * within `maxDatasetBytes` (default MAX_DATASET_BYTES): once the cases loaded so far fill it,
 * the remaining cases are listed as not loaded, with the budget named, instead of exhausting the
 * tab.
 */
import { DEFAULT_BUDGET, formatBytes, type ReadBudget } from '../io/budget';
import { formatOfSource, isArchiveName, isLossy } from '../io/formats/registry';
import { readVolume } from '../io/read';
import { countNonFinite, InputFileError, voxelCount, type Volume } from '../io/volume';
import { bytesSource, openZip, type ByteSource } from '../io/zip';
import { applyMapping, maskChannel, mergeCounts, proposeMapping, TooManyValuesError, valueCounts, type LabelMapping, type MappingProposal, type ValueCount } from './labels';
import { pairFiles, type Pairing } from './pairing';
import { summarizeDataset, type DatasetSummary } from './summary';
import type { Case } from './types';

/** Bytes the cases of one dataset may hold in memory (images, labels, fields of view). */
export const MAX_DATASET_BYTES = 2 * 1024 ** 3;

export interface InputFile {
  /** Path inside the dropped folder or archive, '/'-separated. */
  path: string;
  read: () => Promise<Uint8Array>;
  /** Random access to the bytes (a File's slices), so that a large zip is never read whole. */
  source?: ByteSource;
}

export interface LoadIssue {
  file: string;
  message: string;
  /** 'error': the case was left out; 'warning': it loaded with a caveat. */
  severity: 'error' | 'warning';
}

export interface LoadedDataset {
  cases: Case[];
  pairing: Pairing;
  mapping: MappingProposal;
  /** Stored label values over all masks, with voxel counts (for the label-mapping table). */
  labelValues: ValueCount[];
  summary: DatasetSummary;
  issues: LoadIssue[];
  /** Notes from the readers and the mapping, e.g. "4-D file: using the first of 5 volumes". */
  notes: { file: string; note: string }[];
}

export interface LoadOptions {
  /** A pairing corrected by the user; by default the files are paired automatically. */
  pairing?: Pairing;
  /** The user's label mapping; by default one is proposed from the masks' values. */
  mapping?: LabelMapping;
  /** Progress: cases done (fractions while a large file is read), cases in all, and what is being read. */
  onProgress?: (done: number, total: number, label: string) => void;
  /** Limits of each file's read (core/io/budget.ts). */
  budget?: ReadBudget;
  /** Bytes the loaded cases may hold in all (default MAX_DATASET_BYTES). */
  maxDatasetBytes?: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function issueOf(file: string, e: unknown): LoadIssue {
  if (e instanceof InputFileError) return { file: e.file, message: e.problem, severity: 'error' };
  return { file, message: message(e), severity: 'error' };
}

/**
 * Replaces zip archives by their entries (paths inside the archive, read one at a time when
 * needed), reporting unreadable archives and entries that cannot be read.
 */
export async function expandArchives(files: InputFile[], issues: LoadIssue[], budget: ReadBudget = DEFAULT_BUDGET): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const f of files) {
    if (!isArchiveName(f.path)) {
      out.push(f);
      continue;
    }
    try {
      const source = f.source ?? bytesSource(await f.read());
      const listing = await openZip(source, f.path, budget);
      for (const p of listing.problems) issues.push(issueOf(f.path, p));
      for (const e of listing.entries) out.push({ path: e.path, read: () => e.read() });
    } catch (e) {
      issues.push(issueOf(f.path, e));
    }
  }
  return out;
}

function sameGrid(a: Volume, b: Volume): string | null {
  const [ax, ay, az] = a.dims;
  const [bx, by, bz] = b.dims;
  if (ax !== bx || ay !== by || az !== bz) {
    const size = (v: Volume) => (v.dims[2] === 1 ? `${v.dims[0]}×${v.dims[1]}` : v.dims.join('×'));
    return `its size ${size(b)} differs from its image's ${size(a)} (${a.source.name})`;
  }
  // Volume formats place their grid in the world (an affine); both must place it alike.
  if (formatOfSource(a.source.format)?.kind === 'volume' && formatOfSource(b.source.format)?.kind === 'volume') {
    const scale = Math.max(a.spacing[0], a.spacing[1], a.spacing[2], 1);
    const off = a.affine.reduce((m, v, i) => Math.max(m, Math.abs(v - (b.affine[i] ?? 0))), 0);
    if (!(off <= 1e-3 * scale + 1e-3)) {
      return `its voxel grid (orientation, spacing or origin) differs from its image's (${a.source.name}) by up to ${off.toFixed(3)} mm`;
    }
  }
  return null;
}

/** Bytes a case holds in memory. */
function caseBytes(c: { image: Volume; labels?: { byteLength: number }; roi?: { byteLength: number } | undefined }): number {
  return c.image.data.byteLength + (c.image.paletteIndices?.byteLength ?? 0) + (c.labels?.byteLength ?? voxelCount(c.image)) + (c.roi?.byteLength ?? 0);
}

/**
 * NaN and ±∞ image values cannot be normalised or trained on: they are set to 0 (in a copy when
 * the array is shared), and the warning says how many.
 */
function finiteImage(v: Volume): { volume: Volume; warning: string | null } {
  const { nan, inf } = countNonFinite(v.data);
  if (nan + inf === 0) return { volume: v, warning: null };
  const data = v.data.slice();
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) data[i] = 0;
  const what = [nan ? `${nan} NaN` : '', inf ? `${inf} infinite` : ''].filter(Boolean).join(' and ');
  const pct = ((100 * (nan + inf)) / v.data.length).toPrecision(2);
  return { volume: { ...v, data }, warning: `${what} value(s) (${pct} % of the voxels) are set to 0 for training and display` };
}

interface Decoded {
  id: string;
  image: Volume;
  maskValues: ArrayLike<number>;
  maskFile: string;
  lossy: boolean;
  colour: boolean;
  /** null: too many distinct values to count (only with the user's mapping). */
  counts: ValueCount[] | null;
  roi?: Uint8Array;
  ownSplit?: Case['ownSplit'];
}

export async function loadDataset(input: InputFile[], opts: LoadOptions = {}): Promise<LoadedDataset> {
  const issues: LoadIssue[] = [];
  const notes: { file: string; note: string }[] = [];
  const budget = opts.budget ?? DEFAULT_BUDGET;
  const maxDatasetBytes = opts.maxDatasetBytes ?? MAX_DATASET_BYTES;
  const files = await expandArchives(input, issues, budget);
  const byPath = new Map<string, InputFile>();
  for (const f of files) {
    const path = f.path.replace(/\\/g, '/').replace(/^\/+/, '');
    // The same path twice (two archives, or one archive listing it twice): the first is used.
    if (byPath.has(path)) issues.push({ file: path, message: 'given more than once (e.g. in two archives): the first copy is used', severity: 'warning' });
    else byPath.set(path, f);
  }
  const pairing = opts.pairing ?? pairFiles([...byPath.keys()]);
  if (files.length === 0 && issues.length === 0) issues.push({ file: '(drop)', message: 'no files: the folder or selection is empty', severity: 'error' });
  else if (pairing.pairs.length === 0) {
    issues.push({
      file: '(dataset)',
      message: `no image could be paired with a mask among ${files.length} files; see the unpaired list for the reasons`,
      severity: 'error',
    });
  }

  const decoded: Decoded[] = [];
  /** Value counts of every decoded mask, refused ones included, so the user can map them. */
  const allCounts: ValueCount[][] = [];
  const total = pairing.pairs.length;
  let loadedBytes = 0;
  let budgetFullAt: string | null = null;

  for (const [i, pair] of pairing.pairs.entries()) {
    if (budgetFullAt !== null) {
      issues.push({
        file: pair.image,
        message: `not loaded: the ${formatBytes(maxDatasetBytes)} the dataset may hold in memory are used by the cases up to ${budgetFullAt}; drop fewer cases (or smaller ones) to use this one`,
        severity: 'error',
      });
      continue;
    }
    opts.onProgress?.(i, total, pair.id);
    const read = async (path: string): Promise<Volume> => {
      const f = byPath.get(path);
      if (!f) throw new InputFileError(path, 'the file is no longer available');
      const bytes = await f.read();
      const name = path.split('/').pop() ?? path;
      const v = readVolume(bytes, path, {
        budget,
        onProgress: (done, all) => opts.onProgress?.(i + Math.min(0.99, done / all), total, `${pair.id}: ${name} ${Math.round((100 * done) / all)} %`),
      });
      for (const note of v.notes) notes.push({ file: path, note });
      return v;
    };
    // One guard for the whole case: whatever goes wrong costs this case only, and names its file.
    let at = pair.image;
    try {
      let image = await read(pair.image);
      at = pair.mask;
      const mask = await read(pair.mask);
      const gridProblem = sameGrid(image, mask);
      if (gridProblem) {
        issues.push({ file: pair.mask, message: gridProblem, severity: 'error' });
        continue;
      }
      const fixed = finiteImage(image);
      if (fixed.warning) issues.push({ file: pair.image, message: fixed.warning, severity: 'warning' });
      image = fixed.volume;
      const lossy = isLossy(mask.source.format);
      const values = maskChannel(mask, lossy);
      const bad = countNonFinite(values);
      if (bad.nan + bad.inf > 0) {
        issues.push({ file: pair.mask, message: `not a label mask: it holds ${bad.nan} NaN and ${bad.inf} infinite values`, severity: 'error' });
        continue;
      }
      let counts: ValueCount[] | null;
      try {
        counts = valueCounts(values);
      } catch (e) {
        if (!(e instanceof TooManyValuesError) || !opts.mapping) throw e;
        // The user's mapping (a threshold) takes any mask; the table of values skips this one.
        counts = null;
        notes.push({ file: pair.mask, note: `more than ${e.limit} distinct values: not listed in the table of label values` });
      }
      if (counts) allCounts.push(counts);
      const colour = values instanceof Uint32Array && mask.channels >= 3;
      if (!opts.mapping && counts) {
        // With no mapping from the user, a mask must look like labels; the user's mapping (e.g. a
        // threshold for anti-aliased masks) takes any mask.
        proposeMapping(counts, { lossy, colour });
      }
      let roi: Uint8Array | undefined;
      if (pair.roi) {
        at = pair.roi;
        try {
          const r = await read(pair.roi);
          const p = sameGrid(image, r);
          if (p) throw new InputFileError(pair.roi, p);
          roi = applyMapping(maskChannel(r), { kind: 'nonzero' });
        } catch (e) {
          issues.push({ ...issueOf(pair.roi, e), severity: 'warning', message: `${issueOf(pair.roi, e).message}; the case loads without its field of view` });
        }
      }
      const bytes = caseBytes({ image, roi });
      if (loadedBytes + bytes > maxDatasetBytes) {
        budgetFullAt = decoded.at(-1)?.id ?? '(none)';
        issues.push({
          file: pair.image,
          message: `not loaded: with this case (${formatBytes(bytes)}) the dataset would hold more than the ${formatBytes(maxDatasetBytes)} it may hold in memory; drop fewer cases (or smaller ones) to use this one`,
          severity: 'error',
        });
        continue;
      }
      loadedBytes += bytes;
      decoded.push({ id: pair.id, image, maskValues: values, maskFile: pair.mask, lossy, colour, counts, ...(roi ? { roi } : {}), ...(pair.ownSplit ? { ownSplit: pair.ownSplit } : {}) });
    } catch (e) {
      issues.push(issueOf(at, e));
    }
  }
  opts.onProgress?.(total, total, 'done');

  const labelValues = mergeCounts(allCounts);
  let mapping: MappingProposal;
  if (opts.mapping) {
    const m = opts.mapping;
    const numClasses = m.kind === 'values' ? Object.values(m.classes).reduce((a, b) => Math.max(a, b), 1) + 1 : 2;
    mapping = { mapping: m, numClasses, classNames: Array.from({ length: numClasses - 1 }, (_, k) => `class ${k + 1}`) };
  } else {
    mapping = datasetMapping(decoded.map((d) => ({ counts: d.counts ?? [], lossy: d.lossy, colour: d.colour })));
  }
  const names = await decathlonLabelNames(files, issues);
  if (names && mapping.mapping.kind === 'values') {
    const byClass = Object.entries(mapping.mapping.classes).map(([value, k]) => [k, names[value]] as const);
    mapping = { ...mapping, classNames: mapping.classNames.map((n, i) => byClass.find(([k]) => k === i + 1)?.[1] ?? n) };
  }
  if (mapping.note) notes.push({ file: '(labels)', note: mapping.note });

  // JPEG masks in a dataset of lossless ones keep their threshold; a user's mapping applies to all.
  const mappingFor = (d: Decoded) =>
    d.lossy && !opts.mapping && mapping.mapping.kind !== 'threshold' ? { kind: 'threshold' as const, threshold: 128 } : mapping.mapping;
  const cases: Case[] = decoded.map((d) => ({
    id: d.id,
    image: d.image,
    labels: applyMapping(d.maskValues, mappingFor(d)),
    ...(d.roi ? { roi: d.roi } : {}),
    ...(d.ownSplit ? { ownSplit: d.ownSplit } : {}),
  }));
  for (const c of cases) {
    if (c.labels.length !== voxelCount(c.image)) throw new Error(`internal: ${c.id} labels do not cover the image`);
  }
  return { cases, pairing, mapping, labelValues, summary: summarizeDataset(cases, mapping.numClasses), issues, notes };
}

/** Label names from a Decathlon dataset.json ({"labels": {"1": "Anterior", …}}), when there is one. */
async function decathlonLabelNames(files: InputFile[], issues: LoadIssue[]): Promise<Record<string, string> | null> {
  const f = files.find((x) => x.path.split('/').pop() === 'dataset.json');
  if (!f) return null;
  try {
    const json = JSON.parse(new TextDecoder().decode(await f.read())) as { labels?: Record<string, unknown> };
    if (!json.labels || typeof json.labels !== 'object') return null;
    return Object.fromEntries(Object.entries(json.labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  } catch (e) {
    issues.push({ file: f.path, message: `could not read the label names (${message(e)})`, severity: 'warning' });
    return null;
  }
}

/**
 * One mapping for the whole dataset, so that class k means the same in every case. Lossless masks
 * decide: with at most one non-zero value over all of them (or 0/1 masks mixed with 0/255 ones)
 * the dataset is binary; otherwise every non-zero value is a class (a mask with only label 2
 * still means class "label 2"). JPEG-only datasets are thresholded.
 */
function datasetMapping(decoded: { counts: ValueCount[]; lossy: boolean; colour: boolean }[]): MappingProposal {
  if (decoded.length === 0) return { mapping: { kind: 'nonzero' }, numClasses: 2, classNames: ['foreground'] };
  const lossless = decoded.filter((d) => !d.lossy);
  if (lossless.length === 0) return proposeMapping(mergeCounts(decoded.map((d) => d.counts)), { lossy: true });
  const merged = mergeCounts(lossless.map((d) => d.counts));
  const nonzero = merged.map((c) => c.value).filter((v) => v !== 0);
  const mixedBinary = nonzero.length === 2 && nonzero[0] === 1 && nonzero[1] === 255 && lossless.every((d) => d.counts.length <= 2);
  if (nonzero.length <= 1 || mixedBinary) {
    const p = proposeMapping(nonzero.length <= 1 ? merged : merged.filter((c) => c.value !== 255));
    return mixedBinary ? { ...p, note: 'binary masks stored as 0/1 and as 0/255 → classes 0/1' } : p;
  }
  try {
    return proposeMapping(merged, { colour: lossless.some((d) => d.colour) });
  } catch {
    return {
      mapping: { kind: 'nonzero' },
      numClasses: 2,
      classNames: ['foreground'],
      note: `${nonzero.length} different label values across the masks: every non-zero value counts as foreground (map them to classes below)`,
    };
  }
}
