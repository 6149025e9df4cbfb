/**
 * How the end-to-end tests and the benchmarks start Chromium: Debian's build (or CHROMIUM_PATH),
 * with real WebGPU. On a machine without a GPU, the software adapter (SwiftShader) serves WebGPU
 * with these flags; the page must come from localhost (a secure context) for navigator.gpu.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
