/**
 * Regression tests for the hand-made hostile inputs of the fuzz harness (e2e/fuzz/bombs.ts):
 * each is read as a drop reads it and must be refused with its reason (or read, where it is a
 * legal file), without exhausting memory or time.
 */
import { describe, expect, it } from 'vitest';
import { buildBombs } from '../../../e2e/fuzz/bombs';
import { readVolume } from '../io/read';
import { InputFileError } from '../io/volume';
import { loadDataset } from './dataset';

/** What each bomb must give: a refusal matching the pattern, or 'ok'. */
const EXPECTED: Record<string, RegExp | 'ok'> = {
  'bomb/nii.gz-header-4GiB-no-data': /the header describes a 2048 × 2048 × 1024 volume of uint8 voxels \(4\.0 GiB\), more than the 1\.0 GiB/,
  'bomb/nii.gz-4GiB-of-zeros': /the header describes a 2048 × 2048 × 1024 volume/,
  'bomb/gzip-isize-small-inflates-1GiB': /the gzip stream holds more than the 416 bytes its header and size field account for/,
  'bomb/zip-entry-declares-4GiB': /declares 4\.0 GiB uncompressed from \d+ bytes of Deflate data, which expands at most 1032-fold/,
  'bomb/zip64-entry-declares-1TiB': /declares 1\.0 TiB uncompressed, more than the 4\.0 GiB one entry may inflate to/,
  'bomb/zip64-entry-declares-2^62': /declares 4\.0 EiB uncompressed/,
  'bomb/zip-64-entries-share-16MiB': /overlaps .*a crafted \(zip bomb\) or damaged archive/,
  'bomb/zip-entry-inside-another': /overlaps/,
  'bomb/jpeg-claims-10000x10000': /cannot hold a 10000 × 10000 picture/,
  'bomb/tiff-float64-10000x10000-header': /10000 × 10000 pixels of 1 × 64-bit samples \(762\.9 MiB decoded\), more than the 512\.0 MiB/,
  'bomb/tiff-float64-10000x10000-deflate': /more than the 512\.0 MiB one picture may take/,
  'bomb/png-10000x10000-rgba16-tiny-idat': /more than the 512\.0 MiB one picture may take/,
  'bomb/png-10000x10000-1bit-zeros': 'ok',
  'bomb/gif-lzw-self-referencing-code': /the first frame's picture data is corrupt \(LZW: the data starts with code 6/,
  'bomb/mask-float32-2^24+65536-distinct': /not a label mask: more than 65,536 distinct values/,
  'bomb/mask-uint32-200k-distinct': /not a label mask: more than 65,536 distinct values/,
  'bomb/mask-float32-200k-distinct': /not a label mask: more than 65,536 distinct values/,
  'bomb/mask-png16-65536-distinct': /not a label mask: 65536 distinct values/,
};

describe('fuzz bombs are refused with their reason, within the budget', () => {
  for (const bomb of buildBombs()) {
    it(`${bomb.label}: ${bomb.about}`, async () => {
      const want = EXPECTED[bomb.label];
      expect(want, `an expectation for ${bomb.label}`).toBeDefined();
      const bytes = bomb.build();
      let outcome: string;
      if (bomb.mode === 'file') {
        try {
          readVolume(bytes, bomb.name);
          outcome = 'ok';
        } catch (e) {
          expect(e).toBeInstanceOf(InputFileError);
          outcome = (e as InputFileError).problem;
        }
      } else if (bomb.mode === 'zip') {
        const r = await loadDataset([{ path: bomb.name, read: async () => bytes }]);
        const named = r.issues.filter((i) => i.file.startsWith(`${bomb.name}/`));
        outcome = named.length ? named.map((i) => i.message).join(' | ') : 'ok';
      } else {
        // A mask: paired with an image of the same grid (the same bytes read as the image).
        const r = await loadDataset([
          { path: `images/${bomb.name}`, read: async () => bytes },
          { path: `masks/${bomb.name}`, read: async () => bytes },
        ]);
        outcome = r.issues.map((i) => i.message).join(' | ') || 'ok';
      }
      if (want === 'ok') expect(outcome).toBe('ok');
      else expect(outcome).toMatch(want as RegExp);
    }, 60_000);
  }
});
