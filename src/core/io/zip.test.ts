import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isZip, unzipArchive } from './zip';

describe('zip archives', () => {
  const zip = zipSync({
    'set/images/a.png': Uint8Array.from([1, 2, 3]),
    'set/masks/a.png': Uint8Array.from([4]),
    'set/empty/': new Uint8Array(0),
    '__MACOSX/set/._a.png': Uint8Array.from([9]),
  });
  it('lists the files with their paths, without directory entries', () => {
    expect(isZip(zip)).toBe(true);
    const entries = unzipArchive(zip, 'set.zip');
    expect(entries.map((e) => e.path).sort()).toEqual(['__MACOSX/set/._a.png', 'set/images/a.png', 'set/masks/a.png']);
    expect(Array.from(entries.find((e) => e.path === 'set/images/a.png')?.read() ?? [])).toEqual([1, 2, 3]);
    expect(entries.find((e) => e.path === 'set/images/a.png')?.size).toBe(3);
  });
  it('a truncated archive names the file', () => {
    expect(() => unzipArchive(zip.slice(0, zip.length - 30), 'set.zip')).toThrow(/^set.zip: not a readable zip archive/);
  });
  it('recognises zip bytes', () => {
    expect(isZip(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
  });
});
