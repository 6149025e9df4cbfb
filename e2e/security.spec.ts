/**
 * What the page accepts: the built pages carry a Content-Security-Policy that keeps every
 * request, script and worker on the studio's own origin; the studio works under it (backend,
 * training, charts, viewer, PNG export) without a single violation; and names from files reach
 * the charts as plain text, never as markup.
 */
import { expect, test, type Download, type Page, type Worker } from '@playwright/test';
import { msdFixture } from '../src/core/data/testing/layouts';
import { configureTinyRun, dropFiles } from './helpers';

/** The policy the built pages must carry, directive by directive. */
const EXPECTED_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  // The hash of the empty string: plotly's empty <style> element, filled through the CSSOM.
  'style-src': ["'self'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

function parsePolicy(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of text.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name] = values;
  }
  return out;
}

/** The policy of a built HTML page's <meta http-equiv>, and whether it comes before every script and stylesheet. */
function metaPolicy(html: string): { policy: Record<string, string[]>; first: boolean } | null {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"\s*\/?>/i.exec(html);
  if (!m) return null;
  const content = m[1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const firstLoad = html.search(/<script|<link rel="(stylesheet|modulepreload)"/);
  return { policy: parsePolicy(content), first: firstLoad > m.index };
}

/** Serves documents without the preview server's policy header, so only the page's own <meta> applies. */
async function metaOnly(page: Page): Promise<void> {
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.fallback();
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    await route.fulfill({ response, headers });
  });
}

/** Records the page's policy violations (window.__violations) from before its first script. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

/**
 * Run in the page: a fetch to a remote host and one to `other` (another origin), an inline
 * script, and code made from strings in a later task (code evaluated by the test driver itself
 * is exempt from the policy, the page's own tasks are not).
 */
async function probe(other: string) {
  const w = window as unknown as { __inlineRan?: boolean; __timerRan?: boolean; __evaluated?: string };
  const seen: string[] = [];
  document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  const attempt = async (url: string, init?: RequestInit) => {
    try {
      await fetch(url, init);
      return 'fetched';
    } catch {
      return 'refused';
    }
  };
  const remote = await attempt('https://example.com/');
  const otherOrigin = await attempt(other, { mode: 'no-cors' });
  const script = document.createElement('script');
  script.textContent = 'window.__inlineRan = true;';
  document.head.appendChild(script);
  setTimeout('window.__timerRan = true;', 0);
  setTimeout(() => {
    try {
      w.__evaluated = String(new Function('return 1 + 1')());
    } catch (e) {
      w.__evaluated = e instanceof Error ? e.name : String(e);
    }
  }, 0);
  await new Promise((r) => setTimeout(r, 300)); // timers and violation events run as later tasks
  return { remote, other: otherOrigin, inlineRan: w.__inlineRan === true, timerRan: w.__timerRan === true, evaluated: w.__evaluated, seen };
}

test('every built page carries the policy before its first script; the server sends it to the workers, which obey it', async ({ page, request, baseURL }) => {
  for (const path of ['/', '/selfcheck.html', '/bench.html']) {
    const html = await (await request.get(path)).text();
    const meta = metaPolicy(html);
    expect(meta, `${path} has no Content-Security-Policy <meta>`).not.toBeNull();
    expect(meta!.policy, path).toEqual(EXPECTED_POLICY);
    expect(meta!.first, `${path}: the policy must come before every script and stylesheet`).toBe(true);
  }
  // A <meta> policy covers the page, not its workers: they follow the header of their own script.
  const workers: Worker[] = [];
  page.on('worker', (w) => workers.push(w));
  await page.goto('/#/train');
  // The training worker lives as long as the page (others may have finished by now).
  const isTraining = (w: Worker) => w.url().includes('training.worker');
  await expect.poll(() => workers.filter(isTraining).length, { timeout: 30_000 }).toBe(1);
  for (const w of workers) {
    const header = (await request.get(w.url())).headers()['content-security-policy'];
    expect(parsePolicy(header ?? ''), w.url()).toEqual(EXPECTED_POLICY);
  }
  const otherOrigin = `http://127.0.0.1:${new URL(baseURL ?? '').port}/`;
  for (const w of workers.filter(isTraining)) {
    const outcome = await w.evaluate(async (other) => {
      try {
        await fetch(other, { mode: 'no-cors' });
        return 'fetched';
      } catch {
        return 'refused';
      }
    }, otherOrigin);
    expect(outcome, `a fetch to another origin from ${w.url()}`).toBe('refused');
  }
});

test('the page meta policy alone refuses other origins, inline scripts and eval; without it the same calls go through', async ({ page, browser, baseURL }) => {
  const port = new URL(baseURL ?? '').port;
  // The same preview server under another origin: reachable, so only the policy can refuse it.
  const otherOrigin = `http://127.0.0.1:${port}/`;
  const run = (p: Page) => p.evaluate(probe, otherOrigin);

  await metaOnly(page);
  await page.goto('/#/losses');
  await expect(page.locator('.js-plotly-plot').first()).toBeVisible({ timeout: 30_000 });
  const doc = await page.request.get('/');
  expect(doc.headers()['content-security-policy']).toBeDefined(); // what metaOnly removes
  const under = await run(page);
  expect(under.remote).toBe('refused');
  expect(under.other).toBe('refused');
  expect(under.inlineRan).toBe(false);
  expect(under.timerRan).toBe(false);
  expect(under.evaluated).toBe('EvalError');
  expect(under.seen).toEqual(
    expect.arrayContaining(['connect-src https://example.com/', `connect-src ${otherOrigin}`, 'script-src-elem inline', 'script-src eval']),
  );

  // The control: the same page with the policy bypassed lets each of them through.
  const open = await browser.newContext({ bypassCSP: true, baseURL: baseURL ?? '' });
  const free = await open.newPage();
  await free.goto('/#/losses');
  const without = await run(free);
  expect(without.other).toBe('fetched');
  expect(without.inlineRan).toBe(true);
  expect(without.timerRan).toBe(true);
  expect(without.evaluated).toBe('2');
  expect(without.seen).toEqual([]);
  await open.close();
});

test('the studio works under the policy: backend, an epoch of training, charts, hover labels, PNG export, results and the viewer, with no violation or console error', async ({ page }) => {
  test.setTimeout(360_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await recordViolations(page);
  await metaOnly(page);

  // The loss explorer (the start page) draws its plotly chart.
  await page.goto('/');
  await expect(page.locator('.explorer-chart .js-plotly-plot .main-svg').first()).toBeVisible({ timeout: 30_000 });

  // The backend starts in its worker and one epoch trains on the demo dataset.
  await page.getByRole('link', { name: 'Train & compare' }).click();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', { timeout: 90_000 });
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 60_000 });
  await configureTinyRun(page, ['Dice'], 1, 1);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('training-progress')).toContainText('experiment finished', { timeout: 300_000 });
  const points = await page.evaluate(() => {
    const gd = document.querySelector('figure[data-metric="trainLoss"] .js-plotly-plot') as unknown as { data?: { y: (number | null)[] }[] } | null;
    return (gd?.data ?? []).map((t) => t.y.filter((v) => v !== null).length);
  });
  expect(points).toEqual([1]);

  // A point's hover label, and the chart saved as PNG by the studio's button and by plotly's own
  // mode bar (plotly draws the image through a blob: URL and waits for it forever if refused).
  const chart = page.locator('figure[data-metric="trainLoss"] .js-plotly-plot');
  await chart.locator('.scatterlayer .point').first().hover({ force: true });
  await expect(chart.locator('.hoverlayer .hovertext')).toHaveCount(1);
  const isPng = async (d: Download) => Array.from(Buffer.concat(await (await d.createReadStream()).toArray()).subarray(0, 8));
  const PNG_MAGIC = [137, 80, 78, 71, 13, 10, 26, 10];
  const [png] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: 'Save the chart "training loss" as PNG' }).click()]);
  expect(await isPng(png)).toEqual(PNG_MAGIC);
  await chart.hover();
  const [modebarPng] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), chart.locator('.modebar-btn[data-title="Download plot as a PNG"]').click()]);
  expect(await isPng(modebarPng)).toEqual(PNG_MAGIC);

  // The results: the box plot of the test cases, with its hover labels.
  await page.getByRole('link', { name: 'Results', exact: true }).click();
  const box = page.getByTestId('results-boxplot').locator('.js-plotly-plot');
  await expect(box.locator('.boxlayer .point').first()).toBeAttached({ timeout: 120_000 });
  await box.locator('.boxlayer .point').first().hover({ force: true });
  await expect(box.locator('.hoverlayer .hovertext').first()).toBeVisible();

  // The data summary's histogram and the viewer with the run's prediction.
  await page.getByRole('link', { name: 'Data', exact: true }).click();
  await expect(page.locator('section[aria-labelledby="summary-title"] .js-plotly-plot .main-svg').first()).toBeVisible();
  await page.getByRole('link', { name: 'Viewer', exact: true }).click();
  await page.getByRole('combobox', { name: /^Prediction/ }).selectOption({ index: 1 });
  await expect(page.getByTestId('viewer-caption')).toContainText('slice DSC', { timeout: 60_000 });
  const viewport = page.locator('.viewer-main [data-testid="slice-viewport"]');
  expect(Number(await viewport.getAttribute('data-image-renders'))).toBeGreaterThan(0);
  expect(Number(await viewport.getAttribute('data-overlay-draws'))).toBeGreaterThan(0);

  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
  expect(problems).toEqual([]);
});

test('a Decathlon class named with HTML is shown literally in the summary legend, never as a link', async ({ page }) => {
  const hostile = '<a href="https://evil.example/">click</a>';
  const fixture = msdFixture();
  const files = fixture.files.map((f) =>
    f.path.endsWith('dataset.json')
      ? { ...f, bytes: new TextEncoder().encode(JSON.stringify({ name: 'Fixture', labels: { '0': 'background', '1': hostile, '2': 'Posterior' } })) }
      : f,
  );
  await page.goto('/#/data');
  await dropFiles(page, page.getByTestId('dropzone'), files);
  await expect(page.getByTestId('summary-cases')).toHaveText('4', { timeout: 60_000 });
  const summary = page.locator('section[aria-labelledby="summary-title"]');
  const legend = summary.locator('.js-plotly-plot .legendtext');
  await expect(legend).toHaveCount(2);
  expect(await legend.allTextContents()).toEqual([hostile, 'Posterior']);
  // No link anywhere in the page leads to the name's address (SVG links keep it in xlink:href).
  const links = await page.evaluate(() =>
    Array.from(document.querySelectorAll('a')).map((a) => `${a.getAttribute('href') ?? ''} ${a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') ?? ''}`),
  );
  expect(links.filter((l) => l.includes('evil.example'))).toEqual([]);
  expect(await summary.locator('svg a').count()).toBe(0);
  await page.screenshot({ path: 'e2e-artifacts/security-class-name.png', fullPage: true });
});
