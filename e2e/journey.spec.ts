/**
 * The studio's whole path on its built-in synthetic demo, with nothing read from ../shared: a
 * configuration link sets up two tiny runs that train to the end on WebGPU; side by side draws
 * both predictions with false positives magenta and false negatives green where the demo's own
 * truth (generated here in Node) says they belong; the results show both runs in the tables and
 * the box plot; the experiment file and the viewer's prediction and model downloads hold them.
 * One session, trained once and shared in order: each test checks one step of the path.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { generateSynthetic } from '../src/core/data/synthetic';
import { decodeImage } from '../src/core/io/image2d';
import { overlayOfSlice, sharePageAcrossTests } from './helpers';

const RUNS = ['dice', 'crossEntropy'] as const;
const LINK = '/#/train?losses=dice,crossEntropy&epochs=1&steps=1&size=32&depth=2&filters=4&batch=2&res=fit';
/** The demo the studio loads at start (DEFAULT_SYNTHETIC: 24 cases of 64 × 64, seed 1). */
const DEMO = new Map(generateSynthetic().map((c) => [c.id, c]));
const SIZE = 64;
const MAGENTA = [255, 0, 255, 255];
const GREEN = [0, 255, 0, 255];

/** Slice DSC of two binary masks, as the captions print it (three decimals; — when both are empty). */
function dscText(truth: ArrayLike<number>, prediction: ArrayLike<number>): string {
  let t = 0;
  let p = 0;
  let both = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = truth[i] ? 1 : 0;
    const b = prediction[i] ? 1 : 0;
    t += a;
    p += b;
    both += a & b;
  }
  return t + p === 0 ? '—' : ((2 * both) / (t + p)).toFixed(3);
}

test.describe.configure({ mode: 'serial' });

let page: Page;
sharePageAcrossTests((p) => {
  page = p;
});

test('a configuration link sets up two tiny runs on the demo; both train to the end on WebGPU', async () => {
  test.setTimeout(360_000);
  await page.goto(LINK);
  await expect(page.getByRole('checkbox', { name: 'Dice', exact: true })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Cross entropy', exact: true })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Asymmetric unified focal', exact: true })).not.toBeChecked();
  await expect(page.getByRole('spinbutton', { name: 'max epochs' })).toHaveValue('1');
  await expect(page.getByRole('spinbutton', { name: 'steps per epoch (0: one pass)' })).toHaveValue('1');
  await expect(page.getByRole('spinbutton', { name: 'U-Net depth' })).toHaveValue('2');
  await expect(page.getByRole('spinbutton', { name: 'base filters' })).toHaveValue('4');
  await expect(page.getByRole('combobox', { name: 'input size' })).toHaveValue('32');
  await expect(page.getByRole('alert').filter({ hasText: 'configuration link' })).toHaveCount(0);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('training-progress')).toContainText('experiment finished', { timeout: 300_000 });
  const runs = page.getByRole('table', { name: 'Runs' });
  for (const run of RUNS) {
    await expect(runs.locator(`tr[data-run="${run}"] td[data-col="status"]`)).toContainText('done');
    await expect(runs.locator(`tr[data-run="${run}"] td[data-col="epochs"]`)).toHaveText('1');
  }
  await page.screenshot({ path: 'e2e-artifacts/journey-train.png', fullPage: true });
});

test('side by side: both predictions drawn, false positives magenta and false negatives green where the truth puts them', async () => {
  await page.getByRole('link', { name: 'Side by side' }).click();
  const grid = page.getByRole('list', { name: 'Predictions of every run' });
  await expect(grid.getByRole('listitem')).toHaveCount(1 + RUNS.length);
  const caseId = await page.getByRole('combobox', { name: 'Case' }).inputValue();
  const truth = DEMO.get(caseId)?.labels;
  if (!truth) throw new Error(`case ${caseId} is not one of the demo's`);
  // Full opacity and no truth outline: every drawn pixel is a false positive or a false negative.
  const opacity = page.getByRole('slider', { name: 'Overlay opacity' });
  await opacity.focus();
  await page.keyboard.press('End');
  await page.getByRole('checkbox', { name: 'Truth outline' }).uncheck();
  for (const run of RUNS) {
    const dsc = page.getByTestId(`tile-dsc-${run}`);
    await expect(dsc).toHaveText(/^DSC \d\.\d{3}$/, { timeout: 60_000 });
    const shown = (await dsc.textContent())!.slice('DSC '.length);
    const viewport = grid.locator(`[data-run="${run}"] [data-testid="slice-viewport"]`);
    await expect(viewport).toHaveAttribute('data-transform', /,/);
    // The prediction as the canvas draws it: the truth's pixels that are not green, and the magenta ones.
    const read = async () => {
      const rgba = await overlayOfSlice(viewport, SIZE, SIZE);
      const prediction = new Uint8Array(SIZE * SIZE);
      let fp = 0;
      let fn = 0;
      const wrong: string[] = [];
      for (let i = 0; i < SIZE * SIZE; i++) {
        const c = Array.from(rgba.subarray(4 * i, 4 * i + 4)).join(',');
        const at = `(${i % SIZE}, ${Math.floor(i / SIZE)})`;
        if (c === MAGENTA.join(',')) {
          fp++;
          prediction[i] = 1;
          if (truth[i]) wrong.push(`magenta on truth ${at}`);
        } else if (c === GREEN.join(',')) {
          fn++;
          if (!truth[i]) wrong.push(`green off truth ${at}`);
        } else if (c === '0,0,0,0') prediction[i] = truth[i] ? 1 : 0;
        else wrong.push(`${c} at ${at}`);
      }
      return { wrong: wrong.slice(0, 5), drawn: fp + fn > 0, dsc: dscText(truth, prediction) };
    };
    // The DSC recomputed from the colours is the one the tile prints: the canvas shows this run's prediction.
    await expect.poll(read, { message: `the overlay of ${run}` }).toEqual({ wrong: [], drawn: true, dsc: shown });
  }
  await page.getByRole('checkbox', { name: 'Truth outline' }).check();
  await page.screenshot({ path: 'e2e-artifacts/journey-side-by-side.png', fullPage: true });
});

test('results: the test table, the per-case table and the box plot hold both runs, with the same scores', async () => {
  await page.getByRole('link', { name: 'Results', exact: true }).click();
  const table = page.getByRole('table', { name: 'Test results' });
  await expect(table.locator('tbody tr')).toHaveCount(RUNS.length, { timeout: 60_000 });
  for (const run of RUNS) await expect(table.locator(`tr[data-run="${run}"]`)).toContainText(/\d\.\d{3} ± \d\.\d{3}/);
  const perCase = page.getByRole('table', { name: 'Per-case DSC' });
  const rows = perCase.locator('tbody tr');
  // The demo's split: 5 test cases (e2e/dataset.spec.ts checks the split itself).
  await expect(rows).toHaveCount(5);
  const box = page.getByTestId('results-boxplot').locator('.js-plotly-plot');
  await expect(box.locator('.boxlayer .point').first()).toBeAttached({ timeout: 60_000 });
  const traces = await box.evaluate((gd) => ((gd as unknown as { data?: { name: string; y: number[]; customdata: string[] }[] }).data ?? []).map((t) => ({ name: t.name, y: t.y, ids: t.customdata })));
  expect(traces).toHaveLength(RUNS.length);
  const columns = await perCase.locator('thead th').evaluateAll((ths) => ths.map((th) => th.getAttribute('title')));
  for (const run of RUNS) {
    const k = columns.indexOf(run) - 1;
    expect(k, `a column for ${run}`).toBeGreaterThanOrEqual(0);
    const label = ((await perCase.locator(`thead th[title="${run}"]`).textContent()) ?? '').trim();
    expect(label).not.toBe('');
    const trace = traces.find((t) => t.name === label);
    expect(trace, `a box for ${label}`).toBeDefined();
    // Each case's cell in this run's column, against the box plot's point for the case.
    const cells: Record<string, string> = {};
    for (let r = 0; r < 5; r++) {
      const row = rows.nth(r);
      const id = ((await row.locator('th').textContent()) ?? '').trim();
      cells[id] = ((await row.locator('td').nth(k).textContent()) ?? '').replace('▲', '').trim();
    }
    expect(Object.values(cells).every((v) => /^\d\.\d{3}$/.test(v))).toBe(true);
    expect(Object.fromEntries(trace!.ids.map((id, i) => [id, trace!.y[i]!.toFixed(3)]))).toEqual(cells);
  }
  await page.screenshot({ path: 'e2e-artifacts/journey-results.png', fullPage: true });
});

test('export: the experiment file parses and holds both runs, their epochs, test results and weights', async () => {
  await page.getByRole('link', { name: 'Train & compare' }).click();
  const stored = page.getByRole('list', { name: 'Stored experiments' });
  await expect(stored.locator('li')).toHaveCount(1);
  const [download] = await Promise.all([page.waitForEvent('download'), stored.getByRole('button', { name: /^Export / }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.json$/);
  const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
    format: string;
    record: {
      status: string;
      request: { runs: { loss: string }[]; dataset: { origin: string; caseIds: string[] }; split: { test: string[] } };
      snapshot: { runs: { id: string; status: string; epochs: unknown[]; test: { id: string; dsc: number[] }[] | null }[] };
    };
    weights: Record<string, { weightSpecs: unknown[]; weightData: unknown }>;
  };
  expect(file.format).toBe('segmentation-studio-experiment');
  expect(file.record.status).toBe('finished');
  expect(file.record.request.dataset.origin).toBe('demo');
  expect([...file.record.request.dataset.caseIds].sort()).toEqual([...DEMO.keys()].sort());
  expect(file.record.request.runs.map((r) => r.loss)).toEqual([...RUNS]);
  expect(file.record.snapshot.runs.map((r) => r.id)).toEqual([...RUNS]);
  for (const r of file.record.snapshot.runs) {
    expect(r.status).toBe('done');
    expect(r.epochs).toHaveLength(1);
    expect((r.test ?? []).map((c) => c.id).sort()).toEqual([...file.record.request.split.test].sort());
    expect(r.test!.every((c) => Number.isFinite(c.dsc[0]))).toBe(true);
  }
  expect(Object.keys(file.weights).sort()).toEqual([...RUNS].sort());
  for (const run of RUNS) expect(file.weights[run]!.weightSpecs.length).toBeGreaterThan(0);
});

test('export: the viewer downloads a run’s prediction as a PNG mask of the image’s size, matching its caption, and its model', async () => {
  await page.getByRole('link', { name: 'Viewer', exact: true }).click();
  for (const run of RUNS) {
    await page.getByRole('combobox', { name: /^Prediction/ }).selectOption(run);
    const caption = page.getByTestId('viewer-caption');
    await expect(caption).toContainText(/slice DSC (\d\.\d{3}|—)/, { timeout: 60_000 });
    const caseId = await page.getByRole('combobox', { name: 'Case' }).inputValue();
    const [mask] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download the prediction of ${caseId}` }).click()]);
    expect(mask.suggestedFilename()).toBe(`${caseId}_${run}.png`);
    const pred = decodeImage(new Uint8Array(readFileSync(await mask.path())), 'pred.png');
    expect(pred.dims.slice(0, 2)).toEqual([SIZE, SIZE]);
    expect([...new Set(pred.data)].every((v) => v === 0 || v === 255)).toBe(true);
    // The file is the prediction the viewer scores: its DSC against the demo's truth is the caption's.
    await expect(caption).toContainText(`slice DSC ${dscText(DEMO.get(caseId)!.labels, pred.data)}`);
    // The model: model.json and its weights, two downloads.
    const files: Download[] = [];
    const both = new Promise<void>((resolve) => {
      const take = (d: Download) => {
        files.push(d);
        if (files.length === 2) {
          page.off('download', take);
          resolve();
        }
      };
      page.on('download', take);
    });
    await page.getByRole('button', { name: /^Download the model of / }).click();
    await both;
    const json = files.find((d) => d.suggestedFilename().endsWith('.json'));
    const bin = files.find((d) => d.suggestedFilename().endsWith('.weights.bin'));
    expect(json?.suggestedFilename()).toMatch(new RegExp(`${run}\\.json$`));
    const manifest = JSON.parse(readFileSync(await json!.path(), 'utf8')) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
    expect(manifest.weightsManifest[0]?.paths).toEqual([bin?.suggestedFilename()]);
    expect(manifest.weightsManifest[0]?.weights.length).toBeGreaterThan(0);
  }
});
