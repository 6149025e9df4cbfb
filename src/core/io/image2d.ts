/**
 * 2-D pictures (PNG, JPEG, GIF, BMP, TIFF) → Volume.
 *
 * The format is recognised from the first bytes, never from the name:
 *   PNG  89 50 4E 47 0D 0A 1A 0A      JPEG FF D8 FF       GIF 'GIF87a' / 'GIF89a'
 *   BMP  'BM' + a known DIB header size  TIFF 'II*\0' (little-endian) / 'MM\0*' (big-endian)
 *
 * Values arrive exactly as stored: no colour management (ICC profiles, gAMA/cHRM/sRGB chunks and
 * EXIF orientation are ignored), no gamma, alpha never premultiplied, low bit depths not rescaled
 * (a 1-bit PNG holds 0 and 1). Layout as in volume.ts: dims [width, height, 1], row 0 at the top,
 * x fastest, channels interleaved. `source.datatype` names the stored sample type ('uint1',
 * 'uint8', 'uint16', 'int16', 'float32', …; palette pictures add ' palette').
 *
 * Palette pictures (indexed PNG, GIF, 1/4/8-bit BMP, palette TIFF) keep their indices in
 * `paletteIndices` and carry the looked-up colours in `data`: one grey channel when every palette
 * entry has r = g = b, otherwise RGB; an alpha channel is added only when the palette has a
 * transparent entry (PNG tRNS), giving grey + alpha or RGBA.
 *
 * Per format:
 * - PNG: 1/2/4/8-bit → Uint8Array, 16-bit → Uint16Array; grey, grey + alpha, RGB, RGBA, palette.
 *   A tRNS colour key on a grey or RGB picture is reported in a note, channels stay as stored.
 *   Animated PNG: the default image. Interlaced (Adam7) pictures below 8 bits are refused.
 * - JPEG: 8-bit baseline, extended and progressive; one component → grey, three → RGB (YCbCr
 *   converted by the JFIF rule unless an Adobe marker or R/G/B component ids say RGB). CMYK,
 *   12-bit, lossless and arithmetic-coded JPEGs are refused.
 * - GIF: the first frame on the full logical screen (area outside it: the background index).
 * - BMP: 1/4/8-bit palette, 16-bit (5-5-5 or bit fields, scaled to 0–255), 24-bit RGB, 32-bit RGB
 *   or RGBA (per the alpha mask); bottom-up and top-down. RLE and embedded JPEG/PNG are refused.
 * - TIFF: the first page; 1/8/16-bit unsigned or signed integers, 32/64-bit float; grey (+ alpha),
 *   RGB(A), palette; uncompressed, LZW or Deflate, strips or single-sample tiles. WhiteIsZero is
 *   inverted to BlackIsZero and associated alpha un-premultiplied, each with a note.
 *
 * Every problem is an InputFileError naming the file and saying what is wrong in plain words,
 * including truncation, which the structure checks here catch before a decoder can return a
 * half-empty picture.
 */
import { decode as decodePngLib, type DecodedPng } from 'fast-png';
import { decode as decodeJpegLib } from 'jpeg-js';
import { decode as decodeTiffLib, type TiffIfd } from 'tiff';
import { formatBytes, MAX_PICTURE_BYTES } from './budget';
import { decodeGifFirstFrame, GifError, type GifFirstFrame } from './gif';
import { inflateBounded, InflateLimitError, inflateToBuffer, MAX_DEFLATE_RATIO } from './inflate';
import { decodeLzw, LzwError, TIFF_LZW } from './lzw';
import { IDENTITY_AFFINE, InputFileError, voxelCount, type Volume, type VoxelArray } from './volume';

/** The picture formats decoded here; each is also the `Volume.source.format` of its pictures. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff';

/** Pictures larger than this are refused rather than exhausting a browser tab's memory. */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** GIF frames are decompressed into plain JavaScript arrays: a lower limit keeps that safe. */
export const MAX_GIF_PIXELS = 25_000_000;

/** Luma weights (ITU-R BT.601, the weights of JPEG's YCbCr and of most "convert to grey" tools). */
export const LUMA_WEIGHTS: readonly [number, number, number] = Object.freeze([0.299, 0.587, 0.114]) as readonly [number, number, number];

const FORMAT_LABEL: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', gif: 'GIF', bmp: 'BMP', tiff: 'TIFF' };

const EXTENSION_FORMAT: Record<string, ImageFormat> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  gif: 'gif',
  bmp: 'bmp',
  dib: 'bmp',
  tif: 'tiff',
  tiff: 'tiff',
};

/** DIB header sizes of the BMP variants: core (OS/2 1.x), info, v2, v3, OS/2 2.x, v4, v5. */
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

/** A problem found while decoding; decodeImage turns it into an InputFileError naming the file. */
class Problem extends Error {}

/** What each format decoder hands back before it becomes a Volume. */
interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: VoxelArray;
  datatype: string;
  paletteIndices?: Uint8Array;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/** The picture format the bytes start with, or undefined when they match none. */
export function detectImageFormat(b: Uint8Array): ImageFormat | undefined {
  if (b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && ascii(b, 0, 6) === 'GIF87a') return 'gif';
  if (b.length >= 6 && ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (b.length >= 18 && b[0] === 0x42 && b[1] === 0x4d && BMP_HEADER_SIZES.has(u32le(b, 14))) return 'bmp';
  if (b.length >= 4 && b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) return 'tiff';
  if (b.length >= 4 && b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a) return 'tiff';
  return undefined;
}

/**
 * Decodes a PNG, JPEG, GIF, BMP or TIFF picture into a Volume with dims [width, height, 1].
 * Throws InputFileError (naming `name`) for anything else, and for damaged or unsupported files.
 */
export function decodeImage(bytes: Uint8Array, name: string): Volume {
  if (bytes.length === 0) throw new InputFileError(name, 'the file is empty (0 bytes)');
  const format = detectImageFormat(bytes);
  if (!format) throw new InputFileError(name, describeUnknown(bytes, name));
  const label = FORMAT_LABEL[format];
  let d: Decoded;
  try {
    d = DECODERS[format](bytes);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    if (e instanceof Problem) throw new InputFileError(name, e.message);
    throw new InputFileError(name, `damaged ${label} file: ${plainReason(e)}`);
  }
  const notes: string[] = [];
  const ext = extensionOf(name);
  const claimed = ext ? EXTENSION_FORMAT[ext] : undefined;
  if (ext && claimed !== format) notes.push(`named .${ext} but the contents are a ${label} image: read as ${label}`);
  notes.push(...d.notes);
  const vol: Volume = {
    data: d.data,
    dims: [d.width, d.height, 1],
    channels: d.channels,
    spacing: [1, 1, 1],
    affine: [...IDENTITY_AFFINE],
    source: { name, format, datatype: d.datatype },
    notes,
  };
  if (d.paletteIndices) vol.paletteIndices = d.paletteIndices;
  return vol;
}

const DECODERS: Record<ImageFormat, (b: Uint8Array) => Decoded> = {
  png: decodePng,
  jpeg: decodeJpeg,
  gif: decodeGif,
  bmp: decodeBmp,
  tiff: decodeTiff,
};

// ---------------------------------------------------------------------------------------------
// Helpers for callers
// ---------------------------------------------------------------------------------------------

/**
 * One grey value per pixel as Float32: grey as stored; grey + alpha → the grey channel; RGB and
 * RGBA → luma 0.299 R + 0.587 G + 0.114 B (LUMA_WEIGHTS, BT.601). Alpha is ignored. Values keep
 * the stored range (0–255 for 8 bit, 0–65535 for 16 bit, …); nothing is normalised.
 */
export function toGrey(vol: Pick<Volume, 'data' | 'channels' | 'dims'>): Float32Array {
  const n = voxelCount(vol);
  const c = vol.channels;
  const src = vol.data;
  if (src.length !== n * c) throw new RangeError(`toGrey: data holds ${src.length} values, expected ${n} × ${c}`);
  const out = new Float32Array(n);
  if (c <= 2) {
    for (let i = 0; i < n; i++) out[i] = src[i * c] ?? 0;
    return out;
  }
  const [wr, wg, wb] = LUMA_WEIGHTS;
  for (let i = 0; i < n; i++) {
    const k = i * c;
    out[i] = wr * (src[k] ?? 0) + wg * (src[k + 1] ?? 0) + wb * (src[k + 2] ?? 0);
  }
  return out;
}

/** True when every palette entry is grey (r = g = b); alpha entries, if any, are not looked at. */
export function isGreyPalette(palette: readonly (readonly number[])[]): boolean {
  return palette.every((e) => e[0] === e[1] && e[1] === e[2]);
}

/** True when some palette entry is not fully opaque (alpha below `opaque`). */
export function paletteHasAlpha(palette: readonly (readonly number[])[], opaque = 255): boolean {
  return palette.some((e) => e.length > 3 && (e[3] ?? opaque) < opaque);
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

function ascii(b: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}

function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function u16be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}
function u32le(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}
function u32be(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}
function hex(v: number, digits = 2): string {
  return v.toString(16).toUpperCase().padStart(digits, '0');
}

function extensionOf(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  return base.slice(dot + 1).toLowerCase();
}

/**
 * Checks a picture size from a header before anything is allocated for it: positive integers,
 * at most `maxPixels`, and width × height × channels × bytes per sample within the budget.
 */
function checkSize(
  width: number,
  height: number,
  what: string,
  opts: { maxPixels?: number; channels?: number; bytesPerSample?: number; maxBytes?: number } = {},
): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Problem(`damaged ${what} file: the header gives a picture size of ${width} × ${height} pixels`);
  }
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  if (width * height > maxPixels) {
    throw new Problem(
      `the ${what} picture is ${width} × ${height} pixels, more than the ${maxPixels / 1e6}-megapixel limit for decoding ${what} here`,
    );
  }
  const bytes = width * height * (opts.channels ?? 1) * (opts.bytesPerSample ?? 1);
  const maxBytes = opts.maxBytes ?? MAX_PICTURE_BYTES;
  if (bytes > maxBytes) {
    throw new Problem(
      `the ${what} picture is ${width} × ${height} pixels of ${opts.channels ?? 1} × ${8 * (opts.bytesPerSample ?? 1)}-bit samples ` +
        `(${formatBytes(bytes)} decoded), more than the ${formatBytes(maxBytes)} one picture may take here`,
    );
  }
}

/** Why bytes are not a supported picture, and what they look like instead: the message for an unrecognised file. */
export function describeUnknown(b: Uint8Array, name: string): string {
  const ext = extensionOf(name);
  const claim = ext
    ? EXTENSION_FORMAT[ext]
      ? `the name says .${ext} (${FORMAT_LABEL[EXTENSION_FORMAT[ext]]})`
      : `the name says .${ext}`
    : 'the name has no extension';
  return `not a PNG, JPEG, GIF, BMP or TIFF image: ${claim}, but the contents ${guessContents(b)}`;
}

function guessContents(b: Uint8Array): string {
  const a4 = ascii(b, 0, 4);
  if (a4 === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'are a WebP image, which is not supported (save it as PNG)';
  if (a4 === 'RIFF') return 'are a RIFF container (e.g. WAV or AVI), not a picture';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (/^(heic|heix|mif1|msf1|hevc)$/.test(brand)) return 'are a HEIC/HEIF image, which is not supported (save it as PNG or JPEG)';
    if (/^avi[fs]$/.test(brand)) return 'are an AVIF image, which is not supported (save it as PNG)';
    return 'are an ISO media file (MP4/MOV/HEIF family), not a supported picture';
  }
  if (b.length >= 12 && u32be(b, 0) === 12 && ascii(b, 4, 4) === 'jP  ') return 'are a JPEG 2000 image, which is not supported';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0x4f) return 'are a JPEG 2000 code stream, which is not supported';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'are gzip-compressed data (a .gz file), not a picture';
  if (a4 === 'PK\u0003\u0004') return 'are a zip archive, not a picture';
  if (a4 === '%PDF') return 'are a PDF document, not a picture';
  if (b.length >= 132 && ascii(b, 128, 4) === 'DICM') return 'are a DICOM file, which is not supported';
  if (b.length >= 4 && (u32le(b, 0) === 348 || u32be(b, 0) === 348)) return 'look like a NIfTI-1 header, not a picture';
  if (b[0] === 0x42 && b[1] === 0x4d) return 'start with "BM" but have no valid BMP header';
  if (b.length >= 4 && b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2b) return 'are a BigTIFF file, which is not supported';
  if (b.length >= 4 && b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2b) return 'are a BigTIFF file, which is not supported';
  if (a4 === 'GIF8') return 'start like a GIF but with an unknown version';
  if (looksLikeText(b)) return 'look like text';
  const head = Array.from(b.subarray(0, 8), (v) => hex(v)).join(' ');
  return `start with the bytes ${head}, which match no supported picture format`;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const v = b[i] ?? 0;
    if (v === 9 || v === 10 || v === 13 || (v >= 32 && v < 127) || v >= 0xc2) printable++;
    else if (v === 0) return false;
  }
  return n > 0 && printable / n > 0.95;
}

/** The decoder's reason in plain words, with its own message kept when it adds something. */
function plainReason(e: unknown): string {
  const msgs: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur instanceof Error && depth < 4; depth++) {
    msgs.push(cur.message);
    cur = (cur as { cause?: unknown }).cause;
  }
  if (msgs.length === 0) msgs.push(String(e));
  const all = msgs.join(': ');
  const isType = e instanceof TypeError;
  const isRange = e instanceof RangeError || /outside the bounds|out of bounds|out of range|offset is outside/i.test(all);
  let plain: string | undefined;
  const crc = /CRC mismatch for chunk (\w{4})/.exec(all);
  if (crc) plain = `the ${crc[1]} chunk is damaged (its checksum does not match)`;
  else if (/zlib|unexpected EOF|invalid (block type|length\/literal|distance)|decompress/i.test(all)) {
    plain = 'the compressed picture data is incomplete or corrupt';
  } else if (/maxMemoryUsageInMB|maxResolutionInMP|allocate enough memory/i.test(all)) {
    plain = 'the picture is too large to decode here';
  } else if (/huffman|marker|invalid ACn|SOI not found/i.test(all)) plain = 'the compressed picture data is corrupt';
  else if (isRange) plain = 'the data ends early or points outside the file (truncated or corrupt)';
  else if (isType) plain = 'the data is inconsistent (corrupt)';
  return plain ? `${plain} (decoder: ${all})` : all;
}

/**
 * Expands palette indices into colours: 1 channel when the palette is grey, else 3; plus alpha
 * (grey + alpha or RGBA) when some entry is transparent. Indices past the palette's end get colour
 * 0 and a note. `sixteenBit` keeps 16-bit colours (TIFF colour maps that are not 8-bit in disguise).
 */
function expandPalette(
  indices: Uint8Array,
  palette: readonly (readonly number[])[],
  notes: string[],
  sixteenBit = false,
): { data: Uint8Array | Uint16Array; channels: number } {
  const grey = isGreyPalette(palette);
  const alpha = paletteHasAlpha(palette, sixteenBit ? 65535 : 255);
  const colours = grey ? 1 : 3;
  const channels = colours + (alpha ? 1 : 0);
  const n = indices.length;
  const data = sixteenBit ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  const lut = new Float64Array(256 * channels);
  for (let p = 0; p < Math.min(palette.length, 256); p++) {
    const e = palette[p] ?? [];
    if (grey) lut[p * channels] = e[0] ?? 0;
    else for (let c = 0; c < 3; c++) lut[p * channels + c] = e[c] ?? 0;
    if (alpha) lut[p * channels + colours] = e[3] ?? (sixteenBit ? 65535 : 255);
  }
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const p = indices[i] ?? 0;
    if (p >= palette.length) outside++;
    for (let c = 0; c < channels; c++) data[i * channels + c] = lut[p * channels + c] ?? 0;
  }
  if (outside > 0) {
    notes.push(`${outside} pixel(s) use palette entries beyond the ${palette.length} colours in the palette: given colour 0`);
  }
  return { data, channels };
}

/** Unpacks 1/2/4-bit samples (most significant bits first, rows padded to whole bytes). */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number, rowBytes: number, rowStart = 0): Uint8Array {
  const out = new Uint8Array(width * height);
  const mask = (1 << depth) - 1;
  const perByte = 8 / depth;
  // A byte at a time: the samples of one byte, most significant first.
  const whole = Math.floor(width / perByte);
  for (let y = 0; y < height; y++) {
    const row = rowStart + y * rowBytes;
    let o = y * width;
    for (let i = 0; i < whole; i++) {
      const byte = packed[row + i] ?? 0;
      for (let shift = 8 - depth; shift >= 0; shift -= depth) out[o++] = (byte >> shift) & mask;
    }
    const byte = packed[row + whole] ?? 0;
    for (let x = whole * perByte, shift = 8 - depth; x < width; x++, shift -= depth) out[o++] = (byte >> shift) & mask;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

interface PngLayout {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: number;
  animationFrames?: number;
  /** The zlib stream of the image, split over its IDAT chunks. */
  idat: Uint8Array[];
}

const PNG_COLOR_TYPES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey + alpha', 6: 'RGBA' };

/** Walks the chunk list: IHDR first, IDAT present, IEND present, every chunk inside the file. */
function walkPng(b: Uint8Array): PngLayout {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 8 || sig.some((v, i) => b[i] !== v)) {
    throw new Problem('damaged PNG signature: bytes 5–8 should be 0D 0A 1A 0A (was the file transferred in text mode?)');
  }
  let pos = 8;
  let layout: PngLayout | undefined;
  const idat: Uint8Array[] = [];
  let iend = false;
  let animationFrames: number | undefined;
  while (pos < b.length) {
    if (pos + 8 > b.length) throw new Problem(`truncated PNG: the file ends inside a chunk header at byte ${pos}`);
    const len = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type) || len > 0x7fffffff) {
      throw new Problem(`damaged PNG: byte ${pos} should start a chunk but holds no valid chunk header`);
    }
    const end = pos + 12 + len;
    if (end > b.length) {
      throw new Problem(`truncated PNG: the file ends inside the ${type} chunk (it needs ${end} bytes, the file has ${b.length})`);
    }
    if (!layout && type !== 'IHDR') throw new Problem(`damaged PNG: the first chunk is ${type}, not the IHDR header`);
    if (type === 'IHDR') {
      if (len !== 13) throw new Problem(`damaged PNG: the IHDR header is ${len} bytes long instead of 13`);
      layout = {
        width: u32be(b, pos + 8),
        height: u32be(b, pos + 12),
        depth: b[pos + 16] ?? 0,
        colorType: b[pos + 17] ?? 0,
        interlace: b[pos + 20] ?? 0,
        idat,
      };
    } else if (type === 'IDAT') idat.push(b.subarray(pos + 8, pos + 8 + len));
    else if (type === 'acTL' && len >= 4) animationFrames = u32be(b, pos + 8);
    else if (type === 'IEND') {
      iend = true;
      break;
    }
    pos = end;
  }
  if (!layout) throw new Problem('truncated PNG: the file ends before the IHDR header');
  if (idat.length === 0) {
    throw new Problem(iend ? 'damaged PNG: it has no image data (IDAT chunk)' : 'truncated PNG: the file ends before the image data (IDAT)');
  }
  if (!iend) throw new Problem(`truncated PNG: the file ends after ${b.length} bytes without the IEND chunk that closes every PNG`);
  if (animationFrames !== undefined) layout.animationFrames = animationFrames;
  return layout;
}

/** Samples per pixel of each PNG colour type (palette: one index). */
const PNG_SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Bytes the image's zlib stream inflates to (ISO/IEC 15948 §7.2, §8.2): a filter byte and the
 * packed samples of each row, for the whole picture or for each of the seven Adam7 passes.
 */
export function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  // Adam7: [x0, y0, dx, dy] of each pass.
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
  return passes.reduce((n, [x0, y0, dx, dy]) => n + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

function decodePng(b: Uint8Array): Decoded {
  const layout = walkPng(b);
  const { width, height, depth, colorType } = layout;
  checkSize(width, height, 'PNG');
  if (!(colorType in PNG_COLOR_TYPES)) throw new Problem(`damaged PNG: unknown colour type ${colorType}`);
  if (layout.interlace === 1 && depth < 8) {
    throw new Problem(
      `interlaced (Adam7) PNG with ${depth}-bit samples is not supported: save it without interlacing or with 8-bit samples`,
    );
  }
  const samples = PNG_SAMPLES[colorType] as number;
  // Palette pictures keep their indices and up to four colour channels.
  checkSize(width, height, 'PNG', colorType === 3 ? { channels: 5 } : { channels: samples, bytesPerSample: depth === 16 ? 2 : 1 });
  // The image data must inflate to exactly the rows the header describes: checked with a bounded
  // inflate before the decoder (which would inflate without limit) sees it.
  const needed = pngRawBytes(width, height, samples * depth, layout.interlace === 1);
  const compressed = layout.idat.reduce((n, c) => n + c.length, 0);
  if (compressed * MAX_DEFLATE_RATIO < needed) {
    throw new Problem(
      `damaged PNG: its ${compressed} bytes of compressed image data cannot hold a ${width} × ${height} picture (${needed} bytes inflated; truncated or crafted)`,
    );
  }
  let inflated: number;
  try {
    inflated = inflateBounded(layout.idat, 'zlib', { limit: needed });
  } catch (e) {
    if (e instanceof InflateLimitError) {
      throw new Problem(`damaged PNG: the compressed image data inflates to more than the ${needed} bytes a ${width} × ${height} picture needs (corrupt or crafted)`);
    }
    throw new Problem(`damaged PNG file: ${plainReason(e)}`);
  }
  if (inflated < needed) {
    throw new Problem(`damaged PNG: the compressed image data inflates to ${inflated} bytes, ${needed} needed for a ${width} × ${height} picture (truncated or corrupt)`);
  }
  let png: DecodedPng;
  try {
    png = decodePngLib(b, { checkCrc: true });
  } catch (e) {
    throw new Problem(`damaged PNG file: ${plainReason(e)}`);
  }
  const notes: string[] = [];
  if (layout.animationFrames !== undefined && layout.animationFrames > 1) {
    notes.push(`animated PNG with ${layout.animationFrames} frames: using the default image`);
  }
  const raw = png.data instanceof Uint8ClampedArray ? new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) : png.data;

  if (colorType === 3) {
    const indices = depth < 8 ? unpackBits(raw as Uint8Array, width, height, depth, Math.ceil((width * depth) / 8)) : (raw as Uint8Array);
    if (indices.length !== width * height) throw new Problem('damaged PNG: the decoded data is shorter than the picture');
    const palette = png.palette;
    if (!palette || palette.length === 0) throw new Problem('damaged PNG: a palette picture without a palette (PLTE chunk)');
    const { data, channels } = expandPalette(indices, palette, notes);
    return { width, height, channels, data, datatype: `uint${depth} palette`, paletteIndices: indices, notes };
  }

  const channels = png.channels;
  let data: Uint8Array | Uint16Array;
  if (depth < 8) data = unpackBits(raw as Uint8Array, width, height, depth, Math.ceil((width * depth) / 8));
  else data = raw;
  if (data.length !== width * height * channels) throw new Problem('damaged PNG: the decoded data does not match the picture size');
  if (png.transparency && png.transparency.length > 0 && (colorType === 0 || colorType === 2)) {
    const key = Array.from(png.transparency).join(', ');
    notes.push(
      `the PNG marks the ${colorType === 0 ? 'grey value' : 'colour'} ${key} as transparent (tRNS): kept as stored, no alpha channel added`,
    );
  }
  return { width, height, channels, data, datatype: `uint${depth}`, notes };
}

// ---------------------------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------------------------

interface JpegLayout {
  width: number;
  height: number;
  precision: number;
  components: number;
  componentIds: number[];
  sof: number;
  adobeTransform?: number;
  exifOrientation?: number;
  /** Bytes of entropy-coded data over all scans. */
  scanBytes: number;
}

const JPEG_UNSUPPORTED_SOF: Record<number, string> = {
  0xc3: 'lossless',
  0xc5: 'differential (hierarchical)',
  0xc6: 'differential progressive',
  0xc7: 'differential lossless',
  0xc9: 'arithmetic-coded',
  0xca: 'arithmetic-coded progressive',
  0xcb: 'arithmetic-coded lossless',
  0xcd: 'arithmetic-coded differential',
  0xce: 'arithmetic-coded differential progressive',
  0xcf: 'arithmetic-coded differential lossless',
};

/**
 * Walks the marker segments and the entropy-coded scans up to EOI, so a file cut short is caught
 * before the decoder pads it with grey. Reads the frame header (SOF), Adobe APP14 and EXIF.
 */
function walkJpeg(b: Uint8Array): JpegLayout {
  const n = b.length;
  let pos = 2;
  let layout: JpegLayout | undefined;
  let adobeTransform: number | undefined;
  let exifOrientation: number | undefined;
  let scans = 0;
  let scanBytes = 0;
  for (;;) {
    // Skip anything up to the next marker (decoders tolerate stray bytes between segments).
    while (pos < n && b[pos] !== 0xff) pos++;
    while (pos < n && b[pos] === 0xff) pos++;
    if (pos >= n) {
      throw new Problem(
        scans > 0
          ? `truncated JPEG: the file ends after ${n} bytes, inside the compressed picture data (no end-of-image marker)`
          : `truncated JPEG: the file ends after ${n} bytes, before the picture data`,
      );
    }
    const marker = b[pos] ?? 0;
    pos++;
    if (marker === 0xd9) break; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xd8) continue;
    if (pos + 2 > n) throw new Problem(`truncated JPEG: the file ends inside the segment of marker FF${hex(marker)}`);
    const len = u16be(b, pos);
    const end = pos + len;
    if (len < 2 || end > n) throw new Problem(`truncated JPEG: the file ends inside the segment of marker FF${hex(marker)}`);
    const seg = pos + 2;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const kind = JPEG_UNSUPPORTED_SOF[marker];
      if (kind) throw new Problem(`${kind} JPEG (marker FF${hex(marker)}) is not supported: save it as a baseline JPEG or PNG`);
      if (layout) throw new Problem('JPEG with more than one frame is not supported');
      const components = b[seg + 5] ?? 0;
      const ids: number[] = [];
      for (let c = 0; c < components; c++) ids.push(b[seg + 6 + 3 * c] ?? 0);
      layout = { sof: marker, precision: b[seg] ?? 0, height: u16be(b, seg + 1), width: u16be(b, seg + 3), components, componentIds: ids, scanBytes: 0 };
    } else if (marker === 0xee && len >= 14 && ascii(b, seg, 5) === 'Adobe') {
      adobeTransform = b[seg + 11];
    } else if (marker === 0xe1 && exifOrientation === undefined && ascii(b, seg, 4) === 'Exif') {
      exifOrientation = readExifOrientation(b.subarray(seg + 6, end));
    }
    pos = end;
    if (marker === 0xda) {
      scans++;
      const scanStart = pos;
      // Entropy-coded data runs to the next marker other than stuffed FF00 and restart markers.
      for (;;) {
        if (pos + 1 >= n) {
          throw new Problem(`truncated JPEG: the file ends after ${n} bytes, inside the compressed picture data (no end-of-image marker)`);
        }
        if (b[pos] === 0xff) {
          const next = b[pos + 1] ?? 0;
          if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
        }
        pos++;
      }
      scanBytes += pos - scanStart;
    }
  }
  if (!layout) throw new Problem('damaged JPEG: it has no frame header (SOF marker)');
  layout.scanBytes = scanBytes;
  if (scans === 0) throw new Problem('damaged JPEG: it has no picture data (SOS marker)');
  if (adobeTransform !== undefined) layout.adobeTransform = adobeTransform;
  if (exifOrientation !== undefined) layout.exifOrientation = exifOrientation;
  return layout;
}

/** The Orientation tag (0x0112) of IFD0 in an EXIF block (a small TIFF structure), if present. */
function readExifOrientation(t: Uint8Array): number | undefined {
  if (t.length < 8) return undefined;
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return undefined;
  const r16 = (o: number) => (le ? u16le(t, o) : u16be(t, o));
  const r32 = (o: number) => (le ? u32le(t, o) : u32be(t, o));
  const ifd = r32(4);
  if (ifd + 2 > t.length) return undefined;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > t.length) return undefined;
    if (r16(e) === 0x0112) return r16(e + 8);
  }
  return undefined;
}

const EXIF_ORIENTATION: Record<number, string> = {
  2: 'mirrored left–right',
  3: 'rotated 180°',
  4: 'mirrored top–bottom',
  5: 'transposed',
  6: 'rotated 90° clockwise',
  7: 'transversed',
  8: 'rotated 90° anticlockwise',
};

function decodeJpeg(b: Uint8Array): Decoded {
  const layout = walkJpeg(b);
  const { width, height, components } = layout;
  if (layout.precision !== 8) throw new Problem(`${layout.precision}-bit JPEG is not supported: only 8-bit JPEGs can be read`);
  if (height === 0) throw new Problem('JPEG whose height is given after the picture data (DNL marker) is not supported');
  checkSize(width, height, 'JPEG', { channels: components === 1 ? 1 : 3 });
  // Every 8 × 8 block of the first component is coded with at least one bit (its DC difference,
  // ITU-T T.81 F.1.2.1), so the scans hold at least blocks / 8 bytes: fewer is a truncated or
  // crafted file, refused before the decoder allocates the picture its header claims.
  const minBytes = Math.ceil((Math.ceil(width / 8) * Math.ceil(height / 8)) / 8);
  if (layout.scanBytes < minBytes) {
    throw new Problem(
      `damaged JPEG: its ${layout.scanBytes} bytes of compressed picture data cannot hold a ${width} × ${height} picture (at least ${minBytes} bytes; truncated or crafted)`,
    );
  }
  if (components === 4) throw new Problem('CMYK JPEG is not supported: save it as an RGB or greyscale JPEG, or as PNG');
  if (components !== 1 && components !== 3) throw new Problem(`JPEG with ${components} colour components is not supported`);
  // JFIF rule: three components are YCbCr unless an Adobe marker says transform 0 or the
  // component ids spell R, G, B; then they are RGB as stored.
  const rgbIds = layout.componentIds.join(',') === '82,71,66';
  const storedRgb = components === 3 && (layout.adobeTransform === 0 || (rgbIds && layout.adobeTransform === undefined));
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = decodeJpegLib(b, {
      useTArray: true,
      formatAsRGBA: false,
      colorTransform: storedRgb ? false : undefined,
      tolerantDecoding: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      // The picture was checked against MAX_PICTURE_BYTES above; the decoder also needs its
      // component planes beside the output.
      maxMemoryUsageInMB: Math.ceil((3 * MAX_PICTURE_BYTES) / 2 ** 20),
    });
  } catch (e) {
    throw new Problem(`damaged JPEG file: ${plainReason(e)}`);
  }
  if (img.width !== width || img.height !== height || img.data.length !== width * height * 3) {
    throw new Problem('damaged JPEG: the decoded picture does not match the size in its header');
  }
  const notes: string[] = [];
  const o = layout.exifOrientation;
  if (o !== undefined && o >= 2 && o <= 8) {
    notes.push(`EXIF orientation ${o} (${EXIF_ORIENTATION[o] ?? ''}) is ignored: pixels are kept as stored, not rotated`);
  }
  if (components === 1) {
    // The decoder repeats grey into R, G and B; keep one copy.
    const grey = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = img.data[i * 3] ?? 0;
    return { width, height, channels: 1, data: grey, datatype: 'uint8', notes };
  }
  return { width, height, channels: 3, data: img.data, datatype: 'uint8', notes };
}

// ---------------------------------------------------------------------------------------------
// GIF
// ---------------------------------------------------------------------------------------------

function decodeGif(b: Uint8Array): Decoded {
  let frame: GifFirstFrame;
  try {
    frame = decodeGifFirstFrame(b, MAX_GIF_PIXELS);
  } catch (e) {
    if (e instanceof GifError) throw new Problem(e.message);
    throw e;
  }
  const { left, top, width: fw, height: fh } = frame;
  // The picture is the logical screen, grown when a sloppy writer made the frame larger.
  const width = Math.max(frame.screenWidth, left + fw);
  const height = Math.max(frame.screenHeight, top + fh);
  checkSize(width, height, 'GIF', { maxPixels: MAX_GIF_PIXELS, channels: 5 });
  const background = frame.background;
  const notes: string[] = [];
  if (frame.frames > 1) notes.push(`${frame.frames} frames: using the first`);
  if (frame.endsEarly) notes.push(`the file ends without the GIF trailer after ${frame.frames} complete frame(s)`);
  if (frame.decodedPixels < fw * fh) {
    notes.push(`the first frame's picture data ends after ${frame.decodedPixels} of its ${fw * fh} pixels: the rest holds palette index 0`);
  }
  const covers = left === 0 && top === 0 && fw === width && fh === height;
  let indices = frame.indices;
  if (!covers) {
    indices = new Uint8Array(width * height);
    indices.fill(background);
    notes.push(
      `the first frame covers ${fw} × ${fh} pixels at (${left}, ${top}) of the ${width} × ${height} screen: the rest holds the background index ${background}`,
    );
    for (let y = 0; y < fh; y++) indices.set(frame.indices.subarray(y * fw, (y + 1) * fw), (top + y) * width + left);
  }
  const table = frame.colorTable;
  if (frame.transparentIndex !== undefined) {
    notes.push(`palette entry ${frame.transparentIndex} is marked transparent: kept as its colour, no alpha channel added`);
  }
  if (table.length === 0) {
    notes.push('the GIF has no colour table: the palette indices are used as grey values');
    return { width, height, channels: 1, data: indices.slice(), datatype: 'uint8 palette', paletteIndices: indices, notes };
  }
  const { data, channels } = expandPalette(indices, table, notes);
  return { width, height, channels, data, datatype: 'uint8 palette', paletteIndices: indices, notes };
}

// ---------------------------------------------------------------------------------------------
// BMP
// ---------------------------------------------------------------------------------------------

const BMP_COMPRESSION: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'embedded JPEG', 5: 'embedded PNG', 11: 'CMYK', 12: 'CMYK RLE8', 13: 'CMYK RLE4' };

/** A bit-field channel: shift and width of its contiguous mask. */
function maskField(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1 && shift + bits < 32) bits++;
  if ((mask >>> (shift + bits)) !== 0 && shift + bits < 32) throw new Problem(`damaged BMP: the bit mask ${hex(mask >>> 0, 8)} is not contiguous`);
  return { shift, bits };
}

/**
 * BMP: file header (14 bytes), DIB header (12 = OS/2 core, 40 = info, 52/56 = v2/v3 with masks,
 * 64 = OS/2 2.x, 108 = v4, 124 = v5), optional bit masks, palette (BGR0, or BGR for core headers),
 * then pixel rows padded to 4 bytes, bottom-up unless the height is negative.
 */
function decodeBmp(b: Uint8Array): Decoded {
  const n = b.length;
  const dib = u32le(b, 14);
  if (14 + dib > n) throw new Problem('truncated BMP: the file ends inside the header');
  const pixelOffset = u32le(b, 10);
  let width: number, height: number, bpp: number, compression = 0, colorsUsed = 0;
  let topDown = false;
  const core = dib === 12;
  if (core) {
    width = u16le(b, 18);
    height = u16le(b, 20);
    bpp = u16le(b, 24);
  } else {
    width = u32le(b, 18) | 0;
    const h = u32le(b, 22) | 0;
    topDown = h < 0;
    height = Math.abs(h);
    bpp = u16le(b, 28);
    compression = u32le(b, 30);
    colorsUsed = u32le(b, 46);
  }
  // Palette pictures keep their indices and up to four colour channels; others up to RGBA.
  checkSize(width, height, 'BMP', { channels: bpp <= 8 ? 5 : 4 });
  if (compression !== 0 && compression !== 3 && compression !== 6) {
    const what = BMP_COMPRESSION[compression] ?? `compression type ${compression}`;
    throw new Problem(`${what} BMP is not supported: save it as an uncompressed BMP or as PNG`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new Problem(`${bpp}-bit BMP is not supported`);
  // Bit masks: inside v2+ headers, or right after a 40-byte header for BITFIELDS / ALPHABITFIELDS.
  let masks: number[] | undefined;
  let alphaMask = 0;
  let paletteStart = 14 + dib;
  if (!core) {
    if (dib >= 52) masks = [u32le(b, 54), u32le(b, 58), u32le(b, 62)];
    if (dib >= 56) alphaMask = u32le(b, 66);
    if (dib === 40 && (compression === 3 || compression === 6)) {
      masks = [u32le(b, 54), u32le(b, 58), u32le(b, 62)];
      if (compression === 6) alphaMask = u32le(b, 66);
      paletteStart += compression === 6 ? 16 : 12;
    }
  }
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const needed = pixelOffset + stride * (height - 1) + Math.ceil((bpp * width) / 8);
  if (pixelOffset < 14 + dib || needed > n) {
    throw new Problem(`truncated BMP: the pixel data needs ${needed} bytes but the file has ${n}`);
  }
  const rowAt = (y: number) => pixelOffset + (topDown ? y : height - 1 - y) * stride;
  const notes: string[] = [];

  if (bpp <= 8) {
    const entry = core ? 3 : 4;
    // Some writers leave the colour count at 0 and store a short palette: take what fits.
    const room = Math.floor((pixelOffset - paletteStart) / entry);
    const count = Math.min(colorsUsed > 0 ? colorsUsed : 1 << bpp, 1 << bpp, room);
    if (count <= 0) throw new Problem('damaged BMP: a palette picture without a palette');
    const palette: number[][] = [];
    for (let i = 0; i < count; i++) {
      const o = paletteStart + i * entry;
      palette.push([b[o + 2] ?? 0, b[o + 1] ?? 0, b[o] ?? 0]);
    }
    const indices = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const row = bpp === 8 ? b.subarray(rowAt(y), rowAt(y) + width) : unpackBits(b, width, 1, bpp, stride, rowAt(y));
      indices.set(row, y * width);
    }
    const { data, channels } = expandPalette(indices, palette, notes);
    return { width, height, channels, data, datatype: `uint${bpp} palette`, paletteIndices: indices, notes };
  }

  if (bpp === 24) {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const row = rowAt(y);
      for (let x = 0; x < width; x++) {
        const o = row + 3 * x;
        const k = (y * width + x) * 3;
        data[k] = b[o + 2] ?? 0;
        data[k + 1] = b[o + 1] ?? 0;
        data[k + 2] = b[o] ?? 0;
      }
    }
    return { width, height, channels: 3, data, datatype: 'uint8', notes };
  }

  // 16 and 32 bit: channels from bit masks (BI_RGB uses the defaults 5-5-5 and 8-8-8).
  const rgbMasks = compression === 0 || !masks ? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0xff00, 0xff]) : masks;
  const fields = rgbMasks.map(maskField);
  if (alphaMask !== 0) fields.push(maskField(alphaMask));
  if (fields.some((f) => f.bits > 8)) throw new Problem('BMP with more than 8 bits per colour channel is not supported');
  if (fields.slice(0, 3).some((f) => f.bits === 0)) throw new Problem('damaged BMP: a colour bit mask is empty');
  const channels = fields.length;
  const scaled = fields.some((f) => f.bits < 8);
  if (scaled) notes.push(`${bpp}-bit BMP with ${fields.map((f) => f.bits).join('-')}-bit channels: values scaled to 0–255`);
  const data = new Uint8Array(width * height * channels);
  const bytes = bpp / 8;
  for (let y = 0; y < height; y++) {
    const row = rowAt(y);
    for (let x = 0; x < width; x++) {
      const o = row + bytes * x;
      const v = bytes === 2 ? u16le(b, o) : u32le(b, o);
      for (let c = 0; c < channels; c++) {
        const f = fields[c] ?? { shift: 0, bits: 8 };
        const max = (1 << f.bits) - 1;
        const raw = (v >>> f.shift) & max;
        data[(y * width + x) * channels + c] = f.bits === 8 ? raw : Math.round((raw * 255) / max);
      }
    }
  }
  return { width, height, channels, data, datatype: 'uint8', notes };
}

// ---------------------------------------------------------------------------------------------
// TIFF
// ---------------------------------------------------------------------------------------------

const TIFF_COMPRESSION: Record<number, string> = {
  2: 'CCITT Group 3 (modified Huffman)',
  3: 'CCITT Group 3 fax',
  4: 'CCITT Group 4 fax',
  6: 'old-style JPEG',
  7: 'JPEG',
  32773: 'PackBits',
  34712: 'JPEG 2000',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
};

const TIFF_PHOTOMETRIC: Record<number, string> = {
  4: 'transparency mask',
  5: 'CMYK',
  6: 'YCbCr',
  8: 'CIE L*a*b*',
  9: 'ICC L*a*b*',
  10: 'ITU L*a*b*',
  32844: 'LogL',
  32845: 'LogLuv',
  34892: 'linear raw',
};

/** Counts the pages (image directories) by following the IFD chain, stopping at loops. */
function walkTiff(b: Uint8Array): { littleEndian: boolean; pages: number; chainBroken: boolean } {
  const n = b.length;
  if (n < 8) throw new Problem('truncated TIFF: the file ends inside the 8-byte header');
  const le = b[0] === 0x49;
  const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (le ? u32le(b, o) : u32be(b, o));
  let off = r32(4);
  const seen = new Set<number>();
  let pages = 0;
  let chainBroken = false;
  while (off !== 0) {
    if (seen.has(off)) break;
    seen.add(off);
    if (off + 2 > n || off + 2 + 12 * r16(off) + 4 > n) {
      if (pages === 0) throw new Problem(`truncated TIFF: the file ends inside the first image directory (at byte ${off}, the file has ${n})`);
      chainBroken = true;
      break;
    }
    pages++;
    off = r32(off + 2 + 12 * r16(off));
  }
  if (pages === 0) throw new Problem('damaged TIFF: it has no image directory');
  checkTiffEntries(b, le, r32(4), new Set());
  return { littleEndian: le, pages, chainBroken };
}

/** Bytes per value of the TIFF 6.0 field types 1–12 (the ones the directory parser reads). */
const TIFF_TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];
/** Tags whose value is the offset of a further directory the parser follows: EXIF and GPS. */
const TIFF_SUB_IFD_TAGS = new Set([0x8769, 0x8825]);

/**
 * Checks every entry of the first image directory, and of the EXIF/GPS directories it points
 * to, before the directory parser reads them: the parser allocates count × size bytes for each
 * value, so a count of 0xFFFFFFFF would cost gigabytes before the file's end is noticed.
 */
function checkTiffEntries(b: Uint8Array, le: boolean, ifd: number, seen: Set<number>): void {
  if (seen.has(ifd)) throw new Problem(`damaged TIFF: the image directory at byte ${ifd} refers back to itself`);
  seen.add(ifd);
  const n = b.length;
  const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (le ? u32le(b, o) : u32be(b, o));
  if (ifd + 2 > n || ifd + 2 + 12 * r16(ifd) > n) throw new Problem(`truncated TIFF: the image directory at byte ${ifd} lies past the end of the file`);
  for (let i = 0; i < r16(ifd); i++) {
    const e = ifd + 2 + 12 * i;
    const tag = r16(e);
    const type = r16(e + 2);
    const size = TIFF_TYPE_BYTES[type];
    if (size === undefined || size === 0) continue; // unknown types are skipped by the parser
    const bytes = r32(e + 4) * size;
    if (bytes > 4 && r32(e + 8) + bytes > n) {
      throw new Problem(`damaged TIFF: tag ${tag} claims ${r32(e + 4)} values (${bytes} bytes) from byte ${r32(e + 8)}, past the end of the ${n}-byte file`);
    }
    if (TIFF_SUB_IFD_TAGS.has(tag) && r32(e + 4) === 1) checkTiffEntries(b, le, r32(e + 8), seen);
  }
}

function asArray(v: unknown): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number>);
  return undefined;
}

/** Checks the first page's tags against what the decoder handles correctly, before decoding. */
function checkTiffPage(ifd: TiffIfd, fileSize: number): void {
  for (const tag of ['ImageWidth', 'ImageLength', 'Compression', 'PhotometricInterpretation', 'SamplesPerPixel', 'RowsPerStrip', 'PlanarConfiguration', 'Predictor', 'Orientation']) {
    const v: unknown = ifd.get(tag);
    if (v !== undefined && typeof v !== 'number') throw new Problem(`damaged TIFF: the ${tag} tag holds ${asArray(v)?.length ?? 'no'} values instead of one`);
  }
  if (ifd.width === undefined || ifd.height === undefined) throw new Problem('damaged TIFF: the ImageWidth or ImageLength tag is missing');
  const width = ifd.width;
  const height = ifd.height;
  checkSize(width, height, 'TIFF');
  const photometric = ifd.type as number | undefined;
  if (photometric === undefined) throw new Problem('damaged TIFF: the PhotometricInterpretation tag is missing');
  if (photometric > 3) {
    throw new Problem(`TIFF with ${TIFF_PHOTOMETRIC[photometric] ?? `photometric interpretation ${photometric}`} colours is not supported: save it as RGB or greyscale`);
  }
  const compression = ifd.compression;
  if (![1, 5, 8, 32946].includes(compression)) {
    throw new Problem(
      `${TIFF_COMPRESSION[compression] ?? `compression type ${compression}`}-compressed TIFF is not supported: save it uncompressed, with LZW or with Deflate`,
    );
  }
  const bitsList = asArray(ifd.get('BitsPerSample'));
  if (!bitsList || bitsList.length === 0) throw new Problem('TIFF without a BitsPerSample tag is not supported');
  const bits = bitsList[0] ?? 0;
  if (bitsList.some((v) => v !== bits)) throw new Problem(`TIFF with different bit depths per channel (${bitsList.join(', ')}) is not supported`);
  const spp = ifd.samplesPerPixel;
  const format = ifd.sampleFormat ?? 1;
  if (format === 3 && bits !== 32 && bits !== 64) throw new Problem(`${bits}-bit floating-point TIFF is not supported (32- and 64-bit are)`);
  if (format !== 3 && ![1, 8, 16].includes(bits)) throw new Problem(`${bits}-bit integer TIFF is not supported (1, 8 and 16-bit are)`);
  if (format !== 1 && format !== 2 && format !== 3) throw new Problem(`TIFF sample format ${format} is not supported`);
  if (bits === 1 && format !== 1) throw new Problem('1-bit TIFF must hold unsigned samples');
  const allowed = photometric === 2 ? [3, 4] : photometric === 3 ? [1] : [1, 2];
  if (!allowed.includes(spp)) {
    const kind = photometric === 2 ? 'RGB' : photometric === 3 ? 'palette' : 'greyscale';
    throw new Problem(`${kind} TIFF with ${spp} samples per pixel is not supported`);
  }
  if (photometric === 3) {
    if (bits !== 8 && bits !== 1) throw new Problem(`${bits}-bit palette TIFF is not supported (8-bit and 1-bit are)`);
    if (!ifd.get('ColorMap')) throw new Problem('damaged TIFF: a palette picture without a colour map');
  }
  if (spp > 1 && ifd.planarConfiguration === 2) throw new Problem('TIFF with separate colour planes (PlanarConfiguration 2) is not supported');
  if (photometric === 0 && format !== 1) throw new Problem('WhiteIsZero TIFF with signed or floating-point samples is not supported');
  // Palette pictures keep their indices and up to four colour channels.
  checkSize(width, height, 'TIFF', photometric === 3 ? { channels: 5 } : { channels: spp, bytesPerSample: Math.max(1, bits / 8) });
  const orientation = ifd.orientation as number | undefined;
  if (orientation !== undefined && orientation !== 1) {
    throw new Problem(`TIFF orientation ${orientation} is not supported: only top-left (1), the usual one`);
  }
  const predictor = ifd.predictor;
  if (predictor !== 1 && !(predictor === 2 && (bits === 8 || bits === 16))) {
    throw new Problem(`TIFF predictor ${predictor} is not supported with ${bits}-bit samples`);
  }
  const bytesPerRow = bits === 1 ? Math.ceil((width * spp) / 8) : width * spp * (bits / 8);
  if (ifd.tiled) {
    if (spp > 1) throw new Problem('tiled TIFF with more than one sample per pixel is not supported: save it in strips');
    if (predictor !== 1) throw new Problem('tiled TIFF with a predictor is not supported: save it in strips');
    const tw = ifd.tileWidth ?? 0;
    const th = ifd.tileHeight ?? 0;
    const offsets = asArray(ifd.get('TileOffsets')) ?? [];
    const counts = asArray(ifd.get('TileByteCounts')) ?? [];
    const expected = Math.ceil(width / tw) * Math.ceil(height / th);
    if (!(tw > 0 && th > 0) || offsets.length < expected || counts.length < expected) {
      throw new Problem(`damaged TIFF: ${offsets.length} tiles listed, ${expected} needed`);
    }
    checkExtents(offsets, counts, fileSize, 'tile');
    return;
  }
  const offsets = asArray(ifd.get('StripOffsets'));
  if (!offsets || offsets.length === 0) throw new Problem('damaged TIFF: the StripOffsets tag is missing');
  const rowsPerStrip = Math.min(ifd.rowsPerStrip, height);
  const expected = Math.ceil(height / rowsPerStrip);
  if (offsets.length < expected) {
    throw new Problem(`truncated or damaged TIFF: ${offsets.length} strip(s) listed, ${expected} needed for ${height} rows`);
  }
  let counts = asArray(ifd.get('StripByteCounts'));
  if (!counts) {
    if (compression !== 1) throw new Problem('damaged TIFF: the StripByteCounts tag is missing');
    counts = offsets.map(() => bytesPerRow * rowsPerStrip);
  }
  if (counts.length < expected) throw new Problem('damaged TIFF: fewer strip byte counts than strips');
  if (compression === 1) {
    for (let s = 0; s < expected; s++) {
      const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      if ((counts[s] ?? 0) < rows * bytesPerRow) {
        throw new Problem(`damaged TIFF: strip ${s + 1} holds ${counts[s] ?? 0} bytes, ${rows * bytesPerRow} needed`);
      }
    }
  }
  checkExtents(offsets.slice(0, expected), counts.slice(0, expected), fileSize, 'strip');
}

function checkExtents(offsets: number[], counts: number[], fileSize: number, what: string): void {
  for (let i = 0; i < offsets.length; i++) {
    const end = (offsets[i] ?? 0) + (counts[i] ?? 0);
    if (end > fileSize) {
      throw new Problem(
        `truncated TIFF: the picture data of ${what} ${i + 1} of ${offsets.length} runs to byte ${end}, but the file has ${fileSize} bytes`,
      );
    }
  }
}

/**
 * TIFF colour maps are 16-bit. Maps that are 8-bit values in disguise (v · 257, v · 256, or plain
 * 0–255 written by old tools) become 8-bit; other maps keep 16-bit colours.
 */
function tiffPalette(ifd: TiffIfd): { palette: number[][]; sixteenBit: boolean } {
  const raw = ifd.palette ?? [];
  const flat = raw.flat();
  if (flat.every((v) => v % 257 === 0)) return { palette: raw.map((e) => e.map((v) => v / 257)), sixteenBit: false };
  if (flat.every((v) => v % 256 === 0)) return { palette: raw.map((e) => e.map((v) => v / 256)), sixteenBit: false };
  if (flat.every((v) => v <= 255)) return { palette: raw.map((e) => [...e]), sixteenBit: false };
  return { palette: raw.map((e) => [...e]), sixteenBit: true };
}

/**
 * Decompresses one strip or tile into exactly `size` bytes (`room` is the most it may yield: a
 * last strip is often written full height). Deflate through the bounded inflater, LZW through
 * lzw.ts: neither can produce more than `room` bytes, whatever the data claims.
 */
function tiffPiece(src: Uint8Array, compression: number, size: number, room: number, what: string): Uint8Array {
  if (compression === 1) return src;
  let out: Uint8Array;
  let written: number;
  if (compression === 5) {
    if (src[0] === 0 && ((src[1] ?? 0) & 1) === 1) throw new Problem(`old-style (pre-TIFF 6.0) LZW compression in ${what} is not supported: save the TIFF again with LZW or Deflate`);
    out = new Uint8Array(room);
    try {
      const r = decodeLzw(src, out, TIFF_LZW);
      if (r.overflow) throw new Problem(`damaged TIFF: ${what} decompresses to more than the ${room} bytes it can hold (corrupt or crafted)`);
      written = r.written;
    } catch (e) {
      if (e instanceof LzwError) throw new Problem(`damaged TIFF: the LZW data of ${what} is corrupt (${e.message})`);
      throw e;
    }
  } else {
    try {
      out = inflateToBuffer(src, 'zlib', room);
      written = out.length;
    } catch (e) {
      if (e instanceof InflateLimitError) throw new Problem(`damaged TIFF: ${what} decompresses to more than the ${room} bytes it can hold (corrupt or crafted)`);
      throw new Problem(`damaged TIFF: the Deflate data of ${what} is corrupt (${plainReason(e)})`);
    }
  }
  if (written < size) throw new Problem(`damaged TIFF: ${what} decompresses to ${written} bytes, ${size} needed (truncated or corrupt)`);
  return out;
}

/**
 * The first page's samples as stored (x fastest, samples interleaved; 1-bit samples as 0/1 bytes),
 * from its strips or tiles, after the horizontal-differencing predictor and in the host's byte
 * order. The page was checked by checkTiffPage, and its size against the budget, before this runs.
 */
function tiffSamples(b: Uint8Array, ifd: TiffIfd, littleEndian: boolean): Uint8Array | Uint16Array | Float32Array | Float64Array {
  const { width, height, compression } = ifd;
  const spp = ifd.samplesPerPixel;
  const bits = ifd.bitsPerSample;
  const rowBytes = bits === 1 ? Math.ceil((width * spp) / 8) : (width * spp * bits) / 8;
  const raster = new Uint8Array(rowBytes * height);
  if (ifd.tiled) {
    const tw = ifd.tileWidth ?? 0;
    const th = ifd.tileHeight ?? 0;
    const tileRowBytes = bits === 1 ? Math.ceil(tw / 8) : (tw * bits) / 8;
    const offsets = asArray(ifd.get('TileOffsets')) ?? [];
    const counts = asArray(ifd.get('TileByteCounts')) ?? [];
    const across = Math.ceil(width / tw);
    const down = Math.ceil(height / th);
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const t = ty * across + tx;
        const o = offsets[t] ?? 0;
        const src = b.subarray(o, o + (counts[t] ?? 0));
        const piece = tiffPiece(src, compression, th * tileRowBytes, th * tileRowBytes, `tile ${t + 1} of ${across * down}`);
        const x0 = bits === 1 ? Math.floor((tx * tw) / 8) : (tx * tw * bits) / 8;
        const n = Math.min(tileRowBytes, rowBytes - x0);
        for (let r = 0; r < th && ty * th + r < height; r++) {
          raster.set(piece.subarray(r * tileRowBytes, r * tileRowBytes + n), (ty * th + r) * rowBytes + x0);
        }
      }
    }
  } else {
    const rowsPerStrip = Math.min(ifd.rowsPerStrip, height);
    const strips = Math.ceil(height / rowsPerStrip);
    const offsets = asArray(ifd.get('StripOffsets')) ?? [];
    const counts = asArray(ifd.get('StripByteCounts')) ?? offsets.map(() => rowsPerStrip * rowBytes);
    for (let s = 0; s < strips; s++) {
      const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      const o = offsets[s] ?? 0;
      const src = b.subarray(o, o + (counts[s] ?? 0));
      const piece = tiffPiece(src, compression, rows * rowBytes, rowsPerStrip * rowBytes, `strip ${s + 1} of ${strips}`);
      raster.set(piece.subarray(0, rows * rowBytes), s * rowsPerStrip * rowBytes);
    }
  }
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (bits > 8 && littleEndian !== hostLittle) {
    const k = bits / 8;
    for (let i = 0; i < raster.length; i += k) raster.subarray(i, i + k).reverse();
  }
  if (bits === 1) return unpackBits(raster, width * spp, height, 1, rowBytes);
  const samples =
    bits === 8 ? raster : bits === 16 ? new Uint16Array(raster.buffer) : bits === 32 ? new Float32Array(raster.buffer) : new Float64Array(raster.buffer);
  if (ifd.predictor === 2) {
    // Horizontal differencing (TIFF 6.0 section 14): each sample is stored as the difference to
    // the same sample of the pixel on its left; integer samples wrap around.
    for (let y = 0; y < height; y++) {
      const row = y * width * spp;
      for (let i = spp; i < width * spp; i++) samples[row + i] = ((samples[row + i] as number) + (samples[row + i - spp] as number)) & (bits === 8 ? 0xff : 0xffff);
    }
  }
  return samples;
}

function decodeTiff(b: Uint8Array): Decoded {
  const chain = walkTiff(b);
  let ifd: TiffIfd | undefined;
  try {
    [ifd] = decodeTiffLib(b, { pages: [0], ignoreImageData: true });
  } catch (e) {
    throw new Problem(`damaged TIFF file: cannot read the image directory: ${plainReason(e)}`);
  }
  if (!ifd) throw new Problem('damaged TIFF: it has no image directory');
  checkTiffPage(ifd, b.length);
  const raw = tiffSamples(b, ifd, chain.littleEndian);
  const { width, height } = ifd;
  const spp = ifd.samplesPerPixel;
  const bits = ifd.bitsPerSample;
  const format = ifd.sampleFormat ?? 1;
  const photometric = ifd.type;
  if (photometric === 0) {
    // WhiteIsZero: invert so that 0 is black (unsigned integers: max − v).
    const max = 2 ** bits - 1;
    for (let i = 0; i < raw.length; i++) raw[i] = max - (raw[i] as number);
  }
  if (ifd.alpha && ifd.associatedAlpha) {
    // Premultiplied colours divided by their alpha (0 where alpha is 0).
    const max = ifd.maxSampleValue;
    for (let i = 0; i < raw.length; i += spp) {
      const a = raw[i + spp - 1] as number;
      for (let j = 0; j < spp - 1; j++) raw[i + j] = a === 0 ? 0 : Math.round(((raw[i + j] as number) * max) / a);
    }
  }
  let data: VoxelArray = raw;
  if (data.length !== width * height * spp) throw new Problem('damaged TIFF: the decoded data does not match the picture size');
  const notes: string[] = [];
  if (chain.pages > 1) notes.push(`${chain.pages} pages: using the first`);
  if (chain.chainBroken) notes.push('the directory of a later page lies outside the file: only the first page was read');
  if (photometric === 0) notes.push('WhiteIsZero TIFF: values inverted so that 0 is black');
  if (ifd.alpha && ifd.associatedAlpha) notes.push('the TIFF stores premultiplied (associated) alpha: colours divided by alpha');
  // Signed integers: the decoder returns the same bits as unsigned; view them as signed.
  if (format === 2 && data instanceof Uint8Array) data = new Int8Array(data.buffer, data.byteOffset, data.length);
  else if (format === 2 && data instanceof Uint16Array) data = new Int16Array(data.buffer, data.byteOffset, data.length);
  const big = !chain.littleEndian && bits > 8 ? ' big-endian' : '';
  const kind = format === 3 ? 'float' : format === 2 ? 'int' : 'uint';
  if (photometric === 3) {
    const indices = data as Uint8Array;
    const { palette, sixteenBit } = tiffPalette(ifd);
    const out = expandPalette(indices, palette, notes, sixteenBit);
    return { width, height, channels: out.channels, data: out.data, datatype: `uint${bits} palette`, paletteIndices: indices, notes };
  }
  return { width, height, channels: spp, data, datatype: `${kind}${bits}${big}`, notes };
}
