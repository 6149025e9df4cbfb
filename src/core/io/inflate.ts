/**
 * Bounded decompression of DEFLATE data (RFC 1951) in its raw (zip entries), zlib (RFC 1950:
 * PNG image data, TIFF Deflate strips) and gzip (RFC 1952: .nii.gz) wrappings.
 *
 * The compressed bytes are fed to fflate's streaming inflater in slices of INPUT_SLICE bytes, so
 * one slice can never produce more than about 1032 × INPUT_SLICE bytes (the largest expansion
 * DEFLATE allows), and every piece of output is counted as it appears: the caller's sink may
 * throw to stop at any moment, and `limit` stops the stream as soon as it would pass the bytes
 * the caller expects. A crafted stream whose header or trailer understates what it holds (a
 * "decompression bomb") is therefore refused after at most `limit` + one slice's output, never
 * inflated whole.
 *
 * gzip: every member's CRC-32 and ISIZE (RFC 1952 §2.3.1) are checked against what was inflated,
 * so a truncated or altered stream is refused rather than read as a shorter volume.
 */
import { Gunzip, Inflate, inflateSync, Unzlib, unzlibSync } from 'fflate';
import { crc32 } from './crc32';

/** Compressed bytes handed to the inflater at a time: at most ~66 MB of output per slice. */
export const INPUT_SLICE = 64 * 1024;

/** The largest ratio of inflated to compressed size a DEFLATE stream can reach (RFC 1951 length 258 per 2-bit code, ≈ 1032:1). */
export const MAX_DEFLATE_RATIO = 1032;

/** Thrown when a stream yields more than its limit: the message says how much was expected. */
export class InflateLimitError extends Error {
  constructor(
    readonly limit: number,
    message = `the compressed data inflates to more than the ${limit} bytes expected`,
  ) {
    super(message);
    this.name = 'InflateLimitError';
  }
}

export type InflateSink = (chunk: Uint8Array) => void;

export interface InflateOptions {
  /** Most bytes the stream may yield; one more is an InflateLimitError. */
  limit?: number;
  /** Receives the output piece by piece (may throw to stop). */
  onData?: InflateSink;
  /** Called after each input slice with the compressed bytes consumed so far and the total. */
  onProgress?: (consumed: number, total: number) => void;
}

type Streaming = { push(chunk: Uint8Array, final?: boolean): void };

function pushSliced(stream: Streaming, parts: readonly Uint8Array[], onProgress?: (consumed: number, total: number) => void): void {
  const total = parts.reduce((n, p) => n + p.length, 0);
  let consumed = 0;
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 0) {
    stream.push(new Uint8Array(0), true);
    return;
  }
  for (const [k, part] of nonEmpty.entries()) {
    const lastPart = k === nonEmpty.length - 1;
    for (let o = 0; o < part.length; o += INPUT_SLICE) {
      const end = Math.min(part.length, o + INPUT_SLICE);
      stream.push(part.subarray(o, end), lastPart && end === part.length);
      consumed += end - o;
      onProgress?.(consumed, total);
    }
  }
}

/** Wraps a sink with the byte count and the limit. */
function counting(opts: InflateOptions): { sink: InflateSink; count: () => number } {
  let n = 0;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  return {
    sink: (chunk) => {
      if (chunk.length === 0) return;
      n += chunk.length;
      if (n > limit) throw new InflateLimitError(limit);
      opts.onData?.(chunk);
    },
    count: () => n,
  };
}

/**
 * What fflate throws for a corrupt stream (an Error with a numeric `code`), in plain words;
 * anything else (the limit, or a sink's own error) passes through unchanged.
 */
function streamError(e: unknown): unknown {
  if (!(e instanceof Error) || typeof (e as { code?: unknown }).code !== 'number') return e;
  return new Error(`${e.message} (the compressed data is truncated or corrupt)`, { cause: e });
}

/**
 * Inflates raw DEFLATE (`'raw'`, as in zip entries) or a zlib stream (`'zlib'`) given as one or
 * more consecutive byte ranges (PNG splits its stream over IDAT chunks). Returns the number of
 * bytes inflated. Throws InflateLimitError past `limit`, an Error for corrupt data.
 */
export function inflateBounded(input: Uint8Array | readonly Uint8Array[], kind: 'raw' | 'zlib', opts: InflateOptions = {}): number {
  const { sink, count } = counting(opts);
  const stream: Streaming = kind === 'raw' ? new Inflate((c) => sink(c)) : new Unzlib((c) => sink(c));
  try {
    pushSliced(stream, Array.isArray(input) ? input : [input as Uint8Array], opts.onProgress);
  } catch (e) {
    throw streamError(e);
  }
  return count();
}

/**
 * Inflates into a new array of at most `capacity` bytes and returns the part written; more than
 * `capacity` bytes is an InflateLimitError. A single input of at most INPUT_SLICE bytes is
 * inflated in one call into a buffer of capacity + 1 bytes (the work stays within 1032 ×
 * INPUT_SLICE, and a full extra byte means the stream went on); anything larger is streamed.
 */
export function inflateToBuffer(input: Uint8Array | readonly Uint8Array[], kind: 'raw' | 'zlib', capacity: number): Uint8Array {
  const single = input instanceof Uint8Array ? input : input.length === 1 ? input[0] : undefined;
  if (single && single.length <= INPUT_SLICE) {
    const buf = new Uint8Array(capacity + 1);
    let got: Uint8Array;
    try {
      got = kind === 'raw' ? inflateSync(single, { out: buf }) : unzlibSync(single, { out: buf });
    } catch (e) {
      // A stored block that does not fit is a RangeError from the copy into the fixed buffer.
      if (e instanceof RangeError) throw new InflateLimitError(capacity);
      throw streamError(e);
    }
    if (got.length > capacity) throw new InflateLimitError(capacity);
    return buf.subarray(0, got.length);
  }
  const out = new Uint8Array(capacity);
  let at = 0;
  inflateBounded(input, kind, {
    limit: capacity,
    onData: (c) => {
      out.set(c, at);
      at += c.length;
    },
  });
  return out.subarray(0, at);
}

/** Inflates into one new array of exactly `size` bytes; anything but exactly `size` bytes is an error. */
export function inflateExact(input: Uint8Array | readonly Uint8Array[], kind: 'raw' | 'zlib', size: number): Uint8Array {
  const out = inflateToBuffer(input, kind, size);
  if (out.length !== size) throw new Error(`the compressed data inflates to ${out.length} bytes, ${size} expected (truncated or corrupt)`);
  return out;
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface GunzipInfo {
  /** Bytes inflated over all members. */
  size: number;
  /** gzip members (1 for an ordinary .gz; bgzip and concatenated files have more). */
  members: number;
  /** ISIZE of the last member's trailer: its uncompressed length mod 2^32. */
  lastIsize: number;
}

/**
 * Inflates a gzip file member by member, checking each member's CRC-32 and ISIZE against what it
 * yielded. Output goes to `opts.onData`; past `opts.limit` an InflateLimitError stops it. Every
 * other problem (not gzip, truncated, corrupt, CRC or size mismatch, junk after the last member)
 * is an Error whose message says so in plain words.
 */
export function gunzipBounded(bytes: Uint8Array, opts: InflateOptions = {}): GunzipInfo {
  if (!isGzip(bytes)) throw new Error('not gzip data (it does not start with 1f 8b)');
  if (bytes.length < 18) throw new Error(`not a valid gzip stream: only ${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trailer = (end: number) => ({ crc: dv.getUint32(end - 8, true), isize: dv.getUint32(end - 4, true) });
  const last = trailer(bytes.length);
  // A single member can expand at most MAX_DEFLATE_RATIO times: a larger ISIZE is a damaged trailer.
  if (last.isize > bytes.length * MAX_DEFLATE_RATIO) {
    throw new Error(`not a valid gzip stream: the size field claims ${last.isize} bytes from ${bytes.length} compressed (truncated or corrupt)`);
  }
  const { sink, count } = counting(opts);
  let crc = 0;
  let memberSize = 0;
  let members = 1;
  const check = (end: number, what: string) => {
    const t = trailer(end);
    if ((memberSize >>> 0) !== t.isize) {
      throw new Error(`not a valid gzip stream: ${what} inflates to ${memberSize} bytes but its size field says ${t.isize} (truncated or corrupt)`);
    }
    if (crc !== t.crc) throw new Error(`not a valid gzip stream: CRC-32 mismatch in ${what} (corrupt data)`);
  };
  const gz = new Gunzip((chunk) => {
    if (chunk.length === 0) return;
    crc = crc32(chunk, crc);
    memberSize += chunk.length;
    sink(chunk);
  });
  gz.onmember = (offset) => {
    // A new member starts at `offset`: the previous one's trailer is the 8 bytes before it.
    check(offset, `gzip member ${members}`);
    members++;
    crc = 0;
    memberSize = 0;
  };
  try {
    pushSliced(gz, [bytes], opts.onProgress);
  } catch (e) {
    throw streamError(e);
  }
  check(bytes.length, members > 1 ? `the last gzip member (${members})` : 'the stream');
  return { size: count(), members, lastIsize: last.isize };
}
