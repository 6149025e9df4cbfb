/**
 * The studio's views end to end in Chromium with WebGPU: overlay colours read back from the
 * canvas, the loss sliders feeding the next run, a real dataset trained and compared side by
 * side with its results table, a NIfTI volume scrolled by keyboard, and a screenshot of each
 * view (e2e-artifacts/).
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { decodeImage } from '../src/core/io/image2d';
import { encodeMaskPng } from '../src/core/io/maskPng';
import { SHARED_DATA, configureTinyRun, dropFiles, folderFiles, hasSharedData, sharePageAcrossTests, type FileSpec } from './helpers';

const W = 64;
const H = 48;
/** A grey picture, and a rectangle mask [x0, x1) × [y0, y1) as 0/255. */
function picture(seed: number): Uint8Array {
  const px = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px[y * W + x] = (x * 3 + y * 2 + seed * 17) % 200;
  return encodeMaskPng(px, W, H);
}
function rect(x0: number, x1: number, y0: number, y1: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return m;
}
const png = (m: Uint8Array) => encodeMaskPng(m, W, H, { scaleBinary: true });

/** The colour (RGBA) of the overlay canvas over image pixel (x, y) of a viewport. */
async function overlayAt(viewport: Locator, x: number, y: number): Promise<number[]> {
  return viewport.evaluate(
    (el, [px, py]) => {
      const t = (el.getAttribute('data-transform') ?? '').split(',').map(Number);
      const canvas = el.querySelector('canvas[data-testid="overlay-canvas"]') as HTMLCanvasElement;
      const cx = t[0]! * (px! + 0.5) + t[2]! * (py! + 0.5) + t[4]!;
      const cy = t[1]! * (px! + 0.5) + t[3]! * (py! + 0.5) + t[5]!;
      return Array.from(canvas.getContext('2d')!.getImageData(Math.floor(cx), Math.floor(cy), 1, 1).data);
    },
    [x, y],
  );
}

async function waitForBackend(page: Page) {
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
}

test('overlays: false positives magenta, false negatives green, read from the canvas; toggles never redraw the image', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/data');
  // Truth: x 10–29, y 10–29. The prediction file: x 20–39, same rows → FN x 10–19, TP 20–29, FP 30–39.
  const files: FileSpec[] = [0, 1, 2, 3, 4].flatMap((i) => [
    { path: `boxes/images/case${i}.png`, bytes: picture(i) },
    { path: `boxes/masks/case${i}.png`, bytes: png(rect(10, 30, 10, 30)) },
  ]);
  await dropFiles(page, page.getByTestId('dropzone'), files);
  await expect(page.getByTestId('summary-cases')).toHaveText('5', { timeout: 60_000 });
  await page.getByRole('link', { name: 'Viewer' }).click();
  await page.getByRole('combobox', { name: 'Case' }).selectOption('case2');
  await page.locator('.mask-loader input[type=file]').setInputFiles({ name: 'case2_pred.png', mimeType: 'image/png', buffer: Buffer.from(png(rect(20, 40, 10, 30))) });
  await expect(page.getByTestId('viewer-caption')).toContainText('case2_pred.png');
  await expect(page.getByTestId('viewer-caption')).toContainText('slice DSC 0.500');
  const opacity = page.getByRole('slider', { name: 'Overlay opacity' });
  await opacity.focus();
  await page.keyboard.press('End');
  const viewport = page.locator('.viewer-main [data-testid="slice-viewport"]');
  await expect(viewport).toHaveAttribute('data-transform', /,/);
  const magenta = [255, 0, 255, 255];
  const green = [0, 255, 0, 255];
  await expect.poll(() => overlayAt(viewport, 35, 20)).toEqual(magenta);
  for (const [x, y] of [[30, 11], [39, 28], [34, 15]] as const) expect(await overlayAt(viewport, x, y)).toEqual(magenta);
  for (const [x, y] of [[12, 20], [19, 25], [15, 15]] as const) expect(await overlayAt(viewport, x, y)).toEqual(green);
  // Neither magenta nor green: true positives, background, the truth outline.
  for (const [x, y] of [[25, 20], [50, 40], [5, 5], [45, 20], [25, 10]] as const) {
    const c = await overlayAt(viewport, x, y);
    expect(c.slice(0, 3)).not.toEqual([255, 0, 255]);
    expect(c.slice(0, 3)).not.toEqual([0, 255, 0]);
  }
  expect(await overlayAt(viewport, 50, 40)).toEqual([0, 0, 0, 0]);
  // Turning the false positives off redraws the overlay only.
  const renders = await viewport.getAttribute('data-image-renders');
  const draws = Number(await viewport.getAttribute('data-overlay-draws'));
  await page.getByRole('checkbox', { name: /false positives/i }).uncheck();
  await expect.poll(async () => Number(await viewport.getAttribute('data-overlay-draws'))).toBeGreaterThan(draws);
  expect((await overlayAt(viewport, 35, 20)).slice(0, 3)).not.toEqual([255, 0, 255]);
  expect(await overlayAt(viewport, 12, 20)).toEqual(green);
  await opacity.focus();
  await page.keyboard.press('Home');
  await expect.poll(() => overlayAt(viewport, 12, 20)).toEqual([0, 0, 0, 0]);
  expect(await viewport.getAttribute('data-image-renders')).toBe(renders);
  await page.keyboard.press('End');
  await page.getByRole('checkbox', { name: /false positives/i }).check();
  await page.screenshot({ path: 'e2e-artifacts/viewer-overlay.png', fullPage: true });

  // A mask file of another size is refused with its name; the loaded one stays.
  await page.locator('.mask-loader input[type=file]').setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: Buffer.from(encodeMaskPng(new Uint8Array(16), 4, 4)) });
  await expect(page.getByRole('alert')).toContainText('small.png: the mask is 4 × 4 × 1 but case case2 is 64 × 48 × 1');
  await expect(page.getByTestId('viewer-caption')).toContainText('case2_pred.png');
  expect(errors).toEqual([]);
});

test('moving γ changes the explorer curve and the configuration of the next run', async ({ page }) => {
  await page.goto('/#/losses');
  const curve = () =>
    page.evaluate(() => {
      const gd = document.querySelector('.js-plotly-plot') as unknown as { data?: { name: string; y: number[] }[] } | null;
      const t = gd?.data?.find((d) => /asymmetric unified/i.test(d.name));
      return t ? t.y.slice(0, 50).join(',') : '';
    });
  await expect.poll(curve).not.toBe('');
  const before = await curve();
  const gamma = page.getByRole('slider', { name: 'γ (gamma)' });
  await gamma.focus();
  await page.keyboard.press('ArrowRight');
  await expect(gamma).toHaveValue('0.55');
  await expect.poll(curve).not.toBe(before);
  await page.screenshot({ path: 'e2e-artifacts/losses.png', fullPage: true });
  await page.getByRole('link', { name: 'Train & compare' }).click();
  const picker = page.locator('.run-picker li', { hasText: 'Asymmetric unified focal' });
  await expect(picker).toContainText('γ 0.55');
  await waitForBackend(page);
  await configureTinyRun(page, ['Asymmetric unified focal'], 1, 1);
  await page.getByRole('button', { name: 'Start training' }).click();
  // The run trains with the slider's γ (the worker's own record of the run).
  await expect(page.getByRole('table', { name: 'Runs' }).locator('tr[data-run="asymmetricUnifiedFocal"]')).toContainText('γ 0.55', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('a configuration link opens the studio with its losses, parameters and protocol; a wrong value is named', async ({ page }) => {
  await page.goto('/#/train?losses=dice,asymmetricUnifiedFocal&epochs=3&depth=9&p.asymmetricUnifiedFocal=gamma:0.3');
  await expect(page.getByRole('alert').filter({ hasText: 'configuration link' })).toContainText('depth=9');
  await expect(page.getByRole('checkbox', { name: 'Dice', exact: true })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Cross entropy', exact: true })).not.toBeChecked();
  await expect(page.getByRole('spinbutton', { name: 'max epochs' })).toHaveValue('3');
  await expect(page.getByRole('spinbutton', { name: 'U-Net depth' })).toHaveValue('3');
  await expect(page.locator('.run-picker li', { hasText: 'Asymmetric unified focal' })).toContainText('γ 0.3');
  expect(new URL(page.url()).hash).toBe('#/train');
  await page.getByRole('spinbutton', { name: 'max epochs' }).fill('4');
  await page.getByRole('button', { name: 'Copy a link to this configuration' }).click();
  const link = await page.getByRole('textbox', { name: 'Configuration link' }).inputValue();
  expect(link).toContain('#/train?');
  expect(link).toContain('losses=dice,asymmetricUnifiedFocal');
  expect(link).toContain('epochs=4');
  expect(link).toContain('p.asymmetricUnifiedFocal=gamma:0.3');
  // The link reproduces the configuration in a fresh page.
  await page.goto(link.replace(/^https?:\/\/[^/]+/, ''));
  await expect(page.getByRole('spinbutton', { name: 'max epochs' })).toHaveValue('4');
  await expect(page.getByRole('checkbox', { name: 'Dice', exact: true })).toBeChecked();
});

test.describe('real data from ../shared/data', () => {
  test.skip(!hasSharedData, 'no ../shared/data beside the checkout');

  // One Kvasir-SEG session, trained once and shared: each test checks one feature of it, in order.
  test.describe('Kvasir-SEG dropped onto the page, two losses trained', () => {
    test.describe.configure({ mode: 'serial' });
    const RUNS = ['crossEntropy', 'asymmetricUnifiedFocal'];
    let page: Page;
    sharePageAcrossTests((p) => {
      page = p;
    });

    test('the folder loads as 5 image and mask pairs', async () => {
      await page.goto('/#/data');
      await dropFiles(page, page.getByTestId('dropzone'), folderFiles(`${SHARED_DATA}/kvasir_seg_sample`));
      await expect(page.getByTestId('summary-cases')).toHaveText('5', { timeout: 60_000 });
      await page.screenshot({ path: 'e2e-artifacts/view-data.png', fullPage: true });
    });

    test('two losses start training on WebGPU and report their steps', async () => {
      test.setTimeout(180_000);
      await page.getByRole('link', { name: 'Train & compare' }).click();
      await waitForBackend(page);
      await configureTinyRun(page, ['Cross entropy', 'Asymmetric unified focal'], 2, 2);
      await page.getByRole('button', { name: 'Start training' }).click();
      await expect(page.getByTestId('training-progress')).toContainText(/epoch \d+, step \d+ of 2/, { timeout: 120_000 });
      await page.screenshot({ path: 'e2e-artifacts/view-train.png', fullPage: true });
    });

    test('side by side: the ground truth and one tile per loss, each with its DSC', async () => {
      test.setTimeout(210_000);
      await page.getByRole('link', { name: 'Side by side' }).click();
      const grid = page.getByRole('list', { name: 'Predictions of every run' });
      await expect(grid.getByRole('listitem')).toHaveCount(3);
      // Every Kvasir image has foreground, so a drawn prediction always has a DSC (— would mean an empty truth).
      for (const run of RUNS) {
        await expect(page.getByTestId(`tile-dsc-${run}`)).toHaveText(/^DSC \d\.\d{3}$/, { timeout: 180_000 });
      }
    });

    test('side by side: zooming one tile zooms every tile', async () => {
      await page.getByRole('link', { name: 'Side by side' }).click();
      const tiles = page.getByRole('list', { name: 'Predictions of every run' }).locator('[data-testid="slice-viewport"]');
      await expect(tiles).toHaveCount(3);
      const t0 = await tiles.nth(1).getAttribute('data-transform');
      await tiles.nth(0).focus();
      await page.keyboard.press('+');
      await expect.poll(() => tiles.nth(1).getAttribute('data-transform')).not.toBe(t0);
      await page.keyboard.press('0');
      await page.screenshot({ path: 'e2e-artifacts/view-side-by-side.png', fullPage: true });
    });

    test('results: once both runs are tested, the table lists each with mean ± sd and marks the best', async () => {
      test.setTimeout(270_000);
      await page.getByRole('link', { name: 'Results' }).click();
      const table = page.getByRole('table', { name: 'Test results' });
      await expect(table.locator('tbody tr')).toHaveCount(2, { timeout: 240_000 });
      for (const run of RUNS) await expect(table.locator(`tr[data-run="${run}"]`)).toContainText(/\d\.\d{3}( ± \d\.\d{3}| \(n = 1\))/); // one test case has no sample sd
      await expect(table.locator('strong').first()).toBeVisible();
      await page.screenshot({ path: 'e2e-artifacts/view-results.png', fullPage: true });
    });

    test('results: the CSV export has its header and one row per run', async () => {
      await page.getByRole('link', { name: 'Results' }).click();
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Results table (CSV)' }).click()]);
      const csvText = readFileSync(await csv.path(), 'utf8');
      expect(csvText.split('\r\n').filter(Boolean)).toHaveLength(3);
      expect(csvText).toMatch(/^run_id,label,loss,class,n_cases,dsc_mean/);
    });

    test('results: a per-case cell opens the case in the viewer with that run’s prediction', async () => {
      await page.getByRole('link', { name: 'Results' }).click();
      await page.getByRole('table', { name: 'Per-case DSC' }).getByRole('button').first().click();
      await expect(page).toHaveURL(/#\/viewer$/);
      await expect(page.getByTestId('viewer-caption')).toContainText(/slice DSC/, { timeout: 60_000 });
      await page.screenshot({ path: 'e2e-artifacts/view-viewer.png', fullPage: true });
    });

    test('viewer: the predicted mask downloads at the size of the source image, not the model input', async () => {
      await page.getByRole('link', { name: 'Viewer', exact: true }).click();
      await page.getByRole('combobox', { name: /^Prediction/ }).selectOption(RUNS[0]!);
      const caseId = await page.getByRole('combobox', { name: 'Case' }).inputValue();
      const [mask] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download the prediction of ${caseId}` }).click()]);
      expect(mask.suggestedFilename()).toMatch(new RegExp(`^${caseId}_${RUNS[0]}\\.png$`));
      const pred = decodeImage(new Uint8Array(readFileSync(await mask.path())), 'pred.png');
      const source = decodeImage(new Uint8Array(readFileSync(`${SHARED_DATA}/kvasir_seg_sample/images/${caseId}.jpg`)), 'src.jpg');
      expect(pred.dims).toEqual(source.dims);
      expect(new Set(pred.data)).toEqual(new Set([0, 255]));
    });

    test('viewer: the run’s trained model (its best weights) downloads in tfjs format', async () => {
      await page.getByRole('link', { name: 'Viewer', exact: true }).click();
      await page.getByRole('combobox', { name: /^Prediction/ }).selectOption(RUNS[0]!);
      const [model] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download the model of / }).click()]);
      expect(model.suggestedFilename()).toMatch(/\.json$/);
      expect(JSON.parse(readFileSync(await model.path(), 'utf8'))).toHaveProperty('weightsManifest');
    });

    test('every view fits 1280×720 without sideways scrolling', async () => {
      await page.setViewportSize({ width: 1280, height: 720 });
      for (const [link, name] of [['Data', 'data'], ['Losses', 'losses'], ['Train & compare', 'train'], ['Viewer', 'viewer'], ['Side by side', 'compare'], ['Results', 'results']] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await expect(page).toHaveURL(new RegExp(`#/${name}$`));
        // The view's chunk has loaded and drawn (two animation frames after its placeholder went).
        await expect(page.locator('main .view-loading')).toHaveCount(0);
        await expect(page.locator('main > *').first()).toBeVisible();
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
        await page.screenshot({ path: `e2e-artifacts/720-${name}.png` });
      }
    });
  });

  test('a NIfTI volume scrolls through its slices by keyboard and wheel, trains, and is compared slice by slice', async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto('/#/data');
    const task = `${SHARED_DATA}/Task04_Hippocampus`;
    const ids = ['hippocampus_001', 'hippocampus_003', 'hippocampus_004'];
    const files = folderFiles(task, (p) => p.endsWith('dataset.json') || ids.some((id) => p.includes(`${id}.nii.gz`)));
    await dropFiles(page, page.getByTestId('dropzone'), files);
    await expect(page.getByTestId('summary-cases')).toHaveText('3', { timeout: 60_000 });
    await page.getByRole('link', { name: 'Viewer' }).click();
    await page.getByRole('combobox', { name: 'Case' }).selectOption('hippocampus_001');
    const viewport = page.locator('.viewer-main [data-testid="slice-viewport"]');
    const n = Number((await page.getByTestId('slice-number').textContent())?.split('/')[1]);
    expect(n).toBeGreaterThan(20);
    const start = Number(await viewport.getAttribute('data-slice'));
    const renders = Number(await viewport.getAttribute('data-image-renders'));
    await viewport.focus();
    await page.keyboard.press('ArrowDown');
    await expect(viewport).toHaveAttribute('data-slice', String(start + 1));
    await expect(page.getByTestId('slice-number')).toHaveText(`${start + 2} / ${n}`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect(viewport).toHaveAttribute('data-slice', String(start - 1));
    await page.keyboard.press('Home');
    await expect(viewport).toHaveAttribute('data-slice', '0');
    await page.keyboard.press('PageDown');
    await expect(viewport).toHaveAttribute('data-slice', '10');
    await page.keyboard.press('End');
    await expect(viewport).toHaveAttribute('data-slice', String(n - 1));
    await viewport.hover();
    await page.mouse.wheel(0, -100);
    await expect(viewport).toHaveAttribute('data-slice', String(n - 2));
    expect(Number(await viewport.getAttribute('data-image-renders'))).toBeGreaterThan(renders);
    // The slice keys also work with no control focused.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Home');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowDown');
    await expect(viewport).toHaveAttribute('data-slice', '21');
    await page.screenshot({ path: 'e2e-artifacts/view-viewer-nifti.png', fullPage: true });

    // The volumes train, and the side-by-side grid shows the same slice of every run.
    await page.getByRole('link', { name: 'Train & compare' }).click();
    await waitForBackend(page);
    await configureTinyRun(page, ['Dice', 'Symmetric unified focal'], 1, 2);
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByRole('link', { name: 'Side by side' }).click();
    for (const run of ['dice', 'symmetricUnifiedFocal']) {
      await expect(page.getByTestId(`tile-dsc-${run}`)).toHaveText(/^DSC (\d\.\d{3}|—)$/, { timeout: 180_000 });
    }
    const tiles = page.getByRole('list', { name: 'Predictions of every run' }).locator('[data-testid="slice-viewport"]');
    await expect(tiles).toHaveCount(3);
    for (let i = 0; i < 3; i++) await expect(tiles.nth(i)).toHaveAttribute('data-slice', '21');
    await tiles.nth(2).focus();
    await page.keyboard.press('ArrowDown');
    for (let i = 0; i < 3; i++) await expect(tiles.nth(i)).toHaveAttribute('data-slice', '22');
    await page.screenshot({ path: 'e2e-artifacts/view-side-by-side-nifti.png', fullPage: true });
  });
});
