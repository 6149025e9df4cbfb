/** Helpers for dropping real files onto the page from Node: a DataTransfer built in the page. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type TestInfo, type Worker } from '@playwright/test';

export const SHARED_DATA = fileURLToPath(new URL('../../shared/data', import.meta.url));
export const hasSharedData = existsSync(SHARED_DATA);

export interface FileSpec {
  path: string;
  bytes: Uint8Array;
}

/** Every file below `dir`, with paths relative to `dir`'s parent (so the folder name is kept). */
export function folderFiles(dir: string, filter: (path: string) => boolean = () => true): FileSpec[] {
  const root = join(dir, '..');
  const out: FileSpec[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const rel = relative(root, p).split('\\').join('/');
        if (filter(rel)) out.push({ path: rel, bytes: new Uint8Array(readFileSync(p)) });
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Drops files on `target` the way a browser does: a DataTransfer built in the page, holding File
 * objects whose webkitRelativePath carries the folder structure, then dragenter/dragover/drop.
 */
export async function dropFiles(page: Page, target: Locator, files: FileSpec[]): Promise<void> {
  const payload = files.map((f) => ({ path: f.path, data: Buffer.from(f.bytes).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { path, data } of items) {
      const bin = atob(data);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const file = new File([bytes], path.split('/').pop() ?? path);
      Object.defineProperty(file, 'webkitRelativePath', { value: path });
      dt.items.add(file);
    }
    return dt;
  }, payload);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

/**
 * Sets up a tiny experiment in the Train & compare view: only `losses` ticked (by label), a
 * 32×32 two-level U-Net with 4 base filters, images resized to fit (the quick look), `epochs`
 * epochs of `steps` steps.
 */
export async function configureTinyRun(page: Page, losses: string[], epochs: number, steps: number): Promise<void> {
  await page.getByRole('button', { name: 'None' }).click();
  for (const l of losses) await page.getByRole('checkbox', { name: l, exact: true }).check();
  await page.getByRole('combobox', { name: 'input size' }).selectOption('32');
  // The quick look: images larger than 32×32 are resized to it (native resolution would tile
  // Kvasir's 600×500 images with hundreds of windows per validation).
  await page.getByRole('combobox', { name: 'resolution' }).selectOption('fit');
  await page.getByRole('spinbutton', { name: 'U-Net depth' }).fill('2');
  await page.getByRole('spinbutton', { name: 'base filters' }).fill('4');
  await page.getByRole('spinbutton', { name: 'max epochs' }).fill(String(epochs));
  await page.getByRole('spinbutton', { name: 'steps per epoch (0: one pass)' }).fill(String(steps));
}

/**
 * A page of its own for tests that share one studio session (`test.describe.configure({ mode:
 * 'serial' })`, opened in beforeAll): a context built with the project's context options (base
 * URL, viewport, stored state such as a preset backend preference), which browser.newContext()
 * does not apply by itself. Page errors are collected in `errors`.
 */
export async function openSharedPage(browser: Browser, info: TestInfo): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const use = info.project.use;
  const keys = ['baseURL', 'viewport', 'storageState', 'locale', 'timezoneId', 'colorScheme', 'extraHTTPHeaders', 'permissions', 'userAgent', 'deviceScaleFactor', 'bypassCSP', 'ignoreHTTPSErrors', 'serviceWorkers'] as const;
  const options: BrowserContextOptions = { ...(use.contextOptions ?? {}) };
  for (const k of keys) if (use[k] !== undefined) Object.assign(options, { [k]: use[k] });
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

/**
 * One page shared by the tests of the calling describe block (or file), for a session set up once
 * (`test.describe.configure({ mode: 'serial' })`): opened before the first test (openSharedPage)
 * and handed to `receive`, closed after the last. After each test, a full-page screenshot when it
 * failed, and the page errors since the previous test fail the test they happened in.
 */
export function sharePageAcrossTests(receive: (page: Page) => void): void {
  let shared: Awaited<ReturnType<typeof openSharedPage>> | null = null;
  test.beforeAll(async ({ browser }, info) => {
    shared = await openSharedPage(browser, info);
    receive(shared.page);
  });
  // eslint-disable-next-line no-empty-pattern -- Playwright wants the fixtures destructured; this hook needs none
  test.afterEach(async ({}, info) => {
    if (!shared) return;
    if (info.status !== info.expectedStatus) await shared.page.screenshot({ path: info.outputPath('failure.png'), fullPage: true });
    expect(shared.errors.splice(0)).toEqual([]);
  });
  test.afterAll(async () => {
    await shared?.context.close();
  });
}

/**
 * The overlay of a whole slice as the canvas shows it: the RGBA of the overlay canvas at the
 * centre of every image pixel of a `width` × `height` slice, row by row (index x + width · y),
 * through the viewport's image-to-canvas transform (its data-transform attribute).
 */
export async function overlayOfSlice(viewport: Locator, width: number, height: number): Promise<Uint8ClampedArray> {
  const values = await viewport.evaluate(
    (el, [w, h]) => {
      const [a, b, c, d, e, f] = (el.getAttribute('data-transform') ?? '').split(',').map(Number) as [number, number, number, number, number, number];
      const canvas = el.querySelector<HTMLCanvasElement>('canvas[data-testid="overlay-canvas"]');
      if (!canvas) throw new Error('no overlay canvas in this viewport');
      const shown = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const out: number[] = [];
      for (let y = 0; y < h!; y++) {
        for (let x = 0; x < w!; x++) {
          const at = 4 * (Math.floor(a * (x + 0.5) + c * (y + 0.5) + e) + canvas.width * Math.floor(b * (x + 0.5) + d * (y + 0.5) + f));
          out.push(shown[at]!, shown[at + 1]!, shown[at + 2]!, shown[at + 3]!);
        }
      }
      return out;
    },
    [width, height],
  );
  return Uint8ClampedArray.from(values);
}

/** The studio's training worker (assets/training.worker-*.js), once the page has started it. */
export async function trainingWorker(page: Page): Promise<Worker> {
  const find = () => page.workers().find((w) => /\/training\.worker[-.]/.test(w.url()));
  await expect.poll(() => find() !== undefined, { message: 'the training worker never started' }).toBe(true);
  return find()!;
}

/**
 * Freezes the training worker mid-run, whatever the adapter's speed: from inside the worker, it
 * watches the events the worker posts, and once every run in `runs` has posted a finished epoch
 * it swallows the worker's next between-step yield (a MessagePort message to itself), so the
 * experiment awaits forever after the step in progress. An epoch's checkpoint is written before
 * the next step starts, so the stored experiment holds exactly the epochs posted. Resolves at
 * once; `isHeld` says when the worker has stopped. The page is not touched: a reload starts a
 * fresh worker.
 */
export async function holdTrainingAfterEpochs(worker: Worker, runs: readonly string[]): Promise<{ isHeld: () => Promise<boolean> }> {
  await worker.evaluate((names) => {
    const scope = self as unknown as { postMessage: (m: unknown, t?: Transferable[]) => void; __held?: number; __hold?: boolean };
    const finished = new Set<string>();
    const post = scope.postMessage.bind(scope);
    scope.postMessage = (m: unknown, t?: Transferable[]) => {
      const e = m as { type?: string; event?: { type?: string; run?: string } } | null;
      if (e?.type === 'experiment' && e.event?.type === 'epoch' && e.event.run) finished.add(e.event.run);
      if (names.every((n) => finished.has(n))) scope.__hold = true;
      post(m, t);
    };
    const send = MessagePort.prototype.postMessage;
    MessagePort.prototype.postMessage = function (this: MessagePort, ...args: unknown[]) {
      if (scope.__hold) {
        scope.__held = (scope.__held ?? 0) + 1;
        return;
      }
      return (send as (...a: unknown[]) => void).apply(this, args);
    };
  }, [...runs]);
  return { isHeld: () => worker.evaluate(() => ((self as unknown as { __held?: number }).__held ?? 0) > 0) };
}
