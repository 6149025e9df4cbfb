/**
 * Seeded train / validation / test splits.
 *
 * The paper (Yeung et al. 2022, "Unified Focal loss", Comput. Med. Imaging Graph. 95:102026)
 * splits each dataset at random into 80 % development and 20 % test, and the development set
 * again 80:20 into training and validation: 64 / 16 / 20 % overall. Datasets that come with
 * their own split (e.g. DRIVE's training/ and test/ folders) keep it: the test cases stay test
 * and the training cases are split 80:20 into training and validation.
 *
 * Determinism: ids are sorted (UTF-16 code-unit order) before a seeded Fisher–Yates shuffle
 * (rng.ts), so the split depends only on the set of ids and the seed, not on the order the
 * files were listed in.
 */
import { createRng } from './rng';
import type { Case, SplitName } from './types';

/** The ids of each split, each list sorted. */
export interface DatasetSplit {
  train: string[];
  validation: string[];
  test: string[];
}

export const SPLIT_NAMES: readonly SplitName[] = Object.freeze(['train', 'validation', 'test'] as const);

/** The paper's fractions: test = 20 % of all cases, validation = 20 % of the development set. */
export const TEST_FRACTION = 0.2;
export const VALIDATION_FRACTION = 0.2;

/**
 * Split sizes for n cases: test = round(n/5), then validation = round((n − test)/5) of the
 * rest, training the remainder (n = 100 → 64 / 16 / 20). When n ≥ 3 every split gets at least
 * one case (test and validation are raised to 1, training keeps at least 1); n = 2 gives one
 * training and one validation case; n = 1 one training case.
 */
export function paperSplitSizes(n: number): { train: number; validation: number; test: number } {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const test = n >= 3 ? clamp(Math.round(n / 5), 1, n - 2) : 0;
  const dev = n - test;
  const validation = developmentValidationSize(dev);
  return { train: dev - validation, validation, test };
}

/** Validation cases out of a development set of `dev` cases: round(dev/5), at least 1 when dev ≥ 2, leaving ≥ 1 for training. */
export function developmentValidationSize(dev: number): number {
  return dev >= 2 ? clamp(Math.round(dev / 5), 1, dev - 1) : 0;
}

/** The paper's random 64/16/20 split of `ids` (see {@link paperSplitSizes}), reproducible per seed. */
export function paperSplit(ids: readonly string[], seed: number | string): DatasetSplit {
  const order = shuffledIds(ids, seed, 'paperSplit');
  const sizes = paperSplitSizes(order.length);
  return finish({
    test: order.slice(0, sizes.test),
    validation: order.slice(sizes.test, sizes.test + sizes.validation),
    train: order.slice(sizes.test + sizes.validation),
  });
}

/**
 * Respect the dataset's own split: cases marked 'test' stay test, cases marked 'validation'
 * stay validation, and cases marked 'train' are split 80:20 into training and validation
 * (rounded as {@link developmentValidationSize}) unless the dataset has its own validation
 * cases, in which case they all stay training. Every case must carry `ownSplit`
 * (see {@link splitCases} for the automatic choice).
 */
export function ownSplit(cases: ReadonlyArray<Pick<Case, 'id' | 'ownSplit'>>, seed: number | string): DatasetSplit {
  const byName: Record<SplitName, string[]> = { train: [], validation: [], test: [] };
  for (const c of cases) {
    if (!c.ownSplit) throw new Error(`case ${c.id} has no own split; use paperSplit`);
    byName[c.ownSplit].push(c.id);
  }
  checkUnique(cases.map((c) => c.id));
  if (byName.validation.length > 0) return finish(byName);
  const order = shuffledIds(byName.train, seed, 'ownSplit');
  const nVal = developmentValidationSize(order.length);
  return finish({ train: order.slice(nVal), validation: order.slice(0, nVal), test: byName.test });
}

/** The dataset's own split when every case has one, otherwise the paper's random split. */
export function splitCases(cases: ReadonlyArray<Pick<Case, 'id' | 'ownSplit'>>, seed: number | string): DatasetSplit & { method: 'own' | 'paper' } {
  const own = cases.length > 0 && cases.every((c) => c.ownSplit !== undefined);
  return own ? { ...ownSplit(cases, seed), method: 'own' } : { ...paperSplit(cases.map((c) => c.id), seed), method: 'paper' };
}

/**
 * Fold `fold` of `folds` of the development set (training + validation) of `split`: the
 * development cases, shuffled with the seed, are dealt into `folds` folds of sizes differing by
 * at most one; fold `fold` becomes the validation set and the others the training set. The test
 * set is unchanged, so every fold's test scores are of the same cases. `folds` = 1 returns the
 * split as it is.
 */
export function developmentFold(split: DatasetSplit, fold: number, folds: number, seed: number | string): DatasetSplit {
  if (!Number.isInteger(folds) || folds < 1) throw new RangeError(`folds must be a positive integer, got ${folds}`);
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds) throw new RangeError(`fold must be 0 … ${folds - 1}, got ${fold}`);
  if (folds === 1) return finish(split);
  const dev = [...split.train, ...split.validation];
  if (dev.length < folds) throw new RangeError(`${folds} folds need at least ${folds} development cases, there are ${dev.length}`);
  const order = shuffledIds(dev, seed, 'developmentFolds');
  const validation = order.filter((_, i) => i % folds === fold);
  const train = order.filter((_, i) => i % folds !== fold);
  return finish({ train, validation, test: split.test });
}

/** Which split an id is in (undefined when in none). */
export function splitOf(split: DatasetSplit, id: string): SplitName | undefined {
  return SPLIT_NAMES.find((name) => split[name].includes(id));
}

/**
 * CSV export, RFC 4180: a header line `id,split`, then one `id,split` line per case, sorted by
 * id; ids containing a comma, quote, CR or LF are quoted with inner quotes doubled. Lines end
 * with LF.
 */
export function splitToCsv(split: DatasetSplit): string {
  const rows: [string, SplitName][] = [];
  for (const name of SPLIT_NAMES) for (const id of split[name]) rows.push([id, name]);
  rows.sort((a, b) => compare(a[0], b[0]));
  return ['id,split', ...rows.map(([id, name]) => `${csvField(id)},${name}`)].join('\n') + '\n';
}

/**
 * Parse {@link splitToCsv}'s format (also CRLF line ends, a missing final newline, blank lines,
 * spaces around the split name). Throws with the line number on a bad header, an unknown split
 * name, a wrong field count or a duplicate id.
 */
export function parseSplitCsv(text: string): DatasetSplit {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = records.shift();
  if (!header || header.fields.length !== 2 || header.fields[0]!.trim() !== 'id' || header.fields[1]!.trim() !== 'split') {
    throw new Error('split CSV: the first line must be "id,split"');
  }
  const out: DatasetSplit = { train: [], validation: [], test: [] };
  const seen = new Set<string>();
  for (const { line, fields } of records) {
    if (fields.length === 1 && fields[0] === '') continue;
    if (fields.length !== 2) throw new Error(`split CSV line ${line}: expected 2 fields, got ${fields.length}`);
    const id = fields[0]!;
    const name = fields[1]!.trim();
    if (!(SPLIT_NAMES as readonly string[]).includes(name)) throw new Error(`split CSV line ${line}: unknown split "${name}" (train, validation or test)`);
    if (seen.has(id)) throw new Error(`split CSV line ${line}: id "${id}" appears twice`);
    seen.add(id);
    out[name as SplitName].push(id);
  }
  return finish(out);
}

function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      records.push({ line: start, fields });
      fields = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
      line++;
      start = line;
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error(`split CSV line ${start}: unterminated quoted field`);
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: start, fields });
  }
  return records;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function shuffledIds(ids: readonly string[], seed: number | string, stream: string): string[] {
  checkUnique(ids);
  return createRng(seed).fork(stream).shuffle([...ids].sort(compare));
}

function checkUnique(ids: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`duplicate case id "${id}"`);
    seen.add(id);
  }
}

function finish(s: DatasetSplit): DatasetSplit {
  return { train: [...s.train].sort(compare), validation: [...s.validation].sort(compare), test: [...s.test].sort(compare) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
