import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodeBmpLib } from 'fast-bmp';
import { encode as encodePngLib } from 'fast-png';
import { encode as encodeJpegLib } from 'jpeg-js';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeImage, detectImageFormat, isGreyPalette, LUMA_WEIGHTS, toGrey } from './image2d';
import {
  buildPng,
  concat,
  encodeBmp,
  encodeDcJpeg,
  encodeGif,
  encodeTiff,
  gifLzw,
  packRows,
  pngChunk,
  type TiffPage,
} from './testing/image-fixtures';
import { IDENTITY_AFFINE, InputFileError, type Volume } from './volume';

/** w × h values from f(x, y), x fastest. */
function grid(w: number, h: number, f: (x: number, y: number) => number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(f(x, y));
  return out;
}

/** w × h pixels of c channels from f(x, y) → [c values], interleaved. */
function pixels(w: number, h: number, f: (x: number, y: number) => number[]): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(...f(x, y));
  return out;
}

function expectPicture(v: Volume, w: number, h: number, channels: number, format: Volume['source']['format']): void {
  expect(v.dims).toEqual([w, h, 1]);
  expect(v.channels).toBe(channels);
  expect(v.data.length).toBe(w * h * channels);
  expect(v.spacing).toEqual([1, 1, 1]);
  expect(v.affine).toEqual([...IDENTITY_AFFINE]);
  expect(v.source.format).toBe(format);
}

/** The InputFileError decodeImage throws, checked to name the file. */
function decodeError(bytes: Uint8Array, name: string): InputFileError {
  try {
    decodeImage(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(InputFileError);
    const err = e as InputFileError;
    expect(err.file).toBe(name);
    expect(err.message).toContain(name);
    return err;
  }
  throw new Error(`${name} decoded without an error`);
}

// ---------------------------------------------------------------------------------------------

describe('PNG', () => {
  it('8-bit grey: values as stored, row 0 at the top, x fastest', () => {
    const w = 5;
    const h = 3;
    const values = grid(w, h, (x, y) => x + 10 * y + 7);
    const v = decodeImage(encodePngLib({ width: w, height: h, data: new Uint8Array(values), depth: 8, channels: 1 }), 'grey.png');
    expectPicture(v, w, h, 1, 'png');
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(v.data)).toEqual(values);
    expect(v.source).toEqual({ name: 'grey.png', format: 'png', datatype: 'uint8' });
    expect(v.paletteIndices).toBeUndefined();
    expect(v.notes).toEqual([]);
  });

  it('16-bit grey: Uint16Array, values above 255 exact', () => {
    const values = [0, 1, 255, 256, 300, 1000, 4095, 40000, 65535, 12345];
    const v = decodeImage(encodePngLib({ width: 5, height: 2, data: new Uint16Array(values), depth: 16, channels: 1 }), 'ct.png');
    expectPicture(v, 5, 2, 1, 'png');
    expect(v.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(v.data)).toEqual(values);
    expect(v.source.datatype).toBe('uint16');
  });

  it('RGB: three interleaved channels', () => {
    const values = pixels(4, 3, (x, y) => [x * 60, y * 100, 255 - x - y]);
    const v = decodeImage(encodePngLib({ width: 4, height: 3, data: new Uint8Array(values), depth: 8, channels: 3 }), 'rgb.png');
    expectPicture(v, 4, 3, 3, 'png');
    expect(Array.from(v.data)).toEqual(values);
  });

  it('RGBA: alpha not premultiplied (a fully transparent pixel keeps its colour)', () => {
    const values = [200, 100, 50, 0, 10, 20, 30, 255, 1, 2, 3, 128, 250, 251, 252, 1];
    const v = decodeImage(encodePngLib({ width: 2, height: 2, data: new Uint8Array(values), depth: 8, channels: 4 }), 'rgba.png');
    expectPicture(v, 2, 2, 4, 'png');
    expect(Array.from(v.data)).toEqual(values);
  });

  it('grey + alpha: two channels', () => {
    const values = [0, 255, 77, 0, 255, 128];
    const v = decodeImage(encodePngLib({ width: 3, height: 1, data: new Uint8Array(values), depth: 8, channels: 2 }), 'ga.png');
    expectPicture(v, 3, 1, 2, 'png');
    expect(Array.from(v.data)).toEqual(values);
  });

  it('16-bit RGBA', () => {
    const values = [65535, 0, 300, 0, 1, 2, 3, 65535];
    const v = decodeImage(encodePngLib({ width: 2, height: 1, data: new Uint16Array(values), depth: 16, channels: 4 }), 'rgba16.png');
    expect(v.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(v.data)).toEqual(values);
  });

  it('palette: indices in paletteIndices, colours in data', () => {
    const palette: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [10, 20, 30],
    ];
    const indices = grid(3, 2, (x, y) => (x + 2 * y) % 4);
    const v = decodeImage(encodePngLib({ width: 3, height: 2, data: new Uint8Array(indices), depth: 8, channels: 1, palette }), 'pal.png');
    expectPicture(v, 3, 2, 3, 'png');
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    expect(Array.from(v.data)).toEqual(indices.flatMap((i) => palette[i]));
    expect(v.source.datatype).toBe('uint8 palette');
  });

  it('grey palette: one channel of grey values; transparent entries add alpha', () => {
    const palette: [number, number, number][] = [
      [0, 0, 0],
      [255, 255, 255],
    ];
    const indices = [0, 1, 1, 0, 1, 0];
    const grey = decodeImage(buildPng({ width: 3, height: 2, depth: 1, colorType: 3, samples: indices, palette }), 'mask.png');
    expectPicture(grey, 3, 2, 1, 'png');
    expect(Array.from(grey.paletteIndices ?? [])).toEqual(indices);
    expect(Array.from(grey.data)).toEqual(indices.map((i) => 255 * i));
    expect(grey.source.datatype).toBe('uint1 palette');

    const alpha = decodeImage(buildPng({ width: 3, height: 2, depth: 8, colorType: 3, samples: indices, palette, trns: [0] }), 'a.png');
    expectPicture(alpha, 3, 2, 2, 'png');
    expect(Array.from(alpha.data)).toEqual(indices.flatMap((i) => (i ? [255, 255] : [0, 0])));

    const colour: [number, number, number][] = [
      [9, 8, 7],
      [200, 100, 0],
      [1, 2, 3],
    ];
    const rgba = decodeImage(buildPng({ width: 3, height: 1, depth: 8, colorType: 3, samples: [0, 1, 2], palette: colour, trns: [0, 128] }), 'b.png');
    expectPicture(rgba, 3, 1, 4, 'png');
    expect(Array.from(rgba.data)).toEqual([9, 8, 7, 0, 200, 100, 0, 128, 1, 2, 3, 255]);
  });

  it('4-bit palette with an odd width (rows padded to whole bytes)', () => {
    const palette = Array.from({ length: 16 }, (_, i): [number, number, number] => [i * 16, 255 - i * 16, i]);
    const indices = grid(7, 3, (x, y) => (x * 3 + y * 5) % 16);
    const v = decodeImage(buildPng({ width: 7, height: 3, depth: 4, colorType: 3, samples: indices, palette }), 'p4.png');
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    expect(v.channels).toBe(3);
    expect(Array.from(v.data.subarray(0, 6))).toEqual([...palette[indices[0] ?? 0]!, ...palette[indices[1] ?? 0]!]);
  });

  it('1-bit grey: values 0 and 1 as stored, rows padded to whole bytes', () => {
    const w = 11;
    const h = 4;
    const values = grid(w, h, (x, y) => ((x * y + x) % 3 === 0 ? 1 : 0));
    const v = decodeImage(encodePngLib({ width: w, height: h, data: packRows(values, w, h, 1), depth: 1, channels: 1 }), 'bits.png');
    expectPicture(v, w, h, 1, 'png');
    expect(Array.from(v.data)).toEqual(values);
    expect(v.source.datatype).toBe('uint1');
  });

  it('2-bit grey', () => {
    const values = grid(5, 2, (x, y) => (x + y) % 4);
    const v = decodeImage(buildPng({ width: 5, height: 2, depth: 2, colorType: 0, samples: values }), 'g2.png');
    expect(Array.from(v.data)).toEqual(values);
    expect(v.source.datatype).toBe('uint2');
  });

  it('Adam7-interlaced 8-bit and 16-bit pictures decode to the same pixels', () => {
    const w = 13;
    const h = 9;
    const rgb = pixels(w, h, (x, y) => [x * 19, y * 28, (x * y) % 256]);
    const v = decodeImage(encodePngLib({ width: w, height: h, data: new Uint8Array(rgb), depth: 8, channels: 3 }, { interlace: 'Adam7' }), 'i.png');
    expect(Array.from(v.data)).toEqual(rgb);
    const g16 = grid(w, h, (x, y) => x * 1000 + y);
    const v16 = decodeImage(encodePngLib({ width: w, height: h, data: new Uint16Array(g16), depth: 16, channels: 1 }, { interlace: 'Adam7' }), 'i16.png');
    expect(Array.from(v16.data)).toEqual(g16);
  });

  it('refuses interlaced pictures below 8 bits', () => {
    const png = buildPng({ width: 4, height: 4, depth: 1, colorType: 0, samples: new Array(16).fill(1), interlaceFlag: 1 });
    expect(decodeError(png, 'il.png').message).toMatch(/interlaced.*1-bit.*not supported/);
  });

  it('tRNS colour key on grey/RGB: channels kept as stored, with a note', () => {
    const v = decodeImage(buildPng({ width: 2, height: 1, depth: 8, colorType: 0, samples: [0, 9], trns: [0, 9] }), 'k.png');
    expect(v.channels).toBe(1);
    expect(Array.from(v.data)).toEqual([0, 9]);
    expect(v.notes.join()).toMatch(/grey value 9 as transparent \(tRNS\): kept as stored/);
  });

  it('animated PNG: the default image, with a note', () => {
    const actl = pngChunk('acTL', [0, 0, 0, 3, 0, 0, 0, 0]);
    const v = decodeImage(buildPng({ width: 2, height: 1, depth: 8, colorType: 0, samples: [5, 6], extraChunks: [actl] }), 'anim.png');
    expect(Array.from(v.data)).toEqual([5, 6]);
    expect(v.notes).toContain('animated PNG with 3 frames: using the default image');
  });

  it('damaged chunk (checksum mismatch) and damaged signature', () => {
    const png = encodePngLib({ width: 8, height: 8, data: new Uint8Array(64).fill(3), depth: 8, channels: 1 });
    const bad = png.slice();
    bad[bad.length - 20]! ^= 0xff; // inside IDAT
    expect(decodeError(bad, 'crc.png').message).toMatch(/IDAT chunk is damaged/);
    const textMode = concat([png.subarray(0, 4), new Uint8Array([0x0a]), png.subarray(6)]);
    expect(decodeError(textMode, 'tm.png').message).toMatch(/damaged PNG signature/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('JPEG', () => {
  it('grey (one component): one channel; flat blocks decode to their values', () => {
    const blockValue = (_c: number, bx: number, by: number) => [[40, 200, 128], [0, 255, 77]][by]![bx]!;
    const v = decodeImage(encodeDcJpeg({ width: 24, height: 16, components: 1, blockValue }), 'grey.jpg');
    expectPicture(v, 24, 16, 1, 'jpeg');
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(v.source.datatype).toBe('uint8');
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 24; x++) {
        expect(Math.abs((v.data[y * 24 + x] ?? -99) - blockValue(0, x >> 3, y >> 3))).toBeLessThanOrEqual(1);
      }
    }
  });

  it('sizes that are not multiples of 8 are cropped, not padded', () => {
    const v = decodeImage(encodeDcJpeg({ width: 13, height: 10, components: 1, blockValue: (_c, bx) => 60 + 100 * bx }), 'odd.jpg');
    expectPicture(v, 13, 10, 1, 'jpeg');
    expect(Math.abs((v.data[12] ?? 0) - 160)).toBeLessThanOrEqual(1);
  });

  it('RGB (YCbCr, 4:2:0): three channels; flat colour areas decode close to their colour', () => {
    const w = 32;
    const h = 16;
    const left = [200, 40, 60];
    const right = [30, 120, 220];
    const rgba = pixels(w, h, (x) => [...(x < 16 ? left : right), 255]);
    const jpg = encodeJpegLib({ width: w, height: h, data: new Uint8Array(rgba) }, 95).data;
    const v = decodeImage(new Uint8Array(jpg), 'rgb.jpg');
    expectPicture(v, w, h, 3, 'jpeg');
    for (const [x, want] of [
      [4, left],
      [27, right],
    ] as const) {
      const k = (8 * w + x) * 3;
      for (let c = 0; c < 3; c++) expect(Math.abs((v.data[k + c] ?? 0) - (want[c] ?? 0))).toBeLessThanOrEqual(4);
    }
  });

  it('RGB stored without the YCbCr transform (Adobe transform 0, or component ids R, G, B)', () => {
    const colour = [[250, 10, 100], [0, 128, 255], [60, 70, 80]];
    const blockValue = (c: number, bx: number) => colour[bx]![c]!;
    const adobe = decodeImage(encodeDcJpeg({ width: 24, height: 8, components: 3, blockValue, adobeTransform: 0 }), 'adobe.jpg');
    const ids = decodeImage(encodeDcJpeg({ width: 24, height: 8, components: 3, blockValue, componentIds: [82, 71, 66] }), 'rgbids.jpg');
    for (const v of [adobe, ids]) {
      expect(v.channels).toBe(3);
      for (let bx = 0; bx < 3; bx++) {
        const k = (4 * 24 + bx * 8 + 3) * 3;
        for (let c = 0; c < 3; c++) expect(Math.abs((v.data[k + c] ?? 0) - colour[bx]![c]!)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('EXIF orientation is not applied: pixels as stored, with a note', () => {
    const v = decodeImage(encodeDcJpeg({ width: 16, height: 8, components: 1, blockValue: (_c, bx) => 50 + 100 * bx, exifOrientation: 6 }), 'phone.jpg');
    expect(v.dims).toEqual([16, 8, 1]);
    expect(v.notes.join()).toMatch(/EXIF orientation 6 .*not rotated/);
  });

  it('refuses CMYK, 12-bit and lossless JPEGs with the reason', () => {
    const flat = () => 128;
    expect(decodeError(encodeDcJpeg({ width: 8, height: 8, components: 4, blockValue: flat, adobeTransform: 0 }), 'cmyk.jpg').message).toMatch(/CMYK JPEG is not supported/);
    expect(decodeError(encodeDcJpeg({ width: 8, height: 8, components: 1, blockValue: flat, precision: 12 }), 'p12.jpg').message).toMatch(/12-bit JPEG is not supported/);
    expect(decodeError(encodeDcJpeg({ width: 8, height: 8, components: 1, blockValue: flat, sofMarker: 0xffc3 }), 'll.jpg').message).toMatch(/lossless JPEG/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('GIF', () => {
  const bw: [number, number, number][] = [
    [0, 0, 0],
    [255, 255, 255],
  ];

  it('two-colour mask (as DRIVE): palette indices 0/1, one grey channel 0/255', () => {
    const w = 37;
    const h = 23;
    const indices = grid(w, h, (x, y) => ((x - 18) ** 2 + (y - 11) ** 2 < 80 ? 1 : 0));
    const v = decodeImage(encodeGif({ width: w, height: h, palette: bw, frames: [{ indices }] }), '21_manual1.gif');
    expectPicture(v, w, h, 1, 'gif');
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    expect(Array.from(v.data)).toEqual(indices.map((i) => 255 * i));
    expect(v.source.datatype).toBe('uint8 palette');
    expect(v.notes).toEqual([]);
  });

  it('colour palette: RGB colours', () => {
    const palette: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const indices = grid(4, 3, (x, y) => (x + y) % 3);
    const v = decodeImage(encodeGif({ width: 4, height: 3, palette, frames: [{ indices }] }), 'c.gif');
    expect(v.channels).toBe(3);
    expect(Array.from(v.data)).toEqual(indices.flatMap((i) => palette[i]));
  });

  it('256 colours of noise: the code table fills and clear codes follow; interlaced rows', () => {
    const w = 128;
    const h = 96;
    let s = 12345;
    const indices = grid(w, h, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    // More than w·h bytes is more than 8192 codes of at most 12 bits; the table holds 4096 − 258
    // new codes, so the stream contains table-full clear codes after the leading one.
    expect(gifLzw(indices, 8).length).toBeGreaterThan(w * h);
    const palette = Array.from({ length: 256 }, (_, i): [number, number, number] => [i, (i * 7) & 255, 255 - i]);
    const v = decodeImage(encodeGif({ width: w, height: h, palette, frames: [{ indices }] }), 'noise.gif');
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    const il = decodeImage(encodeGif({ width: w, height: h, palette, frames: [{ indices, interlaced: true }] }), 'il.gif');
    expect(Array.from(il.paletteIndices ?? [])).toEqual(indices);
  });

  it('several frames: the first, with a note', () => {
    const a = [0, 1, 1, 0];
    const b = [1, 1, 1, 1];
    const v = decodeImage(encodeGif({ width: 2, height: 2, palette: bw, frames: [{ indices: a }, { indices: b }, { indices: b }] }), 'anim.gif');
    expect(Array.from(v.paletteIndices ?? [])).toEqual(a);
    expect(v.notes).toContain('3 frames: using the first');
  });

  it('a first frame smaller than the screen lies on the background index; transparency noted', () => {
    const v = decodeImage(
      encodeGif({ width: 4, height: 3, palette: bw, background: 0, frames: [{ indices: [1, 1], left: 1, top: 2, width: 2, height: 1, transparentIndex: 0 }] }),
      'sub.gif',
    );
    expect(Array.from(v.paletteIndices ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]);
    expect(v.notes.join()).toMatch(/covers 2 × 1 pixels at \(1, 2\)/);
    expect(v.notes.join()).toMatch(/palette entry 0 is marked transparent/);
  });

  it('a complete first frame without the trailer byte is read, with a note', () => {
    const v = decodeImage(encodeGif({ width: 2, height: 1, palette: bw, frames: [{ indices: [1, 0] }], omitTrailer: true }), 'nt.gif');
    expect(Array.from(v.paletteIndices ?? [])).toEqual([1, 0]);
    expect(v.notes.join()).toMatch(/without the GIF trailer/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('BMP', () => {
  it('24-bit (written by fast-bmp): RGB, bottom-up rows put right, row padding skipped', () => {
    const w = 5;
    const h = 3;
    const rgb = pixels(w, h, (x, y) => [x * 50, y * 100, 7 + x + y]);
    const bmp = encodeBmpLib({ width: w, height: h, channels: 3, bitsPerPixel: 24, data: new Uint8Array(rgb) });
    const v = decodeImage(bmp, 'rgb.bmp');
    expectPicture(v, w, h, 3, 'bmp');
    expect(Array.from(v.data)).toEqual(rgb);
    expect(v.source.datatype).toBe('uint8');
  });

  it('8-bit grey (written by fast-bmp): grey palette → one channel, indices kept', () => {
    const grey = grid(6, 2, (x, y) => x * 40 + y);
    const v = decodeImage(encodeBmpLib({ width: 6, height: 2, channels: 1, bitsPerPixel: 8, data: new Uint8Array(grey) }), 'g.bmp');
    expectPicture(v, 6, 2, 1, 'bmp');
    expect(Array.from(v.data)).toEqual(grey);
    expect(Array.from(v.paletteIndices ?? [])).toEqual(grey);
  });

  it('8-bit colour palette: colours and indices', () => {
    const palette: [number, number, number][] = [
      [10, 20, 30],
      [255, 0, 0],
      [0, 0, 255],
    ];
    const indices = grid(3, 3, (x, y) => (x + y) % 3);
    const v = decodeImage(encodeBmp({ width: 3, height: 3, bitsPerPixel: 8, palette, samples: indices }), 'p.bmp');
    expect(v.channels).toBe(3);
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    expect(Array.from(v.data)).toEqual(indices.flatMap((i) => palette[i]));
    expect(v.source.datatype).toBe('uint8 palette');
  });

  it('4-bit palette, top-down rows', () => {
    const palette = Array.from({ length: 16 }, (_, i): [number, number, number] => [i * 17, i * 17, i * 17]);
    const indices = grid(5, 4, (x, y) => (x * 4 + y) % 16);
    const v = decodeImage(encodeBmp({ width: 5, height: 4, bitsPerPixel: 4, palette, samples: indices, topDown: true }), 't.bmp');
    expect(v.channels).toBe(1);
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    expect(Array.from(v.data)).toEqual(indices.map((i) => i * 17));
  });

  it('1-bit (written by fast-bmp): indices 0/1 with a black/white palette', () => {
    const bits = grid(35, 3, (x, y) => (x + y) % 2);
    const v = decodeImage(encodeBmpLib({ width: 35, height: 3, channels: 1, bitsPerPixel: 1, data: new Uint8Array(bits) }), 'b.bmp');
    expect(Array.from(v.paletteIndices ?? [])).toEqual(bits);
    expect(Array.from(v.data)).toEqual(bits.map((b) => 255 * b));
  });

  it('32-bit: RGBA when the header has an alpha mask (fast-bmp, v5 header), RGB without one', () => {
    const rgba = [200, 100, 50, 0, 1, 2, 3, 255, 9, 8, 7, 128];
    const v = decodeImage(encodeBmpLib({ width: 3, height: 1, channels: 4, bitsPerPixel: 32, data: new Uint8Array(rgba) }), 'a.bmp');
    expectPicture(v, 3, 1, 4, 'bmp');
    expect(Array.from(v.data)).toEqual(rgba);
    const v4 = decodeImage(
      encodeBmp({ width: 3, height: 1, bitsPerPixel: 32, headerSize: 108, masks: [0xff0000, 0xff00, 0xff, 0xff000000], samples: rgba }),
      'v4.bmp',
    );
    expect(Array.from(v4.data)).toEqual(rgba);
    const rgb = [200, 100, 50, 1, 2, 3];
    const plain = decodeImage(encodeBmp({ width: 2, height: 1, bitsPerPixel: 32, samples: rgb }), 'x.bmp');
    expect(plain.channels).toBe(3);
    expect(Array.from(plain.data)).toEqual(rgb);
  });

  it('16-bit 5-6-5 bit fields: scaled to 0–255, with a note', () => {
    const v = decodeImage(encodeBmp({ width: 2, height: 1, bitsPerPixel: 16, masks: [0xf800, 0x07e0, 0x001f], samples: [31, 63, 0, 0, 32, 31] }), 's.bmp');
    expect(Array.from(v.data)).toEqual([255, 255, 0, 0, 130, 255]);
    expect(v.notes.join()).toMatch(/5-6-5-bit channels: values scaled/);
  });

  it('refuses RLE-compressed BMP', () => {
    const rle = encodeBmp({ width: 2, height: 1, bitsPerPixel: 8, palette: [[0, 0, 0]], samples: [0, 0], compression: 1 });
    expect(decodeError(rle, 'rle.bmp').message).toMatch(/RLE8 BMP is not supported/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('TIFF', () => {
  const grey8: TiffPage = {
    width: 5,
    height: 4,
    bitsPerSample: 8,
    samplesPerPixel: 1,
    photometric: 1,
    samples: grid(5, 4, (x, y) => x * 30 + y),
    rowsPerStrip: 2,
  };

  it('8-bit grey in several strips', () => {
    const v = decodeImage(encodeTiff([grey8]), 'g.tif');
    expectPicture(v, 5, 4, 1, 'tiff');
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(v.data)).toEqual(Array.from(grey8.samples));
    expect(v.source.datatype).toBe('uint8');
    expect(v.notes).toEqual([]);
  });

  it('16-bit grey: values above 255 exact, little- and big-endian', () => {
    const samples = [0, 255, 256, 1000, 4095, 65535];
    for (const le of [true, false]) {
      const v = decodeImage(encodeTiff([{ width: 3, height: 2, bitsPerSample: 16, samplesPerPixel: 1, photometric: 1, samples }], le), 'g16.tif');
      expect(v.data).toBeInstanceOf(Uint16Array);
      expect(Array.from(v.data)).toEqual(samples);
      expect(v.source.datatype).toBe(le ? 'uint16' : 'uint16 big-endian');
    }
  });

  it('RGB and RGBA (8-bit), and big-endian RGB', () => {
    const rgb = pixels(4, 3, (x, y) => [x * 60, y * 100, 255 - x]);
    const v = decodeImage(encodeTiff([{ width: 4, height: 3, bitsPerSample: 8, samplesPerPixel: 3, photometric: 2, samples: rgb }]), 'rgb.tif');
    expectPicture(v, 4, 3, 3, 'tiff');
    expect(Array.from(v.data)).toEqual(rgb);
    const mm = decodeImage(encodeTiff([{ width: 4, height: 3, bitsPerSample: 8, samplesPerPixel: 3, photometric: 2, samples: rgb }], false), 'mm.tif');
    expect(Array.from(mm.data)).toEqual(rgb);
    const rgba = [1, 2, 3, 0, 4, 5, 6, 255];
    const a = decodeImage(encodeTiff([{ width: 2, height: 1, bitsPerSample: 8, samplesPerPixel: 4, photometric: 2, samples: rgba, extraSamples: [2] }]), 'a.tif');
    expect(a.channels).toBe(4);
    expect(Array.from(a.data)).toEqual(rgba);
  });

  it('32-bit float and signed 16-bit', () => {
    const f = [-1.5, 0, 3.25, 1e6];
    const vf = decodeImage(encodeTiff([{ width: 2, height: 2, bitsPerSample: 32, samplesPerPixel: 1, photometric: 1, samples: f, sampleFormat: 3 }]), 'f.tif');
    expect(vf.data).toBeInstanceOf(Float32Array);
    expect(Array.from(vf.data)).toEqual(f);
    expect(vf.source.datatype).toBe('float32');
    const s = [-32768, -1, 0, 32767];
    const vs = decodeImage(encodeTiff([{ width: 4, height: 1, bitsPerSample: 16, samplesPerPixel: 1, photometric: 1, samples: s.map((x) => x & 0xffff), sampleFormat: 2 }]), 's.tif');
    expect(vs.data).toBeInstanceOf(Int16Array);
    expect(Array.from(vs.data)).toEqual(s);
    expect(vs.source.datatype).toBe('int16');
  });

  it('Deflate-compressed strips', () => {
    const v = decodeImage(encodeTiff([{ ...grey8, compression: 8 }]), 'z.tif');
    expect(Array.from(v.data)).toEqual(Array.from(grey8.samples));
  });

  it('palette TIFF: indices and colours from the 16-bit colour map', () => {
    const map = new Array(3 * 256).fill(0);
    const colours = [
      [255, 0, 0],
      [0, 128, 255],
    ];
    colours.forEach(([r, g, b], i) => {
      map[i] = r! * 257;
      map[256 + i] = g! * 257;
      map[512 + i] = b! * 257;
    });
    const indices = [0, 1, 1, 0, 1, 1];
    const v = decodeImage(encodeTiff([{ width: 3, height: 2, bitsPerSample: 8, samplesPerPixel: 1, photometric: 3, samples: indices, colorMap: map }]), 'p.tif');
    expect(v.channels).toBe(3);
    expect(Array.from(v.paletteIndices ?? [])).toEqual(indices);
    expect(Array.from(v.data)).toEqual(indices.flatMap((i) => colours[i]));
  });

  it('1-bit bilevel: values 0 and 1', () => {
    const bits = grid(10, 3, (x, y) => (x + y) % 3 === 0 ? 1 : 0);
    const v = decodeImage(encodeTiff([{ width: 10, height: 3, bitsPerSample: 1, samplesPerPixel: 1, photometric: 1, samples: bits }]), 'b.tif');
    expect(Array.from(v.data)).toEqual(bits);
  });

  it('WhiteIsZero is inverted so that 0 is black, with a note', () => {
    const v = decodeImage(encodeTiff([{ width: 2, height: 1, bitsPerSample: 8, samplesPerPixel: 1, photometric: 0, samples: [0, 200] }]), 'w.tif');
    expect(Array.from(v.data)).toEqual([255, 55]);
    expect(v.notes.join()).toMatch(/WhiteIsZero/);
  });

  it('several pages: the first, with a note', () => {
    const second: TiffPage = { ...grey8, samples: grid(5, 4, () => 9) };
    const v = decodeImage(encodeTiff([grey8, second, second]), 'stack.tif');
    expect(Array.from(v.data)).toEqual(Array.from(grey8.samples));
    expect(v.notes).toContain('3 pages: using the first');
  });

  it('refuses PackBits and JPEG compression with the reason', () => {
    expect(decodeError(encodeTiff([{ ...grey8, compression: 32773 }]), 'pb.tif').message).toMatch(/PackBits-compressed TIFF is not supported/);
    expect(decodeError(encodeTiff([{ ...grey8, compression: 7 }]), 'j.tif').message).toMatch(/JPEG-compressed TIFF is not supported/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('bad inputs: InputFileError naming the file and the problem', () => {
  const png = encodePngLib({ width: 64, height: 64, data: new Uint8Array(64 * 64).map((_, i) => (i * 37) % 251), depth: 8, channels: 1 });

  it('a text file renamed .png', () => {
    const err = decodeError(new TextEncoder().encode('patient,label\n1,0\n2,1\n'), 'labels.png');
    expect(err.message).toMatch(/not a PNG, JPEG, GIF, BMP or TIFF image/);
    expect(err.message).toMatch(/\.png/);
    expect(err.message).toMatch(/look like text/);
  });

  it('an empty file', () => {
    expect(decodeError(new Uint8Array(0), 'empty.png').message).toMatch(/empty \(0 bytes\)/);
  });

  it('an unsupported format (WebP)', () => {
    const webp = concat([new TextEncoder().encode('RIFF'), new Uint8Array([40, 0, 0, 0]), new TextEncoder().encode('WEBPVP8 '), new Uint8Array(28)]);
    expect(decodeError(webp, 'photo.webp').message).toMatch(/WebP image, which is not supported/);
  });

  it('a PNG cut inside its IDAT chunk', () => {
    const idat = png.findIndex((_, i) => png[i] === 0x49 && png[i + 1] === 0x44 && png[i + 2] === 0x41 && png[i + 3] === 0x54);
    const err = decodeError(png.subarray(0, idat + 40), 'cut.png');
    expect(err.message).toMatch(/truncated PNG: the file ends inside the IDAT chunk/);
  });

  it('a PNG cut just before IEND', () => {
    expect(decodeError(png.subarray(0, png.length - 12), 'noend.png').message).toMatch(/truncated PNG.*without the IEND chunk/);
  });

  it('a JPEG cut short', () => {
    const rgba = new Uint8Array(64 * 64 * 4).map((_, i) => (i * 13) % 256);
    const jpg = new Uint8Array(encodeJpegLib({ width: 64, height: 64, data: rgba }, 90).data);
    expect(decodeImage(jpg, 'ok.jpg').dims).toEqual([64, 64, 1]);
    for (const cut of [jpg.length - 2, Math.floor(jpg.length / 2), 300, 40]) {
      expect(decodeError(jpg.subarray(0, cut), 'cut.jpg').message).toMatch(/truncated JPEG/);
    }
  });

  it('a GIF cut inside its picture data', () => {
    const indices = grid(40, 40, (x, y) => (x * y) % 4);
    const palette: [number, number, number][] = [
      [0, 0, 0],
      [85, 85, 85],
      [170, 170, 170],
      [255, 255, 255],
    ];
    const gif = encodeGif({ width: 40, height: 40, palette, frames: [{ indices }] });
    expect(decodeError(gif.subarray(0, Math.floor(gif.length * 0.6)), 'cut.gif').message).toMatch(/truncated GIF: the file ends inside the first frame/);
    expect(decodeError(gif.subarray(0, 20), 'head.gif').message).toMatch(/truncated GIF/);
  });

  it('a TIFF cut inside its strips or its directory', () => {
    const tif = encodeTiff([{ width: 20, height: 20, bitsPerSample: 8, samplesPerPixel: 1, photometric: 1, samples: new Array(400).fill(7) }]);
    expect(decodeError(tif.subarray(0, 200), 'cut.tif').message).toMatch(/truncated TIFF/);
    expect(decodeError(tif.subarray(0, tif.length - 30), 'ifd.tif').message).toMatch(/truncated TIFF: the file ends inside the first image directory/);
  });

  it('a BMP cut inside its pixels', () => {
    const bmp = encodeBmpLib({ width: 10, height: 10, channels: 3, bitsPerPixel: 24, data: new Uint8Array(300) });
    expect(decodeError(bmp.subarray(0, bmp.length - 50), 'cut.bmp').message).toMatch(/truncated BMP/);
  });

  it('bytes that are a view into a larger buffer (as from a zip) decode the same', () => {
    const rgb = pixels(6, 4, (x, y) => [x * 40, y * 60, 9]);
    const files: Record<string, Uint8Array> = {
      'v.png': encodePngLib({ width: 6, height: 4, data: new Uint8Array(rgb), depth: 8, channels: 3 }),
      'v.jpg': encodeDcJpeg({ width: 16, height: 8, components: 1, blockValue: (_c, bx) => 30 + 100 * bx }),
      'v.gif': encodeGif({ width: 3, height: 2, palette: [[0, 0, 0], [9, 9, 9]], frames: [{ indices: [0, 1, 1, 0, 0, 1] }] }),
      'v.bmp': encodeBmpLib({ width: 6, height: 4, channels: 3, bitsPerPixel: 24, data: new Uint8Array(rgb) }),
      'v.tif': encodeTiff([{ width: 6, height: 4, bitsPerSample: 16, samplesPerPixel: 3, photometric: 2, samples: rgb.map((v) => v * 257) }]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const big = new Uint8Array(bytes.length + 7).fill(0xee);
      big.set(bytes, 3);
      const view = big.subarray(3, 3 + bytes.length);
      expect(Array.from(decodeImage(view, name).data)).toEqual(Array.from(decodeImage(bytes, name).data));
    }
  });

  it('an image whose extension names another format is read by its contents, with a note', () => {
    const v = decodeImage(png, 'scan.jpg');
    expect(v.source.format).toBe('png');
    expect(v.notes[0]).toBe('named .jpg but the contents are a PNG image: read as PNG');
  });
});

// ---------------------------------------------------------------------------------------------

describe('helpers', () => {
  it('detectImageFormat reads the magic bytes', () => {
    expect(detectImageFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]))).toBe('png');
    expect(detectImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(detectImageFormat(new TextEncoder().encode('GIF87a....'))).toBe('gif');
    expect(detectImageFormat(new TextEncoder().encode('MM\u0000*'))).toBe('tiff');
    expect(detectImageFormat(new TextEncoder().encode('BM is a text line long enough'))).toBeUndefined();
  });

  it('toGrey: grey as is, grey + alpha → grey, RGB(A) → BT.601 luma, alpha ignored', () => {
    const dims: [number, number, number] = [2, 1, 1];
    expect(Array.from(toGrey({ data: new Uint8Array([3, 250]), channels: 1, dims }))).toEqual([3, 250]);
    expect(Array.from(toGrey({ data: new Uint8Array([3, 0, 250, 9]), channels: 2, dims }))).toEqual([3, 250]);
    const rgba = toGrey({ data: new Uint8Array([255, 0, 0, 0, 10, 200, 30, 255]), channels: 4, dims });
    expect(rgba[0]).toBeCloseTo(255 * LUMA_WEIGHTS[0], 4);
    expect(rgba[1]).toBeCloseTo(0.299 * 10 + 0.587 * 200 + 0.114 * 30, 4);
    expect(toGrey({ data: new Uint16Array([1000, 1000, 1000, 60000, 60000, 60000]), channels: 3, dims })[1]).toBeCloseTo(60000, 1);
  });

  it('isGreyPalette', () => {
    expect(isGreyPalette([[0, 0, 0], [7, 7, 7, 0]])).toBe(true);
    expect(isGreyPalette([[0, 0, 1]])).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Real data: Kvasir-SEG sample (RGB JPEG images, JPEG-compressed masks), when present.

const DATA = fileURLToPath(new URL('../../../../shared/data/kvasir_seg_sample', import.meta.url));
const HAVE_KVASIR = existsSync(join(DATA, 'images')) && existsSync(join(DATA, 'masks'));

/** Width, height and component count from the first SOF marker: a reader independent of image2d. */
function jpegFrameHeader(b: Uint8Array): { width: number; height: number; components: number } {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) throw new Error(`no marker at ${i}`);
    const m = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]!, components: b[i + 9]! };
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

// Sizes read once from the files' SOF headers (the reader above checks them again).
const KVASIR_SIZES: Record<string, [number, number]> = {
  cju0qkwl35piu0993l0dewei2: [622, 529],
  cju0qoxqj9q6s0835b43399p4: [1348, 1070],
  cju0qx73cjw570799j4n5cjze: [619, 529],
  cju0roawvklrq0799vmjorwfv: [622, 528],
  cju0rx1idathl0835detmsp84: [617, 528],
};

describe.skipIf(!HAVE_KVASIR)('Kvasir-SEG sample (../shared/data)', () => {
  const names = HAVE_KVASIR ? readdirSync(join(DATA, 'images')).filter((f) => f.endsWith('.jpg')).sort() : [];

  it('holds the five documented cases', () => {
    expect(names.map((n) => n.replace(/\.jpg$/, ''))).toEqual(Object.keys(KVASIR_SIZES).sort());
  });

  it.each(names)('%s: image is RGB of the header size; the mask matches it; foreground within the documented range', (file) => {
    const id = file.replace(/\.jpg$/, '');
    const imgBytes = new Uint8Array(readFileSync(join(DATA, 'images', file)));
    const maskBytes = new Uint8Array(readFileSync(join(DATA, 'masks', file)));
    const [w, h] = KVASIR_SIZES[id]!;
    expect(jpegFrameHeader(imgBytes)).toEqual({ width: w, height: h, components: 3 });
    expect(jpegFrameHeader(maskBytes)).toEqual({ width: w, height: h, components: 3 });

    const img = decodeImage(imgBytes, `images/${file}`);
    expectPicture(img, w, h, 3, 'jpeg');
    expect(img.notes).toEqual([]);
    const mask = decodeImage(maskBytes, `masks/${file}`);
    expect(mask.dims).toEqual(img.dims);

    // Binarise at ≥ 128 on channel 0 (what a mask reader uses) and on luma: both agree, and the
    // masks are nearly two-level (few pixels between 64 and 191).
    const grey = toGrey(mask);
    const n = w * h;
    let fgRed = 0;
    let fgLuma = 0;
    let middle = 0;
    for (let i = 0; i < n; i++) {
      if ((mask.data[i * 3] ?? 0) >= 128) fgRed++;
      const g = grey[i] ?? 0;
      if (g >= 128) fgLuma++;
      if (g >= 64 && g < 192) middle++;
    }
    const pct = (100 * fgRed) / n;
    expect(Math.abs(pct - (100 * fgLuma) / n)).toBeLessThan(0.2);
    expect(middle / n).toBeLessThan(0.01);
    // README: foreground 7–32 % (21 % on average); 0.5 points of slack for decoder differences.
    expect(pct).toBeGreaterThan(6.5);
    expect(pct).toBeLessThan(32.5);
  });

  it('foreground over the five masks: 7–32 %, 21 % on average, as the README states', () => {
    const pcts = names.map((file) => {
      const mask = decodeImage(new Uint8Array(readFileSync(join(DATA, 'masks', file))), file);
      const n = mask.dims[0] * mask.dims[1];
      let fg = 0;
      for (let i = 0; i < n; i++) if ((mask.data[i * 3] ?? 0) >= 128) fg++;
      return (100 * fg) / n;
    });
    // The README's figures are rounded to whole percents: ± 0.5 points covers the rounding and
    // the small differences between JPEG decoders (IDCT and chroma upsampling) at the mask edges.
    expect(Math.abs(Math.min(...pcts) - 7)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(Math.max(...pcts) - 32)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(pcts.reduce((a, b) => a + b, 0) / pcts.length - 21)).toBeLessThanOrEqual(0.5);
  });
});

if (!HAVE_KVASIR) {
  describe('Kvasir-SEG sample', () => {
    it.skip(`skipped: ${DATA} is absent`, () => {});
  });
}

// ---------------------------------------------------------------------------------------------
// Budgets and bombs: a header's claim is checked before anything is allocated for it, and every
// decompressor stops where the picture ends.
// ---------------------------------------------------------------------------------------------

const FIXTURES = fileURLToPath(new URL('./__fixtures__/tiff/', import.meta.url));

/** Rewrites one-value SHORT/LONG tags of the first IFD of a little-endian TIFF. */
function patchTiffTags(tiff: Uint8Array, values: Record<number, number>): Uint8Array {
  const out = tiff.slice();
  const dv = new DataView(out.buffer);
  const ifd = dv.getUint32(4, true);
  for (let i = 0; i < dv.getUint16(ifd, true); i++) {
    const e = ifd + 2 + 12 * i;
    const v = values[dv.getUint16(e, true)];
    if (v === undefined) continue;
    if (dv.getUint16(e + 2, true) === 3) dv.setUint16(e + 8, v, true);
    else dv.setUint32(e + 8, v, true);
  }
  return out;
}

describe('TIFF compressed by libtiff (LZW, predictor, Deflate, tiles): __fixtures__/tiff/make_tiffs.sh', () => {
  const grey8 = grid(61, 37, (x, y) => (7 * x + 13 * y + ((x * y) % 5)) % 256);
  const grey16 = grid(61, 37, (x, y) => (1000 * x + 37 * y + 7 * ((x * y) % 11)) % 65536);
  const rgb8 = pixels(29, 17, (x, y) => [(3 * x + y) % 256, (5 * y + 2 * x) % 256, (x * y) % 256]);
  const cases: [string, number[], number, number, number][] = [];
  for (const v of ['lzw', 'lzw-predictor', 'deflate-predictor']) {
    cases.push([`grey8-${v}.tif`, grey8, 61, 37, 1], [`grey16-${v}.tif`, grey16, 61, 37, 1], [`rgb8-${v}.tif`, rgb8, 29, 17, 3]);
  }
  cases.push(['grey8-lzw-tiles.tif', grey8, 61, 37, 1], ['grey16-lzw-tiles.tif', grey16, 61, 37, 1]);
  for (const [file, expected, w, h, c] of cases) {
    it(file, () => {
      const v = decodeImage(new Uint8Array(readFileSync(join(FIXTURES, file))), file);
      expectPicture(v, w, h, c, 'tiff');
      expect(Array.from(v.data)).toEqual(expected);
    });
  }
  it('a strip whose LZW data goes on past the rows it holds is refused, not decoded without end', () => {
    const f = new Uint8Array(readFileSync(join(FIXTURES, 'grey8-lzw.tif')));
    // Claim 2 rows per strip: each 8-row strip now yields more than its 2 rows.
    expect(decodeError(patchTiffTags(f, { 278: 2, 257: 10 }), 'rows.tif').message).toMatch(/strip 1 of 5 decompresses to more than the 122 bytes it can hold/);
  });
});

/** A PNG with the given header and IDAT payload (a zlib stream). */
function rawPng(width: number, height: number, depth: number, colorType: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  return concat([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND')]);
}

describe('bombs: claims checked before allocation', () => {
  it('a 10000 × 10000 float64 TIFF is refused by its header (763 MiB decoded) before its strips are read', () => {
    const small = encodeTiff([{ width: 1, height: 1, bitsPerSample: 32, samplesPerPixel: 1, photometric: 1, sampleFormat: 3, samples: [1.5] }]);
    const huge = patchTiffTags(small, { 256: 10000, 257: 10000, 258: 64, 278: 10000 });
    expect(decodeError(huge, 'big.tif').message).toMatch(/10000 × 10000 pixels of 1 × 64-bit samples \(762\.9 MiB decoded\), more than the 512\.0 MiB/);
  });
  it('a tiny JPEG claiming 10000 × 10000 pixels is refused before decoding: its data cannot hold the picture', () => {
    const j = encodeDcJpeg({ width: 16, height: 16, components: 1, blockValue: () => 128 }).slice();
    // SOF0: FF C0, length, precision, height, width.
    let sof = 2;
    while (!(j[sof] === 0xff && j[sof + 1] === 0xc0)) sof++;
    new DataView(j.buffer).setUint16(sof + 5, 10000);
    new DataView(j.buffer).setUint16(sof + 7, 10000);
    expect(j.length).toBeLessThan(400);
    expect(decodeError(j, 'bomb.jpg').message).toMatch(/bytes of compressed picture data cannot hold a 10000 × 10000 picture \(at least 195313 bytes/);
  });
  it('a PNG whose IDAT inflates to far more than its rows is refused; one too short to be the picture is too', () => {
    const rows = 64 * (1 + 64);
    const bomb = rawPng(64, 64, 8, 0, zlibSync(new Uint8Array(8 * 1024 * 1024)));
    expect(decodeError(bomb, 'bomb.png').message).toMatch(new RegExp(`inflates to more than the ${rows} bytes a 64 × 64 picture needs`));
    const tiny = rawPng(9000, 9000, 8, 0, zlibSync(new Uint8Array(1000)));
    expect(decodeError(tiny, 'tiny.png').message).toMatch(/bytes of compressed image data cannot hold a 9000 × 9000 picture/);
  });
  it('a 16-bit RGBA PNG of 100 megapixels is refused by its byte size, not its pixel count', () => {
    const p = rawPng(10000, 10000, 16, 6, zlibSync(new Uint8Array(10)));
    expect(decodeError(p, 'rgba16.png').message).toMatch(/4 × 16-bit samples \(762\.9 MiB decoded\), more than the 512\.0 MiB/);
  });
});

describe('fuzz reproducers', () => {
  const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
  it('a 41-byte GIF whose LZW codes are Clear, 6, 6, 6 (gifuct-js defined code 6 as its own prefix and looped) is refused at once', () => {
    const gif = hex('474946383961' + '0400040081' + '0000' + '000000ffffff808080ff0000' + '2c000000000400040000' + '02' + '02b40d' + '00' + '3b');
    expect(gif.length).toBe(41);
    expect(decodeError(gif, 'loop.gif').message).toMatch(/damaged GIF: the first frame's picture data is corrupt \(LZW: the data starts with code 6, not a value\)/);
  });
});

describe('TIFF directory entries are checked before the directory parser allocates for them', () => {
  it('a StripOffsets count of 0xFFFFFFFF (16 GiB of values) is refused from the entry itself', () => {
    const t = encodeTiff([{ width: 4, height: 2, bitsPerSample: 8, samplesPerPixel: 1, photometric: 1, samples: new Uint8Array(8) }]).slice();
    const dv = new DataView(t.buffer);
    const ifd = dv.getUint32(4, true);
    for (let i = 0; i < dv.getUint16(ifd, true); i++) {
      const e = ifd + 2 + 12 * i;
      if (dv.getUint16(e, true) === 273) dv.setUint32(e + 4, 0xffffffff, true);
    }
    expect(decodeError(t, 'count.tif').message).toMatch(/damaged TIFF: tag 273 claims 4294967295 values \(17179869180 bytes\) from byte \d+, past the end of the \d+-byte file/);
  });
});
