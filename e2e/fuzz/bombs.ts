/**
 * Hand-made hostile inputs, run once per campaign before the mutants: decompression bombs,
 * headers that announce gigabytes, zip archives that lie about sizes or share their data, a GIF
 * whose LZW stream sends gifuct-js into an endless loop, and label masks with more distinct
 * values than a Map can hold. Built lazily: the largest are tens of megabytes.
 */
import { deflateSync, gzipSync } from 'fflate';
import { encode as encodeJpegLib } from 'jpeg-js';
import { buildPng, concat, crc32, pngChunk } from '../../src/core/io/testing/image-fixtures';
import { encodeNifti } from '../../src/core/io/testing/nifti-fixtures';
import { fromHex, type Field, writeField } from './bytes';
import { crc32AppendZeros, deflatePrefixThenZeros, gzipPrefixThenZeros, zlibZeros } from './deflate';
import { jpegSegments } from './fields';
import { greyTiff, type ReadMode } from './seeds';
import { storedEntry, writeZip, type ZipEntrySpec } from './zipfile';

export interface Bomb {
  label: string;
  /** What it is and what a careful reader should do with it. */
  about: string;
  name: string;
  mode: ReadMode;
  build: () => Uint8Array;
}

const GIB = 2 ** 30;
const MIB = 2 ** 20;

/** A NIfTI-1 header (352 bytes) announcing these dims, with no voxel data. */
function niftiHeader(dims: number[], datatype: number): Uint8Array {
  return encodeNifti({ dims, datatype, values: [] });
}

/** A deflated zip entry whose data inflate to `prefix` + `zeros` zero bytes. */
function deflatedZeros(name: string, prefix: Uint8Array, zeros: number): ZipEntrySpec {
  return { name, method: 8, stored: deflatePrefixThenZeros(prefix, zeros), size: prefix.length + zeros, crc: crc32AppendZeros(crc32(prefix), zeros) };
}

/**
 * A 4×4 GIF whose LZW codes (minimum code size 2: Clear = 4, End = 5, first free code 6) are
 * Clear, 6, 6, 6. The first 6 arrives before any code is defined and becomes the previous code;
 * the second 6 equals the next free code (the KwKwK case) and gifuct-js defines code 6 with
 * itself as prefix; the third 6 then follows its prefix chain 6 → 6 → … for ever, pushing onto
 * its pixel stack until the memory runs out.
 */
export const GIF_LZW_LOOP = fromHex(
  '474946383961' + // GIF89a
    '0400040081' + '0000' + // 4×4 screen, global table of 4 colours
    '000000ffffff808080ff0000' + // the colours
    '2c000000000400040000' + // image descriptor: 4×4 at 0,0
    '02' + '02b40d' + '00' + // LZW minimum code size 2, one 2-byte sub-block: codes 4, 6, 6, 6
    '3b',
);

function jpeg10000(): Uint8Array {
  const rgba = new Uint8Array(8 * 8 * 4).fill(200);
  const b = new Uint8Array(encodeJpegLib({ width: 8, height: 8, data: rgba }, 80).data);
  const sof = jpegSegments(b).find((s) => b[s.start + 1] === 0xc0);
  if (!sof) throw new Error('jpeg-js wrote no SOF0');
  const f = (name: string, offset: number): Field => ({ name, offset, size: 2, le: false });
  writeField(b, f('height', sof.start + 5), 10000);
  writeField(b, f('width', sof.start + 7), 10000);
  return b;
}

function tiff10000Float64(strip: Uint8Array, compression: 1 | 8, claimedBytes?: number): Uint8Array {
  const t = greyTiff(10000, 10000, 64, compression, 3, strip);
  if (claimedBytes !== undefined) {
    // StripByteCounts (tag 279) is inline: patch its value.
    const dv = new DataView(t.buffer);
    const ifd = dv.getUint32(4, true);
    for (let i = 0; i < dv.getUint16(ifd, true); i++) {
      const at = ifd + 2 + 12 * i;
      if (dv.getUint16(at, true) === 279) dv.setUint32(at + 8, claimedBytes, true);
    }
  }
  return t;
}

/** A float32 label volume with `n` distinct finite values (bit patterns from 1.0 upwards). */
function distinctFloatMask(dims: [number, number, number]): Uint8Array {
  const n = dims[0] * dims[1] * dims[2];
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = 0x3f800000 + i;
  const header = niftiHeader(dims, 16);
  return concat([header, new Uint8Array(bits.buffer)]);
}

export function buildBombs(): Bomb[] {
  const b = (label: string, about: string, name: string, build: () => Uint8Array, mode: ReadMode = 'file'): Bomb => ({ label: `bomb/${label}`, about, name, mode, build });
  return [
    b('nii.gz-header-4GiB-no-data', 'a .nii.gz whose header claims 2048×2048×1024 uint8 (4 GiB) and holds no voxels: refuse from the header', 'claims4g.nii.gz', () =>
      gzipSync(niftiHeader([2048, 2048, 1024], 2)),
    ),
    b(
      'nii.gz-4GiB-of-zeros',
      'a 27 MB .nii.gz whose header claims 4 GiB and whose stream really inflates to 4 GiB of zeros (ISIZE wraps to 352): refuse before inflating it all',
      'zeros4g.nii.gz',
      () => gzipPrefixThenZeros(niftiHeader([2048, 2048, 1024], 2), 4 * GIB),
    ),
    b(
      'gzip-isize-small-inflates-1GiB',
      'a .nii.gz of a 4×4×4 volume whose gzip trailer says 416 bytes but whose deflate stream inflates to 1 GiB: stop inflating past what the header needs',
      'small-isize.nii.gz',
      () => gzipPrefixThenZeros(encodeNifti({ dims: [4, 4, 4], datatype: 2, values: new Array(64).fill(7) }), GIB, { isize: 416 }),
    ),
    b('zip-entry-declares-4GiB', 'a zip whose one entry (a 6×5×4 .nii) declares an uncompressed size of 0xFFFFFFFF: do not allocate what the archive claims', 'declares4g.zip', () => {
      const nii = encodeNifti({ dims: [6, 5, 4], datatype: 2, values: new Array(120).fill(1) });
      return writeZip([{ name: 'vol.nii', method: 8, stored: deflateSync(nii), size: 0xffffffff, crc: crc32(nii) }]);
    }, 'zip'),
    b('zip64-entry-declares-1TiB', 'a ZIP64 archive whose entry declares 2^40 bytes uncompressed', 'declares1t.zip', () => {
      const nii = encodeNifti({ dims: [6, 5, 4], datatype: 2, values: new Array(120).fill(1) });
      return writeZip([{ name: 'vol.nii', method: 8, stored: deflateSync(nii), size: nii.length, crc: crc32(nii), zip64Size: 2 ** 40 }]);
    }, 'zip'),
    b('zip64-entry-declares-2^62', 'a ZIP64 archive whose entry declares 2^62 bytes uncompressed', 'declares2e62.zip', () => {
      const png = buildPng({ width: 4, height: 4, depth: 8, colorType: 0, samples: new Array(16).fill(9) });
      return writeZip([{ name: 'a.png', method: 8, stored: deflateSync(png), size: png.length, crc: crc32(png), zip64Size: 2 ** 62 }]);
    }, 'zip'),
    b(
      'zip-64-entries-share-16MiB',
      'a 110 kB zip with 64 entries whose central records all point at one deflated 16 MiB .nii (1 GiB in all): work bounded by the archive, not by the entry count',
      'overlap64.zip',
      () => {
        const first = deflatedZeros('vol00.nii', niftiHeader([256, 256, 256], 2), 16 * MIB);
        const rest = Array.from({ length: 63 }, (_, i): ZipEntrySpec => ({ ...first, name: `vol${String(i + 1).padStart(2, '0')}.nii`, sameDataAs: 0 }));
        return writeZip([first, ...rest]);
      },
      'zip',
    ),
    b('zip-entry-inside-another', 'a zip whose second entry\'s local header lies inside the first (stored) entry\'s data (quoted overlap)', 'quoted.zip', () => {
      const innerNii = encodeNifti({ dims: [8, 8, 8], datatype: 2, values: new Array(512).fill(3) });
      const inner = writeZip([storedEntry('b.nii', innerNii)]);
      const innerLocal = inner.subarray(0, 30 + 'b.nii'.length + innerNii.length);
      const outer = storedEntry('a.nii.gz', concat([innerLocal, gzipSync(innerNii)]));
      return writeZip([outer, { ...storedEntry('b.nii', innerNii), localOffset: 30 + 'a.nii.gz'.length }]);
    }, 'zip'),
    b('jpeg-claims-10000x10000', 'a 600-byte JPEG (8×8 of data) whose frame header says 10000×10000', 'huge.jpg', jpeg10000),
    b('tiff-float64-10000x10000-header', 'a TIFF header for 10000×10000 float64 (800 MB) whose strip byte count claims 800 MB that the file does not have', 'huge-f64.tif', () =>
      tiff10000Float64(new Uint8Array(8), 1, 800_000_000),
    ),
    b('tiff-float64-10000x10000-deflate', 'a 5 MB Deflate TIFF of 10000×10000 float64 zeros: a legal 800 MB picture (at the 100-megapixel limit)', 'zeros-f64.tif', () =>
      tiff10000Float64(zlibZeros(800_000_000), 8),
    ),
    b('png-10000x10000-rgba16-tiny-idat', 'a PNG announcing 10000×10000 RGBA 16-bit (800 MB) with a 20-byte IDAT', 'huge.png', () =>
      concat([
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        pngChunk('IHDR', [0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10, 16, 6, 0, 0, 0]),
        pngChunk('IDAT', deflateSync(new Uint8Array(16))),
        pngChunk('IEND'),
      ]),
    ),
    b('png-10000x10000-1bit-zeros', 'an 80 kB 1-bit PNG of 10000×10000 zeros: a legal 100-megapixel picture', 'zeros1bit.png', () =>
      concat([
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        pngChunk('IHDR', [0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10, 1, 0, 0, 0, 0]),
        pngChunk('IDAT', zlibZeros(10000 * 1251)),
        pngChunk('IEND'),
      ]),
    ),
    b('gif-lzw-self-referencing-code', 'a 41-byte GIF whose LZW codes make gifuct-js define a code as its own prefix and loop for ever', 'loop.gif', () => GIF_LZW_LOOP.slice()),
    b(
      'mask-float32-2^24+65536-distinct',
      'a float32 label volume (256×256×257) with 16 842 752 distinct values, more than a Map holds (2^24), read as the mask of a pair',
      'distinct16m.nii',
      () => distinctFloatMask([256, 256, 257]),
      'pair',
    ),
    b('mask-uint32-200k-distinct', 'a uint32 label volume (500×400) with 200 000 distinct values, read as the mask of a pair', 'distinct200k.nii', () =>
      encodeNifti({ dims: [500, 400, 1], datatype: 768, values: Uint32Array.from({ length: 200_000 }, (_, i) => i + 1) }),
    'pair'),
    b('mask-float32-200k-distinct', 'a float32 label volume (500×400) with 200 000 distinct values, read as the mask of a pair', 'distinct200k-f32.nii', () =>
      distinctFloatMask([500, 400, 1]),
    'pair'),
    b('mask-png16-65536-distinct', 'a 16-bit PNG mask (256×256) holding every value 0…65535, read as the mask of a pair', 'distinct64k.png', () =>
      buildPng({ width: 256, height: 256, depth: 16, colorType: 0, samples: Array.from({ length: 65536 }, (_, i) => i) }),
    'pair'),
  ];
}
