/**
 * The 3-D U-Net on tfjs's WebGL backend (in headless Chromium: SwiftShader's WebGL) computes
 * what the CPU backend computes: the benchmark page (bench.html, worker/bench.worker.ts,
 * core/training/stepBench.ts) builds the seeded 3-D U-Net (16³ voxels, depth 2, 4 base filters:
 * 3-D convolutions and their gradients, 3-D max pooling, the up-convolution's matrix product,
 * instance normalisation, softmax over rank 5) on one fixed batch of synthetic volumes and, with
 * `gradients=1`, reads back the cross-entropy loss and its gradient with respect to every weight
 * before its first step, then trains one step. The same page on the CPU backend with tfjs's own
 * kernels (kernels=stock, not the studio's) is the reference.
 */
import { expect, test, type Page } from '@playwright/test';
import type { BenchState } from '../src/app/bench';

const MODEL = 'dims=3&size=16&depth=2&filters=4&batch=2&warmup=1&timed=1&steps=1&losses=none&gradients=1';

async function open(page: Page, query: string): Promise<BenchState> {
  await page.goto(`/bench.html?${query}&${MODEL}`);
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 100_000, polling: 250 });
  return (await page.evaluate(() => window.__bench)) as BenchState;
}

test('a 3-D U-Net step on WebGL equals the CPU backend’s: loss and every gradient', async ({ page }) => {
  test.setTimeout(240_000);
  const webgl = await open(page, 'backend=webgl');
  expect(webgl.status, webgl.message).toBe('done');
  // tfjs falls back quietly: the page must really have run on WebGL.
  expect(webgl.result?.backend.name).toBe('webgl');
  const cpu = await open(page, 'backend=cpu&kernels=stock');
  expect(cpu.status, cpu.message).toBe('done');
  expect(cpu.result?.backend.name).toBe('cpu');

  const g = webgl.result?.gradients;
  const c = cpu.result?.gradients;
  if (!g || !c) throw new Error('a page returned no gradients');
  console.info(
    `WebGL (${webgl.result?.backend.adapter ?? ''}, ${webgl.result?.totalSeconds.toFixed(1)} s) loss ${g.loss}, ` +
      `CPU (${cpu.result?.totalSeconds.toFixed(1)} s) loss ${c.loss}, ${c.weights.length} weights`,
  );
  expect(Number.isFinite(c.loss)).toBe(true);
  expect(Math.abs(g.loss - c.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.loss)));

  // Every weight of the model, in the same order, with a gradient; each within 1e-3 of its
  // largest value (float32 on two backends, summed in different orders).
  expect(g.weights.map((w) => [w.name, w.shape])).toEqual(c.weights.map((w) => [w.name, w.shape]));
  expect(c.weights.length).toBeGreaterThan(20);
  const worst = c.weights.map((w, i) => {
    const other = g.weights[i]?.values ?? [];
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.values.length !== size || other.length !== size) return { name: w.name, error: Infinity };
    const scale = Math.max(1e-12, ...w.values.map(Math.abs));
    return { name: w.name, error: Math.max(...w.values.map((v, j) => Math.abs(v - (other[j] ?? NaN)))) / scale };
  });
  const bad = worst.filter((w) => !(w.error < 1e-3));
  console.info(`largest gradient difference ÷ largest gradient: ${Math.max(...worst.map((w) => w.error)).toExponential(2)}`);
  expect(bad).toEqual([]);
  // Some gradient is not zero (a dropped computation would give zeros on both).
  expect(c.weights.some((w) => w.values.some((v) => Math.abs(v) > 1e-6))).toBe(true);
  // The step itself trained: a finite loss after it.
  expect(Number.isFinite(webgl.result?.lastLoss)).toBe(true);
});
