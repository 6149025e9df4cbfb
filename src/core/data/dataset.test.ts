/**
 * Loading whole datasets: DRIVE-, CVC- and Decathlon-style folders and zips of each, with the
 * pairing and the foreground percentages their generators counted; and bad input, where each
 * problem names its file and every other case still loads.
 */
import { gzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildPng, encodeTiff } from '../io/testing/image-fixtures';
import { encodeNifti } from '../io/testing/nifti-fixtures';
import { loadDataset, type InputFile } from './dataset';
import { cvcFixture, driveFixture, msdFixture, type FixtureDataset, type FixtureFile } from './testing/layouts';

const inputs = (files: FixtureFile[]): InputFile[] => files.map((f) => ({ path: f.path, read: async () => f.bytes }));
const zipped = (name: string, files: FixtureFile[]): InputFile[] => [
  { path: name, read: async () => zipSync(Object.fromEntries(files.map((f) => [f.path, f.bytes]))) },
];

function expectForeground(loaded: Awaited<ReturnType<typeof loadDataset>>, fixture: FixtureDataset) {
  expect(loaded.cases.map((c) => c.id).sort()).toEqual(Object.keys(fixture.expected).sort());
  for (const s of loaded.summary.perCase) {
    const want = fixture.expected[s.id];
    expect(want, s.id).toBeDefined();
    s.foregroundPercent.forEach((v, k) => expect(v).toBeCloseTo(want?.[k] ?? NaN, 10));
  }
}

describe.each([
  ['folder', (f: FixtureDataset) => inputs(f.files)],
  ['zip', (f: FixtureDataset) => zipped('dataset.zip', f.files)],
] as const)('as a %s', (_kind, asInput) => {
  it('DRIVE: TIFF + GIF, field of view restricts the counts, own split kept', async () => {
    const f = driveFixture();
    const loaded = await loadDataset(asInput(f));
    expect(loaded.issues).toEqual([]);
    expect(loaded.pairing.layout).toBe('DRIVE');
    expect(loaded.cases.every((c) => c.roi !== undefined)).toBe(true);
    expect(Object.fromEntries(loaded.cases.map((c) => [c.id, c.ownSplit]))).toEqual(f.ownSplit);
    expect(loaded.mapping.numClasses).toBe(2);
    expectForeground(loaded, f);
  });

  it('CVC-ClinicDB: Original/ and Ground Truth/ TIFFs, 0/255 masks become {0, 1}', async () => {
    const f = cvcFixture();
    const loaded = await loadDataset(asInput(f));
    expect(loaded.issues).toEqual([]);
    expect(loaded.pairing.layout).toBe('CVC-ClinicDB');
    expect(loaded.labelValues.map((v) => v.value)).toEqual([0, 255]);
    expect(loaded.cases.every((c) => c.labels.every((v) => v <= 1))).toBe(true);
    expectForeground(loaded, f);
  });

  it('Decathlon: NIfTI image (LPS) and label (RAS) line up after reading; three classes named from dataset.json', async () => {
    const f = msdFixture();
    const loaded = await loadDataset(asInput(f));
    expect(loaded.issues).toEqual([]);
    expect(loaded.mapping.numClasses).toBe(3);
    expect(loaded.mapping.classNames).toEqual(['Anterior', 'Posterior']);
    expectForeground(loaded, f);
    // The fixture's intensities are 100 + 50·label (+ noise < 1) at every voxel.
    for (const c of loaded.cases) {
      const img = c.image.data;
      for (let i = 0; i < c.labels.length; i++) {
        const d = (img[i] ?? 0) - 100 - 50 * (c.labels[i] ?? 0);
        if (d < 0 || d >= 1) expect.fail(`${c.id} voxel ${i}: image ${img[i]} does not match label ${c.labels[i]}`);
      }
    }
  });
});

describe('bad input: a clear error per file, the rest still loads', () => {
  const tiff = (w: number, h: number, v: number) => encodeTiff([{ width: w, height: h, bitsPerSample: 8, samplesPerPixel: 1, photometric: 1, samples: new Uint8Array(w * h).fill(v) }]);

  it('names a truncated file, a non-image renamed .png, a mask of another size and a non-binary mask', async () => {
    const good = cvcFixture();
    const ramp = encodeTiff([{ width: 30, height: 22, bitsPerSample: 8, samplesPerPixel: 1, photometric: 1, samples: Uint8Array.from({ length: 660 }, (_, i) => i % 200) }]);
    const bad: FixtureFile[] = [
      { path: 'CVC-ClinicDB/Original/90.tif', bytes: tiff(30, 22, 5).slice(0, 60) },
      { path: 'CVC-ClinicDB/Ground Truth/90.tif', bytes: tiff(30, 22, 0) },
      { path: 'CVC-ClinicDB/Original/91.png', bytes: new TextEncoder().encode('<html>not a picture</html>') },
      { path: 'CVC-ClinicDB/Ground Truth/91.png', bytes: tiff(30, 22, 0) },
      { path: 'CVC-ClinicDB/Original/92.tif', bytes: tiff(30, 22, 5) },
      { path: 'CVC-ClinicDB/Ground Truth/92.tif', bytes: tiff(31, 22, 0) },
      { path: 'CVC-ClinicDB/Original/93.tif', bytes: tiff(30, 22, 5) },
      { path: 'CVC-ClinicDB/Ground Truth/93.tif', bytes: ramp },
    ];
    const loaded = await loadDataset(inputs([...good.files, ...bad]));
    expectForeground(loaded, good);
    const byFile = Object.fromEntries(loaded.issues.map((i) => [i.file, i.message]));
    expect(Object.keys(byFile).sort()).toEqual([
      'CVC-ClinicDB/Ground Truth/92.tif',
      'CVC-ClinicDB/Ground Truth/93.tif',
      'CVC-ClinicDB/Original/90.tif',
      'CVC-ClinicDB/Original/91.png',
    ]);
    expect(byFile['CVC-ClinicDB/Original/90.tif']).toMatch(/truncat|ends|beyond|past the end/i);
    expect(byFile['CVC-ClinicDB/Original/91.png']).toMatch(/not a PNG, JPEG, GIF, BMP or TIFF image/);
    expect(byFile['CVC-ClinicDB/Ground Truth/92.tif']).toBe("its size 31×22 differs from its image's 30×22 (CVC-ClinicDB/Original/92.tif)");
    expect(byFile['CVC-ClinicDB/Ground Truth/93.tif']).toMatch(/not a label mask: 200 distinct values/);
    expect(loaded.issues.every((i) => i.severity === 'error')).toBe(true);
  });

  it('NIfTI: a label grid that differs, a 4-D image (first volume, noted), an unsupported datatype', async () => {
    const f = msdFixture();
    const labelOf = (n: number) => f.files.find((x) => x.path === `Task99_Fixture/labelsTr/case_${n}.nii.gz`);
    const files = f.files.filter((x) => !/case_[234]\.nii/.test(x.path));
    // case_2: the label sits 5 mm away from the image.
    files.push(
      f.files.find((x) => x.path === 'Task99_Fixture/imagesTr/case_2.nii.gz')!,
      { path: 'Task99_Fixture/labelsTr/case_2.nii.gz', bytes: encodeNifti({ dims: [8, 7, 5], datatype: 2, values: new Uint8Array(280), qform: { code: 1, b: 0, c: 0, d: 0, offset: [-2, -6, 0] }, gzip: true }) },
    );
    // case_3: a 4-D image with two volumes over the RAS label's grid.
    files.push(
      { path: 'Task99_Fixture/imagesTr/case_3.nii.gz', bytes: encodeNifti({ dims: [8, 7, 5, 2], datatype: 16, values: new Float32Array(560).fill(3), qform: { code: 1, b: 0, c: 0, d: 0, offset: [-7, -6, 0] }, gzip: true }) },
      labelOf(3)!,
    );
    // case_4: int64 image.
    files.push(
      { path: 'Task99_Fixture/imagesTr/case_4.nii.gz', bytes: encodeNifti({ dims: [8, 7, 5], datatype: 1024, values: new Array(280).fill(1), gzip: true }) },
      labelOf(4)!,
    );
    const loaded = await loadDataset(inputs(files));
    expect(loaded.cases.map((c) => c.id).sort()).toEqual(['case_1', 'case_3']);
    const byFile = Object.fromEntries(loaded.issues.map((i) => [i.file, i.message]));
    expect(byFile['Task99_Fixture/labelsTr/case_2.nii.gz']).toMatch(/voxel grid \(orientation, spacing or origin\) differs from its image's/);
    expect(byFile['Task99_Fixture/imagesTr/case_4.nii.gz']).toMatch(/unsupported datatype 1024/);
    expect(loaded.notes.find((n) => n.file === 'Task99_Fixture/imagesTr/case_3.nii.gz')?.note).toMatch(/4-D file with 2 volumes: using the first/);
  });

  it('an empty folder says so', async () => {
    const loaded = await loadDataset([]);
    expect(loaded.cases).toEqual([]);
    expect(loaded.issues).toEqual([{ file: '(drop)', message: 'no files: the folder or selection is empty', severity: 'error' }]);
  });

  it('a folder with no pairs says why', async () => {
    const loaded = await loadDataset(inputs([{ path: 'x/readme.txt', bytes: new Uint8Array(3) }, { path: 'x/a.png', bytes: new Uint8Array(3) }]));
    expect(loaded.issues[0]?.message).toMatch(/no image could be paired with a mask among 2 files/);
    expect(loaded.pairing.ignored).toEqual([{ path: 'x/readme.txt', reason: '.txt is not an image or NIfTI file' }]);
  });

  it('a corrupt zip is named; other dropped files still load', async () => {
    const f = cvcFixture();
    const loaded = await loadDataset([...inputs(f.files), { path: 'broken.zip', read: async () => zipSync({ 'a/b.png': new Uint8Array(10) }).slice(0, 25) }]);
    expect(loaded.issues.map((i) => i.file)).toEqual(['broken.zip']);
    expect(loaded.issues[0]?.message).toMatch(/not a zip archive, or a truncated one/);
    expectForeground(loaded, f);
  });

  it('a zip with nested folders and junk (__MACOSX, .DS_Store) loads', async () => {
    const f = cvcFixture();
    const nested = f.files.map((x) => ({ ...x, path: `downloads/2024/${x.path}` }));
    const junk = [
      { path: '__MACOSX/downloads/2024/CVC-ClinicDB/Original/._1.tif', bytes: new Uint8Array([0, 5, 22, 7]) },
      { path: 'downloads/2024/CVC-ClinicDB/.DS_Store', bytes: new Uint8Array([0, 0, 0, 1]) },
    ];
    const loaded = await loadDataset(zipped('cvc.zip', [...nested, ...junk]));
    expect(loaded.issues).toEqual([]);
    expect(loaded.pairing.ignored.map((x) => x.path).sort()).toEqual(junk.map((x) => x.path).sort());
    expectForeground(loaded, f);
  });
});

describe('one label mapping for masks of different kinds', () => {
  const png = (samples: number[], colorType: 0 | 2 = 0) => buildPng({ width: 2, height: 2, depth: 8, colorType, samples });
  const img = png([10, 20, 30, 40]);
  const set = (masks: Record<string, Uint8Array>): InputFile[] =>
    inputs(Object.entries(masks).flatMap(([id, m]) => [
      { path: `images/${id}.png`, bytes: img },
      { path: `masks/${id}.png`, bytes: m },
    ]));
  const labelsOf = (loaded: Awaited<ReturnType<typeof loadDataset>>) => Object.fromEntries(loaded.cases.map((c) => [c.id, Array.from(c.labels)]));

  it('0/1 masks mixed with 0/255 masks are one binary dataset', async () => {
    const loaded = await loadDataset(set({ a: png([0, 1, 0, 1]), b: png([255, 0, 0, 0]) }));
    expect(loaded.mapping.numClasses).toBe(2);
    expect(labelsOf(loaded)).toEqual({ a: [0, 1, 0, 1], b: [1, 0, 0, 0] });
    expect(loaded.mapping.note).toMatch(/0\/1 and as 0\/255/);
  });
  it('masks holding one label each (0/1 and 0/2) stay two classes', async () => {
    const loaded = await loadDataset(set({ a: png([0, 1, 0, 0]), b: png([0, 0, 2, 0]) }));
    expect(loaded.mapping.numClasses).toBe(3);
    expect(labelsOf(loaded)).toEqual({ a: [0, 1, 0, 0], b: [0, 0, 2, 0] });
  });
  it('a green-on-black colour mask is a binary mask', async () => {
    const green = png([0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0], 2);
    const loaded = await loadDataset(set({ a: green }));
    expect(labelsOf(loaded)).toEqual({ a: [0, 1, 1, 0] });
  });
  it("anti-aliased masks are refused by default and loaded with the user's threshold", async () => {
    const soft = png([0, 90, 170, 255]);
    const soft2 = png([0, 30, 200, 250]);
    const soft3 = png([5, 60, 130, 251]);
    const refused = await loadDataset(set({ a: soft, b: soft2, c: soft3 }));
    expect(refused.cases).toHaveLength(0);
    expect(refused.issues.map((i) => i.file)).toEqual(['masks/a.png', 'masks/b.png', 'masks/c.png']);
    const rescued = await loadDataset(set({ a: soft, b: soft2, c: soft3 }), { mapping: { kind: 'threshold', threshold: 128 } });
    expect(labelsOf(rescued)).toEqual({ a: [0, 0, 1, 1], b: [0, 0, 1, 1], c: [0, 0, 1, 1] });
    const many = buildPng({ width: 8, height: 8, depth: 8, colorType: 0, samples: Array.from({ length: 64 }, (_, i) => i * 4) });
    const bigImg = buildPng({ width: 8, height: 8, depth: 8, colorType: 0, samples: new Array(64).fill(9) });
    const files = inputs([
      { path: 'images/x.png', bytes: bigImg },
      { path: 'masks/x.png', bytes: many },
    ]);
    const before = await loadDataset(files);
    expect(before.cases).toHaveLength(0);
    expect(before.issues[0]?.message).toMatch(/not a label mask: 64 distinct values/);
    expect(before.labelValues).toHaveLength(64);
    const after = await loadDataset(files, { mapping: { kind: 'threshold', threshold: 128 } });
    expect(after.issues).toEqual([]);
    expect(Array.from(after.cases[0]?.labels ?? []).reduce((s, v) => s + v, 0)).toBe(32);
  });
});

describe('data safety: one file never costs more than its own case, and nothing is dropped unnamed', () => {
  const nii = (values: ArrayLike<number>, datatype: number, dims = [values.length, 1, 1]) => encodeNifti({ dims, datatype, values, gzip: true });
  /** n cases in images/ and masks/: a ramp image and a 0/1 mask with every 4th voxel set. */
  const plain = (n: number, size = 64): FixtureFile[] =>
    Array.from({ length: n }, (_, k) => [
      { path: `images/c${k}.nii.gz`, bytes: nii(Float32Array.from({ length: size }, (_, i) => i + k), 16) },
      { path: `masks/c${k}.nii.gz`, bytes: nii(Uint8Array.from({ length: size }, (_, i) => (i % 4 === 0 ? 1 : 0)), 2) },
    ]).flat();

  it('a mask with more distinct values than any label mask (a float soft mask) is refused by name; the others load', async () => {
    // 70,000 distinct float values: counting stops at 65,536 instead of filling a Map (or a spread).
    const soft = Float32Array.from({ length: 70_000 }, (_, i) => i / 70_000);
    const files = [...plain(3), { path: 'images/soft.nii.gz', bytes: nii(new Float32Array(70_000), 16, [280, 250, 1]) }, { path: 'masks/soft.nii.gz', bytes: nii(soft, 16, [280, 250, 1]) }];
    const loaded = await loadDataset(inputs(files));
    expect(loaded.cases.map((c) => c.id)).toEqual(['c0', 'c1', 'c2']);
    expect(loaded.issues).toEqual([
      { file: 'masks/soft.nii.gz', severity: 'error', message: expect.stringMatching(/^not a label mask: more than 65,536 distinct values .* choose a threshold in the label mapping\)$/) },
    ]);
    // With the user's threshold the same mask loads: values ≥ 0.5 are class 1.
    const mapped = await loadDataset(inputs(files), { mapping: { kind: 'threshold', threshold: 0.5 } });
    const c = mapped.cases.find((x) => x.id === 'soft');
    expect(c?.labels.reduce((a, b) => a + b, 0)).toBe(35_000);
    expect(mapped.notes).toContainEqual({ file: 'masks/soft.nii.gz', note: 'more than 65536 distinct values: not listed in the table of label values' });
  });

  it('NaN and infinite image voxels are set to 0 with a warning that counts them; a mask holding them is refused', async () => {
    const img = Float32Array.from({ length: 64 }, (_, i) => (i === 3 ? Number.NaN : i === 9 ? Infinity : i));
    const badMask = Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? Number.NaN : 0));
    const files = [...plain(1), { path: 'images/n.nii.gz', bytes: nii(img, 16) }, { path: 'masks/n.nii.gz', bytes: nii(Uint8Array.from({ length: 64 }, (_, i) => i % 2), 2) }];
    files.push({ path: 'images/m.nii.gz', bytes: nii(new Float32Array(64), 16) }, { path: 'masks/m.nii.gz', bytes: nii(badMask, 16) });
    const loaded = await loadDataset(inputs(files));
    const n = loaded.cases.find((c) => c.id === 'n');
    expect(n?.image.data[3]).toBe(0);
    expect(n?.image.data[9]).toBe(0);
    expect(n?.image.data[10]).toBe(10);
    expect(loaded.issues).toContainEqual({ file: 'images/n.nii.gz', severity: 'warning', message: '1 NaN and 1 infinite value(s) (3.1 % of the voxels) are set to 0 for training and display' });
    expect(loaded.issues).toContainEqual({ file: 'masks/m.nii.gz', severity: 'error', message: 'not a label mask: it holds 1 NaN and 0 infinite values' });
    expect(loaded.cases.map((c) => c.id).sort()).toEqual(['c0', 'n']);
  });

  it('the dataset memory budget: cases past it are listed as not loaded, each by name', async () => {
    // Each case: 64 float32 voxels (256 bytes) + 64 label bytes = 320 bytes.
    const loaded = await loadDataset(inputs(plain(5)), { maxDatasetBytes: 3 * 320 + 100 });
    expect(loaded.cases.map((c) => c.id)).toEqual(['c0', 'c1', 'c2']);
    expect(loaded.issues.map((i) => i.file)).toEqual(['images/c3.nii.gz', 'images/c4.nii.gz']);
    expect(loaded.issues[0]?.message).toMatch(/^not loaded: with this case \(320 bytes\) the dataset would hold more than the 1\.0 KiB/);
    expect(loaded.issues[1]?.message).toMatch(/^not loaded: the 1\.0 KiB the dataset may hold in memory are used by the cases up to c2/);
  });

  it('every pair is either a case or an issue, whatever goes wrong (bombs, truncation, junk) and the progress reaches the end', async () => {
    const bomb = new Uint8Array(352 + 1024);
    bomb.set(encodeNifti({ dims: [1, 1, 1], datatype: 2, values: [0] }).subarray(0, 352));
    // 32000 × 32000 × 2 uint8 voxels: 1.9 GiB announced by a file of a few hundred bytes.
    new DataView(bomb.buffer).setInt16(42, 32000, true);
    new DataView(bomb.buffer).setInt16(44, 32000, true);
    new DataView(bomb.buffer).setInt16(46, 2, true);
    const files = [
      ...plain(2),
      { path: 'images/bomb.nii.gz', bytes: gzipSync(bomb) },
      { path: 'masks/bomb.nii.gz', bytes: nii(new Uint8Array(64), 2) },
      { path: 'images/cut.nii.gz', bytes: nii(new Float32Array(64), 16).slice(0, 40) },
      { path: 'masks/cut.nii.gz', bytes: nii(new Uint8Array(64), 2) },
      { path: 'images/junk.nii', bytes: new TextEncoder().encode('x'.repeat(400)) },
      { path: 'masks/junk.nii', bytes: nii(new Uint8Array(64), 2) },
    ];
    const seen: number[] = [];
    const loaded = await loadDataset(inputs(files), { onProgress: (done) => seen.push(done) });
    const accounted = new Set([...loaded.cases.map((c) => c.id), ...loaded.issues.map((i) => i.file.replace(/^images\/|\.nii(\.gz)?$/g, ''))]);
    expect([...accounted].sort()).toEqual(['bomb', 'c0', 'c1', 'cut', 'junk']);
    const byFile = Object.fromEntries(loaded.issues.map((i) => [i.file, i.message]));
    expect(byFile['images/bomb.nii.gz']).toMatch(/the header describes a 32000 × 32000 × 2 volume of uint8 voxels \(1\.9 GiB\), more than the 1\.0 GiB/);
    expect(byFile['images/cut.nii.gz']).toMatch(/not a valid gzip stream/);
    expect(byFile['images/junk.nii']).toBe('bad NIfTI header: sizeof_hdr is 2021161080 (expected 348 or 540 in either byte order) and no NIfTI magic: a damaged header, or not a NIfTI file');
    expect(seen.at(-1)).toBe(5);
  });

  it('the same path twice (in two archives) is used once, and the repeat is named', async () => {
    const files = plain(2);
    const zipA = zipSync(Object.fromEntries(files.map((f) => [f.path, f.bytes])));
    const zipB = zipSync({ [files[0]!.path]: files[0]!.bytes });
    const loaded = await loadDataset([
      { path: 'a.zip', read: async () => zipA },
      { path: 'b.zip', read: async () => zipB },
    ]);
    expect(loaded.cases.map((c) => c.id)).toEqual(['c0', 'c1']);
    expect(loaded.issues).toEqual([{ file: 'images/c0.nii.gz', severity: 'warning', message: 'given more than once (e.g. in two archives): the first copy is used' }]);
  });
});
