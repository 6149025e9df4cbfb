/**
 * One entry point for every reader. The format is recognised from the bytes; the name decides
 * only when the bytes match no format, so that a damaged .nii is described as a bad NIfTI header
 * rather than as "not a picture".
 */
import type { ReadBudget } from './budget';
import { decodeImage, detectImageFormat } from './image2d';
import { niftiMagicVersion, readNifti } from './nifti';
import { InputFileError, type Volume } from './volume';

/** True for gzip streams and for NIfTI-1/2 headers (sizeof_hdr 348 or 540, either byte order). */
export function looksLikeNifti(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return true;
  if (bytes.length < 4) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const le = dv.getInt32(0, true);
  const be = dv.getInt32(0, false);
  return le === 348 || be === 348 || le === 540 || be === 540;
}

/** A name that says NIfTI (.nii, .nii.gz, and the header-only .hdr). */
export function niftiName(name: string): boolean {
  return /\.(nii|nii\.gz|hdr)$/i.test(name);
}

export interface ReadOptions {
  budget?: ReadBudget;
  /** Progress through a long read (a large .nii.gz), as compressed bytes consumed and total. */
  onProgress?: (done: number, total: number) => void;
}

export function readVolume(bytes: Uint8Array, name: string, opts: ReadOptions = {}): Volume {
  if (bytes.length === 0) throw new InputFileError(name, 'the file is empty (0 bytes)');
  if (looksLikeNifti(bytes)) return readNifti(bytes, name, opts);
  if (detectImageFormat(bytes)) return decodeImage(bytes, name);
  if (niftiName(name) || niftiMagicVersion(bytes)) return readNifti(bytes, name, opts);
  return decodeImage(bytes, name);
}
