/** Small seeded cases for the training tests. */
import { IDENTITY_AFFINE, type VoxelArray } from '../../io/volume';
import { generateSynthetic } from '../../data/synthetic';
import type { Case } from '../../data/types';

/** The demo data at test size: 32×32 vessels, 5 % foreground. */
export function syntheticCases(count = 12, seed = 3, size = 32): Case[] {
  return generateSynthetic({ count, width: size, height: size, foregroundFraction: 0.05, seed });
}

/** A case from raw arrays (dims [nx, ny, nz], x fastest). */
export function makeCase(id: string, data: VoxelArray, labels: Uint8Array, dims: [number, number, number], channels = 1, roi?: Uint8Array): Case {
  const c: Case = {
    id,
    image: {
      data,
      dims,
      channels,
      spacing: [1, 1, 1],
      affine: [...IDENTITY_AFFINE],
      source: { name: id, format: 'synthetic', datatype: 'float32' },
      notes: [],
    },
    labels,
  };
  if (roi) c.roi = roi;
  return c;
}

/** A volume made of 2D cases stacked as axial slices (same size). */
export function stackCases(id: string, slices: readonly Case[]): Case {
  const [nx, ny] = slices[0]!.image.dims;
  const plane = nx * ny;
  const data = new Float32Array(plane * slices.length);
  const labels = new Uint8Array(plane * slices.length);
  slices.forEach((s, k) => {
    data.set(s.image.data, k * plane);
    labels.set(s.labels, k * plane);
  });
  return makeCase(id, data, labels, [nx, ny, slices.length]);
}
