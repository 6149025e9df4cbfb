/**
 * The file formats the studio reads, and what is derived from them: format dispatch (read.ts),
 * which names pairing treats as data (core/data/pairing.ts), the pages' accept lists and format
 * text, the row order an axial slice is drawn in, and the writer of predicted masks. A new format
 * is one descriptor file (see types.ts) and one entry in FORMATS.
 *
 * Every helper takes the list of formats as its last parameter, FORMATS by default, so a test can
 * pass a list with a further format.
 *
 * Zip is not a format here: it is a container of files, each of which is read as its own format;
 * the loader opens it before pairing (core/data/dataset.ts). ARCHIVE_EXTENSIONS names it for the
 * accept lists.
 */
import { describeUnknown } from '../image2d';
import { InputFileError } from '../volume';
import { bmp } from './bmp';
import { gif } from './gif';
import { jpeg } from './jpeg';
import { nifti } from './nifti';
import { png } from './png';
import { tiff } from './tiff';
import type { FormatDescriptor, LabelSource, LabelWriter } from './types';

export type { FormatDescriptor, LabelSource, LabelWriter, ReadOptions, RowOrder } from './types';

/**
 * The registered formats. The order is the order in which bytes are sniffed and names claimed
 * (NIfTI first: it claims a damaged .nii or .hdr before the picture reader calls it "not a
 * picture"), the order of the accept lists, and the order formats are named in within a kind.
 */
export const FORMATS = [nifti, png, jpeg, tiff, gif, bmp] as const;

export type Formats = readonly FormatDescriptor[];

/** Every `Volume.source.format` a registered reader produces. */
export type RegisteredSourceFormat = (typeof FORMATS)[number]['sourceFormats'][number];

/** Containers the loader opens and whose entries are read as files (see the module comment). */
export const ARCHIVE_EXTENSIONS: readonly string[] = ['zip'];

/** The format whose magic bytes these are, else the first whose `claims` (default: its extensions) takes the name. */
export function formatOf(bytes: Uint8Array, name: string, formats: Formats = FORMATS): FormatDescriptor | undefined {
  return formats.find((f) => f.sniff(bytes)) ?? formats.find((f) => (f.claims ? f.claims(bytes, name) : hasExtension(name, f)));
}

/** The error for bytes no format recognises and no name claims: what the bytes look like (WebP, DICOM, text, …). */
export function unrecognised(bytes: Uint8Array, name: string): InputFileError {
  return new InputFileError(name, describeUnknown(bytes, name));
}

/**
 * A file name split into stem and extension (lower case, no dot): the longest registered compound
 * extension ('nii.gz') when the name ends in one, else the part after the last dot ('' if none).
 */
export function splitExtension(name: string, formats: Formats = FORMATS): { stem: string; ext: string } {
  const lower = name.toLowerCase();
  for (const ext of compoundExtensions(formats)) {
    if (lower.endsWith(`.${ext}`)) return { stem: name.slice(0, -(ext.length + 1)), ext };
  }
  const dot = lower.lastIndexOf('.');
  return dot < 0 ? { stem: name, ext: '' } : { stem: name.slice(0, dot), ext: lower.slice(dot + 1) };
}

const compoundCache = new WeakMap<Formats, string[]>();

/** The compound extensions of `formats`, longest first (computed once per list: pairing splits every path). */
function compoundExtensions(formats: Formats): string[] {
  let list = compoundCache.get(formats);
  if (!list) {
    list = formats.flatMap((f) => f.extensions.filter((e) => e.includes('.'))).sort((a, b) => b.length - a.length);
    compoundCache.set(formats, list);
  }
  return list;
}

function hasExtension(name: string, f: FormatDescriptor): boolean {
  const lower = name.toLowerCase();
  return f.extensions.some((e) => lower.endsWith(`.${e}`));
}

/** The extensions (lower case, no dot) read as formats of `kind`, or of every kind. */
export function readableExtensions(kind?: FormatDescriptor['kind'], formats: Formats = FORMATS): string[] {
  return [...new Set(formats.filter((f) => kind === undefined || f.kind === kind).flatMap((f) => f.extensions))];
}

/** The format a file name says (by its extension), if any. */
export function formatOfName(name: string, formats: Formats = FORMATS): FormatDescriptor | undefined {
  const { ext } = splitExtension(name, formats);
  return formats.find((f) => f.extensions.includes(ext));
}

/** True when the name ends in the extension of a volume format (.nii, .nii.gz). */
export function isVolumeName(name: string, formats: Formats = FORMATS): boolean {
  return formatOfName(name, formats)?.kind === 'volume';
}

/** True when the name ends in the extension of a picture format (.png, .jpg, …). */
export function isImageName(name: string, formats: Formats = FORMATS): boolean {
  return formatOfName(name, formats)?.kind === 'image2d';
}

/** True when the name is an archive the loader opens (.zip). */
export function isArchiveName(name: string): boolean {
  const lower = name.toLowerCase();
  return ARCHIVE_EXTENSIONS.some((e) => lower.endsWith(`.${e}`));
}

/**
 * The value of an `<input type="file">` accept attribute: '.png,.jpg,…'. Browsers match only a
 * name's last extension, so a compound extension contributes its last part ('nii.gz' → '.gz').
 */
export function acceptList(opts: { kind?: FormatDescriptor['kind']; archives?: boolean } = {}, formats: Formats = FORMATS): string {
  const exts = readableExtensions(opts.kind, formats).map((e) => e.slice(e.lastIndexOf('.') + 1));
  if (opts.archives) exts.push(...ARCHIVE_EXTENSIONS);
  return [...new Set(exts)].map((e) => `.${e}`).join(',');
}

/** 'A', 'A or B', 'A, B or C'. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

/** The names of the formats of one kind, for text: 'PNG, JPEG, TIFF, GIF or BMP'. */
export function formatLabels(kind: FormatDescriptor['kind'], formats: Formats = FORMATS): string {
  return orList(formats.filter((f) => f.kind === kind).map((f) => f.label));
}

/**
 * The sentence a page shows about what it reads: 'Images PNG, JPEG, TIFF, GIF or BMP with their
 * masks, or NIfTI volumes (.nii, .nii.gz) with label volumes.'
 */
export function describeFormats(formats: Formats = FORMATS): string {
  const volumeExts = readableExtensions('volume', formats).map((e) => `.${e}`);
  const images = `Images ${formatLabels('image2d', formats)} with their masks`;
  if (volumeExts.length === 0) return `${images}.`;
  return `${images}, or ${formatLabels('volume', formats)} volumes (${volumeExts.join(', ')}) with label volumes.`;
}

/** The format whose reader produced a `Volume.source.format` value ('nifti2' → NIfTI); undefined for 'synthetic'. */
export function formatOfSource(sourceFormat: string, formats: Formats = FORMATS): FormatDescriptor | undefined {
  return formats.find((f) => f.sourceFormats.includes(sourceFormat));
}

/** Whether row 0 of an axial slice read as this source format is drawn at the bottom (RAS+ volumes: anterior up). */
export function rowZeroAtBottom(sourceFormat: string, formats: Formats = FORMATS): boolean {
  return formatOfSource(sourceFormat, formats)?.rows === 'ras';
}

/** Whether this source format stores pictures with lossy compression (JPEG). */
export function isLossy(sourceFormat: string, formats: Formats = FORMATS): boolean {
  return formatOfSource(sourceFormat, formats)?.lossy === true;
}

/**
 * The writer for labels predicted on `image`: its own format's when that format writes and
 * accepts it, else the first registered writer that accepts it (a JPEG picture's mask is a PNG).
 */
export function labelWriterFor(image: LabelSource, formats: Formats = FORMATS): { format: FormatDescriptor; writer: LabelWriter } | undefined {
  const own = formatOfSource(image.source.format, formats);
  const candidates = own ? [own, ...formats.filter((f) => f !== own)] : formats;
  for (const format of candidates) {
    if (format.write?.accepts(image)) return { format, writer: format.write };
  }
  return undefined;
}
