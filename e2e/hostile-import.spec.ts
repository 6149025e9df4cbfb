/**
 * Hostile or damaged experiments never blank a view: files refused at import with the field and
 * the problem on the page, and records planted straight into IndexedDB listed as damaged (with a
 * working delete) beside the valid ones, across a reload.
 */
import { expect, test, type Page } from '@playwright/test';
import { experimentToJson } from '../src/core/io/modelFiles';
import type { ExperimentFile, StoredExperiment } from '../src/core/training/experimentFile';
import { experimentFileFixture, storedExperimentFixture } from '../src/core/training/testing/experimentRecords';

const jsonFile = (name: string, text: string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });

/** The fixture file with one change made to a plain copy of it. */
function hostileFile(change: (f: ExperimentFile & Record<string, unknown>) => void): string {
  const f = experimentFileFixture('exp-hostile') as ExperimentFile & Record<string, unknown>;
  change(f);
  return experimentToJson(f);
}

async function openTrainView(page: Page) {
  await page.goto('/#/train');
  await expect(page.getByRole('heading', { name: 'Experiments kept in this browser' })).toBeVisible();
}

test('hostile experiment files are refused with the field and the problem; the view and the stored list stay', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openTrainView(page);
  const stored = page.getByRole('list', { name: 'Stored experiments' });
  const importer = page.getByLabel('Import an experiment file…');

  await importer.setInputFiles(jsonFile('valid.experiment.json', experimentToJson(experimentFileFixture('exp-valid'))));
  await expect(stored.getByRole('button', { name: 'Dice on four cases (exp-valid)', exact: true })).toBeVisible({ timeout: 30_000 });

  const hostile: [string, string, string | RegExp][] = [
    ['name-object.json', hostileFile((f) => ((f.record.request as unknown as Record<string, unknown>).name = { evil: true })), 'record.request.name: expected a string, got an object'],
    ['runs-object.json', hostileFile((f) => ((f.record.request as unknown as Record<string, unknown>).runs = { 0: { loss: 'dice' } })), 'record.request.runs: expected an array, got an object'],
    ['bad-date.json', hostileFile((f) => (f.record.request.createdAt = 'the day before yesterday')), 'record.request.createdAt: expected a date and time (ISO 8601), got the string "the day before yesterday"'],
    ['short-weights.json', hostileFile((f) => (f.weights.dice!.weightData = f.weights.dice!.weightData.slice(4))), 'weights.dice.weightData: expected 80 bytes (4 for each of the 20 float32 values the weight specs describe), got 76'],
    [
      'many-specs.json',
      hostileFile((f) => (f.weights.dice!.weightSpecs = Array.from({ length: 200_000 }, (_, i) => ({ name: `w${i}`, shape: [1], dtype: 'float32' })))),
      'weights.dice.weightSpecs: at most 10000 entries are allowed, got 200000',
    ],
    ['not-json.json', '{"format": "segmentation-studio-experiment", ', /not a readable experiment file/],
  ];
  for (const [name, text, message] of hostile) {
    await importer.setInputFiles(jsonFile(name, text));
    const alert = page.getByRole('alert');
    await expect(alert).toContainText(`${name}: `);
    await expect(alert).toContainText(message);
    // Nothing else changed: the valid experiment is still listed, nothing was added, the view draws.
    await expect(stored.locator('li')).toHaveCount(1);
    await expect(page.getByRole('heading', { name: 'Train and compare' })).toBeVisible();
    await expect(page.getByTestId('view-error')).toHaveCount(0);
    await alert.getByRole('button', { name: 'dismiss' }).click();
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
  // The navigation works, and the Train view comes back with its list.
  await page.getByRole('link', { name: 'Losses' }).click();
  await expect(page.getByRole('slider', { name: 'γ (gamma)' }).first()).toBeVisible();
  await page.getByRole('link', { name: 'Train & compare' }).click();
  await expect(stored.getByRole('button', { name: 'Dice on four cases (exp-valid)', exact: true })).toBeVisible();
  await page.screenshot({ path: 'e2e-artifacts/hostile-import.png', fullPage: true });
  expect(errors).toEqual([]);
});

/** Puts records (and weights and checkpoints) straight into the studio's database, as other code of this origin could. */
async function plant(page: Page, records: unknown[], weights: Record<string, number[]>, checkpoints: string[]) {
  await page.evaluate(
    ({ records, weights, checkpoints }) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('segmentation-studio', 2);
        req.onupgradeneeded = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('experiments')) db.createObjectStore('experiments', { keyPath: 'id' });
          for (const s of ['weights', 'checkpoints']) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s);
        };
        req.onerror = () => reject(req.error ?? new Error('open failed'));
        req.onsuccess = () => {
          const db = req.result;
          const t = db.transaction(['experiments', 'weights', 'checkpoints'], 'readwrite');
          for (const r of records) t.objectStore('experiments').put(r);
          for (const [key, values] of Object.entries(weights)) t.objectStore('weights').put({ modelTopology: {}, weightSpecs: [{ name: 'w', shape: [values.length], dtype: 'float32' }], weightData: new Float32Array(values).buffer }, key);
          for (const key of checkpoints) t.objectStore('checkpoints').put({ version: 1 }, key);
          t.oncomplete = () => {
            db.close();
            resolve();
          };
          t.onerror = () => reject(t.error ?? new Error('write failed'));
        };
      }),
    { records, weights, checkpoints },
  );
}

/** Which of `keys` each store of the studio's database holds. */
async function present(page: Page, keys: { experiments: string[]; weights: string[]; checkpoints: string[] }) {
  return page.evaluate(
    (keys) =>
      new Promise<Record<string, string[]>>((resolve, reject) => {
        const req = indexedDB.open('segmentation-studio', 2);
        req.onerror = () => reject(req.error ?? new Error('open failed'));
        req.onsuccess = () => {
          const db = req.result;
          const t = db.transaction(['experiments', 'weights', 'checkpoints'], 'readonly');
          const out: Record<string, string[]> = { experiments: [], weights: [], checkpoints: [] };
          for (const [store, list] of Object.entries(keys)) {
            for (const k of list) {
              const r = t.objectStore(store).count(k);
              r.onsuccess = () => {
                if (r.result > 0) out[store]!.push(k);
              };
            }
          }
          t.oncomplete = () => {
            db.close();
            resolve(out);
          };
        };
      }),
    keys,
  );
}

test('records planted in IndexedDB: the valid one is listed, the damaged ones are listed as damaged and can be deleted', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openTrainView(page);
  const valid = storedExperimentFixture('exp-planted', '2026-03-01T12:00:00.000Z');
  const withRequest = (id: string, change: Record<string, unknown>): StoredExperiment => {
    const e = storedExperimentFixture(id);
    return { ...e, request: { ...e.request, ...change } } as StoredExperiment;
  };
  await plant(
    page,
    [valid, withRequest('exp-evil-name', { name: { evil: true } }), withRequest('exp-bad-date', { createdAt: 42 })],
    { 'exp-planted/dice': [1, 2], 'exp-evil-name/dice': [3, 4], 'exp-evil-name/focal': [5] },
    ['exp-planted', 'exp-evil-name'],
  );
  await page.reload();
  await openTrainView(page);
  const stored = page.getByRole('list', { name: 'Stored experiments' });
  await expect(stored.getByRole('button', { name: 'Dice on four cases (exp-planted)', exact: true })).toBeVisible({ timeout: 30_000 });
  const damaged = stored.locator('li[data-broken]');
  await expect(damaged).toHaveCount(2);
  await expect(damaged.nth(0)).toContainText('Damaged record exp-bad-date');
  await expect(damaged.nth(0)).toContainText('record.request.createdAt: expected a string, got the number 42');
  await expect(damaged.nth(1)).toContainText('Damaged record exp-evil-name');
  await expect(damaged.nth(1)).toContainText('record.request.name: expected a string, got an object');
  await expect(page.getByTestId('view-error')).toHaveCount(0);
  await page.screenshot({ path: 'e2e-artifacts/hostile-records.png', fullPage: true });

  await stored.getByRole('button', { name: 'Delete the damaged record exp-evil-name' }).click();
  await expect(damaged).toHaveCount(1);
  const keys = {
    experiments: ['exp-planted', 'exp-evil-name', 'exp-bad-date'],
    weights: ['exp-planted/dice', 'exp-evil-name/dice', 'exp-evil-name/focal'],
    checkpoints: ['exp-planted', 'exp-evil-name'],
  };
  expect(await present(page, keys)).toEqual({ experiments: ['exp-planted', 'exp-bad-date'], weights: ['exp-planted/dice'], checkpoints: ['exp-planted'] });
  await stored.getByRole('button', { name: 'Delete the damaged record exp-bad-date' }).click();
  await expect(damaged).toHaveCount(0);

  // After a reload only the valid experiment is left, and it opens.
  await page.reload();
  await openTrainView(page);
  await expect(stored.locator('li')).toHaveCount(1, { timeout: 30_000 });
  await stored.getByRole('button', { name: 'Dice on four cases (exp-planted)', exact: true }).click();
  await expect(page.getByRole('table', { name: 'Runs' }).locator('tr[data-run="dice"] td[data-col="epochs"]')).toHaveText('1');
  expect(errors).toEqual([]);
});
