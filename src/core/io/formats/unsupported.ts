/**
 * Image and volume formats the studio recognises by their extension but does not read, each with
 * its name and what to do instead; pairing lists such files as unreadable with this advice. A
 * format that gains a descriptor in registry.ts is read from then on: readable extensions are
 * checked before this table.
 */

export const TO_NIFTI = 'convert it to NIfTI (.nii.gz), e.g. with SimpleITK or 3D Slicer';
const ANALYZE = 'convert the .hdr/.img pair to NIfTI (use .nii or .nii.gz), e.g. with nibabel or SimpleITK';
const DICOM = 'convert the series to NIfTI, e.g. with dcm2niix';
const ARRAYS = 'save the arrays as NIfTI (e.g. with nibabel) or as PNG';

export interface UnsupportedFormat {
  /** The format's name ('DICOM', 'NRRD volume'). */
  format: string;
  /** What to do instead. */
  advice: string;
}

const UNSUPPORTED = new Map<string, UnsupportedFormat>(
  (
    [
      ['DICOM', DICOM, ['dcm', 'dicom']],
      ['DICOM (Siemens .IMA)', DICOM, ['ima']],
      ['NRRD volume', TO_NIFTI, ['nrrd']],
      ['NRRD header', TO_NIFTI, ['nhdr']],
      ['MetaImage volume', TO_NIFTI, ['mha']],
      ['MetaImage header', `${TO_NIFTI} (with its data file)`, ['mhd']],
      ['FreeSurfer volume', 'convert it to NIfTI, e.g. with mri_convert', ['mgz', 'mgh']],
      ['MINC volume', 'convert it to NIfTI, e.g. with mnc2nii', ['mnc']],
      ['Analyze 7.5 header', ANALYZE, ['hdr']],
      ['Analyze 7.5 image data', ANALYZE, ['img']],
      ['NumPy array', ARRAYS, ['npy']],
      ['NumPy archive', ARRAYS, ['npz']],
      ['HDF5 file', ARRAYS, ['h5', 'hdf5']],
      ['MATLAB data file', ARRAYS, ['mat']],
      ['WebP image', 'save it as PNG', ['webp']],
      ['AVIF image', 'save it as PNG', ['avif']],
      ['HEIC image', 'save it as PNG', ['heic', 'heif']],
      ['JPEG XL image', 'save it as PNG', ['jxl']],
      ['JPEG 2000 image', 'save it as PNG or TIFF', ['jp2', 'j2k', 'jpx']],
      ['Netpbm image', 'save it as PNG', ['pgm', 'ppm', 'pbm', 'pnm']],
    ] as const
  ).flatMap(([format, advice, exts]) => exts.map((ext) => [ext, { format, advice }] as [string, UnsupportedFormat])),
);

/** The unsupported format an extension (lower case, no dot) names, if any. */
export function unsupportedFormat(ext: string): UnsupportedFormat | undefined {
  return UNSUPPORTED.get(ext);
}

/** Archives other than zip (which the loader opens before pairing): named, not opened. */
export const UNOPENED_ARCHIVE_EXTENSIONS: readonly string[] = ['tar', 'tgz', '7z', 'rar', 'bz2', 'xz'];
