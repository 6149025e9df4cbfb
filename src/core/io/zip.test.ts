import { deflateSync, gzipSync, Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_INFLATED_BYTES } from './budget';
import { InputFileError } from './volume';
import { blobSource, type ByteSource, bytesSource, isZip, MAX_ZIP_ENTRIES, openZip, type ZipListing } from './zip';

const ramp = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed + (i >> 8)) & 255);
/** Byte-for-byte equality, quicker than a deep equality over large arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
const flip = (bytes: Uint8Array, at: number, mask: number) => {
  bytes[at] = (bytes[at] as number) ^ mask;
};
const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));

/** CRC-32 of `data` from an independent writer: fflate's gzip trailer (RFC 1952 §2.3.1). */
function crcOf(data: Uint8Array): number {
  const gz = gzipSync(data, { level: 0 });
  return new DataView(gz.buffer, gz.byteOffset, gz.byteLength).getUint32(gz.length - 8, true);
}

const le16 = (v: number) => [v & 255, (v >>> 8) & 255];
const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const le64 = (v: number) => [...le32(v % 2 ** 32), ...le32(Math.floor(v / 2 ** 32))];

/** One entry of a hand-built archive; every field the reader checks can be set apart from the data. */
interface Spec {
  /** A string (written as UTF-8) or raw name bytes. */
  name: string | number[];
  data?: Uint8Array;
  /** 0 (default) or 8 compress `data`; any other method writes `payload` as it is. */
  method?: number;
  payload?: Uint8Array;
  flags?: number;
  /** Declared in the central directory instead of the true values. */
  size?: number;
  compressedSize?: number;
  crc?: number;
  /** Flag bit 3: zeros in the local header and a data descriptor after the data. */
  descriptor?: boolean;
  /** No local record of its own: the central header points at entry k's. */
  sameOffsetAs?: number;
  localExtra?: number[];
  centralExtra?: number[];
}

interface Build {
  /** Zip64 records and Zip64 extra fields for every size and offset (APPNOTE 4.3.14, 4.3.15, 4.5.3). */
  zip64?: boolean;
  /** Bytes before the archive (a self-extractor), offsets still counted from the archive's start. */
  prefix?: Uint8Array;
  /** Entries the end records declare, instead of the true count. */
  declaredEntries?: number;
  /** The end record's disk number (a split archive's last part is not disk 0). */
  disk?: number;
}

/** Bytes appended piece by piece: header fields as numbers, payloads as arrays. */
class Writer {
  readonly parts: Uint8Array[] = [];
  length = 0;
  push(...fields: (number[] | Uint8Array)[]): void {
    for (const f of fields) {
      const part = Uint8Array.from(f);
      this.parts.push(part);
      this.length += part.length;
    }
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** The Zip64 end record's size field: its length after the first 12 bytes, with no extensible data (APPNOTE 4.3.14.1). */
const ZIP64_RECORD_REST = 44;

/** A zip archive written by hand, following APPNOTE 4.3. */
function buildZip(specs: Spec[], opts: Build = {}): Uint8Array {
  const zip64 = opts.zip64 ?? false;
  const out = new Writer();
  const central = new Writer();
  if (opts.prefix) out.push(opts.prefix);
  const start = out.length;
  const offsets: number[] = [];
  for (const [k, s] of specs.entries()) {
    const name = typeof s.name === 'string' ? utf8(s.name) : s.name;
    const data = s.data ?? new Uint8Array(0);
    const method = s.method ?? 0;
    const payload = s.payload ?? (method === 8 ? deflateSync(data) : data);
    const crc = s.crc ?? crcOf(data);
    const size = s.size ?? data.length;
    const compressed = s.compressedSize ?? payload.length;
    const flags = (s.flags ?? 0) | (s.descriptor ? 8 : 0) | (typeof s.name === 'string' ? 0x800 : 0);
    const version = le16(zip64 ? 45 : 20);
    const offset = s.sameOffsetAs === undefined ? out.length - start : (offsets[s.sameOffsetAs] as number);
    if (s.sameOffsetAs === undefined) {
      const localExtra = [...(zip64 ? [...le16(1), ...le16(16), ...le64(size), ...le64(compressed)] : []), ...(s.localExtra ?? [])];
      const sizes = s.descriptor ? [0, 0, 0] : zip64 ? [crc, 0xffffffff, 0xffffffff] : [crc, compressed, size];
      out.push(le32(0x04034b50), version, le16(flags), le16(method), le16(0), le16(0x21), ...sizes.map(le32));
      out.push(le16(name.length), le16(localExtra.length), name, localExtra, payload);
      if (s.descriptor) out.push(le32(0x08074b50), le32(crc), le32(compressed), le32(size));
    }
    offsets[k] = offset;
    const centralExtra = [...(zip64 ? [...le16(1), ...le16(24), ...le64(size), ...le64(compressed), ...le64(offset)] : []), ...(s.centralExtra ?? [])];
    const big = (v: number) => le32(zip64 ? 0xffffffff : v);
    central.push(le32(0x02014b50), version, version, le16(flags), le16(method), le16(0), le16(0x21), le32(crc), big(compressed), big(size));
    central.push(le16(name.length), le16(centralExtra.length), le16(0), le16(0), le16(0), le32(0), big(offset), name, centralExtra);
  }
  const cdOffset = out.length - start;
  out.push(...central.parts);
  const entries = opts.declaredEntries ?? specs.length;
  const disk = opts.disk ?? 0;
  if (zip64) {
    const recordAt = out.length - start;
    out.push(le32(0x06064b50), le64(ZIP64_RECORD_REST), le16(45), le16(45), le32(disk), le32(disk));
    out.push(le64(entries), le64(entries), le64(central.length), le64(cdOffset));
    out.push(le32(0x07064b50), le32(disk), le64(recordAt), le32(disk + 1));
    out.push(le32(0x06054b50), le16(0xffff), le16(0xffff), le16(0xffff), le16(0xffff), le32(0xffffffff), le32(0xffffffff), le16(0));
  } else {
    out.push(le32(0x06054b50), le16(disk), le16(disk), le16(entries & 0xffff), le16(entries & 0xffff));
    out.push(le32(central.length), le32(cdOffset), le16(0));
  }
  return out.bytes();
}

/** A source that records every range read from it. */
function countingSource(bytes: Uint8Array): ByteSource & { reads: [number, number][] } {
  const inner = bytesSource(bytes);
  const reads: [number, number][] = [];
  return { size: inner.size, reads, read: (start, end) => (reads.push([start, end]), inner.read(start, end)) };
}

const open = (bytes: Uint8Array, name = 'set.zip') => openZip(bytesSource(bytes), name);
const entry = (listing: ZipListing, path: string) => {
  const e = listing.entries.find((x) => x.path === path);
  if (!e) throw new Error(`${path} not listed`);
  return e;
};
const problemsOf = (listing: ZipListing) => listing.problems.map((p) => [p.file, p.problem] as const);
async function contents(listing: ZipListing): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const e of listing.entries) out[e.path] = Array.from(await e.read());
  return out;
}

describe('openZip: archives as writers make them', () => {
  const files = {
    'données/imágenes/caso_一.png': ramp(3000, 1),
    'données/masques/caso_一.png': ramp(200, 2),
    'données/vacío/': new Uint8Array(0),
    'données/empty.txt': new Uint8Array(0),
    '__MACOSX/données/._caso_一.png': Uint8Array.from([9]),
  };
  const expected = Object.fromEntries(Object.entries(files).filter(([p]) => !p.endsWith('/')).map(([p, d]) => [p, Array.from(d)]));

  for (const level of [0, 6] as const) {
    it(`reads ${level === 0 ? 'stored' : 'deflated'} entries with UTF-8 names, skipping directories (fflate zipSync, level ${level})`, async () => {
      const zip = zipSync(files, { level });
      expect(isZip(zip)).toBe(true);
      const listing = await open(zip);
      expect(listing.problems).toEqual([]);
      expect(listing.entries.map((e) => e.path)).toEqual(Object.keys(expected));
      expect(await contents(listing)).toEqual(expected);
      const image = entry(listing, 'données/imágenes/caso_一.png');
      expect(image.size).toBe(3000);
      if (level === 0) expect(image.compressedSize).toBe(3000);
      else expect(image.compressedSize).toBeLessThan(3000);
    });
  }

  it('reads an entry whose Deflate stream spans many inflater slices, through a Blob as the browser gives a File', async () => {
    const big = ramp(1_500_000, 7);
    const zip = zipSync({ 'big.raw': big, 'small.raw': ramp(10) }, { level: 1 });
    const listing = await openZip(blobSource(new Blob([zip])), 'big.zip');
    expect(sameBytes(await entry(listing, 'big.raw').read(), big)).toBe(true);
    expect(sameBytes(await entry(listing, 'small.raw').read(), ramp(10))).toBe(true);
  });

  it('returns each stored entry in an array of its own, not a view of the archive', async () => {
    const zip = zipSync({ 'a.raw': ramp(100) }, { level: 0 });
    const bytes = await entry(await open(zip), 'a.raw').read();
    expect(bytes.buffer.byteLength).toBe(100);
  });

  it('reads entries with data descriptors (flag bit 3): sizes and CRC from the central directory', async () => {
    const parts: Uint8Array[] = [];
    const writer = new Zip((err, chunk) => {
      if (err) throw err;
      parts.push(chunk);
    });
    const deflated = new ZipDeflate('scan/a.raw', { level: 6 });
    const stored = new ZipPassThrough('scan/b.raw');
    writer.add(deflated);
    writer.add(stored);
    deflated.push(ramp(5000, 3), true);
    stored.push(ramp(700, 4), true);
    writer.end();
    const zip = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
    // The local headers say bit 3 and hold zero sizes: only the central directory has them.
    expect(zip[6]! & 8).toBe(8);
    expect(Array.from(zip.subarray(18, 26))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await contents(await open(zip))).toEqual({ 'scan/a.raw': Array.from(ramp(5000, 3)), 'scan/b.raw': Array.from(ramp(700, 4)) });

    const byHand = buildZip([
      { name: 'c.raw', data: ramp(900), method: 8, descriptor: true },
      { name: 'd.raw', data: ramp(50), descriptor: true },
    ]);
    expect(await contents(await open(byHand))).toEqual({ 'c.raw': Array.from(ramp(900)), 'd.raw': Array.from(ramp(50)) });
  });

  it('decodes names without the UTF-8 flag as code page 437, unless they are valid UTF-8; an Info-ZIP Unicode Path field wins', async () => {
    const cp437 = [...utf8('caf'), 0x82, ...utf8('_'), 0xe1, 0x9c, ...utf8('.png')]; // é, ß, £ in code page 437
    const unflagged = utf8('naïve.png');
    const unicode = utf8('ünïcode.png');
    const field = [1, ...le32(crcOf(Uint8Array.from(utf8('u.png')))), ...unicode];
    const zip = buildZip([
      { name: cp437, data: ramp(5) },
      { name: unflagged, data: ramp(6) },
      { name: utf8('u.png'), data: ramp(7), centralExtra: [...le16(0x7075), ...le16(field.length), ...field] },
    ]);
    const listing = await open(zip);
    expect(listing.entries.map((e) => e.path)).toEqual(['café_ß£.png', 'naïve.png', 'ünïcode.png']);
    expect(Array.from(await entry(listing, 'ünïcode.png').read())).toEqual(Array.from(ramp(7)));
  });

  it('reads Zip64 archives: end record, locator and the extra field 0x0001, with local extra fields of their own length', async () => {
    const zip = buildZip(
      [
        { name: 'z/a.raw', data: ramp(4000, 5), method: 8 },
        { name: 'z/b.raw', data: ramp(33, 6), localExtra: [...le16(0x5455), ...le16(5), 1, 2, 3, 4, 5] },
      ],
      { zip64: true },
    );
    const listing = await open(zip, 'z64.zip');
    expect(listing.problems).toEqual([]);
    expect(listing.entries.map((e) => [e.path, e.size])).toEqual([
      ['z/a.raw', 4000],
      ['z/b.raw', 33],
    ]);
    expect(await contents(listing)).toEqual({ 'z/a.raw': Array.from(ramp(4000, 5)), 'z/b.raw': Array.from(ramp(33, 6)) });
  });

  it('reads an archive behind a self-extractor program: offsets count from the archive’s own start', async () => {
    const prefix = Uint8Array.from([0x4d, 0x5a, ...ramp(5000, 9)]);
    const plain = zipSync({ 'a.raw': ramp(300), 'b.raw': ramp(20) }, { level: 6 });
    const sfx = Uint8Array.from([...prefix, ...plain]);
    expect(isZip(sfx)).toBe(false);
    expect(await contents(await open(sfx))).toEqual({ 'a.raw': Array.from(ramp(300)), 'b.raw': Array.from(ramp(20)) });
    const sfx64 = buildZip([{ name: 'c.raw', data: ramp(90), method: 8 }], { zip64: true, prefix });
    expect(await contents(await open(sfx64))).toEqual({ 'c.raw': Array.from(ramp(90)) });
  });

  it('lists and reads 10,000 entries with two reads per entry and each byte read about once', async () => {
    const n = 10_000;
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < n; i++) many[`set/images/case_${String(i).padStart(5, '0')}.png`] = ramp(40 + (i % 50), i);
    const zip = zipSync(many, { level: 6 });
    const source = countingSource(zip);
    const listing = await openZip(source, 'many.zip');
    expect(listing.problems).toEqual([]);
    expect(source.reads.length).toBeLessThanOrEqual(3);
    let same = 0;
    for (const e of listing.entries) if (sameBytes(await e.read(), many[e.path] ?? new Uint8Array(0))) same++;
    expect(same).toBe(n);
    expect(source.reads.length).toBeLessThanOrEqual(3 + 2 * n);
    const bytesRead = source.reads.reduce((sum, [a, b]) => sum + (b - a), 0);
    // The tail (≤ 65,577 bytes) and the central directory may be read twice; nothing else is.
    expect(bytesRead).toBeLessThanOrEqual(zip.length + 65_577);
  });
});

describe('openZip: entries that cannot be read are named, and the others still load', () => {
  it('a flipped byte inside a stored entry is a CRC-32 error naming the entry', async () => {
    const b = ramp(64, 11);
    const zip = zipSync({ 'set/a.png': ramp(64, 10), 'set/b.png': b, 'set/c.png': ramp(64, 12) }, { level: 0 });
    const at = zip.findIndex((_, i) => b.every((v, k) => zip[i + k] === v));
    expect(at).toBeGreaterThan(0);
    flip(zip, at + 17, 0x10);
    const listing = await open(zip);
    await expect(entry(listing, 'set/b.png').read()).rejects.toThrow(new InputFileError('set.zip/set/b.png', 'CRC-32 mismatch: the entry is damaged'));
    expect(Array.from(await entry(listing, 'set/a.png').read())).toEqual(Array.from(ramp(64, 10)));
    expect(Array.from(await entry(listing, 'set/c.png').read())).toEqual(Array.from(ramp(64, 12)));
  });

  it('a flipped bit in a Deflate stream is refused (corrupt stream or CRC-32), never returned', async () => {
    const data = ramp(20_000, 13);
    const zip = zipSync({ 'd.raw': data }, { level: 6 });
    const local = 30 + 'd.raw'.length;
    const { compressedSize } = entry(await open(zip), 'd.raw');
    expect(compressedSize).toBeGreaterThan(100);
    for (const at of [3, compressedSize >> 1, compressedSize - 3]) {
      const bad = zip.slice();
      flip(bad, local + at, 0x04);
      await expect(entry(await open(bad), 'd.raw').read()).rejects.toThrow(/^set\.zip\/d\.raw: (CRC-32 mismatch|could not be inflated|inflates to more)/);
    }
  });

  it('an entry declaring 4 GB from a small Deflate stream is refused before any of its bytes are read', async () => {
    // ok.raw is larger than the 65,577 bytes searched for the end records, which never reach the bomb.
    const data = ramp(5000);
    const zip = buildZip([
      { name: 'bomb.raw', data, method: 8, size: 0xffffffff },
      { name: 'ok.raw', data: ramp(70_000) },
    ]);
    const bombEnd = 30 + 'bomb.raw'.length + deflateSync(data).length;
    const source = countingSource(zip);
    const listing = await openZip(source, 'set.zip');
    expect(problemsOf(listing)).toEqual([['set.zip/bomb.raw', expect.stringMatching(/^declares 4\.0 GiB uncompressed from .* expands at most 1032-fold: a crafted \(zip bomb\) or damaged archive$/)]]);
    expect(listing.entries.map((e) => e.path)).toEqual(['ok.raw']);
    // Only the end records and the central directory were read, not the entry's local record.
    expect(source.reads.length).toBeGreaterThan(0);
    expect(source.reads.every(([start]) => start >= bombEnd)).toBe(true);
    expect(sameBytes(await entry(listing, 'ok.raw').read(), ramp(70_000))).toBe(true);
  });

  it('an entry declaring more than the budget is refused: the default 4 GiB (Zip64) and a smaller one', async () => {
    const zip64 = buildZip([{ name: 'huge.raw', method: 8, payload: ramp(100), size: 5 * 2 ** 30 }], { zip64: true });
    expect(problemsOf(await open(zip64))).toEqual([['set.zip/huge.raw', `declares 5.0 GiB uncompressed, more than the 4.0 GiB one entry may inflate to`]]);
    expect(MAX_INFLATED_BYTES).toBe(4 * 2 ** 30);
    const zip = zipSync({ 'a.raw': ramp(3000), 'b.raw': ramp(100) });
    const listing = await openZip(bytesSource(zip), 'set.zip', { maxInflatedBytes: 1024 });
    expect(problemsOf(listing)).toEqual([['set.zip/a.raw', 'declares 2.9 KiB uncompressed, more than the 1.0 KiB one entry may inflate to']]);
    expect(listing.entries.map((e) => e.path)).toEqual(['b.raw']);
  });

  it('a Deflate stream longer than its declared size is stopped at that size; a shorter one is refused too', async () => {
    const zip = buildZip([
      { name: 'long.raw', data: ramp(100_000), method: 8, size: 1000 },
      { name: 'short.raw', data: ramp(1000), method: 8, size: 1200 },
      { name: 'ok.raw', data: ramp(1000), method: 8 },
    ]);
    const listing = await open(zip);
    await expect(entry(listing, 'long.raw').read()).rejects.toThrow(
      new InputFileError('set.zip/long.raw', 'inflates to more than the 1000 bytes its central directory entry declares: a crafted (zip bomb) or damaged archive'),
    );
    await expect(entry(listing, 'short.raw').read()).rejects.toThrow(/^set\.zip\/short\.raw: could not be inflated: the compressed data inflates to 1000 bytes, 1200 expected/);
    expect(Array.from(await entry(listing, 'ok.raw').read())).toEqual(Array.from(ramp(1000)));
  });

  it('two central entries pointing at the same local data are both named, each with the other', async () => {
    const zip = buildZip([
      { name: 'a.raw', data: ramp(500), method: 8 },
      { name: 'b.raw', data: ramp(500), method: 8, sameOffsetAs: 0 },
      { name: 'c.raw', data: ramp(40) },
    ]);
    const listing = await open(zip, 'bomb.zip');
    expect(problemsOf(listing)).toEqual([
      ['bomb.zip/a.raw', 'overlaps bomb.zip/b.raw: a crafted (zip bomb) or damaged archive'],
      ['bomb.zip/b.raw', 'overlaps bomb.zip/a.raw: a crafted (zip bomb) or damaged archive'],
    ]);
    expect(await contents(listing)).toEqual({ 'c.raw': Array.from(ramp(40)) });
  });

  it('an entry whose data, placed by its local header, runs into the next entry is refused when read', async () => {
    // The central directory says 8 bytes more than the data: too few to show before the local
    // header's 30-byte extra field is known, enough to reach into the next entry's local header.
    const extra = [...le16(0x5455), ...le16(26), ...new Array<number>(26).fill(0)];
    const zip = buildZip([
      { name: 'a.raw', data: ramp(64), compressedSize: 72, size: 72, localExtra: extra },
      { name: 'b.raw', data: ramp(64, 1) },
    ]);
    const listing = await open(zip);
    expect(listing.problems).toEqual([]);
    await expect(entry(listing, 'a.raw').read()).rejects.toThrow(new InputFileError('set.zip/a.raw', 'overlaps set.zip/b.raw: a crafted (zip bomb) or damaged archive'));
    expect(Array.from(await entry(listing, 'b.raw').read())).toEqual(Array.from(ramp(64, 1)));
  });

  it('encrypted entries and methods the studio does not read are named with the method', async () => {
    const zip = buildZip([
      { name: 'secret.png', data: ramp(30), flags: 1 },
      { name: 'aes.png', method: 99, flags: 1, payload: ramp(40) },
      { name: 'b.nii', method: 12, payload: ramp(50) },
      { name: 'l.nii', method: 14, payload: ramp(50) },
      { name: 'z.nii', method: 93, payload: ramp(50) },
      { name: 'odd.nii', method: 42, payload: ramp(50) },
      { name: 'ok.png', data: ramp(20) },
    ]);
    const listing = await open(zip);
    expect(problemsOf(listing)).toEqual([
      ['set.zip/secret.png', 'encrypted: not supported, extract the archive first'],
      ['set.zip/aes.png', 'encrypted: not supported, extract the archive first'],
      ['set.zip/b.nii', 'compressed with bzip2 (method 12), which the studio does not read: re-zip with Deflate'],
      ['set.zip/l.nii', 'compressed with LZMA (method 14), which the studio does not read: re-zip with Deflate'],
      ['set.zip/z.nii', 'compressed with Zstandard (method 93), which the studio does not read: re-zip with Deflate'],
      ['set.zip/odd.nii', 'compressed with method 42, which the studio does not read: re-zip with Deflate'],
    ]);
    expect(await contents(listing)).toEqual({ 'ok.png': Array.from(ramp(20)) });
  });

  it('entries whose sizes or places cannot be true are named', async () => {
    const zip = buildZip([
      { name: 'stored.raw', data: ramp(10), size: 11 },
      { name: 'far.raw', data: ramp(10), compressedSize: 100_000, size: 100_000 },
      // Both sizes say "see the Zip64 field", which holds only one of them.
      { name: 'short64.raw', data: ramp(10), compressedSize: 0xffffffff, size: 0xffffffff, centralExtra: [...le16(1), ...le16(8), ...le64(10)] },
      { name: 'ok.raw', data: ramp(10) },
    ]);
    expect(problemsOf(await open(zip))).toEqual([
      ['set.zip/stored.raw', 'a damaged archive: stored without compression, yet it declares 10 bytes compressed and 11 uncompressed'],
      ['set.zip/far.raw', expect.stringMatching(/^its data \(97\.7 KiB from byte \d+\) would run past the end of the archive's entries \(byte \d+\): a truncated or damaged archive$/)],
      ['set.zip/short64.raw', 'a damaged archive: its Zip64 extra field is too short for the sizes and offset it should hold'],
    ]);
  });
  it('a file that can no longer be read (changed or removed since the drop) is an error naming the entry', async () => {
    const zip = zipSync({ 'a.raw': ramp(30), 'b.raw': ramp(40) }, { level: 0 });
    let gone = false;
    const source: ByteSource = {
      size: zip.length,
      read: async (start, end) => {
        if (gone) throw new Error('the file could not be read');
        return zip.subarray(start, end);
      },
    };
    const listing = await openZip(source, 'set.zip');
    gone = true;
    await expect(entry(listing, 'a.raw').read()).rejects.toThrow(new InputFileError('set.zip/a.raw', 'could not be read (the file could not be read)'));
    const short: ByteSource = { size: zip.length, read: async (start, end) => zip.subarray(start, Math.min(end, start + 10)) };
    await expect(openZip(short, 'set.zip')).rejects.toThrow(/^set\.zip: could not be read: \d+ bytes asked for at byte 0, 10 given/);
  });
});

describe('openZip: archives that cannot be read at all name the archive', () => {
  const zip = zipSync({ 'set/a.png': ramp(300), 'set/b.png': ramp(200) }, { level: 6 });
  const refused = async (bytes: Uint8Array) => {
    try {
      await open(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(InputFileError);
      return (e as InputFileError).message;
    }
    throw new Error('opened');
  };

  it('a truncated archive has no end record', async () => {
    for (const cut of [1, 10, 30, 100]) {
      expect(await refused(zip.slice(0, zip.length - cut))).toBe(
        'set.zip: not a zip archive, or a truncated one: it has no end-of-central-directory record',
      );
    }
    expect(await refused(Uint8Array.from([0x50, 0x4b, 3, 4]))).toBe('set.zip: not a zip archive: only 4 bytes');
    expect(await refused(ramp(100_000))).toMatch(/no end-of-central-directory record/);
  });

  it('an archive that lost its start has its central directory outside the file', async () => {
    expect(await refused(zip.slice(200))).toMatch(/^set\.zip: its central directory \(\d+ bytes at byte \d+\) does not fit before its end record at byte \d+: a truncated or damaged archive$/);
  });

  it('a damaged central directory header', async () => {
    const cd = zip.length - 22 - 2 * (46 + 9);
    const bad = zip.slice();
    bad[cd + 46 + 9] = 0x51;
    expect(await refused(bad)).toBe(`set.zip: a damaged archive: central directory header 2 (at byte ${cd + 55}) does not start with its signature`);
    const long = zip.slice();
    long[cd + 46 + 9 + 28] = 200;
    expect(await refused(long)).toBe(`set.zip: a damaged archive: central directory header 2 (at byte ${cd + 55}) runs past the end of the directory`);
  });

  it('a count the directory does not hold, too many entries, a split archive, a lost Zip64 record', async () => {
    const two = [
      { name: 'a', data: ramp(3) },
      { name: 'b', data: ramp(3) },
    ];
    expect(await refused(buildZip(two, { declaredEntries: 1 }))).toBe('set.zip: a damaged archive: its end record lists 1 entries, its central directory holds 2');
    expect(await refused(buildZip(two, { declaredEntries: 3 }))).toBe('set.zip: a damaged archive: its end record lists 3 entries, more than its 94-byte central directory can hold');
    expect(await refused(buildZip(two, { zip64: true, declaredEntries: MAX_ZIP_ENTRIES + 1 }))).toBe(
      'set.zip: lists 1000001 entries, more than the 1000000 the studio reads from one archive: split it into several',
    );
    expect(await refused(buildZip(two, { disk: 1 }))).toMatch(/^set\.zip: a split \(multi-part\) zip archive/);
    const z64 = buildZip(two, { zip64: true });
    const record = z64.length - 22 - 20 - 56;
    z64[record] = 0;
    expect(await refused(z64)).toBe(`set.zip: a damaged Zip64 archive: no Zip64 end-of-central-directory record at byte ${record}, where its locator points`);
  });

  it('recognises zip bytes by their magic number', () => {
    expect(isZip(zip)).toBe(true);
    expect(isZip(buildZip([]))).toBe(true);
    expect(isZip(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
  });

  it('an empty archive lists nothing', async () => {
    expect(await open(buildZip([]))).toEqual({ entries: [], problems: [] });
  });
});
