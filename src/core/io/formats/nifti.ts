/** NIfTI-1 and NIfTI-2 single-file volumes (reader and label writer in ../nifti.ts). */
import { niftiMagicVersion, readNifti, writeNiftiLabels } from '../nifti';
import type { FormatDescriptor } from './types';

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

export const nifti: FormatDescriptor<'nifti1' | 'nifti2'> = {
  id: 'nifti',
  label: 'NIfTI',
  kind: 'volume',
  // .hdr is claimed below (a NIfTI header-only file is described by the reader) but not paired:
  // pairing names it an Analyze 7.5 header, which the studio does not read.
  extensions: ['nii', 'nii.gz'],
  sourceFormats: ['nifti1', 'nifti2'],
  // Any gzip stream: the reader inflates it and reports what it holds.
  sniff: looksLikeNifti,
  claims: (bytes, name) => niftiName(name) || niftiMagicVersion(bytes) !== null,
  read: (bytes, name, opts) => readNifti(bytes, name, opts),
  write: {
    extension: 'nii.gz',
    mime: 'application/gzip',
    accepts: (image) => image.nifti !== undefined,
    write: (labels, image) => {
      if (!image.nifti) throw new RangeError(`${image.source.name} has no NIfTI geometry to write labels in`);
      return writeNiftiLabels(labels, image.nifti, { gzip: true });
    },
  },
  rows: 'ras',
};
