/**
 * The rank-5 wrappers of core/kernels/webgpu.ts: the axis merging (pure), and a 3D U-Net training
 * step on WebGPU (Dawn on Chromium's SwiftShader Vulkan driver, in a child process: the Vulkan
 * loader reads its environment at start) against the same step on the CPU backend.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mergedShapes } from './webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('rank-5 kernels on WebGPU', () => {
  it('merges adjacent axes every operand spans whole or broadcasts', () => {
    // A bias over the channels: B, D, H, W merge (x spans them whole, the bias broadcasts them all).
    expect(mergedShapes([[2, 4, 5, 6, 8], [8]], [2, 4, 5, 6, 8])).toEqual({ operands: [[240, 8], [1, 8]], out: [240, 8] });
    // A per-sample, per-channel mean.
    expect(mergedShapes([[2, 4, 5, 6, 8], [2, 1, 1, 1, 8]], [2, 4, 5, 6, 8])).toEqual({ operands: [[2, 120, 8], [2, 1, 8]], out: [2, 120, 8] });
    // Equal shapes: one axis.
    expect(mergedShapes([[2, 3, 4, 5, 6], [2, 3, 4, 5, 6]], [2, 3, 4, 5, 6])).toEqual({ operands: [[720], [720]], out: [720] });
    // Alternating broadcasts cannot merge.
    expect(mergedShapes([[2, 1, 4, 1, 6], [1, 3, 1, 5, 1]], [2, 3, 4, 5, 6])).toBeNull();
  });

  it.skipIf(!existsSync(SWIFTSHADER_ICD))('a 3D U-Net step on WebGPU equals the CPU backend’s: loss, output and every gradient', () => {
    const script = `
import * as tf from '@tensorflow/tfjs';
import { startBackend } from './src/cli/backend.ts';
import { buildUNet3D } from './src/core/model/unet3d.ts';
import { createLoss } from './src/core/losses/index.ts';
const run = async (backend) => {
  await startBackend(backend);
  const model = buildUNet3D({ inputDepth: 8, inputHeight: 8, inputWidth: 8, inputChannels: 1, numClasses: 2, depth: 1, baseFilters: 4, seed: 5 });
  const n = 2 * 8 * 8 * 8;
  const x = tf.tensor5d(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)), [2, 8, 8, 8, 1]);
  const y = tf.oneHot(tf.tensor4d(Int32Array.from({ length: n }, (_, i) => (Math.cos(i * 0.11) > 0.6 ? 1 : 0)), [2, 8, 8, 8], 'int32'), 2).toFloat();
  const loss = createLoss('asymmetricUnifiedFocal', {});
  const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true })));
  // Gradients in the model's weight order (variable names get a suffix in the second model).
  const out = { loss: (await value.data())[0], names: [], grads: [] };
  for (const w of model.trainableWeights) {
    const g = Object.entries(grads).find(([k]) => k === w.read().name || k === w.name || k.startsWith(w.originalName));
    out.names.push(w.originalName);
    out.grads.push(g ? Array.from(await g[1].data()) : null);
  }
  return out;
};
const gpu = await run('webgpu');
const cpu = await run('cpu');
let worst = 0; let worstName = '';
for (let j = 0; j < cpu.grads.length; j++) {
  const g = cpu.grads[j]; const h = gpu.grads[j]; const k = cpu.names[j];
  if (!g || !h) { worst = Infinity; worstName = 'missing gradient ' + k; continue; }
  const scale = Math.max(1e-6, ...g.map(Math.abs));
  const d = Math.max(...g.map((v, i) => Math.abs(v - h[i]))) / scale;
  if (d > worst) { worst = d; worstName = k; }
}
console.log(JSON.stringify({ cpu: cpu.loss, gpu: gpu.loss, worst, worstName, n: cpu.grads.length }));
process.exit(0);`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/chromium', VK_ICD_FILENAMES: SWIFTSHADER_ICD },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { cpu: number; gpu: number; worst: number; worstName: string; n: number };
    console.info(out.trim().split("\n").pop());
    expect(r.n).toBeGreaterThan(10);
    expect(Math.abs(r.gpu - r.cpu)).toBeLessThan(1e-4 * Math.max(1, Math.abs(r.cpu)));
    // Every gradient within 1e-3 of its largest value (float32 on two backends).
    expect(r.worst, r.worstName).toBeLessThan(1e-3);
  }, 150_000);
});
