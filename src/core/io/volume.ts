/**
 * The one image type every reader returns, 2D pictures and NIfTI volumes alike.
 *
 * Layout: x (column) fastest, then y (row), then z (slice), then channel-interleaved:
 *   index = c + channels · (x + nx · (y + ny · z)).
 * A 2D picture has dims [width, height, 1] with row 0 at the top, exactly as stored.
 * A NIfTI volume is brought to the canonical orientation (see nifti.ts): voxel axes i, j, k
 * point as nearly as possible along +x (Right), +y (Anterior), +z (Superior) of RAS+ world
 * space, reached by axis permutations and flips only (no resampling), so an image and its
 * label volume line up voxel for voxel even when they were stored in different orientations.
 */
import type { RegisteredSourceFormat } from './formats/registry';

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** What a volume was read from: the source formats of the registered readers (formats/registry.ts), or the synthetic demo. */
export type SourceFormat = RegisteredSourceFormat | 'synthetic';

export interface Volume {
  /** Voxel values as stored (after NIfTI scl_slope/scl_inter when those apply: then Float32Array). */
  data: VoxelArray;
  /** [nx, ny, nz]; 2D pictures have nz = 1. */
  dims: [number, number, number];
  /** Values per voxel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** Voxel size in mm along x, y, z ([1, 1, 1] when unknown, as for pictures). */
  spacing: [number, number, number];
  /**
   * Voxel (i, j, k) → world (mm, RAS+) as a row-major 4×4 matrix of the data as laid out here
   * (after canonicalisation). Identity for pictures.
   */
  affine: number[];
  /** Where it came from. */
  source: {
    /** File name (path inside a folder or zip when known). */
    name: string;
    format: SourceFormat;
    /** The stored sample type, e.g. 'uint8', 'uint16', 'float32', 'int16 big-endian'. */
    datatype: string;
  };
  /**
   * For palette pictures (GIF, indexed PNG): the stored palette indices, one per pixel. `data`
   * then holds the palette colours (grey when the palette is grey). Masks read their labels from
   * here when present.
   */
  paletteIndices?: Uint8Array;
  /** Things the user should know, e.g. "4-D file: using the first of 5 volumes". */
  notes: string[];
  /** NIfTI only: what is needed to write a label volume back in the source's geometry. */
  nifti?: NiftiGeometry;
}

/** The source header and the axis permutation/flips applied to reach the canonical layout. */
export interface NiftiGeometry {
  /** The original header bytes (348 for NIfTI-1, 540 for NIfTI-2), little- or big-endian as stored. */
  header: Uint8Array;
  littleEndian: boolean;
  version: 1 | 2;
  /** Source dims (x, y, z) before canonicalisation. */
  sourceDims: [number, number, number];
  /** canonical axis a takes source axis perm[a]... */
  perm: [number, number, number];
  /** ...reversed when flip[a]. */
  flip: [boolean, boolean, boolean];
}

/** A problem with one input file: the message names the file and says what is wrong. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'InputFileError';
  }
}

export function voxelCount(v: Pick<Volume, 'dims'>): number {
  return v.dims[0] * v.dims[1] * v.dims[2];
}

export const IDENTITY_AFFINE: readonly number[] = Object.freeze([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

/** How many values are NaN and how many ±∞ (integer arrays have none). */
export function countNonFinite(data: ArrayLike<number>): { nan: number; inf: number } {
  let nan = 0;
  let inf = 0;
  if (!(data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) return { nan, inf };
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    // v - v is 0 for finite values and NaN for NaN and ±∞.
    if (v - v !== 0) {
      if (v !== v) nan++;
      else inf++;
    }
  }
  return { nan, inf };
}
