import { describe, it, expect } from 'vitest';
import { IDENTITY_AFFINE } from '../io/volume';
import { foregroundFraction, generateSynthetic, generateSyntheticCase, generateSyntheticDataset, type SyntheticKind } from './synthetic';

/** Share of foreground pixels that have a background pixel within Euclidean distance 2. */
function thinShare(labels: Uint8Array, w: number, h: number): number {
  let fg = 0;
  let thin = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!labels[y * w + x]) continue;
      fg++;
      let near = false;
      for (let dy = -2; dy <= 2 && !near; dy++) {
        for (let dx = -2; dx <= 2 && !near; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (dx * dx + dy * dy <= 4 && xx >= 0 && yy >= 0 && xx < w && yy < h && !labels[yy * w + xx]) near = true;
        }
      }
      if (near) thin++;
    }
  }
  return fg > 0 ? thin / fg : 1;
}

describe('generateSynthetic', () => {
  it('returns Cases with a synthetic float32 Volume, identity geometry and ids synthetic_000…', () => {
    const cases = generateSynthetic({ seed: 3, count: 3 });
    expect(cases.map((c) => c.id)).toEqual(['synthetic_000', 'synthetic_001', 'synthetic_002']);
    for (const c of cases) {
      expect(c.image.data).toBeInstanceOf(Float32Array);
      expect(c.image.data.length).toBe(64 * 64);
      expect(c.image.dims).toEqual([64, 64, 1]);
      expect(c.image.channels).toBe(1);
      expect(c.image.spacing).toEqual([1, 1, 1]);
      expect(c.image.affine).toEqual([...IDENTITY_AFFINE]);
      expect(c.image.source).toEqual({ name: c.id, format: 'synthetic', datatype: 'float32' });
      expect(c.image.notes[0]).toMatch(/foreground 5\.005 % of pixels \(target 5\.000 %\)/); // 205 of 4096 pixels
      expect(c.labels).toBeInstanceOf(Uint8Array);
      expect(c.labels.length).toBe(64 * 64);
      expect(Array.from(c.image.data).every(Number.isFinite)).toBe(true);
    }
  });

  it('is deterministic per seed; case i does not depend on count', () => {
    const a = generateSynthetic({ seed: 11, count: 4, kind: 'mixed', foregroundFraction: 0.03 });
    const b = generateSynthetic({ seed: 11, count: 4, kind: 'mixed', foregroundFraction: 0.03 });
    const c = generateSynthetic({ seed: 12, count: 4, kind: 'mixed', foregroundFraction: 0.03 });
    for (let i = 0; i < 4; i++) {
      expect(a[i]!.image.data).toEqual(b[i]!.image.data);
      expect(a[i]!.labels).toEqual(b[i]!.labels);
    }
    expect(a[0]!.labels).not.toEqual(c[0]!.labels);
    expect(a[1]!.labels).not.toEqual(a[2]!.labels);
    const single = generateSyntheticCase(2, { seed: 11, kind: 'mixed', foregroundFraction: 0.03 });
    expect(single.case.labels).toEqual(a[2]!.labels);
    expect(single.case.image.data).toEqual(a[2]!.image.data);
  });

  it('hits the target foreground fraction within one pixel (0.1 %, 1 %, 5 %, 20 %; every kind)', () => {
    const n = 64 * 64;
    for (const kind of ['vessels', 'lesions', 'mixed'] as SyntheticKind[]) {
      for (const f of [0.001, 0.01, 0.05, 0.2]) {
        const d = generateSyntheticDataset({ seed: 5, count: 6, kind, foregroundFraction: f });
        for (const info of d.info) {
          expect(Math.abs(info.achievedFraction - f), `${kind} ${f}`).toBeLessThanOrEqual(1 / n);
        }
        expect(Math.abs(d.achievedFraction - f)).toBeLessThanOrEqual(1 / n);
        expect(foregroundFraction(d.cases[0]!.labels)).toBe(d.info[0]!.achievedFraction);
      }
    }
  });

  it('lesions exist at 0.1 % (4 pixels of 64×64) and on a larger image', () => {
    for (const c of generateSynthetic({ seed: 2, count: 8, kind: 'lesions', foregroundFraction: 0.001 })) {
      expect(c.labels.reduce((s, v) => s + v, 0)).toBe(4);
    }
    const big = generateSyntheticDataset({ seed: 2, count: 1, kind: 'lesions', foregroundFraction: 0.001, width: 256, height: 200 });
    expect(big.info[0]!.classPixels[1]).toBe(Math.round(0.001 * 256 * 200));
  });

  it('vessels are thin: ≥ 90 % of vessel pixels have background within 2 px (blobs are not)', () => {
    for (const f of [0.02, 0.05, 0.1]) {
      const cases = generateSynthetic({ seed: 8, count: 6, kind: 'vessels', foregroundFraction: f });
      for (const c of cases) expect(thinShare(c.labels, 64, 64), `f = ${f}`).toBeGreaterThanOrEqual(0.9);
    }
    const noBranch = generateSynthetic({ seed: 8, count: 4, kind: 'vessels', foregroundFraction: 0.05, branching: false, width: 96, height: 80 });
    for (const c of noBranch) expect(thinShare(c.labels, 96, 80)).toBeGreaterThanOrEqual(0.9);
    const blobs = generateSynthetic({ seed: 8, count: 4, kind: 'lesions', foregroundFraction: 0.1 });
    for (const c of blobs) expect(thinShare(c.labels, 64, 64)).toBeLessThan(0.8);
  });

  it('labels are binary, or 0…2 with both classes present for multiclass demos', () => {
    for (const kind of ['vessels', 'lesions', 'mixed'] as SyntheticKind[]) {
      for (const c of generateSynthetic({ seed: 4, count: 3, kind, foregroundFraction: 0.05 })) {
        expect([...new Set(c.labels)].sort()).toEqual([0, 1]);
      }
      const d = generateSyntheticDataset({ seed: 4, count: 3, kind, foregroundFraction: 0.05, numClasses: 3, secondClassShare: 0.4 });
      for (const info of d.info) {
        expect(info.classPixels.length).toBe(3);
        const fg = info.classPixels[1]! + info.classPixels[2]!;
        expect(fg).toBe(Math.round(0.05 * 4096));
        expect(info.classPixels[2]).toBe(Math.round(0.4 * fg));
      }
      for (const c of d.cases) expect([...new Set(c.labels)].sort()).toEqual([0, 1, 2]);
    }
  });

  it('foreground is brighter by about `contrast`, with Gaussian noise of the given level', () => {
    const measure = (contrast: number, noise: number) => {
      const [c] = generateSynthetic({ seed: 6, count: 1, kind: 'lesions', foregroundFraction: 0.2, contrast, noise, texture: 0 });
      const img = c!.image.data as Float32Array;
      let fg = 0;
      let nf = 0;
      let bg = 0;
      let bg2 = 0;
      let nb = 0;
      for (let i = 0; i < img.length; i++) {
        if (c!.labels[i]) {
          fg += img[i]!;
          nf++;
        } else {
          bg += img[i]!;
          bg2 += img[i]! ** 2;
          nb++;
        }
      }
      const bgMean = bg / nb;
      return { diff: fg / nf - bgMean, bgStd: Math.sqrt(bg2 / nb - bgMean ** 2), bgMean };
    };
    const m = measure(0.4, 0.1);
    expect(m.diff).toBeGreaterThan(0.4 * 0.8);
    expect(m.diff).toBeLessThan(0.4 * 1.2);
    expect(m.bgStd).toBeGreaterThan(0.09);
    expect(m.bgStd).toBeLessThan(0.11);
    expect(m.bgMean).toBeCloseTo(0.4, 1);
    const dark = measure(-0.3, 0);
    expect(dark.diff).toBeLessThan(-0.3 * 0.8);
    expect(dark.bgStd).toBeLessThan(1e-6); // no noise, no texture: flat background
  });

  it('the background texture is smooth', () => {
    const [c] = generateSynthetic({ seed: 1, count: 1, noise: 0, texture: 0.2, foregroundFraction: 0.001 });
    const img = c!.image.data as Float32Array;
    let maxStep = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 63; x++) {
        if (c!.labels[y * 64 + x] || c!.labels[y * 64 + x + 1]) continue;
        maxStep = Math.max(maxStep, Math.abs(img[y * 64 + x + 1]! - img[y * 64 + x]!));
        min = Math.min(min, img[y * 64 + x]!);
        max = Math.max(max, img[y * 64 + x]!);
      }
    }
    expect(max - min).toBeGreaterThan(0.05); // there is texture …
    expect(maxStep).toBeLessThan(0.2 * 2 * Math.PI * 3 * Math.SQRT2 / 64 + 1e-6); // … bounded by the highest wave's slope
  });

  it('rejects options out of range', () => {
    expect(() => generateSynthetic({ foregroundFraction: 0 })).toThrow(/foregroundFraction/);
    expect(() => generateSynthetic({ foregroundFraction: 0.8 })).toThrow(/foregroundFraction/);
    expect(() => generateSynthetic({ width: 4 })).toThrow(/size/);
    expect(() => generateSynthetic({ count: 1.5 })).toThrow(/count/);
    expect(() => generateSynthetic({ noise: -1 })).toThrow(/noise/);
    expect(() => generateSynthetic({ numClasses: 4 as 2 })).toThrow(/numClasses/);
    expect(() => generateSynthetic({ kind: 'dots' as SyntheticKind })).toThrow(/kind/);
    expect(generateSynthetic({ count: 0 })).toEqual([]);
  });
});
