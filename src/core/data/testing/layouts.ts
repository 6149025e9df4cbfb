/**
 * Small datasets in the folder layouts of the field, with known contents, for unit and
 * end-to-end tests: DRIVE (TIFF images, GIF manual segmentations, GIF field-of-view masks, own
 * training/test split), CVC-ClinicDB (TIFF in Original/ and Ground Truth/) and the Medical
 * Segmentation Decathlon (NIfTI in imagesTr/ and labelsTr/, three classes, the image stored LPS
 * and the label RAS). The expected foreground percentages are counted here, where the pixels
 * are drawn, independently of the loader.
 */
import { mulberry32 } from '../../testing/random';
import { encodeGif, encodeTiff } from '../../io/testing/image-fixtures';
import { encodeNifti } from '../../io/testing/nifti-fixtures';

export interface FixtureFile {
  path: string;
  bytes: Uint8Array;
}

export interface FixtureDataset {
  files: FixtureFile[];
  /** Case id → foreground percentage per class (inside the field of view where there is one). */
  expected: Record<string, number[]>;
  ownSplit?: Record<string, 'train' | 'test'>;
}

function disc(width: number, height: number, cx: number, cy: number, r: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 1 : 0;
  return out;
}

/** DRIVE-style: `DRIVE/{training,test}/{images,1st_manual,mask}`. */
export function driveFixture(): FixtureDataset {
  const w = 24;
  const h = 20;
  const rand = mulberry32(3);
  const files: FixtureFile[] = [];
  const expected: Record<string, number[]> = {};
  const ownSplit: Record<string, 'train' | 'test'> = {};
  const cases: [string, 'training' | 'test'][] = [
    ['21', 'training'],
    ['22', 'training'],
    ['23', 'training'],
    ['01', 'test'],
    ['02', 'test'],
  ];
  for (const [n, split] of cases) {
    const fov = disc(w, h, w / 2, h / 2, 9);
    // A vessel: one horizontal and one vertical line at random positions, clipped to the FOV.
    const vessel = new Uint8Array(w * h);
    const row = 4 + Math.floor(rand() * 12);
    const col = 4 + Math.floor(rand() * 16);
    for (let x = 0; x < w; x++) vessel[row * w + x] = 1;
    for (let y = 0; y < h; y++) vessel[y * w + col] = 1;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      const v = vessel[i] ? 60 : 170;
      rgb[3 * i] = v + Math.floor(rand() * 20);
      rgb[3 * i + 1] = v / 2;
      rgb[3 * i + 2] = 30;
    }
    const suffix = split === 'training' ? 'training' : 'test';
    files.push({ path: `DRIVE/${split}/images/${n}_${suffix}.tif`, bytes: encodeTiff([{ width: w, height: h, bitsPerSample: 8, samplesPerPixel: 3, photometric: 2, samples: rgb }]) });
    const palette: [number, number, number][] = [
      [0, 0, 0],
      [255, 255, 255],
    ];
    files.push({ path: `DRIVE/${split}/1st_manual/${n}_manual1.gif`, bytes: encodeGif({ width: w, height: h, palette, frames: [{ indices: vessel }] }) });
    files.push({ path: `DRIVE/${split}/mask/${n}_${suffix}_mask.gif`, bytes: encodeGif({ width: w, height: h, palette, frames: [{ indices: fov }] }) });
    let inside = 0;
    let fg = 0;
    for (let i = 0; i < w * h; i++) {
      if (!fov[i]) continue;
      inside++;
      fg += vessel[i] ?? 0;
    }
    expected[n] = [(100 * fg) / inside];
    ownSplit[n] = split === 'training' ? 'train' : 'test';
  }
  return { files, expected, ownSplit };
}

/** CVC-ClinicDB-style: `CVC-ClinicDB/Original/N.tif` ↔ `CVC-ClinicDB/Ground Truth/N.tif` (0/255). */
export function cvcFixture(): FixtureDataset {
  const w = 30;
  const h = 22;
  const files: FixtureFile[] = [];
  const expected: Record<string, number[]> = {};
  for (let n = 1; n <= 4; n++) {
    const polyp = disc(w, h, 8 + 3 * n, 10, 2 + n);
    const rgb = new Uint8Array(w * h * 3).map((_, i) => (polyp[Math.floor(i / 3)] ? 200 : 90) + (i % 3) * 10);
    files.push({ path: `CVC-ClinicDB/Original/${n}.tif`, bytes: encodeTiff([{ width: w, height: h, bitsPerSample: 8, samplesPerPixel: 3, photometric: 2, samples: rgb }]) });
    files.push({
      path: `CVC-ClinicDB/Ground Truth/${n}.tif`,
      bytes: encodeTiff([{ width: w, height: h, bitsPerSample: 8, samplesPerPixel: 1, photometric: 1, samples: polyp.map((v) => v * 255) }]),
    });
    expected[String(n)] = [(100 * polyp.reduce((s, v) => s + v, 0)) / (w * h)];
  }
  return { files, expected };
}

/** LPS → RAS: x and y flipped (the qform of a 180° rotation about z). */
const LPS_QFORM = { code: 1, b: 0, c: 0, d: 1, offset: [0, 0, 0] as [number, number, number] };

/**
 * Decathlon-style: `Task99_Fixture/{imagesTr,labelsTr}/case_N.nii.gz`, label values 0/1/2, the
 * image stored LPS (float32) and the label stored RAS (uint8) over the same voxels, plus
 * dataset.json naming the labels.
 */
export function msdFixture(): FixtureDataset {
  const [nx, ny, nz] = [8, 7, 5];
  const files: FixtureFile[] = [];
  const expected: Record<string, number[]> = {};
  const rand = mulberry32(9);
  files.push({
    path: 'Task99_Fixture/dataset.json',
    bytes: new TextEncoder().encode(JSON.stringify({ name: 'Fixture', labels: { '0': 'background', '1': 'Anterior', '2': 'Posterior' } })),
  });
  for (let n = 1; n <= 4; n++) {
    // Labels in RAS voxel order (x fastest).
    const labels = new Uint8Array(nx * ny * nz);
    for (let i = 0; i < labels.length; i++) {
      const r = rand();
      labels[i] = r < 0.06 ? 1 : r < 0.1 ? 2 : 0;
    }
    // The same world voxels stored LPS: x and y reversed.
    const image = new Float32Array(nx * ny * nz);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const ras = x + nx * (y + ny * z);
          const lps = nx - 1 - x + nx * (ny - 1 - y + ny * z);
          image[lps] = 100 + 50 * (labels[ras] ?? 0) + rand();
        }
    // LPS stored: voxel (i, j) sits at world (−i, −j); the RAS-stored label puts voxel (x, y) at
    // world (x − (nx − 1), y − (ny − 1)), i.e. the same places.
    files.push({
      path: `Task99_Fixture/imagesTr/case_${n}.nii.gz`,
      bytes: encodeNifti({ dims: [nx, ny, nz], datatype: 16, values: image, qform: LPS_QFORM, gzip: true }),
    });
    files.push({
      path: `Task99_Fixture/labelsTr/case_${n}.nii.gz`,
      bytes: encodeNifti({
        dims: [nx, ny, nz],
        datatype: 2,
        values: labels,
        qform: { code: 1, b: 0, c: 0, d: 0, offset: [-(nx - 1), -(ny - 1), 0] },
        gzip: true,
      }),
    });
    const count = (k: number) => labels.reduce((s, v) => s + (v === k ? 1 : 0), 0);
    expected[`case_${n}`] = [(100 * count(1)) / labels.length, (100 * count(2)) / labels.length];
  }
  return { files, expected };
}
