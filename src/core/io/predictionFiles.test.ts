import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './image2d';
import { readNifti } from './nifti';
import { joinSlices, predictionFile, safeFileName } from './predictionFiles';
import { encodeNifti } from './testing/nifti-fixtures';

describe('prediction files', () => {
  it('joinSlices stacks axial slices and checks their sizes', () => {
    expect(Array.from(joinSlices([Uint8Array.of(1, 2), Uint8Array.of(3, 4)], [2, 1, 2]))).toEqual([1, 2, 3, 4]);
    expect(() => joinSlices([Uint8Array.of(1, 2)], [2, 1, 2])).toThrow(/1 slices for a volume of 2/);
    expect(() => joinSlices([Uint8Array.of(1), Uint8Array.of(3, 4)], [2, 1, 2])).toThrow(/slice 0 has 1 labels, expected 2 × 1 = 2/);
  });

  it('a picture gives a PNG of its size: binary masks as 0/255, multiclass as class indices', () => {
    const image = { dims: [3, 2, 1] as [number, number, number], source: { name: 'a.png', format: 'png' as const, datatype: 'uint8' } };
    const bin = predictionFile(image, Uint8Array.of(0, 1, 1, 0, 0, 1), 'case 1/pred', { numClasses: 2 });
    expect(bin.name).toBe('case 1_pred.png');
    const back = decodeImage(bin.bytes, bin.name);
    expect(back.dims).toEqual([3, 2, 1]);
    expect(Array.from(back.data)).toEqual([0, 255, 255, 0, 0, 255]);
    const multi = decodeImage(predictionFile(image, Uint8Array.of(0, 1, 2, 0, 2, 1), 'm', { numClasses: 3 }).bytes, 'm.png');
    expect(Array.from(multi.data)).toEqual([0, 1, 2, 0, 2, 1]);
    // a three-class dataset whose prediction has only classes 0 and 1 is written as indices too
    const onlyOne = decodeImage(predictionFile(image, Uint8Array.of(0, 1, 1, 0, 0, 1), 'o', { numClasses: 3 }).bytes, 'o.png');
    expect(Array.from(onlyOne.data)).toEqual([0, 1, 1, 0, 0, 1]);
    // the dataset's own values when its mapping names them (classes 1, 2 came from 128, 255)
    const own = decodeImage(predictionFile(image, Uint8Array.of(0, 1, 2, 0, 2, 1), 'v', { numClasses: 3, classValues: [0, 128, 255] }).bytes, 'v.png');
    expect(Array.from(own.data)).toEqual([0, 128, 255, 0, 255, 128]);
    expect(() => predictionFile(image, new Uint8Array(5), 'x', { numClasses: 2 })).toThrow(/5 labels for an image of 3 × 2 × 1 voxels/);
  });

  it('a NIfTI source gives a .nii.gz whose labels and affine read back as the source (an LPS volume, reoriented on reading)', () => {
    // 2×3×2 int16 volume stored L→R flipped and P→A flipped (sform diag(−2, −3, 4)).
    const values = Array.from({ length: 12 }, (_, i) => i * 10);
    const src = encodeNifti({ dims: [2, 3, 2], datatype: 4, values, pixdim: [2, 3, 4], sform: { code: 1, rows: [-2, 0, 0, 10, 0, -3, 0, 20, 0, 0, 4, -5] } });
    const image = readNifti(src, 'img.nii');
    // labels in the canonical layout: 1 where the image value is ≥ 60
    const labels = Uint8Array.from(image.data, (v) => (Number(v) >= 60 ? 1 : 0));
    const f = predictionFile(image, labels, 'img_pred', { numClasses: 2 });
    expect(f.name).toBe('img_pred.nii.gz');
    const back = readNifti(f.bytes, f.name);
    expect(back.dims).toEqual(image.dims);
    expect(back.affine).toEqual(image.affine);
    expect(Array.from(back.data)).toEqual(Array.from(labels));
    // the file's voxels in the source's own order: label 1 exactly where the stored value is ≥ 60
    const raw = gunzipSync(f.bytes);
    expect(Array.from(raw.subarray(352, 352 + 12))).toEqual(values.map((v) => (v >= 60 ? 1 : 0)));
  });

  it('safeFileName replaces separators and reserved characters', () => {
    expect(safeFileName('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(safeFileName('..hidden')).toBe('_hidden');
    expect(safeFileName('')).toBe('case');
  });
});
