/**
 * The command line and the studio share one experiment format: `segstudio train` on a folder
 * dataset (here the CVC-ClinicDB layout, made on the fly, so no ../shared is needed) writes an
 * experiment file with two losses over two training seeds; Train & compare → Import lists it, and
 * the Results view shows its runs, their test scores and the seeds-and-folds comparison.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { cvcFixture } from '../src/core/data/testing/layouts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('an experiment trained by segstudio train imports into the studio and shows in Results', async ({ page }) => {
  const base = mkdtempSync(join(tmpdir(), 'segstudio-e2e-'));
  for (const f of cvcFixture().files) {
    const p = join(base, f.path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, f.bytes);
  }
  const out = join(base, 'cli.experiment.json');
  const config = 'https://studio.example/#/train?losses=dice,crossEntropy&epochs=2&size=32&depth=2&filters=4&steps=2&seed=3&seeds=2';
  const r = spawnSync(process.execPath, [join(ROOT, 'src/cli/segstudio.mjs'), 'train', '--data', join(base, 'CVC-ClinicDB'), '--config', config, '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/finished, 4 run\(s\)/);

  await page.goto('/#/train');
  const stored = page.getByRole('list', { name: 'Stored experiments' });
  await page.getByLabel('Import an experiment file…').setInputFiles(out);
  const entry = stored.getByRole('button', { name: /^DSC · CE, 2 seeds on CVC-ClinicDB/ });
  await expect(entry).toBeVisible({ timeout: 30_000 });
  await entry.click();

  await page.getByRole('link', { name: 'Results', exact: true }).click();
  const table = page.getByRole('table', { name: 'Test results' });
  for (const label of ['Dice · seed 3', 'Dice · seed 4', 'Cross entropy · seed 3', 'Cross entropy · seed 4']) {
    await expect(table.getByText(label, { exact: true })).toBeVisible({ timeout: 30_000 });
  }
  const replicates = page.getByRole('table', { name: 'Seeds and folds' });
  await expect(replicates).toBeVisible();
  await expect(replicates.locator('tbody tr')).toHaveCount(2);
  await expect(page.getByRole('list', { name: 'Verdicts' })).toContainText(/seed/);
  await expect(page.getByTestId('view-error')).toHaveCount(0);
});
