/**
 * What a file format declares about itself. One descriptor per format (formats/<id>.ts), listed
 * once in registry.ts; dispatch (read.ts), pairing (core/data/pairing.ts), the pages' accept
 * lists and format text, the axial row order on screen and the export of predicted masks are
 * all derived from these descriptors.
 */
import type { ReadBudget } from '../budget';
import type { Volume } from '../volume';

export interface ReadOptions {
  budget?: ReadBudget;
  /** Progress through a long read (a large .nii.gz), as compressed bytes consumed and total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * What a label writer knows about the image the labels were predicted for. The studio passes the
 * whole Volume; `affine` and `spacing` are optional so that callers with only a grid and a name
 * can still write pictures, and a writer that needs the world geometry checks for them.
 */
export type LabelSource = Pick<Volume, 'dims' | 'nifti' | 'source'> & Partial<Pick<Volume, 'affine' | 'spacing'>>;

/** Writes predicted labels (uint8, the canonical Volume layout) as a file of this format. */
export interface LabelWriter {
  /** Extension of the files written, without the dot ('nii.gz', 'png'). */
  extension: string;
  mime: string;
  /** Whether labels of this image can be written in this format (e.g. NIfTI needs the source's NIfTI geometry). */
  accepts(image: LabelSource): boolean;
  /**
   * The file's bytes. `scaleBinary`: the labels are class indices of a two-class dataset, which
   * formats meant for ordinary viewers may write as 0/255 (see maskPng.ts).
   */
  write(labels: Uint8Array, image: LabelSource, opts: { scaleBinary: boolean }): Uint8Array;
}

/**
 * How the reader lays out rows, as data for whoever draws or writes the volume:
 * - 'top-down': row 0 is the top row of the picture as it is shown (pictures; a BMP stored
 *   bottom-up is reversed by its reader), and it is drawn at the top.
 * - 'ras': the grid is brought to the canonical RAS+ orientation (volume.ts), so row 0 of an
 *   axial slice is the posterior edge and is drawn at the bottom (anterior up).
 */
export type RowOrder = 'top-down' | 'ras';

/**
 * One file format. `S` is the set of `Volume.source.format` values its reader produces (NIfTI:
 * 'nifti1' | 'nifti2'); the SourceFormat type of volume.ts is the union of every registered
 * format's `S`.
 */
export interface FormatDescriptor<S extends string = string> {
  /** Short stable id ('nifti', 'png'). */
  id: string;
  /** Name shown to people ('NIfTI', 'PNG'). */
  label: string;
  /** 'image2d': pictures paired with picture masks; 'volume': 3-D volumes paired with label volumes. */
  kind: 'image2d' | 'volume';
  /**
   * File name extensions the studio reads as this format: lower case, without the leading dot,
   * the usual one first; compound extensions such as 'nii.gz' are matched before their last part.
   */
  extensions: readonly string[];
  /** The `Volume.source.format` values the reader sets. */
  sourceFormats: readonly S[];
  /** True when the bytes are this format (magic bytes). Bytes decide before names do. */
  sniff(bytes: Uint8Array): boolean;
  /**
   * When no format's `sniff` matches: whether this format's reader takes the file anyway, so that
   * a damaged file is described in its own format's terms (a bad NIfTI header rather than "not a
   * picture"). Without it, a name ending in one of `extensions` claims the file.
   */
  claims?(bytes: Uint8Array, name: string): boolean;
  /** Reads the file; every problem with it is an InputFileError naming `name`. */
  read(bytes: Uint8Array, name: string, opts: ReadOptions): Volume;
  /** Writes predicted labels in this format, for formats that can. */
  write?: LabelWriter;
  rows: RowOrder;
  /** Lossy compression: label masks stored this way carry ringing around the edges (JPEG). */
  lossy?: boolean;
}
