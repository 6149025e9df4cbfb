/**
 * Every loss against values computed independently in float64 with numpy
 * (src/core/losses/__fixtures__/losses_reference.py → __fixtures__/reference.json): 2D and 3D, binary and
 * 3-class, random, tiny and empty masks, perfect and confidently wrong predictions,
 * probabilities at exactly 0 and 1, defaults, paper settings and other settings.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss, LOSS_IDS } from './index';
import type { ReferenceCase } from './selfcheck';
import { withinTolerance } from './tolerance';


const reference = JSON.parse(readFileSync(new URL('./__fixtures__/reference.json', import.meta.url), 'utf8')) as {
  cases: ReferenceCase[];
};


beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('reference table', () => {
  it('covers every loss in 2D and 3D, binary and 3-class', () => {
    for (const id of LOSS_IDS) {
      const cases = reference.cases.filter((c) => c.loss === id);
      const kinds = new Set(cases.map((c) => `${c.shape.length === 5 ? '3d' : '2d'}-${c.shape[c.shape.length - 1]}`));
      expect([...kinds].sort(), id).toEqual(['2d-2', '2d-3', '3d-2', '3d-3']);
      for (const scenario of ['tiny', 'empty-random', 'empty-perfect', 'perfect', 'wrong', 'mixed01']) {
        expect(cases.some((c) => c.name.endsWith(scenario)), `${id} ${scenario}`).toBe(true);
      }
    }
    expect(reference.cases.length).toBeGreaterThanOrEqual(200);
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const value = tf.tidy(() => {
      const y = tf.tensor(c.yTrue, c.shape);
      const p = tf.tensor(c.yPred, c.shape);
      return createLoss(c.loss, c.params)(y, p).dataSync()[0] ?? NaN;
    });
    expect(Number.isFinite(value)).toBe(true);
    if (!withinTolerance(value, c.expected)) {
      expect.fail(`${c.name}: got ${value}, expected ${c.expected} (relative error ${Math.abs(value - c.expected) / Math.abs(c.expected)})`);
    }
  });
});
