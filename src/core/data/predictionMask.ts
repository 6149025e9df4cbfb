/**
 * A segmentation made elsewhere (another tool's mask file) as class labels of a loaded case, so
 * that it can be inspected against the ground truth like a run's prediction.
 *
 * Rules: the mask must have the case's voxel grid (dims); the first channel is read (palette
 * pictures: their palette indices); values that are all class indices (0 … C−1) are taken as
 * they are; otherwise values that the dataset's own label mapping knows (e.g. BraTS 1, 2, 4) are
 * mapped by it; otherwise a mask with exactly one non-zero value (0/255 PNGs …) is binary: that
 * value becomes class 1. Anything else is refused with the values found.
 */
import { InputFileError, type Volume } from '../io/volume';
import { applyMapping, type LabelMapping } from './labels';

export function maskToLabels(
  mask: Volume,
  target: { id: string; dims: readonly [number, number, number] },
  numClasses: number,
  mapping?: LabelMapping,
): Uint8Array {
  const name = mask.source.name;
  const [nx, ny, nz] = mask.dims;
  const [tx, ty, tz] = target.dims;
  if (nx !== tx || ny !== ty || nz !== tz) {
    throw new InputFileError(name, `the mask is ${nx} × ${ny} × ${nz} but case ${target.id} is ${tx} × ${ty} × ${tz}`);
  }
  const n = nx * ny * nz;
  const c = mask.paletteIndices ? 1 : mask.channels;
  const src: ArrayLike<number> = mask.paletteIndices ?? mask.data;
  const values = new Set<number>();
  for (let i = 0; i < n; i++) {
    values.add(src[i * c]!);
    if (values.size > 256) break;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const asClasses = sorted.every((v) => Number.isInteger(v) && v >= 0 && v < numClasses);
  const nonzero = sorted.filter((v) => v !== 0);
  if (!asClasses && mapping?.kind === 'values' && nonzero.every((v) => mapping.classes[v] !== undefined)) {
    const first = new Float64Array(n);
    for (let i = 0; i < n; i++) first[i] = src[i * c]!;
    return applyMapping(first, mapping);
  }
  if (!asClasses && !(nonzero.length === 1 && sorted.every((v) => v === 0 || v === nonzero[0]))) {
    const shown = sorted.slice(0, 8).join(', ') + (sorted.length > 8 ? ', …' : '');
    throw new InputFileError(name, `the mask has the values ${shown}; expected class labels 0 … ${numClasses - 1} or a binary mask (0 and one other value)`);
  }
  const out = new Uint8Array(n);
  if (asClasses) for (let i = 0; i < n; i++) out[i] = src[i * c]!;
  else for (let i = 0; i < n; i++) out[i] = src[i * c]! !== 0 ? 1 : 0;
  return out;
}
