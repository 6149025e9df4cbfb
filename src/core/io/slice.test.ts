import { describe, expect, it } from 'vitest';
import { readNifti } from './nifti';
import { sliceCount, sliceOf } from './slice';
import type { Volume } from './volume';
import { encodeNifti, ramp } from './testing/nifti-fixtures';

/** dims [4, 3, 2], value = 100·z + 10·y + x (x fastest). */
function volume(channels = 1): Volume {
  const data = new Int16Array(4 * 3 * 2 * channels);
  let d = 0;
  for (let z = 0; z < 2; z++) {
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < channels; c++) data[d++] = 100 * z + 10 * y + x + 1000 * c;
      }
    }
  }
  return {
    data,
    dims: [4, 3, 2],
    channels,
    spacing: [1, 1, 1],
    affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    source: { name: 'v', format: 'synthetic', datatype: 'int16' },
    notes: [],
  };
}

describe('sliceOf', () => {
  const vol = volume();

  it('axis 2 (axial): width nx, height ny, pixel (x, y)', () => {
    const s = sliceOf(vol, 2, 1);
    expect([s.width, s.height, s.channels]).toEqual([4, 3, 1]);
    expect(s.data).toBeInstanceOf(Int16Array);
    expect(Array.from(s.data)).toEqual([100, 101, 102, 103, 110, 111, 112, 113, 120, 121, 122, 123]);
  });

  it('axis 1 (coronal): width nx, height nz, pixel (x, z)', () => {
    const s = sliceOf(vol, 1, 2);
    expect([s.width, s.height]).toEqual([4, 2]);
    expect(Array.from(s.data)).toEqual([20, 21, 22, 23, 120, 121, 122, 123]);
  });

  it('axis 0 (sagittal): width ny, height nz, pixel (y, z)', () => {
    const s = sliceOf(vol, 0, 3);
    expect([s.width, s.height]).toEqual([3, 2]);
    expect(Array.from(s.data)).toEqual([3, 13, 23, 103, 113, 123]);
  });

  it('keeps channels interleaved on every axis', () => {
    const rgb = volume(3);
    expect(Array.from(sliceOf(rgb, 2, 0).data.slice(0, 6))).toEqual([0, 1000, 2000, 1, 1001, 2001]);
    expect(Array.from(sliceOf(rgb, 1, 1).data)).toEqual(
      [10, 11, 12, 13, 110, 111, 112, 113].flatMap((v) => [v, v + 1000, v + 2000]),
    );
    const s0 = sliceOf(rgb, 0, 2);
    expect(s0.channels).toBe(3);
    expect(Array.from(s0.data)).toEqual([2, 12, 22, 102, 112, 122].flatMap((v) => [v, v + 1000, v + 2000]));
  });

  it('returns a copy of the same typed-array kind', () => {
    const f = { ...vol, data: Float32Array.from(vol.data, (v) => v / 2) };
    for (const axis of [0, 1, 2] as const) {
      const s = sliceOf(f, axis, 0);
      expect(s.data).toBeInstanceOf(Float32Array);
      s.data[0] = -99;
    }
    expect(f.data[0]).toBe(0);
  });

  it('every voxel appears in exactly one slice per axis, at the documented pixel', () => {
    const [nx, ny, nz] = vol.dims;
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const v = vol.data[x + nx * (y + ny * z)];
          expect(sliceOf(vol, 2, z).data[x + nx * y]).toBe(v);
          expect(sliceOf(vol, 1, y).data[x + nx * z]).toBe(v);
          expect(sliceOf(vol, 0, x).data[y + ny * z]).toBe(v);
        }
      }
    }
  });

  it('slices a canonicalised NIfTI volume (stored LPS) in RAS order', () => {
    const values = ramp(24); // source value = i + 4j + 12k, stored LPS
    const nii = readNifti(encodeNifti({ dims: [4, 3, 2], datatype: 512, values, qform: { b: 0, c: 0, d: 1 } }), 'lps.nii');
    const axial = sliceOf(nii, 2, 0);
    expect(axial.data).toBeInstanceOf(Uint16Array);
    // canonical (x, y) = source (3 − x, 2 − y)
    expect(Array.from(axial.data)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(Array.from(sliceOf(nii, 0, 0).data)).toEqual([11, 7, 3, 23, 19, 15]);
  });

  it('throws a RangeError for an index outside 0 … count − 1 or a bad axis', () => {
    expect(() => sliceOf(vol, 2, 2)).toThrow(RangeError);
    expect(() => sliceOf(vol, 2, 2)).toThrow('slice index 2 is out of range along axis 2 (axial, z): expected an integer 0 … 1');
    expect(() => sliceOf(vol, 0, -1)).toThrow(/out of range along axis 0/);
    expect(() => sliceOf(vol, 1, 0.5)).toThrow(RangeError);
    expect(() => sliceOf(vol, 1, Number.NaN)).toThrow(RangeError);
    expect(() => sliceOf(vol, 3 as 0, 0)).toThrow('slice axis must be 0, 1 or 2, got 3');
  });
});

describe('sliceCount', () => {
  it('is dims[axis]', () => {
    const vol = volume();
    expect([0, 1, 2].map((a) => sliceCount(vol, a as 0 | 1 | 2))).toEqual([4, 3, 2]);
    expect(() => sliceCount(vol, -1 as 0)).toThrow(RangeError);
  });
});
