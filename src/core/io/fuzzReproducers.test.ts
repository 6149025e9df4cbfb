/**
 * Files the fuzz harness (npm run fuzz) found before the readers were bounded, kept as
 * regression tests (__fixtures__/fuzz, each a few hundred bytes): each now ends at once with a
 * message that names what is wrong. Before, they hung (gifuct-js, jpeg-js, fflate's quadratic
 * zip listing) or allocated gigabytes (the tiff package, fflate's declared zip sizes).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../data/dataset';
import { readVolume } from './read';
import { InputFileError } from './volume';

const dir = fileURLToPath(new URL('./__fixtures__/fuzz/', import.meta.url));
const bytesOf = (f: string) => new Uint8Array(readFileSync(dir + f));

function problem(f: string): string {
  try {
    readVolume(bytesOf(f), f);
  } catch (e) {
    expect(e).toBeInstanceOf(InputFileError);
    return (e as InputFileError).problem;
  }
  throw new Error(`${f} was read`);
}

async function zipIssues(f: string): Promise<string[]> {
  const bytes = bytesOf(f);
  const r = await loadDataset([{ path: f, read: async () => bytes }]);
  return r.issues.filter((i) => i.file.startsWith(f)).map((i) => `${i.file}: ${i.message}`);
}

describe('fuzz reproducers', () => {
  it('a 47-byte GIF whose LZW loop hung gifuct-js', () => {
    expect(problem('gif-lzw-loop-47B-found-by-mutation.gif')).toMatch(/^damaged GIF: the first frame's picture data is corrupt \(LZW/);
  });
  it('JPEGs whose frame header says 10000 × 10000 (jpeg-js took 4 s and 1 GB before refusing)', () => {
    expect(problem('jpeg-sof-10000x10000-218B.jpg')).toMatch(/bytes of compressed picture data cannot hold a 10000 × 10000 picture/);
    expect(problem('mask-jpeg-sof-10000x10000.jpg')).toMatch(/cannot hold a 10000 × 10000 picture/);
  });
  it('TIFF tags counting 0xFFFFFFFF values (the tiff package allocated 8 and 16 GiB)', () => {
    expect(problem('tiff-bitspersample-count-ffffffff-8GiB.tif')).toMatch(/^damaged TIFF: tag 258 claims 4294967295 values/);
    expect(problem('tiff-stripoffsets-count-ffffffff-16GiB.tif')).toMatch(/^damaged TIFF: tag 273 claims 4294967295 values/);
  });
  it('zips whose records claim 65,535 entries or 4 GiB, or lost their end record (fflate looped or allocated)', async () => {
    expect(await zipIssues('zip-cd-size-ffffffff-4GiB.zip')).toEqual([expect.stringMatching(/a\.gif: declares 4\.0 GiB uncompressed from 70 bytes of Deflate data/)]);
    for (const f of ['zip-eocd-65535-entries-a.zip', 'zip-eocd-65535-entries-b.zip']) {
      expect(await zipIssues(f)).toEqual([`${f}: a damaged archive: its end record counts 65535 entries on this disk and 3 in all, in a single-part archive`]);
    }
    for (const f of ['zip-eocd-random-bytes.zip', 'zip-phantom-entries-expandArchives.zip']) {
      expect(await zipIssues(f)).toEqual([`${f}: not a zip archive, or a truncated one: it has no end-of-central-directory record`]);
    }
  });
});
