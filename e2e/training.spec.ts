/**
 * Training in the browser, in the worker, on WebGPU: a two-loss experiment on the synthetic demo
 * runs a few steps, both losses report per-epoch metrics, the page answers while training, and
 * a reload mid-run (the worker held after the first epochs, so on any adapter) finds the finished
 * epochs in IndexedDB and resumes them to the end.
 */
import { expect, test, type Page } from '@playwright/test';
import { configureTinyRun, holdTrainingAfterEpochs, trainingWorker } from './helpers';

const EPOCHS = 6;
const RUNS = ['crossEntropy', 'asymmetricUnifiedFocal'];
const configureRun = (page: Page) => configureTinyRun(page, ['Cross entropy', 'Asymmetric unified focal'], EPOCHS, 2);

test('two losses train on WebGPU in a worker; the page stays usable; a reload keeps the epochs and the run resumes', async ({ page }) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/train');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
  await expect(page.getByTestId('backend-badge')).toContainText('WebGPU');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await configureRun(page);
  // The worker will stop before the step after both runs' first epoch, however fast the adapter:
  // the reload below then always comes mid-run.
  const hold = await holdTrainingAfterEpochs(await trainingWorker(page), RUNS);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();

  // While the worker trains, the page answers: switch views, move a slider, come back.
  const latency = await page.evaluate(
    () => new Promise<number>((resolve) => {
      const t = performance.now();
      setTimeout(() => resolve(performance.now() - t), 0);
    }),
  );
  expect(latency).toBeLessThan(250);
  await page.getByRole('link', { name: 'Losses' }).click();
  const gamma = page.getByRole('slider', { name: 'γ (gamma)' });
  await gamma.focus();
  await page.keyboard.press('ArrowRight');
  await expect(gamma).toHaveValue('0.55');
  await page.getByRole('link', { name: 'Train & compare' }).click();

  // Both runs report their first epoch.
  const runs = page.getByRole('table', { name: 'Runs' });
  for (const run of RUNS) {
    await expect(runs.locator(`tr[data-run="${run}"] td[data-col="epochs"]`)).not.toHaveText('0', { timeout: 300_000 });
    await expect(page.getByTestId(`val-dsc-${run}`)).toHaveText(/^\d\.\d{3}$/);
  }
  const points = await page.evaluate(() => {
    const gd = document.querySelector('figure[data-metric="valLoss"] .js-plotly-plot') as unknown as { data?: { y: (number | null)[] }[] } | null;
    return (gd?.data ?? []).map((t) => t.y.filter((v) => v !== null).length);
  });
  expect(points).toHaveLength(2);
  expect(points.every((n) => n >= 1)).toBe(true);
  await page.screenshot({ path: 'e2e-artifacts/training.png', fullPage: true });

  // A reload mid-run loses at most the epoch in progress: the finished epochs are listed. The
  // worker is held after both first epochs, so the page shows what was stored, still running.
  await expect.poll(hold.isHeld, { timeout: 300_000 }).toBe(true);
  await expect(page.getByTestId('training-progress')).not.toContainText('experiment finished');
  const shown: Record<string, number> = {};
  for (const run of RUNS) {
    await expect(runs.locator(`tr[data-run="${run}"] td[data-col="status"]`)).not.toContainText('done');
    shown[run] = Number(await runs.locator(`tr[data-run="${run}"] td[data-col="epochs"]`).textContent());
    expect(shown[run]).toBeGreaterThanOrEqual(1);
    expect(shown[run]).toBeLessThan(EPOCHS);
  }
  await page.reload();
  await page.goto('/#/train');
  const stored = page.getByRole('list', { name: 'Stored experiments' });
  await expect(stored).toContainText('CE · aUF', { timeout: 60_000 });
  await stored.getByRole('button', { name: /CE · aUF/ }).first().click();
  const restored = page.getByRole('table', { name: 'Runs' });
  for (const run of RUNS) {
    // Every epoch the page had shown was kept, and none the worker had not finished.
    await expect(restored.locator(`tr[data-run="${run}"] td[data-col="epochs"]`)).toHaveText(String(shown[run]));
  }
  await expect(stored).toContainText('interrupted');

  // Resume on the same (demo) dataset: the runs continue from their last epoch to the end.
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await stored.getByRole('button', { name: /^Resume CE · aUF/ }).first().click();
  await expect(page.getByTestId('training-progress')).toContainText('experiment finished', { timeout: 300_000 });
  const finished = page.getByRole('table', { name: 'Runs' });
  for (const run of RUNS) {
    const epochs = Number(await finished.locator(`tr[data-run="${run}"] td[data-col="epochs"]`).textContent());
    // Early stopping needs 20 flat epochs, so both runs reach the limit.
    expect(epochs).toBe(EPOCHS);
    await expect(finished.locator(`tr[data-run="${run}"] td[data-col="status"]`)).toContainText('done');
  }
  await page.screenshot({ path: 'e2e-artifacts/training-resumed.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('a finished run: download its model and run it on the dataset; export, delete and import the experiment', async ({ page }, info) => {
  test.setTimeout(420_000);
  await page.goto('/#/train');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('button', { name: 'None' }).click();
  await page.getByRole('checkbox', { name: 'Dice', exact: true }).check();
  await page.getByRole('combobox', { name: 'input size' }).selectOption('32');
  await page.getByRole('spinbutton', { name: 'U-Net depth' }).fill('2');
  await page.getByRole('spinbutton', { name: 'base filters' }).fill('4');
  await page.getByRole('spinbutton', { name: 'max epochs' }).fill('1');
  await page.getByRole('spinbutton', { name: 'steps per epoch (0: one pass)' }).fill('1');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('training-progress')).toContainText('experiment finished', { timeout: 300_000 });
  const stored = page.getByRole('list', { name: 'Stored experiments' });
  const modelButton = stored.getByRole('button', { name: /Download the dice model/ }).first();
  await expect(modelButton).toBeVisible({ timeout: 30_000 });

  // Download model.json and its weights, then run that model on the demo dataset.
  const saved: string[] = [];
  const done = new Promise<void>((resolve) => {
    page.on('download', async (d) => {
      const path = info.outputPath(d.suggestedFilename());
      await d.saveAs(path);
      saved.push(path);
      if (saved.length === 2) resolve();
    });
  });
  await modelButton.click();
  await done;
  expect(saved.map((p) => p.split('/').pop()).sort()).toEqual([expect.stringMatching(/dice\.json$/), expect.stringMatching(/dice\.weights\.bin$/)]);
  await page.getByLabel('Run a saved model on this dataset (model.json + weights)…').setInputFiles(saved);
  await expect(page.getByRole('heading', { name: /mean DSC \d\.\d{3} over 24 cases/ })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('table', { name: 'Inference results' }).locator('tbody tr')).toHaveCount(24);

  // Export the experiment, delete it, import the file: it is back, with its model.
  const name = (await stored.locator('li').first().getByRole('button').first().textContent()) ?? '';
  const exported = page.waitForEvent('download');
  await stored.getByRole('button', { name: `Export ${name}` }).first().click();
  const file = info.outputPath('experiment.json');
  await (await exported).saveAs(file);
  const before = await stored.locator('li').count();
  await stored.getByRole('button', { name: `Delete ${name}` }).first().click();
  await expect(stored.locator('li')).toHaveCount(before - 1);
  await page.getByLabel('Import an experiment file…').setInputFiles(file);
  await expect(stored.locator('li')).toHaveCount(before);
  await expect(stored.getByRole('button', { name: /Download the dice model/ }).first()).toBeVisible();
});
