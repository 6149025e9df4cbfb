import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { componentCurves, distributionComponent, probabilityGrid, regionComponent } from './curves';
import { withTable } from './docs';
import { HIERARCHY } from './hierarchy';
import { regionTerms, modifiedFocalTverskyOptions, focalTverskyOptions, tverskyOptions } from './region';
import { mulberry32, randomLogits, randomOneHot, softmaxLast } from '../testing/random';
import {
  createLoss,
  LOSS_IDS,
  LOSSES,
  PAPER_COMPARISON,
  paperParams,
  resolveParams,
  type LossId,
  type ResolvedParams,
} from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('registry', () => {
  it('has exactly the ids of docs/LOSSES.md, each with an entry', () => {
    expect([...LOSS_IDS]).toEqual([
      'crossEntropy', 'focal', 'dice', 'tversky', 'focalTversky', 'combo', 'symmetricFocal', 'asymmetricFocal',
      'symmetricFocalTversky', 'asymmetricFocalTversky', 'symmetricUnifiedFocal', 'asymmetricUnifiedFocal',
    ]);
    for (const id of LOSS_IDS) expect(LOSSES[id].id).toBe(id);
  });

  it('labels every parameter with its symbol and word, e.g. "γ (gamma)"', () => {
    for (const id of LOSS_IDS) {
      for (const p of LOSSES[id].params) expect(p.label).toMatch(/^[αβγδλ] \((alpha|beta|gamma|delta|lambda)\)$/);
    }
  });

  it('holds the paper settings of docs/LOSSES.md', () => {
    expect(paperParams('focal')).toEqual({ alpha: 0.25, gamma: 2 });
    expect(paperParams('tversky')).toEqual({ delta: 0.7 });
    expect(paperParams('focalTversky')).toEqual({ delta: 0.7, gamma: 4 / 3 });
    expect(paperParams('combo')).toEqual({ alpha: 0.5, beta: 0.5 });
    expect(paperParams('symmetricUnifiedFocal')).toEqual({ lambda: 0.5, delta: 0.6, gamma: 0.5 });
    expect(paperParams('asymmetricUnifiedFocal')).toEqual({ lambda: 0.5, delta: 0.6, gamma: 0.5 });
    expect(PAPER_COMPARISON).toHaveLength(8);
    for (const id of LOSS_IDS) expect(() => resolveParams(id, LOSSES[id].paper)).not.toThrow();
  });

  it('gives every loss its own colour and a formula with the current values written in', () => {
    expect(new Set(LOSS_IDS.map((id) => LOSSES[id].color)).size).toBe(LOSS_IDS.length);
    const text = LOSSES.asymmetricUnifiedFocal.instantiate({ lambda: 0.3, delta: 0.8, gamma: 0.2, alpha: null, beta: null });
    expect(text).toContain('0.3·L_maF + 0.7·L_maFT');
    expect(text).toContain('0.2·(1 − p_i0)^0.2');
    expect(text).toContain('(1 − TI_c)^0.8');
    expect(LOSSES.focalTversky.instantiate(paperParams('focalTversky'))).toContain('^0.75');
  });

  it('docs/LOSSES.md carries the table generated from the registry (npm run docs regenerates it)', () => {
    const url = new URL('../../../docs/LOSSES.md', import.meta.url);
    const doc = readFileSync(url, 'utf8');
    const fresh = withTable(doc);
    if (process.env.UPDATE_DOCS) writeFileSync(url, fresh);
    else expect(doc).toBe(fresh);
  });
});

/** Tensor value of one pixel's distribution term: a single-pixel image of the given class. */
function tensorPixel(id: LossId, params: ResolvedParams, kind: 'background' | 'rare', p: number): number {
  const cls = kind === 'background' ? 0 : 1;
  return tf.tidy(() => {
    const y = tf.tensor(cls === 0 ? [1, 0] : [0, 1], [1, 1, 1, 2]);
    const q = tf.tensor(cls === 0 ? [p, 1 - p] : [1 - p, p], [1, 1, 1, 2]);
    const distId: Partial<Record<LossId, LossId>> = {
      symmetricUnifiedFocal: 'symmetricFocal',
      asymmetricUnifiedFocal: 'asymmetricFocal',
    };
    const target = distId[id] ?? id;
    const ps = id === 'combo' ? { alpha: 1, beta: params.beta } : target === id ? params : { delta: params.delta, gamma: params.gamma };
    return createLoss(target, ps as never)(y, q).dataSync()[0] ?? NaN;
  });
}

/** Tensor value of a class term for a class whose pixels (here 64) are all predicted at p, no false positives. */
function tensorRegion(id: LossId, params: ResolvedParams, kind: 'background' | 'rare', p: number): number {
  const cls = kind === 'background' ? 0 : 1;
  const n = 64;
  return tf.tidy(() => {
    const y = tf.tensor(Array.from({ length: n }, () => (cls === 0 ? [1, 0] : [0, 1])).flat(), [1, 8, 8, 2]);
    const q = tf.tensor(Array.from({ length: n }, () => (cls === 0 ? [p, 1 - p] : [1 - p, p])).flat(), [1, 8, 8, 2]);
    const d = params.delta as number;
    const g = params.gamma as number;
    const options: Record<string, ReturnType<typeof tverskyOptions>> = {
      dice: tverskyOptions(d),
      tversky: tverskyOptions(d),
      combo: tverskyOptions(0.5),
      focalTversky: focalTverskyOptions(d, g),
      symmetricFocalTversky: modifiedFocalTverskyOptions(d, g, false, 2),
      symmetricUnifiedFocal: modifiedFocalTverskyOptions(d, g, false, 2),
      asymmetricFocalTversky: modifiedFocalTverskyOptions(d, g, true, 2),
      asymmetricUnifiedFocal: modifiedFocalTverskyOptions(d, g, true, 2),
    };
    const o = options[id];
    if (!o) throw new Error(`no region term for ${id}`);
    const term = regionTerms(y, q, o).dataSync()[cls] ?? NaN;
    return id === 'combo' ? 1 - term : term;
  });
}

describe('explorer curves agree with the tensor losses', () => {
  const ps = [0.01, 0.2, 0.5, 0.8, 0.97];
  const settings: [LossId, ResolvedParams][] = [
    ...LOSS_IDS.map((id) => [id, paperParams(id)] as [LossId, ResolvedParams]),
    ['symmetricUnifiedFocal', { ...paperParams('symmetricUnifiedFocal'), lambda: 0.2, delta: 0.3, gamma: 0.9 }],
    ['asymmetricUnifiedFocal', { ...paperParams('asymmetricUnifiedFocal'), lambda: 0.8, delta: 0.75, gamma: 0.1 }],
    ['focal', { ...paperParams('focal'), alpha: null, gamma: 0.7 }],
  ];
  const cases = settings.flatMap(([id, params]) => (['background', 'rare'] as const).map((kind) => [id, params, kind] as const));
  it.each(cases)('%s %j, %s pixel', (id, params, kind) => {
    for (const p of ps) {
      const dist = distributionComponent(id, params, kind, p);
      if (dist !== null) expect(dist).toBeCloseTo(tensorPixel(id, params, kind, p), 5);
      const reg = regionComponent(id, params, kind, p);
      // The tensor side has smoothing s and 64 pixels; s/64 moves the value by < 1e-7.
      if (reg !== null) expect(reg).toBeCloseTo(tensorRegion(id, params, kind, p), 5);
      expect(dist !== null || reg !== null).toBe(true);
    }
  });

  it('moving γ changes the unified curve; the asymmetric rare-class focal part ignores γ', () => {
    const grid = probabilityGrid(11);
    const at = (gamma: number, id: LossId, kind: 'background' | 'rare') =>
      componentCurves(id, { ...paperParams(id), gamma }, kind, grid).find((c) => c.component === 'distribution')?.values;
    expect(at(0.2, 'symmetricUnifiedFocal', 'rare')).not.toEqual(at(0.8, 'symmetricUnifiedFocal', 'rare'));
    expect(at(0.2, 'asymmetricUnifiedFocal', 'rare')).toEqual(at(0.8, 'asymmetricUnifiedFocal', 'rare'));
    expect(at(0.2, 'asymmetricUnifiedFocal', 'background')).not.toEqual(at(0.8, 'asymmetricUnifiedFocal', 'background'));
  });
});

describe('the hierarchy of Figure 1 holds numerically', () => {
  const inputs = [
    { shape: [2, 5, 6, 2], seed: 7, weights: [0.85, 0.15] },
    { shape: [1, 3, 4, 5, 3], seed: 8, weights: [0.7, 0.2, 0.1] },
  ];
  const cases = HIERARCHY.flatMap((h) => inputs.map((inp) => [h.label, h, inp] as const));
  it.each(cases)('%s on %j', (_label, h, inp) => {
    const rand = mulberry32(inp.seed);
    const c = inp.shape[inp.shape.length - 1] ?? 2;
    const pixels = inp.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const y = randomOneHot(rand, pixels, inp.weights);
    const p = softmaxLast(randomLogits(rand, pixels * c), c);
    const [unified, target] = tf.tidy(() => {
      const yt = tf.tensor(y, inp.shape);
      const pt = tf.tensor(p, inp.shape);
      return [
        createLoss('symmetricUnifiedFocal', h.unified)(yt, pt).dataSync()[0] ?? NaN,
        createLoss(h.target.id, h.target.params)(yt, pt).dataSync()[0] ?? NaN,
      ];
    });
    const tol = h.exact ? 1e-6 : 1e-5;
    expect(Math.abs(unified - h.factor * target)).toBeLessThanOrEqual(tol * Math.abs(h.factor * target));
  });
});
