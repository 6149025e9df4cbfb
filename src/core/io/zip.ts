/**
 * Zip archives dropped onto the studio (PKWARE APPNOTE.TXT 6.3.x): their files join the dataset
 * with their paths inside the archive.
 *
 * The archive is read through a {@link ByteSource}, a random-access view of its bytes, so a
 * multi-gigabyte archive never has to sit whole in memory: opening reads the end records and the
 * central directory once (three reads at most), and each entry read takes two more (its local
 * header, then its data). Listing and reading are therefore linear in the number of entries, and
 * files the pairing leaves out (other modalities, junk) are never read at all.
 *
 * Every entry is checked from the central directory before anything of it is inflated: its
 * method and encryption, its declared size against the budget (budget.ts) and against what
 * Deflate can expand its compressed bytes to (inflate.ts MAX_DEFLATE_RATIO), and its bytes
 * against the archive's layout (inside the file, before the central directory, overlapping no
 * other entry: the "overlapping files" zip bomb shares one compressed stream between many
 * entries). An entry that fails a check is a problem of that entry alone; the others still load.
 * When read, an entry is inflated within its declared size (inflate.ts) and its CRC-32 is checked
 * against the central directory's.
 *
 * Not read: split (multi-part) archives, encrypted entries (traditional PKWARE or AES) and
 * methods other than stored (0) and Deflate (8). Directory entries are skipped; junk (__MACOSX,
 * .DS_Store) is left to the pairing, which lists it as ignored.
 */
import { formatBytes, MAX_INFLATED_BYTES } from './budget';
import { crc32 } from './crc32';
import { inflateExact, InflateLimitError, MAX_DEFLATE_RATIO } from './inflate';
import { InputFileError } from './volume';

/** Random access to an archive's bytes: in the browser a File, read with file.slice(start, end). */
export interface ByteSource {
  /** Bytes in all. */
  readonly size: number;
  /** Bytes [start, end), 0 ≤ start ≤ end ≤ size. */
  read(start: number, end: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory (tests, small archives). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (start, end) => bytes.subarray(start, end) };
}

/** What {@link blobSource} needs of a Blob or File. */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A source over a Blob or File: each read is one slice, so only the bytes asked for are loaded. */
export function blobSource(blob: BlobLike): ByteSource {
  return { size: blob.size, read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()) };
}

export interface ArchiveEntry {
  /** The entry's name as stored, '/'-separated. */
  path: string;
  /** Uncompressed size in bytes, as the central directory states it. */
  size: number;
  /** Compressed size in bytes, as the central directory states it. */
  compressedSize: number;
  /**
   * Reads the entry, inflates it within its declared size and checks its size and CRC-32; any
   * failure is an InputFileError naming `${archive}/${path}`.
   */
  read(): Promise<Uint8Array>;
}

export interface ZipListing {
  /** The files that passed every check that can be made before reading them, in central directory order. */
  entries: ArchiveEntry[];
  /** The files that cannot be read, each an InputFileError naming `${archive}/${path}` and why. */
  problems: InputFileError[];
}

/** Most entries (files and directories) one archive may list. */
export const MAX_ZIP_ENTRIES = 1_000_000;

/** Most bytes of central directory read: 1,000,000 entries with names of about 200 characters. */
export const MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;

/** Record signatures (APPNOTE 4.3.7, 4.3.12, 4.3.14, 4.3.15, 4.3.16). */
const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_END = 0x06054b50;

/** Fixed lengths of those records, before their variable fields. */
const LOCAL_SIZE = 30;
const CENTRAL_SIZE = 46;
const ZIP64_END_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const END_SIZE = 22;
/** The end record's comment is at most 65,535 bytes (APPNOTE 4.3.16), so the record starts in the last 65,557. */
const MAX_COMMENT = 0xffff;

/** Extra field ids (APPNOTE 4.5.3 Zip64 extended information, 4.6.9 Info-ZIP Unicode Path). */
const EXTRA_ZIP64 = 0x0001;
const EXTRA_UNICODE_PATH = 0x7075;

/** General purpose bit flags (APPNOTE 4.4.4). */
const FLAG_ENCRYPTED = 1 << 0;
const FLAG_STRONG_ENCRYPTION = 1 << 6;
const FLAG_UTF8 = 1 << 11;

const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** WinZip AES encryption marks its entries with this method (APPNOTE 4.4.5). */
const METHOD_AES = 99;

/** Compression methods by number (APPNOTE 4.4.5), for the message that refuses them. */
const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: 'Shrink',
  2: 'Reduce',
  3: 'Reduce',
  4: 'Reduce',
  5: 'Reduce',
  6: 'Implode',
  9: 'Deflate64',
  10: 'PKWARE DCL Implode',
  12: 'bzip2',
  14: 'LZMA',
  16: 'IBM z/OS CMPSC',
  18: 'IBM TERSE',
  19: 'IBM LZ77 z',
  20: 'Zstandard',
  93: 'Zstandard',
  94: 'MP3',
  95: 'XZ',
  96: 'JPEG',
  97: 'WavPack',
  98: 'PPMd',
};

/** Bytes 0x80–0xFF of code page 437, the encoding of names without the UTF-8 flag (APPNOTE Appendix D.1). */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const utf8 = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * A stored name in text: UTF-8 when bit 11 says so (APPNOTE Appendix D.2); otherwise UTF-8 if the
 * bytes are valid UTF-8 (macOS Archive Utility and others write UTF-8 without setting the bit, and
 * code page 437 text above 0x7F is almost never valid UTF-8), else code page 437.
 */
function decodeName(raw: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return utf8.decode(raw);
  try {
    return utf8Strict.decode(raw);
  } catch {
    let s = '';
    for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH.charAt(b - 0x80);
    return s;
  }
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** An unsigned 64-bit little-endian field; beyond 2^53 it is only approximate, which every range check still refuses. */
const u64 = (dv: DataView, at: number) => dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 2 ** 32;

/** Exactly the bytes [start, end) of the source, or an InputFileError naming `file`. */
async function readRange(source: ByteSource, start: number, end: number, file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await source.read(start, end);
  } catch (e) {
    throw new InputFileError(file, `could not be read (${reason(e)})`);
  }
  if (bytes.length !== end - start) {
    throw new InputFileError(file, `could not be read: ${end - start} bytes asked for at byte ${start}, ${bytes.length} given (the file may have changed while it was read)`);
  }
  return bytes;
}

/**
 * Where the end-of-central-directory record starts in `tail`, or -1. The record nearest the end
 * whose comment reaches exactly to the end of the file wins; failing that, the one nearest the end
 * whose comment fits (some tools append bytes after the archive).
 */
function findEndRecord(tail: Uint8Array): number {
  const dv = view(tail);
  let fits = -1;
  for (let i = tail.length - END_SIZE; i >= 0; i--) {
    if (dv.getUint32(i, true) !== SIG_END) continue;
    const end = i + END_SIZE + dv.getUint16(i + 20, true);
    if (end === tail.length) return i;
    if (end < tail.length && fits < 0) fits = i;
  }
  return fits;
}

/** The central directory as the end records place it. */
interface Directory {
  /** Where it starts and ends in the source. */
  start: number;
  end: number;
  /** Entries it holds, as the end record states. */
  entries: number;
  zip64: boolean;
  /**
   * Bytes before the archive proper (a self-extractor's program): stored offsets count from the
   * archive's own start, so this is added to each.
   */
  shift: number;
}

async function findDirectory(source: ByteSource, name: string): Promise<Directory> {
  const fail = (problem: string) => new InputFileError(name, problem);
  const tailStart = Math.max(0, source.size - (END_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE));
  const tail = await readRange(source, tailStart, source.size, name);
  const at = findEndRecord(tail);
  if (at < 0) {
    throw fail(
      source.size < END_SIZE
        ? `not a zip archive: only ${source.size} bytes`
        : 'not a zip archive, or a truncated one: it has no end-of-central-directory record',
    );
  }
  const dv = view(tail);
  const split = () => fail('a split (multi-part) zip archive, which the studio does not read: join its parts into one archive first (zip -s 0)');
  let disk = dv.getUint16(at + 4, true);
  let directoryDisk = dv.getUint16(at + 6, true);
  let entriesHere = dv.getUint16(at + 8, true);
  let entries = dv.getUint16(at + 10, true);
  let size = dv.getUint32(at + 12, true);
  let offset = dv.getUint32(at + 16, true);
  let end = tailStart + at;
  const locator = at - ZIP64_LOCATOR_SIZE;
  const zip64 = locator >= 0 && dv.getUint32(locator, true) === SIG_ZIP64_LOCATOR;
  if (zip64) {
    // APPNOTE 4.3.15: the locator gives the Zip64 end record's offset from the archive's start.
    if (dv.getUint32(locator + 4, true) !== 0 || dv.getUint32(locator + 16, true) > 1) throw split();
    const locatorAt = tailStart + locator;
    const stated = u64(dv, locator + 8);
    // Where it says, or (bytes before the archive) just before the locator, as writers place it.
    let record: { at: number; dv: DataView } | undefined;
    for (const candidate of [stated, locatorAt - ZIP64_END_SIZE]) {
      if (candidate < 0 || candidate + ZIP64_END_SIZE > locatorAt) continue;
      const bytes = view(await readRange(source, candidate, candidate + ZIP64_END_SIZE, name));
      if (bytes.getUint32(0, true) === SIG_ZIP64_END) {
        record = { at: candidate, dv: bytes };
        break;
      }
    }
    if (!record) throw fail(`a damaged Zip64 archive: no Zip64 end-of-central-directory record at byte ${stated}, where its locator points`);
    // APPNOTE 4.3.14: the Zip64 values replace the end record's (which may hold 0xFFFF/0xFFFFFFFF).
    disk = record.dv.getUint32(16, true);
    directoryDisk = record.dv.getUint32(20, true);
    entriesHere = u64(record.dv, 24);
    entries = u64(record.dv, 32);
    size = u64(record.dv, 40);
    offset = u64(record.dv, 48);
    end = record.at;
  }
  if (disk !== 0 || directoryDisk !== 0) throw split();
  if (entriesHere !== entries) throw fail(`a damaged archive: its end record counts ${entriesHere} entries on this disk and ${entries} in all, in a single-part archive`);
  if (entries > MAX_ZIP_ENTRIES) {
    throw fail(`lists ${entries} entries, more than the ${MAX_ZIP_ENTRIES} the studio reads from one archive: split it into several`);
  }
  if (size > end || offset + size > end) {
    throw fail(`its central directory (${size} bytes at byte ${offset}) does not fit before its end record at byte ${end}: a truncated or damaged archive`);
  }
  if (size > MAX_CENTRAL_DIRECTORY_BYTES) {
    throw fail(`its central directory takes ${formatBytes(size)}, more than the ${formatBytes(MAX_CENTRAL_DIRECTORY_BYTES)} the studio reads: split it into several archives`);
  }
  if (entries * CENTRAL_SIZE > size) {
    throw fail(`a damaged archive: its end record lists ${entries} entries, more than its ${size}-byte central directory can hold`);
  }
  // The directory ends where the end records begin; a difference is bytes before the archive.
  return { start: end - size, end, entries, zip64, shift: end - size - offset };
}

/** One central directory file header (APPNOTE 4.3.12), with what the checks found. */
interface Central {
  path: string;
  directory: boolean;
  method: number;
  flags: number;
  crc: number;
  size: number;
  compressedSize: number;
  /** Where its local header starts in the source. */
  offset: number;
  /** Why it cannot be read, if a check said so. */
  problem?: string;
  /** Its local header and data would not lie wholly before the central directory. */
  outside: boolean;
  /** An entry whose bytes overlap this one's. */
  overlaps?: Central;
  /** Where the next entry's local header (or the central directory) starts: its data must end by then. */
  limit: number;
  next?: Central;
}

/** The data of the first extra field with this id (APPNOTE 4.5.1: id, length, data), cut at the end of the extra bytes. */
function extraField(extra: DataView, id: number): DataView | undefined {
  for (let p = 0; p + 4 <= extra.byteLength; ) {
    const length = extra.getUint16(p + 2, true);
    if (extra.getUint16(p, true) === id) {
      return new DataView(extra.buffer, extra.byteOffset + p + 4, Math.min(length, extra.byteLength - p - 4));
    }
    p += 4 + length;
  }
  return undefined;
}

/**
 * Zip64 extended information (APPNOTE 4.5.3): the 8-byte values of exactly those fields the
 * header holds as 0xFFFFFFFF, in the order uncompressed size, compressed size, local header
 * offset. Without the field the 32-bit values stand as they are (a writer without Zip64 may
 * store a size of 4 GiB − 1); false when the field is too short for the values it should hold.
 */
function applyZip64(record: Central, extra: DataView, wants: { size: boolean; compressed: boolean; offset: boolean }): boolean {
  const field = extraField(extra, EXTRA_ZIP64);
  if (!field) return true;
  if (field.byteLength < 8 * (Number(wants.size) + Number(wants.compressed) + Number(wants.offset))) return false;
  let at = 0;
  const take = () => {
    at += 8;
    return u64(field, at - 8);
  };
  if (wants.size) record.size = take();
  if (wants.compressed) record.compressedSize = take();
  if (wants.offset) record.offset = take();
  return true;
}

/** The Info-ZIP Unicode Path extra field (APPNOTE 4.6.9: version 1, CRC-32 of the header's name, UTF-8 name), when it belongs to this name. */
function unicodePath(extra: DataView, raw: Uint8Array): string | undefined {
  const field = extraField(extra, EXTRA_UNICODE_PATH);
  if (!field || field.byteLength < 5 || field.getUint8(0) !== 1 || field.getUint32(1, true) !== crc32(raw)) return undefined;
  return utf8.decode(new Uint8Array(field.buffer, field.byteOffset + 5, field.byteLength - 5));
}

/** Every header of the central directory, parsed once. */
function parseDirectory(cd: Uint8Array, dir: Directory, name: string): Central[] {
  const dv = view(cd);
  const records: Central[] = [];
  const damaged = (p: number, what: string) =>
    new InputFileError(name, `a damaged archive: central directory header ${records.length + 1} (at byte ${dir.start + p}) ${what}`);
  let p = 0;
  while (p < cd.length) {
    if (records.length >= MAX_ZIP_ENTRIES) {
      throw new InputFileError(name, `lists more than the ${MAX_ZIP_ENTRIES} entries the studio reads from one archive: split it into several`);
    }
    if (p + CENTRAL_SIZE > cd.length) throw damaged(p, 'is cut short by the end of the directory');
    if (dv.getUint32(p, true) !== SIG_CENTRAL) throw damaged(p, 'does not start with its signature');
    const nameLength = dv.getUint16(p + 28, true);
    const extraLength = dv.getUint16(p + 30, true);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + dv.getUint16(p + 32, true);
    if (next > cd.length) throw damaged(p, 'runs past the end of the directory');
    const flags = dv.getUint16(p + 8, true);
    const raw = cd.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength);
    const extra = new DataView(cd.buffer, cd.byteOffset + p + CENTRAL_SIZE + nameLength, extraLength);
    const path = unicodePath(extra, raw) ?? decodeName(raw, (flags & FLAG_UTF8) !== 0);
    const record: Central = {
      path,
      directory: path.endsWith('/'),
      method: dv.getUint16(p + 10, true),
      flags,
      crc: dv.getUint32(p + 16, true),
      compressedSize: dv.getUint32(p + 20, true),
      size: dv.getUint32(p + 24, true),
      offset: dv.getUint32(p + 42, true),
      limit: dir.start,
      outside: false,
    };
    const wants = { size: record.size === 0xffffffff, compressed: record.compressedSize === 0xffffffff, offset: record.offset === 0xffffffff };
    if ((wants.size || wants.compressed || wants.offset) && !applyZip64(record, extra, wants)) {
      record.problem = 'a damaged archive: its Zip64 extra field is too short for the sizes and offset it should hold';
    }
    record.offset += dir.shift;
    record.outside = record.offset + LOCAL_SIZE + record.compressedSize > dir.start;
    records.push(record);
    p = next;
  }
  // Without Zip64 the end record's count is 16 bits, and some writers let it wrap.
  const counted = dir.zip64 ? records.length : records.length % 0x10000;
  if (counted !== dir.entries) {
    throw new InputFileError(name, `a damaged archive: its end record lists ${dir.entries} entries, its central directory holds ${records.length}`);
  }
  return records;
}

/** What the central directory alone shows to be unreadable in one entry (APPNOTE 4.4.4, 4.4.5). */
function entryProblem(r: Central, dir: Directory, maxInflatedBytes: number): string | undefined {
  if (r.problem) return r.problem;
  if ((r.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0 || r.method === METHOD_AES) {
    return 'encrypted: not supported, extract the archive first';
  }
  if (r.method !== METHOD_STORED && r.method !== METHOD_DEFLATE) {
    const method = METHOD_NAMES[r.method];
    return `compressed with ${method ? `${method} (method ${r.method})` : `method ${r.method}`}, which the studio does not read: re-zip with Deflate`;
  }
  if (r.size > maxInflatedBytes) {
    return `declares ${formatBytes(r.size)} uncompressed, more than the ${formatBytes(maxInflatedBytes)} one entry may inflate to`;
  }
  if (r.method === METHOD_STORED && r.size !== r.compressedSize) {
    return `a damaged archive: stored without compression, yet it declares ${r.compressedSize} bytes compressed and ${r.size} uncompressed`;
  }
  // Deflate expands at most MAX_DEFLATE_RATIO-fold; the slack covers a tiny stream's block header.
  if (r.method === METHOD_DEFLATE && r.size > MAX_DEFLATE_RATIO * r.compressedSize + 1024) {
    return `declares ${formatBytes(r.size)} uncompressed from ${formatBytes(r.compressedSize)} of Deflate data, which expands at most ${MAX_DEFLATE_RATIO}-fold: a crafted (zip bomb) or damaged archive`;
  }
  if (r.outside) {
    return `its data (${formatBytes(r.compressedSize)} from byte ${r.offset}) would run past the end of the archive's entries (byte ${dir.start}): a truncated or damaged archive`;
  }
  return undefined;
}

/**
 * Marks the entries whose bytes overlap another's (each entry takes at least its 30-byte local
 * header and its compressed data from its offset), and gives every entry the offset its data must
 * end by: the next entry's local header, or the central directory. Linear after one sort.
 */
function markOverlaps(records: Central[], dir: Directory): void {
  const placed = records.filter((r) => !r.outside);
  placed.sort((a, b) => a.offset - b.offset);
  let reach = -1;
  let reacher: Central | undefined;
  for (const [k, r] of placed.entries()) {
    if (reacher && r.offset < reach) {
      r.overlaps ??= reacher;
      reacher.overlaps ??= r;
    }
    const end = r.offset + LOCAL_SIZE + r.compressedSize;
    if (end > reach) {
      reach = end;
      reacher = r;
    }
    const next = placed[k + 1];
    r.limit = next ? next.offset : dir.start;
    r.next = next;
  }
}

/** The entry's bytes, in an array of their own (a source over memory hands out views of the whole archive). */
const owned = (b: Uint8Array) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());

async function readEntry(source: ByteSource, r: Central, name: string): Promise<Uint8Array> {
  const file = `${name}/${r.path}`;
  const fail = (problem: string) => new InputFileError(file, problem);
  // APPNOTE 4.3.7: the local header's own name and extra lengths place the data.
  const header = view(await readRange(source, r.offset, r.offset + LOCAL_SIZE, file));
  if (header.getUint32(0, true) !== SIG_LOCAL) throw fail(`a damaged archive: no local file header at byte ${r.offset}, where its central directory entry points`);
  const start = r.offset + LOCAL_SIZE + header.getUint16(26, true) + header.getUint16(28, true);
  const end = start + r.compressedSize;
  if (end > r.limit) {
    throw fail(r.next ? `overlaps ${name}/${r.next.path}: a crafted (zip bomb) or damaged archive` : 'its data runs into the central directory: a truncated or damaged archive');
  }
  const data = await readRange(source, start, end, file);
  let out: Uint8Array;
  if (r.method === METHOD_STORED) out = owned(data);
  // Some writers give an empty file no Deflate stream at all.
  else if (r.size === 0 && r.compressedSize === 0) out = data;
  else {
    try {
      out = inflateExact(data, 'raw', r.size);
    } catch (e) {
      if (e instanceof InflateLimitError) {
        throw fail(`inflates to more than the ${r.size} bytes its central directory entry declares: a crafted (zip bomb) or damaged archive`);
      }
      throw fail(`could not be inflated: ${reason(e)}`);
    }
  }
  if (crc32(out) !== r.crc) throw fail('CRC-32 mismatch: the entry is damaged');
  return out;
}

/**
 * Lists a zip archive from its central directory. Problems of the whole archive (not a zip, no
 * end record, a damaged or misplaced central directory, a split archive, too many entries) throw
 * an InputFileError naming `name`; problems of single entries are listed in `problems`, and every
 * other entry can still be read.
 */
export async function openZip(source: ByteSource, name: string, budget: { maxInflatedBytes: number } = { maxInflatedBytes: MAX_INFLATED_BYTES }): Promise<ZipListing> {
  const dir = await findDirectory(source, name);
  const records = parseDirectory(await readRange(source, dir.start, dir.end, name), dir, name);
  for (const r of records) r.problem = entryProblem(r, dir, budget.maxInflatedBytes);
  markOverlaps(records, dir);
  const listing: ZipListing = { entries: [], problems: [] };
  for (const r of records) {
    if (r.directory) continue;
    const problem = r.problem ?? (r.overlaps && `overlaps ${name}/${r.overlaps.path}: a crafted (zip bomb) or damaged archive`);
    if (problem) listing.problems.push(new InputFileError(`${name}/${r.path}`, problem));
    else listing.entries.push({ path: r.path, size: r.size, compressedSize: r.compressedSize, read: () => readEntry(source, r, name) });
  }
  return listing;
}
