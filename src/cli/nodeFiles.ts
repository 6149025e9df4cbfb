/**
 * Files on disk as the studio's loader takes them (core/data/dataset.ts InputFile): a folder is
 * walked like a dropped folder (paths keep the folder's own name, '/'-separated, in sorted
 * order), a zip archive is read through random access (only the entries the pairing uses are
 * read), and a single file is itself. Files are read when the loader asks for them.
 *
 * Symbolic links are followed, as a file manager's drop follows them: a link to a file is that
 * file under the link's path, a link to a folder is walked under the link's path (a folder met
 * again through a link, a cycle, is walked once). A link that points to nothing stays in the list
 * and fails when read, so the loader reports it by path among the files it could not use.
 */
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { InputFile } from '../core/data/dataset';
import type { ByteSource } from '../core/io/zip';

/** Random access to a file on disk: one positioned read per request. */
export function fileSource(path: string, size: number): ByteSource {
  return {
    size,
    async read(start: number, end: number): Promise<Uint8Array> {
      const length = Math.max(0, Math.min(end, size) - start);
      const out = new Uint8Array(length);
      const fh = await open(path, 'r');
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(out, done, length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === length ? out : out.subarray(0, done);
      } finally {
        await fh.close();
      }
    },
  };
}

/** The input files under `path` (a folder, a zip archive, or one file); an Error when there is nothing there. */
export async function inputFilesFrom(path: string): Promise<InputFile[]> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or folder`);
  }
  if (s.isFile()) {
    const name = basename(path);
    return [{ path: name, read: async () => new Uint8Array(await readFile(path)), source: fileSource(path, s.size) }];
  }
  if (!s.isDirectory()) throw new Error(`${path}: neither a file nor a folder`);
  const root = join(path, '..');
  const out: InputFile[] = [];
  const walked = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (walked.has(real)) return;
    walked.add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      const at = relative(root, p).split(sep).join('/');
      let target: Awaited<ReturnType<typeof stat>> | null = null;
      if (e.isSymbolicLink()) {
        try {
          target = await stat(p);
        } catch (err) {
          const why = (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a loop of symbolic links' : 'a symbolic link to nothing';
          out.push({ path: at, read: () => Promise.reject(new Error(`${at}: ${why}`)) });
          continue;
        }
      }
      if (e.isDirectory() || target?.isDirectory()) await walk(p);
      else if (e.isFile() || target?.isFile()) {
        const size = (target ?? (await stat(p))).size;
        out.push({ path: at, read: async () => new Uint8Array(await readFile(p)), source: fileSource(p, size) });
      }
    }
  };
  await walk(path);
  return out;
}
