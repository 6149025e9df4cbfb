import { describe, it, expect } from 'vitest';
import {
  applyAugmentation,
  augment,
  augmentationRng,
  DEFAULT_AUGMENTATION,
  drawAugmentation,
  elasticField,
  NO_AUGMENTATION,
  validateAugmentation,
  type AugmentationConfig,
} from './augment';
import { createRng } from './rng';
import type { Sample2D } from './types';

/** Every transform always on (vertical mirroring too). */
const ALWAYS: AugmentationConfig = {
  scale: { ...DEFAULT_AUGMENTATION.scale, probability: 1 },
  rotation: { ...DEFAULT_AUGMENTATION.rotation, probability: 1 },
  mirror: { probability: 1, horizontal: true, vertical: true },
  elastic: { ...DEFAULT_AUGMENTATION.elastic, probability: 1 },
  brightness: { ...DEFAULT_AUGMENTATION.brightness, probability: 1 },
};

function randomSample(w: number, h: number, channels: number, seed: number, labelSet = [0, 1]): Sample2D {
  const r = createRng(seed);
  return {
    width: w,
    height: h,
    channels,
    image: Float32Array.from({ length: w * h * channels }, () => r.uniform(-2, 2)),
    labels: Uint8Array.from({ length: w * h }, () => labelSet[r.int(labelSet.length)]!),
    roi: Uint8Array.from({ length: w * h }, () => (r.bernoulli(0.9) ? 1 : 0)),
  };
}

/** A bright square (image 1, label 1) on a dark background (0, 0). */
function square(w: number, h: number, x0: number, y0: number, size: number): Sample2D {
  const image = new Float32Array(w * h);
  const labels = new Uint8Array(w * h);
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size; x++) {
      image[y * w + x] = 1;
      labels[y * w + x] = 1;
    }
  }
  return { width: w, height: h, channels: 1, image, labels };
}

describe('augmentation config', () => {
  it('the default is the paper: p = 0.15, scale 0.85–1.25, ±15°, brightness 0.5–2, elastic α 0–200 σ 9–13', () => {
    expect(validateAugmentation(DEFAULT_AUGMENTATION)).toEqual([]);
    const d = DEFAULT_AUGMENTATION;
    expect([d.scale.probability, d.rotation.probability, d.mirror.probability, d.elastic.probability, d.brightness.probability]).toEqual([
      0.15, 0.15, 0.15, 0.15, 0.15,
    ]);
    expect(d.scale.range).toEqual([0.85, 1.25]);
    expect(d.rotation.maxDegrees).toBe(15);
    expect(d.brightness.range).toEqual([0.5, 2]);
    expect(d.elastic.alpha).toEqual([0, 200]);
    expect(d.elastic.sigma).toEqual([9, 13]);
    expect([d.mirror.horizontal, d.mirror.vertical]).toEqual([true, false]);
    expect(Object.isFrozen(d.scale.range)).toBe(true);
  });

  it('validateAugmentation names every problem and augment refuses an invalid config', () => {
    const bad: AugmentationConfig = {
      ...DEFAULT_AUGMENTATION,
      scale: { probability: 1.5, range: [0, 1] },
      rotation: { probability: 0.1, maxDegrees: 270 },
      elastic: { probability: 0.1, alpha: [10, 5], sigma: [0, 1] },
      brightness: { probability: -0.1, range: [0.5, Number.NaN] },
    };
    const problems = validateAugmentation(bad);
    expect(problems.length).toBe(7);
    expect(problems.join('\n')).toMatch(/scale\.probability/);
    expect(problems.join('\n')).toMatch(/rotation\.maxDegrees/);
    expect(() => augment(randomSample(4, 4, 1, 1), createRng(1), bad)).toThrow(/invalid augmentation/);
  });
});

describe('augmentation draws', () => {
  it('same seed → identical output and record', () => {
    const s = randomSample(40, 32, 3, 2, [0, 1, 2]);
    const a = augment(s, augmentationRng(9, 2, 17), ALWAYS);
    const b = augment(s, augmentationRng(9, 2, 17), ALWAYS);
    expect(a.applied).toEqual(b.applied);
    expect(a.sample.image).toEqual(b.sample.image);
    expect(a.sample.labels).toEqual(b.sample.labels);
    expect(a.sample.roi).toEqual(b.sample.roi);
    const c = augment(s, augmentationRng(9, 2, 18), ALWAYS);
    expect(c.applied).not.toEqual(a.applied);
    // replaying the record gives the same sample
    expect(applyAugmentation(s, a.applied).image).toEqual(a.sample.image);
  });

  it('each transform is applied with probability 0.15, independently (binomial tolerance)', () => {
    const n = 4000;
    const p = 0.15;
    const counts = { scale: 0, rotation: 0, mirrorH: 0, mirrorV: 0, elastic: 0, brightness: 0, scaleAndRotation: 0 };
    for (let i = 0; i < n; i++) {
      const a = drawAugmentation(augmentationRng(1, 0, i));
      if (a.scale !== undefined) counts.scale++;
      if (a.rotationDegrees !== undefined) counts.rotation++;
      if (a.mirrorHorizontal) counts.mirrorH++;
      if (a.mirrorVertical) counts.mirrorV++;
      if (a.elastic) counts.elastic++;
      if (a.brightness !== undefined) counts.brightness++;
      if (a.scale !== undefined && a.rotationDegrees !== undefined) counts.scaleAndRotation++;
    }
    const tol = 4 * Math.sqrt(n * p * (1 - p)); // 4 standard deviations ≈ ±90 of 600
    for (const k of ['scale', 'rotation', 'mirrorH', 'elastic', 'brightness'] as const) {
      expect(Math.abs(counts[k] - n * p), k).toBeLessThan(tol);
    }
    expect(counts.mirrorV).toBe(0); // vertical mirroring is off by default
    const pp = p * p;
    expect(Math.abs(counts.scaleAndRotation - n * pp)).toBeLessThan(4 * Math.sqrt(n * pp * (1 - pp)));
  });

  it('vertical mirroring can be switched on with the same probability', () => {
    const cfg: AugmentationConfig = { ...DEFAULT_AUGMENTATION, mirror: { probability: 0.15, horizontal: false, vertical: true } };
    let v = 0;
    let h = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const a = drawAugmentation(augmentationRng(2, 0, i), cfg);
      if (a.mirrorVertical) v++;
      if (a.mirrorHorizontal) h++;
    }
    expect(h).toBe(0);
    expect(Math.abs(v - 600)).toBeLessThan(4 * Math.sqrt(n * 0.15 * 0.85));
  });

  it('parameters stay in their ranges; brightness multiplies the whole image by b ∈ [0.5, 2]', () => {
    const s = randomSample(8, 8, 2, 3);
    for (let i = 0; i < 300; i++) {
      const a = drawAugmentation(createRng(i), ALWAYS);
      expect(a.scale!).toBeGreaterThanOrEqual(0.85);
      expect(a.scale!).toBeLessThanOrEqual(1.25);
      expect(Math.abs(a.rotationDegrees!)).toBeLessThanOrEqual(15);
      expect(a.brightness!).toBeGreaterThanOrEqual(0.5);
      expect(a.brightness!).toBeLessThanOrEqual(2);
      expect(a.elastic!.alpha).toBeLessThanOrEqual(200);
      expect(a.elastic!.sigma).toBeGreaterThanOrEqual(9);
      expect(a.elastic!.sigma).toBeLessThanOrEqual(13);
    }
    const only = { ...NO_AUGMENTATION, brightness: { probability: 1, range: [0.5, 2] as const } };
    for (let i = 0; i < 20; i++) {
      const { sample: out, applied } = augment(s, createRng(i), only);
      const b = applied.brightness!;
      expect(b).toBeGreaterThanOrEqual(0.5);
      expect(b).toBeLessThanOrEqual(2);
      expect(Array.from(out.image)).toEqual(Array.from(s.image, (x) => Math.fround(x * b)));
      expect(out.labels).toEqual(s.labels);
    }
  });

  it("a transform's draws do not depend on the other transforms' settings", () => {
    for (let i = 0; i < 50; i++) {
      const a = drawAugmentation(createRng(i), DEFAULT_AUGMENTATION);
      const b = drawAugmentation(createRng(i), { ...DEFAULT_AUGMENTATION, brightness: { probability: 1, range: [1, 1] } });
      expect(b.scale).toBe(a.scale);
      expect(b.rotationDegrees).toBe(a.rotationDegrees);
      expect(b.elastic).toEqual(a.elastic);
    }
  });

  it('no augmentation returns an equal copy', () => {
    const s = randomSample(9, 7, 2, 4);
    const { sample: out, applied } = augment(s, createRng(1), NO_AUGMENTATION);
    expect(applied).toEqual({ mirrorHorizontal: false, mirrorVertical: false });
    expect(out.image).toEqual(s.image);
    expect(out.image).not.toBe(s.image);
    expect(out.roi).toEqual(s.roi);
  });
});

describe('geometric transforms', () => {
  it('a pure horizontal mirror flips image, labels and roi exactly', () => {
    const s = randomSample(7, 5, 3, 5, [0, 1, 2]);
    const out = applyAugmentation(s, { mirrorHorizontal: true, mirrorVertical: false });
    const img: number[] = [];
    const lab: number[] = [];
    const roi: number[] = [];
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 7; x++) {
        const q = y * 7 + (6 - x);
        for (let c = 0; c < 3; c++) img.push(s.image[q * 3 + c]!);
        lab.push(s.labels[q]!);
        roi.push(s.roi![q]!);
      }
    }
    expect(Array.from(out.image)).toEqual(img);
    expect(Array.from(out.labels)).toEqual(lab);
    expect(Array.from(out.roi!)).toEqual(roi);
  });

  it('a pure vertical mirror flips rows exactly; both mirrors = 180° point reflection', () => {
    const s = randomSample(6, 4, 1, 6);
    const v = applyAugmentation(s, { mirrorHorizontal: false, mirrorVertical: true });
    const both = applyAugmentation(s, { mirrorHorizontal: true, mirrorVertical: true });
    const flippedRows: number[] = [];
    const reversed = Array.from(s.image).reverse();
    for (let y = 3; y >= 0; y--) flippedRows.push(...s.image.subarray(y * 6, y * 6 + 6));
    expect(Array.from(v.image)).toEqual(flippedRows);
    expect(Array.from(both.image)).toEqual(reversed);
    expect(Array.from(both.labels)).toEqual(Array.from(s.labels).reverse());
  });

  it('rotation 0° with scale 1 is the identity', () => {
    const s = randomSample(33, 20, 2, 7, [0, 4]);
    const out = applyAugmentation(s, { scale: 1, rotationDegrees: 0, mirrorHorizontal: false, mirrorVertical: false });
    expect(out.image).toEqual(s.image);
    expect(out.labels).toEqual(s.labels);
    expect(out.roi).toEqual(s.roi);
  });

  it('positive angles rotate clockwise on screen; scale > 1 enlarges about the centre', () => {
    const s = square(5, 5, 2, 0, 1); // one bright pixel at the top centre
    const r = applyAugmentation(s, { rotationDegrees: 90, mirrorHorizontal: false, mirrorVertical: false });
    expect(r.labels[2 * 5 + 4]).toBe(1); // now at the right centre
    expect(r.image[2 * 5 + 4]).toBeCloseTo(1, 6);
    expect(r.labels.reduce((a, b) => a + b, 0)).toBe(1);
    const big = square(21, 21, 8, 8, 5); // 5×5 square in the centre
    const z = applyAugmentation(big, { scale: 2, mirrorHorizontal: false, mirrorVertical: false });
    const area = z.labels.reduce((a, b) => a + b, 0);
    expect(area).toBeGreaterThanOrEqual(81); // about 10×10
    expect(area).toBeLessThanOrEqual(121);
    expect(z.labels[10 * 21 + 10]).toBe(1);
  });

  it('image and mask stay aligned under a composed transform (square: the mask covers the bright pixels)', () => {
    const s = square(48, 40, 14, 10, 16);
    let agree = 0;
    let total = 0;
    let violations = 0;
    let moved = 0;
    for (let i = 0; i < 12; i++) {
      const a = drawAugmentation(createRng(100 + i), { ...ALWAYS, brightness: { probability: 0, range: [1, 1] } });
      const out = applyAugmentation(s, a);
      for (let p = 0; p < out.labels.length; p++) {
        const v = out.image[p]!;
        // nearest neighbour and bilinear read the same source point q: a label-1 pixel has q within
        // ½ px (per axis) of a bright pixel, so its bilinear weight on bright pixels is ≥ ¼; a
        // label-0 pixel's weight on dark (or outside) pixels is ≥ ¼
        if (out.labels[p] === 1 ? v < 0.25 - 1e-6 : v > 0.75 + 1e-6) violations++;
        if (out.labels[p] === 1 ? v > 0.5 : v <= 0.5) agree++;
        if (out.labels[p] !== s.labels[p]) moved++;
        total++;
      }
      expect(out.labels.reduce((x, y) => x + y, 0)).toBeGreaterThan(100);
    }
    expect(violations).toBe(0);
    expect(agree / total).toBeGreaterThan(0.98);
    expect(moved).toBeGreaterThan(100); // the transforms did move the square
  });

  it('labels and roi never take interpolated values', () => {
    const s = randomSample(30, 30, 1, 8, [0, 2, 5]);
    const seen = new Set<number>();
    const seenRoi = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const { sample: out } = augment(s, augmentationRng(3, 1, i), ALWAYS);
      for (const v of out.labels) seen.add(v);
      for (const v of out.roi!) seenRoi.add(v);
    }
    expect([...seen].sort()).toEqual([0, 2, 5]);
    expect([...seenRoi].sort()).toEqual([0, 1]);
  });

  it('rejects impossible parameters', () => {
    const s = randomSample(4, 4, 1, 9);
    expect(() => applyAugmentation(s, { scale: 0, mirrorHorizontal: false, mirrorVertical: false })).toThrow(/scale/);
    expect(() => applyAugmentation(s, { elastic: { alpha: 1, sigma: 0, seed: 1 }, mirrorHorizontal: false, mirrorVertical: false })).toThrow(/σ/);
  });

  it('samples from outside the image are 0 / background', () => {
    const s: Sample2D = { width: 10, height: 10, channels: 1, image: new Float32Array(100).fill(3), labels: new Uint8Array(100).fill(1) };
    const out = applyAugmentation(s, { scale: 0.5, mirrorHorizontal: false, mirrorVertical: false });
    expect(out.image[0]).toBe(0);
    expect(out.labels[0]).toBe(0);
    expect(out.image[55]).toBe(3);
    expect(out.labels[55]).toBe(1);
  });

  it('elastic displacement has std ≈ α/(σ√(12π)) away from the border and is seeded', () => {
    const w = 160;
    const alpha = 34;
    const sigma = 4;
    const f = elasticField(w, w, alpha, sigma, 123);
    let s2 = 0;
    let k = 0;
    for (let y = 20; y < w - 20; y++) {
      for (let x = 20; x < w - 20; x++) {
        s2 += f.dx[y * w + x]! ** 2 + f.dy[y * w + x]! ** 2;
        k += 2;
      }
    }
    const expected = alpha / (sigma * Math.sqrt(12 * Math.PI));
    expect(Math.sqrt(s2 / k) / expected).toBeGreaterThan(0.8);
    expect(Math.sqrt(s2 / k) / expected).toBeLessThan(1.2);
    expect(elasticField(20, 20, alpha, sigma, 123).dx).toEqual(elasticField(20, 20, alpha, sigma, 123).dx);
  });
});
