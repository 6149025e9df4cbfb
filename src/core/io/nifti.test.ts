import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { isGzip } from './inflate';
import {
  canonicalOrientation,
  niftiDatatypeName,
  qformAffine,
  readNifti,
  sourceAffine,
  writeNiftiLabels,
} from './nifti';
import { InputFileError, type Volume } from './volume';
import { applyAffine, elementBytes, encodeNifti, invertAffine, ramp, type NiftiFixture } from './testing/nifti-fixtures';

const C45 = Math.SQRT1_2;

/** Throws unless fn throws an InputFileError for `file` whose message has every fragment. */
function expectFileError(fn: () => unknown, file: string, ...fragments: (string | RegExp)[]): InputFileError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InputFileError);
  const err = caught as InputFileError;
  expect(err.file).toBe(file);
  expect(err.message).toContain(file);
  for (const f of fragments) {
    if (typeof f === 'string') expect(err.message).toContain(f);
    else expect(err.message).toMatch(f);
  }
  return err;
}

function expectAffineClose(actual: readonly number[], expected: readonly number[], digits = 5): void {
  expect(actual).toHaveLength(16);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, digits));
}

/**
 * Every canonical voxel holds the source voxel at the same world position: world = vol.affine ·
 * (i, j, k), source index = srcAffine⁻¹ · world (an integer triple inside the source grid).
 */
function expectWorldConsistent(vol: Volume, srcAffine: number[], srcDims: number[], srcValues: ArrayLike<number>): void {
  const inv = invertAffine(srcAffine);
  const [nx, ny, nz] = vol.dims;
  const c = vol.channels;
  expect(nx * ny * nz).toBe(srcDims[0]! * srcDims[1]! * srcDims[2]!);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const w = applyAffine(vol.affine, i, j, k);
        const s = applyAffine(inv, ...w);
        const si = s.map((v) => Math.round(v));
        s.forEach((v, a) => {
          expect(Math.abs(v - si[a]!)).toBeLessThan(1e-3);
          expect(si[a]).toBeGreaterThanOrEqual(0);
          expect(si[a]).toBeLessThan(srcDims[a]!);
        });
        const src = si[0]! + srcDims[0]! * (si[1]! + srcDims[1]! * si[2]!);
        const dst = i + nx * (j + ny * k);
        for (let ch = 0; ch < c; ch++) expect(vol.data[dst * c + ch]).toBe(srcValues[src * c + ch]);
      }
    }
  }
}

function diagAffine(p: number[], t: number[] = [0, 0, 0]): number[] {
  return [p[0]!, 0, 0, t[0]!, 0, p[1]!, 0, t[1]!, 0, 0, p[2]!, t[2]!, 0, 0, 0, 1];
}

/** canonical(x, y, z) = source(nx − 1 − x, ny − 1 − y, z): what an LPS-stored volume becomes. */
function flipXY(values: ArrayLike<number>, dims: number[]): number[] {
  const [nx, ny, nz] = dims as [number, number, number];
  const out: number[] = [];
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) out.push(values[nx - 1 - x + nx * (ny - 1 - y + ny * z)]!);
    }
  }
  return out;
}

const DATATYPE_CASES: { code: number; name: string; ctor: string; values: number[] }[] = [
  { code: 2, name: 'uint8', ctor: 'Uint8Array', values: [0, 1, 127, 128, 200, 255] },
  { code: 256, name: 'int8', ctor: 'Int8Array', values: [-128, -1, 0, 1, 100, 127] },
  { code: 4, name: 'int16', ctor: 'Int16Array', values: [-32768, -1, 0, 258, 12345, 32767] },
  { code: 512, name: 'uint16', ctor: 'Uint16Array', values: [0, 1, 258, 40000, 65534, 65535] },
  { code: 8, name: 'int32', ctor: 'Int32Array', values: [-2147483648, -1, 0, 16909060, 2147483647, 7] },
  { code: 768, name: 'uint32', ctor: 'Uint32Array', values: [0, 1, 16909060, 3000000000, 4294967295, 9] },
  { code: 16, name: 'float32', ctor: 'Float32Array', values: [0, -1.25, 0.1, 3.4e38, -1e-30, Number.NaN] },
  { code: 64, name: 'float64', ctor: 'Float64Array', values: [0, Math.PI, -1e300, 1e-300, -0.1, Number.POSITIVE_INFINITY] },
];

/** 12 voxels (3 × 2 × 2): the case's special values, then 2, 3, 4 ... */
function twelve(values: number[]): number[] {
  return [...values, ...ramp(12 - values.length).map((v) => v + 2)];
}

function stored(code: number, values: number[]): number[] {
  return code === 16 ? values.map(Math.fround) : values;
}

describe('readNifti: datatypes and byte order', () => {
  for (const t of DATATYPE_CASES) {
    for (const littleEndian of [true, false]) {
      for (const gzip of [false, true]) {
        it(`${t.name} ${littleEndian ? 'little' : 'big'}-endian${gzip ? ' .nii.gz' : ''}`, () => {
          const values = twelve(t.values);
          const bytes = encodeNifti({ dims: [3, 2, 2], datatype: t.code, values, littleEndian, gzip });
          expect(isGzip(bytes)).toBe(gzip);
          const vol = readNifti(bytes, 'v.nii');
          expect(vol.data.constructor.name).toBe(t.ctor);
          expect(Array.from(vol.data)).toEqual(stored(t.code, values));
          expect(vol.dims).toEqual([3, 2, 2]);
          expect(vol.channels).toBe(1);
          expect(vol.spacing).toEqual([1, 1, 1]);
          expect(vol.source).toEqual({
            name: 'v.nii',
            format: 'nifti1',
            datatype: littleEndian || elementBytes(t.code) === 1 ? t.name : `${t.name} big-endian`,
          });
          expect(vol.nifti?.littleEndian).toBe(littleEndian);
          expect(vol.notes).toContain('no orientation in the header (qform_code and sform_code are 0): axes taken as R, A, S');
          // A fresh, compact array: nothing else shares or pads its buffer.
          expect(vol.data.byteOffset).toBe(0);
          expect(vol.data.buffer.byteLength).toBe(vol.data.byteLength);
          expect(vol.data.buffer).not.toBe(bytes.buffer);
        });
      }
    }
  }

  it('reindexes every datatype in both byte orders when the layout is not canonical (LPS)', () => {
    for (const t of DATATYPE_CASES) {
      for (const littleEndian of [true, false]) {
        const values = twelve(t.values);
        const vol = readNifti(
          encodeNifti({ dims: [3, 2, 2], datatype: t.code, values, littleEndian, qform: { b: 0, c: 0, d: 1 } }),
          'lps.nii',
        );
        expect(vol.data.constructor.name).toBe(t.ctor);
        expect(Array.from(vol.data)).toEqual(flipXY(stored(t.code, values), [3, 2, 2]));
      }
    }
  });

  it('reads voxels at an unaligned offset (vox_offset 353, input at an odd byteOffset)', () => {
    const values = ramp(24).map((v) => v * 1.5 - 7);
    for (const littleEndian of [true, false]) {
      for (const qform of [undefined, { b: 0, c: 0, d: 1 }]) {
        const file = encodeNifti({ dims: [4, 3, 2], datatype: 16, values, littleEndian, voxOffset: 353, qform });
        const shifted = new Uint8Array(file.length + 1);
        shifted.set(file, 1);
        const vol = readNifti(shifted.subarray(1), 'odd.nii');
        expect(vol.data).toBeInstanceOf(Float32Array);
        expect(Array.from(vol.data)).toEqual(qform ? flipXY(values, [4, 3, 2]) : values);
      }
    }
  });

  it('RGB24 (datatype 128) gives 3 interleaved uint8 channels; RGBA32 gives 4', () => {
    const rgb = ramp(4 * 3 * 2 * 3).map((v) => (v * 7) % 256);
    const vol = readNifti(encodeNifti({ dims: [4, 3, 2], datatype: 128, values: rgb }), 'rgb.nii');
    expect(vol.channels).toBe(3);
    expect(vol.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(vol.data)).toEqual(rgb);
    expect(vol.source.datatype).toBe('rgb24');
    // Reoriented (LPS), each voxel's triple moves as a whole.
    const lps = readNifti(encodeNifti({ dims: [4, 3, 2], datatype: 128, values: rgb, qform: { b: 0, c: 0, d: 1 } }), 'rgb.nii');
    const voxelIds = flipXY(ramp(24), [4, 3, 2]);
    expect(Array.from(lps.data)).toEqual(voxelIds.flatMap((v) => rgb.slice(v * 3, v * 3 + 3)));
    // scl_slope never applies to RGB (nifti1.h).
    const scaled = readNifti(encodeNifti({ dims: [4, 3, 2], datatype: 128, values: rgb, sclSlope: 2, sclInter: 1 }), 'rgb.nii');
    expect(scaled.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(scaled.data)).toEqual(rgb);

    const rgba = ramp(2 * 2 * 1 * 4).map((v) => 255 - v);
    const v4 = readNifti(encodeNifti({ dims: [2, 2, 1], datatype: 2304, values: rgba }), 'rgba.nii');
    expect(v4.channels).toBe(4);
    expect(Array.from(v4.data)).toEqual(rgba);
  });

  it('names the datatype codes', () => {
    expect(niftiDatatypeName(2)).toBe('uint8');
    expect(niftiDatatypeName(128)).toBe('rgb24');
    expect(niftiDatatypeName(1024)).toBe('int64');
    expect(niftiDatatypeName(3)).toBe('unknown');
  });
});

describe('readNifti: scl_slope / scl_inter', () => {
  const values = [-3, -1, 0, 1, 2, 1000, -1000, 7, 8, 9, 10, 11];

  it('scales to Float32Array when slope ≠ 0 and (slope ≠ 1 or inter ≠ 0)', () => {
    for (const littleEndian of [true, false]) {
      const vol = readNifti(encodeNifti({ dims: [3, 2, 2], datatype: 4, values, sclSlope: 2, sclInter: -1, littleEndian }), 's.nii');
      expect(vol.data).toBeInstanceOf(Float32Array);
      expect(Array.from(vol.data)).toEqual(values.map((v) => 2 * v - 1));
      expect(vol.source.datatype).toBe(littleEndian ? 'int16' : 'int16 big-endian');
    }
    const shifted = readNifti(encodeNifti({ dims: [3, 2, 2], datatype: 2, values: values.map((v) => Math.abs(v) % 256), sclSlope: 1, sclInter: 0.5 }), 's.nii');
    expect(Array.from(shifted.data)).toEqual(values.map((v) => (Math.abs(v) % 256) + 0.5));
  });

  it('leaves the stored type when slope is 0, NaN, or exactly 1 with inter 0', () => {
    for (const [sclSlope, sclInter] of [
      [0, 5],
      [Number.NaN, 3],
      [1, 0],
    ] as const) {
      const vol = readNifti(encodeNifti({ dims: [3, 2, 2], datatype: 4, values, sclSlope, sclInter }), 's.nii');
      expect(vol.data).toBeInstanceOf(Int16Array);
      expect(Array.from(vol.data)).toEqual(values);
    }
  });

  it('scales reoriented data in both byte orders and at unaligned offsets', () => {
    const f32 = values.map((v) => v / 4);
    for (const littleEndian of [true, false]) {
      for (const voxOffset of [352, 355]) {
        for (const [datatype, vals] of [
          [4, values],
          [16, f32],
          [64, f32],
        ] as const) {
          const vol = readNifti(
            encodeNifti({ dims: [3, 2, 2], datatype, values: vals, sclSlope: -0.5, sclInter: 10, littleEndian, voxOffset, qform: { b: 0, c: 0, d: 1 } }),
            's.nii',
          );
          expect(vol.data).toBeInstanceOf(Float32Array);
          expect(Array.from(vol.data)).toEqual(flipXY(vals.map((v) => Math.fround(-0.5 * v + 10)), [3, 2, 2]));
        }
      }
    }
  });
});

describe('readNifti: NIfTI-2', () => {
  it('reads the 540-byte header in both byte orders, plain and gzipped', () => {
    const values = ramp(24).map((v) => v * 0.25 - 2);
    for (const littleEndian of [true, false]) {
      for (const gzip of [false, true]) {
        const vol = readNifti(
          encodeNifti({ version: 2, dims: [4, 3, 2], datatype: 64, values, littleEndian, gzip, pixdim: [0.5, 0.75, 2], qform: { b: 0, c: 0, d: 0, offset: [1, 2, 3] } }),
          'v2.nii.gz',
        );
        expect(vol.source.format).toBe('nifti2');
        expect(vol.source.datatype).toBe(littleEndian ? 'float64' : 'float64 big-endian');
        expect(vol.data).toBeInstanceOf(Float64Array);
        expect(Array.from(vol.data)).toEqual(values);
        expect(vol.spacing).toEqual([0.5, 0.75, 2]);
        expect(vol.affine).toEqual(diagAffine([0.5, 0.75, 2], [1, 2, 3]));
        expect(vol.nifti?.version).toBe(2);
        expect(vol.nifti?.header.length).toBe(540);
      }
    }
  });

  it('uses the sform and scaling of a NIfTI-2 header', () => {
    const values = ramp(24);
    const vol = readNifti(
      encodeNifti({
        version: 2,
        littleEndian: false,
        dims: [4, 3, 2],
        datatype: 512,
        values,
        sclSlope: 3,
        sclInter: 1,
        sform: { rows: [-2, 0, 0, 6, 0, -1, 0, 2, 0, 0, 1, -4] },
      }),
      'v2.nii',
    );
    expect(vol.data).toBeInstanceOf(Float32Array);
    expect(Array.from(vol.data)).toEqual(flipXY(values.map((v) => 3 * v + 1), [4, 3, 2]));
    expect(vol.affine).toEqual(diagAffine([2, 1, 1], [0, 0, -4]));
    expect(vol.spacing).toEqual([2, 1, 1]);
  });
});

describe('readNifti: orientation and the canonical (RAS+) layout', () => {
  it('a 90° qform rotation about z: canonical x is source −j, y is source i (hand-computed)', () => {
    // quaternion (a, b, c, d) = (cos 45°, 0, 0, sin 45°): R = [[0, −1, 0], [1, 0, 0], [0, 0, 1]].
    const dims = [4, 3, 2];
    const values = ramp(24); // value = i + 4j + 12k
    const bytes = encodeNifti({ dims, datatype: 4, values, pixdim: [1, 2, 3], qform: { b: 0, c: 0, d: C45, offset: [10, 20, 30] } });
    const vol = readNifti(bytes, 'rot.nii');
    expect(vol.dims).toEqual([3, 4, 2]);
    expect(vol.nifti?.perm).toEqual([1, 0, 2]);
    expect(vol.nifti?.flip).toEqual([true, false, false]);
    expect(vol.nifti?.sourceDims).toEqual([4, 3, 2]);
    expect(vol.spacing[0]).toBeCloseTo(2, 6);
    expect(vol.spacing[1]).toBeCloseTo(1, 6);
    expect(vol.spacing[2]).toBeCloseTo(3, 6);
    // canonical (x, y, z) = source (i = y, j = 2 − x, k = z)
    const expected: number[] = [];
    for (let z = 0; z < 2; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) expected.push(y + 4 * (2 - x) + 12 * z);
    expect(Array.from(vol.data)).toEqual(expected);
    expect(Array.from(vol.data.slice(0, 6))).toEqual([8, 4, 0, 9, 5, 1]);
    // columns: x = −(source j column) = (2, 0, 0); y = source i column; origin moves to source j = 2.
    expectAffineClose(vol.affine, [2, 0, 0, 6, 0, 1, 0, 20, 0, 0, 3, 30, 0, 0, 0, 1]);
    const src = qformAffine([0, 0, Math.fround(C45)], [10, 20, 30], [1, 1, 2, 3]);
    expectAffineClose(src, [0, -2, 0, 10, 1, 0, 0, 20, 0, 0, 3, 30, 0, 0, 0, 1]);
    expectWorldConsistent(vol, src, dims, values);
  });

  it('an LPS-stored volume (qform 180° about z, or sform diag(−1, −1, 1)) is flipped in x and y', () => {
    const dims = [5, 4, 3];
    const values = ramp(60).map((v) => v * 3);
    const expected = flipXY(values, dims);
    const viaQ = readNifti(encodeNifti({ dims, datatype: 8, values, qform: { b: 0, c: 0, d: 1, offset: [4, 3, 0] } }), 'q.nii');
    const viaS = readNifti(encodeNifti({ dims, datatype: 8, values, sform: { rows: [-1, 0, 0, 4, 0, -1, 0, 3, 0, 0, 1, 0] } }), 's.nii');
    for (const vol of [viaQ, viaS]) {
      expect(vol.dims).toEqual([5, 4, 3]);
      expect(vol.nifti?.perm).toEqual([0, 1, 2]);
      expect(vol.nifti?.flip).toEqual([true, true, false]);
      expect(Array.from(vol.data)).toEqual(expected);
      expectAffineClose(vol.affine, diagAffine([1, 1, 1]));
    }
    // Tiny case by hand: a 2 × 2 × 1 LPS slice [0, 1, 2, 3] becomes [3, 2, 1, 0].
    const tiny = readNifti(encodeNifti({ dims: [2, 2, 1], datatype: 2, values: [0, 1, 2, 3], qform: { b: 0, c: 0, d: 1 } }), 't.nii');
    expect(Array.from(tiny.data)).toEqual([3, 2, 1, 0]);
  });

  it('an image stored LPS and its label stored RAS line up voxel for voxel after reading', () => {
    const dims = [6, 5, 4];
    const [nx, ny, nz] = dims as [number, number, number];
    const truth = (x: number, y: number, z: number): number => 10 * x + 100 * y + 1000 * z + 0.5;
    // RAS grid: world = (x + 1, y − 2, z + 3). The LPS image stores (x, y) reversed.
    const image: number[] = [];
    const label: number[] = [];
    for (let z = 0; z < nz; z++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          image.push(truth(nx - 1 - i, ny - 1 - j, z));
          label.push(truth(i, j, z) > 2500 ? 2 : truth(i, j, z) > 800 ? 1 : 0);
        }
      }
    }
    const img = readNifti(
      encodeNifti({ dims, datatype: 16, values: image, sform: { rows: [-1, 0, 0, nx - 1 + 1, 0, -1, 0, ny - 1 - 2, 0, 0, 1, 3] } }),
      'img.nii.gz',
    );
    const lab = readNifti(encodeNifti({ dims, datatype: 2, values: label, qform: { b: 0, c: 0, d: 0, offset: [1, -2, 3] } }), 'lab.nii.gz');
    expect(img.dims).toEqual(lab.dims);
    expectAffineClose(img.affine, lab.affine);
    expectAffineClose(img.affine, diagAffine([1, 1, 1], [1, -2, 3]));
    let fg = 0;
    for (let v = 0; v < img.data.length; v++) {
      const t = img.data[v]!;
      expect(lab.data[v]).toBe(t > 2500 ? 2 : t > 800 ? 1 : 0);
      if (lab.data[v]! > 0) fg++;
    }
    expect(fg).toBeGreaterThan(0);
    expect(fg).toBeLessThan(img.data.length);
  });

  it('qfac = −1 (pixdim[0]) with a 90° rotation about x: canonical y is source k, z is source j', () => {
    // (a, b) = (cos 45°, sin 45°): source j → +z, source k → −y, and qfac −1 turns k to +y.
    const dims = [3, 4, 5];
    const values = ramp(60);
    const vol = readNifti(encodeNifti({ dims, datatype: 512, values, qfac: -1, pixdim: [1, 2, 3], qform: { b: C45, c: 0, d: 0 } }), 'x.nii');
    expect(vol.nifti?.perm).toEqual([0, 2, 1]);
    expect(vol.nifti?.flip).toEqual([false, false, false]);
    expect(vol.dims).toEqual([3, 5, 4]);
    expect(vol.spacing.map((s) => Number(s.toFixed(5)))).toEqual([1, 3, 2]);
    const expected: number[] = [];
    for (let z = 0; z < 4; z++) for (let y = 0; y < 5; y++) for (let x = 0; x < 3; x++) expected.push(x + 3 * z + 12 * y);
    expect(Array.from(vol.data)).toEqual(expected);
    const src = qformAffine([Math.fround(C45), 0, 0], [0, 0, 0], [-1, 1, 2, 3]);
    expectAffineClose(src, [1, 0, 0, 0, 0, 0, 3, 0, 0, 2, 0, 0, 0, 0, 0, 1]);
    expectWorldConsistent(vol, src, dims, values);
    // Without qfac the same rotation sends k to −y: flipped.
    const noQfac = readNifti(encodeNifti({ dims, datatype: 512, values, qform: { b: C45, c: 0, d: 0 } }), 'x.nii');
    expect(noQfac.nifti?.flip).toEqual([false, true, false]);
  });

  it('oblique and mixed orientations keep every voxel at its world position', () => {
    const dims = [4, 3, 5];
    const values = ramp(60).map((v) => v * 2 + 1);
    const rot = (deg: number): NiftiFixture['sform'] => {
      const t = (deg * Math.PI) / 180;
      return { rows: [Math.cos(t), -Math.sin(t), 0, 3, Math.sin(t), Math.cos(t), 0, -1, 0, 0, 1.5, 2] };
    };
    const sforms = [
      rot(30), // nearest RAS: identity
      rot(60), // x ← −j, y ← i
      rot(-120), // x ← −i, y ← −j
      { rows: [0, 0, -2, 1, 1, 0, 0, 2, 0, -1, 0, 3] }, // x ← −k, y ← i, z ← −j
      { rows: [0, 0.3, 2, 0, -1.5, 0, 0.2, 0, 0.1, -1, 0, 0] }, // oblique, x ← k, y ← −i, z ← −j
    ];
    for (const sform of sforms) {
      const vol = readNifti(encodeNifti({ dims, datatype: 64, values, sform }), 'o.nii');
      expectWorldConsistent(vol, [...sform!.rows, 0, 0, 0, 1], dims, values);
      // Canonical columns point along +x, +y, +z: the diagonal dominates and is positive.
      for (let a = 0; a < 3; a++) {
        const col = [vol.affine[a]!, vol.affine[4 + a]!, vol.affine[8 + a]!];
        expect(col[a]!).toBeGreaterThan(0);
        expect(Math.abs(col[a]!)).toBeGreaterThanOrEqual(Math.max(...col.map(Math.abs)));
      }
    }
  });

  it('canonicalOrientation picks the largest |cosine| first and never reuses an axis', () => {
    expect(canonicalOrientation(diagAffine([1, 1, 1]))).toEqual({ perm: [0, 1, 2], flip: [false, false, false] });
    expect(canonicalOrientation(diagAffine([-1, -1, 1]))).toEqual({ perm: [0, 1, 2], flip: [true, true, false] });
    // Columns: i = (0, 0, −1) points Inferior, j = (1, 0, 0) Right, k = (0, −1, 0) Posterior.
    expect(canonicalOrientation([0, 1, 0, 0, 0, 0, -1, 0, -1, 0, 0, 0, 0, 0, 0, 1])).toEqual({
      perm: [1, 2, 0],
      flip: [false, true, true],
    });
    // i = (0.7, 0.72, 0) is slightly nearer y than x, but j = (0, 1, 0) has the largest |cosine|
    // (with y), so j takes y first and i gets x.
    expect(canonicalOrientation([0.7, 0, 0, 0, 0.72, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])).toEqual({
      perm: [0, 1, 2],
      flip: [false, false, false],
    });
    // A degenerate (zero) column still gets the remaining world axis.
    expect(canonicalOrientation([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).perm).toEqual([2, 0, 1]);
  });

  it('prefers the sform over the qform, and the qform over pixdim ("method 1")', () => {
    const dims = [3, 2, 2];
    const values = ramp(12);
    const both = readNifti(
      encodeNifti({ dims, datatype: 2, values, qform: { b: 0, c: 0, d: 0, offset: [7, 7, 7] }, sform: { code: 2, rows: [-1, 0, 0, 2, 0, -1, 0, 1, 0, 0, 1, 0] } }),
      'b.nii',
    );
    expect(Array.from(both.data)).toEqual(flipXY(values, dims));
    expect(both.affine).toEqual(diagAffine([1, 1, 1]));
    // sform_code 0: the srow values are ignored.
    const qOnly = readNifti(
      encodeNifti({ dims, datatype: 2, values, qform: { b: 0, c: 0, d: 0, offset: [7, 7, 7] }, sform: { code: 0, rows: [-1, 0, 0, 2, 0, -1, 0, 1, 0, 0, 1, 0] } }),
      'q.nii',
    );
    expect(Array.from(qOnly.data)).toEqual(values);
    expect(qOnly.affine).toEqual(diagAffine([1, 1, 1], [7, 7, 7]));
    // Neither: x = pixdim1·i, y = pixdim2·j, z = pixdim3·k.
    const none = readNifti(encodeNifti({ dims, datatype: 2, values, pixdim: [0.5, 2, 4] }), 'n.nii');
    expect(none.affine).toEqual(diagAffine([0.5, 2, 4]));
    expect(none.spacing).toEqual([0.5, 2, 4]);
    expect(none.notes.join(' ')).toContain('no orientation');
    // A singular sform falls back to the qform, with a note.
    const singular = readNifti(encodeNifti({ dims, datatype: 2, values, qform: { b: 0, c: 0, d: 1 }, sform: { rows: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } }), 'z.nii');
    expect(Array.from(singular.data)).toEqual(flipXY(values, dims));
    expect(singular.notes.join(' ')).toContain('sform');
  });
});

describe('readNifti: dimensions', () => {
  it('reads the first volume of a 4-D file, with a note', () => {
    const values = ramp(3 * 2 * 2 * 4).map((v) => v - 20);
    for (const gzip of [false, true]) {
      const vol = readNifti(encodeNifti({ dims: [3, 2, 2, 4], datatype: 4, values, gzip }), 'fmri.nii.gz');
      expect(vol.dims).toEqual([3, 2, 2]);
      expect(Array.from(vol.data)).toEqual(values.slice(0, 12));
      expect(vol.notes).toContain('4-D file with 4 volumes: using the first');
    }
    // Reoriented 4-D: the first volume, flipped.
    const lps = readNifti(encodeNifti({ dims: [3, 2, 2, 4], datatype: 4, values, qform: { b: 0, c: 0, d: 1 } }), 'fmri.nii');
    expect(Array.from(lps.data)).toEqual(flipXY(values.slice(0, 12), [3, 2, 2]));
  });

  it('uses the first element along dim[5..7] too, and takes no note of dims of 1', () => {
    const vol = readNifti(encodeNifti({ dims: [2, 2, 1, 1, 3], datatype: 2, values: ramp(12) }), 'vec.nii');
    expect(vol.dims).toEqual([2, 2, 1]);
    expect(Array.from(vol.data)).toEqual([0, 1, 2, 3]);
    expect(vol.notes).toContain('dim[5] = 3: using the first');
    expect(vol.notes.some((n) => n.startsWith('4-D'))).toBe(false);
    const single = readNifti(encodeNifti({ dims: [2, 2, 1, 1], datatype: 2, values: ramp(4), qform: { b: 0, c: 0, d: 0 } }), 'one.nii');
    expect(single.notes).toEqual([]);
  });

  it('reads 1-D and 2-D files (missing dims are 1, stale dims past dim[0] ignored)', () => {
    const one = readNifti(encodeNifti({ dims: [5], datatype: 2, values: ramp(5) }), '1d.nii');
    expect(one.dims).toEqual([5, 1, 1]);
    const two = readNifti(encodeNifti({ dims: [3, 2, 7], dim0: 2, datatype: 2, values: ramp(6) }), '2d.nii');
    expect(two.dims).toEqual([3, 2, 1]);
    expect(Array.from(two.data)).toEqual(ramp(6));
  });

  it('reads a 240 × 240 × 155 float32 LPS volume into one compact output array', () => {
    const dims = [240, 240, 155];
    const n = 240 * 240 * 155;
    const values = new Float32Array(n);
    for (let v = 0; v < n; v++) values[v] = v;
    for (const [littleEndian, qform] of [
      [true, undefined],
      [true, { b: 0, c: 0, d: 1 }],
      [false, { b: 0, c: 0, d: 1 }],
    ] as const) {
      const vol = readNifti(encodeNifti({ dims, datatype: 16, values, qform, littleEndian }), 'brats.nii');
      expect(vol.data).toBeInstanceOf(Float32Array);
      expect(vol.data.length).toBe(n);
      // Nothing but the voxels and a copy of the header stays referenced.
      expect(vol.data.buffer.byteLength).toBe(n * 4);
      expect(vol.nifti?.header.buffer.byteLength).toBe(348);
      const at = (x: number, y: number, z: number): number => vol.data[x + 240 * (y + 240 * z)]!;
      const src = (i: number, j: number, k: number): number => i + 240 * (j + 240 * k);
      for (const [x, y, z] of [
        [0, 0, 0],
        [239, 0, 77],
        [13, 200, 154],
        [239, 239, 154],
      ] as const) {
        expect(at(x, y, z)).toBe(qform ? src(239 - x, 239 - y, z) : src(x, y, z));
      }
    }
  });
});

describe('writeNiftiLabels', () => {
  const sources: { title: string; fixture: NiftiFixture }[] = [
    { title: 'NIfTI-1 little-endian, identity', fixture: { dims: [5, 4, 3], datatype: 16, values: ramp(60) } },
    {
      title: 'NIfTI-1 big-endian, 90° about z, pixdim and offset',
      fixture: { littleEndian: false, dims: [5, 4, 3], datatype: 4, values: ramp(60), pixdim: [0.8, 1.2, 2.5], qform: { b: 0, c: 0, d: C45, offset: [-5, 12, 40] } },
    },
    {
      title: 'NIfTI-1 big-endian 4-D with scaling, LPS sform and a different qform',
      fixture: {
        littleEndian: false,
        dims: [5, 4, 3, 2],
        datatype: 512,
        values: ramp(120),
        sclSlope: 2,
        sclInter: 1,
        qform: { b: 0, c: 0, d: 0 },
        sform: { rows: [-1.1, 0, 0, 5, 0, -1.1, 0, 4, 0, 0, 2, -3] },
      },
    },
    {
      title: 'NIfTI-2 big-endian, qfac −1, rotation about x',
      fixture: { version: 2, littleEndian: false, dims: [5, 4, 3], datatype: 64, values: ramp(60), qfac: -1, qform: { b: C45, c: 0, d: 0, offset: [1, 2, 3] } },
    },
    {
      title: 'NIfTI-2 little-endian, oblique sform',
      fixture: { version: 2, dims: [5, 4, 3], datatype: 2, values: ramp(60), sform: { rows: [0, 0.3, 2, 0, -1.5, 0, 0.2, 0, 0.1, -1, 0, 0] } },
    },
  ];

  for (const { title, fixture } of sources) {
    for (const gzip of [false, true]) {
      it(`round-trips canonical labels: ${title}${gzip ? ' (gzip)' : ''}`, () => {
        const src = readNifti(encodeNifti({ ...fixture, gzip }), 'src.nii.gz');
        const labels = Uint8Array.from(src.data, (_, v) => (v * 7 + 3) % 5);
        const file = writeNiftiLabels(labels, src.nifti!, { gzip });
        expect(isGzip(file)).toBe(gzip);
        const back = readNifti(file, 'labels.nii.gz');
        expect(back.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(back.data)).toEqual(Array.from(labels));
        expect(back.dims).toEqual(src.dims);
        expect(back.affine).toEqual(src.affine);
        expect(back.spacing).toEqual(src.spacing);
        expect(back.notes.filter((n) => !n.startsWith('no orientation'))).toEqual([]);
        expect(back.source.format).toBe(src.source.format);
        expect(back.nifti?.littleEndian).toBe(fixture.littleEndian ?? true);
        expect(back.nifti?.sourceDims).toEqual(src.nifti?.sourceDims);
        expect(sourceAffine(back.nifti!)).toEqual(sourceAffine(src.nifti!));
      });
    }
  }

  it('writes the header fields of a uint8 label volume and keeps the geometry bytes', () => {
    for (const { fixture } of sources) {
      const src = readNifti(encodeNifti(fixture), 'src.nii');
      const file = writeNiftiLabels(new Uint8Array(60), src.nifti!);
      const le = fixture.littleEndian ?? true;
      const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
      const h = src.nifti!.header;
      if ((fixture.version ?? 1) === 1) {
        expect(file.length).toBe(352 + 60);
        expect(dv.getInt32(0, le)).toBe(348);
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => dv.getInt16(40 + 2 * i, le))).toEqual([3, 5, 4, 3, 1, 1, 1, 1]);
        expect(dv.getInt16(70, le)).toBe(2);
        expect(dv.getInt16(72, le)).toBe(8);
        expect(dv.getFloat32(108, le)).toBe(352);
        expect(dv.getFloat32(112, le)).toBe(1);
        expect(dv.getFloat32(116, le)).toBe(0);
        expect(dv.getFloat32(124, le)).toBe(0);
        expect(dv.getInt16(68, le)).toBe(1002);
        // pixdim and everything from qform_code to the magic are untouched.
        expect(Array.from(file.subarray(76, 108))).toEqual(Array.from(h.subarray(76, 108)));
        expect(Array.from(file.subarray(252, 348))).toEqual(Array.from(h.subarray(252, 348)));
      } else {
        expect(file.length).toBe(544 + 60);
        expect(dv.getInt32(0, le)).toBe(540);
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => Number(dv.getBigInt64(16 + 8 * i, le)))).toEqual([3, 5, 4, 3, 1, 1, 1, 1]);
        expect(dv.getInt16(12, le)).toBe(2);
        expect(dv.getInt16(14, le)).toBe(8);
        expect(Number(dv.getBigInt64(168, le))).toBe(544);
        expect(dv.getFloat64(176, le)).toBe(1);
        expect(dv.getFloat64(192, le)).toBe(0);
        expect(Array.from(file.subarray(104, 168))).toEqual(Array.from(h.subarray(104, 168)));
        expect(Array.from(file.subarray(344, 496))).toEqual(Array.from(h.subarray(344, 496)));
        expect(Array.from(file.subarray(4, 12))).toEqual([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a]);
      }
    }
  });

  it('puts the voxels back in the source order: a uint8 source rewritten from its canonical data is byte-identical', () => {
    for (const qform of [{ b: 0, c: 0, d: C45 }, { b: 0, c: 0, d: 1 }, { b: C45, c: 0, d: 0 }]) {
      for (const littleEndian of [true, false]) {
        const values = ramp(60).map((v) => (v * 37) % 256);
        const bytes = encodeNifti({ dims: [5, 4, 3], datatype: 2, values, qform, littleEndian });
        const vol = readNifti(bytes, 'src.nii');
        expect(vol.nifti?.perm.join('') + String(vol.nifti?.flip)).not.toBe('012false,false,false');
        const file = writeNiftiLabels(vol.data as Uint8Array, vol.nifti!);
        expect(Array.from(file.subarray(352))).toEqual(values);
      }
    }
  });

  it('rejects labels of the wrong size', () => {
    const src = readNifti(encodeNifti({ dims: [5, 4, 3], datatype: 2, values: ramp(60) }), 'src.nii');
    expect(() => writeNiftiLabels(new Uint8Array(59), src.nifti!)).toThrow(RangeError);
    expect(() => writeNiftiLabels(new Uint8Array(59), src.nifti!)).toThrow(/59 voxels.*5 × 4 × 3 = 60/);
  });
});

describe('readNifti: bad input is an InputFileError naming the file and the problem', () => {
  const name = 'case_007.nii.gz';
  const good = (over: Partial<NiftiFixture> = {}): Uint8Array =>
    encodeNifti({ dims: [4, 4, 4], datatype: 16, values: ramp(64), ...over });

  it('truncated voxel data: says how many bytes were expected and found', () => {
    const full = good();
    expect(full.length).toBe(352 + 256);
    expectFileError(() => readNifti(full.subarray(0, full.length - 10), name), name, 'truncated file', 'expected 608 bytes', 'found 598');
    expectFileError(() => readNifti(full.subarray(0, 352), name), name, 'truncated file', 'found 352');
    // The same through gzip, and for NIfTI-2 (544 + 256).
    expectFileError(() => readNifti(encodeNifti({ dims: [4, 4, 4], datatype: 16, values: ramp(60), gzip: true }), name), name, 'expected 608', 'found 592');
    const v2 = encodeNifti({ version: 2, dims: [4, 4, 4], datatype: 16, values: ramp(64) });
    expectFileError(() => readNifti(v2.subarray(0, 700), name), name, 'truncated file', 'expected 800', 'found 700');
    // A 4-D file missing its last volume is truncated too.
    const fourD = encodeNifti({ dims: [4, 4, 4, 2], datatype: 16, values: ramp(100) });
    expectFileError(() => readNifti(fourD, name), name, 'truncated', 'expected 864', `found ${352 + 400}`);
  });

  it('vox_offset beyond the end of the file', () => {
    const f = good({ voxOffset: 2000 }).subarray(0, 1000);
    expectFileError(() => readNifti(f, name), name, 'truncated file', 'vox_offset 2000', 'expected 2256', 'found 1000');
  });

  it('truncated header', () => {
    expectFileError(() => readNifti(good().subarray(0, 200), name), name, 'truncated header', 'expected 348', 'found 200');
    expectFileError(() => readNifti(encodeNifti({ version: 2, dims: [2], datatype: 2, values: [1, 2] }).subarray(0, 400), name), name, 'truncated header', 'expected 540', 'found 400');
    expectFileError(() => readNifti(new Uint8Array(2), name), name, 'not a NIfTI-1/2 file');
    expectFileError(() => readNifti(new Uint8Array(0), name), name, 'not a NIfTI-1/2 file');
  });

  it('bad magic, or not a NIfTI file at all', () => {
    expectFileError(() => readNifti(good({ magic: 'abc\0' }), name), name, 'not a NIfTI-1/2 file', 'abc');
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(400).fill(0)]);
    expectFileError(() => readNifti(png, 'scan.png'), 'scan.png', 'not a NIfTI-1/2 file', 'sizeof_hdr');
    // Named .nii or .nii.gz, the same bytes are a bad NIfTI header.
    expectFileError(() => readNifti(png, name), name, 'bad NIfTI header: sizeof_hdr is 1196314761', 'no NIfTI magic');
    // A damaged sizeof_hdr beside an intact magic says which version the file claims to be.
    const damaged = good();
    new DataView(damaged.buffer).setInt32(0, 349, true);
    expectFileError(() => readNifti(damaged, name), name, 'bad NIfTI-1 header: sizeof_hdr (bytes 0–3) is 349, expected 348; the magic "n+1"');
    expectFileError(() => readNifti(encodeNifti({ version: 2, dims: [2], datatype: 2, values: [1, 2], magic: 'n+1\0' }), name), name, 'not a NIfTI-1/2 file');
  });

  it('a header-only .hdr (magic "ni1") asks for the .img pair', () => {
    expectFileError(() => readNifti(good({ magic: 'ni1\0' }), 'brain.hdr'), 'brain.hdr', '.img', 'not supported', 'single .nii');
  });

  it('unknown and unsupported datatypes', () => {
    expectFileError(() => readNifti(good({ datatype: 3 }), name), name, 'unknown datatype code 3');
    expectFileError(() => readNifti(good({ datatype: 9999 }), name), name, 'unknown datatype code 9999');
    expectFileError(() => readNifti(good({ datatype: 1024 }), name), name, 'unsupported datatype 1024 (int64)');
    expectFileError(() => readNifti(good({ datatype: 1280 }), name), name, 'unsupported datatype 1280 (uint64)');
    expectFileError(() => readNifti(good({ datatype: 32 }), name), name, 'unsupported datatype 32 (complex64)');
    expectFileError(() => readNifti(good({ datatype: 1792 }), name), name, 'unsupported datatype 1792 (complex128)');
    expectFileError(() => readNifti(good({ datatype: 1 }), name), name, 'unsupported datatype 1 (binary)');
  });

  it('corrupt or truncated gzip stream', () => {
    const gz = good({ gzip: true });
    const flipped = gz.slice();
    for (let i = 20; i < flipped.length - 8; i += 3) flipped[i] = flipped[i]! ^ 0x5a;
    expectFileError(() => readNifti(flipped, name), name, 'not a valid gzip stream');
    expectFileError(() => readNifti(gz.subarray(0, gz.length - 20), name), name, 'not a valid gzip stream');
    expectFileError(() => readNifti(gz.subarray(0, 12), name), name, 'not a valid gzip stream');
    const noise = Uint8Array.from({ length: 300 }, (_, i) => (i < 2 ? [0x1f, 0x8b][i]! : (i * 97 + 13) % 256));
    expectFileError(() => readNifti(noise, name), name, 'not a valid gzip stream');
    // One wrong byte in a stored (uncompressed) block decodes "fine": the CRC-32 catches it.
    const stored = storedGzip(good());
    expect(readNifti(stored, name).data[5]).toBe(5);
    const bad = stored.slice();
    bad[bad.length - 8 - 100] = bad[bad.length - 8 - 100]! ^ 1;
    expectFileError(() => readNifti(bad, name), name, 'not a valid gzip stream', 'CRC-32');
  });

  it('zero, negative or out-of-range dims', () => {
    expectFileError(() => readNifti(good({ dims: [4, 0, 4] }), name), name, 'dim[2] = 0');
    expectFileError(() => readNifti(good({ dims: [4, 4, -4] }), name), name, 'dim[3] = -4');
    expectFileError(() => readNifti(good({ dims: [4, 4, 4, 0] }), name), name, 'dim[4] = 0');
    expectFileError(() => readNifti(good({ dim0: 0 }), name), name, 'dim[0] = 0');
    expectFileError(() => readNifti(good({ dim0: 8 }), name), name, 'dim[0] = 8');
  });
});

describe('readNifti: bombs and budgets (every claim checked before it costs memory)', () => {
  const name = 'bomb.nii.gz';
  /** A NIfTI-1 header (352 bytes) for dims of uint8 voxels, without its voxels. */
  const withDims = (dims: number[], datatype = 2): Uint8Array => {
    const h = encodeNifti({ dims: [1, 1, 1], datatype, values: [0] }).slice(0, 352);
    const dv = new DataView(h.buffer);
    const all = [dims.length, ...dims];
    while (all.length < 8) all.push(1);
    all.forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
    dv.setInt16(70, datatype, true);
    return h;
  };

  it('an honest header announcing a 4 GiB volume is refused from its first inflated bytes', () => {
    // 2048 × 2048 × 1024 uint8 = 4 GiB; the file carries only 4 MiB of zeros after the header.
    const body = new Uint8Array(352 + 4 * 1024 * 1024);
    body.set(withDims([2048, 2048, 1024]));
    const gz = gzipSync(body);
    expectFileError(() => readNifti(gz, name), name, 'the header describes a 2048 × 2048 × 1024 volume of uint8 voxels (4.0 GiB)', 'more than the 1.0 GiB');
    // The same claim uncompressed is refused before any voxel is copied.
    expectFileError(() => readNifti(body, 'bomb.nii'), 'bomb.nii', '4.0 GiB');
  });

  it('a gzip stream whose trailer understates its length is stopped where the header and trailer say it ends', () => {
    // A valid 10 × 10 × 6 uint8 volume (952 bytes) followed by 8 MiB more inside the same deflate
    // stream; CRC and ISIZE in the trailer describe only the first 952 bytes.
    const vol = encodeNifti({ dims: [10, 10, 6], datatype: 2, values: ramp(600).map((v) => v % 256) });
    expect(vol.length).toBe(952);
    const body = new Uint8Array(952 + 8 * 1024 * 1024);
    body.set(vol);
    const gz = gzipSync(body);
    const dv = new DataView(gz.buffer, gz.byteOffset, gz.byteLength);
    dv.setUint32(gz.length - 8, crc32(vol), true);
    dv.setUint32(gz.length - 4, 952, true);
    expectFileError(() => readNifti(gz, name), name, 'not a valid gzip stream', 'more than the 952 bytes');
  });

  it('a 4-D file keeps only its first volume, and one too large to inflate is refused by its header', () => {
    // Three int16 volumes of 32 × 16 × 4: the voxels of one fill > 90 % of header + volume, so
    // the data is a view on the inflated buffer, which holds the header and that volume only.
    const big = Int16Array.from({ length: 32 * 16 * 4 * 3 }, (_, i) => i - 3000);
    const v4 = readNifti(encodeNifti({ dims: [32, 16, 4, 3], datatype: 4, values: big, gzip: true }), name);
    expect(Array.from(v4.data)).toEqual(Array.from(big.subarray(0, 2048)));
    expect(v4.data.buffer.byteLength).toBe(352 + 4096);
    const values = Uint8Array.from({ length: 4 * 3 * 2 * 5 }, (_, i) => i);
    const gz = encodeNifti({ dims: [4, 3, 2, 5], datatype: 2, values, gzip: true });
    expect(Array.from(readNifti(gz, name).data)).toEqual(Array.from(values.subarray(0, 24)));
    // 16 × 16 × 4 × 5 uint8: 1 KiB a volume, 5472 bytes inflated in all.
    const five = encodeNifti({ dims: [16, 16, 4, 5], datatype: 2, values: ramp(5120).map((x) => x % 256), gzip: true });
    const small = { maxDecodedBytes: 1024, maxInflatedBytes: 352 + 4 * 1024 };
    expectFileError(() => readNifti(five, name, { budget: small }), name, 'inflates to 5.3 KiB', 'more than the 4.3 KiB', 'a 4-D file of 5 volumes', 'fslroi');
    expect(readNifti(five, name, { budget: { maxDecodedBytes: 1024, maxInflatedBytes: 5472 } }).dims).toEqual([16, 16, 4]);
    expectFileError(() => readNifti(five, name, { budget: { maxDecodedBytes: 1023, maxInflatedBytes: 5472 } }), name, '(1.0 KiB)', 'more than the 1023 bytes');
  });

  it('the budget counts the float32 copy of a scaled volume', () => {
    const f = encodeNifti({ dims: [4, 4, 4], datatype: 4, values: ramp(64), sclSlope: 2, sclInter: 1 });
    // 64 int16 voxels (128 bytes) + their float32 copy (256 bytes) = 384 bytes.
    expect(readNifti(f, 'scaled.nii', { budget: { maxDecodedBytes: 384, maxInflatedBytes: 1e9 } }).data).toBeInstanceOf(Float32Array);
    expectFileError(() => readNifti(f, 'scaled.nii', { budget: { maxDecodedBytes: 383, maxInflatedBytes: 1e9 } }), 'scaled.nii', 'with its scaled float32 copy');
  });

  it('several gzip members (bgzip, cat a.gz b.gz) are read, each member checked', () => {
    const vol = encodeNifti({ dims: [8, 8, 8], datatype: 2, values: ramp(512).map((v) => v % 256) });
    const a = gzipSync(vol.subarray(0, 400));
    const b = gzipSync(vol.subarray(400));
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    expect(Array.from(readNifti(both, name).data)).toEqual(Array.from(ramp(512).map((v) => v % 256)));
    // A wrong CRC in the first member's trailer is caught although the second one is fine.
    const bad = both.slice();
    bad[a.length - 8] = bad[a.length - 8]! ^ 0xff;
    expectFileError(() => readNifti(bad, name), name, 'CRC-32 mismatch in gzip member 1');
  });

  it('junk after the gzip stream, and a stream cut inside its trailer, are refused', () => {
    const gz = encodeNifti({ dims: [4, 4, 4], datatype: 2, values: ramp(64), gzip: true });
    const junk = new Uint8Array(gz.length + 16);
    junk.set(gz);
    junk.fill(0x41, gz.length);
    expectFileError(() => readNifti(junk, name), name, 'not a valid gzip stream');
    expectFileError(() => readNifti(gz.subarray(0, gz.length - 3), name), name, 'not a valid gzip stream');
  });

  it('NaN and infinite voxels are read as stored, with a note that counts them', () => {
    // scl_slope 1e38 scales every int16 value beyond ±1 past float32's range.
    const v = readNifti(encodeNifti({ dims: [2, 2, 1], datatype: 4, values: [0, 1, 5, -7], sclSlope: 1e38 }), 'ct.nii');
    expect(Array.from(v.data)).toEqual([0, Math.fround(1e38), Infinity, -Infinity]);
    expect(v.notes.some((n) => /^2 infinite voxel value\(s\) of 4 after the scaling scl_slope 9\.99\d*e\+37, scl_inter 0$/.test(n))).toBe(true);
    const f = readNifti(encodeNifti({ dims: [3, 1, 1], datatype: 16, values: [Number.NaN, 2, Number.NaN] }), 'nan.nii');
    expect(f.notes).toContain('2 NaN voxel value(s) of 3');
  });
});

/** gzip (RFC 1952) with one stored deflate block, written by hand. */
function storedGzip(data: Uint8Array): Uint8Array {
  expect(data.length).toBeLessThan(65536);
  const out = new Uint8Array(10 + 5 + data.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  const n = data.length;
  out.set([1, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff], 10);
  out.set(data, 15);
  const dv = new DataView(out.buffer);
  let c = -1;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  dv.setUint32(15 + n, (c ^ -1) >>> 0, true);
  dv.setUint32(19 + n, n, true);
  expect(gunzipSync(out)).toEqual(data);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Real data: Task04_Hippocampus (Medical Segmentation Decathlon), see ../shared/data/README.md.

const TASK04 = fileURLToPath(new URL('../../../../shared/data/Task04_Hippocampus', import.meta.url));
const HAVE_TASK04 = existsSync(`${TASK04}/imagesTr`) && existsSync(`${TASK04}/labelsTr`);

interface ReferenceCase {
  case: string;
  image: { dims: number[]; datatype: number; datatypeName: string; pixdim: number[]; mean: number; min: number; max: number };
  label: { dims: number[]; datatype: number; datatypeName: string; pixdim: number[]; counts: Record<string, number>; foregroundPercent: Record<string, number> };
}

const reference = JSON.parse(readFileSync(new URL('./__fixtures__/nifti_reference.json', import.meta.url), 'utf8')) as { cases: ReferenceCase[] };

function readCase(sub: 'imagesTr' | 'labelsTr', id: string): Volume {
  const file = `${sub}/${id}.nii.gz`;
  return readNifti(new Uint8Array(readFileSync(`${TASK04}/${file}`)), file);
}

describe('readNifti on Task04_Hippocampus (numpy reference: src/core/io/__fixtures__/nifti_reference.py)', () => {
  if (!HAVE_TASK04) it.skip(`skipped: ${TASK04} not found (see ../shared/data/README.md)`, () => {});

  it('the reference covers uint8 and float32 images and the float32 label volumes', () => {
    const imageTypes = new Set(reference.cases.map((c) => c.image.datatypeName));
    const labelTypes = new Set(reference.cases.map((c) => c.label.datatypeName));
    expect([...imageTypes].sort()).toEqual(['float32', 'uint8']);
    expect([...labelTypes].sort()).toEqual(['float32', 'uint8']);
  });

  for (const ref of reference.cases) {
    it.skipIf(!HAVE_TASK04)(`${ref.case}: dims, datatype, spacing, intensity statistics and label counts`, () => {
      const img = readCase('imagesTr', ref.case);
      const lab = readCase('labelsTr', ref.case);
      for (const [vol, r] of [
        [img, ref.image],
        [lab, ref.label],
      ] as const) {
        const g = vol.nifti!;
        expect(g.sourceDims).toEqual(r.dims);
        expect(vol.dims).toEqual(g.perm.map((p) => r.dims[p]));
        expect([...vol.dims].sort((a, b) => a - b)).toEqual([...r.dims].sort((a, b) => a - b));
        expect(vol.source.datatype).toBe(r.datatypeName);
        expect(vol.source.format).toBe('nifti1');
        expect([...vol.spacing].sort()).toEqual([...r.pixdim].map(Math.abs).sort());
      }
      // Image and label share the canonical grid.
      expect(img.dims).toEqual(lab.dims);
      expect(img.affine).toEqual(lab.affine);

      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const v of img.data) {
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(sum / img.data.length).toBeCloseTo(ref.image.mean, 0);
      expect(Math.abs(sum / img.data.length - ref.image.mean) / Math.abs(ref.image.mean)).toBeLessThan(1e-6);
      expect(Math.abs(max - ref.image.max)).toBeLessThanOrEqual(1e-6 * Math.abs(ref.image.max));
      expect(min).toBe(ref.image.min);

      const counts: Record<string, number> = {};
      for (const v of lab.data) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
      expect(counts).toEqual(ref.label.counts);
      for (const [cls, pct] of Object.entries(ref.label.foregroundPercent)) {
        expect((100 * counts[cls]!) / lab.data.length).toBeCloseTo(pct, 10);
      }
    });
  }

  it.skipIf(!HAVE_TASK04)('every case: image and label volumes have identical canonical dims and affines', () => {
    const ids = readdirSync(`${TASK04}/imagesTr`)
      .filter((f) => f.endsWith('.nii.gz') && !f.startsWith('.'))
      .map((f) => f.slice(0, -'.nii.gz'.length));
    expect(ids.length).toBeGreaterThanOrEqual(200);
    const classVoxels = [0, 0, 0];
    for (const id of ids) {
      const img = readCase('imagesTr', id);
      const lab = readCase('labelsTr', id);
      expect(lab.dims, id).toEqual(img.dims);
      expect(lab.affine, id).toEqual(img.affine);
      expect(img.notes, id).toEqual([]);
      for (const v of lab.data) classVoxels[v]! += 1;
    }
    // README: foreground 5.3 % of voxels (anterior 2.75 %, posterior 2.54 %), labels 0, 1, 2 only.
    const total = classVoxels[0]! + classVoxels[1]! + classVoxels[2]!;
    expect(Number.isNaN(total)).toBe(false);
    expect((100 * classVoxels[1]!) / total).toBeCloseTo(2.75, 1);
    expect((100 * classVoxels[2]!) / total).toBeCloseTo(2.54, 1);
  });
});

describe('readNifti: memory', () => {
  it('a gzipped volume already in the canonical layout is returned as a view on the decompressed bytes (no copy)', () => {
    for (const littleEndian of [true, false]) {
      // Large enough that the voxels fill the decompressed buffer (the 352-byte header is < 10 %).
      const values = Int16Array.from({ length: 32 * 16 * 4 }, (_, i) => ((i * 37) % 2000) - 1000);
      const v = readNifti(encodeNifti({ dims: [32, 16, 4], datatype: 4, values, littleEndian, gzip: true }), 'view.nii.gz');
      expect(v.data.byteOffset).toBe(352);
      expect(Array.from(v.data)).toEqual(Array.from(values));
    }
  });
  it('an uncompressed file is copied, so the caller’s bytes are never changed or aliased', () => {
    const values = Int16Array.from({ length: 24 }, (_, i) => i);
    const bytes = encodeNifti({ dims: [4, 3, 2], datatype: 4, values, littleEndian: false });
    const before = Uint8Array.from(bytes);
    const v = readNifti(bytes, 'copy.nii');
    expect(v.data.buffer).not.toBe(bytes.buffer);
    expect(Array.from(v.data)).toEqual(Array.from(values));
    expect(bytes).toEqual(before);
  });
  it('crc32 matches the check value of the CRC-32 catalogue ("123456789" → CBF43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });
});
