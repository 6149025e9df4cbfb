/**
 * The automatic backend is the fastest measured: with no stored preference, Start times the
 * backends that start (WebGPU, WebGL and, with software adapters only, the CPU) on the model about
 * to train and trains on the one with the fewest milliseconds per step; the badge shows the
 * figures and the choice. A backend forced from the menu is kept across a reload.
 */
import { expect, test } from '@playwright/test';
import { configureTinyRun } from './helpers';

test.use({ storageState: { cookies: [], origins: [] } });

const NAMES: Record<string, string> = { WebGPU: 'webgpu', WebGL: 'webgl', CPU: 'cpu' };

test('automatic mode times the backends on the model at Start and trains on the fastest', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/#/train');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', /^(webgpu|webgl|cpu)$/, { timeout: 90_000 });
  await expect(page.getByRole('combobox', { name: 'backend' })).toHaveValue('auto');
  await expect(page.getByTestId('backend-measured')).toContainText('the backends are timed on the model when it starts');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await configureTinyRun(page, ['Cross entropy'], 1, 2);
  await page.getByRole('button', { name: 'Start training' }).click();

  const measured = page.getByTestId('backend-measured');
  await expect(measured).toContainText('the fastest measured on this model', { timeout: 240_000 });
  const text = (await measured.textContent()) ?? '';
  console.log(`backend choice on this machine: ${text}`);
  // "automatic: WebGL, the fastest measured on this model (WebGL 41.0 ms per step · CPU 95.0 ms per step · WebGPU 140 ms per step)"
  const figures = [...text.matchAll(/(WebGPU|WebGL|CPU) ([\d.]+) ms per step/g)].map((m) => ({ name: NAMES[m[1]!]!, ms: Number(m[2]) }));
  expect(figures.map((f) => f.name).sort(), text).toEqual(['cpu', 'webgl', 'webgpu']); // SwiftShader: every backend starts and is timed
  const fastest = figures.reduce((a, b) => (b.ms < a.ms ? b : a));
  await expect(badge).toHaveAttribute('data-backend', fastest.name);
  expect(text).toMatch(new RegExp(`^automatic: ${Object.keys(NAMES).find((k) => NAMES[k] === fastest.name)}, the fastest`));
  // The run trains on it and finishes.
  await expect(page.getByRole('table', { name: 'Runs' }).locator('tr[data-run="crossEntropy"] td[data-col="epochs"]')).toHaveText('1', { timeout: 120_000 });
  await expect(badge).toHaveAttribute('data-backend', fastest.name);
});

test('a backend chosen from the menu is kept across a reload, and automatic clears it', async ({ page }) => {
  await page.goto('/#/train');
  const badge = page.getByTestId('backend-badge');
  const menu = page.getByRole('combobox', { name: 'backend' });
  await expect(badge).toHaveAttribute('data-backend', /./, { timeout: 90_000 });
  await menu.selectOption('cpu');
  await expect(badge).toHaveAttribute('data-backend', 'cpu', { timeout: 60_000 });
  await page.reload();
  await expect(menu).toHaveValue('cpu');
  await expect(badge).toHaveAttribute('data-backend', 'cpu', { timeout: 60_000 });
  expect(await page.evaluate(() => localStorage.getItem('segstudio.backend'))).toBe('cpu');
  await menu.selectOption('auto');
  await expect(badge).toHaveAttribute('data-backend', /./, { timeout: 90_000 });
  expect(await page.evaluate(() => localStorage.getItem('segstudio.backend'))).toBeNull();
  await page.reload();
  await expect(menu).toHaveValue('auto');
});

test('Stop while the backends are being measured ends the experiment as stopped; it does not train afterwards', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/#/train');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /./, { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await configureTinyRun(page, ['Cross entropy'], 3, 2);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('backend-badge')).toHaveText('measuring the backends on this model…');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('training-progress')).toContainText('experiment stopped', { timeout: 180_000 });
  // Stopped once built: no epoch was trained.
  await expect(page.getByRole('table', { name: 'Runs' }).locator('tr[data-run="crossEntropy"] td[data-col="epochs"]')).toHaveText('0');
});
