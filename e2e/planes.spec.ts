/**
 * A volume in three planes: three Task04 hippocampus volumes dropped onto the page, the viewer's
 * axial, sagittal and coronal viewports, a click in the axial plane moving the other two, the
 * ground truth's outline read back from the sagittal and coronal overlay canvases pixel for pixel
 * against the labels cut in Node, and a tiny run's prediction cut from its predicted volume
 * agreeing voxel for voxel with the axial slice's; side by side switched to the sagittal plane.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { readVolume } from '../src/core/io/read';
import { DEFAULT_OVERLAY_SETTINGS, overlayRgba } from '../src/core/viz/overlay';
import { planeGeometry, planeLabels, type Plane } from '../src/core/viz/planes';
import { SHARED_DATA, configureTinyRun, dropFiles, folderFiles, hasSharedData } from './helpers';

const TASK = `${SHARED_DATA}/Task04_Hippocampus`;
const IDS = ['hippocampus_001', 'hippocampus_003', 'hippocampus_004'];

/** Overlay canvas colours (RGBA) over the centres of image pixels (col, row) of a viewport, read in one go. */
async function overlayPixels(viewport: Locator, pixels: readonly (readonly [number, number])[]): Promise<number[][]> {
  return viewport.evaluate((el, px) => {
    const t = (el.getAttribute('data-transform') ?? '').split(',').map(Number);
    const canvas = el.querySelector('canvas[data-testid="overlay-canvas"]') as HTMLCanvasElement;
    const img = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    return px.map(([x, y]) => {
      const cx = Math.floor(t[0]! * (x + 0.5) + t[2]! * (y + 0.5) + t[4]!);
      const cy = Math.floor(t[1]! * (x + 0.5) + t[3]! * (y + 0.5) + t[5]!);
      const o = 4 * (cx + canvas.width * cy);
      return [img[o]!, img[o + 1]!, img[o + 2]!, img[o + 3]!];
    });
  }, pixels);
}

/** Clicks the centre of image pixel (col, row) of a viewport. */
async function clickPixel(page: Page, viewport: Locator, col: number, row: number): Promise<void> {
  const at = await viewport.evaluate(
    (el, [x, y]) => {
      const t = (el.getAttribute('data-transform') ?? '').split(',').map(Number);
      const canvas = el.querySelector('canvas[data-testid="overlay-canvas"]') as HTMLCanvasElement;
      const r = canvas.getBoundingClientRect();
      const cx = t[0]! * (x! + 0.5) + t[2]! * (y! + 0.5) + t[4]!;
      const cy = t[1]! * (x! + 0.5) + t[3]! * (y! + 0.5) + t[5]!;
      return { x: r.left + (cx * r.width) / canvas.width, y: r.top + (cy * r.height) / canvas.height };
    },
    [col, row],
  );
  await page.mouse.click(at.x, at.y);
}

test.describe('three planes of a volume', () => {
  test.skip(!hasSharedData, 'no ../shared/data beside the checkout');

  test('axial, sagittal and coronal share a cursor, show the truth outline, and cut a run’s prediction from its volume', async ({ page }) => {
    test.setTimeout(150_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/#/data');
    await dropFiles(page, page.getByTestId('dropzone'), folderFiles(TASK, (p) => p.endsWith('dataset.json') || IDS.some((id) => p.includes(`${id}.nii.gz`))));
    await expect(page.getByTestId('summary-cases')).toHaveText('3', { timeout: 60_000 });

    // The same labels, read and made canonical in Node; the axial slice with the most foreground.
    const id = IDS[0]!;
    const truthVol = readVolume(new Uint8Array(readFileSync(`${TASK}/labelsTr/${id}.nii.gz`)), `${id}.nii.gz`);
    const dims = truthVol.dims;
    const [nx, ny, nz] = dims;
    const labels = Uint8Array.from(truthVol.data, (v) => (v ? 1 : 0));
    const counts = Array.from({ length: nz }, (_, k) => planeLabels(labels, dims, 'axial', k).reduce((a, b) => a + b, 0));
    const z = counts.indexOf(Math.max(...counts));
    const axialTruth = planeLabels(labels, dims, 'axial', z);
    // A foreground voxel of that slice, inside the region (all four neighbours foreground).
    let pick = -1;
    for (let i = 0; i < nx * ny && pick < 0; i++) {
      if (axialTruth[i] && axialTruth[i - 1] && axialTruth[i + 1] && axialTruth[i - nx] && axialTruth[i + nx]) pick = i;
    }
    expect(pick).toBeGreaterThanOrEqual(0);
    const x = pick % nx;
    const y = Math.floor(pick / nx);

    await page.getByRole('link', { name: 'Viewer' }).click();
    await page.getByRole('combobox', { name: 'Case' }).selectOption(id);
    const vp = (p: Plane) => page.locator(`[data-testid="slice-viewport"][data-plane="${p}"]`);
    await page.getByRole('slider', { name: /^Slice/ }).fill(String(z));
    for (const p of ['axial', 'sagittal', 'coronal'] as const) {
      await expect.poll(async () => Number(await vp(p).getAttribute('data-image-renders'))).toBeGreaterThan(0);
      await expect(vp(p)).toHaveAttribute('data-transform', /,/);
    }
    await expect(vp('axial')).toHaveAttribute('data-slice', String(z));
    // The older locator still finds the axial plane alone.
    await expect(page.locator('.viewer-main [data-testid="slice-viewport"]')).toHaveCount(1);

    // A click in the axial plane moves the sagittal and coronal slices to the voxel; the crosshair follows in all three.
    await clickPixel(page, vp('axial'), x, y);
    await expect(vp('sagittal')).toHaveAttribute('data-slice', String(x));
    await expect(vp('coronal')).toHaveAttribute('data-slice', String(y));
    await expect(vp('axial')).toHaveAttribute('data-slice', String(z));
    await expect(vp('axial')).toHaveAttribute('data-crosshair', `${x},${y}`);
    await expect(vp('sagittal')).toHaveAttribute('data-crosshair', `${y},${z}`);
    await expect(vp('coronal')).toHaveAttribute('data-crosshair', `${x},${z}`);

    // Geometry: z upward (row 0 at the bottom), the aspect of the voxel spacing.
    for (const p of ['sagittal', 'coronal'] as const) {
      const t = (await vp(p).getAttribute('data-transform'))!.split(',').map(Number);
      const g = planeGeometry(p, dims, truthVol.spacing);
      expect(t[3]!).toBeLessThan(0);
      expect(Math.abs(t[3]!) / Math.abs(t[0]!)).toBeCloseTo(g.rowSpacing / g.columnSpacing, 3);
    }

    // The truth outline (amber) at full opacity, every pixel of both planes as computed here.
    const opacity = page.getByRole('slider', { name: 'Overlay opacity' });
    await opacity.focus();
    await page.keyboard.press('End');
    const settings = { ...DEFAULT_OVERLAY_SETTINGS, opacity: 1 };
    for (const [p, index] of [['sagittal', x], ['coronal', y]] as const) {
      const g = planeGeometry(p, dims, truthVol.spacing);
      const expected = overlayRgba(planeLabels(labels, dims, p, index), null, g.width, g.height, settings);
      const all = Array.from({ length: g.width * g.height }, (_, i) => [i % g.width, Math.floor(i / g.width)] as const);
      const amber = all.filter((_, i) => expected[4 * i + 3] !== 0);
      expect(amber.length).toBeGreaterThan(5);
      expect(Array.from(expected.subarray(4 * (amber[0]![0] + g.width * amber[0]![1]), 4 * (amber[0]![0] + g.width * amber[0]![1]) + 4))).toEqual([255, 212, 0, 255]);
      await expect.poll(async () => (await overlayPixels(vp(p), all)).flat()).toEqual(Array.from(expected));
    }

    // Keys act on the focused plane: ↓ in the sagittal plane moves the cursor's x; C focuses the coronal plane.
    await vp('sagittal').focus();
    await page.keyboard.press('ArrowDown');
    await expect(vp('sagittal')).toHaveAttribute('data-slice', String(x + 1));
    await expect(vp('axial')).toHaveAttribute('data-crosshair', `${x + 1},${y}`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('c');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-plane'))).toBe('coronal');
    await page.screenshot({ path: 'e2e-artifacts/viewer-planes.png', fullPage: true });
    // The three planes fit 1280×720 without sideways scrolling.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });

    // A tiny run: its sagittal prediction is cut from the predicted volume and agrees with the axial slice voxel for voxel.
    await page.getByRole('link', { name: 'Train & compare' }).click();
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
    await configureTinyRun(page, ['Dice'], 1, 1);
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByRole('link', { name: 'Viewer' }).click();
    await expect(vp('axial')).toHaveAttribute('data-slice', String(z));
    await expect(vp('axial')).toHaveAttribute('data-transform', /,/);
    await clickPixel(page, vp('axial'), x, y);
    await expect(vp('sagittal')).toHaveAttribute('data-slice', String(x));
    await page.getByRole('checkbox', { name: 'Truth outline' }).uncheck();
    await page.getByRole('checkbox', { name: 'Prediction' }).check();
    await page.getByRole('checkbox', { name: 'True positives' }).check();
    await expect(page.getByTestId('viewer-caption')).toContainText('best weights', { timeout: 90_000 });
    await expect(page.getByTestId('plane-caption-sagittal')).toContainText('best weights', { timeout: 30_000 });
    // Voxels (x, j, z): column x of axial slice z and row z of sagittal slice x.
    const js = Array.from({ length: ny }, (_, j) => j);
    const axialColours = await overlayPixels(vp('axial'), js.map((j) => [x, j] as const));
    await expect.poll(async () => overlayPixels(vp('sagittal'), js.map((j) => [j, z] as const))).toEqual(axialColours);
    // Every voxel drawn is one of the confusion colours or nothing.
    const allowed = ['0,0,0,0', '0,255,255,255', '255,0,255,255', '0,255,0,255'];
    for (const c of axialColours) expect(allowed).toContain(c.join(','));
    await page.screenshot({ path: 'e2e-artifacts/viewer-planes-prediction.png', fullPage: true });

    // Side by side in the sagittal plane: every tile on the cursor's x; S and the Plane select switch.
    await page.getByRole('link', { name: 'Side by side' }).click();
    const tiles = page.getByRole('list', { name: 'Predictions of every run' }).locator('[data-testid="slice-viewport"]');
    await expect(tiles).toHaveCount(2);
    await page.keyboard.press('s');
    for (let i = 0; i < 2; i++) {
      await expect(tiles.nth(i)).toHaveAttribute('data-plane', 'sagittal');
      await expect(tiles.nth(i)).toHaveAttribute('data-slice', String(x));
    }
    await expect(page.getByTestId('tile-dsc-dice')).toHaveText(/^DSC (\d\.\d{3}|—)$/, { timeout: 30_000 });
    await page.getByRole('combobox', { name: 'Plane' }).selectOption('coronal');
    for (let i = 0; i < 2; i++) await expect(tiles.nth(i)).toHaveAttribute('data-slice', String(y));
    await page.screenshot({ path: 'e2e-artifacts/side-by-side-coronal.png', fullPage: true });
    expect(errors).toEqual([]);
  });
});
