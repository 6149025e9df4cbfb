import { describe, expect, it } from 'vitest';
import { IDENTITY_AFFINE } from '../io/volume';
import { foregroundFraction } from './synthetic';
import { DEFAULT_SYNTHETIC3D, generateSynthetic3D, generateSynthetic3DCase, generateSynthetic3DDataset, resolveSynthetic3DOptions, type Synthetic3DKind } from './synthetic3d';

/** Share of foreground voxels with a background voxel among their 6 face neighbours (inside the volume). */
function surfaceShare(labels: Uint8Array, nx: number, ny: number, nz: number): number {
  let fg = 0;
  let surface = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if (!labels[x + nx * (y + ny * z)]) continue;
        fg++;
        const neighbours = [
          [x - 1, y, z],
          [x + 1, y, z],
          [x, y - 1, z],
          [x, y + 1, z],
          [x, y, z - 1],
          [x, y, z + 1],
        ];
        if (neighbours.some(([a = 0, b = 0, c = 0]) => a >= 0 && b >= 0 && c >= 0 && a < nx && b < ny && c < nz && !labels[a + nx * (b + ny * c)])) surface++;
      }
    }
  }
  return fg > 0 ? surface / fg : 1;
}

/** Number of 26-connected foreground components. */
function components(labels: Uint8Array, nx: number, ny: number, nz: number): number {
  const seen = new Uint8Array(labels.length);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (!labels[start] || seen[start]) continue;
    count++;
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % nx;
      const y = Math.floor(p / nx) % ny;
      const z = Math.floor(p / (nx * ny));
      for (let dz = -1; dz <= 1; dz++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const a = x + dx;
            const b = y + dy;
            const c = z + dz;
            if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
            const q = a + nx * (b + ny * c);
            if (labels[q] && !seen[q]) {
              seen[q] = 1;
              stack.push(q);
            }
          }
        }
      }
    }
  }
  return count;
}

describe('generateSynthetic3D', () => {
  it('returns Cases with a synthetic float32 volume [nx, ny, nz], identity geometry and ids synthetic3d_000…', () => {
    const cases = generateSynthetic3D({ seed: 3, count: 2, width: 16, height: 12, depth: 8 });
    expect(cases.map((c) => c.id)).toEqual(['synthetic3d_000', 'synthetic3d_001']);
    for (const c of cases) {
      expect(c.image.data).toBeInstanceOf(Float32Array);
      expect(c.image.data.length).toBe(16 * 12 * 8);
      expect(c.image.dims).toEqual([16, 12, 8]);
      expect(c.image.channels).toBe(1);
      expect(c.image.spacing).toEqual([1, 1, 1]);
      expect(c.image.affine).toEqual([...IDENTITY_AFFINE]);
      expect(c.image.source).toEqual({ name: c.id, format: 'synthetic', datatype: 'float32' });
      expect(c.image.notes[0]).toMatch(/^synthetic 3D mixed, 2 classes: foreground 2\.995 % of voxels \(target 3\.000 %\)$/); // 46 of 1536
      expect(c.labels).toBeInstanceOf(Uint8Array);
      expect(c.labels.length).toBe(16 * 12 * 8);
      expect(Array.from(c.image.data).every(Number.isFinite)).toBe(true);
    }
  });

  it('is deterministic per seed; case i does not depend on count; seeds and cases differ', () => {
    const opts = { seed: 11, count: 3, width: 16, height: 16, depth: 16 };
    const a = generateSynthetic3D(opts);
    const b = generateSynthetic3D(opts);
    const c = generateSynthetic3D({ ...opts, seed: 12 });
    for (let i = 0; i < 3; i++) {
      expect(b[i]!.image.data).toEqual(a[i]!.image.data);
      expect(b[i]!.labels).toEqual(a[i]!.labels);
    }
    expect(c[0]!.labels).not.toEqual(a[0]!.labels);
    expect(a[1]!.labels).not.toEqual(a[2]!.labels);
    const single = generateSynthetic3DCase(2, opts);
    expect(single.case.labels).toEqual(a[2]!.labels);
    expect(single.case.image.data).toEqual(a[2]!.image.data);
    expect(generateSynthetic3D({ ...opts, seed: '11' })[0]!.labels).not.toEqual(a[0]!.labels); // strings are hashed
  });

  it.each([
    ['tubes', 0.01],
    ['blobs', 0.03],
    ['mixed', 0.03],
    ['mixed', 0.1],
  ] as [Synthetic3DKind, number][])('%s at f = %f: exactly round(f·N) foreground voxels, labels binary', (kind, f) => {
    const d = generateSynthetic3DDataset({ seed: 4, count: 3, kind, foregroundFraction: f });
    const n = 32 ** 3;
    for (const [i, c] of d.cases.entries()) {
      expect(new Set(c.labels)).toEqual(new Set([0, 1]));
      expect(foregroundFraction(c.labels)).toBe(Math.round(f * n) / n);
      expect(Math.abs(foregroundFraction(c.labels) - f)).toBeLessThanOrEqual(0.5 / n);
      expect(d.info[i]!.classVoxels).toEqual([n - Math.round(f * n), Math.round(f * n)]);
    }
    expect(d.achievedFraction).toBeCloseTo(f, 4);
    if (kind !== 'blobs') expect(d.info.every((s) => s.tubes >= 1)).toBe(true);
    if (kind !== 'tubes') expect(d.info.every((s) => s.blobs >= 1)).toBe(true);
  });

  it('tubes are thin (nearly every voxel on the surface); blobs are solid and few', () => {
    const side = 32;
    const tubes = generateSynthetic3D({ seed: 6, count: 3, kind: 'tubes' });
    const blobs = generateSynthetic3DDataset({ seed: 6, count: 3, kind: 'blobs' });
    for (const c of tubes) expect(surfaceShare(c.labels, side, side, side)).toBeGreaterThan(0.85);
    for (const [i, c] of blobs.cases.entries()) {
      expect(surfaceShare(c.labels, side, side, side)).toBeLessThan(0.7);
      // One component per ellipsoid drawn at most (touching ones merge); 1–4 planned, more only to make up the count.
      const drawn = blobs.info[i]!.blobs;
      expect(components(c.labels, side, side, side)).toBeLessThanOrEqual(drawn);
      expect(drawn).toBeLessThanOrEqual(8);
    }
  });

  it('foreground is brighter than background by about the contrast; noise has the set σ', () => {
    const [c] = generateSynthetic3D({ seed: 8, count: 1, texture: 0, noise: 0.1, contrast: 0.4 });
    let fg = 0;
    let nf = 0;
    let bg = 0;
    let bg2 = 0;
    let nb = 0;
    c!.labels.forEach((l, p) => {
      const v = c!.image.data[p]!;
      if (l) {
        fg += v;
        nf++;
      } else {
        bg += v;
        bg2 += v * v;
        nb++;
      }
    });
    const bgMean = bg / nb;
    expect(bgMean).toBeCloseTo(0.4, 2);
    expect(Math.sqrt(bg2 / nb - bgMean * bgMean)).toBeCloseTo(0.1, 2);
    const lift = fg / nf - bgMean;
    expect(lift).toBeGreaterThan(0.4 * 0.8);
    expect(lift).toBeLessThan(0.4 * 1.2);
  });

  it('numClasses 3: blobs are class 2, brighter, and take about blobShare of the foreground', () => {
    const d = generateSynthetic3DDataset({ seed: 9, count: 2, numClasses: 3, width: 24, height: 24, depth: 24, blobShare: 0.4 });
    const n = 24 ** 3;
    const total = Math.round(0.03 * n);
    for (const [i, c] of d.cases.entries()) {
      expect(new Set(c.labels)).toEqual(new Set([0, 1, 2]));
      expect(d.info[i]!.classVoxels).toEqual([n - total, total - Math.round(0.4 * total), Math.round(0.4 * total)]);
      const mean = (cls: number): number => {
        let s = 0;
        let k = 0;
        c.labels.forEach((l, p) => {
          if (l === cls) {
            s += c.image.data[p]!;
            k++;
          }
        });
        return s / k;
      };
      expect(mean(2)).toBeGreaterThan(mean(1));
    }
  });

  it('rejects options out of range, naming the option', () => {
    expect(() => resolveSynthetic3DOptions({ foregroundFraction: 0 })).toThrow(/foregroundFraction must be in \(0, 0\.2\], got 0/);
    expect(() => resolveSynthetic3DOptions({ foregroundFraction: 0.3 })).toThrow(/foregroundFraction/);
    expect(() => resolveSynthetic3DOptions({ depth: 3 })).toThrow(/depth must be an integer in 4…512, got 3/);
    expect(() => resolveSynthetic3DOptions({ width: 16.5 })).toThrow(/width must be an integer/);
    expect(() => resolveSynthetic3DOptions({ blobShare: 1 })).toThrow(/blobShare must be in \(0, 1\)/);
    expect(() => resolveSynthetic3DOptions({ numClasses: 3, kind: 'tubes' })).toThrow(/numClasses 3 needs kind 'mixed'/);
    expect(() => resolveSynthetic3DOptions({ kind: 'vessels' as Synthetic3DKind })).toThrow(/kind must be tubes, blobs or mixed/);
    expect(() => resolveSynthetic3DOptions({ noise: -1 })).toThrow(/noise must be ≥ 0/);
    expect(resolveSynthetic3DOptions({ count: undefined })).toEqual(DEFAULT_SYNTHETIC3D);
    expect(Object.isFrozen(DEFAULT_SYNTHETIC3D)).toBe(true);
  });
});
