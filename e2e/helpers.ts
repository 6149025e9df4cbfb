/** Helpers for dropping real files onto the page from Node: a DataTransfer built in the page. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';

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
