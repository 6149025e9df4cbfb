/**
 * LZW decoding for GIF (GIF89a appendix F) and TIFF (TIFF 6.0 section 13), whose work is
 * bounded by the data and the output it is given.
 *
 * Both use a table of up to 4096 strings that starts with the 2^m single values, a clear code
 * 2^m that resets it and an end code 2^m + 1; each code read adds the previous string followed
 * by the first value of the current one. They differ in three ways:
 *   - bit order: GIF packs codes least significant bit first, TIFF most significant bit first;
 *   - code width: GIF starts at m + 1 bits (m = the frame's minimum code size), TIFF always at
 *     9 bits (m = 8);
 *   - width change: GIF widens when the table reaches 2^width entries, TIFF one entry earlier
 *     ("early change", 2^width − 1).
 * Every code consumes at least 3 bits of the input and writes into the caller's output array,
 * never past its end, so a corrupt stream stops when its bytes run out: it cannot loop and it
 * cannot allocate.
 */

export interface LzwVariant {
  /** m: values 0 … 2^m − 1; clear = 2^m, end = 2^m + 1. */
  minCodeSize: number;
  /** Codes packed most significant bit first (TIFF) rather than least (GIF). */
  msbFirst: boolean;
  /** Widen the code one entry early (TIFF). */
  earlyChange: boolean;
}

export const GIF_LZW = (minCodeSize: number): LzwVariant => ({ minCodeSize, msbFirst: false, earlyChange: false });
export const TIFF_LZW: Readonly<LzwVariant> = Object.freeze({ minCodeSize: 8, msbFirst: true, earlyChange: true });

export interface LzwResult {
  /** Values written to the output (≤ its length). */
  written: number;
  /** The stream held more values than the output has room for. */
  overflow: boolean;
}

/** Thrown for a code that cannot occur in a valid stream. */
export class LzwError extends Error {}

/**
 * Decodes `data` into `out` (its length is the number of values wanted). Stops at the end code,
 * at the end of the data, or when `out` is full (`overflow` says whether more was coming).
 */
export function decodeLzw(data: Uint8Array, out: Uint8Array, v: LzwVariant): LzwResult {
  const m = v.minCodeSize;
  if (!Number.isInteger(m) || m < 1 || m > 8) throw new LzwError(`LZW minimum code size ${m} (1–8 allowed)`);
  const clear = 1 << m;
  const end = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const firstOf = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let c = 0; c < clear; c++) {
    suffix[c] = c;
    firstOf[c] = c;
    length[c] = 1;
  }
  const early = v.earlyChange ? 1 : 0;
  const total = out.length;
  let width = m + 1;
  let mask = (1 << width) - 1;
  let next = end + 1;
  let prev = -1;
  let acc = 0;
  let bits = 0;
  let i = 0;
  let pos = 0;
  for (;;) {
    while (bits < width && i < data.length) {
      if (v.msbFirst) acc = ((acc << 8) | (data[i++] as number)) & 0xffffff;
      else acc |= (data[i++] as number) << bits;
      bits += 8;
    }
    if (bits < width) break; // the data ended
    let code: number;
    if (v.msbFirst) {
      code = (acc >>> (bits - width)) & mask;
    } else {
      code = acc & mask;
      acc >>>= width;
    }
    bits -= width;
    if (code === clear) {
      width = m + 1;
      mask = (1 << width) - 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code === end) break;
    if (prev === -1) {
      if (code > clear) throw new LzwError(`the data starts with code ${code}, not a value`);
    } else if (code < next || (code === next && next < 4096)) {
      if (next < 4096) {
        // The new entry: the previous string and the first value of this one (of itself when new).
        prefix[next] = prev;
        suffix[next] = firstOf[code < next ? code : prev] as number;
        firstOf[next] = firstOf[prev] as number;
        length[next] = (length[prev] as number) + 1;
        next++;
      }
    } else {
      throw new LzwError(`code ${code} is not yet defined (the table has ${next} entries)`);
    }
    // Write the string of `code` backwards from its end, dropping what lies past the output.
    const len = length[code] as number;
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (pos + k < total) out[pos + k] = suffix[c] as number;
      c = prefix[c] as number;
    }
    pos += len;
    prev = code;
    if (next + early > mask && width < 12) {
      width++;
      mask = (1 << width) - 1;
    }
    if (pos >= total) return { written: total, overflow: pos > total || hasMoreCodes(data, i, bits, width, end, acc, v.msbFirst) };
  }
  return { written: pos, overflow: false };
}

/** After the output is full: does the stream go on with anything but its end code? */
function hasMoreCodes(data: Uint8Array, i: number, bits: number, width: number, end: number, acc: number, msbFirst: boolean): boolean {
  let a = acc;
  let b = bits;
  let k = i;
  while (b < width && k < data.length) {
    if (msbFirst) a = ((a << 8) | (data[k++] as number)) & 0xffffff;
    else a |= (data[k++] as number) << b;
    b += 8;
  }
  if (b < width) return false;
  const code = msbFirst ? (a >>> (b - width)) & ((1 << width) - 1) : a & ((1 << width) - 1);
  return code !== end;
}
