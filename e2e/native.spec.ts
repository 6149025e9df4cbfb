/**
 * Native resolution, 3D and the planner in the page: images larger than the model input train on
 * patches at their own size and the page says so (and says by how much resize-to-fit would shrink
 * them); a configuration over the memory budget is refused with the limit named; a few Task04
 * hippocampus volumes train a 3D U-Net for a step. Tiny sizes: SwiftShader WebGPU.
 */
import { expect, test, type Page } from '@playwright/test';
import { encode } from 'fast-png';
import { SHARED_DATA, dropFiles, folderFiles, hasSharedData, type FileSpec } from './helpers';

/** CVC-ClinicDB-layout PNGs of 160×128 with 1–2 px lines as the foreground. */
function thinLines(): FileSpec[] {
  const w = 160;
  const h = 128;
  const files: FileSpec[] = [];
  for (let n = 1; n <= 4; n++) {
    const image = new Uint8Array(w * h).fill(60);
    const mask = new Uint8Array(w * h);
    for (let x = 0; x < w; x++) {
      const y0 = Math.round(20 + 15 * n + 10 * Math.sin((x + 7 * n) / 13));
      for (let t = 0; t < 1 + (n % 2); t++) {
        const i = (y0 + t) * w + x;
        image[i] = 200;
        mask[i] = 255;
      }
    }
    files.push({ path: `CVC-ClinicDB/Original/${n}.png`, bytes: encode({ width: w, height: h, data: image, channels: 1, depth: 8 }) });
    files.push({ path: `CVC-ClinicDB/Ground Truth/${n}.png`, bytes: encode({ width: w, height: h, data: mask, channels: 1, depth: 8 }) });
  }
  return files;
}

async function toTrain(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Train & compare' }).click();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
}

async function tinyModel(page: Page, loss: string): Promise<void> {
  await page.getByRole('button', { name: 'None' }).click();
  await page.getByRole('checkbox', { name: loss, exact: true }).check();
  await page.getByRole('spinbutton', { name: 'U-Net depth' }).fill('2');
  await page.getByRole('spinbutton', { name: 'base filters' }).fill('4');
  await page.getByRole('spinbutton', { name: 'max epochs' }).fill('1');
  await page.getByRole('spinbutton', { name: 'steps per epoch (0: one pass)' }).fill('2');
}

test('large 2D images train at native resolution on patches, the page says so, and a plan over the budget is refused', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/data');
  await dropFiles(page, page.getByTestId('dropzone'), thinLines());
  await expect(page.getByTestId('summary-cases')).toHaveText('4', { timeout: 60_000 });
  await toTrain(page);
  await tinyModel(page, 'Dice');
  await page.getByRole('combobox', { name: 'input size' }).selectOption('32');

  // Native (the default): 32×32 patches, 9 × 7 windows of 32 at 50 % overlap over 160×128.
  const note = page.getByTestId('resolution-note');
  await expect(note).toContainText('Native resolution: 4 cases larger than the 32×32 input, trained on 32×32 patches and scored by sliding windows (up to 63 per image, 160×128); nothing is resized.');
  // The quick look says what it does: s = min(32/160, 32/128) = 0.2, 160×128 → 32×26, 5× smaller.
  await page.getByRole('combobox', { name: 'resolution' }).selectOption('fit');
  await expect(note).toContainText('160×128 → 32×26 (4 cases), 5.0× smaller: structures thinner than 5.0 px may vanish');
  await page.getByRole('combobox', { name: 'resolution' }).selectOption('native');

  // The planner: 2D, the whole 160×128 image fits (160×128, depth 4).
  const plan = page.getByTestId('plan');
  await expect(plan.getByTestId('plan-reasons')).toContainText('2D: the images are 2D, so a 2D U-Net at their native resolution.');
  await expect(plan.getByTestId('plan-reasons')).toContainText('Patch 160×128: the whole median image (160×128) fits');

  // Over the budget: 512×512 with 64 filters in a 64 MiB budget is named, and Start refuses it.
  await page.getByRole('spinbutton', { name: 'input width' }).fill('512');
  await page.getByRole('spinbutton', { name: 'input height' }).fill('512');
  await page.getByRole('spinbutton', { name: 'base filters' }).fill('64');
  await page.getByRole('spinbutton', { name: 'memory budget (MiB)' }).fill('64');
  await expect(plan.getByTestId('plan-estimate')).toContainText('Start refuses it: a 512×512 patch at batch 2 (depth 2, 64 base filters) needs about');
  await expect(plan.getByTestId('plan-estimate')).toContainText('more than the memory budget (64 MiB)');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('alert')).toContainText('Not started: a 512×512 patch at batch 2');
  await expect(page.getByTestId('training-progress')).toHaveCount(0);
  await page.getByRole('button', { name: 'dismiss' }).click();

  // Back to the tiny model: it trains on patches and is scored on whole images.
  await page.getByRole('combobox', { name: 'input size' }).selectOption('32');
  await page.getByRole('spinbutton', { name: 'base filters' }).fill('4');
  await page.getByRole('spinbutton', { name: 'memory budget (MiB)' }).fill('2048');
  // The three-step probe: the time of a step, an epoch and the experiment on this backend.
  await page.getByRole('button', { name: 'Measure a step' }).click();
  await expect(page.getByTestId('plan-probe')).toContainText(/On webgpu, a step takes [\d.]+ ms: an epoch of 2 steps about \d+ s, the experiment \(1 run × up to 1 epochs\)/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('training-progress')).toContainText('experiment finished', { timeout: 180_000 });
  expect(errors).toEqual([]);
});

test.describe('real data from ../shared/data', () => {
  test.skip(!hasSharedData, '../shared/data is not there');

  test('Task04 hippocampus volumes train a 3D U-Net on 3D patches, as the planner proposes', async ({ page }) => {
    // A 3-D step, validation and test by 3-D sliding windows on SwiftShader: minutes, not seconds.
    test.setTimeout(480_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/#/data');
    const ids = ['hippocampus_001', 'hippocampus_003', 'hippocampus_004', 'hippocampus_006'];
    await dropFiles(page, page.getByTestId('dropzone'), folderFiles(`${SHARED_DATA}/Task04_Hippocampus`, (p) => p.endsWith('dataset.json') || ids.some((id) => p.includes(`${id}.nii.gz`))));
    await expect(page.getByTestId('summary-cases')).toHaveText('4', { timeout: 60_000 });
    await toTrain(page);
    const reasons = page.getByTestId('plan-reasons');
    await expect(reasons).toContainText('so a 3D U-Net on 3D patches');
    await expect(reasons).toContainText('Target spacing 1 × 1 × 1 mm');
    await page.getByRole('button', { name: 'Use this plan' }).click();
    await expect(page.getByRole('combobox', { name: 'model' })).toHaveValue('3');
    await expect(page.getByRole('combobox', { name: 'resolution' })).toBeDisabled();
    // What the target spacing does to the volumes: at 1 mm already (the plan's median), then 2 mm in z.
    const note = page.getByTestId('resolution-note');
    await expect(note).toContainText('3D: every volume is already at 1 × 1 × 1 mm; nothing is resampled.');
    await page.getByRole('textbox', { name: /spacing/ }).fill('1, 1, 2');
    await expect(note).toContainText('3D: 4 of 4 volumes are resampled to 1 × 1 × 2 mm (images trilinear, labels nearest)');
    await expect(note).toContainText('z 2.00× coarser');
    await page.getByRole('textbox', { name: /spacing/ }).fill('');
    await expect(note).toContainText('3D: every volume trains at its own spacing; nothing is resampled.');
    // Smaller than the plan, for SwiftShader: 32×32×16 patches, depth 2, 4 filters.
    await tinyModel(page, 'Dice');
    await page.getByRole('spinbutton', { name: 'input width' }).fill('32');
    await page.getByRole('spinbutton', { name: 'input height' }).fill('32');
    await page.getByRole('spinbutton', { name: 'patch slices' }).fill('16');
    await page.getByRole('spinbutton', { name: 'steps per epoch (0: one pass)' }).fill('1');
    await expect(page.getByTestId('plan-estimate')).not.toContainText('Start refuses it');
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect(page.getByTestId('training-progress')).toContainText('experiment finished', { timeout: 420_000 });
    await expect(page.getByRole('heading', { level: 2, name: /DSC on Medical Segmentation Decathlon \(3D\)/ })).toBeVisible();
    expect(errors).toEqual([]);
  });
});
