/**
 * Hand-made compressed streams for the decompression bombs: a deflate stream of a short prefix
 * followed by any number of zero bytes (fixed-Huffman literals, then length-258 / distance-1
 * copies, 13 bits per 258 bytes, so 4 GiB of zeros take about 27 MB), wrapped as gzip (RFC 1952)
 * or zlib (RFC 1950) with a correct CRC-32 / Adler-32 computed without producing the zeros.
 */
import { concat, crc32 } from '../../src/core/io/testing/image-fixtures';
import { BitWriter } from './bytes';

/** Fixed-Huffman literal/length code of a symbol 0–287 (RFC 1951 §3.2.6). */
function fixedCode(w: BitWriter, sym: number): void {
  if (sym < 144) w.code(0x30 + sym, 8);
  else if (sym < 256) w.code(0x190 + (sym - 144), 9);
  else if (sym < 280) w.code(sym - 256, 7);
  else w.code(0xc0 + (sym - 280), 8);
}

/** A final fixed-Huffman block holding `prefix` then `zeros` zero bytes. */
export function deflatePrefixThenZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  const w = new BitWriter();
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE 01: fixed Huffman
  for (const b of prefix) fixedCode(w, b);
  let left = zeros;
  if (left > 0) {
    fixedCode(w, 0);
    left--;
  }
  // Length 258 is symbol 285 with no extra bits; distance 1 is code 0 (5 bits), no extra bits.
  const copy = (): void => {
    fixedCode(w, 285);
    w.code(0, 5);
  };
  // Copies until the bit position is byte-aligned; from there eight copies are exactly 13 bytes,
  // repeated as bytes. The rest goes on bit by bit.
  while (left >= 258 && w.bitLength % 8 !== 0) {
    copy();
    left -= 258;
  }
  const groups = w.bitLength % 8 === 0 ? Math.floor(left / (258 * 8)) : 0;
  const parts: Uint8Array[] = [];
  let tail = w;
  if (groups > 0) {
    parts.push(w.finish());
    const pattern = new BitWriter();
    for (let i = 0; i < 8; i++) {
      fixedCode(pattern, 285);
      pattern.code(0, 5);
    }
    const unit = pattern.finish();
    const body = new Uint8Array(unit.length * groups);
    for (let g = 0; g < groups; g++) body.set(unit, g * unit.length);
    parts.push(body);
    left -= groups * 258 * 8;
    tail = new BitWriter();
  }
  for (; left >= 258; left -= 258) {
    fixedCode(tail, 285);
    tail.code(0, 5);
  }
  for (; left > 0; left--) fixedCode(tail, 0);
  fixedCode(tail, 256); // end of block
  parts.push(tail.finish());
  return concat(parts);
}

// CRC-32 of zero bytes without the bytes: appending a zero byte is a linear map of the CRC
// register (GF(2)), so n zeros are that map raised to the n-th power (as zlib's crc32_combine).

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i] as number;
  return sum >>> 0;
}

function gf2Square(mat: Uint32Array): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(32);
  for (let i = 0; i < 32; i++) out[i] = gf2Times(mat, mat[i] as number);
  return out;
}

/** CRC-32 of `data` followed by `zeros` zero bytes, given crc32(data). */
export function crc32AppendZeros(crc: number, zeros: number): number {
  // The operator for one zero bit, then squared up to one byte.
  let op = new Uint32Array(32);
  op[0] = 0xedb88320;
  for (let i = 1; i < 32; i++) op[i] = (1 << (i - 1)) >>> 0;
  for (let i = 0; i < 3; i++) op = gf2Square(op); // 8 bits
  let reg = ~crc >>> 0;
  let n = zeros;
  while (n > 0) {
    if (n % 2 === 1) reg = gf2Times(op, reg);
    n = Math.floor(n / 2);
    if (n > 0) op = gf2Square(op);
  }
  return ~reg >>> 0;
}

/**
 * A gzip member holding `prefix` + `zeros` zero bytes. `isize` overrides the trailer's size field
 * (by default the true length mod 2^32, as RFC 1952 says).
 */
export function gzipPrefixThenZeros(prefix: Uint8Array, zeros: number, opts: { isize?: number } = {}): Uint8Array {
  const header = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const trailer = new Uint8Array(8);
  const dv = new DataView(trailer.buffer);
  dv.setUint32(0, crc32AppendZeros(crc32(prefix), zeros), true);
  dv.setUint32(4, opts.isize ?? (prefix.length + zeros) % 2 ** 32, true);
  return concat([header, deflatePrefixThenZeros(prefix, zeros), trailer]);
}

/** A zlib stream of `zeros` zero bytes (as TIFF Deflate strips are stored). */
export function zlibZeros(zeros: number): Uint8Array {
  const trailer = new Uint8Array(4);
  // Adler-32 of zeros: a stays 1, b grows by 1 per byte.
  new DataView(trailer.buffer).setUint32(0, (((zeros % 65521) << 16) | 1) >>> 0, false);
  return concat([new Uint8Array([0x78, 0x01]), deflatePrefixThenZeros(new Uint8Array(0), zeros), trailer]);
}
