/**
 * Zip archives for the fuzz harness: a writer that may lie (declared sizes, shared local
 * headers, ZIP64 size fields) for the zip bombs, and a parser that lists the size and offset
 * fields of any archive so the mutators can write interesting values over them.
 */
import { concat, crc32 } from '../../src/core/io/testing/image-fixtures';
import { u16le, u32le, type Field } from './bytes';

export interface ZipEntrySpec {
  name: string;
  /** 0 stored, 8 deflate. */
  method: 0 | 8;
  /** The bytes as stored (already deflated when method is 8). */
  stored: Uint8Array;
  /** Uncompressed size written in the headers. */
  size: number;
  crc: number;
  /**
   * Writes 0xFFFFFFFF as the uncompressed size and this value in a ZIP64 extra field (and makes the
   * archive ZIP64, so readers look there).
   */
  zip64Size?: number;
  /** Points this entry's central record at the local header of an earlier entry (overlapping entries). */
  sameDataAs?: number;
  /** Writes no local record: the central record points at this offset (inside another entry's data). */
  localOffset?: number;
}

/** A stored (uncompressed) entry with honest sizes. */
export function storedEntry(name: string, bytes: Uint8Array): ZipEntrySpec {
  return { name, method: 0, stored: bytes, size: bytes.length, crc: crc32(bytes) };
}

function header(size: number): { u8: Uint8Array; dv: DataView } {
  const u8 = new Uint8Array(size);
  return { u8, dv: new DataView(u8.buffer) };
}

/**
 * The fields a local header shares with a central record; the central record has them 2 bytes
 * further on (after its "version made by").
 */
function recordFields(dv: DataView, shift: 0 | 2, e: ZipEntrySpec, nameLength: number, extraLength: number, zip64: boolean): void {
  dv.setUint16(4 + shift, zip64 ? 45 : 20, true);
  dv.setUint16(8 + shift, e.method, true);
  dv.setUint32(14 + shift, e.crc, true);
  dv.setUint32(18 + shift, e.zip64Size !== undefined ? 0xffffffff : e.stored.length, true);
  dv.setUint32(22 + shift, e.zip64Size !== undefined ? 0xffffffff : e.size, true);
  dv.setUint16(26 + shift, nameLength, true);
  dv.setUint16(28 + shift, extraLength, true);
}

export function writeZip(entries: ZipEntrySpec[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const localAt: number[] = [];
  let at = 0;
  const put = (...ps: Uint8Array[]): void => {
    for (const p of ps) {
      parts.push(p);
      at += p.length;
    }
  };
  const zip64 = entries.some((e) => e.zip64Size !== undefined);
  const extraOf = (e: ZipEntrySpec): Uint8Array => {
    if (e.zip64Size === undefined) return new Uint8Array(0);
    const x = header(4 + 16);
    x.dv.setUint16(0, 1, true);
    x.dv.setUint16(2, 16, true);
    x.dv.setBigUint64(4, BigInt(e.zip64Size), true);
    x.dv.setBigUint64(12, BigInt(e.stored.length), true);
    return x.u8;
  };
  for (const [i, e] of entries.entries()) {
    if (e.sameDataAs !== undefined || e.localOffset !== undefined) {
      localAt[i] = e.localOffset ?? localAt[e.sameDataAs ?? 0] ?? 0;
      continue;
    }
    const name = enc.encode(e.name);
    const extra = extraOf(e);
    const h = header(30);
    h.dv.setUint32(0, 0x04034b50, true);
    recordFields(h.dv, 0, e, name.length, extra.length, zip64);
    localAt[i] = at;
    put(h.u8, name, extra, e.stored);
  }
  const cdStart = at;
  for (const [i, e] of entries.entries()) {
    const src = e.sameDataAs !== undefined ? (entries[e.sameDataAs] ?? e) : e;
    const name = enc.encode(e.name);
    const extra = extraOf(src);
    const h = header(46);
    h.dv.setUint32(0, 0x02014b50, true);
    h.dv.setUint16(4, zip64 ? 45 : 20, true);
    recordFields(h.dv, 2, src, name.length, extra.length, zip64);
    h.dv.setUint32(42, localAt[i] ?? 0, true);
    put(h.u8, name, extra);
  }
  const cdSize = at - cdStart;
  if (zip64) {
    const z = header(56);
    z.dv.setUint32(0, 0x06064b50, true);
    z.dv.setBigUint64(4, 44n, true);
    z.dv.setUint16(12, 45, true);
    z.dv.setUint16(14, 45, true);
    z.dv.setBigUint64(24, BigInt(entries.length), true);
    z.dv.setBigUint64(32, BigInt(entries.length), true);
    z.dv.setBigUint64(40, BigInt(cdSize), true);
    z.dv.setBigUint64(48, BigInt(cdStart), true);
    const loc = header(20);
    loc.dv.setUint32(0, 0x07064b50, true);
    loc.dv.setBigUint64(8, BigInt(at), true);
    loc.dv.setUint32(16, 1, true);
    parts.push(z.u8, loc.u8);
  }
  const eocd = header(22);
  eocd.dv.setUint32(0, 0x06054b50, true);
  eocd.dv.setUint16(8, entries.length, true);
  eocd.dv.setUint16(10, entries.length, true);
  eocd.dv.setUint32(12, cdSize, true);
  eocd.dv.setUint32(16, cdStart, true);
  parts.push(eocd.u8);
  return concat(parts);
}

/** The end-of-central-directory record's offset, or -1. */
function findEocd(b: Uint8Array): number {
  for (let e = b.length - 22; e >= 0 && b.length - e <= 65557; e--) if (u32le(b, e) === 0x06054b50) return e;
  return -1;
}

/** Size, offset, count and method fields of every central record, local header and the EOCD. */
export function zipFields(b: Uint8Array): Field[] {
  const f = (name: string, offset: number, size: 2 | 4, values?: number[]): Field => ({ name, offset, size, le: true, ...(values ? { values } : {}) });
  const out: Field[] = [];
  const e = findEocd(b);
  if (e < 0) return out;
  out.push(f('eocd.entries', e + 8, 2), f('eocd.total', e + 10, 2), f('eocd.cdSize', e + 12, 4), f('eocd.cdOffset', e + 16, 4), f('eocd.comment', e + 20, 2));
  const count = u16le(b, e + 10);
  let o = u32le(b, e + 16);
  const huge = [0xffffffff, 0x7fffffff, 0x80000000, 1 << 30, b.length, b.length + 1];
  for (let i = 0; i < count && o + 46 <= b.length && u32le(b, o) === 0x02014b50; i++) {
    out.push(
      f(`cd${i}.method`, o + 10, 2, [0, 8, 9, 12, 99]),
      f(`cd${i}.crc`, o + 16, 4),
      f(`cd${i}.compSize`, o + 20, 4, huge),
      f(`cd${i}.size`, o + 24, 4, huge),
      f(`cd${i}.nameLen`, o + 28, 2, [0, 0xffff]),
      f(`cd${i}.extraLen`, o + 30, 2, [0xffff, 4]),
      f(`cd${i}.localOffset`, o + 42, 4, [0, 0xffffffff, b.length - 10]),
    );
    const local = u32le(b, o + 42);
    if (local + 30 <= b.length && u32le(b, local) === 0x04034b50) {
      out.push(
        f(`local${i}.method`, local + 8, 2, [0, 8, 9]),
        f(`local${i}.compSize`, local + 18, 4, huge),
        f(`local${i}.size`, local + 22, 4, huge),
        f(`local${i}.nameLen`, local + 26, 2, [0xffff]),
        f(`local${i}.extraLen`, local + 28, 2, [0xffff]),
      );
    }
    o += 46 + u16le(b, o + 28) + u16le(b, o + 30) + u16le(b, o + 32);
  }
  return out;
}
