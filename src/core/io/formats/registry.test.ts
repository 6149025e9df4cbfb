import { describe, expect, it } from 'vitest';
import { pairFiles } from '../../data/pairing';
import { decodeImage } from '../image2d';
import { encodeMaskPng } from '../maskPng';
import { predictionFile } from '../predictionFiles';
import { readVolume } from '../read';
import { encodeNifti } from '../testing/nifti-fixtures';
import { IDENTITY_AFFINE, InputFileError, type SourceFormat, type Volume } from '../volume';
import {
  acceptList,
  describeFormats,
  FORMATS,
  formatOf,
  formatOfName,
  isArchiveName,
  isImageName,
  isLossy,
  isVolumeName,
  labelWriterFor,
  readableExtensions,
  rowZeroAtBottom,
  splitExtension,
  type FormatDescriptor,
} from './registry';

describe('the registered formats', () => {
  it('are NIfTI and the five picture formats, each with its extensions', () => {
    expect(FORMATS.map((f) => [f.id, f.kind, f.extensions])).toEqual([
      ['nifti', 'volume', ['nii', 'nii.gz']],
      ['png', 'image2d', ['png']],
      ['jpeg', 'image2d', ['jpg', 'jpeg', 'jpe', 'jfif']],
      ['tiff', 'image2d', ['tif', 'tiff']],
      ['gif', 'image2d', ['gif']],
      ['bmp', 'image2d', ['bmp']],
    ]);
  });

  it('the page text and accept lists come from them', () => {
    expect(describeFormats()).toBe('Images PNG, JPEG, TIFF, GIF or BMP with their masks, or NIfTI volumes (.nii, .nii.gz) with label volumes.');
    // Browsers match the last extension only: .nii.gz is accepted as .gz.
    expect(acceptList()).toBe('.nii,.gz,.png,.jpg,.jpeg,.jpe,.jfif,.tif,.tiff,.gif,.bmp');
    expect(acceptList({ archives: true })).toBe('.nii,.gz,.png,.jpg,.jpeg,.jpe,.jfif,.tif,.tiff,.gif,.bmp,.zip');
    expect(acceptList({ kind: 'volume' })).toBe('.nii,.gz');
    expect(readableExtensions('image2d')).toEqual(['png', 'jpg', 'jpeg', 'jpe', 'jfif', 'tif', 'tiff', 'gif', 'bmp']);
  });

  it('names say kinds; compound extensions are split whole', () => {
    expect(splitExtension('case_1.NII.GZ')).toEqual({ stem: 'case_1', ext: 'nii.gz' });
    expect(splitExtension('a.mha.gz')).toEqual({ stem: 'a.mha', ext: 'gz' });
    expect(splitExtension('README')).toEqual({ stem: 'README', ext: '' });
    expect(isVolumeName('x/brain.nii.gz')).toBe(true);
    expect(isVolumeName('brain.nii')).toBe(true);
    expect(isVolumeName('a.png')).toBe(false);
    expect(isImageName('a.JPEG')).toBe(true);
    expect(isImageName('a.hdr')).toBe(false);
    expect(formatOfName('x.tif')?.id).toBe('tiff');
    expect(isArchiveName('set.ZIP')).toBe(true);
  });

  it('bytes decide the format; names claim what no bytes match', () => {
    const nii = encodeNifti({ dims: [2, 2, 2], datatype: 2, values: new Uint8Array(8) });
    const png = encodeMaskPng(new Uint8Array(4), 2, 2);
    expect(formatOf(nii, 'a.png')?.id).toBe('nifti');
    expect(formatOf(png, 'a.nii')?.id).toBe('png');
    const junk = new Uint8Array(400).fill(7);
    expect(formatOf(junk, 'x.hdr')?.id).toBe('nifti');
    expect(formatOf(junk, 'x.tiff')?.id).toBe('tiff');
    expect(formatOf(junk, 'x.dat')).toBeUndefined();
  });

  it('row order, lossiness and the writer of predicted masks are looked up by source format', () => {
    expect(rowZeroAtBottom('nifti1')).toBe(true);
    expect(rowZeroAtBottom('png')).toBe(false);
    expect(rowZeroAtBottom('synthetic')).toBe(false);
    expect(isLossy('jpeg')).toBe(true);
    expect(isLossy('bmp')).toBe(false);
    const picture = (format: SourceFormat, nz = 1) => ({ dims: [2, 2, nz] as [number, number, number], source: { name: `a.${format}`, format, datatype: 'uint8' } });
    expect(labelWriterFor(picture('jpeg'))?.format.id).toBe('png');
    expect(labelWriterFor(picture('synthetic'))?.format.id).toBe('png');
    expect(labelWriterFor(picture('png', 3))).toBeUndefined();
    expect(() => predictionFile(picture('tiff', 3), new Uint8Array(12), 'p', { numClasses: 2 })).toThrow(
      'a.tiff is a 3-slice volume without NIfTI geometry; only NIfTI volumes can be written as volumes',
    );
    const jpegMask = predictionFile(picture('jpeg'), Uint8Array.of(0, 1, 1, 0), 'p', { numClasses: 2 });
    expect([jpegMask.name, jpegMask.mime]).toEqual(['p.png', 'image/png']);
    expect(Array.from(decodeImage(jpegMask.bytes, jpegMask.name).data)).toEqual([0, 255, 255, 0]);
  });
});

// -----------------------------------------------------------------------------------------------
// A new format is one descriptor: a test-only volume format, "TOY1" + nx, ny, nz (one byte each)
// + nx·ny·nz uint8 voxels, files named .toy or .toy.gz (stored uncompressed whatever the name).

const TOY_MAGIC = [0x54, 0x4f, 0x59, 0x31];

function readToy(bytes: Uint8Array, name: string): Volume {
  if (!TOY_MAGIC.every((b, i) => bytes[i] === b)) throw new InputFileError(name, 'not a toy volume: the magic "TOY1" is missing');
  const dims: [number, number, number] = [bytes[4] ?? 0, bytes[5] ?? 0, bytes[6] ?? 0];
  const n = dims[0] * dims[1] * dims[2];
  if (bytes.length < 7 + n) throw new InputFileError(name, `truncated toy volume: ${n} voxels announced`);
  return {
    data: bytes.slice(7, 7 + n),
    dims,
    channels: 1,
    spacing: [1, 1, 1],
    affine: [...IDENTITY_AFFINE],
    // The type system knows the registered formats only; this one exists in this test alone.
    source: { name, format: 'toy' as SourceFormat, datatype: 'uint8' },
    notes: [],
  };
}

const toy: FormatDescriptor = {
  id: 'toy',
  label: 'Toy',
  kind: 'volume',
  extensions: ['toy', 'toy.gz'],
  sourceFormats: ['toy'],
  sniff: (bytes) => TOY_MAGIC.every((b, i) => bytes[i] === b),
  read: readToy,
  write: {
    extension: 'toy',
    mime: 'application/octet-stream',
    accepts: (image) => image.source.format === ('toy' as SourceFormat),
    write: (labels, image) => Uint8Array.from([...TOY_MAGIC, ...image.dims, ...labels]),
  },
  rows: 'ras',
};

const withToy: readonly FormatDescriptor[] = [...FORMATS, toy];

describe('a format added by one descriptor', () => {
  const file = Uint8Array.from([...TOY_MAGIC, 2, 1, 2, 5, 6, 7, 8]);

  it('is dispatched to by its bytes, and its name claims a damaged file', () => {
    const v = readVolume(file, 'scan.toy', {}, withToy);
    expect(v.dims).toEqual([2, 1, 2]);
    expect(Array.from(v.data)).toEqual([5, 6, 7, 8]);
    // Under any name: the bytes decide.
    expect(readVolume(file, 'scan.png', {}, withToy).source.format).toBe('toy');
    expect(() => readVolume(Uint8Array.of(1, 2, 3), 'bad.toy', {}, withToy)).toThrow('not a toy volume: the magic "TOY1" is missing');
    // Without the descriptor, the same bytes are not recognised.
    expect(() => readVolume(file, 'scan.toy')).toThrow(/^scan\.toy: not a PNG, JPEG, GIF, BMP or TIFF image: the name says \.toy, but the contents/);
  });

  it('is paired as a volume format, its compound extension split whole', () => {
    const paths = ['T/imagesTr/a.toy', 'T/labelsTr/a.toy', 'T/imagesTr/b.toy.gz', 'T/labelsTr/b.toy.gz'];
    const p = pairFiles(paths, withToy);
    expect(p.pairs.map((x) => [x.id, x.image, x.mask])).toEqual([
      ['a', 'T/imagesTr/a.toy', 'T/labelsTr/a.toy'],
      ['b', 'T/imagesTr/b.toy.gz', 'T/labelsTr/b.toy.gz'],
    ]);
    expect(p.unpaired).toEqual([]);
    // Reasons that name the volume formats name it too.
    expect(pairFiles(['x.gz', 'notes.doc'], withToy).ignored.find((i) => i.path === 'notes.doc')?.reason).toBe('.doc is not an image or NIfTI or Toy file');
    expect(pairFiles(['x.gz'], withToy).unpaired[0]?.reason).toBe('.gz is not a supported volume (use .nii, .nii.gz, .toy or .toy.gz)');
    // Without the descriptor, .toy files are not data.
    const without = pairFiles(paths);
    expect(without.pairs).toEqual([]);
    expect(without.ignored.find((i) => i.path === 'T/imagesTr/a.toy')?.reason).toBe('.toy is not an image or NIfTI file');
  });

  it('appears in the accept lists and the page text', () => {
    expect(acceptList({ archives: true }, withToy)).toBe('.nii,.gz,.png,.jpg,.jpeg,.jpe,.jfif,.tif,.tiff,.gif,.bmp,.toy,.zip');
    expect(acceptList({ kind: 'volume' }, withToy)).toBe('.nii,.gz,.toy');
    expect(describeFormats(withToy)).toBe(
      'Images PNG, JPEG, TIFF, GIF or BMP with their masks, or NIfTI or Toy volumes (.nii, .nii.gz, .toy, .toy.gz) with label volumes.',
    );
    expect(isVolumeName('b.toy.gz', withToy)).toBe(true);
  });

  it('writes predicted masks of its volumes and declares their row order', () => {
    const v = readVolume(file, 'scan.toy', {}, withToy);
    const f = predictionFile(v, Uint8Array.of(0, 1, 1, 0), 'scan_pred', { numClasses: 2 }, withToy);
    expect(f.name).toBe('scan_pred.toy');
    expect(Array.from(readVolume(f.bytes, f.name, {}, withToy).data)).toEqual([0, 1, 1, 0]);
    expect(rowZeroAtBottom('toy', withToy)).toBe(true);
    // The error for volumes no writer takes names every volume format that writes.
    const png3d = { dims: [2, 1, 2] as [number, number, number], source: { name: 'p', format: 'png' as const, datatype: 'uint8' } };
    expect(() => predictionFile(png3d, new Uint8Array(4), 'p', { numClasses: 2 }, withToy)).toThrow(
      'without NIfTI or Toy geometry; only NIfTI or Toy volumes can be written as volumes',
    );
  });
});
