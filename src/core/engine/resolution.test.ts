import { describe, expect, it } from 'vitest';
import { imageSizes, resolutionReport, spacingReport } from './resolution';

describe('resolution report', () => {
  const drive = [{ width: 565, height: 584, cases: 20 }];

  it('says by how much resize-to-fit shrinks an image (DRIVE at 64×64: s = 64/584, 565×584 → 62×64, 9.125× smaller)', () => {
    const r = resolutionReport(drive, { width: 64, height: 64 }, 'fit');
    expect(r.shrinks).toBe(true);
    const [n] = r.sizes;
    // By hand: s = min(64/565, 64/584) = 0.109589…; 565·s = 61.92 → 62; 584·s = 64; 1/s = 9.125.
    expect(n).toMatchObject({ kind: 'resized', trainedWidth: 62, trainedHeight: 64 });
    expect(n!.factor).toBeCloseTo(9.125, 10);
    expect(n!.text).toBe('565×584 → 62×64 (20 cases), 9.1× smaller: structures thinner than 9.1 px may vanish');
    expect(r.summary).toContain('up to 9.1× smaller (565×584 → 62×64)');
    // At 256×256: s = 256/584 = 0.43836; 565·s = 247.67 → 248; 1/s = 2.28.
    const r256 = resolutionReport(drive, { width: 256, height: 256 }, 'fit');
    expect(r256.sizes[0]).toMatchObject({ trainedWidth: 248, trainedHeight: 256 });
    expect(r256.sizes[0]!.text).toContain('2.3× smaller');
  });

  it('counts the sliding windows of native resolution by nnU-Net step rule (⌈(L − s)/(s/2)⌉ + 1 per axis)', () => {
    const r = resolutionReport(drive, { width: 64, height: 64 }, 'native');
    expect(r.shrinks).toBe(false);
    // x: ⌈(565 − 64)/32⌉ + 1 = ⌈15.66⌉ + 1 = 17; y: ⌈(584 − 64)/32⌉ + 1 = ⌈16.25⌉ + 1 = 18; 17 · 18 = 306.
    expect(r.sizes[0]).toMatchObject({ kind: 'patches', trainedWidth: 565, trainedHeight: 584, factor: 1, windows: 306 });
    expect(r.summary).toBe('Native resolution: 20 cases larger than the 64×64 input, trained on 64×64 patches and scored by sliding windows (up to 306 per image, 565×584); nothing is resized.');
  });

  it('says nothing is resized when every image fits, in either mode', () => {
    const small = [{ width: 64, height: 48, cases: 3 }];
    for (const mode of ['native', 'fit'] as const) {
      const r = resolutionReport(small, { width: 64, height: 64 }, mode);
      expect(r.shrinks).toBe(false);
      expect(r.sizes[0]).toMatchObject({ kind: 'padded', factor: 1 });
      expect(r.summary).toContain('nothing is resized');
    }
  });

  it('groups cases by size, most frequent first, from the width and height of their images', () => {
    const c = (w: number, h: number, d = 1) => ({ image: { dims: [w, h, d] } });
    expect(imageSizes([c(10, 20), c(30, 40, 5), c(10, 20), c(8, 8)])).toEqual([
      { width: 10, height: 20, cases: 2 },
      { width: 30, height: 40, cases: 1 },
      { width: 8, height: 8, cases: 1 },
    ]);
  });

  it('says which volumes a 3D target spacing resamples, to what, and by how much per axis', () => {
    const ct = { image: { dims: [512, 512, 64], spacing: [0.78, 0.78, 5] } };
    const iso = { image: { dims: [100, 100, 100], spacing: [1.62, 1.62, 3.22] } };
    // By hand: 512·0.78/1.62 = 246.5 → 247; 64·5/3.22 = 99.4 → 99; x, y 1.62/0.78 = 2.08× coarser, z 3.22/5 → 1.55× finer.
    const r = spacingReport([ct, ct, iso], [1.62, 1.62, 3.22]);
    expect(r.resampled).toBe(2);
    expect(r.lines).toEqual(['512×512×64 at 0.78 × 0.78 × 5 mm (2 volumes) → 247×247×99 at 1.62 × 1.62 × 3.22 mm: x 2.08× coarser, y 2.08× coarser, z 1.55× finer']);
    expect(r.summary).toBe("3D: 2 of 3 volumes are resampled to 1.62 × 1.62 × 3.22 mm (images trilinear, labels nearest); predictions are scored back on each volume's own grid.");
    expect(spacingReport([iso], [1.62, 1.62, 3.22]).summary).toBe('3D: every volume is already at 1.62 × 1.62 × 3.22 mm; nothing is resampled.');
    expect(spacingReport([ct], null).summary).toContain('nothing is resampled');
  });
});
