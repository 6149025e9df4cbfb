/**
 * A minimal NIfTI-1/NIfTI-2 encoder for tests: builds single-file volumes with known contents
 * and any header geometry, independently of nifti.ts (its own field offsets, written out from
 * nifti1.h and nifti2.h).
 */
import { gzipSync } from 'fflate';

export interface NiftiFixture {
  version?: 1 | 2;
  littleEndian?: boolean;
  /** dim[1..]: e.g. [nx, ny, nz] or [nx, ny, nz, nt]. dim[0] = its length unless `dim0` is given. */
  dims: number[];
  dim0?: number;
  /** NIfTI datatype code. */
  datatype: number;
  /** Stored element values in file order (x fastest; RGB interleaved; complex as re, im pairs). */
  values: ArrayLike<number>;
  /** pixdim[1..] (default 1). */
  pixdim?: number[];
  /** pixdim[0]. */
  qfac?: number;
  qform?: { code?: number; b: number; c: number; d: number; offset?: [number, number, number] };
  /** srow_x, srow_y, srow_z concatenated (12 numbers). */
  sform?: { code?: number; rows: number[] };
  sclSlope?: number;
  sclInter?: number;
  /** Default 352 (v1) / 544 (v2). */
  voxOffset?: number;
  /** Overrides the 4-byte magic at its place (e.g. 'ni1\0'). */
  magic?: string;
  gzip?: boolean;
}

const ELEMENT_BYTES: Record<number, number> = {
  2: 1, 4: 2, 8: 4, 16: 4, 32: 4, 64: 8, 128: 1, 256: 1, 512: 2, 768: 4, 1024: 8, 1280: 8, 1792: 8, 2304: 1,
};

function writeElement(dv: DataView, off: number, datatype: number, v: number, le: boolean): void {
  switch (datatype) {
    case 2:
    case 128:
    case 2304:
      dv.setUint8(off, v);
      return;
    case 256:
      dv.setInt8(off, v);
      return;
    case 4:
      dv.setInt16(off, v, le);
      return;
    case 512:
      dv.setUint16(off, v, le);
      return;
    case 8:
      dv.setInt32(off, v, le);
      return;
    case 768:
      dv.setUint32(off, v, le);
      return;
    case 16:
    case 32:
      dv.setFloat32(off, v, le);
      return;
    case 64:
    case 1792:
      dv.setFloat64(off, v, le);
      return;
    case 1024:
      dv.setBigInt64(off, BigInt(v), le);
      return;
    case 1280:
      dv.setBigUint64(off, BigInt(v), le);
      return;
    default:
      // Unknown codes in tests: one byte per value.
      dv.setUint8(off, v);
  }
}

export function elementBytes(datatype: number): number {
  return ELEMENT_BYTES[datatype] ?? 1;
}

/** Encodes a single-file NIfTI (n+1 / n+2), optionally gzipped. */
export function encodeNifti(f: NiftiFixture): Uint8Array {
  const version = f.version ?? 1;
  const le = f.littleEndian ?? true;
  const hdrSize = version === 1 ? 348 : 540;
  const voxOffset = f.voxOffset ?? hdrSize + 4;
  const eb = elementBytes(f.datatype);
  const dataStart = Math.max(voxOffset, hdrSize + 4);
  const out = new Uint8Array(dataStart + f.values.length * eb);
  const dv = new DataView(out.buffer);
  const dims = [f.dim0 ?? f.dims.length, ...f.dims];
  while (dims.length < 8) dims.push(1);
  const pixdim = [f.qfac ?? 1, ...(f.pixdim ?? [])];
  while (pixdim.length < 8) pixdim.push(1);
  const q = f.qform;
  const srow = f.sform?.rows ?? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const quatern = q ? [q.b, q.c, q.d, ...(q.offset ?? [0, 0, 0])] : [0, 0, 0, 0, 0, 0];
  const magic = f.magic ?? (version === 1 ? 'n+1\0' : 'n+2\0\r\n\x1a\n');

  dv.setInt32(0, hdrSize, le); // sizeof_hdr
  if (version === 1) {
    dims.forEach((d, i) => dv.setInt16(40 + 2 * i, d, le)); // dim[8]
    dv.setInt16(70, f.datatype, le); // datatype
    dv.setInt16(72, eb * 8, le); // bitpix
    pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, le)); // pixdim[8]
    dv.setFloat32(108, voxOffset, le); // vox_offset
    dv.setFloat32(112, f.sclSlope ?? 0, le); // scl_slope
    dv.setFloat32(116, f.sclInter ?? 0, le); // scl_inter
    dv.setFloat32(124, 123, le); // cal_max (arbitrary, the writer resets it)
    dv.setInt16(252, q ? (q.code ?? 1) : 0, le); // qform_code
    dv.setInt16(254, f.sform ? (f.sform.code ?? 1) : 0, le); // sform_code
    quatern.forEach((v, i) => dv.setFloat32(256 + 4 * i, v, le)); // quatern_b..qoffset_z
    srow.forEach((v, i) => dv.setFloat32(280 + 4 * i, v, le)); // srow_x, srow_y, srow_z
    for (let i = 0; i < 4; i++) out[344 + i] = magic.charCodeAt(i);
  } else {
    for (let i = 0; i < magic.length; i++) out[4 + i] = magic.charCodeAt(i);
    dv.setInt16(12, f.datatype, le);
    dv.setInt16(14, eb * 8, le);
    dims.forEach((d, i) => dv.setBigInt64(16 + 8 * i, BigInt(d), le));
    pixdim.forEach((p, i) => dv.setFloat64(104 + 8 * i, p, le));
    dv.setBigInt64(168, BigInt(voxOffset), le);
    dv.setFloat64(176, f.sclSlope ?? 0, le);
    dv.setFloat64(184, f.sclInter ?? 0, le);
    dv.setFloat64(192, 123, le);
    dv.setInt32(344, q ? (q.code ?? 1) : 0, le);
    dv.setInt32(348, f.sform ? (f.sform.code ?? 1) : 0, le);
    quatern.forEach((v, i) => dv.setFloat64(352 + 8 * i, v, le));
    srow.forEach((v, i) => dv.setFloat64(400 + 8 * i, v, le));
  }
  for (let i = 0; i < f.values.length; i++) writeElement(dv, dataStart + i * eb, f.datatype, f.values[i] as number, le);
  return f.gzip ? gzipSync(out) : out;
}

/** 0, 1, 2, ... n − 1. */
export function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Row-major 4×4 product. */
export function matMul4(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (a[r * 4 + k] as number) * (b[k * 4 + c] as number);
      out.push(s);
    }
  }
  return out;
}

/** World coordinates of voxel (i, j, k) under a row-major 4×4 affine. */
export function applyAffine(m: readonly number[], i: number, j: number, k: number): [number, number, number] {
  const row = (r: number): number =>
    (m[r * 4] as number) * i + (m[r * 4 + 1] as number) * j + (m[r * 4 + 2] as number) * k + (m[r * 4 + 3] as number);
  return [row(0), row(1), row(2)];
}

/** Inverse of an affine row-major 4×4 (last row 0 0 0 1). */
export function invertAffine(m: readonly number[]): number[] {
  const g = (r: number, c: number): number => m[r * 4 + c] as number;
  const [a, b, c, d, e, f, gg, h, i] = [g(0, 0), g(0, 1), g(0, 2), g(1, 0), g(1, 1), g(1, 2), g(2, 0), g(2, 1), g(2, 2)];
  const det = a * (e * i - f * h) - b * (d * i - f * gg) + c * (d * h - e * gg);
  const inv = [
    (e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det,
    (f * gg - d * i) / det, (a * i - c * gg) / det, (c * d - a * f) / det,
    (d * h - e * gg) / det, (b * gg - a * h) / det, (a * e - b * d) / det,
  ] as number[];
  const t = [g(0, 3), g(1, 3), g(2, 3)];
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    const rr = [inv[r * 3] as number, inv[r * 3 + 1] as number, inv[r * 3 + 2] as number];
    out.push(rr[0] as number, rr[1] as number, rr[2] as number, -((rr[0] as number) * (t[0] as number) + (rr[1] as number) * (t[1] as number) + (rr[2] as number) * (t[2] as number)));
  }
  out.push(0, 0, 0, 1);
  return out;
}
