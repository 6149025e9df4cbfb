/**
 * Files from a drop or a file picker, with their paths inside the dropped folder: folders are
 * walked through the File System entries API (webkitGetAsEntry), picked folders carry
 * webkitRelativePath, loose files keep their names.
 */
import type { DroppedFile } from '../../worker/datasetProtocol';

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call; call until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, prefix: string, out: DroppedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
  } else if (entry.isDirectory) {
    const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
    for (const c of children) await walk(c, path, out);
  }
}

const pathOf = (f: File) => (f.webkitRelativePath || f.name).replace(/^\/+/, '');

/**
 * Collects the files of a drop. Call synchronously from the drop handler: the entries must be
 * taken before the event returns; the walk itself is asynchronous.
 */
export function filesFromDataTransfer(dt: DataTransfer): Promise<DroppedFile[]> {
  const items = Array.from(dt.items).filter((i) => i.kind === 'file');
  const taken = items.map((i) => ({ entry: i.webkitGetAsEntry?.() ?? null, file: i.getAsFile() }));
  const loose = Array.from(dt.files);
  return (async () => {
    const out: DroppedFile[] = [];
    if (taken.some((t) => t.entry?.isDirectory)) {
      for (const t of taken) {
        if (t.entry) await walk(t.entry, '', out);
        else if (t.file) out.push({ path: pathOf(t.file), file: t.file });
      }
      return out;
    }
    const files = loose.length ? loose : taken.map((t) => t.file).filter((f): f is File => f !== null);
    return files.map((file) => ({ path: pathOf(file), file }));
  })();
}

export function filesFromInput(list: FileList | null): DroppedFile[] {
  return Array.from(list ?? []).map((file) => ({ path: pathOf(file), file }));
}
