import { describe, expect, it } from 'vitest';
import { readVolume } from './read';
import { encodeNifti } from './testing/nifti-fixtures';
import { InputFileError } from './volume';

function problem(bytes: Uint8Array, name: string): string {
  try {
    readVolume(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(InputFileError);
    return (e as InputFileError).problem;
  }
  throw new Error(`${name} was read`);
}

describe('readVolume: the bytes decide the format, the name only when the bytes match none', () => {
  it('a .nii whose sizeof_hdr is damaged is a bad NIfTI header, not "not a picture"', () => {
    const f = encodeNifti({ dims: [2, 2, 2], datatype: 2, values: new Uint8Array(8) });
    new DataView(f.buffer).setInt32(0, 0, true);
    expect(problem(f, 'brain.nii')).toMatch(/^bad NIfTI-1 header: sizeof_hdr \(bytes 0–3\) is 0, expected 348/);
    // The same bytes under a picture's name: the NIfTI magic still says what they are.
    expect(problem(f, 'brain.png')).toMatch(/^bad NIfTI-1 header/);
    // Bytes that are nothing at all, named .nii: described as a NIfTI problem.
    expect(problem(new Uint8Array(400).fill(7), 'x.nii')).toMatch(/^bad NIfTI header: sizeof_hdr is 117901063/);
    expect(problem(new Uint8Array(400).fill(7), 'x.png')).toMatch(/^not a PNG, JPEG, GIF, BMP or TIFF image/);
  });
  it('formats the studio does not read are named', () => {
    const webp = new Uint8Array(40);
    webp.set(new TextEncoder().encode('RIFF'), 0);
    webp.set(new TextEncoder().encode('WEBP'), 8);
    expect(problem(webp, 'a.png')).toMatch(/WebP image, which is not supported/);
    const dicom = new Uint8Array(200);
    dicom.set(new TextEncoder().encode('DICM'), 128);
    expect(problem(dicom, 'IM0001')).toMatch(/DICOM file, which is not supported/);
  });
  it('an empty file says so', () => {
    expect(problem(new Uint8Array(0), 'e.nii.gz')).toBe('the file is empty (0 bytes)');
  });
});
