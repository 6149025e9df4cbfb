import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { startBackend } from './backend';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs startBackend in a fresh Node process (the Vulkan loader reads its environment at start). */
function inChild(backend: string, env: Record<string, string>): string {
  const script = `import { startBackend } from './src/cli/backend.ts';
try { const i = await startBackend(${JSON.stringify(backend)}); console.log(JSON.stringify(i)); }
catch (e) { console.log('ERROR ' + e.message); }
process.exit(0);`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('startBackend', () => {
  it('cpu: switches to tfjs-backend-cpu without the tfjs-node greeting', async () => {
    const warn = vi.spyOn(console, 'warn');
    const info = await startBackend('cpu');
    expect(info).toEqual({ name: 'cpu', adapter: '', software: false });
    expect(await tf.add(tf.tensor1d([1, 2]), 1).data()).toEqual(new Float32Array([2, 3]));
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/tfjs-node/);
  });
  it('webgpu without a Vulkan driver: a clear error, no fallback to the CPU', () => {
    const out = inChild('webgpu', { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' });
    expect(out).toMatch(/ERROR --backend webgpu: requestAdapter\(\) returned null.*No fallback is made: use --backend cpu/);
  }, 60_000);
  it.skipIf(!existsSync(SWIFTSHADER_ICD))('webgpu on Chromium’s SwiftShader Vulkan driver: runs, and says it is a software adapter', () => {
    const out = inChild('webgpu', { LD_LIBRARY_PATH: '/usr/lib/chromium', VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    const info = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { name: string; software: boolean; dawnAdapter?: { software: boolean } };
    expect(info.name).toBe('webgpu');
    expect(info.software).toBe(true);
    expect(info.dawnAdapter?.software).toBe(true);
  }, 60_000);
});
