/**
 * The loss library's reference table (numpy, float64) computed in the browser on WebGPU, in a
 * worker, compared with numpy and with the CPU backend to 1e-5 relative, every gradient finite.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { SelfCheckState } from '../src/features/selfcheck/SelfCheckPage';

const reference = JSON.parse(readFileSync(new URL('../src/core/losses/__fixtures__/reference.json', import.meta.url), 'utf8')) as {
  cases: { name: string; expected: number }[];
};

const within = (v: number, e: number) => Math.abs(v - e) <= 1e-5 * Math.abs(e) + 1e-12;

test('every loss agrees on WebGPU with numpy and with the CPU backend', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/selfcheck.html');
  await page.waitForFunction(() => window.__selfCheck !== undefined, null, { timeout: 280_000 });
  const state = (await page.evaluate(() => window.__selfCheck)) as SelfCheckState;
  await page.screenshot({ path: 'e2e-artifacts/selfcheck.png', fullPage: true });
  expect(state.status, state.message).toBe('done');

  const webgpu = state.backends.find((b) => b.requested === 'webgpu');
  const cpu = state.backends.find((b) => b.requested === 'cpu');
  expect(webgpu?.info, webgpu?.reason).not.toBeNull();
  // The backend really was WebGPU (tfjs falls back silently otherwise).
  expect(webgpu?.info?.name).toBe('webgpu');
  expect(webgpu?.info?.adapter).not.toBe('');
  expect(cpu?.info?.name).toBe('cpu');

  const gpu = webgpu?.outcomes ?? [];
  const ref = cpu?.outcomes ?? [];
  expect(gpu).toHaveLength(reference.cases.length);
  expect(ref).toHaveLength(reference.cases.length);
  const bad: string[] = [];
  gpu.forEach((o, i) => {
    const c = reference.cases[i];
    const r = ref[i];
    if (!c || !r || o.name !== c.name || r.name !== c.name) bad.push(`case ${i} out of order`);
    else {
      if (!within(o.value, c.expected)) bad.push(`${o.name}: webgpu ${o.value}, numpy ${c.expected}`);
      if (!within(o.value, r.value)) bad.push(`${o.name}: webgpu ${o.value}, cpu ${r.value}`);
      if (!within(r.value, c.expected)) bad.push(`${o.name}: cpu ${r.value}, numpy ${c.expected}`);
      if (!o.gradientFinite) bad.push(`${o.name}: non-finite gradient on webgpu`);
    }
  });
  expect(bad).toEqual([]);
  await expect(page.locator('tr[data-backend="webgpu"]')).toContainText('pass');
});
