/**
 * Dataset I/O benchmark (npm run bench). Prints, measured in one run on this machine:
 * - .nii.gz load time as a ratio to plain gunzip of the same bytes (aim < 1.5×), for a
 *   240×240×155 volume (BraTS size) stored int16 and float32, RAS and LPS, and for every
 *   Task04_Hippocampus case in ../shared/data when present;
 * - peak memory of reading the 240×240×155 volume, as a multiple of its raw voxel bytes
 *   (aim < 3×), measured as the rise of the peak resident set size in a fresh process.
 * Results also go to the JSON file named by BENCH_OUT (default bench-results.json) under "io".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'fflate';
import { readNifti } from '../../src/core/io/nifti';
import { encodeNifti } from '../../src/core/io/testing/nifti-fixtures';

const DIMS = [240, 240, 155] as const;
const VOXELS = DIMS[0] * DIMS[1] * DIMS[2];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Interleaved timings of gunzip and readNifti on the same bytes; the ratio of the medians. */
function ratio(bytes: Uint8Array, reps = 7): { gunzipMs: number; readMs: number; ratio: number } {
  const g: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    let t = performance.now();
    gunzipSync(bytes);
    const gt = performance.now() - t;
    t = performance.now();
    readNifti(bytes, 'bench.nii.gz');
    const rt = performance.now() - t;
    if (i > 0) {
      g.push(gt);
      r.push(rt);
    }
  }
  return { gunzipMs: median(g), readMs: median(r), ratio: median(r) / median(g) };
}

function brainLike(datatype: 4 | 16): ArrayLike<number> {
  // A smooth ellipsoid of tissue with noise: compresses like an MRI volume, not like zeros.
  const out = datatype === 4 ? new Int16Array(VOXELS) : new Float32Array(VOXELS);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let z = 0; z < DIMS[2]; z++)
    for (let y = 0; y < DIMS[1]; y++)
      for (let x = 0; x < DIMS[0]; x++) {
        const e = ((x - 120) / 80) ** 2 + ((y - 120) / 95) ** 2 + ((z - 77) / 65) ** 2;
        out[x + DIMS[0] * (y + DIMS[1] * z)] = e < 1 ? 400 + 300 * Math.cos(x / 7) * Math.sin(y / 9) + 40 * rand() : 0;
      }
  return out;
}

/**
 * The process's peak resident set size in bytes: VmHWM of /proc/self/status on Linux (per
 * address space, so a child does not inherit its parent's peak as getrusage's maxrss does
 * across exec), else getrusage.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** In a fresh process: peak RSS rise while reading one file, in bytes. */
function peakChild(mode: 'read' | 'gunzip', file: string): number {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'peak', mode, file], { encoding: 'utf8' });
  return Number(JSON.parse(out).riseBytes);
}

function peakMode(mode: string, file: string): void {
  const bytes = new Uint8Array(readFileSync(file));
  // Touch the code paths once on a tiny file so that the measured rise is the data, not the JIT.
  readNifti(encodeNifti({ dims: [4, 4, 4], datatype: 4, values: new Int16Array(64), gzip: true }), 'warm.nii.gz');
  gunzipSync(encodeNifti({ dims: [4, 4, 4], datatype: 4, values: new Int16Array(64), gzip: true }));
  const before = peakRss();
  const kept = mode === 'read' ? readNifti(bytes, file).data : gunzipSync(bytes);
  const after = peakRss();
  process.stdout.write(JSON.stringify({ riseBytes: after - before, kept: kept.length }));
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'studio-bench-'));
  const rows: { case: string; gunzipMs: number; readMs: number; ratio: number; peakX?: number; gunzipPeakX?: number }[] = [];
  const cases: [string, 4 | 16, boolean][] = [
    ['240×240×155 int16, RAS', 4, false],
    ['240×240×155 int16, LPS (reoriented)', 4, true],
    ['240×240×155 float32, RAS', 16, false],
    ['240×240×155 float32, LPS (reoriented)', 16, true],
  ];
  for (const [label, datatype, lps] of cases) {
    const bytes = encodeNifti({
      dims: [...DIMS],
      datatype,
      values: brainLike(datatype),
      gzip: true,
      ...(lps ? { qform: { code: 1, b: 0, c: 0, d: 1 } } : {}),
    });
    const file = join(dir, `${datatype}-${lps ? 'lps' : 'ras'}.nii.gz`);
    writeFileSync(file, bytes);
    const raw = VOXELS * (datatype === 4 ? 2 : 4);
    const t = ratio(bytes);
    rows.push({ case: label, ...t, peakX: peakChild('read', file) / raw, gunzipPeakX: peakChild('gunzip', file) / raw });
  }
  const task = join(process.cwd(), '..', 'shared', 'data', 'Task04_Hippocampus');
  let hippocampus: { cases: number; gunzipMs: number; readMs: number; ratio: number } | null = null;
  if (existsSync(task)) {
    const files = readdirSync(join(task, 'imagesTr')).flatMap((f) => [join(task, 'imagesTr', f), join(task, 'labelsTr', f)]);
    const all = files.map((f) => new Uint8Array(readFileSync(f)));
    const g: number[] = [];
    const r: number[] = [];
    for (let rep = 0; rep < 4; rep++) {
      let t = performance.now();
      for (const b of all) gunzipSync(b);
      const gt = performance.now() - t;
      t = performance.now();
      for (const [i, b] of all.entries()) readNifti(b, files[i] ?? '');
      const rt = performance.now() - t;
      if (rep > 0) {
        g.push(gt);
        r.push(rt);
      }
    }
    hippocampus = { cases: all.length, gunzipMs: median(g), readMs: median(r), ratio: median(r) / median(g) };
  }

  console.log('\nNIfTI loading (ratios measured in this run; aims: load ≤ 1.5× gunzip, peak ≤ 3× raw)\n');
  console.log('| volume | gunzip ms | read ms | read ÷ gunzip | peak ÷ raw (read) | peak ÷ raw (gunzip alone) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.case} | ${r.gunzipMs.toFixed(1)} | ${r.readMs.toFixed(1)} | ${r.ratio.toFixed(2)}× | ${r.peakX?.toFixed(2)}× | ${r.gunzipPeakX?.toFixed(2)}× |`);
  }
  if (hippocampus) {
    console.log(
      `| Task04_Hippocampus, all ${hippocampus.cases} files | ${hippocampus.gunzipMs.toFixed(1)} | ${hippocampus.readMs.toFixed(1)} | ${hippocampus.ratio.toFixed(2)}× | | |`,
    );
  } else console.log('(../shared/data/Task04_Hippocampus not found: real-data row skipped)');

  const out = process.env.BENCH_OUT ?? 'bench-results.json';
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(out, JSON.stringify({ ...previous, io: { niftiLoad: rows, hippocampus } }, null, 2));
  console.log(`\nwritten to ${out}`);
}

if (process.argv[2] === 'peak') peakMode(process.argv[3] ?? 'read', process.argv[4] ?? '');
else main();
