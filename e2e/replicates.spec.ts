/**
 * Seeds and folds in the page: the Train view's fields, run count and folds note, and the Results
 * view's Seeds and folds panel for an imported experiment whose two losses were each trained over
 * three seeds (a file built here from the fixture record, no training: a few seconds).
 */
import { expect, test } from '@playwright/test';
import { experimentToJson } from '../src/core/io/modelFiles';
import { LOSSES, paperParams, type LossId } from '../src/core/losses/registry';
import type { RunHistory } from '../src/core/training/experiment';
import type { ExperimentFile } from '../src/core/training/experimentFile';
import { replicateRuns } from '../src/core/training/runs';
import { experimentFileFixture } from '../src/core/training/testing/experimentRecords';

/**
 * Dice and focal over seeds 1–3 on the fixture's one test case plus three more: the seeds move
 * both by 0.02 × seed, and focal is 0.1 + 0.01 × seed above Dice on every case (distinct
 * differences per seed, so the signed-rank p across three seeds is the exact 2 / 2³ = 0.25).
 */
function replicateExperimentFile(id = 'exp-replicates'): ExperimentFile {
  const file = experimentFileFixture(id);
  const record = file.record;
  const losses: LossId[] = ['dice', 'focal'];
  const specs = replicateRuns(
    losses.map((loss) => ({ id: loss, loss, params: { ...paperParams(loss) }, label: LOSSES[loss].label })),
    { seeds: 3, folds: 1, firstSeed: 1 },
  );
  const testIds = ['c4', 'c5', 'c6', 'c7'];
  record.request.name = `Dice · Focal, 3 seeds (${id})`;
  record.request.runs = specs;
  record.request.split = { train: ['c1', 'c2'], validation: ['c3'], test: testIds };
  record.request.dataset = { ...record.request.dataset, caseIds: ['c1', 'c2', 'c3', ...testIds] };
  const template = record.snapshot!.runs[0]!;
  record.snapshot!.split = record.request.split;
  record.snapshot!.samples = { train: 2, validation: 1, test: 4 };
  record.snapshot!.runs = specs.map(
    (s): RunHistory => ({
      ...template,
      id: s.id!,
      loss: s.loss,
      params: paperParams(s.loss),
      label: s.label!,
      replicateOf: s.replicateOf!,
      seed: s.seed!,
      test: testIds.map((c, k) => {
        const dsc = 0.5 + 0.02 * s.seed! + 0.01 * k + (s.loss === 'focal' ? 0.1 + 0.01 * s.seed! : 0);
        return { id: c, dsc: [dsc], iou: [dsc / (2 - dsc)], precision: [dsc], recall: [dsc] };
      }),
    }),
  );
  record.savedWeights = [];
  return { ...file, record, weights: {} };
}

test('seeds and folds: the Train view counts the runs, and the Results view judges an imported replicate experiment against the seed spread', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/train');
  await expect(page.getByRole('heading', { name: 'Experiments kept in this browser' })).toBeVisible();

  // The fields, with their bounds, the run count beside Start and the folds note.
  await page.getByRole('button', { name: "The paper's eight" }).click();
  const seeds = page.getByRole('spinbutton', { name: 'seeds per loss' });
  const folds = page.getByRole('spinbutton', { name: 'folds', exact: true });
  await expect(seeds).toHaveValue('1');
  await expect(folds).toHaveValue('1');
  await expect(page.getByTestId('run-plan')).toHaveText('8 runs');
  await expect(page.getByTestId('folds-note')).toHaveCount(0);
  await seeds.fill('3');
  await folds.fill('2');
  await expect(page.getByTestId('run-plan')).toHaveText('8 loss configurations × 3 seeds × 2 folds = 48 runs');
  await expect(page.getByTestId('folds-note')).toContainText("the split's training and validation cases are redistributed into 2 folds (the test cases stay)");
  await expect(page.getByTestId('folds-note')).toContainText('Folds need at least 2 development (training + validation) cases');
  await seeds.fill('11');
  await expect(seeds).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('an integer 1…10')).toBeVisible();
  await expect(page.getByTestId('run-plan')).toHaveCount(0);
  await seeds.fill('2');
  await expect(seeds).toHaveAttribute('aria-invalid', 'false');

  // An experiment of two losses over three seeds, imported and opened in Results.
  const file = replicateExperimentFile();
  await page.getByLabel('Import an experiment file…').setInputFiles({ name: 'replicates.experiment.json', mimeType: 'application/json', buffer: Buffer.from(experimentToJson(file)) });
  const name = file.record.request.name;
  await page.getByRole('list', { name: 'Stored experiments' }).getByRole('button', { name, exact: true }).click();
  await page.getByRole('link', { name: 'Results', exact: true }).click();
  const panel = page.getByTestId('results-replicates');
  await expect(panel.getByRole('heading', { name: 'Seeds and folds' })).toBeVisible();
  const table = panel.getByRole('table', { name: 'Seeds and folds' });
  // The reference selector's run picks the reference configuration: Dice.
  await page.getByRole('combobox', { name: 'reference loss' }).selectOption('dice:seed=2');
  const dice = table.locator('tr[data-config="dice"]');
  const focal = table.locator('tr[data-config="focal"]');
  await expect(dice).toContainText('seed 1 0.535 · seed 2 0.555 · seed 3 0.575');
  await expect(dice).toContainText('0.555 ± 0.020');
  await expect(dice).toContainText('reference');
  await expect(focal).toContainText('seed 1 0.645 · seed 2 0.675 · seed 3 0.705');
  await expect(focal).toContainText('0.675 ± 0.030');
  await expect(focal).toContainText('+0.120');
  await expect(focal).toContainText('p = 0.250 (3 pairs)');
  await expect(focal).toContainText('0.250');
  await expect(focal).toContainText('(12 pairs)');
  await expect(focal).toContainText('larger than the spread');
  await expect(panel.getByRole('list', { name: 'Verdicts' })).toContainText('Focal − Dice = +0.120 mean DSC over 3 paired seeds/folds, larger than the seed-to-seed spread');
  await expect(panel.getByRole('list', { name: 'Verdicts' })).toContainText('3 pairs cannot reach p < 0.05: the smallest possible is 0.250');
  await expect(panel.getByTestId('results-replicates-chart')).toBeVisible();
  // Focal as the reference: Dice is now the one compared.
  await page.getByRole('combobox', { name: 'reference loss' }).selectOption('focal:seed=1');
  await expect(dice).toContainText('−0.120');
  // The per-run table still lists every replicate under its own label.
  await expect(page.getByRole('table', { name: 'Test results' }).getByRole('row')).toHaveCount(7);
  await expect(page.getByRole('table', { name: 'Test results' })).toContainText('Focal · seed 3');
  expect(errors).toEqual([]);
});
