/**
 * The harness's only contact with the studio's reading code. When the readers' entry points
 * change, this module changes and nothing else in e2e/fuzz does.
 *
 * An input is read the way a drop on the Data view reads it:
 * - 'file': readVolume(bytes, name), the format recognised from the bytes;
 * - 'zip': expandArchives on the archive, then each entry's read() and readVolume, one after the
 *   other, each volume dropped before the next;
 * - 'pair': readVolume on the bytes, then loadDataset with the same bytes as the image
 *   (images/NAME) and the mask (masks/NAME) of one case, so that pairing, the grid check, value
 *   counting and the label mapping run on the mask.
 */
import { expandArchives, loadDataset, type LoadIssue } from '../../src/core/data/dataset';
import { readVolume } from '../../src/core/io/read';
import { InputFileError, type Volume } from '../../src/core/io/volume';
import type { ReadMode } from './seeds';

export interface ReadIssue {
  file: string;
  message: string;
}

export interface ReadReport {
  /** Volumes decoded: 1 for a file, one per readable entry of an archive, the cases of a pair. */
  volumes: number;
  /** Problems reported for named files (archive entries refused, cases left out, ...). */
  issues: ReadIssue[];
  /** What was read, in a few words (sizes and sample types). */
  detail: string;
}

/** True for the errors the readers throw on purpose for bad input: a named file and a problem. */
export function refusalOf(e: unknown): ReadIssue | null {
  return e instanceof InputFileError ? { file: e.file, message: e.problem } : null;
}

function describe(v: Volume): string {
  return `${v.dims.join('×')}${v.channels > 1 ? `×${v.channels}` : ''} ${v.source.format} ${v.source.datatype}`;
}

/**
 * Reads `bytes` named `name` as the studio would. Refusals of archive entries and dataset issues
 * are returned; a refusal of the file itself and every other exception are thrown (see refusalOf).
 * `stage` is told what is about to run, so a read that never returns can be placed.
 */
export async function readAsStudio(mode: ReadMode, bytes: Uint8Array, name: string, stage: (what: string) => void): Promise<ReadReport> {
  if (mode === 'file') {
    stage(`readVolume ${name}`);
    return { volumes: 1, issues: [], detail: describe(readVolume(bytes, name)) };
  }
  if (mode === 'zip') {
    const issues: LoadIssue[] = [];
    stage(`expandArchives ${name}`);
    const files = await expandArchives([{ path: name, read: async () => bytes }], issues);
    const out: ReadReport = { volumes: 0, issues: issues.map(({ file, message }) => ({ file, message })), detail: `${files.length} entries` };
    for (const f of files) {
      try {
        stage(`entry read() ${f.path}`);
        const entry = await f.read();
        stage(`readVolume ${f.path} (${entry.length} bytes)`);
        const v = readVolume(entry, f.path);
        out.volumes++;
        out.detail += `; ${describe(v)}`;
      } catch (e) {
        const refusal = refusalOf(e);
        if (!refusal) throw e;
        out.issues.push(refusal);
      }
    }
    return out;
  }
  stage(`readVolume masks/${name}`);
  const mask = readVolume(bytes, `masks/${name}`);
  stage(`loadDataset images/${name} + masks/${name}`);
  const ds = await loadDataset([
    { path: `images/${name}`, read: async () => bytes },
    { path: `masks/${name}`, read: async () => bytes },
  ]);
  return {
    volumes: ds.cases.length,
    issues: ds.issues.map(({ file, message }) => ({ file, message })),
    detail: `${describe(mask)}; ${ds.labelValues.length} label values, ${ds.mapping.numClasses} classes`,
  };
}
