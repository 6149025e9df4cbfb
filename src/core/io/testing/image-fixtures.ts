/**
 * Minimal writers for picture fixtures with known contents, for tests only.
 *
 * - PNG: any IHDR (bit depth, colour type, interlace flag) with chosen ancillary chunks; rows are
 *   written with filter 0 and zlib-compressed.
 * - JPEG: baseline frames whose 8×8 blocks carry only a DC coefficient, with a quantisation table
 *   of ones: each block decodes to a flat value, so the expected pixels are known exactly.
 * - GIF: GIF89a with a global colour table, LZW with variable code sizes and clear codes when the
 *   4096-entry table fills, optional interlacing, several frames, sub-rectangle frames.
 * - TIFF: one IFD per page, little- or big-endian, 1/8/16-bit integers or 32-bit floats,
 *   uncompressed or Deflate strips, colour maps, extra samples.
 * - BMP: 40-byte info or 108-byte v4 headers, 1/4/8-bit palettes, 16/32-bit bit fields,
 *   bottom-up or top-down rows.
 */
import { zlibSync } from 'fflate';

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;
  constructor(readonly littleEndian = true) {}
  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    return this.littleEndian ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.littleEndian ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  bytes(b: ArrayLike<number>): this {
    this.ensure(b.length);
    for (let i = 0; i < b.length; i++) this.buf[this.length++] = (b[i] ?? 0) & 0xff;
    return this;
  }
  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }
  patchU32(at: number, v: number): void {
    const save = this.length;
    this.length = at;
    this.u32(v);
    this.length = save;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Packs 1/2/4/8-bit samples most significant bits first, each row padded to a whole byte. */
export function packRows(values: ArrayLike<number>, width: number, height: number, depth: number, rowAlign = 1): Uint8Array {
  const rowBytes = Math.ceil(Math.ceil((width * depth) / 8) / rowAlign) * rowAlign;
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (values[y * width + x] ?? 0) & ((1 << depth) - 1);
      const bit = x * depth;
      out[y * rowBytes + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: ArrayLike<number> = []): Uint8Array {
  const body = new ByteWriter(false).ascii(type).bytes(data).result();
  return new ByteWriter(false).u32(data.length).bytes(body).u32(crc32(body)).result();
}

export interface PngSpec {
  width: number;
  height: number;
  depth: 1 | 2 | 4 | 8 | 16;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Samples (or palette indices), x fastest, channels interleaved. */
  samples: ArrayLike<number>;
  /** Written as IHDR's interlace byte only: the rows stay sequential (for refusal tests). */
  interlaceFlag?: 0 | 1;
  palette?: [number, number, number][];
  /** tRNS payload as stored (palette alphas, or the 2/6-byte colour key). */
  trns?: number[];
  /** Chunks placed between IHDR and IDAT (e.g. acTL). */
  extraChunks?: Uint8Array[];
}

export function buildPng(spec: PngSpec): Uint8Array {
  const { width, height, depth, colorType } = spec;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    if (depth < 8) {
      row.set(packRows(Array.from({ length: width }, (_, x) => spec.samples[y * width + x] ?? 0), width, 1, depth));
    } else {
      for (let i = 0; i < width * channels; i++) {
        const v = spec.samples[y * width * channels + i] ?? 0;
        if (depth === 16) {
          row[2 * i] = v >>> 8;
          row[2 * i + 1] = v & 0xff;
        } else row[i] = v;
      }
    }
  }
  const ihdr = new ByteWriter(false).u32(width).u32(height).u8(depth).u8(colorType).u8(0).u8(0).u8(spec.interlaceFlag ?? 0).result();
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr)];
  for (const c of spec.extraChunks ?? []) parts.push(c);
  if (spec.palette) parts.push(pngChunk('PLTE', spec.palette.flat()));
  if (spec.trns) parts.push(pngChunk('tRNS', spec.trns));
  parts.push(pngChunk('IDAT', zlibSync(raw)), pngChunk('IEND'));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JPEG (DC-only blocks)
// ---------------------------------------------------------------------------------------------

export interface DcJpegSpec {
  width: number;
  height: number;
  /** 1 grey, 3 colour, 4 CMYK. */
  components: number;
  /** The flat value of block (bx, by) of component c, 0–255. */
  blockValue: (c: number, bx: number, by: number) => number;
  componentIds?: number[];
  /** Adds an Adobe APP14 marker with this colour transform code (0 = stored as is). */
  adobeTransform?: number;
  /** Adds an EXIF APP1 block with this Orientation tag. */
  exifOrientation?: number;
  /** Frame precision in bits (only 8 decodes; others test refusal). */
  precision?: number;
  /** SOF marker (0xC0 baseline by default). */
  sofMarker?: number;
}

/**
 * A baseline JPEG whose blocks are flat: quantisation table of ones, DC coefficient 8·(v − 128),
 * no AC coefficients (every block ends with EOB). DC table: categories 0–11 as 4-bit codes;
 * AC table: EOB as the 1-bit code 0. All components sampled 1×1, one interleaved scan.
 */
export function encodeDcJpeg(spec: DcJpegSpec): Uint8Array {
  const { width, height, components } = spec;
  const ids = spec.componentIds ?? Array.from({ length: components }, (_, i) => i + 1);
  const w = new ByteWriter(false);
  w.u16(0xffd8);
  if (spec.exifOrientation !== undefined) {
    const tiff = new ByteWriter(false).ascii('MM').u16(42).u32(8).u16(1).u16(0x0112).u16(3).u32(1).u16(spec.exifOrientation).u16(0).u32(0).result();
    w.u16(0xffe1).u16(2 + 6 + tiff.length).ascii('Exif').u16(0).bytes(tiff);
  }
  if (spec.adobeTransform !== undefined) {
    w.u16(0xffee).u16(14).ascii('Adobe').u16(100).u16(0).u16(0).u8(spec.adobeTransform);
  }
  w.u16(0xffdb).u16(67).u8(0).bytes(new Array(64).fill(1));
  w.u16(spec.sofMarker ?? 0xffc0)
    .u16(8 + 3 * components)
    .u8(spec.precision ?? 8)
    .u16(height)
    .u16(width)
    .u8(components);
  for (const id of ids) w.u8(id).u8(0x11).u8(0);
  const dcCounts = new Array(16).fill(0);
  dcCounts[3] = 12;
  w.u16(0xffc4).u16(2 + 1 + 16 + 12).u8(0x00).bytes(dcCounts).bytes(Array.from({ length: 12 }, (_, i) => i));
  const acCounts = new Array(16).fill(0);
  acCounts[0] = 1;
  w.u16(0xffc4).u16(2 + 1 + 16 + 1).u8(0x10).bytes(acCounts).u8(0x00);
  w.u16(0xffda).u16(6 + 2 * components).u8(components);
  for (const id of ids) w.u8(id).u8(0x00);
  w.u8(0).u8(63).u8(0);
  // Entropy-coded data.
  let acc = 0;
  let nbits = 0;
  const put = (value: number, bits: number) => {
    for (let i = bits - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >>> i) & 1);
      nbits++;
      if (nbits === 8) {
        w.u8(acc);
        if (acc === 0xff) w.u8(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  const pred = new Array(components).fill(0);
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      for (let c = 0; c < components; c++) {
        const dc = 8 * (Math.round(spec.blockValue(c, bx, by)) - 128);
        const diff = dc - pred[c];
        pred[c] = dc;
        const mag = Math.abs(diff);
        const cat = mag === 0 ? 0 : Math.floor(Math.log2(mag)) + 1;
        put(cat, 4);
        if (cat > 0) put(diff >= 0 ? diff : diff + (1 << cat) - 1, cat);
        put(0, 1); // EOB
      }
    }
  }
  if (nbits > 0) put((1 << (8 - nbits)) - 1, 8 - nbits);
  w.u16(0xffd9);
  return w.result();
}

// ---------------------------------------------------------------------------------------------
// GIF
// ---------------------------------------------------------------------------------------------

export interface GifFrame {
  indices: ArrayLike<number>;
  left?: number;
  top?: number;
  width?: number;
  height?: number;
  interlaced?: boolean;
  transparentIndex?: number;
}

export interface GifSpec {
  width: number;
  height: number;
  palette: [number, number, number][];
  frames: GifFrame[];
  background?: number;
  /** Leave out the trailer byte 3B. */
  omitTrailer?: boolean;
}

/** GIF LZW: codes packed least significant bit first, code size growing from minCodeSize + 1. */
export function gifLzw(indices: ArrayLike<number>, minCodeSize: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const out: number[] = [];
  let acc = 0;
  let nbits = 0;
  let codeSize = minCodeSize + 1;
  const emit = (code: number) => {
    acc |= code << nbits;
    nbits += codeSize;
    while (nbits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      nbits -= 8;
    }
  };
  let table = new Map<number, number>();
  let next = eoi + 1;
  emit(clear);
  let cur = indices[0] ?? 0;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i] ?? 0;
    const key = (cur << 8) | k;
    const hit = table.get(key);
    if (hit !== undefined) {
      cur = hit;
      continue;
    }
    emit(cur);
    if (next === 4096) {
      emit(clear);
      table = new Map();
      next = eoi + 1;
      codeSize = minCodeSize + 1;
    } else {
      if (next >= 1 << codeSize) codeSize++;
      table.set(key, next++);
    }
    cur = k;
  }
  emit(cur);
  emit(eoi);
  if (nbits > 0) out.push(acc & 0xff);
  return new Uint8Array(out);
}

/** Row order of an interlaced GIF frame: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
export function gifInterlaceOrder(height: number): number[] {
  const rows: number[] = [];
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const) {
    for (let y = start; y < height; y += step) rows.push(y);
  }
  return rows;
}

export function encodeGif(spec: GifSpec): Uint8Array {
  const w = new ByteWriter(true);
  let sizeExp = 0;
  while (1 << (sizeExp + 1) < spec.palette.length) sizeExp++;
  const tableSize = 1 << (sizeExp + 1);
  w.ascii('GIF89a').u16(spec.width).u16(spec.height).u8(0x80 | (7 << 4) | sizeExp).u8(spec.background ?? 0).u8(0);
  for (let i = 0; i < tableSize; i++) {
    const c = spec.palette[i] ?? [0, 0, 0];
    w.u8(c[0]).u8(c[1]).u8(c[2]);
  }
  const minCodeSize = Math.max(2, sizeExp + 1);
  for (const f of spec.frames) {
    const fw = f.width ?? spec.width;
    const fh = f.height ?? spec.height;
    if (f.transparentIndex !== undefined) w.u8(0x21).u8(0xf9).u8(4).u8(1).u16(0).u8(f.transparentIndex).u8(0);
    w.u8(0x2c)
      .u16(f.left ?? 0)
      .u16(f.top ?? 0)
      .u16(fw)
      .u16(fh)
      .u8(f.interlaced ? 0x40 : 0);
    let stream: ArrayLike<number> = f.indices;
    if (f.interlaced) {
      const order = gifInterlaceOrder(fh);
      const s = new Uint8Array(fw * fh);
      order.forEach((y, i) => {
        for (let x = 0; x < fw; x++) s[i * fw + x] = f.indices[y * fw + x] ?? 0;
      });
      stream = s;
    }
    const data = gifLzw(stream, minCodeSize);
    w.u8(minCodeSize);
    for (let o = 0; o < data.length; o += 255) {
      const block = data.subarray(o, o + 255);
      w.u8(block.length).bytes(block);
    }
    w.u8(0);
  }
  if (!spec.omitTrailer) w.u8(0x3b);
  return w.result();
}

// ---------------------------------------------------------------------------------------------
// TIFF
// ---------------------------------------------------------------------------------------------

export interface TiffPage {
  width: number;
  height: number;
  bitsPerSample: 1 | 8 | 16 | 32;
  samplesPerPixel: number;
  /** 0 WhiteIsZero, 1 BlackIsZero, 2 RGB, 3 palette. */
  photometric: number;
  /** Samples x fastest, channels interleaved (1-bit: one 0/1 value per pixel). */
  samples: ArrayLike<number>;
  /** 1 unsigned (default), 2 signed, 3 float. */
  sampleFormat?: number;
  /** 1 none (default), 8 Deflate; other values are written as the tag only (for refusal tests). */
  compression?: number;
  rowsPerStrip?: number;
  /** 3 × 2^bits 16-bit entries: all reds, then greens, then blues. */
  colorMap?: number[];
  extraSamples?: number[];
}

const TIFF_SHORT = 3;
const TIFF_LONG = 4;

export function encodeTiff(pages: TiffPage[], littleEndian = true): Uint8Array {
  const w = new ByteWriter(littleEndian);
  w.ascii(littleEndian ? 'II' : 'MM').u16(42).u32(0);
  let linkAt = 4;
  for (const p of pages) {
    const rowsPerStrip = p.rowsPerStrip ?? p.height;
    const strips: Uint8Array[] = [];
    for (let y0 = 0; y0 < p.height; y0 += rowsPerStrip) {
      const rows = Math.min(rowsPerStrip, p.height - y0);
      const sw = new ByteWriter(littleEndian);
      const n = p.width * p.samplesPerPixel;
      if (p.bitsPerSample === 1) {
        sw.bytes(packRows(Array.from({ length: n * rows }, (_, i) => p.samples[y0 * n + i] ?? 0), n, rows, 1));
      } else {
        const dv = new DataView(new ArrayBuffer(4));
        for (let i = 0; i < n * rows; i++) {
          const v = p.samples[y0 * n + i] ?? 0;
          if (p.bitsPerSample === 8) sw.u8(v);
          else if (p.bitsPerSample === 16) sw.u16(v);
          else {
            dv.setFloat32(0, v, littleEndian);
            sw.bytes(new Uint8Array(dv.buffer));
          }
        }
      }
      const raw = sw.result();
      strips.push(p.compression === 8 ? zlibSync(raw) : raw);
    }
    const offsets: number[] = [];
    for (const s of strips) {
      offsets.push(w.length);
      w.bytes(s);
      if (w.length % 2) w.u8(0);
    }
    const entries: [number, number, number[]][] = [
      [256, TIFF_LONG, [p.width]],
      [257, TIFF_LONG, [p.height]],
      [258, TIFF_SHORT, new Array(p.samplesPerPixel).fill(p.bitsPerSample)],
      [259, TIFF_SHORT, [p.compression ?? 1]],
      [262, TIFF_SHORT, [p.photometric]],
      [273, TIFF_LONG, offsets],
      [277, TIFF_SHORT, [p.samplesPerPixel]],
      [278, TIFF_LONG, [rowsPerStrip]],
      [279, TIFF_LONG, strips.map((s) => s.length)],
      [284, TIFF_SHORT, [1]],
    ];
    if (p.colorMap) entries.push([320, TIFF_SHORT, p.colorMap]);
    if (p.extraSamples) entries.push([338, TIFF_SHORT, p.extraSamples]);
    if (p.sampleFormat) entries.push([339, TIFF_SHORT, new Array(p.samplesPerPixel).fill(p.sampleFormat)]);
    // Values longer than 4 bytes go before the IFD.
    const valueAt = new Map<number, number>();
    for (const [tag, type, values] of entries) {
      const size = (type === TIFF_SHORT ? 2 : 4) * values.length;
      if (size <= 4) continue;
      valueAt.set(tag, w.length);
      for (const v of values) {
        if (type === TIFF_SHORT) w.u16(v);
        else w.u32(v);
      }
      if (w.length % 2) w.u8(0);
    }
    const ifdAt = w.length;
    w.patchU32(linkAt, ifdAt);
    w.u16(entries.length);
    for (const [tag, type, values] of entries) {
      w.u16(tag).u16(type).u32(values.length);
      const at = valueAt.get(tag);
      if (at !== undefined) w.u32(at);
      else if (type === TIFF_SHORT) w.u16(values[0] ?? 0).u16(values[1] ?? 0);
      else w.u32(values[0] ?? 0);
    }
    linkAt = w.length;
    w.u32(0);
  }
  return w.result();
}

// ---------------------------------------------------------------------------------------------
// BMP
// ---------------------------------------------------------------------------------------------

export interface BmpSpec {
  width: number;
  height: number;
  bitsPerPixel: 1 | 4 | 8 | 16 | 32;
  /** Palette indices (1/4/8 bit) or interleaved channels matching the masks (16/32 bit). */
  samples: ArrayLike<number>;
  palette?: [number, number, number][];
  topDown?: boolean;
  /** 40 (info header; masks follow it with BI_BITFIELDS) or 108 (v4 header with masks + alpha). */
  headerSize?: 40 | 108;
  /** Red, green, blue (and alpha) masks; written with BI_BITFIELDS. */
  masks?: [number, number, number] | [number, number, number, number];
  /** Compression field as written (RLE values test refusal). */
  compression?: number;
}

export function encodeBmp(spec: BmpSpec): Uint8Array {
  const { width, height, bitsPerPixel: bpp } = spec;
  const dib = spec.headerSize ?? 40;
  const compression = spec.compression ?? (spec.masks ? 3 : 0);
  const masksAfterHeader = dib === 40 && spec.masks ? 12 : 0;
  const paletteBytes = bpp <= 8 ? 4 * (spec.palette?.length ?? 0) : 0;
  const pixelOffset = 14 + dib + masksAfterHeader + paletteBytes;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const w = new ByteWriter(true);
  w.ascii('BM').u32(pixelOffset + stride * height).u32(0).u32(pixelOffset);
  w.u32(dib).u32(width).u32(spec.topDown ? -height >>> 0 : height).u16(1).u16(bpp).u32(compression).u32(stride * height);
  w.u32(2835).u32(2835).u32(bpp <= 8 ? (spec.palette?.length ?? 0) : 0).u32(0);
  if (dib === 108) {
    const m = spec.masks ?? [0, 0, 0, 0];
    w.u32(m[0]).u32(m[1]).u32(m[2]).u32(m[3] ?? 0).ascii('BGRs');
    for (let i = 0; i < 36 + 12; i++) w.u8(0);
  } else if (spec.masks) {
    w.u32(spec.masks[0]).u32(spec.masks[1]).u32(spec.masks[2]);
  }
  if (bpp <= 8) for (const [r, g, b] of spec.palette ?? []) w.u8(b).u8(g).u8(r).u8(0);
  const channels = bpp === 16 || bpp === 32 ? spec.samples.length / (width * height) : 1;
  for (let i = 0; i < height; i++) {
    const y = spec.topDown ? i : height - 1 - i;
    const row = new ByteWriter(true);
    if (bpp <= 8) {
      row.bytes(packRows(Array.from({ length: width }, (_, x) => spec.samples[y * width + x] ?? 0), width, 1, bpp));
    } else {
      const masks = spec.masks ?? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0xff00, 0xff]);
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let c = 0; c < channels; c++) {
          const m = masks[c] ?? 0;
          let shift = 0;
          while (m && ((m >>> shift) & 1) === 0) shift++;
          v |= (spec.samples[(y * width + x) * channels + c] ?? 0) << shift;
        }
        if (bpp === 16) row.u16(v);
        else row.u32(v >>> 0);
      }
    }
    while (row.length < stride) row.u8(0);
    w.bytes(row.result());
  }
  return w.result();
}
