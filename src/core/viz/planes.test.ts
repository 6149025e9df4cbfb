import { describe, expect, it } from 'vitest';
import {
  clampVoxel,
  defaultCursor,
  pickInPlane,
  planeGeometry,
  planeImage,
  planeIndex,
  planeLabels,
  planesOf,
  voxelInPlane,
  withPlaneIndex,
  PLANES,
  type Dims,
  type Voxel,
} from './planes';

// An asymmetric volume: every side different, every spacing different.
const dims: Dims = [5, 4, 3];
const spacing: Dims = [0.5, 1.25, 3];
const n = dims[0] * dims[1] * dims[2];
const at = (x: number, y: number, z: number) => x + dims[0] * (y + dims[1] * z);

/** A volume whose voxel (x, y, z) holds 100x + 10y + z, so every pixel names its voxel. */
const coded = Float32Array.from({ length: n }, (_, i) => {
  const x = i % dims[0];
  const y = Math.floor(i / dims[0]) % dims[1];
  const z = Math.floor(i / (dims[0] * dims[1]));
  return 100 * x + 10 * y + z;
});

describe('plane extraction', () => {
  it('gives each plane its size, slice count and pixel spacing', () => {
    expect(planeGeometry('axial', dims, spacing)).toEqual({ axis: 2, width: 5, height: 4, count: 3, columnSpacing: 0.5, rowSpacing: 1.25 });
    expect(planeGeometry('coronal', dims, spacing)).toEqual({ axis: 1, width: 5, height: 3, count: 4, columnSpacing: 0.5, rowSpacing: 3 });
    expect(planeGeometry('sagittal', dims, spacing)).toEqual({ axis: 0, width: 4, height: 3, count: 5, columnSpacing: 1.25, rowSpacing: 3 });
    // Aspect on screen: width · columnSpacing by height · rowSpacing (mm).
    const s = planeGeometry('sagittal', dims, spacing);
    expect((s.width * s.columnSpacing) / (s.height * s.rowSpacing)).toBeCloseTo(5 / 9);
    // Unknown or invalid spacing counts as 1 mm.
    expect(planeGeometry('coronal', dims, [0, Number.NaN, -2]).rowSpacing).toBe(1);
  });

  it('puts voxel (x, y, z) at (x, y) of axial z, (x, z) of coronal y and (y, z) of sagittal x', () => {
    for (const v of [
      { x: 3, y: 1, z: 2 },
      { x: 0, y: 3, z: 0 },
      { x: 4, y: 0, z: 1 },
    ]) {
      const expected = 100 * v.x + 10 * v.y + v.z;
      for (const plane of PLANES) {
        const img = planeImage({ data: coded, dims: [...dims], channels: 1 }, plane, planeIndex(plane, v));
        const { col, row } = voxelInPlane(plane, v);
        expect(img.data[col + img.width * row], `${plane} at ${JSON.stringify(v)}`).toBe(expected);
        const g = planeGeometry(plane, dims, spacing);
        expect([img.width, img.height]).toEqual([g.width, g.height]);
      }
    }
  });

  it('cuts label volumes the same way (a single voxel set shows in each plane at one pixel)', () => {
    const labels = new Uint8Array(n);
    const v = { x: 3, y: 1, z: 2 };
    labels[at(v.x, v.y, v.z)] = 7;
    for (const plane of PLANES) {
      const cut = planeLabels(labels, dims, plane, planeIndex(plane, v));
      const g = planeGeometry(plane, dims, spacing);
      expect(cut.length).toBe(g.width * g.height);
      const { col, row } = voxelInPlane(plane, v);
      expect(Array.from(cut.entries()).filter(([, l]) => l !== 0)).toEqual([[col + g.width * row, 7]]);
      // Any other slice of the plane misses it.
      const other = (planeIndex(plane, v) + 1) % g.count;
      expect(planeLabels(labels, dims, plane, other).some((l) => l !== 0)).toBe(false);
    }
    // The axial cut is a view into the volume; a wrong volume size or slice is refused.
    expect(planeLabels(labels, dims, 'axial', 2).buffer).toBe(labels.buffer);
    expect(() => planeLabels(labels.subarray(1), dims, 'sagittal', 0)).toThrow(/expected 60/);
    expect(() => planeLabels(labels, dims, 'axial', 3)).toThrow(RangeError);
    expect(() => planeLabels(labels, dims, 'sagittal', 5)).toThrow(RangeError);
  });

  it('shows three planes for a volume and the axial one for a 2-D picture', () => {
    expect(planesOf([5, 4, 3])).toEqual(['axial', 'sagittal', 'coronal']);
    expect(planesOf([64, 48, 1])).toEqual(['axial']);
  });
});

describe('the shared cursor', () => {
  const c: Voxel = { x: 2, y: 3, z: 1 };

  it('a pick in one plane sets the slices of the other two and keeps its own', () => {
    const a = pickInPlane('axial', c, 4, 0, dims);
    expect(a).toEqual({ x: 4, y: 0, z: 1 });
    expect([planeIndex('axial', a), planeIndex('sagittal', a), planeIndex('coronal', a)]).toEqual([1, 4, 0]);
    const s = pickInPlane('sagittal', c, 1, 2, dims);
    expect(s).toEqual({ x: 2, y: 1, z: 2 });
    expect([planeIndex('sagittal', s), planeIndex('axial', s), planeIndex('coronal', s)]).toEqual([2, 2, 1]);
    const k = pickInPlane('coronal', c, 0, 0, dims);
    expect(k).toEqual({ x: 0, y: 3, z: 0 });
    // The picked pixel is where the crosshair is then drawn in that plane.
    for (const [plane, col, row] of [['axial', 4, 0], ['sagittal', 1, 2], ['coronal', 0, 0]] as const) {
      expect(voxelInPlane(plane, pickInPlane(plane, c, col, row, dims))).toEqual({ col, row });
    }
  });

  it('a slice change moves one coordinate; everything stays inside the volume', () => {
    expect(withPlaneIndex('sagittal', c, 0, dims)).toEqual({ x: 0, y: 3, z: 1 });
    expect(withPlaneIndex('coronal', c, 1, dims)).toEqual({ x: 2, y: 1, z: 1 });
    expect(withPlaneIndex('axial', c, 2, dims)).toEqual({ x: 2, y: 3, z: 2 });
    expect(withPlaneIndex('axial', c, 9, dims)).toEqual({ x: 2, y: 3, z: 2 });
    expect(pickInPlane('sagittal', c, -1, 7, dims)).toEqual({ x: 2, y: 0, z: 2 });
    expect(clampVoxel({ x: 9.6, y: -3, z: 1.4 }, dims)).toEqual({ x: 4, y: 0, z: 1 });
  });

  it('starts at the foreground of the axial slice, else of the volume, else at the centre', () => {
    const labels = new Uint8Array(n);
    labels[at(1, 1, 2)] = 1;
    labels[at(3, 3, 2)] = 1;
    labels[at(4, 0, 0)] = 1;
    expect(defaultCursor(labels, dims, 2)).toEqual({ x: 2, y: 2, z: 2 });
    expect(defaultCursor(labels, dims, 0)).toEqual({ x: 4, y: 0, z: 0 });
    const whole = defaultCursor(labels, dims, 1);
    expect(whole).toEqual({ x: 3, y: 1, z: 1 }); // centroid (8/3, 4/3) rounded, on slice 1
    expect(defaultCursor(new Uint8Array(n), dims, 1)).toEqual({ x: 2, y: 2, z: 1 });
  });
});
