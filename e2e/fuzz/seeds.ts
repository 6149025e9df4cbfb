/**
 * Seed files of every format the studio reads, built in memory from the test fixture writers
 * (src/core/io/testing), jpeg-js's encoder and fflate: small, valid files that the mutators then
 * damage. Each seed says how it is read (a single file, a zip archive, or the mask of an image +
 * mask pair loaded as a dataset) and which row of the report it counts in.
 */
import { gzipSync, zipSync, type Zippable } from 'fflate';
import { encode as encodeJpegLib } from 'jpeg-js';
import { buildPng, concat, encodeBmp, encodeDcJpeg, encodeGif, encodeTiff, type TiffPage } from '../../src/core/io/testing/image-fixtures';
import { encodeNifti, type NiftiFixture } from '../../src/core/io/testing/nifti-fixtures';
import { Rng } from './bytes';
import type { Kind } from './fields';

/** Rows of the report: one per format, 'mask' for image + mask pairs, 'bomb' for the hand-made inputs. */
export type Group = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff' | 'nii' | 'nii.gz' | 'zip' | 'mask' | 'bomb';

export const GROUPS: readonly Group[] = ['png', 'jpeg', 'gif', 'bmp', 'tiff', 'nii', 'nii.gz', 'zip', 'mask', 'bomb'];

/**
 * How an input is read (see adapter.ts): one file through readVolume; a zip archive expanded and
 * every entry read; or the file as the mask (and, with the same bytes, the image) of a dataset.
 */
export type ReadMode = 'file' | 'zip' | 'pair';

export interface ZipMember {
  path: string;
  kind: Kind;
  bytes: Uint8Array;
  level: 0 | 6;
}

export interface Seed {
  label: string;
  group: Group;
  kind: Kind;
  mode: ReadMode;
  /** File name given to the reader (its extension matters for the messages, not for the format). */
  name: string;
  bytes: Uint8Array;
  /** For gzip seeds: the NIfTI inside, so header fields can be mutated before compression. */
  inner?: { kind: Kind; bytes: Uint8Array };
  /** For zip seeds: the members, so one can be mutated and the archive rebuilt. */
  members?: ZipMember[];
}

// ---------------------------------------------------------------------------------------------
// Contents

/** A smooth pattern with every value of 0..max reached somewhere, deterministic. */
function pattern(n: number, max: number, seed = 1): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, (_, i) => (i % 7 === 0 ? r.int(max + 1) : Math.round((max * i) / Math.max(1, n - 1))));
}

function disc(w: number, h: number, value = 255): number[] {
  return Array.from({ length: w * h }, (_, i) => ((i % w) - w / 2) ** 2 + (Math.floor(i / w) - h / 2) ** 2 <= (Math.min(w, h) / 3) ** 2 ? value : 0);
}

const GREY_PALETTE = (n: number): [number, number, number][] => Array.from({ length: n }, (_, i) => {
  const v = Math.round((255 * i) / Math.max(1, n - 1));
  return [v, v, v];
});
const COLOUR_PALETTE = (n: number): [number, number, number][] => Array.from({ length: n }, (_, i) => [(i * 53) & 255, (i * 97) & 255, (i * 31) & 255]);

// ---------------------------------------------------------------------------------------------
// TIFF with LZW strips or 64-bit floats (beyond what encodeTiff writes)

/** TIFF LZW (most significant bit first, 9-bit codes): literals only, a Clear code every 250 codes. */
export function tiffLzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let nbits = 0;
  const emit = (code: number): void => {
    acc = (acc << 9) | code;
    nbits += 9;
    while (nbits >= 8) {
      out.push((acc >>> (nbits - 8)) & 0xff);
      nbits -= 8;
    }
    acc &= (1 << nbits) - 1;
  };
  for (let i = 0; i < data.length; i++) {
    if (i % 250 === 0) emit(256);
    emit(data[i] as number);
  }
  emit(257);
  if (nbits > 0) out.push((acc << (8 - nbits)) & 0xff);
  return new Uint8Array(out);
}

/** A little-endian single-strip TIFF with the given tags ([tag, type, values]); the strip at byte 8. */
export function writeTiff(tags: [number, 3 | 4, number[]][], strip: Uint8Array): Uint8Array {
  const all = [...tags, [273, 4, [8]] as [number, 4, number[]], [279, 4, [strip.length]] as [number, 4, number[]]].sort((a, b) => a[0] - b[0]);
  const pad = strip.length % 2;
  const extraAt = 8 + strip.length + pad;
  const extra: number[] = [];
  const entries: Uint8Array[] = [];
  for (const [tag, type, values] of all) {
    const e = new Uint8Array(12);
    const dv = new DataView(e.buffer);
    dv.setUint16(0, tag, true);
    dv.setUint16(2, type, true);
    dv.setUint32(4, values.length, true);
    const size = (type === 3 ? 2 : 4) * values.length;
    if (size <= 4) {
      values.forEach((v, i) => (type === 3 ? dv.setUint16(8 + 2 * i, v, true) : dv.setUint32(8, v, true)));
    } else {
      dv.setUint32(8, extraAt + extra.length, true);
      for (const v of values) {
        if (type === 3) extra.push(v & 0xff, v >>> 8);
        else extra.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
      }
    }
    entries.push(e);
  }
  const ifdAt = extraAt + extra.length;
  const head = new Uint8Array(8);
  head.set([0x49, 0x49, 42, 0]);
  new DataView(head.buffer).setUint32(4, ifdAt, true);
  const count = new Uint8Array(2);
  new DataView(count.buffer).setUint16(0, all.length, true);
  return concat([head, strip, new Uint8Array(pad), new Uint8Array(extra), count, ...entries, new Uint8Array(4)]);
}

/** A one-strip greyscale TIFF: `bits` per sample, sample format 1 (unsigned) or 3 (float). */
export function greyTiff(width: number, height: number, bits: number, compression: number, sampleFormat: 1 | 3, strip: Uint8Array): Uint8Array {
  return writeTiff(
    [
      [256, 4, [width]],
      [257, 4, [height]],
      [258, 3, [bits]],
      [259, 3, [compression]],
      [262, 3, [1]],
      [277, 3, [1]],
      [278, 4, [height]],
      [339, 3, [sampleFormat]],
    ],
    strip,
  );
}

function tiffGrey8Lzw(w: number, h: number): Uint8Array {
  return greyTiff(w, h, 8, 5, 1, tiffLzw(Uint8Array.from(pattern(w * h, 255, 5))));
}

function tiffFloat64(w: number, h: number): Uint8Array {
  const raw = new Float64Array(w * h).map((_, i) => Math.sin(i) * 1000);
  return greyTiff(w, h, 64, 1, 3, new Uint8Array(raw.buffer));
}

// ---------------------------------------------------------------------------------------------
// The seeds

const single = (group: Group, kind: Kind, label: string, name: string, bytes: Uint8Array, mode: ReadMode = 'file'): Seed => ({ label: `${group}/${label}`, group, kind, mode, name, bytes });

function pngSeeds(): Seed[] {
  const s = (label: string, bytes: Uint8Array) => single('png', 'png', label, `${label}.png`, bytes);
  return [
    s('grey8', buildPng({ width: 24, height: 20, depth: 8, colorType: 0, samples: pattern(480, 255) })),
    s('grey16', buildPng({ width: 20, height: 16, depth: 16, colorType: 0, samples: pattern(320, 65535) })),
    s('rgb8', buildPng({ width: 16, height: 12, depth: 8, colorType: 2, samples: pattern(16 * 12 * 3, 255, 2) })),
    s('rgba8', buildPng({ width: 12, height: 10, depth: 8, colorType: 6, samples: pattern(12 * 10 * 4, 255, 3) })),
    s('greyalpha8', buildPng({ width: 10, height: 10, depth: 8, colorType: 4, samples: pattern(200, 255, 4) })),
    s('palette4', buildPng({ width: 20, height: 12, depth: 4, colorType: 3, samples: pattern(240, 15), palette: COLOUR_PALETTE(16), trns: [0, 128, 255] })),
    s('palette8-grey', buildPng({ width: 16, height: 16, depth: 8, colorType: 3, samples: pattern(256, 255), palette: GREY_PALETTE(256) })),
    s('grey1', buildPng({ width: 33, height: 9, depth: 1, colorType: 0, samples: pattern(33 * 9, 1) })),
    s('rgb16', buildPng({ width: 8, height: 8, depth: 16, colorType: 2, samples: pattern(8 * 8 * 3, 65535, 6) })),
  ];
}

function jpegjs(w: number, h: number, quality: number): Uint8Array {
  const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37 + (i >> 6) * 11) & 255));
  return new Uint8Array(encodeJpegLib({ width: w, height: h, data: rgba }, quality).data);
}

function jpegSeeds(): Seed[] {
  const s = (label: string, bytes: Uint8Array) => single('jpeg', 'jpeg', label, `${label}.jpg`, bytes);
  return [
    s('jpegjs-rgb', jpegjs(32, 24, 90)),
    s('jpegjs-rgb-odd', jpegjs(17, 13, 40)),
    s('dc-grey', encodeDcJpeg({ width: 24, height: 16, components: 1, blockValue: (_c, x, y) => (x * 40 + y * 70) % 256 })),
    s('dc-rgb-exif', encodeDcJpeg({ width: 16, height: 16, components: 3, blockValue: (c, x, y) => (c * 80 + x * 30 + y * 50) % 256, exifOrientation: 6 })),
    s('dc-adobe-rgb', encodeDcJpeg({ width: 16, height: 8, components: 3, componentIds: [82, 71, 66], adobeTransform: 0, blockValue: (c, x) => (c * 90 + x * 60) % 256 })),
  ];
}

function gifSeeds(): Seed[] {
  const s = (label: string, bytes: Uint8Array) => single('gif', 'gif', label, `${label}.gif`, bytes);
  const noise = new Rng(9);
  return [
    s('mask2', encodeGif({ width: 24, height: 20, palette: GREY_PALETTE(2), frames: [{ indices: disc(24, 20, 1) }] })),
    s('16col-interlaced', encodeGif({ width: 32, height: 24, palette: COLOUR_PALETTE(16), frames: [{ indices: pattern(32 * 24, 15), interlaced: true }] })),
    s(
      'frames-subrect',
      encodeGif({
        width: 20,
        height: 16,
        palette: COLOUR_PALETTE(4),
        background: 2,
        frames: [
          { indices: pattern(8 * 6, 3), left: 3, top: 4, width: 8, height: 6, transparentIndex: 1 },
          { indices: pattern(20 * 16, 3) },
        ],
      }),
    ),
    s('256noise', encodeGif({ width: 64, height: 64, palette: COLOUR_PALETTE(256), frames: [{ indices: Array.from({ length: 4096 }, () => noise.int(256)) }] })),
  ];
}

function bmpSeeds(): Seed[] {
  const s = (label: string, bytes: Uint8Array) => single('bmp', 'bmp', label, `${label}.bmp`, bytes);
  return [
    s('pal8', encodeBmp({ width: 20, height: 10, bitsPerPixel: 8, samples: pattern(200, 255), palette: GREY_PALETTE(256) })),
    s('pal1', encodeBmp({ width: 33, height: 7, bitsPerPixel: 1, samples: pattern(33 * 7, 1), palette: GREY_PALETTE(2) })),
    s('pal4-topdown', encodeBmp({ width: 9, height: 5, bitsPerPixel: 4, samples: pattern(45, 15), palette: COLOUR_PALETTE(16), topDown: true })),
    s('rgb555', encodeBmp({ width: 8, height: 6, bitsPerPixel: 16, samples: pattern(8 * 6 * 3, 31) })),
    s('rgba32-v4', encodeBmp({ width: 8, height: 6, bitsPerPixel: 32, headerSize: 108, masks: [0xff0000, 0xff00, 0xff, 0xff000000], samples: pattern(8 * 6 * 4, 255) })),
  ];
}

function tiffSeeds(): Seed[] {
  const s = (label: string, bytes: Uint8Array) => single('tiff', 'tiff', label, `${label}.tif`, bytes);
  const page = (p: Partial<TiffPage> & Pick<TiffPage, 'width' | 'height'>): TiffPage => ({
    bitsPerSample: 8,
    samplesPerPixel: 1,
    photometric: 1,
    samples: pattern(p.width * p.height * (p.samplesPerPixel ?? 1), p.bitsPerSample === 16 ? 65535 : p.bitsPerSample === 1 ? 1 : 255),
    ...p,
  });
  return [
    s('grey8', encodeTiff([page({ width: 16, height: 12 })])),
    s('grey16-be', encodeTiff([page({ width: 12, height: 10, bitsPerSample: 16 })], false)),
    s('rgb8-deflate', encodeTiff([page({ width: 16, height: 8, samplesPerPixel: 3, photometric: 2, compression: 8 })])),
    s('float32-deflate', encodeTiff([page({ width: 10, height: 10, bitsPerSample: 32, sampleFormat: 3, compression: 8, samples: pattern(100, 1000).map((v) => v / 7 - 50) })])),
    s('palette8', encodeTiff([page({ width: 8, height: 8, photometric: 3, colorMap: COLOUR_PALETTE(256).flatMap((c) => c).map((v) => v * 257) })])),
    s('grey1', encodeTiff([page({ width: 17, height: 5, bitsPerSample: 1 })])),
    s('grey8-strips-2pages', encodeTiff([page({ width: 10, height: 9, rowsPerStrip: 3 }), page({ width: 4, height: 4 })])),
    s('grey8-lzw', tiffGrey8Lzw(20, 14)),
    s('float64', tiffFloat64(8, 8)),
  ];
}

const NIFTI_SPECS: [string, NiftiFixture][] = [
  ['uint8', { dims: [6, 5, 4], datatype: 2, values: pattern(120, 255) }],
  ['int16-be-qform', { dims: [5, 4, 3], datatype: 4, littleEndian: false, values: pattern(60, 3000).map((v) => v - 1000), pixdim: [0.8, 0.8, 2], qform: { b: 0, c: 0, d: 1, offset: [10, -5, 3] } }],
  ['int32-sform-lps', { dims: [4, 4, 3], datatype: 8, values: pattern(48, 100000), sform: { rows: [-1, 0, 0, 10, 0, -1, 0, 20, 0, 0, 2, -3] } }],
  ['float32-scl', { dims: [5, 5, 2], datatype: 16, values: pattern(50, 100).map((v) => v / 3), sclSlope: 2, sclInter: -1 }],
  ['float64', { dims: [3, 4, 5], datatype: 64, values: pattern(60, 1000).map((v) => v / 9) }],
  ['rgb24', { dims: [4, 3, 2], datatype: 128, values: pattern(72, 255) }],
  ['int8', { dims: [4, 4, 4], datatype: 256, values: pattern(64, 255).map((v) => v - 128) }],
  ['uint16-scl', { dims: [4, 4, 2], datatype: 512, values: pattern(32, 65535), sclSlope: 0.5 }],
  ['uint32', { dims: [3, 3, 3], datatype: 768, values: pattern(27, 2 ** 31) }],
  ['rgba32', { dims: [3, 3, 2], datatype: 2304, values: pattern(72, 255) }],
  ['4d-float32', { dims: [4, 3, 2, 3], datatype: 16, values: pattern(72, 500) }],
  ['n2-int16', { version: 2, dims: [5, 4, 3], datatype: 4, values: pattern(60, 2000) }],
  ['n2-float32-be-4d', { version: 2, littleEndian: false, dims: [3, 3, 2, 2], datatype: 16, values: pattern(36, 300), sform: { rows: [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0] } }],
];

function niftiSeeds(): Seed[] {
  return NIFTI_SPECS.map(([label, spec]) => single('nii', 'nii', label, `${label}.nii`, encodeNifti(spec)));
}

function niftiGzSeeds(): Seed[] {
  return NIFTI_SPECS.map(([label, spec]) => {
    const raw = encodeNifti(spec);
    return { ...single('nii.gz', 'gz', label, `${label}.nii.gz`, gzipSync(raw)), inner: { kind: 'nii', bytes: raw } };
  });
}

export function buildZip(members: ZipMember[]): Uint8Array {
  const z: Zippable = {};
  for (const m of members) z[m.path] = [m.bytes, { level: m.level }];
  return zipSync(z);
}

function zipSeeds(all: Seed[]): Seed[] {
  const by = (label: string): Seed => {
    const s = all.find((x) => x.label === label);
    if (!s) throw new Error(`no seed ${label}`);
    return s;
  };
  const member = (path: string, label: string, level: 0 | 6 = 6): ZipMember => ({ path, kind: by(label).kind, bytes: by(label).bytes, level });
  const sets: [string, ZipMember[]][] = [
    ['pictures', [member('data/images/a.png', 'png/grey8'), member('data/masks/a.gif', 'gif/mask2'), member('data/images/b.tif', 'tiff/grey8')]],
    ['msd', [member('Task/imagesTr/a.nii.gz', 'nii.gz/int16-be-qform', 0), member('Task/labelsTr/a.nii.gz', 'nii.gz/uint8', 0)]],
    ['stored', [member('vol.nii', 'nii/uint8', 0), member('pic.bmp', 'bmp/pal8', 0)]],
    ['nested', [member('x/y/photo.jpg', 'jpeg/jpegjs-rgb'), member('x/tiny.png', 'png/grey1'), member('x/y/z/n2.nii', 'nii/n2-int16')]],
  ];
  return sets.map(([label, members]) => ({ ...single('zip', 'zip', label, `${label}.zip`, buildZip(members), 'zip'), members }));
}

function maskSeeds(): Seed[] {
  const s = (label: string, kind: Kind, name: string, bytes: Uint8Array): Seed => single('mask', kind, label, name, bytes, 'pair');
  const w = 24;
  const h = 20;
  const labels = Array.from({ length: w * h }, (_, i) => [0, 1, 2, 4][(i * 7) % 23 < 17 ? 0 : (i % 3) + 1] as number);
  const niftiLabels = (datatype: number, gzip: boolean, values: number[] = labels) => encodeNifti({ dims: [w, h, 1], datatype, values, gzip });
  return [
    s('png-0-255', 'png', 'case1.png', buildPng({ width: w, height: h, depth: 8, colorType: 0, samples: disc(w, h) })),
    s('png-palette', 'png', 'case2.png', buildPng({ width: w, height: h, depth: 1, colorType: 3, samples: disc(w, h, 1), palette: [[0, 0, 0], [255, 0, 0]] })),
    s('png-rgb-classes', 'png', 'case3.png', buildPng({ width: 8, height: 8, depth: 8, colorType: 2, samples: Array.from({ length: 192 }, (_, i) => (Math.floor(i / 3) % 3 === 1 && i % 3 === 0 ? 255 : Math.floor(i / 3) % 3 === 2 && i % 3 === 1 ? 255 : 0)) })),
    s('gif-2colour', 'gif', 'case4.gif', encodeGif({ width: w, height: h, palette: GREY_PALETTE(2), frames: [{ indices: disc(w, h, 1) }] })),
    s('tiff-1bit', 'tiff', 'case5.tif', encodeTiff([{ width: w, height: h, bitsPerSample: 1, samplesPerPixel: 1, photometric: 1, samples: disc(w, h, 1) }])),
    s('bmp-1bit', 'bmp', 'case6.bmp', encodeBmp({ width: w, height: h, bitsPerPixel: 1, samples: disc(w, h, 1), palette: GREY_PALETTE(2) })),
    s('jpeg-grey', 'jpeg', 'case7.jpg', encodeDcJpeg({ width: w, height: h, components: 1, blockValue: (_c, x, y) => ((x + y) % 2 ? 255 : 0) })),
    s('nii-uint8-labels', 'nii', 'case8.nii', niftiLabels(2, false, labels.map((v) => (v === 4 ? 3 : v)))),
    { ...s('niigz-int16-brats', 'gz', 'case9.nii.gz', niftiLabels(4, true)), inner: { kind: 'nii', bytes: niftiLabels(4, false) } },
    s('nii-float32-labels', 'nii', 'case10.nii', niftiLabels(16, false)),
  ];
}

/** Every seed, grouped by report row. */
export function buildSeeds(): Seed[] {
  const files = [...pngSeeds(), ...jpegSeeds(), ...gifSeeds(), ...bmpSeeds(), ...tiffSeeds(), ...niftiSeeds(), ...niftiGzSeeds()];
  return [...files, ...zipSeeds(files), ...maskSeeds()];
}
