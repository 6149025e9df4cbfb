import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENTATION, NO_AUGMENTATION, type AugmentationConfig } from '../data/augment';
import { createRng } from '../data/rng';
import { generateSynthetic3D } from '../data/synthetic3d';
import type { Case } from '../data/types';
import { batchArrays3D, type BatchArrays3D, type Sample3D } from '../data/volume3d';
import { registerFastCpuKernels, restoreStockCpuKernels } from '../kernels';
import { createLoss } from '../losses';
import { buildUNet3D, DEFAULT_UNET3D } from '../model';
import { prepareVolume, volumeBatch } from './volumes';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});
afterAll(() => restoreStockCpuKernels());

/** A W×H×D volume of random intensities with labels from `label(x, y, z)`. */
function volume(W: number, H: number, D: number, seed: number, label: (x: number, y: number, z: number) => number): Sample3D {
  const r = createRng(seed);
  const n = W * H * D;
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let z = 0, i = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        image[i] = r.uniform(-1, 1);
        labels[i] = label(x, y, z);
      }
    }
  }
  return { width: W, height: H, depth: D, channels: 1, image, labels };
}

const ALL: AugmentationConfig = {
  scale: { probability: 1, range: [0.85, 1.25] },
  rotation: { probability: 1, maxDegrees: 15 },
  mirror: { probability: 0.5, horizontal: true, vertical: false },
  elastic: { probability: 1, alpha: [0, 200], sigma: [9, 13] },
  brightness: { probability: 1, range: [0.5, 2] },
};

function item(a: BatchArrays3D, b: number): { x: Float32Array; y: Float32Array } {
  const { depth, height, width, channels, classes } = a.shape;
  const n = depth * height * width;
  return { x: a.x.slice(b * n * channels, (b + 1) * n * channels), y: a.y.slice(b * n * classes, (b + 1) * n * classes) };
}

describe('volumeBatch', () => {
  const vols = [0, 1, 2].map((s) => volume(24, 20, 18, s, (x, y, z) => (Math.hypot(x - 6 - 5 * s, y - 9, z - 8) < 3 ? 1 + s : 0)));
  const patch = { width: 12, height: 10, depth: 8 };

  it('without augmentation (null or every probability 0) equals batchArrays3D: the same patches bit for bit', () => {
    const opts = { numClasses: 4, patch, foregroundProbability: 1 / 3 };
    for (const seed of [1, 2, 3]) {
      const expected = batchArrays3D(vols, [2, 0, 1], createRng(seed), opts);
      expect(volumeBatch(vols, [2, 0, 1], createRng(seed), { ...opts, augmentation: null })).toEqual(expected);
      expect(volumeBatch(vols, [2, 0, 1], createRng(seed), { ...opts, augmentation: NO_AUGMENTATION })).toEqual(expected);
    }
  });

  it('mirroring alone flips the plain patch along the drawn axes, image and one-hot labels together', () => {
    const opts = { numClasses: 4, patch, foregroundProbability: 1 };
    const plain = volumeBatch(vols, [1], createRng(5), { ...opts, augmentation: null });
    const mirrored = volumeBatch(vols, [1], createRng(5), { ...opts, augmentation: { ...NO_AUGMENTATION, mirror: { probability: 1, horizontal: false, vertical: false } } });
    const { width: W, height: H, depth: D } = patch;
    const at = (x: number, y: number, z: number) => (z * H + y) * W + x;
    for (let z = 0; z < D; z++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const o = at(x, y, z);
          const s = at(W - 1 - x, H - 1 - y, D - 1 - z);
          expect(mirrored.x[o]).toBe(plain.x[s]);
          for (let k = 0; k < 4; k++) expect(mirrored.y[o * 4 + k]).toBe(plain.y[s * 4 + k]);
        }
      }
    }
  });

  it('a volume gets the same patch and augmentation whatever batch it lands in; seeds differ', () => {
    const opts = { numClasses: 4, patch, foregroundProbability: 1 / 3, augmentation: ALL };
    const together = volumeBatch(vols, [0, 1, 2], createRng(7), opts);
    const alone = volumeBatch(vols, [1], createRng(7), opts);
    expect(item(together, 1)).toEqual(item(alone, 0));
    expect(volumeBatch(vols, [0, 1, 2], createRng(7), opts)).toEqual(together);
    expect(volumeBatch(vols, [0, 1, 2], createRng(8), opts).x).not.toEqual(together.x);
  });

  it('augmented one-hot labels sum to 1 per voxel with no class a volume does not hold; the foreground rule still picks the centre', () => {
    // one small blob of class 3 in the middle of a large volume: every foreground-centred patch holds it after augmentation
    const big = volume(48, 48, 48, 4, (x, y, z) => (Math.hypot(x - 30, y - 20, z - 25) < 2.5 ? 3 : 0));
    for (let seed = 0; seed < 10; seed++) {
      const a = volumeBatch([big, vols[0]!], [0, 1], createRng(seed), { numClasses: 4, patch: { width: 16, height: 16, depth: 16 }, foregroundProbability: 1, augmentation: ALL });
      const n = 16 ** 3;
      const counts = [0, 0, 0, 0];
      for (let v = 0; v < 2 * n; v++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) {
          sum += a.y[v * 4 + k]!;
          if (a.y[v * 4 + k] === 1) counts[k]! += v < n ? 1 : 0;
        }
        expect(sum).toBe(1);
      }
      // the first volume holds classes 0 and 3 only, the second 0 and 1
      expect(counts[1]! + counts[2]!).toBe(0);
      expect(counts[3]!).toBeGreaterThan(0);
      for (let v = n; v < 2 * n; v++) expect(a.y[v * 4 + 2]! + a.y[v * 4 + 3]!).toBe(0);
    }
  });

  it('prepared volumes carry their grid spacing; strongly anisotropic ones are rotated in-plane only', () => {
    const [c] = generateSynthetic3D({ seed: 2, count: 1, width: 24, height: 24, depth: 8, kind: 'blobs', foregroundFraction: 0.05 });
    const own = prepareVolume({ ...c!, image: { ...c!.image, spacing: [0.8, 0.8, 4] } } as Case);
    expect(own.spacing).toEqual([0.8, 0.8, 4]);
    const resampled = prepareVolume({ ...c!, image: { ...c!.image, spacing: [1, 1, 2] } } as Case, { spacing: [2, 2, 2] });
    expect(resampled.spacing).toEqual([2, 2, 2]);
    // image = z: in-plane transforms keep every slice's value
    const flat = { ...own, image: own.image.map((_, i) => Math.floor(i / (24 * 24))) };
    const rotateOnly = { ...NO_AUGMENTATION, rotation: { probability: 1, maxDegrees: 15 }, scale: { probability: 1, range: [0.85, 1.25] as const } };
    const P = { width: 12, height: 12, depth: 4 };
    for (let seed = 0; seed < 5; seed++) {
      const a = volumeBatch([flat], [0], createRng(seed), { numClasses: 2, patch: P, foregroundProbability: 0, augmentation: rotateOnly });
      const plain = volumeBatch([flat], [0], createRng(seed), { numClasses: 2, patch: P, foregroundProbability: 0, augmentation: null });
      for (let z = 0; z < 4; z++) for (let i = 0; i < 144; i++) expect(a.x[z * 144 + i]).toBeCloseTo(plain.x[z * 144]!, 4);
    }
  });

  it('costs far less than a 3-D training step: 32³ patches, the 3-D U-Net of DEFAULT_UNET3D at batch 2 (printed, not asserted)', () => {
    const big = volume(64, 64, 64, 9, (x, y, z) => (Math.hypot(x - 30, y - 34, z - 28) < 8 ? 1 : 0));
    const P = { width: 32, height: 32, depth: 32 };
    const vs = [big, big];
    const time = (aug: AugmentationConfig | null, reps: number) => {
      const t = performance.now();
      for (let r = 0; r < reps; r++) volumeBatch(vs, [0, 1], createRng(r), { numClasses: 2, patch: P, foregroundProbability: 1 / 3, augmentation: aug });
      return (performance.now() - t) / reps / 2;
    };
    time(ALL, 2);
    const plain = time(null, 10);
    const paper = time(DEFAULT_AUGMENTATION, 20);
    const all = time(ALL, 5);

    const model = buildUNet3D(DEFAULT_UNET3D);
    const loss = createLoss('crossEntropy');
    const optimizer = tf.train.sgd(0.1);
    const a = volumeBatch(vs, [0, 1], createRng(1), { numClasses: 2, patch: P, foregroundProbability: 1 / 3, augmentation: null });
    const x = tf.tensor5d(a.x, [2, 32, 32, 32, 1]);
    const y = tf.tensor5d(a.y, [2, 32, 32, 32, 2]);
    const step = () => tf.tidy(() => void optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor)));
    step();
    const t = performance.now();
    const steps = 2;
    for (let s = 0; s < steps; s++) step();
    const stepMs = (performance.now() - t) / steps;
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    const f = (ms: number) => `${ms.toFixed(1)} ms (${((100 * 2 * ms) / stepMs).toFixed(1)} % of a step)`;
    console.log(
      `32³ patch from a 64³ volume, per patch: cut only ${f(plain)}; the paper's augmentation (p 0.15) ${f(paper)}; every transform (p 1, elastic included) ${f(all)}; ` +
        `a DEFAULT_UNET3D training step at batch 2 (2 patches): ${stepMs.toFixed(0)} ms`,
    );
    expect(stepMs).toBeGreaterThan(0);
  }, 120_000);
});
