import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENTATION, NO_AUGMENTATION, type AugmentationConfig } from './augment';
import {
  ANISOTROPY_THRESHOLD,
  augment3D,
  augmentationMatrix3D,
  augmentPatch3D,
  drawAugmentation3D,
  ELASTIC_ALPHA_3D_FACTOR,
  elasticField3D,
  fixedAxisForSpacing,
  NO_AUGMENTATION_3D,
  type AppliedAugmentation3D,
} from './augment3d';
import { createRng } from './rng';
import { extractPatch3D, type Sample3D } from './volume3d';

/** A volume whose image and labels are functions of the voxel position (x, y, z). */
function volume(W: number, H: number, D: number, image: (x: number, y: number, z: number) => number, label: (x: number, y: number, z: number) => number = () => 0, channels = 1): Sample3D {
  const n = W * H * D;
  const img = new Float32Array(n * channels);
  const labels = new Uint8Array(n);
  const roi = new Uint8Array(n);
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (z * H + y) * W + x;
        for (let c = 0; c < channels; c++) img[i * channels + c] = image(x, y, z) + 1000 * c;
        labels[i] = label(x, y, z);
        roi[i] = (x + y + z) % 2;
      }
    }
  }
  return { width: W, height: H, depth: D, channels, image: img, labels, roi };
}

/** A random volume (distinct values everywhere) and random labels in 0…3. */
function randomVolume(W: number, H: number, D: number, seed: number, channels = 1): Sample3D {
  const r = createRng(seed);
  return volume(W, H, D, () => r.uniform(-2, 2), () => r.int(4), channels);
}

const only = (over: Partial<AugmentationConfig>): AugmentationConfig => ({ ...NO_AUGMENTATION, ...over });
const ALL: AugmentationConfig = {
  scale: { probability: 1, range: [0.85, 1.25] },
  rotation: { probability: 1, maxDegrees: 15 },
  mirror: { probability: 0.5, horizontal: true, vertical: false },
  elastic: { probability: 1, alpha: [0, 200], sigma: [9, 13] },
  brightness: { probability: 0, range: [0.5, 2] },
};

describe('3-D augmentation', () => {
  it('nothing applied (every probability 0, or an identity warp) gives the plain patch bit for bit, from inside or across the border', () => {
    const v = randomVolume(20, 18, 16, 1, 2);
    for (const origin of [[2, 3, 4], [-3, 10, 12], [0, 0, 0]] as const) {
      const patch = { width: 12, height: 10, depth: 8 };
      const plain = extractPatch3D(v, origin[0], origin[1], origin[2], patch);
      const drawn = drawAugmentation3D(createRng(9), NO_AUGMENTATION);
      expect(drawn).toEqual(NO_AUGMENTATION_3D);
      expect(augmentPatch3D(v, origin, patch, drawn)).toEqual(plain);
      // the warp path with identity parameters (zoom 1, angles 0) samples the same voxels exactly
      const identity: AppliedAugmentation3D = { scale: 1, rotationDegrees: [0, 0, 0], mirror: { x: false, y: false, z: false } };
      const warped = augmentPatch3D(v, origin, patch, identity);
      expect(warped.image).toEqual(plain.image);
      expect(warped.labels).toEqual(plain.labels);
      expect(warped.roi).toEqual(plain.roi);
    }
  });

  it('a 90° rotation about z and mirrors permute voxels exactly', () => {
    const N = 10;
    const v = randomVolume(N, N, N, 2, 2);
    const at = (x: number, y: number, z: number) => (z * N + y) * N + x;
    // q = C + R_z(90°)·(p − c): q_x = c − (y − c) = N−1−y, q_y = x, q_z = z
    const rot = augmentPatch3D(v, [0, 0, 0], { width: N, height: N, depth: N }, { rotationDegrees: [0, 0, 90], mirror: { x: false, y: false, z: false } });
    const mir = augmentPatch3D(v, [0, 0, 0], { width: N, height: N, depth: N }, { mirror: { x: true, y: false, z: true } });
    for (let z = 0; z < N; z++) {
      for (let y = 0; y < N; y++) {
        for (let x = 0; x < N; x++) {
          const r = at(N - 1 - y, x, z);
          const m = at(N - 1 - x, y, N - 1 - z);
          const o = at(x, y, z);
          expect(rot.labels[o]).toBe(v.labels[r]);
          expect(rot.roi![o]).toBe(v.roi![r]);
          expect(mir.labels[o]).toBe(v.labels[m]);
          for (let c = 0; c < 2; c++) {
            expect(rot.image[o * 2 + c]).toBe(v.image[r * 2 + c]);
            expect(mir.image[o * 2 + c]).toBe(v.image[m * 2 + c]);
          }
        }
      }
    }
  });

  it('a patch is sampled from the whole volume around its centre: a rotation brings in no empty corners', () => {
    const v = volume(40, 40, 40, () => 1);
    const a: AppliedAugmentation3D = { rotationDegrees: [15, -15, 15], scale: 0.85, mirror: { x: false, y: false, z: false } };
    const p = augmentPatch3D(v, [12, 12, 12], { width: 16, height: 16, depth: 16 }, a);
    expect(Math.min(...p.image)).toBeCloseTo(1, 5);
    // the same transform of the volume cut to the patch first leaves its corners at 0 (the mean)
    const cut = extractPatch3D(v, 12, 12, 12, { width: 16, height: 16, depth: 16 });
    const q = augmentPatch3D(cut, [0, 0, 0], cut, a);
    expect(Math.min(...q.image)).toBe(0);
  });

  it('labels keep their values (nearest neighbour) and image and labels move together under random transforms', () => {
    // a tilted box of label 5 and image 10 inside a larger volume of label 2 and image 0, border label 0
    const inBox = (x: number, y: number, z: number) => Math.abs(x - 15 + 0.5 * (y - 15)) < 6 && Math.abs(y - 15) < 5 && Math.abs(z - 15 + 0.3 * (x - 15)) < 7;
    const v = volume(30, 30, 30, (x, y, z) => (inBox(x, y, z) ? 10 : 0), (x, y, z) => (inBox(x, y, z) ? 5 : x === 0 ? 0 : 2));
    const rng = createRng(3);
    let boxVoxels = 0;
    for (let t = 0; t < 12; t++) {
      const { sample, applied } = augment3D(v, rng.fork(t), ALL);
      expect(applied.scale).toBeDefined();
      const values = new Set(sample.labels);
      for (const l of values) expect([0, 2, 5]).toContain(l);
      for (let i = 0; i < sample.labels.length; i++) {
        // the nearest voxel has trilinear weight ≥ 1/8: a box voxel's image ≥ 10/8, others ≤ 10·7/8
        if (sample.labels[i] === 5) {
          boxVoxels++;
          expect(sample.image[i]).toBeGreaterThanOrEqual(1.25 - 1e-5);
        } else {
          expect(sample.image[i]).toBeLessThanOrEqual(8.75 + 1e-5);
        }
      }
    }
    expect(boxVoxels).toBeGreaterThan(1000);
  });

  it('is deterministic per seed, each transform from its own stream', () => {
    const v = randomVolume(12, 12, 12, 4);
    const a = augment3D(v, createRng(7), ALL);
    const b = augment3D(v, createRng(7), ALL);
    expect(b).toEqual(a);
    expect(augment3D(v, createRng(8), ALL).sample.image).not.toEqual(a.sample.image);
    // switching brightness on leaves the geometric draws unchanged
    const withBrightness = drawAugmentation3D(createRng(7), { ...ALL, brightness: { probability: 1, range: [0.5, 2] } });
    expect({ ...withBrightness, brightness: undefined }).toEqual({ ...a.applied, brightness: undefined });
    // the mirror fork draws x, y, z in order
    const m = createRng(7).fork('mirror');
    expect(a.applied.mirror).toEqual({ x: m.bernoulli(0.5), y: m.bernoulli(0.5), z: m.bernoulli(0.5) });
  });

  it('draws three independent angles within ±maxDegrees, one zoom, and the 3-D elastic α', () => {
    const cfg = only({ rotation: { probability: 1, maxDegrees: 15 }, scale: { probability: 1, range: [0.85, 1.25] }, elastic: { probability: 1, alpha: [0, 200], sigma: [9, 13] } });
    const angles: number[][] = [[], [], []];
    for (let i = 0; i < 200; i++) {
      const a = drawAugmentation3D(createRng(i), cfg);
      a.rotationDegrees!.forEach((d, k) => angles[k]!.push(d));
      expect(a.scale!).toBeGreaterThanOrEqual(0.85);
      expect(a.scale!).toBeLessThan(1.25);
      expect(a.elastic!.alpha).toBeLessThanOrEqual(200 * ELASTIC_ALPHA_3D_FACTOR);
      expect(a.elastic!.sigma).toBeGreaterThanOrEqual(9);
    }
    for (const list of angles) {
      expect(Math.max(...list.map(Math.abs))).toBeLessThanOrEqual(15);
      expect(Math.max(...list)).toBeGreaterThan(12);
      expect(Math.min(...list)).toBeLessThan(-12);
    }
    // the axes are not drawn alike
    expect(angles[0]).not.toEqual(angles[1]);
    // probability 0.15: about 15 % of the samples rotate
    const rotated = Array.from({ length: 2000 }, (_, i) => drawAugmentation3D(createRng(i), DEFAULT_AUGMENTATION).rotationDegrees !== undefined).filter(Boolean).length;
    expect(rotated / 2000).toBeGreaterThan(0.12);
    expect(rotated / 2000).toBeLessThan(0.18);
  });

  it('brightness multiplies the image and leaves labels and geometry alone', () => {
    const v = randomVolume(10, 9, 8, 5);
    const a = augment3D(v, createRng(1), only({ brightness: { probability: 1, range: [0.5, 2] } }));
    const b = a.applied.brightness!;
    expect(b).toBeGreaterThanOrEqual(0.5);
    expect(b).toBeLessThan(2);
    expect(a.sample.labels).toEqual(v.labels);
    expect(a.sample.image).toEqual(v.image.map((x) => Math.fround(x * b)));
  });

  it('the elastic field is α·(G_σ ∗ U) with the documented draws, by a direct triple sum', () => {
    const [W, H, D] = [7, 5, 6];
    const sigma = 1.3;
    const alpha = 3;
    const f = elasticField3D({ width: W, height: H, depth: D }, alpha, sigma, 99);
    const rng = createRng(99);
    const n = W * H * D;
    const u = [0, 1, 2].map(() => Array.from({ length: n }, () => rng.uniform(-1, 1)));
    const r = Math.ceil(4 * sigma);
    let norm = 0;
    for (let i = -r; i <= r; i++) norm += Math.exp(-(i * i) / (2 * sigma * sigma));
    const g = (d: number) => (Math.abs(d) <= r ? Math.exp(-(d * d) / (2 * sigma * sigma)) / norm : 0);
    for (const [a, d] of [f.dx, f.dy, f.dz].entries()) {
      for (const [x, y, z] of [[0, 0, 0], [3, 2, 1], [6, 4, 5], [2, 0, 3]] as const) {
        let s = 0;
        for (let k = 0; k < D; k++) for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) s += g(x - i) * g(y - j) * g(z - k) * u[a]![(k * H + j) * W + i]!;
        expect(d[(z * H + y) * W + x]).toBeCloseTo(alpha * s, 5);
      }
    }
  });

  it('the elastic field has the documented spread and is 0 along a fixed axis', () => {
    const P = { width: 32, height: 32, depth: 32 };
    const f = elasticField3D(P, 900, 9, 12345);
    // the centre voxels: standard deviation α/(√3·(2σ√π)^{3/2}) ≈ 2.88 voxels for α 900, σ 9
    const expected = 900 / (Math.sqrt(3) * (2 * 9 * Math.sqrt(Math.PI)) ** 1.5);
    let sum = 0;
    let count = 0;
    for (const d of [f.dx, f.dy, f.dz]) {
      for (let z = 12; z < 20; z++) for (let y = 12; y < 20; y++) for (let x = 12; x < 20; x++) {
        sum += d[(z * 32 + y) * 32 + x]! ** 2;
        count++;
      }
    }
    // 3 smooth fields: few independent values, so only the order of magnitude is checked
    const rms = Math.sqrt(sum / count);
    expect(rms).toBeGreaterThan(expected / 3);
    expect(rms).toBeLessThan(expected * 3);
    const g = elasticField3D(P, 200, 9, 12345, 2);
    expect(g.dz.every((v) => v === 0)).toBe(true);
    // the same in-plane displacement on every slice
    expect(g.dx.subarray(0, 1024)).toEqual(g.dx.subarray(5 * 1024, 6 * 1024));
    expect(Math.max(...g.dx.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it(`strongly anisotropic spacing (max/min > ${ANISOTROPY_THRESHOLD}): rotation, zoom and deformation in-plane only`, () => {
    expect(fixedAxisForSpacing(undefined)).toBeUndefined();
    expect(fixedAxisForSpacing([1, 1, 1])).toBeUndefined();
    expect(fixedAxisForSpacing([1.62, 1.62, 3.22])).toBeUndefined();
    expect(fixedAxisForSpacing([0.7, 0.7, 5])).toBe(2);
    expect(fixedAxisForSpacing([4, 1, 1])).toBe(0);
    expect(() => fixedAxisForSpacing([1, 0, 1])).toThrow(/spacing/);
    const cfg = { ...ALL, mirror: { ...ALL.mirror, probability: 0 } };
    const a = drawAugmentation3D(createRng(2), cfg, { spacing: [0.7, 0.7, 5] });
    expect(a.fixedAxis).toBe(2);
    expect(a.rotationDegrees![0]).toBe(0);
    expect(a.rotationDegrees![1]).toBe(0);
    expect(a.rotationDegrees![2]).not.toBe(0);
    const full = drawAugmentation3D(createRng(2), cfg);
    expect(a.elastic!.alpha * ELASTIC_ALPHA_3D_FACTOR).toBeCloseTo(full.elastic!.alpha, 10);
    const m = augmentationMatrix3D(a);
    expect([m[2], m[5], m[6], m[7], m[8]]).toEqual([0, 0, 0, 0, 1]);
    // an image that depends on z only keeps its value on every slice
    const v = volume(40, 40, 12, (_x, _y, z) => z);
    const p = augmentPatch3D(v, [12, 12, 2], { width: 16, height: 16, depth: 8 }, a);
    for (let z = 0; z < 8; z++) for (let i = 0; i < 256; i++) expect(p.image[z * 256 + i]).toBeCloseTo(z + 2, 4);
    // the full 3-D transform mixes slices
    const q = augmentPatch3D(v, [12, 12, 2], { width: 16, height: 16, depth: 8 }, full);
    expect(q.image.some((x, i) => Math.abs(x - (Math.floor(i / 256) + 2)) > 0.1)).toBe(true);
  });

  it('refuses invalid parameters and configurations', () => {
    const v = randomVolume(4, 4, 4, 1);
    const P = { width: 4, height: 4, depth: 4 };
    expect(() => augmentPatch3D(v, [0, 0, 0], P, { scale: 0, mirror: NO_AUGMENTATION_3D.mirror })).toThrow(/scale/);
    expect(() => augmentPatch3D(v, [0, 0, 0], P, { rotationDegrees: [0, NaN, 0], mirror: NO_AUGMENTATION_3D.mirror })).toThrow(/rotation/);
    expect(() => augmentPatch3D(v, [0.5, 0, 0], P, NO_AUGMENTATION_3D)).toThrow(/origin/);
    expect(() => drawAugmentation3D(createRng(1), only({ rotation: { probability: 2, maxDegrees: 15 } }))).toThrow(/rotation/);
  });
});
