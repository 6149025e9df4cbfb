/**
 * The tfjs backend of a command-line run, chosen explicitly and never changed silently:
 * `cpu` (tfjs-backend-cpu in Node) or `webgpu` (tfjs-backend-webgpu on Dawn, see dawn.ts). Dawn
 * must be installed before tfjs-backend-webgpu is first imported (it registers itself only when
 * navigator.gpu exists then), so the worker's backend module is imported here after it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../worker/backend';
import { installDawn, type AdapterReport } from './dawn';

export type NodeBackend = 'cpu' | 'webgpu';

export interface NodeBackendInfo extends BackendInfo {
  /** The WebGPU adapter Dawn found (webgpu only). */
  dawnAdapter?: AdapterReport;
}

/** Switches tfjs to `name`; an Error says why it cannot (no adapter: no fallback to the CPU). */
export async function startBackend(name: NodeBackend): Promise<NodeBackendInfo> {
  let dawnAdapter: AdapterReport | undefined;
  if (name === 'webgpu') {
    let install;
    try {
      install = await installDawn(null, []);
    } catch (e) {
      throw new Error(`--backend webgpu: Dawn (the webgpu package) could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if ('error' in install.adapter) {
      throw new Error(
        `--backend webgpu: ${install.adapter.error}. No fallback is made: use --backend cpu, or make a Vulkan driver reachable ` +
          '(libvulkan.so.1 on LD_LIBRARY_PATH and its ICD in VK_ICD_FILENAMES; without a GPU, Chromium’s SwiftShader: /usr/lib/chromium)',
      );
    }
    dawnAdapter = install.adapter;
  }
  const { switchBackend } = await import('../worker/backend');
  const r = await switchBackend(name);
  if (!r.ok) throw new Error(`--backend ${name}: ${r.reason}`);
  if (name === 'cpu') {
    // tfjs-backend-cpu greets Node users once, on its first tensor, recommending tfjs-node (which
    // needs a native download): the run says which backend it uses instead.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  return { ...r.info, ...(dawnAdapter ? { dawnAdapter } : {}) };
}
