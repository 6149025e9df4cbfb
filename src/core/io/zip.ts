/**
 * Zip archives dropped onto the studio: their files join the dataset with their paths inside the
 * archive. Entries are listed first and inflated one at a time when read, so files the pairing
 * leaves out (other modalities, test images, junk) are never decompressed. Directory entries are
 * skipped; junk (__MACOSX, .DS_Store) is left to the pairing, which lists it as ignored.
 */
import { unzipSync } from 'fflate';
import { InputFileError } from './volume';

export interface ArchiveEntry {
  path: string;
  /** Uncompressed size in bytes, as the archive states it. */
  size: number;
  /** Inflates this entry (an InputFileError naming the archive and the entry when corrupt). */
  read: () => Uint8Array;
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The files of a zip archive; an unreadable archive is an InputFileError naming it. */
export function unzipArchive(bytes: Uint8Array, name: string): ArchiveEntry[] {
  const listed: { path: string; size: number }[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        if (!f.name.endsWith('/')) listed.push({ path: f.name, size: f.originalSize });
        return false;
      },
    });
  } catch (e) {
    throw new InputFileError(name, `not a readable zip archive (${reason(e)})`);
  }
  return listed.map(({ path, size }) => ({
    path,
    size,
    read: () => {
      let out: Uint8Array | undefined;
      try {
        out = unzipSync(bytes, { filter: (f) => f.name === path })[path];
      } catch (e) {
        throw new InputFileError(`${name}/${path}`, `could not be extracted from the zip archive (${reason(e)})`);
      }
      if (!out) throw new InputFileError(`${name}/${path}`, 'missing from the zip archive');
      return out;
    },
  }));
}
