import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import type { Case } from './types';
import {
  BRATS_SPACING,
  batchArrays3D,
  cropVolume,
  cropVolumeData,
  extractPatch3D,
  foregroundIndex3D,
  gaussianImportance3D,
  KITS_SPACING,
  normalizeSample3D,
  padVolumeTo,
  padVolumeToMultiple,
  resampledSize,
  resampleLabelsTo,
  resampleProbabilitiesTo,
  resampleProbabilitiesToLabels,
  resampleSampleTo,
  resampleTrilinear,
  resampleVolume,
  sample3DFromCase,
  samplePatch3D,
  slidingWindows3D,
  spacingAfterResampling,
  type Sample3D,
  type Size3D,
} from './volume3d';

/** A volume whose image is a pseudo-random field (2 channels) and labels random classes 0…K−1. */
function randomSample(width: number, height: number, depth: number, seed: number, classes = 3, channels = 2): Sample3D {
  const rng = createRng(seed);
  const n = width * height * depth;
  const image = Float32Array.from({ length: n * channels }, () => rng.uniform(-2, 2));
  const labels = Uint8Array.from({ length: n }, () => rng.int(classes));
  return { width, height, depth, channels, image, labels, roi: Uint8Array.from({ length: n }, () => rng.int(2)) };
}

/** A sample with the given foreground voxels (x, y, z, class); image value = voxel index. */
function sparseSample(width: number, height: number, depth: number, fg: [number, number, number, number][]): Sample3D {
  const n = width * height * depth;
  const labels = new Uint8Array(n);
  for (const [x, y, z, c] of fg) labels[(z * height + y) * width + x] = c;
  return { width, height, depth, channels: 1, image: Float32Array.from({ length: n }, (_, i) => i), labels };
}

const idx = (s: Size3D, x: number, y: number, z: number) => (z * s.height + y) * s.width + x;

describe('resampling', () => {
  it('sizes follow n′ = max(1, round(n·s/t)) per axis ([x, y, z] spacing)', () => {
    // a KiTS-like CT: 512 × 512 × 64 slices at 0.78 × 0.78 × 5 mm → the paper's 1.62 × 1.62 × 3.22 mm
    expect(resampledSize([512, 512, 64], [0.78, 0.78, 5], KITS_SPACING)).toEqual({ width: 247, height: 247, depth: 99 });
    expect(resampledSize({ width: 240, height: 240, depth: 155 }, [1, 1, 1], BRATS_SPACING)).toEqual({ width: 240, height: 240, depth: 155 });
    expect(resampledSize([10, 3, 1], [1, 1, 1], [4, 8, 100])).toEqual({ width: 3, height: 1, depth: 1 });
    expect(spacingAfterResampling([10, 10, 10], [3, 4, 5], [1, 1, 1])).toEqual([10 / 3, 2.5, 2]);
  });

  it('rejects zero, negative, NaN and infinite spacings with a clear message', () => {
    const s = randomSample(4, 4, 4, 1);
    for (const bad of [
      [0, 1, 1],
      [1, -1, 1],
      [1, 1, Number.NaN],
      [1, Infinity, 1],
    ] as const) {
      expect(() => resampleVolume(s, bad, [1, 1, 1])).toThrow(/source spacing must be three positive finite voxel sizes in mm \[x, y, z\]/);
      expect(() => resampleVolume(s, [1, 1, 1], bad)).toThrow(/target spacing must be/);
    }
    expect(() => resampleVolume(s, [1, 1] as unknown as [number, number, number], [1, 1, 1])).toThrow(/source spacing/);
  });

  it('identity spacing returns the same voxels', () => {
    const s = randomSample(5, 4, 3, 2);
    const r = resampleVolume(s, [0.7, 0.7, 2.5], [0.7, 0.7, 2.5]);
    expect(r.image).toEqual(s.image);
    expect(r.labels).toEqual(s.labels);
    expect(r.roi).toEqual(s.roi);
    expect(r.image).not.toBe(s.image);
  });

  it('labels up by an integer factor and back down are exact (factors 2 and 3, per axis)', () => {
    const s = randomSample(7, 5, 4, 3, 4);
    for (const [fx, fy, fz] of [
      [2, 2, 2],
      [3, 1, 2],
      [1, 3, 3],
    ] as const) {
      const up = { width: 7 * fx, height: 5 * fy, depth: 4 * fz };
      const u = resampleLabelsTo(s.labels, s, up);
      // every up-sampled voxel copies the source voxel it lies in
      for (let z = 0; z < up.depth; z++) {
        for (let y = 0; y < up.height; y++) {
          for (let x = 0; x < up.width; x++) {
            expect(u[idx(up, x, y, z)]).toBe(s.labels[idx(s, Math.floor(x / fx), Math.floor(y / fy), Math.floor(z / fz))]);
          }
        }
      }
      expect(resampleLabelsTo(u, up, s)).toEqual(s.labels);
    }
    // the same round trip through spacings: 2 mm → 1 mm → 2 mm
    const there = resampleVolume(s, [2, 2, 2], [1, 1, 1]);
    expect([there.width, there.height, there.depth]).toEqual([14, 10, 8]);
    expect(resampleVolume(there, [1, 1, 1], [2, 2, 2]).labels).toEqual(s.labels);
    expect(resampleVolume(there, [1, 1, 1], [2, 2, 2]).roi).toEqual(s.roi);
  });

  it('trilinear interpolation of a linear ramp is exact (down-sampling, and up-sampling away from the clamped border)', () => {
    const src = { width: 12, height: 10, depth: 8 };
    const ramp = (x: number, y: number, z: number) => 0.5 * x - 1.25 * y + 2 * z + 3;
    const data = new Float32Array(12 * 10 * 8 * 2);
    for (let z = 0; z < 8; z++) {
      for (let y = 0; y < 10; y++) {
        for (let x = 0; x < 12; x++) {
          data[idx(src, x, y, z) * 2] = ramp(x, y, z);
          data[idx(src, x, y, z) * 2 + 1] = -ramp(x, y, z);
        }
      }
    }
    for (const dst of [
      { width: 6, height: 5, depth: 4 },
      { width: 5, height: 7, depth: 3 },
      { width: 18, height: 15, depth: 12 },
    ]) {
      const out = resampleTrilinear(data, src, 2, dst);
      let worst = 0;
      let checked = 0;
      for (let z = 0; z < dst.depth; z++) {
        for (let y = 0; y < dst.height; y++) {
          for (let x = 0; x < dst.width; x++) {
            const xs = ((x + 0.5) * src.width) / dst.width - 0.5;
            const ys = ((y + 0.5) * src.height) / dst.height - 0.5;
            const zs = ((z + 0.5) * src.depth) / dst.depth - 0.5;
            if (xs < 0 || ys < 0 || zs < 0 || xs > src.width - 1 || ys > src.height - 1 || zs > src.depth - 1) continue;
            const want = ramp(xs, ys, zs);
            worst = Math.max(worst, Math.abs(out[idx(dst, x, y, z) * 2]! - want), Math.abs(out[idx(dst, x, y, z) * 2 + 1]! + want));
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('resampleSampleTo keeps labels within the source classes; probabilities resample trilinearly then argmax', () => {
    const s = randomSample(6, 6, 6, 4, 3);
    const r = resampleSampleTo(s, [9, 4, 11]);
    expect([r.width, r.height, r.depth, r.image.length]).toEqual([9, 4, 11, 9 * 4 * 11 * 2]);
    expect(new Set(r.labels).size).toBeLessThanOrEqual(3);
    // one-hot probabilities at the same grid give the labels back; on an aligned 2× grid too
    const probs = new Float32Array(6 * 6 * 6 * 3);
    s.labels.forEach((l, i) => (probs[i * 3 + l] = 1));
    expect(resampleProbabilitiesToLabels(probs, 3, s, s)).toEqual(s.labels);
    const up = { width: 12, height: 12, depth: 12 };
    const pUp = resampleProbabilitiesTo(probs, 3, s, up);
    for (let v = 0; v < 12 ** 3; v++) expect(pUp[3 * v]! + pUp[3 * v + 1]! + pUp[3 * v + 2]!).toBeCloseTo(1, 5);
    // the streaming argmax equals argmax of the materialised probabilities
    const down = { width: 4, height: 5, depth: 3 };
    const pDown = resampleProbabilitiesTo(pUp, 3, up, down);
    const am = Uint8Array.from({ length: 60 }, (_, v) => {
      const p = [pDown[3 * v]!, pDown[3 * v + 1]!, pDown[3 * v + 2]!];
      return p.indexOf(Math.max(...p));
    });
    expect(resampleProbabilitiesToLabels(pUp, 3, up, down)).toEqual(am);
    expect(() => resampleProbabilitiesTo(probs, 1, s, up)).toThrow(/classes/);
    expect(() => resampleLabelsTo(s.labels, [6, 6, 5], up)).toThrow(/labels has 216 values, expected 6×6×5×1/);
  });
});

describe('padding and cropping', () => {
  it('pads centred (⌊extra/2⌋ before) with zeros and crops back to the original', () => {
    const s = randomSample(3, 4, 2, 5);
    const { sample: p, crop } = padVolumeTo(s, 5, 7, 6);
    expect(crop).toEqual({ x: 1, y: 1, z: 1, width: 3, height: 4, depth: 2 });
    expect([p.width, p.height, p.depth]).toEqual([6, 7, 5]);
    expect(p.image[0]).toBe(0);
    expect(p.image[idx(p, 1, 1, 1) * 2 + 1]).toBe(s.image[1]);
    expect(p.roi!.reduce((a, b) => a + b, 0)).toBe(s.roi!.reduce((a, b) => a + b, 0));
    const back = cropVolume(p, crop);
    expect(back).toEqual(s);
    expect(() => padVolumeTo(s, 1, 7, 6)).toThrow(/cannot pad 3×4×2 to 6×7×1/);
    const m = padVolumeToMultiple(s, 4);
    expect([m.sample.width, m.sample.height, m.sample.depth]).toEqual([4, 4, 4]);
  });

  it("'edge' padding repeats the nearest border voxel; labels are still 0 outside", () => {
    const s = sparseSample(2, 2, 2, [[1, 1, 1, 1]]);
    const { sample: p, crop } = padVolumeTo(s, 4, 4, 4, 'edge');
    expect(p.image[idx(p, 0, 0, 0)]).toBe(0);
    expect(p.image[idx(p, 3, 3, 3)]).toBe(7);
    expect(p.image[idx(p, 3, 0, 2)]).toBe(s.image[idx(s, 1, 0, 1)]);
    expect(p.labels.reduce((a, b) => a + b, 0)).toBe(1);
    expect(cropVolume(p, crop)).toEqual(s);
    expect(() => cropVolumeData(p.labels, p, 1, { ...crop, x: 3 })).toThrow(/not inside 4×4×4/);
  });

  it('extractPatch3D copies voxels and channels and zero-fills outside', () => {
    const s = randomSample(4, 3, 2, 6);
    const p = extractPatch3D(s, -1, 1, 1, { width: 3, height: 3, depth: 2 });
    expect(Array.from(p.image.subarray(0, 6))).toEqual([0, 0, ...Array.from(s.image.subarray(idx(s, 0, 1, 1) * 2, idx(s, 2, 1, 1) * 2))]);
    expect(p.labels[idx(p, 1, 0, 0)]).toBe(s.labels[idx(s, 0, 1, 1)]);
    expect(p.labels.subarray(idx(p, 0, 0, 1))).toEqual(new Uint8Array(9));
    expect(p.roi![idx(p, 0, 0, 0)]).toBe(0);
  });
});

describe('samplePatch3D', () => {
  const patch = { width: 8, height: 6, depth: 4 };

  it('every patch lies inside the volume; with p = 1 every patch contains foreground', () => {
    const s = sparseSample(30, 20, 12, [
      [0, 0, 0, 1],
      [29, 19, 11, 2],
      [15, 10, 6, 1],
    ]);
    const fg = foregroundIndex3D(s.labels);
    expect(fg.classes).toEqual([1, 2]);
    const rng = createRng(7);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const p = samplePatch3D(s, patch, rng, { foregroundProbability: 1, foreground: fg });
      expect(p.x >= 0 && p.y >= 0 && p.z >= 0 && p.x + 8 <= 30 && p.y + 6 <= 20 && p.z + 4 <= 12).toBe(true);
      expect(p.centredOnForeground).toBe(true);
      expect(p.sample.labels.some((v) => v > 0)).toBe(true);
      // the patch holds exactly the voxels at its origin
      expect(p.sample.image[0]).toBe(idx(s, p.x, p.y, p.z));
      seen.add(`${p.x},${p.y},${p.z}`);
    }
    // the central voxel (15, 10, 6) gives origin (11, 7, 4); the corners are clamped
    expect([...seen].sort()).toEqual(['0,0,0', '11,7,4', '22,14,8']);
  });

  it('with p = 0 origins are uniform over the valid range (χ² per axis) and the patch is random', () => {
    const s = sparseSample(17, 9, 7, [[8, 4, 3, 1]]);
    const n = 2000;
    const counts = [new Array<number>(10).fill(0), new Array<number>(4).fill(0), new Array<number>(4).fill(0)];
    let centred = 0;
    for (let i = 0; i < n; i++) {
      const p = samplePatch3D(s, patch, createRng(9).fork(i), 0);
      if (p.centredOnForeground) centred++;
      counts[0]![p.x]!++;
      counts[1]![p.y]!++;
      counts[2]![p.z]!++;
    }
    expect(centred).toBe(0);
    for (const c of counts) {
      const e = n / c.length;
      const chi2 = c.reduce((a, o) => a + (o - e) ** 2 / e, 0);
      // 99.9 % quantile of χ² with 9 degrees of freedom is 27.9
      expect(chi2).toBeLessThan(27.9);
    }
  });

  it('a sample smaller than the patch is zero-padded; the draw is deterministic per seed', () => {
    const s = sparseSample(5, 4, 2, [[2, 2, 1, 1]]);
    const p = samplePatch3D(s, patch, createRng(2), 1);
    expect([p.sample.width, p.sample.height, p.sample.depth]).toEqual([8, 6, 4]);
    expect(p.x).toBeLessThanOrEqual(0);
    expect(p.x).toBeGreaterThanOrEqual(5 - 8);
    expect(p.z).toBeGreaterThanOrEqual(2 - 4);
    expect(p.sample.labels.reduce((a, b) => a + b, 0)).toBe(1);
    const big = randomSample(20, 20, 20, 8);
    const a = samplePatch3D(big, patch, createRng(3).fork('sample 1'));
    const b = samplePatch3D(big, patch, createRng(3).fork('sample 1'));
    const c = samplePatch3D(big, patch, createRng(4).fork('sample 1'));
    expect([a.x, a.y, a.z, a.centredOnForeground]).toEqual([b.x, b.y, b.z, b.centredOnForeground]);
    expect(a.sample).toEqual(b.sample);
    expect([a.x, a.y, a.z]).not.toEqual([c.x, c.y, c.z]);
  });
});

describe('slidingWindows3D and gaussianImportance3D', () => {
  it('covers every voxel, stays inside, starts at 0, ends flush and follows the per-axis nnU-Net steps', () => {
    for (const dims of [
      [20, 20, 20],
      [37, 24, 50],
      [16, 9, 33],
    ] as const) {
      for (const overlap of [0, 0.5, 0.75]) {
        const p = { width: 16, height: 8, depth: 12 };
        const wins = slidingWindows3D(dims, p, overlap);
        const s = { width: dims[0], height: dims[1], depth: dims[2] };
        const cover = new Uint8Array(dims[0] * dims[1] * dims[2]);
        for (const w of wins) {
          expect(w.x >= 0 && w.y >= 0 && w.z >= 0 && w.x + w.width <= s.width && w.y + w.height <= s.height && w.z + w.depth <= s.depth).toBe(true);
          for (let z = w.z; z < w.z + w.depth; z++) for (let y = w.y; y < w.y + w.height; y++) cover.fill(1, idx(s, w.x, y, z), idx(s, w.x + w.width, y, z));
        }
        expect(cover.indexOf(0)).toBe(-1);
        expect(Math.max(...wins.map((w) => w.z))).toBe(s.depth - p.depth);
        expect(Math.min(...wins.map((w) => w.z))).toBe(0);
      }
    }
    // nnU-Net: 100 voxels, window 64, step ½ → 0, 18, 36 along each axis
    const w = slidingWindows3D([100, 64, 100], { width: 64, height: 64, depth: 64 });
    expect(w.map((v) => [v.x, v.y, v.z])).toEqual([0, 18, 36].flatMap((z) => [0, 18, 36].map((x) => [x, 0, z])));
    expect(slidingWindows3D([8, 8, 8], { width: 16, height: 16, depth: 16 })).toEqual([{ x: 0, y: 0, z: 0, width: 16, height: 16, depth: 16 }]);
    expect(() => slidingWindows3D([8, 8, 8], { width: 4, height: 4, depth: 4 }, 1)).toThrow(/overlap/);
  });

  it('the importance map peaks at 1 in the centre, is a product of per-axis Gaussians with σ = s/8 and positive everywhere', () => {
    const p = { width: 17, height: 9, depth: 33 };
    const g = gaussianImportance3D(p);
    expect(g[idx(p, 8, 4, 16)]).toBeCloseTo(1, 6);
    expect(Math.min(...g)).toBeGreaterThan(0);
    // one step of σ along z from the centre: e^(−½)
    expect(g[idx(p, 8, 4, 20)]).toBeCloseTo(Math.exp(-(4 ** 2) / (2 * (33 / 8) ** 2)), 6);
    expect(g[idx(p, 0, 4, 16)]).toBeCloseTo(Math.exp(-(8 ** 2) / (2 * (17 / 8) ** 2)), 6);
  });
});

describe('batches and conversion', () => {
  it('batchArrays3D writes x [B, D, H, W, C] and one-hot y, cutting patches from larger volumes reproducibly', () => {
    const a = randomSample(4, 3, 2, 10);
    const big = randomSample(9, 7, 5, 11);
    const r = batchArrays3D([a, big], [0, 1, 0], createRng(1), { numClasses: 3 });
    expect(r.shape).toEqual({ batch: 3, depth: 2, height: 3, width: 4, channels: 2, classes: 3 });
    expect(r.x.subarray(0, a.image.length)).toEqual(a.image);
    expect(r.x.subarray(2 * a.image.length)).toEqual(a.image);
    for (let v = 0; v < 24; v++) {
      expect(r.y[v * 3 + a.labels[v]!]).toBe(1);
      expect(r.y[v * 3]! + r.y[v * 3 + 1]! + r.y[v * 3 + 2]!).toBe(1);
    }
    const again = batchArrays3D([a, big], [1], createRng(1), { numClasses: 3, patch: a });
    expect(again.x).toEqual(r.x.subarray(a.image.length, 2 * a.image.length));
    expect(() => batchArrays3D([a], [0], createRng(1), { numClasses: 2 })).toThrow(/label 2 in sample 0 is not a class of a 2-class model/);
    expect(() => batchArrays3D([a], [3], createRng(1), { numClasses: 3 })).toThrow(/out of range/);
  });

  it('sample3DFromCase maps [nx, ny, nz] to width, height, depth; normalizeSample3D z-scores the volume', () => {
    const c: Case = {
      id: 'ct',
      labels: new Uint8Array(24),
      image: {
        data: Int16Array.from({ length: 24 }, (_, i) => i * 10 - 100),
        dims: [4, 3, 2],
        channels: 1,
        spacing: [0.8, 0.8, 2.5],
        affine: [],
        source: { name: 'ct.nii', format: 'nifti1', datatype: 'int16' },
        notes: [],
      },
    };
    const s = sample3DFromCase(c);
    expect([s.width, s.height, s.depth, s.channels]).toEqual([4, 3, 2, 1]);
    expect(s.image[23]).toBe(130);
    const n = normalizeSample3D(s, { window: { lo: -79, hi: 304 } });
    expect(n.sample.depth).toBe(2);
    const mean = n.sample.image.reduce((a, b) => a + b, 0) / 24;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(n.sample.image[0]).toBe(n.sample.image[2]); // −100 and −80 both clamp to −79
  });
});
