/**
 * GIF (GIF87a / GIF89a, CompuServe 1990): the block structure and the first frame, decoded with
 * an LZW decoder whose work is bounded by the data it is given.
 *
 * File layout: header "GIF87a"/"GIF89a", logical screen descriptor (width, height, packed
 * flags, background index, aspect), optional global colour table (3 · 2^(n+1) bytes), then
 * blocks: extensions 21 xx (sub-blocks up to a 0 terminator; 21 F9 is the graphic control
 * extension holding the transparent index), image descriptors 2C (left, top, width, height,
 * flags: local colour table, interlace), each followed by the LZW minimum code size and the
 * image data in sub-blocks, and the trailer 3B.
 *
 * The image data is decoded by lzw.ts into an array of exactly width × height indices (anything
 * beyond is dropped), so a corrupt stream ends when its bytes do: it cannot loop, and it cannot
 * allocate more than the frame, which is checked against the limit before it is allocated.
 */
import { decodeLzw, GIF_LZW, LzwError } from './lzw';

/** Thrown for a file that cannot be decoded; image2d.ts names the file. */
export class GifError extends Error {}

export interface GifFirstFrame {
  /** Logical screen. */
  screenWidth: number;
  screenHeight: number;
  background: number;
  /** Frames found before the trailer (or before the file ended / junk began). */
  frames: number;
  /** The file ended (or junk began) after `frames` complete frames, without the trailer 3B. */
  endsEarly: boolean;
  left: number;
  top: number;
  width: number;
  height: number;
  interlaced: boolean;
  /** Palette indices of the frame, width × height, rows top to bottom (de-interlaced). */
  indices: Uint8Array;
  /** The frame's colour table (local, else global; empty when the file has neither), [r, g, b] entries. */
  colorTable: number[][];
  transparentIndex?: number;
  /** Indices the LZW data held before it ended (< width × height when the data is short). */
  decodedPixels: number;
}

const u16 = (b: Uint8Array, o: number) => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
const hex = (v: number) => v.toString(16).toUpperCase().padStart(2, '0');

function colorTable(b: Uint8Array, at: number, flags: number): number[][] {
  const n = 1 << ((flags & 7) + 1);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push([b[at + 3 * i] ?? 0, b[at + 3 * i + 1] ?? 0, b[at + 3 * i + 2] ?? 0]);
  return out;
}

/** Where the first frame's pieces are, found while walking the blocks. */
interface FirstFrameAt {
  descriptor: number;
  /** Start of the colour table (local), or -1. */
  localTable: number;
  minCodeSize: number;
  /** Sub-block data of the image, as [start, end) ranges. */
  data: [number, number][];
  transparentIndex?: number;
}

/** Walks the block structure; throws GifError when the first frame's data is cut off. */
function walk(b: Uint8Array): { frames: number; endsEarly: boolean; first: FirstFrameAt | null } {
  const n = b.length;
  if (n < 13) throw new GifError('truncated GIF: the file ends inside the screen descriptor');
  const flags = b[10] ?? 0;
  let pos = 13;
  if (flags & 0x80) pos += 3 * (1 << ((flags & 7) + 1));
  if (pos > n) throw new GifError('truncated GIF: the file ends inside the global colour table');
  /** Skips sub-blocks up to the terminator, collecting their ranges; false when the file ends first. */
  const subBlocks = (ranges?: [number, number][]): boolean => {
    for (;;) {
      if (pos >= n) return false;
      const size = b[pos++] ?? 0;
      if (size === 0) return true;
      if (pos + size > n) return false;
      ranges?.push([pos, pos + size]);
      pos += size;
    }
  };
  let frames = 0;
  let endsEarly = false;
  let first: FirstFrameAt | null = null;
  let pendingTransparent: number | undefined;
  for (;;) {
    if (pos >= n) {
      endsEarly = true;
      break;
    }
    const intro = b[pos];
    if (intro === 0x3b) break; // trailer
    if (intro === 0x21) {
      const label = b[pos + 1];
      if (label === 0xf9 && frames === 0 && pos + 7 < n && b[pos + 2] === 4) {
        // Graphic control extension: packed flags (bit 0: transparent colour given), delay, index.
        pendingTransparent = (b[pos + 3] ?? 0) & 1 ? (b[pos + 6] ?? 0) : undefined;
      }
      pos += 2;
      if (!subBlocks()) {
        if (frames === 0) throw new GifError('truncated GIF: the file ends inside an extension block, before the first frame');
        endsEarly = true;
        break;
      }
    } else if (intro === 0x2c) {
      if (pos + 10 > n) {
        if (frames === 0) throw new GifError('truncated GIF: the file ends inside the first frame header');
        endsEarly = true;
        break;
      }
      const descriptor = pos;
      const lflags = b[pos + 9] ?? 0;
      pos += 10;
      const localTable = lflags & 0x80 ? pos : -1;
      if (lflags & 0x80) pos += 3 * (1 << ((lflags & 7) + 1));
      const codeSize = b[pos];
      if (frames === 0 && codeSize !== undefined && (codeSize < 1 || codeSize > 8)) {
        throw new GifError(`damaged GIF: the first frame's LZW code size is ${codeSize} (1–8 allowed)`);
      }
      pos += 1;
      const ranges: [number, number][] = [];
      if (pos > n || !subBlocks(frames === 0 ? ranges : undefined)) {
        if (frames === 0) throw new GifError('truncated GIF: the file ends inside the first frame’s picture data');
        endsEarly = true;
        break;
      }
      if (frames === 0) {
        first = { descriptor, localTable, minCodeSize: codeSize ?? 0, data: ranges, ...(pendingTransparent !== undefined ? { transparentIndex: pendingTransparent } : {}) };
      }
      frames++;
    } else {
      if (frames === 0) throw new GifError(`damaged GIF: unexpected byte ${hex(intro ?? 0)} at offset ${pos}, before any frame`);
      endsEarly = true;
      break;
    }
  }
  if (frames === 0) throw new GifError('damaged GIF: it holds no frame');
  return { frames, endsEarly, first };
}

/** Row order of an interlaced frame (GIF89a appendix E): every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
function interlacedRows(height: number): Int32Array {
  const rows = new Int32Array(height);
  let r = 0;
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const) {
    for (let y = start; y < height; y += step) rows[r++] = y;
  }
  return rows;
}

/**
 * Decodes the first frame of a GIF. `maxPixels` bounds the frame (checked before its indices are
 * allocated); the caller checks the logical screen.
 */
export function decodeGifFirstFrame(b: Uint8Array, maxPixels: number): GifFirstFrame {
  const { frames, endsEarly, first } = walk(b);
  if (!first) throw new GifError('damaged GIF: it holds no frame');
  const d = first.descriptor;
  const left = u16(b, d + 1);
  const top = u16(b, d + 3);
  const width = u16(b, d + 5);
  const height = u16(b, d + 7);
  const flags = b[d + 9] ?? 0;
  if (width * height === 0) throw new GifError(`damaged GIF: the first frame is ${width} × ${height} pixels`);
  if (width * height > maxPixels) {
    throw new GifError(`the GIF's first frame is ${width} × ${height} pixels, more than the ${maxPixels / 1e6}-megapixel limit for decoding GIF here`);
  }
  const gflags = b[10] ?? 0;
  const table = first.localTable >= 0 ? colorTable(b, first.localTable, flags) : gflags & 0x80 ? colorTable(b, 13, gflags) : [];
  let dataLength = 0;
  for (const [s, e] of first.data) dataLength += e - s;
  const data = new Uint8Array(dataLength);
  let at = 0;
  for (const [s, e] of first.data) {
    data.set(b.subarray(s, e), at);
    at += e - s;
  }
  const decoded = new Uint8Array(width * height);
  let decodedPixels: number;
  try {
    decodedPixels = decodeLzw(data, decoded, GIF_LZW(first.minCodeSize)).written;
  } catch (e) {
    if (e instanceof LzwError) throw new GifError(`damaged GIF: the first frame's picture data is corrupt (LZW: ${e.message})`);
    throw e;
  }
  const interlaced = (flags & 0x40) !== 0;
  let indices = decoded;
  if (interlaced) {
    indices = new Uint8Array(width * height);
    const rows = interlacedRows(height);
    for (let r = 0; r < height; r++) indices.set(decoded.subarray(r * width, (r + 1) * width), (rows[r] as number) * width);
  }
  return {
    screenWidth: u16(b, 6),
    screenHeight: u16(b, 8),
    background: b[11] ?? 0,
    frames,
    endsEarly,
    left,
    top,
    width,
    height,
    interlaced,
    indices,
    colorTable: table,
    ...(first.transparentIndex !== undefined ? { transparentIndex: first.transparentIndex } : {}),
    decodedPixels,
  };
}
