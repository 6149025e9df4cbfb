import { describe, it, expect } from 'vitest';
import { createRng } from './rng';
import { cropBack, cropPlane, multipleForDepth, padTo, padToMultiple, resample, resampleBilinear, resampleNearest } from './resize';
import type { Sample2D } from './types';

function randomSample(w: number, h: number, channels: number, seed: number, labelSet = [0, 1, 2]): Sample2D {
  const r = createRng(seed);
  return {
    width: w,
    height: h,
    channels,
    image: Float32Array.from({ length: w * h * channels }, () => r.uniform(-3, 3)),
    labels: Uint8Array.from({ length: w * h }, () => labelSet[r.int(labelSet.length)]!),
    roi: Uint8Array.from({ length: w * h }, () => (r.bernoulli(0.8) ? 1 : 0)),
  };
}

describe('padToMultiple / cropBack', () => {
  it('pads to a multiple of 2^depth, centred, and crops back exactly', () => {
    const s = randomSample(37, 21, 3, 1);
    const m = multipleForDepth(4);
    expect(m).toBe(16);
    const { sample: p, crop } = padToMultiple(s, m);
    expect([p.width, p.height]).toEqual([48, 32]);
    expect(p.width % m).toBe(0);
    expect(p.height % m).toBe(0);
    expect(crop).toEqual({ x: 5, y: 5, width: 37, height: 21 });
    const back = cropBack(p, crop);
    expect(back.width).toBe(37);
    expect(back.height).toBe(21);
    expect(back.image).toEqual(s.image);
    expect(back.labels).toEqual(s.labels);
    expect(back.roi).toEqual(s.roi);
  });

  it("zero mode fills the image with 0, labels and roi with 0", () => {
    const s = randomSample(5, 3, 2, 2);
    s.image.fill(7);
    s.labels.fill(1);
    s.roi!.fill(1);
    const { sample: p, crop } = padToMultiple(s, 4);
    expect([p.width, p.height]).toEqual([8, 4]);
    const expectedLabels: number[] = [];
    const expectedImage: number[] = [];
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        const inside = x >= crop.x && x < crop.x + crop.width && y >= crop.y && y < crop.y + crop.height;
        expectedLabels.push(inside ? 1 : 0);
        expectedImage.push(inside ? 7 : 0, inside ? 7 : 0);
      }
    }
    expect(Array.from(p.labels)).toEqual(expectedLabels);
    expect(Array.from(p.roi!)).toEqual(expectedLabels);
    expect(Array.from(p.image)).toEqual(expectedImage);
    expect(expectedLabels.filter((v) => v === 0).length).toBe(32 - 15);
  });

  it('edge mode replicates the nearest border pixel; labels still 0', () => {
    const s: Sample2D = { width: 2, height: 1, channels: 1, image: new Float32Array([3, 5]), labels: new Uint8Array([1, 2]) };
    const { sample: p, crop } = padTo(s, 5, 3, 'edge');
    expect(crop).toEqual({ x: 1, y: 1, width: 2, height: 1 });
    expect(Array.from(p.image)).toEqual([3, 3, 5, 5, 5, 3, 3, 5, 5, 5, 3, 3, 5, 5, 5]);
    expect(Array.from(p.labels)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0]);
    expect(p.roi).toBeUndefined();
  });

  it('a size that is already a multiple is unchanged', () => {
    const s = randomSample(32, 16, 1, 3);
    const { sample: p, crop } = padToMultiple(s, 16);
    expect(crop).toEqual({ x: 0, y: 0, width: 32, height: 16 });
    expect(p.image).toEqual(s.image);
    expect(() => padToMultiple(s, 0)).toThrow();
    expect(() => multipleForDepth(-1)).toThrow();
  });

  it('cropPlane crops probability maps of the padded size', () => {
    const probs = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i);
    const c = cropPlane(probs, 4, 3, 2, { x: 1, y: 1, width: 2, height: 2 });
    expect(c).toBeInstanceOf(Float32Array);
    expect(Array.from(c)).toEqual([10, 11, 12, 13, 18, 19, 20, 21]);
    const labels = cropPlane(Uint8Array.from([0, 1, 2, 3, 4, 5]), 3, 2, 1, { x: 1, y: 0, width: 2, height: 2 });
    expect(labels).toBeInstanceOf(Uint8Array);
    expect(Array.from(labels)).toEqual([1, 2, 4, 5]);
    expect(() => cropPlane(probs, 4, 3, 2, { x: 3, y: 0, width: 2, height: 1 })).toThrow();
  });
});

describe('resample', () => {
  const ramp = (x: number, y: number) => 2 * x - 3 * y + 1;

  it('bilinear reproduces a linear ramp exactly when downscaling', () => {
    const w = 64;
    const h = 48;
    const src = Float32Array.from({ length: w * h }, (_, i) => ramp(i % w, Math.floor(i / w)));
    for (const [dw, dh] of [
      [16, 12],
      [20, 7],
      [64, 48],
    ] as const) {
      const out = resampleBilinear(src, w, h, 1, dw, dh);
      let maxErr = 0;
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          const xs = (x + 0.5) * (w / dw) - 0.5;
          const ys = (y + 0.5) * (h / dh) - 0.5;
          maxErr = Math.max(maxErr, Math.abs(out[y * dw + x]! - ramp(xs, ys)));
        }
      }
      expect(maxErr).toBeLessThan(1e-4); // float32 rounding of values up to ~130
    }
  });

  it('bilinear upscaling is exact for a ramp away from the clamped border', () => {
    const w = 10;
    const h = 8;
    const src = Float32Array.from({ length: w * h * 2 }, (_, i) => {
      const p = Math.floor(i / 2);
      return (i % 2 === 0 ? 1 : -1) * ramp(p % w, Math.floor(p / w));
    });
    const dw = 37;
    const dh = 29;
    const out = resampleBilinear(src, w, h, 2, dw, dh);
    let checked = 0;
    let maxErr = 0;
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        const xs = (x + 0.5) * (w / dw) - 0.5;
        const ys = (y + 0.5) * (h / dh) - 0.5;
        const cx = Math.min(w - 1, Math.max(0, xs));
        const cy = Math.min(h - 1, Math.max(0, ys));
        // exact for the ramp at the clamped source position (unclamped in the interior)
        maxErr = Math.max(maxErr, Math.abs(out[(y * dw + x) * 2]! - ramp(cx, cy)), Math.abs(out[(y * dw + x) * 2 + 1]! + ramp(cx, cy)));
        if (cx === xs && cy === ys) checked++;
      }
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(checked).toBeGreaterThan(dw * dh * 0.7);
  });

  it('nearest-neighbour labels and roi keep the label set (no interpolated labels)', () => {
    const s = randomSample(50, 30, 1, 4, [0, 3, 7]);
    for (const [dw, dh] of [
      [17, 11],
      [64, 64],
      [101, 13],
    ] as const) {
      const r = resample(s, dw, dh);
      expect(r.width).toBe(dw);
      expect(r.image.length).toBe(dw * dh);
      expect(new Set(r.labels).size).toBeLessThanOrEqual(3);
      for (const v of new Set(r.labels)) expect([0, 3, 7]).toContain(v);
      for (const v of new Set(r.roi)) expect([0, 1]).toContain(v);
    }
  });

  it('nearest neighbour at integer factors picks whole pixels', () => {
    // 2× up then 2× down returns the original labels
    const labels = Uint8Array.from({ length: 6 * 4 }, (_, i) => i % 5);
    const up = resampleNearest(labels, 6, 4, 12, 8);
    expect(up[0]).toBe(labels[0]);
    expect(up[1]).toBe(labels[0]);
    expect(up[2]).toBe(labels[1]);
    expect(up[12]).toBe(labels[0]);
    expect(resampleNearest(up, 12, 8, 6, 4)).toEqual(labels);
    expect(() => resampleNearest(labels, 5, 4, 3, 3)).toThrow();
  });
});
