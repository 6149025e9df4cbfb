/**
 * WebGPU for Node through Dawn (the npm package `webgpu`, its prebuilt dist/<platform>/dawn.node).
 * Node 20 has no navigator: {@link installDawn} sets globalThis.navigator = { gpu } and Dawn's
 * WebGPU classes and constants (GPUBufferUsage, …) as globals. tfjs-backend-webgpu registers its
 * backend only if navigator.gpu exists when it is first imported, so this must run before.
 *
 * dawn.node finds the Vulkan driver through the Vulkan loader (libvulkan.so.1 on
 * LD_LIBRARY_PATH) and its ICD files (VK_ICD_FILENAMES): e.g. Chromium's SwiftShader
 * (/usr/lib/chromium/vk_swiftshader_icd.json) on a machine without a GPU, or NVIDIA's ICD.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter says it is a fallback adapter (a software implementation such as SwiftShader). */
  isFallbackAdapter: boolean;
  /** Fallback, or a name that says software (SwiftShader, llvmpipe, lavapipe). */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface DawnInstall {
  /** Where dawn.node was loaded from. */
  source: string;
  options: string[];
  /** The adapter tfjs will get (power preference high-performance), or why there is none. */
  adapter: AdapterReport | { error: string };
}

async function loadDawn(path: string | null): Promise<{ module: DawnModule; source: string }> {
  if (path === null) return { module: (await import('webgpu')) as DawnModule, source: "import 'webgpu'" };
  const full = resolve(path);
  if (!existsSync(full)) throw new Error(`--dawn / DAWN_NODE: ${full} does not exist`);
  if (statSync(full).isDirectory()) {
    return { module: (await import(pathToFileURL(join(full, 'index.js')).href)) as DawnModule, source: join(full, 'index.js') };
  }
  return { module: createRequire(import.meta.url)(full) as DawnModule, source: full };
}

const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'] as const;

/** Vendor, architecture, device, description and whether the adapter is a software one. */
export async function describeAdapter(gpu: GPU): Promise<AdapterReport | { error: string }> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { error: 'requestAdapter() returned null: no WebGPU adapter (is a Vulkan loader and driver reachable?)' };
  // The fields are getters on the prototype: read each one.
  const info = adapter.info;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  const isFallbackAdapter = Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter,
    software: isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(text),
    features: [...adapter.features].map(String).sort(),
    limits: Object.fromEntries(LIMITS.map((k) => [k, adapter.limits[k]])),
  };
}

/** Loads Dawn and installs navigator.gpu and the WebGPU globals. */
export async function installDawn(path: string | null, options: readonly string[]): Promise<DawnInstall> {
  const { module, source } = await loadDawn(path);
  Object.assign(globalThis, module.globals);
  const gpu = module.create([...options]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return { source, options: [...options], adapter: await describeAdapter(gpu) };
}

/** Drops the reference to Dawn's GPU object so that Node may exit. */
export function releaseDawn(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav) delete nav.gpu;
}
