/**
 * Zip archives dropped onto the studio: their files join the dataset with their paths inside the
 * archive. Directory entries are skipped; junk (__MACOSX, .DS_Store) is left to the pairing,
 * which lists it as ignored.
 */
import { unzipSync } from 'fflate';
import { InputFileError } from './volume';

export interface ArchiveEntry {
  path: string;
  bytes: Uint8Array;
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

/** The files of a zip archive; a corrupt or truncated archive is an InputFileError naming it. */
export function unzipArchive(bytes: Uint8Array, name: string): ArchiveEntry[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new InputFileError(name, `not a readable zip archive (${e instanceof Error ? e.message : String(e)})`);
  }
  return Object.entries(files)
    .filter(([path]) => !path.endsWith('/'))
    .map(([path, data]) => ({ path, bytes: data }));
}
