/**
 * 2-D slices of a Volume along any of its three axes.
 *
 * Orientation convention (no flips; pixel (col, row) is stored at c + channels · (col + width · row)):
 *   axis 2 (axial, fixed k):    col = i (x), row = j (y);  width = nx, height = ny
 *   axis 1 (coronal, fixed j):  col = i (x), row = k (z);  width = nx, height = nz
 *   axis 0 (sagittal, fixed i): col = j (y), row = k (z);  width = ny, height = nz
 * Row 0 is the lowest index along the row axis. For a canonical NIfTI volume (RAS+) columns run
 * towards Right / Anterior and rows towards Anterior / Superior, so a radiological or
 * neurological display draws row 0 at the bottom; a 2-D picture (nz = 1, axis 2) comes back
 * exactly as stored, row 0 at the top.
 */
import type { Volume, VoxelArray } from './volume';

export type SliceAxis = 0 | 1 | 2;

export interface Slice<T extends VoxelArray = VoxelArray> {
  /** A fresh array of the volume's own type, channel-interleaved, row-major. */
  data: T;
  width: number;
  height: number;
  channels: number;
}

type SliceSource<T extends VoxelArray> = Pick<Volume, 'dims' | 'channels'> & { data: T };

const AXIS_NAMES = ['0 (sagittal, x)', '1 (coronal, y)', '2 (axial, z)'];

function checkAxis(axis: number): asserts axis is SliceAxis {
  if (axis !== 0 && axis !== 1 && axis !== 2) throw new RangeError(`slice axis must be 0, 1 or 2, got ${axis}`);
}

/** Number of slices along `axis` (dims[axis]). */
export function sliceCount(vol: Pick<Volume, 'dims'>, axis: SliceAxis): number {
  checkAxis(axis);
  return vol.dims[axis];
}

/** The 2-D slice `index` along `axis` (see the convention above); RangeError when out of range. */
export function sliceOf<T extends VoxelArray>(vol: SliceSource<T>, axis: SliceAxis, index: number): Slice<T> {
  checkAxis(axis);
  const [nx, ny, nz] = vol.dims;
  const n = vol.dims[axis];
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`slice index ${index} is out of range along axis ${AXIS_NAMES[axis]}: expected an integer 0 … ${n - 1}`);
  }
  const c = vol.channels;
  const src = vol.data;
  const Ctor = src.constructor as new (length: number) => T;

  if (axis === 2) {
    const plane = nx * ny * c;
    return { data: src.slice(index * plane, (index + 1) * plane) as T, width: nx, height: ny, channels: c };
  }
  if (axis === 1) {
    const row = nx * c;
    const out = new Ctor(row * nz);
    for (let k = 0; k < nz; k++) {
      const s = c * nx * (index + ny * k);
      out.set(src.subarray(s, s + row), k * row);
    }
    return { data: out, width: nx, height: nz, channels: c };
  }
  const out = new Ctor(ny * nz * c);
  let d = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const s = c * (index + nx * (j + ny * k));
      for (let ch = 0; ch < c; ch++) out[d++] = src[s + ch] as number;
    }
  }
  return { data: out, width: ny, height: nz, channels: c };
}
