/**
 * NIfTI-1 and NIfTI-2 single-file volumes (.nii, .nii.gz): reader and uint8 label writer.
 *
 * Header layouts follow nifti1.h (NIfTI Data Format Working Group, 2004; 348-byte header,
 * magic "n+1\0" at byte 344) and nifti2.h (2011; 540-byte header, magic "n+2\0\r\n\032\n" at
 * byte 4, int64 dims and float64 geometry). The byte order is the one in which sizeof_hdr
 * reads 348 (NIfTI-1) or 540 (NIfTI-2). Voxel data start at vox_offset, x fastest.
 *
 * Voxel → world (RAS+, mm), as in the NIfTI-1 standard:
 *  - sform_code > 0 ("method 3"): x = srow_x · [i j k 1], likewise y and z.
 *  - else qform_code > 0 ("method 2"): [x y z] = R · [pixdim1·i, pixdim2·j, qfac·pixdim3·k] +
 *    [qoffset_x qoffset_y qoffset_z], R the rotation of the unit quaternion (a, b, c, d) with
 *    a = √(1 − b² − c² − d²) and qfac = pixdim[0] (±1; 0 read as 1).
 *  - else ("method 1"): x = pixdim1·i, y = pixdim2·j, z = pixdim3·k.
 *
 * The reader then brings the data to the canonical layout described in volume.ts: each voxel
 * axis is matched to the world axis it is most nearly parallel to and flipped where it points
 * the negative way, so canonical axes i, j, k run along +x (R), +y (A), +z (S). This is a pure
 * reindexing (no resampling); `Volume.affine` is the affine of the reindexed grid, so every
 * voxel keeps its world position, and `Volume.nifti` records how to undo it (writeNiftiLabels).
 */
import { gzipSync } from 'fflate';
import { DEFAULT_BUDGET, formatBytes, type ReadBudget } from './budget';
import { gunzipBounded, InflateLimitError, isGzip } from './inflate';
import { countNonFinite, InputFileError, type NiftiGeometry, type Volume, type VoxelArray } from './volume';

// ---------------------------------------------------------------------------------------------
// Datatypes (nifti1.h, NIFTI_TYPE_*)

interface DatatypeInfo {
  name: string;
  /** Bytes per stored element (one channel). */
  bytes: number;
  channels: number;
  ctor?: VoxelCtor;
}

type VoxelCtor = {
  new (length: number): VoxelArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): VoxelArray;
  readonly BYTES_PER_ELEMENT: number;
};

const DATATYPES: ReadonlyMap<number, DatatypeInfo> = new Map<number, DatatypeInfo>([
  [1, { name: 'binary', bytes: 0, channels: 1 }],
  [2, { name: 'uint8', bytes: 1, channels: 1, ctor: Uint8Array }],
  [4, { name: 'int16', bytes: 2, channels: 1, ctor: Int16Array }],
  [8, { name: 'int32', bytes: 4, channels: 1, ctor: Int32Array }],
  [16, { name: 'float32', bytes: 4, channels: 1, ctor: Float32Array }],
  [32, { name: 'complex64', bytes: 8, channels: 1 }],
  [64, { name: 'float64', bytes: 8, channels: 1, ctor: Float64Array }],
  [128, { name: 'rgb24', bytes: 1, channels: 3, ctor: Uint8Array }],
  [256, { name: 'int8', bytes: 1, channels: 1, ctor: Int8Array }],
  [512, { name: 'uint16', bytes: 2, channels: 1, ctor: Uint16Array }],
  [768, { name: 'uint32', bytes: 4, channels: 1, ctor: Uint32Array }],
  [1024, { name: 'int64', bytes: 8, channels: 1 }],
  [1280, { name: 'uint64', bytes: 8, channels: 1 }],
  [1536, { name: 'float128', bytes: 16, channels: 1 }],
  [1792, { name: 'complex128', bytes: 16, channels: 1 }],
  [2048, { name: 'complex256', bytes: 32, channels: 1 }],
  [2304, { name: 'rgba32', bytes: 1, channels: 4, ctor: Uint8Array }],
]);

/** NIfTI datatype codes (nifti1.h) that readNifti accepts. */
export const NIFTI_DATATYPES = {
  UINT8: 2,
  INT16: 4,
  INT32: 8,
  FLOAT32: 16,
  FLOAT64: 64,
  RGB24: 128,
  INT8: 256,
  UINT16: 512,
  UINT32: 768,
  RGBA32: 2304,
} as const;

/** nifti1.h NIFTI_INTENT_LABEL: "the value at each voxel is an index into some set of labels". */
export const NIFTI_INTENT_LABEL = 1002;

/** The nifti1.h name of a datatype code ('uint8', 'float32', 'rgb24', ...), or 'unknown'. */
export function niftiDatatypeName(code: number): string {
  return DATATYPES.get(code)?.name ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Header layouts

interface Layout {
  size: number;
  /** dim[8]: int16 (v1) or int64 (v2). */
  dim: number;
  intBytes: 2 | 8;
  /** pixdim, vox_offset (v2), scl_*, cal_*, quatern_*, qoffset_*, srow_*: float32 (v1) or float64 (v2). */
  floatBytes: 4 | 8;
  datatype: number;
  bitpix: number;
  pixdim: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMax: number;
  calMin: number;
  /** qform_code, sform_code, intent_code: int16 (v1) or int32 (v2). */
  codeBytes: 2 | 4;
  qformCode: number;
  sformCode: number;
  intentCode: number;
  intentP1: number;
  intentName: number;
  quatern: number;
  srow: number;
  magic: number;
}

const LAYOUT_V1: Layout = {
  size: 348,
  dim: 40,
  intBytes: 2,
  floatBytes: 4,
  datatype: 70,
  bitpix: 72,
  pixdim: 76,
  voxOffset: 108,
  sclSlope: 112,
  sclInter: 116,
  calMax: 124,
  calMin: 128,
  codeBytes: 2,
  qformCode: 252,
  sformCode: 254,
  intentCode: 68,
  intentP1: 56,
  intentName: 328,
  quatern: 256,
  srow: 280,
  magic: 344,
};

const LAYOUT_V2: Layout = {
  size: 540,
  dim: 16,
  intBytes: 8,
  floatBytes: 8,
  datatype: 12,
  bitpix: 14,
  pixdim: 104,
  voxOffset: 168,
  sclSlope: 176,
  sclInter: 184,
  calMax: 192,
  calMin: 200,
  codeBytes: 4,
  qformCode: 344,
  sformCode: 348,
  intentCode: 504,
  intentP1: 80,
  intentName: 508,
  quatern: 352,
  srow: 400,
  magic: 4,
};

/** NIfTI-1 glmax/glmin (unused int32 fields, reset by the writer). */
const V1_GLMAX = 140;
const V1_GLMIN = 144;

function layoutOf(version: 1 | 2): Layout {
  return version === 1 ? LAYOUT_V1 : LAYOUT_V2;
}

/** Bytes from the end of the header to the first voxel in a single file: the 4-byte extension flag. */
const EXTENSION_FLAG_BYTES = 4;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readInt(dv: DataView, off: number, bytes: 2 | 4 | 8, le: boolean): number {
  if (bytes === 2) return dv.getInt16(off, le);
  if (bytes === 4) return dv.getInt32(off, le);
  const v = dv.getBigInt64(off, le);
  return v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.NaN : Number(v);
}

function writeInt(dv: DataView, off: number, bytes: 2 | 4 | 8, le: boolean, value: number): void {
  if (bytes === 2) dv.setInt16(off, value, le);
  else if (bytes === 4) dv.setInt32(off, value, le);
  else dv.setBigInt64(off, BigInt(value), le);
}

function readFloat(dv: DataView, off: number, bytes: 4 | 8, le: boolean): number {
  return bytes === 4 ? dv.getFloat32(off, le) : dv.getFloat64(off, le);
}

function writeFloat(dv: DataView, off: number, bytes: 4 | 8, le: boolean, value: number): void {
  if (bytes === 4) dv.setFloat32(off, value, le);
  else dv.setFloat64(off, value, le);
}

interface Header {
  version: 1 | 2;
  littleEndian: boolean;
  layout: Layout;
  /** dim[0..7] as stored. */
  dim: number[];
  datatype: number;
  /** pixdim[0..7] as stored (pixdim[0] is qfac). */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z (4 each). */
  srow: number[];
}

function asciiAt(bytes: Uint8Array, off: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = bytes[off + i] as number;
    s += c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** 1 or 2 when the NIfTI magic stands where that version keeps it ("n+1\\0" at 344, "n+2\\0" at 4; also "ni1"). */
export function niftiMagicVersion(bytes: Uint8Array): 1 | 2 | null {
  const at = (o: number, s: string) => bytes.length >= o + 4 && [...s].every((c, i) => bytes[o + i] === c.charCodeAt(0));
  if (at(344, 'n+1\0') || at(344, 'ni1\0')) return 1;
  if (at(4, 'n+2\0') || at(4, 'ni2\0')) return 2;
  return null;
}

function parseHeader(bytes: Uint8Array, fail: (problem: string) => never, namedNifti = false): Header {
  if (bytes.length < 4) fail(`not a NIfTI-1/2 file: only ${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // sizeof_hdr (int32 at byte 0) is 348 (NIfTI-1) or 540 (NIfTI-2) in the file's byte order.
  let version: 1 | 2 | undefined;
  let littleEndian = true;
  for (const le of [true, false]) {
    const size = dv.getInt32(0, le);
    if (size === 348 || size === 540) {
      version = size === 348 ? 1 : 2;
      littleEndian = le;
      break;
    }
  }
  if (version === undefined) {
    const claimed = niftiMagicVersion(bytes);
    fail(
      claimed
        ? `bad NIfTI-${claimed} header: sizeof_hdr (bytes 0–3) is ${dv.getInt32(0, true)}, expected ${claimed === 1 ? 348 : 540}; the magic "n+${claimed}" says it is a NIfTI-${claimed} file, so its header is damaged`
        : `${namedNifti ? 'bad NIfTI header: ' : 'not a NIfTI-1/2 file: '}sizeof_hdr is ${dv.getInt32(0, true)} (expected 348 or 540 in either byte order)` +
            (namedNifti ? ' and no NIfTI magic: a damaged header, or not a NIfTI file' : ''),
    );
  }
  const L = layoutOf(version);
  if (bytes.length < L.size) {
    fail(`truncated header: expected ${L.size} bytes of NIfTI-${version} header, found ${bytes.length}`);
  }
  const magic = asciiAt(bytes, L.magic, 4);
  if (magic === `ni${version}\\x00`) {
    fail(
      `NIfTI-${version} header-only file (magic "ni${version}"): the voxels are in the paired .img file, ` +
        'which is not supported; convert the .hdr/.img pair to a single .nii or .nii.gz',
    );
  }
  if (magic !== `n+${version}\\x00`) {
    fail(`not a NIfTI-1/2 file: magic is "${magic}" (expected "n+${version}\\0" for sizeof_hdr ${L.size})`);
  }
  const le = littleEndian;
  const dim: number[] = [];
  const pixdim: number[] = [];
  for (let i = 0; i < 8; i++) {
    dim.push(readInt(dv, L.dim + i * L.intBytes, L.intBytes, le));
    pixdim.push(readFloat(dv, L.pixdim + i * L.floatBytes, L.floatBytes, le));
  }
  const srow: number[] = [];
  for (let i = 0; i < 12; i++) srow.push(readFloat(dv, L.srow + i * L.floatBytes, L.floatBytes, le));
  const q = (i: number): number => readFloat(dv, L.quatern + i * L.floatBytes, L.floatBytes, le);
  return {
    version,
    littleEndian,
    layout: L,
    dim,
    datatype: dv.getInt16(L.datatype, le),
    pixdim,
    voxOffset:
      version === 1 ? dv.getFloat32(L.voxOffset, le) : readInt(dv, L.voxOffset, 8, le),
    sclSlope: readFloat(dv, L.sclSlope, L.floatBytes, le),
    sclInter: readFloat(dv, L.sclInter, L.floatBytes, le),
    qformCode: readInt(dv, L.qformCode, L.codeBytes, le),
    sformCode: readInt(dv, L.sformCode, L.codeBytes, le),
    quatern: [q(0), q(1), q(2)],
    qoffset: [q(3), q(4), q(5)],
    srow,
  };
}

// ---------------------------------------------------------------------------------------------
// gzip (RFC 1952)

/** Bytes of a .nii.gz inflated before its header is read (the largest header, NIfTI-2, is 540). */
const HEADER_PREFIX = 540 + EXTENSION_FLAG_BYTES;

/**
 * Inflates a .nii.gz within the budget: the header is read from the first inflated bytes, the
 * volume it announces is checked against the budget before anything is allocated for it, then the
 * header and the first 3-D volume are kept in one exactly sized buffer while the rest of a 4-D
 * file is inflated only to be counted and checked (CRC-32, ISIZE). A stream that yields more than
 * its header and its trailer account for is stopped there.
 */
function gunzipNifti(
  bytes: Uint8Array,
  fail: (problem: string) => never,
  budget: ReadBudget,
  onProgress?: (done: number, total: number) => void,
): { raw: Uint8Array; inflated: number } {
  let prefix = new Uint8Array(0);
  let started = false;
  let out: Uint8Array | null = null;
  const pieces: Uint8Array[] = [];
  let keep = 0;
  let at = 0;
  let limit = budget.maxInflatedBytes;
  let inflated: number;
  try {
    ({ size: inflated } = gunzipBounded(bytes, {
      ...(onProgress ? { onProgress } : {}),
      onData: (chunk) => {
        if (!started) {
          const joined = new Uint8Array(prefix.length + chunk.length);
          joined.set(prefix);
          joined.set(chunk, prefix.length);
          prefix = joined;
          if (prefix.length < HEADER_PREFIX) return;
          const h = parseHeader(prefix, fail);
          const plan = planVolume(h, fail, budget);
          // All the bytes the file needs, or what its trailer says when that is more (padding).
          limit = Math.max(plan.fileBytes, gzipIsize(bytes));
          if (limit > budget.maxInflatedBytes) {
            fail(
              `the file inflates to ${formatBytes(limit)}, more than the ${formatBytes(budget.maxInflatedBytes)} a .nii.gz may inflate to here` +
                (plan.volumes > 1 ? ` (a 4-D file of ${plan.volumes} volumes: extract the first, e.g. fslroi in.nii.gz out.nii.gz 0 1)` : ''),
            );
          }
          keep = plan.firstVolumeEnd;
          // The usual single-member file states its whole length in its trailer: then the header
          // and first volume go into one exactly sized buffer. Otherwise (several members, or a
          // trailer that does not cover the header's claim) the pieces are gathered as they come,
          // so a short file claiming a large volume costs only what it holds.
          if (gzipIsize(bytes) >= plan.fileBytes % 2 ** 32) out = new Uint8Array(keep);
          chunk = prefix;
          prefix = new Uint8Array(0);
          started = true;
        }
        if (at + chunk.length > limit) {
          throw new InflateLimitError(limit, `the gzip stream holds more than the ${limit} bytes its header and size field account for (damaged or crafted)`);
        }
        if (at < keep) {
          const piece = chunk.subarray(0, keep - at);
          if (out) out.set(piece, at);
          else pieces.push(piece.slice());
        }
        at += chunk.length;
      },
    }));
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    fail(`not a valid gzip stream: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!started) {
    // Shorter than the largest header: parse what there is (a short NIfTI-1 file, or a header error).
    return { raw: prefix, inflated };
  }
  if (out) return { raw: at < keep ? (out as Uint8Array).subarray(0, at) : out, inflated };
  const raw = new Uint8Array(Math.min(at, keep));
  let o = 0;
  for (const p of pieces) {
    raw.set(p, o);
    o += p.length;
  }
  return { raw, inflated };
}

/** ISIZE of the last gzip member (the uncompressed length mod 2^32). */
function gzipIsize(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
}

// ---------------------------------------------------------------------------------------------
// Orientation

/** Row-major 4×4. */
type Mat4 = number[];

function usableAffine(m: Mat4): boolean {
  if (!m.every(Number.isFinite)) return false;
  const [a, b, c, , d, e, f, , g, h, i] = m as [number, number, number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return det !== 0 && Number.isFinite(det);
}

/** A voxel size from pixdim[i]: |pixdim| when finite and nonzero, else 1. */
function voxelSize(p: number | undefined): number {
  return p !== undefined && Number.isFinite(p) && p !== 0 ? Math.abs(p) : 1;
}

/** NIfTI-1 "method 2": the qform affine from quatern_b/c/d, qoffset_x/y/z, pixdim[1..3] and qfac. */
export function qformAffine(
  quatern: readonly [number, number, number],
  qoffset: readonly [number, number, number],
  pixdim: readonly number[],
): Mat4 {
  let [b, c, d] = quatern;
  // a = √(1 − b² − c² − d²); when that is ~0 the rotation is 180° and (b, c, d) is renormalised
  // (as nifti1_io.c nifti_quatern_to_mat44 does).
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const n = Math.hypot(b, c, d) || 1;
    b /= n;
    c /= n;
    d /= n;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const qfac = (pixdim[0] ?? 1) < 0 ? -1 : 1;
  const dx = voxelSize(pixdim[1]);
  const dy = voxelSize(pixdim[2]);
  const dz = voxelSize(pixdim[3]) * qfac;
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ] as [number[], number[], number[]];
  const m: Mat4 = [];
  for (let row = 0; row < 3; row++) {
    const rr = r[row] as number[];
    m.push((rr[0] as number) * dx, (rr[1] as number) * dy, (rr[2] as number) * dz, qoffset[row] as number);
  }
  m.push(0, 0, 0, 1);
  return m;
}

function headerAffine(h: Header, notes: string[]): Mat4 {
  if (h.sformCode > 0) {
    const m = [...h.srow, 0, 0, 0, 1];
    if (usableAffine(m)) return m;
    notes.push('the sform matrix is singular or not finite: using the qform instead');
  }
  if (h.qformCode > 0) {
    const m = qformAffine(h.quatern, h.qoffset, h.pixdim);
    if (usableAffine(m)) return m;
    notes.push('the qform is not finite: using the voxel sizes only');
  }
  if (h.sformCode <= 0 && h.qformCode <= 0) {
    notes.push('no orientation in the header (qform_code and sform_code are 0): axes taken as R, A, S');
  }
  return [voxelSize(h.pixdim[1]), 0, 0, 0, 0, voxelSize(h.pixdim[2]), 0, 0, 0, 0, voxelSize(h.pixdim[3]), 0, 0, 0, 0, 1];
}

/**
 * For each world axis a (x, y, z), the voxel axis perm[a] most nearly parallel to it and whether
 * it points the negative way. Pairs are taken greedily by the largest |cosine| between a voxel
 * axis (an affine column) and a world axis, never reusing an axis; ties go to the lower axis.
 */
export function canonicalOrientation(affine: readonly number[]): {
  perm: [number, number, number];
  flip: [boolean, boolean, boolean];
} {
  const cos: number[][] = [[], [], []];
  for (let v = 0; v < 3; v++) {
    const col = [affine[v] ?? 0, affine[4 + v] ?? 0, affine[8 + v] ?? 0];
    const n = Math.hypot(...col);
    for (let w = 0; w < 3; w++) {
      const cw = n > 0 && Number.isFinite(n) ? (col[w] as number) / n : 0;
      (cos[w] as number[])[v] = Number.isFinite(cw) ? cw : 0;
    }
  }
  const perm: [number, number, number] = [0, 1, 2];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  const usedW = [false, false, false];
  const usedV = [false, false, false];
  for (let step = 0; step < 3; step++) {
    let best = -1;
    let bw = 0;
    let bv = 0;
    for (let w = 0; w < 3; w++) {
      if (usedW[w]) continue;
      for (let v = 0; v < 3; v++) {
        if (usedV[v]) continue;
        const c = Math.abs((cos[w] as number[])[v] as number);
        if (c > best) {
          best = c;
          bw = w;
          bv = v;
        }
      }
    }
    usedW[bw] = true;
    usedV[bv] = true;
    perm[bw] = bv;
    flip[bw] = ((cos[bw] as number[])[bv] as number) < 0;
  }
  return { perm, flip };
}

/**
 * The affine of the canonical grid: canonical voxel index c_a along axis a is source index
 * c_a (or sourceDims[perm[a]] − 1 − c_a when flipped) along source axis perm[a].
 */
export function canonicalAffine(
  source: readonly number[],
  sourceDims: readonly [number, number, number],
  perm: readonly [number, number, number],
  flip: readonly [boolean, boolean, boolean],
): Mat4 {
  const m: Mat4 = [0, 0, 0, source[3] ?? 0, 0, 0, 0, source[7] ?? 0, 0, 0, 0, source[11] ?? 0, 0, 0, 0, 1];
  for (let a = 0; a < 3; a++) {
    const v = perm[a] as number;
    const s = flip[a] ? -1 : 1;
    for (let r = 0; r < 3; r++) {
      const col = source[r * 4 + v] ?? 0;
      m[r * 4 + a] = s * col;
      if (flip[a]) m[r * 4 + 3] = (m[r * 4 + 3] as number) + col * ((sourceDims[v] as number) - 1);
    }
  }
  // + 0 turns the −0 of negated zero entries into 0.
  return m.map((v) => v + 0);
}

/** How a canonical x-fastest walk visits source voxel indices. */
interface Walk {
  dims: [number, number, number];
  start: number;
  step: [number, number, number];
  identity: boolean;
}

function walkOf(
  sourceDims: readonly [number, number, number],
  perm: readonly [number, number, number],
  flip: readonly [boolean, boolean, boolean],
): Walk {
  const [sx, sy, sz] = sourceDims;
  const stride = [1, sx, sx * sy];
  const dims: [number, number, number] = [sx, sy, sz];
  const step: [number, number, number] = [1, sx, sx * sy];
  let start = 0;
  for (let a = 0; a < 3; a++) {
    const v = perm[a] as number;
    const n = sourceDims[v] as number;
    dims[a] = n;
    step[a] = (flip[a] ? -1 : 1) * (stride[v] as number);
    if (flip[a]) start += (n - 1) * (stride[v] as number);
  }
  // A flipped axis of length 1 is still the identity.
  const identity = perm.every((v, a) => v === a && (!flip[a] || sourceDims[v] === 1));
  return { dims, start, step, identity };
}

type NumArray = { [i: number]: number; readonly length: number };

/** dst (canonical order, `upv` units per voxel) ← src (source order) along the walk. */
function permuteUnits(src: NumArray, dst: NumArray, w: Walk, upv: number): void {
  const [nx, ny, nz] = w.dims;
  const [s0, s1, s2] = w.step;
  let d = 0;
  if (upv === 1) {
    for (let k = 0, bk = w.start; k < nz; k++, bk += s2) {
      for (let j = 0, bj = bk; j < ny; j++, bj += s1) {
        for (let i = 0, s = bj; i < nx; i++, s += s0) dst[d++] = src[s] as number;
      }
    }
    return;
  }
  for (let k = 0, bk = w.start; k < nz; k++, bk += s2) {
    for (let j = 0, bj = bk; j < ny; j++, bj += s1) {
      for (let i = 0, s = bj * upv; i < nx; i++, s += s0 * upv) {
        for (let u = 0; u < upv; u++) dst[d++] = src[s + u] as number;
      }
    }
  }
}

/** Reverses the byte order of every `size`-byte element in place. */
function swapBytes(buf: ArrayBufferLike, size: number, byteOffset = 0, byteLength = buf.byteLength - byteOffset): void {
  if (size === 2) {
    const a = new Uint16Array(buf, byteOffset, byteLength / 2);
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      a[i] = ((v & 0xff) << 8) | (v >>> 8);
    }
  } else if (size === 4) {
    const a = new Uint32Array(buf, byteOffset, byteLength / 4);
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      a[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
    }
  } else if (size > 1) {
    const a = new Uint8Array(buf, byteOffset, byteLength);
    for (let i = 0; i < a.length; i += size) {
      for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
        const t = a[lo] as number;
        a[lo] = a[hi] as number;
        a[hi] = t;
      }
    }
  }
}

/** The widest of 4, 2, 1 bytes that divides `voxelBytes` and the absolute source byte offset. */
function unitBytes(voxelBytes: number, absOffset: number): 1 | 2 | 4 {
  for (const u of [4, 2] as const) if (voxelBytes % u === 0 && absOffset % u === 0) return u;
  return 1;
}

function unitView(buf: ArrayBufferLike, byteOffset: number, units: number, u: 1 | 2 | 4): NumArray {
  if (u === 4) return new Uint32Array(buf, byteOffset, units);
  if (u === 2) return new Uint16Array(buf, byteOffset, units);
  return new Uint8Array(buf, byteOffset, units);
}

/**
 * The first volume's voxels in canonical order as an array of the stored type: a permuted copy of
 * raw units (or one memcpy for the identity), then a byte swap in place when the file's byte
 * order is not the host's. When `owned` (the bytes were decompressed here and nobody else holds
 * them), the layout is already canonical, the voxels are aligned and they fill nearly all of the
 * buffer, the array is a view on those bytes instead: no copy at all.
 */
function canonicalStored(
  bytes: Uint8Array,
  offset: number,
  info: Required<DatatypeInfo>,
  walk: Walk,
  fileLittleEndian: boolean,
  owned = false,
): VoxelArray {
  const count = walk.dims[0] * walk.dims[1] * walk.dims[2] * info.channels;
  const start = bytes.byteOffset + offset;
  if (owned && walk.identity && start % info.bytes === 0 && count * info.bytes >= 0.9 * bytes.buffer.byteLength) {
    const view = new info.ctor(bytes.buffer as ArrayBuffer, start, count);
    if (info.bytes > 1 && fileLittleEndian !== HOST_LITTLE_ENDIAN) swapBytes(bytes.buffer, info.bytes, start, count * info.bytes);
    return view;
  }
  const out = new info.ctor(count);
  const outBuf = out.buffer as ArrayBuffer;
  const voxelBytes = info.bytes * info.channels;
  if (walk.identity) {
    new Uint8Array(outBuf).set(bytes.subarray(offset, offset + count * info.bytes));
  } else {
    const abs = bytes.byteOffset + offset;
    const u = unitBytes(voxelBytes, abs);
    const upv = voxelBytes / u;
    const nVoxels = count / info.channels;
    permuteUnits(unitView(bytes.buffer, abs, nVoxels * upv, u), unitView(outBuf, 0, nVoxels * upv, u), walk, upv);
  }
  if (info.bytes > 1 && fileLittleEndian !== HOST_LITTLE_ENDIAN) swapBytes(outBuf, info.bytes);
  return out;
}

/** slope · v + inter into a Float32Array, in canonical order (single channel). */
function canonicalScaled(
  bytes: Uint8Array,
  offset: number,
  info: Required<DatatypeInfo>,
  walk: Walk,
  fileLittleEndian: boolean,
  slope: number,
  inter: number,
): Float32Array {
  const n = walk.dims[0] * walk.dims[1] * walk.dims[2];
  const abs = bytes.byteOffset + offset;
  if (fileLittleEndian === HOST_LITTLE_ENDIAN && abs % info.bytes === 0) {
    // One pass straight from the file bytes.
    const src = new info.ctor(bytes.buffer, abs, n);
    const out = new Float32Array(n);
    const [nx, ny, nz] = walk.dims;
    const [s0, s1, s2] = walk.step;
    let d = 0;
    for (let k = 0, bk = walk.start; k < nz; k++, bk += s2) {
      for (let j = 0, bj = bk; j < ny; j++, bj += s1) {
        for (let i = 0, s = bj; i < nx; i++, s += s0) out[d++] = slope * (src[s] as number) + inter;
      }
    }
    return out;
  }
  const stored = canonicalStored(bytes, offset, info, walk, fileLittleEndian);
  const out = stored instanceof Float32Array ? stored : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = slope * (stored[i] as number) + inter;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reader

/** Largest number of elements read into one typed array. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** What the header says about the voxel data, checked for sense and against the budget. */
interface VolumePlan {
  dt: Required<DatatypeInfo>;
  sourceDims: [number, number, number];
  /** dim[4..7] (1 where unused). */
  extra: number[];
  /** 3-D volumes in the file (the product of dim[4..7]). */
  volumes: number;
  /** Byte offset of the first voxel (vox_offset, or just past the header when it points inside it). */
  offset: number;
  /** Bytes of voxel data in the whole file (every volume). */
  dataBytes: number;
  /** offset + the bytes of the first volume: all a reader keeps. */
  firstVolumeEnd: number;
  /** offset + dataBytes: the least a complete file holds. */
  fileBytes: number;
  /** scl_slope/scl_inter apply (a float32 copy is made). */
  scaled: boolean;
  slope: number;
  inter: number;
  notes: string[];
}

function planVolume(h: Header, fail: (problem: string) => never, budget: ReadBudget): VolumePlan {
  const notes: string[] = [];
  const info = DATATYPES.get(h.datatype);
  if (!info) fail(`unknown datatype code ${h.datatype}`);
  else if (!info.ctor) fail(`unsupported datatype ${h.datatype} (${info.name})`);
  const dt = info as Required<DatatypeInfo>;

  // dim[0] is the number of dimensions (1..7); dims past dim[0] are 1.
  const nd = h.dim[0] as number;
  if (!Number.isInteger(nd) || nd < 1 || nd > 7) fail(`invalid dim[0] = ${nd} (the number of dimensions must be 1 to 7)`);
  const dims: number[] = [];
  for (let i = 1; i <= 7; i++) {
    const d = i <= nd ? (h.dim[i] as number) : 1;
    if (!Number.isInteger(d) || d <= 0) fail(`invalid dim[${i}] = ${d}: every used dimension must be at least 1`);
    dims.push(d);
  }
  const sourceDims: [number, number, number] = [dims[0] as number, dims[1] as number, dims[2] as number];
  const extra = dims.slice(3);
  const volumes = extra.reduce((p, d) => p * d, 1);
  if ((extra[0] as number) > 1) notes.push(`4-D file with ${extra[0]} volumes: using the first`);
  for (let i = 1; i < extra.length; i++) {
    if ((extra[i] as number) > 1) notes.push(`dim[${i + 4}] = ${extra[i]}: using the first`);
  }

  const voxels = sourceDims[0] * sourceDims[1] * sourceDims[2];
  const shape = sourceDims.join(' × ');
  const slope = h.sclSlope;
  const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
  // Scaling (nifti1.h): y = scl_slope · x + scl_inter when scl_slope ≠ 0; not applied to RGB.
  const scaled = dt.channels === 1 && Number.isFinite(slope) && slope !== 0 && (slope !== 1 || inter !== 0);
  const volumeBytes = voxels * dt.bytes * dt.channels;
  const decoded = volumeBytes + (scaled ? voxels * 4 : 0);
  if (decoded > budget.maxDecodedBytes) {
    fail(
      `the header describes a ${shape} volume of ${dt.name} voxels (${formatBytes(decoded)}${scaled ? ' with its scaled float32 copy' : ''}), ` +
        `more than the ${formatBytes(budget.maxDecodedBytes)} one volume may take here`,
    );
  }
  if (voxels * dt.channels > MAX_ELEMENTS) fail(`volume too large to read: ${shape} voxels`);

  let offset = h.voxOffset;
  const minOffset = h.layout.size + EXTENSION_FLAG_BYTES;
  if (!Number.isInteger(offset) || offset < 0) fail(`invalid vox_offset ${offset}`);
  if (offset < minOffset) {
    notes.push(`vox_offset ${offset} is inside the header: reading the voxels from byte ${minOffset}`);
    offset = minOffset;
  }
  const dataBytes = volumeBytes * volumes;
  return { dt, sourceDims, extra, volumes, offset, dataBytes, firstVolumeEnd: offset + volumeBytes, fileBytes: offset + dataBytes, scaled, slope, inter, notes };
}

export interface ReadNiftiOptions {
  /** Limits of this read (default DEFAULT_BUDGET, see budget.ts). */
  budget?: ReadBudget;
  /** Progress of inflating a .nii.gz: compressed bytes consumed and their total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Reads a single-file NIfTI-1 or NIfTI-2 volume (.nii, or .nii.gz: gzip is recognised by its
 * 1f 8b magic, not by the name) and returns it in the canonical RAS+ layout of volume.ts.
 *
 * `data` is a fresh array of the stored type (byte-swapped to the host order, exactly as long as
 * the voxels), except that when scl_slope is finite and nonzero and not the identity scaling
 * (slope 1, inter 0) it is a Float32Array of scl_slope · v + scl_inter. RGB24/RGBA32 are never
 * scaled (nifti1.h). Only the first 3-D volume of a 4- to 7-D file is read, with a note. The
 * volume the header announces is checked against the budget (budget.ts) before it is allocated
 * or inflated. Every problem with the file is an InputFileError naming `name`.
 */
export function readNifti(bytes: Uint8Array, name: string, opts: ReadNiftiOptions = {}): Volume {
  const fail: (problem: string) => never = (problem) => {
    throw new InputFileError(name, problem);
  };
  const budget = opts.budget ?? DEFAULT_BUDGET;
  const gz = isGzip(bytes) ? gunzipNifti(bytes, fail, budget, opts.onProgress) : null;
  const raw = gz ? gz.raw : bytes;
  /** Bytes the file holds once inflated (a .nii.gz keeps only its first volume in `raw`). */
  const fileLength = gz ? gz.inflated : bytes.length;
  const h = parseHeader(raw, fail, /\.nii(\.gz)?$/i.test(name));
  const plan = planVolume(h, fail, budget);
  const { dt, sourceDims, extra, offset, dataBytes, scaled, slope, inter } = plan;
  const notes = [...plan.notes];
  if (fileLength < plan.fileBytes) {
    fail(
      `truncated file: expected ${plan.fileBytes} bytes (vox_offset ${offset} + ${dataBytes} bytes of ${dt.name} voxels, ` +
        `${[...sourceDims, ...extra.filter((d) => d > 1)].join(' × ')}), found ${fileLength}`,
    );
  }

  const storedAffine = headerAffine(h, notes);
  const { perm, flip } = canonicalOrientation(storedAffine);
  const walk = walkOf(sourceDims, perm, flip);
  const affine = canonicalAffine(storedAffine, sourceDims, perm, flip);

  const data = scaled
    ? canonicalScaled(raw, offset, dt, walk, h.littleEndian, slope, inter)
    : canonicalStored(raw, offset, dt, walk, h.littleEndian, gz !== null);
  notes.push(...nonFiniteNotes(data, scaled ? `scl_slope ${slope}, scl_inter ${inter}` : null));

  const spacing = [0, 1, 2].map((a) => {
    const n = Math.hypot(affine[a] as number, affine[4 + a] as number, affine[8 + a] as number);
    return n > 0 && Number.isFinite(n) ? n : 1;
  }) as [number, number, number];

  return {
    data,
    dims: walk.dims,
    channels: dt.channels,
    spacing,
    affine,
    source: {
      name,
      format: h.version === 1 ? 'nifti1' : 'nifti2',
      datatype: dt.bytes > 1 && !h.littleEndian ? `${dt.name} big-endian` : dt.name,
    },
    notes,
    nifti: {
      header: raw.slice(0, h.layout.size),
      littleEndian: h.littleEndian,
      version: h.version,
      sourceDims,
      perm,
      flip,
    },
  };
}

/** A note when float voxels hold NaN or ±∞ (e.g. an scl_slope that scales values past float32's range). */
function nonFiniteNotes(data: VoxelArray, scaling: string | null): string[] {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return [];
  const c = countNonFinite(data);
  if (c.nan + c.inf === 0) return [];
  const parts = [c.nan ? `${c.nan} NaN` : '', c.inf ? `${c.inf} infinite` : ''].filter(Boolean).join(' and ');
  return [`${parts} voxel value(s) of ${data.length}${scaling ? ` after the scaling ${scaling}` : ''}`];
}

/** The voxel → world affine of the stored (source) grid, from a header kept in NiftiGeometry. */
export function sourceAffine(geometry: NiftiGeometry): number[] {
  const h = parseHeader(geometry.header, (problem) => {
    throw new RangeError(`NiftiGeometry header: ${problem}`);
  });
  return headerAffine(h, []);
}

// ---------------------------------------------------------------------------------------------
// Writer

/**
 * Writes a uint8 label volume given in the canonical layout (as readNifti returns it, dims
 * = the canonical dims of `geometry`) as a single-file NIfTI in the source's voxel order,
 * byte order, version and geometry (dims, pixdim, qform, sform are kept), so that readNifti
 * gives back the same labels and affine. Header changes: dim[0] = 3, dim[4..7] = 1,
 * datatype uint8 (2), bitpix 8, vox_offset 352 (NIfTI-1) or 544 (NIfTI-2), scl_slope 1,
 * scl_inter 0, cal_min = cal_max = 0, intent_code NIFTI_INTENT_LABEL (1002) with intent_p* = 0,
 * no extensions.
 */
export function writeNiftiLabels(labels: Uint8Array, geometry: NiftiGeometry, opts: { gzip?: boolean } = {}): Uint8Array {
  const { version, littleEndian: le, sourceDims, perm, flip } = geometry;
  const L = layoutOf(version);
  if (geometry.header.length < L.size) {
    throw new RangeError(`NiftiGeometry header has ${geometry.header.length} bytes, NIfTI-${version} needs ${L.size}`);
  }
  const n = sourceDims[0] * sourceDims[1] * sourceDims[2];
  if (labels.length !== n) {
    throw new RangeError(`labels have ${labels.length} voxels but the volume has ${sourceDims.join(' × ')} = ${n}`);
  }
  const offset = L.size + EXTENSION_FLAG_BYTES;
  const out = new Uint8Array(offset + n);
  out.set(geometry.header.subarray(0, L.size));
  const dv = new DataView(out.buffer);
  const dim = [3, sourceDims[0], sourceDims[1], sourceDims[2], 1, 1, 1, 1];
  dim.forEach((d, i) => writeInt(dv, L.dim + i * L.intBytes, L.intBytes, le, d));
  dv.setInt16(L.datatype, NIFTI_DATATYPES.UINT8, le);
  dv.setInt16(L.bitpix, 8, le);
  if (version === 1) dv.setFloat32(L.voxOffset, offset, le);
  else writeInt(dv, L.voxOffset, 8, le, offset);
  writeFloat(dv, L.sclSlope, L.floatBytes, le, 1);
  writeFloat(dv, L.sclInter, L.floatBytes, le, 0);
  writeFloat(dv, L.calMax, L.floatBytes, le, 0);
  writeFloat(dv, L.calMin, L.floatBytes, le, 0);
  writeInt(dv, L.intentCode, L.codeBytes, le, NIFTI_INTENT_LABEL);
  for (let i = 0; i < 3; i++) writeFloat(dv, L.intentP1 + i * L.floatBytes, L.floatBytes, le, 0);
  out.fill(0, L.intentName, L.intentName + 16);
  if (version === 1) {
    dv.setInt32(V1_GLMAX, 0, le);
    dv.setInt32(V1_GLMIN, 0, le);
  }
  // Bytes L.size .. L.size + 3: extension flag, 0 = no extensions (already zero).

  // Inverse of the reader's walk: canonical voxel d goes to source voxel s.
  const w = walkOf(sourceDims, perm, flip);
  if (w.identity) {
    out.set(labels, offset);
  } else {
    const [nx, ny, nz] = w.dims;
    const [s0, s1, s2] = w.step;
    let d = 0;
    for (let k = 0, bk = w.start + offset; k < nz; k++, bk += s2) {
      for (let j = 0, bj = bk; j < ny; j++, bj += s1) {
        for (let i = 0, s = bj; i < nx; i++, s += s0) out[s] = labels[d++] as number;
      }
    }
  }
  return opts.gzip ? gzipSync(out) : out;
}
