/**
 * Turning dropped files into a dataset: pair images with masks, decode each file, check that
 * each mask lies on its image's grid, map stored label values to classes, and summarise.
 * A bad file costs only its own case: it is reported with its name and the problem, and every
 * other case still loads.
 */
import { readVolume } from '../io/read';
import { InputFileError, voxelCount, type Volume } from '../io/volume';
import { isZip, unzipArchive } from '../io/zip';
import { applyMapping, maskChannel, mergeCounts, proposeMapping, valueCounts, type LabelMapping, type MappingProposal, type ValueCount } from './labels';
import { pairFiles, type Pairing } from './pairing';
import { summarizeDataset, type DatasetSummary } from './summary';
import type { Case } from './types';

export interface InputFile {
  /** Path inside the dropped folder or archive, '/'-separated. */
  path: string;
  read: () => Promise<Uint8Array>;
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
  onProgress?: (done: number, total: number, label: string) => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function issueOf(file: string, e: unknown): LoadIssue {
  if (e instanceof InputFileError) return { file: e.file, message: e.problem, severity: 'error' };
  return { file, message: message(e), severity: 'error' };
}

/** Replaces zip archives by their contents (paths inside the archive), reporting unreadable ones. */
export async function expandArchives(files: InputFile[], issues: LoadIssue[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const f of files) {
    if (!f.path.toLowerCase().endsWith('.zip')) {
      out.push(f);
      continue;
    }
    try {
      const bytes = await f.read();
      if (!isZip(bytes)) throw new InputFileError(f.path, 'named .zip but not a zip archive');
      for (const e of unzipArchive(bytes, f.path)) out.push({ path: e.path, read: async () => e.read() });
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
  if (a.nifti && b.nifti) {
    const scale = Math.max(...a.spacing, 1);
    const off = a.affine.reduce((m, v, i) => Math.max(m, Math.abs(v - (b.affine[i] ?? 0))), 0);
    if (off > 1e-3 * scale + 1e-3) {
      return `its voxel grid (orientation, spacing or origin) differs from its image's (${a.source.name}) by up to ${off.toFixed(3)} mm`;
    }
  }
  return null;
}

export async function loadDataset(input: InputFile[], opts: LoadOptions = {}): Promise<LoadedDataset> {
  const issues: LoadIssue[] = [];
  const notes: { file: string; note: string }[] = [];
  const files = await expandArchives(input, issues);
  const byPath = new Map(files.map((f) => [f.path.replace(/\\/g, '/').replace(/^\/+/, ''), f]));
  const pairing = opts.pairing ?? pairFiles([...byPath.keys()]);
  if (files.length === 0 && issues.length === 0) issues.push({ file: '(drop)', message: 'no files: the folder or selection is empty', severity: 'error' });
  else if (pairing.pairs.length === 0) {
    issues.push({
      file: '(dataset)',
      message: `no image could be paired with a mask among ${files.length} files; see the unpaired list for the reasons`,
      severity: 'error',
    });
  }

  interface Decoded {
    id: string;
    image: Volume;
    maskValues: ArrayLike<number>;
    maskFile: string;
    lossy: boolean;
    colour: boolean;
    counts: ValueCount[];
    roi?: Uint8Array;
    ownSplit?: Case['ownSplit'];
  }
  const decoded: Decoded[] = [];
  /** Value counts of every decoded mask, refused ones included, so the user can map them. */
  const allCounts: ValueCount[][] = [];
  const read = async (path: string): Promise<Volume> => {
    const f = byPath.get(path);
    if (!f) throw new InputFileError(path, 'the file is no longer available');
    const v = readVolume(await f.read(), path);
    for (const note of v.notes) notes.push({ file: path, note });
    return v;
  };

  const total = pairing.pairs.length;
  for (const [i, pair] of pairing.pairs.entries()) {
    opts.onProgress?.(i, total, pair.id);
    let image: Volume;
    let mask: Volume;
    try {
      image = await read(pair.image);
    } catch (e) {
      issues.push(issueOf(pair.image, e));
      continue;
    }
    try {
      mask = await read(pair.mask);
    } catch (e) {
      issues.push(issueOf(pair.mask, e));
      continue;
    }
    const gridProblem = sameGrid(image, mask);
    if (gridProblem) {
      issues.push({ file: pair.mask, message: gridProblem, severity: 'error' });
      continue;
    }
    const lossy = mask.source.format === 'jpeg';
    const values = maskChannel(mask, lossy);
    const counts = valueCounts(values);
    allCounts.push(counts);
    const colour = values instanceof Uint32Array && mask.channels >= 3;
    if (!opts.mapping) {
      // With no mapping from the user, a mask must look like labels; the user's mapping (e.g. a
      // threshold for anti-aliased masks) takes any mask.
      try {
        proposeMapping(counts, { lossy, colour });
      } catch (e) {
        issues.push({ file: pair.mask, message: message(e), severity: 'error' });
        continue;
      }
    }
    let roi: Uint8Array | undefined;
    if (pair.roi) {
      try {
        const r = await read(pair.roi);
        const p = sameGrid(image, r);
        if (p) throw new InputFileError(pair.roi, p);
        roi = applyMapping(maskChannel(r), { kind: 'nonzero' });
      } catch (e) {
        issues.push({ ...issueOf(pair.roi, e), severity: 'warning', message: `${issueOf(pair.roi, e).message}; the case loads without its field of view` });
      }
    }
    decoded.push({ id: pair.id, image, maskValues: values, maskFile: pair.mask, lossy, colour, counts, ...(roi ? { roi } : {}), ...(pair.ownSplit ? { ownSplit: pair.ownSplit } : {}) });
  }
  opts.onProgress?.(total, total, 'done');

  const labelValues = mergeCounts(allCounts);
  let mapping: MappingProposal;
  if (opts.mapping) {
    const m = opts.mapping;
    const numClasses = m.kind === 'values' ? Math.max(1, ...Object.values(m.classes)) + 1 : 2;
    mapping = { mapping: m, numClasses, classNames: Array.from({ length: numClasses - 1 }, (_, k) => `class ${k + 1}`) };
  } else {
    mapping = datasetMapping(decoded);
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
