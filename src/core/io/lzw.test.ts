import { describe, expect, it } from 'vitest';
import { decodeLzw, GIF_LZW, LzwError, TIFF_LZW } from './lzw';
import { gifLzw } from './testing/image-fixtures';
import { mulberry32 } from '../testing/random';

describe('decodeLzw', () => {
  it('decodes GIF streams of every minimum code size, including table resets at 4096 entries', () => {
    const rand = mulberry32(7);
    for (const m of [2, 3, 4, 5, 6, 7, 8]) {
      // Long runs and noise, so that the table fills and the encoder emits clear codes.
      const values = Uint8Array.from({ length: 40_000 }, (_, i) => (i % 300 < 150 ? (i >> 4) % (1 << m) : Math.floor(rand() * (1 << m))));
      const out = new Uint8Array(values.length);
      const r = decodeLzw(gifLzw(values, m), out, GIF_LZW(m));
      expect(r).toEqual({ written: values.length, overflow: false });
      expect(out).toEqual(values);
    }
  });
  it('stops at the end of its output: a stream longer than the frame is cut, and says so', () => {
    const values = Uint8Array.from({ length: 1000 }, (_, i) => i % 4);
    const out = new Uint8Array(600);
    expect(decodeLzw(gifLzw(values, 2), out, GIF_LZW(2))).toEqual({ written: 600, overflow: true });
    expect(out).toEqual(values.subarray(0, 600));
  });
  it('a stream that ends early reports how much it held', () => {
    const values = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 16);
    const stream = gifLzw(values, 4);
    const r = decodeLzw(stream.subarray(0, stream.length >> 1), new Uint8Array(5000), GIF_LZW(4));
    expect(r.written).toBeGreaterThan(0);
    expect(r.written).toBeLessThan(5000);
  });
  it('refuses codes that cannot occur', () => {
    // Clear (4), then code 7 (not yet defined) with 3-bit codes, least significant bit first.
    expect(() => decodeLzw(Uint8Array.from([0b00111100, 0]), new Uint8Array(10), GIF_LZW(2))).toThrow(LzwError);
    expect(() => decodeLzw(Uint8Array.from([0]), new Uint8Array(10), GIF_LZW(9))).toThrow(/1–8 allowed/);
  });
  it('ends on any input: 20,000 random streams never write past the output or run on', () => {
    const rand = mulberry32(11);
    for (let k = 0; k < 20_000; k++) {
      const data = Uint8Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
      const out = new Uint8Array(1 + Math.floor(rand() * 5000));
      const v = k % 2 ? TIFF_LZW : GIF_LZW(1 + (k % 8));
      try {
        const r = decodeLzw(data, out, v);
        expect(r.written).toBeLessThanOrEqual(out.length);
      } catch (e) {
        expect(e).toBeInstanceOf(LzwError);
      }
    }
  });
});
