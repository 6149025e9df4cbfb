/**
 * Predicted segmentations as files a user can open elsewhere, in the geometry of their source:
 * a NIfTI source gives a uint8 label volume (.nii.gz) with the source's header geometry (dims,
 * pixdim, qform, sform, voxel order; see writeNiftiLabels), a picture gives an 8-bit PNG mask
 * of the picture's size (two-class datasets as 0/255, more classes as class indices, the same
 * for every file of a dataset; see maskPng.ts). Voxel values are the dataset's own label values
 * when its mapping says which value each class came from (`classValues`, e.g. BraTS 1, 2, 4),
 * else class indices (0 … C−1). The writer is the one formats/registry.ts picks (labelWriterFor).
 */
import { FORMATS, labelWriterFor, orList, type Formats, type LabelSource } from './formats/registry';

export interface PredictionFile {
  name: string;
  bytes: Uint8Array;
  mime: string;
}

/**
 * Joins per-slice label maps (axial slices k = 0 … nz−1, each nx·ny, x fastest) into one label
 * volume in the Volume layout.
 */
export function joinSlices(slices: readonly Uint8Array[], dims: readonly [number, number, number]): Uint8Array {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  if (slices.length !== nz) throw new RangeError(`${slices.length} slices for a volume of ${nz}`);
  const out = new Uint8Array(plane * nz);
  slices.forEach((s, k) => {
    if (s.length !== plane) throw new RangeError(`slice ${k} has ${s.length} labels, expected ${nx} × ${ny} = ${plane}`);
    out.set(s, k * plane);
  });
  return out;
}

/** A file name safe on every file system: the case id with path separators and reserved characters replaced. */
export function safeFileName(s: string): string {
  let out = '';
  for (const ch of s) out += ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch;
  return out.replace(/_+/g, '_').replace(/^\.+/, '_') || 'case';
}

/**
 * The file for a predicted label volume of `image` (labels in the canonical Volume layout), in the
 * format the registry's writers choose: `${stem}.nii.gz` for NIfTI sources, `${stem}.png` for pictures.
 */
export function predictionFile(
  image: LabelSource,
  classLabels: Uint8Array,
  stem: string,
  opts: { numClasses: number; classValues?: readonly number[] | null },
  formats: Formats = FORMATS,
): PredictionFile {
  const [nx, ny, nz] = image.dims;
  if (classLabels.length !== nx * ny * nz) throw new RangeError(`${classLabels.length} labels for an image of ${nx} × ${ny} × ${nz} voxels`);
  const values = opts.classValues;
  const labels = values ? classLabels.map((c) => values[c] ?? c) : classLabels;
  const base = safeFileName(stem);
  const chosen = labelWriterFor(image, formats);
  if (!chosen) {
    const volumes = orList(formats.filter((f) => f.kind === 'volume' && f.write).map((f) => f.label));
    throw new RangeError(`${image.source.name} is a ${nz}-slice volume without ${volumes} geometry; only ${volumes} volumes can be written as volumes`);
  }
  const { writer } = chosen;
  return {
    name: `${base}.${writer.extension}`,
    bytes: writer.write(labels, image, { scaleBinary: !values && opts.numClasses === 2 }),
    mime: writer.mime,
  };
}
