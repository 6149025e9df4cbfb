/**
 * Dropping real datasets onto the Data view: pairing, labels and the class-imbalance summary;
 * a bad file among good ones; the synthetic demo.
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { cvcFixture, driveFixture, msdFixture } from '../src/core/data/testing/layouts';
import { buildBombs } from './fuzz/bombs';
import { SHARED_DATA, dropFiles, folderFiles, hasSharedData, type FileSpec } from './helpers';

const percent = async (page: Page, k: number) => {
  const text = (await page.getByTestId(`foreground-${k}`).textContent()) ?? '';
  const m = /([\d.]+) % of voxels per case on average \(([\d.]+) % of all voxels\)/.exec(text);
  if (!m) throw new Error(`unexpected summary text: ${text}`);
  return { mean: Number(m[1]), pooled: Number(m[2]) };
};

test.beforeEach(async ({ page }) => {
  await page.goto('/#/data');
  await expect(page.getByTestId('dropzone')).toBeVisible();
});

test.describe('real data from ../shared/data', () => {
  test.skip(!hasSharedData, 'no ../shared/data beside the checkout');

  test('a Kvasir-SEG folder dropped onto the page: 5 pairs, JPEG masks binarised, ~21 % foreground', async ({ page }) => {
    const files = folderFiles(`${SHARED_DATA}/kvasir_seg_sample`);
    await dropFiles(page, page.getByTestId('dropzone'), files);
    await expect(page.getByTestId('summary-cases')).toHaveText('5', { timeout: 60_000 });
    await expect(page.getByRole('heading', { name: /Pairing: 5 pairs \(generic\)/ })).toBeVisible();
    const rows = page.getByRole('table', { name: 'Image and mask pairs' }).locator('tbody tr');
    await expect(rows).toHaveCount(5);
    await expect(rows.first()).toContainText('kvasir_seg_sample/images/cju0qkwl35piu0993l0dewei2.jpg');
    await expect(rows.first()).toContainText('kvasir_seg_sample/masks/cju0qkwl35piu0993l0dewei2.jpg');
    await expect(page.locator('section[aria-labelledby="labels-title"]')).toContainText(/JPEG-compressed mask with \d+ grey levels: binarised at ≥ 128/);
    // The data README: foreground 21 % on average (7–32 %).
    const fg = await percent(page, 1);
    expect(fg.mean).toBeGreaterThan(19);
    expect(fg.mean).toBeLessThan(23);
    await expect(page.getByTestId('split-counts')).toHaveText('training 3 · validation 1 · test 1');
    await page.screenshot({ path: 'e2e-artifacts/data-kvasir.png', fullPage: true });
  });

  test('a zip of a Decathlon folder with junk: pairs, ignores junk, keeps three classes, matches numpy', async ({ page }) => {
    const reference = JSON.parse(readFileSync(new URL('../src/core/io/__fixtures__/nifti_reference.json', import.meta.url), 'utf8')) as {
      cases: { case: string; label: { counts: Record<string, number> } }[];
    };
    const task = `${SHARED_DATA}/Task04_Hippocampus`;
    const entries: Record<string, Uint8Array> = {
      'Task04_Hippocampus/dataset.json': new Uint8Array(readFileSync(`${task}/dataset.json`)),
      '__MACOSX/Task04_Hippocampus/._dataset.json': new Uint8Array([0, 5, 22, 7]),
      'Task04_Hippocampus/.DS_Store': new Uint8Array([0, 0, 0, 1]),
    };
    for (const c of reference.cases) {
      for (const dir of ['imagesTr', 'labelsTr']) {
        entries[`Task04_Hippocampus/${dir}/${c.case}.nii.gz`] = new Uint8Array(readFileSync(`${task}/${dir}/${c.case}.nii.gz`));
      }
    }
    const zip: FileSpec = { path: 'Task04_Hippocampus.zip', bytes: zipSync(entries, { level: 0 }) };
    await dropFiles(page, page.getByTestId('dropzone'), [zip]);
    const n = reference.cases.length;
    await expect(page.getByTestId('summary-cases')).toHaveText(String(n), { timeout: 60_000 });
    await expect(page.getByRole('heading', { name: `Pairing: ${n} pairs (Medical Segmentation Decathlon)` })).toBeVisible();
    await expect(page.getByRole('heading', { name: /Labels: 2 foreground classes/ })).toBeVisible();
    await expect(page.getByText(/3 files ignored/)).toBeVisible();
    // Foreground per class, from the independent numpy reader (src/core/io/__fixtures__/nifti_reference.py).
    for (const k of [1, 2]) {
      const per = reference.cases.map((c) => {
        const total = Object.values(c.label.counts).reduce((s, v) => s + v, 0);
        return { fg: c.label.counts[String(k)] ?? 0, total };
      });
      const mean = per.reduce((s, p) => s + (100 * p.fg) / p.total, 0) / n;
      const pooled = (100 * per.reduce((s, p) => s + p.fg, 0)) / per.reduce((s, p) => s + p.total, 0);
      const shown = await percent(page, k);
      expect(shown.mean).toBeCloseTo(mean, 2);
      expect(shown.pooled).toBeCloseTo(pooled, 2);
    }
    await expect(page.getByRole('table', { name: 'Label values' }).locator('tbody tr')).toHaveCount(3);
    await expect(page.getByRole('spinbutton', { name: 'class for value 1' })).toHaveValue('1');
    await expect(page.getByRole('spinbutton', { name: 'class for value 2' })).toHaveValue('2');
    await page.screenshot({ path: 'e2e-artifacts/data-msd-zip.png', fullPage: true });
  });

  test('bad files among good ones: each named with its problem, the good cases still load', async ({ page }) => {
    const good = folderFiles(`${SHARED_DATA}/kvasir_seg_sample`);
    const text = new TextEncoder().encode('this is not an image\n');
    const otherMask = good.find((f) => f.path.endsWith('masks/cju0qkwl35piu0993l0dewei2.jpg'));
    const otherImage = good.find((f) => f.path.endsWith('images/cju0qoxqj9q6s0835b43399p4.jpg'));
    if (!otherMask || !otherImage) throw new Error('kvasir sample incomplete');
    const bad: FileSpec[] = [
      { path: 'kvasir_seg_sample/images/zz_renamed.jpg', bytes: text },
      { path: 'kvasir_seg_sample/masks/zz_renamed.jpg', bytes: otherMask.bytes },
      // The mask of one image paired with an image of another size.
      { path: 'kvasir_seg_sample/images/zz_wrong_size.jpg', bytes: otherImage.bytes },
      { path: 'kvasir_seg_sample/masks/zz_wrong_size.jpg', bytes: otherMask.bytes },
      { path: 'kvasir_seg_sample/images/zz_truncated.jpg', bytes: otherImage.bytes.slice(0, 2000) },
      { path: 'kvasir_seg_sample/masks/zz_truncated.jpg', bytes: otherMask.bytes },
    ];
    await dropFiles(page, page.getByTestId('dropzone'), [...good, ...bad]);
    await expect(page.getByTestId('summary-cases')).toHaveText('5', { timeout: 60_000 });
    const problems = page.getByRole('list', { name: 'Files that could not be used' });
    await expect(problems).toContainText('kvasir_seg_sample/images/zz_renamed.jpg');
    await expect(problems).toContainText(/zz_renamed\.jpg: not a PNG, JPEG, GIF, BMP or TIFF image: the name says \.jpg \(JPEG\), but the contents look like text/);
    await expect(problems).toContainText("kvasir_seg_sample/masks/zz_wrong_size.jpg: its size 622×529 differs from its image's 1348×1070 (kvasir_seg_sample/images/zz_wrong_size.jpg)");
    await expect(problems).toContainText('kvasir_seg_sample/images/zz_truncated.jpg: truncated JPEG: the file ends after 2000 bytes, inside the compressed picture data (no end-of-image marker)');
    await expect(problems.locator('li')).toHaveCount(3);
    await page.screenshot({ path: 'e2e-artifacts/data-bad-files.png', fullPage: true });
  });
});

test('the synthetic demo loads without any data', async ({ page }) => {
  await page.getByRole('button', { name: 'Load the synthetic demo' }).click();
  await expect(page.getByTestId('summary-cases')).toHaveText('24', { timeout: 30_000 });
  const fg = await percent(page, 1);
  expect(fg.mean).toBeCloseTo(5, 0);
  await expect(page.getByTestId('split-counts')).toHaveText('training 15 · validation 4 · test 5');
});

test('an empty drop says so', async ({ page }) => {
  await dropFiles(page, page.getByTestId('dropzone'), []);
  await expect(page.getByRole('list', { name: 'Files that could not be used' })).toContainText('no files');
});

test.describe('the field’s layouts, dropped as a folder and as a zip', () => {
  const layouts = [
    ['DRIVE', driveFixture, 'DRIVE'],
    ['CVC-ClinicDB', cvcFixture, 'CVC-ClinicDB'],
    ['Decathlon', msdFixture, 'Medical Segmentation Decathlon'],
  ] as const;
  for (const [name, make, layout] of layouts) {
    for (const asZip of [false, true]) {
      test(`${name} ${asZip ? 'zip' : 'folder'}`, async ({ page }) => {
        const f = make();
        const files: FileSpec[] = asZip ? [{ path: `${name}.zip`, bytes: zipSync(Object.fromEntries(f.files.map((x) => [x.path, x.bytes]))) }] : f.files;
        await dropFiles(page, page.getByTestId('dropzone'), files);
        const ids = Object.keys(f.expected);
        await expect(page.getByTestId('summary-cases')).toHaveText(String(ids.length), { timeout: 60_000 });
        await expect(page.getByRole('heading', { name: `Pairing: ${ids.length} pairs (${layout})` })).toBeVisible();
        const classes = f.expected[ids[0] ?? '']?.length ?? 0;
        for (let k = 1; k <= classes; k++) {
          const mean = ids.reduce((s, id) => s + (f.expected[id]?.[k - 1] ?? 0), 0) / ids.length;
          expect((await percent(page, k)).mean).toBeCloseTo(mean, 2);
        }
        if (name === 'DRIVE') {
          await expect(page.getByTestId('split-counts')).toHaveText('training 2 · validation 1 · test 2');
          await expect(page.getByRole('table', { name: 'Image and mask pairs' })).toContainText('DRIVE/training/mask/21_training_mask.gif');
        }
        if (name === 'Decathlon') await expect(page.getByText('Anterior').first()).toBeVisible();
        if (!asZip) await page.screenshot({ path: `e2e-artifacts/data-${name}.png`, fullPage: true });
      });
    }
  }
});

test('the user pairs a file by hand and maps label values to classes', async ({ page }) => {
  const f = msdFixture();
  // Rename one label so that it no longer matches its image.
  const files = f.files.map((x) => (x.path.endsWith('labelsTr/case_4.nii.gz') ? { ...x, path: 'Task99_Fixture/labelsTr/case_4_relabelled_v2.nii.gz' } : x));
  await dropFiles(page, page.getByTestId('dropzone'), files);
  await expect(page.getByTestId('summary-cases')).toHaveText('3', { timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Unpaired files' })).toContainText('Task99_Fixture/imagesTr/case_4.nii.gz');
  await page.getByRole('combobox', { name: 'image' }).selectOption('Task99_Fixture/imagesTr/case_4.nii.gz');
  await page.getByRole('combobox', { name: 'mask' }).selectOption('Task99_Fixture/labelsTr/case_4_relabelled_v2.nii.gz');
  await page.getByRole('button', { name: 'Pair by hand' }).click();
  await expect(page.getByTestId('summary-cases')).toHaveText('4', { timeout: 60_000 });
  await expect(page.getByRole('heading', { name: /Labels: 2 foreground classes/ })).toBeVisible();
  // Keep only label 2 (Posterior) as the foreground class.
  await page.getByRole('spinbutton', { name: 'class for value 1' }).fill('0');
  await page.getByRole('spinbutton', { name: 'class for value 2' }).fill('1');
  await page.getByRole('button', { name: 'Apply label mapping' }).click();
  await expect(page.getByRole('heading', { name: /Labels: 1 foreground class$/ })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('summary-cases')).toHaveText('4');
  const mean = Object.values(f.expected).reduce((s, v) => s + (v[1] ?? 0), 0) / 4;
  expect((await percent(page, 1)).mean).toBeCloseTo(mean, 2);
  // The pairing made by hand survived the remap.
  await expect(page.getByRole('table', { name: 'Image and mask pairs' })).toContainText('case_4_relabelled_v2.nii.gz');
});

test('bombs and hostile files among good cases: each named with its reason within seconds, the page stays responsive, the rest loads', async ({ page }) => {
  const f = msdFixture();
  const label = f.files.find((x) => x.path.endsWith('labelsTr/case_1.nii.gz'));
  if (!label) throw new Error('fixture without case_1');
  const mask = (name: string): FileSpec => ({ path: `Task99_Fixture/labelsTr/${name}`, bytes: label.bytes });
  const byLabel = new Map(buildBombs().map((b) => [b.label, b]));
  const bomb = (labelText: string) => {
    const b = byLabel.get(labelText);
    if (!b) throw new Error(`no bomb ${labelText}`);
    return b.build();
  };
  const bad: FileSpec[] = [
    // An honest header announcing 4 GiB, and a stream whose trailer understates 1 GiB of zeros.
    { path: 'Task99_Fixture/imagesTr/claims4g.nii.gz', bytes: bomb('bomb/nii.gz-header-4GiB-no-data') },
    mask('claims4g.nii.gz'),
    { path: 'Task99_Fixture/imagesTr/smallisize.nii.gz', bytes: bomb('bomb/gzip-isize-small-inflates-1GiB') },
    mask('smallisize.nii.gz'),
    // A 41-byte GIF that looped gifuct-js, and JPEG and PNG headers claiming 10000 × 10000.
    { path: 'Task99_Fixture/imagesTr/loop.gif', bytes: bomb('bomb/gif-lzw-self-referencing-code') },
    mask('loop.nii.gz'),
    { path: 'Task99_Fixture/imagesTr/huge.jpg', bytes: bomb('bomb/jpeg-claims-10000x10000') },
    mask('huge.nii.gz'),
    { path: 'Task99_Fixture/imagesTr/hugepng.png', bytes: bomb('bomb/png-10000x10000-rgba16-tiny-idat') },
    mask('hugepng.nii.gz'),
    // A zip whose entry declares 4 GiB, and one whose 64 entries share one 16 MiB member.
    { path: 'declares4g.zip', bytes: bomb('bomb/zip-entry-declares-4GiB') },
    { path: 'overlap64.zip', bytes: bomb('bomb/zip-64-entries-share-16MiB') },
  ];
  await dropFiles(page, page.getByTestId('dropzone'), [...f.files, ...bad]);
  // The page answers while the worker reads: a timer on the main thread keeps firing on time.
  const worstDelay = await page.evaluate(async () => {
    let worst = 0;
    let last = performance.now();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const now = performance.now();
      worst = Math.max(worst, now - last - 25);
      last = now;
    }
    return worst;
  });
  expect(worstDelay).toBeLessThan(250);
  await expect(page.getByTestId('summary-cases')).toHaveText(String(Object.keys(f.expected).length), { timeout: 60_000 });
  const problems = page.getByRole('list', { name: 'Files that could not be used' });
  await expect(problems).toContainText(/imagesTr\/claims4g\.nii\.gz: the header describes a 2048 × 2048 × 1024 volume of uint8 voxels \(4\.0 GiB\)/);
  await expect(problems).toContainText(/imagesTr\/smallisize\.nii\.gz: not a valid gzip stream: the gzip stream holds more than the 416 bytes/);
  await expect(problems).toContainText(/imagesTr\/loop\.gif: damaged GIF: the first frame's picture data is corrupt/);
  await expect(problems).toContainText(/imagesTr\/huge\.jpg: damaged JPEG: its \d+ bytes of compressed picture data cannot hold a 10000 × 10000 picture/);
  await expect(problems).toContainText(/imagesTr\/hugepng\.png: the PNG picture is 10000 × 10000 pixels of 4 × 16-bit samples/);
  await expect(problems).toContainText(/declares4g\.zip\/vol\.nii: declares 4\.0 GiB uncompressed from \d+ bytes of Deflate data, which expands at most \d+-fold: a crafted \(zip bomb\) or damaged archive/);
  await expect(problems).toContainText(/overlap64\.zip\/vol01\.nii: overlaps overlap64\.zip\/vol\d\d\.nii: a crafted \(zip bomb\) or damaged archive/);
  await page.screenshot({ path: 'e2e-artifacts/data-bombs.png', fullPage: true });
});

