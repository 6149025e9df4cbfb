/**
 * One entry point for every reader. The format is recognised from the bytes; the name decides
 * only when the bytes match no format, so that a damaged .nii is described as a bad NIfTI header
 * rather than as "not a picture". The formats and their order are those of formats/registry.ts.
 */
import { FORMATS, formatOf, unrecognised, type Formats, type ReadOptions } from './formats/registry';
import { InputFileError, type Volume } from './volume';

export { looksLikeNifti, niftiName } from './formats/nifti';
export type { ReadOptions } from './formats/registry';

export function readVolume(bytes: Uint8Array, name: string, opts: ReadOptions = {}, formats: Formats = FORMATS): Volume {
  if (bytes.length === 0) throw new InputFileError(name, 'the file is empty (0 bytes)');
  const format = formatOf(bytes, name, formats);
  if (!format) throw unrecognised(bytes, name);
  return format.read(bytes, name, opts);
}
