/** One entry point for every reader: the format is recognised from the bytes, not the name. */
import { decodeImage } from './image2d';
import { readNifti } from './nifti';
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

export function readVolume(bytes: Uint8Array, name: string): Volume {
  if (bytes.length === 0) throw new InputFileError(name, 'the file is empty (0 bytes)');
  return looksLikeNifti(bytes) ? readNifti(bytes, name) : decodeImage(bytes, name);
}
