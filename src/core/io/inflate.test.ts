import { deflateSync, gzipSync, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { gunzipBounded, inflateBounded, inflateExact, InflateLimitError, inflateToBuffer, INPUT_SLICE } from './inflate';

const ramp = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 8)) & 255);

describe('crc32', () => {
  it('continues a CRC piece by piece: crc32(b, crc32(a)) = crc32(a ‖ b)', () => {
    const data = ramp(10_007);
    for (const cut of [0, 1, 7, 8, 9, 4096, 10_006, 10_007]) {
      expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(crc32(data));
    }
  });
});

describe('inflateBounded', () => {
  const data = ramp(300_000);
  it('inflates raw and zlib streams, also split over several parts (PNG IDAT chunks)', () => {
    for (const [kind, packed] of [['raw', deflateSync(data)], ['zlib', zlibSync(data)]] as const) {
      const parts = [packed.subarray(0, 5), packed.subarray(5, 999), packed.subarray(999)];
      expect(inflateExact(parts, kind, data.length)).toEqual(data);
    }
  });
  it('stops once more than the limit comes out: a 1000:1 stream with a 1 MB limit yields little more than 1 MB', () => {
    const zeros = new Uint8Array(50 * 1024 * 1024);
    const packed = deflateSync(zeros, { level: 1 });
    expect(packed.length).toBeLessThan(zeros.length / 500);
    let seen = 0;
    expect(() => inflateBounded(packed, 'raw', { limit: 1_000_000, onData: (c) => (seen += c.length) })).toThrow(InflateLimitError);
    // The sink saw at most the limit; the inflater stopped within one input slice of output.
    expect(seen).toBeLessThanOrEqual(1_000_000);
  });
  it('inflateToBuffer: small inputs in one call, large ones streamed; one byte past the capacity is refused either way', () => {
    const small = ramp(5000);
    const packedSmall = deflateSync(small);
    expect(packedSmall.length).toBeLessThanOrEqual(INPUT_SLICE);
    expect(inflateToBuffer(packedSmall, 'raw', 5000)).toEqual(small);
    expect(inflateToBuffer(packedSmall, 'raw', 9000)).toEqual(small);
    expect(() => inflateToBuffer(packedSmall, 'raw', 4999)).toThrow(InflateLimitError);
    // A stored (level 0) block is copied: too small a buffer is the limit too, not a RangeError.
    expect(() => inflateToBuffer(deflateSync(small, { level: 0 }), 'raw', 100)).toThrow(InflateLimitError);
    const big = ramp(400_000);
    const packedBig = deflateSync(big, { level: 0 });
    expect(packedBig.length).toBeGreaterThan(INPUT_SLICE);
    expect(inflateToBuffer(packedBig, 'raw', 400_000)).toEqual(big);
    expect(() => inflateToBuffer(packedBig, 'raw', 399_999)).toThrow(InflateLimitError);
    expect(inflateToBuffer(zlibSync(small), 'zlib', 5000)).toEqual(small);
  });
  it('inflateExact refuses a stream that ends short of the size expected', () => {
    expect(() => inflateExact(zlibSync(data), 'zlib', data.length + 1)).toThrow(/inflates to 300000 bytes, 300001 expected/);
    expect(() => inflateExact(zlibSync(data), 'zlib', data.length - 1)).toThrow(InflateLimitError);
  });
  it('a corrupt stream is an Error in plain words, and a sink’s own error passes through unchanged', () => {
    const bad = deflateSync(data).slice();
    bad[3] = 0xff;
    bad[4] = 0xff;
    expect(() => inflateBounded(bad, 'raw')).toThrow(/truncated or corrupt/);
    class Mine extends Error {}
    expect(() => inflateBounded(deflateSync(data), 'raw', { onData: () => { throw new Mine('stop'); } })).toThrow(Mine);
  });
  it('feeds the input in slices and reports progress', () => {
    const packed = deflateSync(ramp(2 * INPUT_SLICE * 4), { level: 0 });
    const seen: number[] = [];
    inflateBounded(packed, 'raw', { onProgress: (done) => seen.push(done) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(packed.length);
  });
});

describe('gunzipBounded', () => {
  it('checks CRC-32 and ISIZE of every member', () => {
    const a = ramp(70_000);
    const b = ramp(5_000).reverse();
    const gz = [gzipSync(a), gzipSync(b)];
    const both = new Uint8Array(gz[0]!.length + gz[1]!.length);
    both.set(gz[0]!);
    both.set(gz[1]!, gz[0]!.length);
    const out: number[] = [];
    const info = gunzipBounded(both, { onData: (c) => out.push(...c) });
    expect(info).toEqual({ size: 75_000, members: 2, lastIsize: 5_000 });
    expect(Uint8Array.from(out)).toEqual(Uint8Array.from([...a, ...b]));
    const badSize = both.slice();
    badSize[both.length - 4] = badSize[both.length - 4]! ^ 1;
    expect(() => gunzipBounded(badSize)).toThrow(/last gzip member \(2\) inflates to 5000 bytes but its size field says 5001/);
  });
  it('refuses what is not gzip, and an ISIZE no DEFLATE stream could reach', () => {
    expect(() => gunzipBounded(ramp(100))).toThrow(/not gzip data/);
    const gz = gzipSync(ramp(100));
    const claim = gz.slice();
    new DataView(claim.buffer).setUint32(claim.length - 4, 0xffffffff, true);
    expect(() => gunzipBounded(claim)).toThrow(/claims 4294967295 bytes from/);
  });
});
