/**
 * Choosing the tfjs backend explicitly, inside a worker or a page: ask for a WebGPU adapter
 * first, check the result of tf.setBackend, and report what runs, including whether the WebGPU
 * adapter is a software fallback (e.g. SwiftShader). tfjs would otherwise fall back silently.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { registerFastCpuKernels } from '../core/kernels';
import { registerWebGpuRank5Kernels } from '../core/kernels/webgpu';

export type BackendName = 'webgpu' | 'webgl' | 'cpu';

export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface BackendInfo {
  /** The backend tfjs reports after the switch (tf.getBackend()). */
  name: BackendName;
  /** Adapter vendor, architecture and description for WebGPU; empty otherwise. */
  adapter: string;
  /** True when the WebGPU adapter is a software fallback (no real GPU behind it). */
  software: boolean;
  /** WebGPU: the adapter's buffer limits in bytes (tfjs-backend-webgpu asks its device for these maxima). */
  limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export type BackendResult = { ok: true; info: BackendInfo } | { ok: false; name: BackendName; reason: string };

async function describeWebGpu(): Promise<{ adapter: string; software: boolean; limits: NonNullable<BackendInfo['limits']> } | string> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return 'this browser exposes no WebGPU (navigator.gpu is missing)';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'no WebGPU adapter is available (requestAdapter() returned null)';
  const info = adapter.info;
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' · ');
  const fallback = Boolean(info.isFallbackAdapter);
  const swiftshader = /swiftshader/i.test(text);
  const limits = { maxBufferSize: Number(adapter.limits.maxBufferSize), maxStorageBufferBindingSize: Number(adapter.limits.maxStorageBufferBindingSize) };
  return { adapter: text || 'unnamed adapter', software: fallback || swiftshader, limits };
}

/** Switches tfjs to `name` and says whether it worked, and why not. */
export async function switchBackend(name: BackendName): Promise<BackendResult> {
  let adapter = '';
  let software = false;
  let limits: BackendInfo['limits'];
  if (name === 'webgpu') {
    const d = await describeWebGpu();
    if (typeof d === 'string') return { ok: false, name, reason: d };
    adapter = d.adapter;
    software = d.software;
    limits = d.limits;
  }
  // The CPU backend trains on the typed-array kernels of core/kernels (the stock ones read every
  // element through TensorBuffer.get: a step of the default U-Net is ~20× slower on them).
  if (name === 'cpu') registerFastCpuKernels();
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    return { ok: false, name, reason: `tf.setBackend('${name}') threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  const active = tf.getBackend();
  if (!ok || active !== name) {
    return { ok: false, name, reason: `tf.setBackend('${name}') returned ${ok}; the active backend is ${active}` };
  }
  if (name === 'webgl') software = /swiftshader|llvmpipe|software/i.test(webglRenderer());
  // tfjs-backend-webgpu 4.22 miscompiles rank-5 broadcasts (the 3D U-Net's): core/kernels/webgpu.ts.
  if (name === 'webgpu') registerWebGpuRank5Kernels();
  return { ok: true, info: { name, adapter: name === 'webgl' ? webglRenderer() : adapter, software, ...(limits ? { limits } : {}) } };
}

function webglRenderer(): string {
  try {
    const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
    const gl = backend.gpgpu?.gl;
    if (!gl) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } catch {
    return '';
  }
}

/** Tries the backends in order (default webgpu → webgl → cpu) and returns the first that works, with the reasons the others failed. */
export async function chooseBackend(order: readonly BackendName[] = BACKEND_ORDER): Promise<{ info: BackendInfo; skipped: string[] }> {
  const skipped: string[] = [];
  for (const name of order) {
    const r = await switchBackend(name);
    if (r.ok) return { info: r.info, skipped };
    skipped.push(`${r.name}: ${r.reason}`);
  }
  throw new Error(`No tfjs backend could start: ${skipped.join('; ')}`);
}
