/**
 * What one file may cost to read. Every reader checks the size its header announces against
 * these limits before it allocates anything, and every decompressor counts its output as it
 * goes and stops at the limit (see inflate.ts), so no file, honest or crafted, can take more
 * memory than this, and the time a read takes is proportional to the bytes it is allowed to
 * produce.
 *
 *   what                                       | limit          | constant
 *   -------------------------------------------|----------------|------------------------
 *   decoded volume (voxels × channels × bytes) | 1 GiB          | MAX_VOLUME_BYTES
 *   all bytes a .nii.gz may inflate to          | 4 GiB          | MAX_INFLATED_BYTES
 *   decoded picture (w × h × channels × bytes) | 512 MiB        | MAX_PICTURE_BYTES
 *   one zip entry, inflated                    | 4 GiB          | MAX_INFLATED_BYTES
 *
 * A volume with a scl_slope scaling counts its float32 copy too. A 4-D NIfTI keeps only its
 * first volume, but the whole stream is inflated (and discarded as it goes) so that its CRC-32
 * can be checked. Peak memory of a read is about the file's own bytes plus the decoded volume
 * plus one inflated slice (inflate.ts: ≤ 66 MB).
 */

const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/** Decoded bytes of one volume (NIfTI), in its stored type (plus a float32 copy when scaled). */
export const MAX_VOLUME_BYTES = 1 * GIB;

/** Bytes one compressed file or zip entry may inflate to in all. */
export const MAX_INFLATED_BYTES = 4 * GIB;

/** Decoded bytes of one picture (PNG, JPEG, GIF, BMP, TIFF): width × height × channels × bytes per sample. */
export const MAX_PICTURE_BYTES = 512 * MIB;

export interface ReadBudget {
  /** Most bytes one decoded volume or picture may take. */
  maxDecodedBytes: number;
  /** Most bytes a compressed stream may inflate to. */
  maxInflatedBytes: number;
}

export const DEFAULT_BUDGET: Readonly<ReadBudget> = Object.freeze({ maxDecodedBytes: MAX_VOLUME_BYTES, maxInflatedBytes: MAX_INFLATED_BYTES });

/** Bytes in binary units for messages: 812 bytes, 4.0 KiB, 1.5 MiB, 4.0 GiB, … 4.0 EiB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < KIB) return `${n} bytes`;
  const units: [number, string][] = [
    [1024 ** 6, 'EiB'],
    [1024 ** 5, 'PiB'],
    [1024 * GIB, 'TiB'],
    [GIB, 'GiB'],
    [MIB, 'MiB'],
    [KIB, 'KiB'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${(n / size).toFixed(1)} ${unit}`;
  return `${n} bytes`;
}
