import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../core/data/dataset';
import { cvcFixture } from '../core/data/testing/layouts';
import { fileSource, inputFilesFrom } from './nodeFiles';

describe('inputFilesFrom', () => {
  it('a folder is walked like a dropped folder and loads as the same dataset; a zip of it too', async () => {
    const base = mkdtempSync(join(tmpdir(), 'segstudio-'));
    const f = cvcFixture();
    for (const file of f.files) {
      const p = join(base, 'set', file.path);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, file.bytes);
    }
    const files = await inputFilesFrom(join(base, 'set'));
    expect(files.map((x) => x.path)).toEqual(f.files.map((x) => `set/${x.path}`).sort());
    const fromFolder = await loadDataset(files);
    writeFileSync(join(base, 'set.zip'), zipSync(Object.fromEntries(f.files.map((x) => [x.path, x.bytes]))));
    const fromZip = await loadDataset(await inputFilesFrom(join(base, 'set.zip')));
    expect(fromFolder.issues).toEqual([]);
    expect(fromZip.issues).toEqual([]);
    expect(fromFolder.cases.map((c) => c.id)).toEqual(Object.keys(f.expected).sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
    expect(fromZip.cases.map((c) => c.id)).toEqual(fromFolder.cases.map((c) => c.id));
  });
  it('reads ranges of a file and says when there is nothing at a path', async () => {
    const base = mkdtempSync(join(tmpdir(), 'segstudio-'));
    const p = join(base, 'bytes.bin');
    writeFileSync(p, Uint8Array.from({ length: 300 }, (_, i) => i % 256));
    const s = fileSource(p, 300);
    expect(Array.from(await s.read(10, 14))).toEqual([10, 11, 12, 13]);
    expect((await s.read(290, 400)).length).toBe(10);
    await expect(inputFilesFrom(join(base, 'nothing'))).rejects.toThrow(/nothing: no such file or folder/);
  });
  it('follows symbolic links to files and folders, walks a cycle once, and keeps a dangling link as a file that fails by its path', async () => {
    const base = mkdtempSync(join(tmpdir(), 'segstudio-'));
    const f = cvcFixture();
    for (const file of f.files) {
      const p = join(base, 'store', file.path);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, file.bytes);
    }
    // A dataset of links: each file of one folder a link to a file, the other folder a link to a folder.
    const [fileLinks, folderLink] = [...new Set(f.files.map((x) => x.path.split('/').slice(0, 2).join('/')))].sort();
    mkdirSync(join(base, 'set', fileLinks!), { recursive: true });
    for (const file of f.files.filter((x) => x.path.startsWith(`${fileLinks}/`))) symlinkSync(join(base, 'store', file.path), join(base, 'set', file.path));
    symlinkSync(join(base, 'store', folderLink!), join(base, 'set', folderLink!));
    symlinkSync(join(base, 'set'), join(base, 'set', 'again')); // a cycle
    symlinkSync(join(base, 'gone.png'), join(base, 'set', 'dangling.png'));
    const files = await inputFilesFrom(join(base, 'set'));
    expect(files.map((x) => x.path)).toEqual([...f.files.map((x) => `set/${x.path}`), 'set/dangling.png'].sort());
    await expect(files.find((x) => x.path === 'set/dangling.png')!.read()).rejects.toThrow('set/dangling.png: a symbolic link to nothing');
    const loaded = await loadDataset(files.filter((x) => x.path !== 'set/dangling.png'));
    expect(loaded.issues).toEqual([]);
    expect(loaded.cases).toHaveLength(Object.keys(f.expected).length);
  });
});
