/**
 * The three orthogonal planes of a volume and the cursor they share (pure: no DOM).
 *
 * Volumes are stored canonically (core/io/volume.ts): x fastest, then y, then z, and for NIfTI
 * the axes point as nearly as possible to Right (+x), Anterior (+y) and Superior (+z). A plane
 * fixes one axis; its image is core/io/slice.ts's sliceOf along that axis:
 *
 *   plane      fixed        column   row   size (width × height)   pixel spacing (column, row)
 *   axial      z = k        x        y     nx × ny                 (sx, sy)
 *   coronal    y = j        x        z     nx × nz                 (sx, sz)
 *   sagittal   x = i        y        z     ny × nz                 (sy, sz)
 *
 * so voxel (x, y, z) is pixel (x, y) of axial slice z, pixel (x, z) of coronal slice y and pixel
 * (y, z) of sagittal slice x. Row 0 is the lowest index along the row axis. The viewer draws
 * row 0 of every sagittal and coronal image at the bottom, so z (Superior) increases upward on
 * screen as on a radiological display, and row 0 of axial NIfTI slices at the bottom (Anterior
 * up); 2-D pictures keep row 0 at the top. Columns are never mirrored: x and y increase to the
 * right of the screen (the patient's right on the screen's right, the neurological side;
 * a radiological display mirrors axial and coronal images left–right).
 *
 * Anisotropic voxels: a plane's image has its own column and row spacing (the table); a viewer
 * that scales rows by rowSpacing / columnSpacing shows the plane with its true aspect, e.g. a
 * sagittal image of 2 × 3 voxels with sy = 1 mm and sz = 3 mm is 2 mm wide and 9 mm tall.
 *
 * The cursor is one voxel (x, y, z): every plane shows the slice through it (axial z, coronal y,
 * sagittal x) and a crosshair at its pixel; picking a pixel in one plane moves the cursor there,
 * which sets the slices of the other two.
 */
import { sliceOf, type SliceAxis } from '../io/slice';
import type { Volume, VoxelArray } from '../io/volume';

export type Plane = 'axial' | 'sagittal' | 'coronal';

/** Display order. */
export const PLANES: readonly Plane[] = ['axial', 'sagittal', 'coronal'];

/** The volume axis each plane fixes (sliceOf's axis). */
export const PLANE_AXIS: Readonly<Record<Plane, SliceAxis>> = Object.freeze({ axial: 2, coronal: 1, sagittal: 0 });

/** Keyboard letter of each plane. */
export const PLANE_KEYS: Readonly<Record<Plane, string>> = Object.freeze({ axial: 'a', sagittal: 's', coronal: 'c' });

export type Dims = readonly [number, number, number];

export interface Voxel {
  x: number;
  y: number;
  z: number;
}

export interface PlaneGeometry {
  /** The fixed axis. */
  axis: SliceAxis;
  width: number;
  height: number;
  /** Slices of this plane: dims[axis]. */
  count: number;
  /** mm between columns (pixel width) and between rows (pixel height). */
  columnSpacing: number;
  rowSpacing: number;
}

/** Column axis and row axis of each plane (0 x, 1 y, 2 z). */
const AXES: Readonly<Record<Plane, readonly [0 | 1 | 2, 0 | 1 | 2]>> = { axial: [0, 1], coronal: [0, 2], sagittal: [1, 2] };

/** The planes worth showing: all three for a volume (nz > 1), the axial one for a 2-D picture. */
export function planesOf(dims: Dims): readonly Plane[] {
  return dims[2] > 1 ? PLANES : ['axial'];
}

/** Size, slice count and pixel spacing of a plane (see the table above). */
export function planeGeometry(plane: Plane, dims: Dims, spacing: Dims): PlaneGeometry {
  const [c, r] = AXES[plane];
  const axis = PLANE_AXIS[plane];
  const mm = (v: number) => (Number.isFinite(v) && v > 0 ? v : 1);
  return { axis, width: dims[c], height: dims[r], count: dims[axis], columnSpacing: mm(spacing[c]), rowSpacing: mm(spacing[r]) };
}

/** The slice of `plane` through voxel v: axial z, coronal y, sagittal x. */
export function planeIndex(plane: Plane, v: Voxel): number {
  return plane === 'axial' ? v.z : plane === 'coronal' ? v.y : v.x;
}

/** Where voxel v lies in the image of `plane`: column and row (pixel centres at col + 0.5, row + 0.5). */
export function voxelInPlane(plane: Plane, v: Voxel): { col: number; row: number } {
  if (plane === 'axial') return { col: v.x, row: v.y };
  if (plane === 'coronal') return { col: v.x, row: v.z };
  return { col: v.y, row: v.z };
}

const clampTo = (v: number, n: number) => Math.min(Math.max(0, Math.round(v)), Math.max(0, n - 1));

/** v with every coordinate rounded and kept inside the volume. */
export function clampVoxel(v: Voxel, dims: Dims): Voxel {
  return { x: clampTo(v.x, dims[0]), y: clampTo(v.y, dims[1]), z: clampTo(v.z, dims[2]) };
}

/** The cursor after a pick of pixel (col, row) in `plane` (the slice of that plane stays). */
export function pickInPlane(plane: Plane, cursor: Voxel, col: number, row: number, dims: Dims): Voxel {
  const v =
    plane === 'axial'
      ? { x: col, y: row, z: cursor.z }
      : plane === 'coronal'
        ? { x: col, y: cursor.y, z: row }
        : { x: cursor.x, y: col, z: row };
  return clampVoxel(v, dims);
}

/** The cursor moved to slice `index` of `plane` (the other two coordinates stay). */
export function withPlaneIndex(plane: Plane, cursor: Voxel, index: number, dims: Dims): Voxel {
  const v = plane === 'axial' ? { ...cursor, z: index } : plane === 'coronal' ? { ...cursor, y: index } : { ...cursor, x: index };
  return clampVoxel(v, dims);
}

/** Image of slice `index` of `plane` (a fresh array of the volume's type, channels interleaved). */
export function planeImage<T extends VoxelArray>(vol: Pick<Volume, 'dims' | 'channels'> & { data: T }, plane: Plane, index: number) {
  return sliceOf(vol, PLANE_AXIS[plane], index);
}

/**
 * Labels of slice `index` of `plane` from a label volume (one value per voxel, x fastest),
 * row-major like planeImage. The axial plane is a view into `labels`, the others fresh arrays.
 */
export function planeLabels(labels: Uint8Array, dims: Dims, plane: Plane, index: number): Uint8Array {
  if (labels.length !== dims[0] * dims[1] * dims[2]) {
    throw new RangeError(`label volume has ${labels.length} values; expected ${dims[0] * dims[1] * dims[2]} (${dims.join('×')})`);
  }
  if (plane === 'axial') {
    const n = dims[0] * dims[1];
    const k = clampTo(index, dims[2]);
    if (k !== index) throw new RangeError(`axial slice ${index} is outside 0 … ${dims[2] - 1}`);
    return labels.subarray(k * n, (k + 1) * n);
  }
  return sliceOf({ data: labels, dims: [dims[0], dims[1], dims[2]], channels: 1 }, PLANE_AXIS[plane], index).data;
}

/**
 * Where the cursor starts on a volume at axial slice z: the centroid (rounded) of the
 * foreground of that slice, so that the sagittal and coronal planes cut through it; the
 * centroid of the whole foreground when the slice has none; the centre when there is none.
 */
export function defaultCursor(labels: Uint8Array, dims: Dims, z: number): Voxel {
  const [nx, ny, nz] = dims;
  const k = clampTo(z, nz);
  const plane = nx * ny;
  const centroid = (from: number, to: number): Voxel | null => {
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    for (let i = from; i < to; i++) {
      if (!labels[i]) continue;
      const x = i % nx;
      const rest = (i - x) / nx;
      sx += x;
      sy += rest % ny;
      sz += Math.floor(rest / ny);
      n++;
    }
    return n === 0 ? null : { x: sx / n, y: sy / n, z: sz / n };
  };
  const inSlice = labels.length === plane * nz ? centroid(k * plane, (k + 1) * plane) : null;
  const anywhere = inSlice ?? (labels.length === plane * nz ? centroid(0, labels.length) : null);
  const c = anywhere ?? { x: (nx - 1) / 2, y: (ny - 1) / 2, z: k };
  return clampVoxel({ x: c.x, y: c.y, z: k }, dims);
}
