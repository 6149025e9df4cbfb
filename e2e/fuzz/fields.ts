/**
 * Where the header fields and structural units of each format lie, found by walking the bytes
 * (tolerantly: a damaged file gives the fields found before the damage). The mutators write
 * interesting values over these fields and duplicate these units.
 */
import { crc32 } from '../../src/core/io/testing/image-fixtures';
import { u16be, u16le, u32be, u32le, type Field } from './bytes';
import { zipFields } from './zipfile';

export type Kind = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff' | 'nii' | 'gz' | 'zip';

/** A structural unit: [start, end) and what it is (a PNG chunk, a JPEG segment, ...). */
export interface Unit {
  start: number;
  end: number;
  what: string;
}

/** Picture and volume sizes worth trying: zero, one, past 2^15, 2^16, √2^31, 10⁴, 10⁵. */
const DIMS = [0, 1, 0x7fff, 0x8000, 0xffff, 46341, 10000, 100000];

const fld = (name: string, offset: number, size: 1 | 2 | 4 | 8, le: boolean, values?: number[], float = false): Field => ({
  name,
  offset,
  size,
  le,
  ...(float ? { float } : {}),
  ...(values ? { values } : {}),
});

// ---------------------------------------------------------------------------------------------
// PNG

export function pngChunks(b: Uint8Array): Unit[] {
  const out: Unit[] = [];
  for (let pos = 8; pos + 12 <= b.length; ) {
    const len = u32be(b, pos);
    const end = pos + 12 + len;
    if (len > b.length) break;
    out.push({ start: pos, end: Math.min(end, b.length), what: String.fromCharCode(...b.subarray(pos + 4, pos + 8)) });
    pos = end;
  }
  return out;
}

function pngFields(b: Uint8Array): Field[] {
  const out: Field[] = [
    fld('IHDR.length', 8, 4, false, [0, 12, 14, 0x7fffffff]),
    fld('IHDR.width', 16, 4, false, [...DIMS, 0x7fffffff, 0x80000000]),
    fld('IHDR.height', 20, 4, false, [...DIMS, 0x7fffffff, 0x80000000]),
    fld('IHDR.depth', 24, 1, false, [0, 1, 2, 3, 4, 8, 16, 32]),
    fld('IHDR.colorType', 25, 1, false, [0, 1, 2, 3, 4, 5, 6, 7]),
    fld('IHDR.compression', 26, 1, false, [1]),
    fld('IHDR.filter', 27, 1, false, [1]),
    fld('IHDR.interlace', 28, 1, false, [1, 2]),
  ];
  for (const c of pngChunks(b)) if (c.what !== 'IHDR') out.push(fld(`${c.what}.length`, c.start, 4, false, [0, 0x7fffffff, 0xffffffff]));
  return out;
}

/** Rewrites every chunk's CRC so that a mutated header is not refused by its checksum alone. */
export function fixPngCrcs(b: Uint8Array): void {
  for (const c of pngChunks(b)) {
    if (c.end > b.length) break;
    const crc = crc32(b.subarray(c.start + 4, c.end - 4));
    new DataView(b.buffer, b.byteOffset).setUint32(c.end - 4, crc, false);
  }
}

// ---------------------------------------------------------------------------------------------
// JPEG

export function jpegSegments(b: Uint8Array): Unit[] {
  const out: Unit[] = [];
  let pos = 2;
  while (pos + 4 <= b.length && b[pos] === 0xff) {
    const marker = b[pos + 1] ?? 0;
    if (marker === 0xd9) break;
    const len = u16be(b, pos + 2);
    const end = pos + 2 + len;
    out.push({ start: pos, end: Math.min(end, b.length), what: `FF${marker.toString(16).toUpperCase()}` });
    if (marker === 0xda) {
      // The entropy-coded data runs to the next marker that is not a stuffed byte or a restart.
      let e = end;
      while (e + 1 < b.length && !(b[e] === 0xff && b[e + 1] !== 0 && !((b[e + 1] ?? 0) >= 0xd0 && (b[e + 1] ?? 0) <= 0xd7))) e++;
      out.push({ start: end, end: e, what: 'scan data' });
      pos = e;
      continue;
    }
    pos = end;
  }
  return out;
}

function jpegFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (const s of jpegSegments(b)) {
    if (s.what === 'scan data') continue;
    const m = b[s.start + 1] ?? 0;
    out.push(fld(`${s.what}.length`, s.start + 2, 2, false, [0, 1, 2, 0xffff]));
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      out.push(
        fld('SOF.precision', s.start + 4, 1, false, [0, 8, 12, 16, 255]),
        fld('SOF.height', s.start + 5, 2, false, DIMS),
        fld('SOF.width', s.start + 7, 2, false, DIMS),
        fld('SOF.components', s.start + 9, 1, false, [0, 1, 2, 3, 4, 255]),
      );
      const n = b[s.start + 9] ?? 0;
      for (let i = 0; i < n && s.start + 12 + 3 * i < s.end; i++) {
        out.push(fld(`SOF.c${i}.id`, s.start + 10 + 3 * i, 1, false), fld(`SOF.c${i}.sampling`, s.start + 11 + 3 * i, 1, false, [0, 0x11, 0x22, 0x44, 0xff, 0x41]), fld(`SOF.c${i}.table`, s.start + 12 + 3 * i, 1, false, [3, 4, 255]));
      }
    } else if (m === 0xc4) {
      out.push(fld('DHT.class', s.start + 4, 1, false, [0x00, 0x10, 0x01, 0x11, 0x04, 0x20]));
      for (let i = 0; i < 16; i++) out.push(fld(`DHT.count${i + 1}`, s.start + 5 + i, 1, false, [0, 1, 0xff]));
    } else if (m === 0xdb) {
      out.push(fld('DQT.table', s.start + 4, 1, false, [0x00, 0x10, 0x04, 0x13]));
    } else if (m === 0xda) {
      out.push(fld('SOS.components', s.start + 4, 1, false, [0, 1, 4, 255]), fld('SOS.spectralStart', s.end - 3, 1, false, [0, 1, 63, 255]), fld('SOS.spectralEnd', s.end - 2, 1, false, [0, 63, 255]));
    } else if (m === 0xdd) {
      out.push(fld('DRI.interval', s.start + 4, 2, false, [0, 1, 0xffff]));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// GIF

export function gifBlocks(b: Uint8Array): Unit[] {
  const out: Unit[] = [];
  if (b.length < 13) return out;
  const flags = b[10] ?? 0;
  let pos = 13 + (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  const subBlocks = (p: number): number => {
    while (p < b.length) {
      const n = b[p] ?? 0;
      p += 1 + n;
      if (n === 0) break;
    }
    return p;
  };
  while (pos < b.length) {
    const intro = b[pos];
    if (intro === 0x21) {
      const end = subBlocks(pos + 2);
      out.push({ start: pos, end, what: `extension ${(b[pos + 1] ?? 0).toString(16)}` });
      pos = end;
    } else if (intro === 0x2c) {
      const f = b[pos + 9] ?? 0;
      const dataAt = pos + 10 + (f & 0x80 ? 3 * (1 << ((f & 7) + 1)) : 0);
      const end = subBlocks(dataAt + 1);
      out.push({ start: pos, end, what: 'image' });
      pos = end;
    } else break;
  }
  return out;
}

function gifFields(b: Uint8Array): Field[] {
  const out: Field[] = [
    fld('screen.width', 6, 2, true, DIMS),
    fld('screen.height', 8, 2, true, DIMS),
    fld('screen.flags', 10, 1, true, [0, 0x80, 0x87, 0xf7, 0x7f]),
    fld('screen.background', 11, 1, true, [255]),
  ];
  let frame = 0;
  for (const u of gifBlocks(b)) {
    if (u.what !== 'image') continue;
    const p = u.start;
    const f = b[p + 9] ?? 0;
    const dataAt = p + 10 + (f & 0x80 ? 3 * (1 << ((f & 7) + 1)) : 0);
    out.push(
      fld(`frame${frame}.left`, p + 1, 2, true, [0xffff, 0x8000, 10000]),
      fld(`frame${frame}.top`, p + 3, 2, true, [0xffff, 0x8000, 10000]),
      fld(`frame${frame}.width`, p + 5, 2, true, DIMS),
      fld(`frame${frame}.height`, p + 7, 2, true, DIMS),
      fld(`frame${frame}.flags`, p + 9, 1, true, [0x40, 0x80, 0x87, 0xc7]),
      fld(`frame${frame}.lzwCodeSize`, dataAt, 1, true, [0, 1, 2, 7, 8, 9, 11, 12, 15, 255]),
      fld(`frame${frame}.firstBlockLength`, dataAt + 1, 1, true, [0, 1, 255]),
    );
    frame++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// BMP

function bmpFields(b: Uint8Array): Field[] {
  const big = [...DIMS, 0x7fffffff, 0x80000000, 0xffffffff, -10000];
  const out: Field[] = [
    fld('file.size', 2, 4, true, [0, 0xffffffff]),
    fld('pixelOffset', 10, 4, true, [0, 14, 54, 0x7fffffff, 0xffffffff]),
    fld('dib.size', 14, 4, true, [12, 40, 52, 56, 64, 108, 124, 0]),
    fld('width', 18, 4, true, big),
    fld('height', 22, 4, true, big),
    fld('planes', 26, 2, true, [0, 2]),
    fld('bpp', 28, 2, true, [0, 1, 2, 4, 8, 16, 24, 32, 64]),
    fld('compression', 30, 4, true, [0, 1, 2, 3, 4, 5, 6]),
    fld('imageSize', 34, 4, true, [0, 0xffffffff]),
    fld('colorsUsed', 46, 4, true, [0, 1, 256, 257, 0xffffffff]),
  ];
  if (u32le(b, 14) >= 52 || u32le(b, 30) === 3) {
    for (let i = 0; i < 4; i++) out.push(fld(`mask${i}`, 54 + 4 * i, 4, true, [0, 0xffffffff, 0x80000001, 0xf0f0f0f0, 0xffff0000]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// TIFF

const TIFF_TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8 };

/** The 12-byte entries of the first image directory. */
export function tiffEntries(b: Uint8Array): Unit[] {
  if (b.length < 8) return [];
  const le = b[0] === 0x49;
  const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (le ? u32le(b, o) : u32be(b, o));
  const ifd = r32(4);
  if (ifd + 2 > b.length) return [];
  const n = r16(ifd);
  const out: Unit[] = [];
  for (let i = 0; i < n && ifd + 2 + 12 * (i + 1) <= b.length; i++) {
    const at = ifd + 2 + 12 * i;
    out.push({ start: at, end: at + 12, what: `tag ${r16(at)}` });
  }
  return out;
}

function tiffFields(b: Uint8Array): Field[] {
  const le = b[0] === 0x49;
  const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (le ? u32le(b, o) : u32be(b, o));
  const out: Field[] = [fld('ifdOffset', 4, 4, le, [0, 8, 0xffffffff, b.length, b.length - 2])];
  if (b.length < 8) return out;
  const ifd = r32(4);
  if (ifd + 2 <= b.length) out.push(fld('ifd.count', ifd, 2, le, [0, 1, 0xffff, 0x1000]));
  const byTag: Record<number, number[]> = {
    256: [...DIMS, 0x7fffffff, 0xffffffff],
    257: [...DIMS, 0x7fffffff, 0xffffffff],
    258: [0, 1, 2, 4, 12, 24, 32, 64, 0xffff],
    259: [0, 1, 2, 5, 6, 7, 8, 32773, 32946, 34712],
    262: [0, 1, 2, 3, 4, 5, 6, 8, 32844],
    273: [0, 0xffffffff, b.length, 0x7fffffff],
    277: [0, 1, 2, 3, 4, 5, 0xffff],
    278: [0, 1, 0xffffffff],
    279: [0, 1, 0xffffffff, 0x7fffffff],
    284: [0, 2, 3],
    317: [1, 2, 3, 0xffff],
    320: [0, 0xffffffff],
    322: [0, 1, 16, 0xffffffff],
    323: [0, 1, 16, 0xffffffff],
    338: [0, 1, 2, 3],
    339: [0, 1, 2, 3, 4, 0xffff],
  };
  for (const e of tiffEntries(b)) {
    const tag = r16(e.start);
    const type = r16(e.start + 2);
    const count = r32(e.start + 4);
    out.push(fld(`tag${tag}.type`, e.start + 2, 2, le, [0, 1, 3, 4, 5, 12, 16, 0xffff]), fld(`tag${tag}.count`, e.start + 4, 4, le, [0, 2, 0xffff, 0x7fffffff, 0xffffffff]));
    const inline = count * (TIFF_TYPE_BYTES[type] ?? 1) <= 4;
    const values = byTag[tag];
    if (inline && type === 3) out.push(fld(`tag${tag}.value`, e.start + 8, 2, le, values));
    else out.push(fld(inline ? `tag${tag}.value` : `tag${tag}.valueOffset`, e.start + 8, 4, le, inline ? values : [0, 0xffffffff, b.length, b.length - 1]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// NIfTI

const NIFTI_DATATYPES = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304, 0x7fff, 0xffff];
const NIFTI_FLOATS = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-45, 3.4e38, 2 ** 31, 2 ** 32, 1e20, 0.5];

function niftiFields(b: Uint8Array): Field[] {
  if (b.length < 4) return [];
  const le = u32le(b, 0) === 348 || u32le(b, 0) === 540;
  const size = le ? u32le(b, 0) : u32be(b, 0);
  const sizeofHdr = fld('sizeof_hdr', 0, 4, le, [0, 348, 540, 0x7fffffff, 349]);
  if (size === 540) {
    const dims = [0, 1, -1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 62, 65536, 1e6];
    const out: Field[] = [sizeofHdr, fld('datatype', 12, 2, le, NIFTI_DATATYPES), fld('bitpix', 14, 2, le, [0, 8, 16, 64, 0xffff])];
    for (let i = 0; i < 8; i++) out.push(fld(`dim${i}`, 16 + 8 * i, 8, le, i === 0 ? [0, 3, 4, 7, 8, -1, 2 ** 40] : dims));
    for (let i = 0; i < 4; i++) out.push(fld(`pixdim${i}`, 104 + 8 * i, 8, le, NIFTI_FLOATS, true));
    out.push(
      fld('vox_offset', 168, 8, le, [0, 540, 544, 545, -1, 2 ** 31, 2 ** 53, b.length, b.length + 1]),
      fld('scl_slope', 176, 8, le, [...NIFTI_FLOATS, 1.7e308], true),
      fld('scl_inter', 184, 8, le, NIFTI_FLOATS, true),
      fld('qform_code', 344, 4, le, [0, 1, 5, -1]),
      fld('sform_code', 348, 4, le, [0, 1, 5, -1]),
      fld('quatern_b', 352, 8, le, [...NIFTI_FLOATS, 1, 2], true),
      fld('srow_x0', 400, 8, le, NIFTI_FLOATS, true),
    );
    return out;
  }
  const dims = [0, 1, -1, 0x7fff, 0x8000, 0xffff, 2048, 10000];
  const out: Field[] = [sizeofHdr];
  for (let i = 0; i < 8; i++) out.push(fld(`dim${i}`, 40 + 2 * i, 2, le, i === 0 ? [0, 3, 4, 7, 8, -1, 0x7fff] : dims));
  out.push(fld('datatype', 70, 2, le, NIFTI_DATATYPES), fld('bitpix', 72, 2, le, [0, 8, 16, 64, 0xffff]));
  for (let i = 0; i < 4; i++) out.push(fld(`pixdim${i}`, 76 + 4 * i, 4, le, NIFTI_FLOATS, true));
  out.push(
    fld('vox_offset', 108, 4, le, [0, 348, 352, 352.5, 353, -1, NaN, Infinity, 2 ** 31, 1e20, b.length, b.length + 4], true),
    fld('scl_slope', 112, 4, le, NIFTI_FLOATS, true),
    fld('scl_inter', 116, 4, le, NIFTI_FLOATS, true),
    fld('qform_code', 252, 2, le, [0, 1, 5, 0xffff]),
    fld('sform_code', 254, 2, le, [0, 1, 5, 0xffff]),
    fld('quatern_b', 256, 4, le, [...NIFTI_FLOATS, 1, 2], true),
    fld('srow_x0', 280, 4, le, NIFTI_FLOATS, true),
    fld('magic', 344, 4, false, [0x6e2b3100, 0x6e693100, 0x6e2b3200, 0]),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// gzip

function gzipFields(b: Uint8Array): Field[] {
  return [
    fld('gzip.method', 2, 1, true, [0, 7, 9]),
    fld('gzip.flags', 3, 1, true, [0x02, 0x04, 0x08, 0x10, 0x1f, 0xe0]),
    fld('gzip.mtime', 4, 4, true),
    fld('gzip.xfl', 8, 1, true),
    fld('gzip.crc', -8, 4, true, [0, 0xffffffff]),
    fld('gzip.isize', -4, 4, true, [0, 1, 348, 352, 0x7fffffff, 0x80000000, 0xffffffff, b.length, b.length * 1032, b.length * 1033]),
  ];
}

const FIELDS: Record<Kind, (b: Uint8Array) => Field[]> = { png: pngFields, jpeg: jpegFields, gif: gifFields, bmp: bmpFields, tiff: tiffFields, nii: niftiFields, gz: gzipFields, zip: zipFields };

export function fieldsOf(kind: Kind, b: Uint8Array): Field[] {
  return FIELDS[kind](b);
}

const UNITS: Partial<Record<Kind, (b: Uint8Array) => Unit[]>> = { png: pngChunks, jpeg: jpegSegments, gif: gifBlocks, tiff: tiffEntries };

/** Structural units that can be duplicated (chunks, segments, blocks, directory entries). */
export function unitsOf(kind: Kind, b: Uint8Array): Unit[] {
  return UNITS[kind]?.(b) ?? [];
}
