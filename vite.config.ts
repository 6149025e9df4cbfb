/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The Content-Security-Policy of the built app: everything it loads or contacts is its own.
 * - default-src 'self': anything not named below comes from the studio's own origin only.
 * - script-src 'self': the bundled scripts only; no inline script, no eval, no remote script.
 * - worker-src 'self': the decoding and training workers are bundled files of the app.
 * - connect-src 'self': fetch, XHR and WebSockets reach the studio's own origin only, so no
 *   data can be sent anywhere else ("nothing leaves your machine").
 * - img-src 'self' data: blob:: the favicon (data:) and plotly's PNG export, which draws an SVG
 *   from a blob: or data: URL onto a canvas.
 * - style-src 'self' 'sha256-47DEQ…': the bundled CSS, and the one empty <style> element plotly
 *   adds (the hash is that of the empty string; plotly then fills it through the CSSOM, which the
 *   policy does not govern, as it does not govern styles set through element.style). Style
 *   attributes in markup stay refused: plotly writes them only for <span style>, <sup> and
 *   <sub> in text, and for trace types the studio does not draw.
 * - object-src 'none': no plugins. base-uri 'self': no <base> pointing URLs elsewhere.
 * - form-action 'none': the studio has no form to submit anywhere.
 * Neither 'unsafe-eval' nor 'wasm-unsafe-eval': nothing the studio runs needs them. The bundles'
 * only code-from-strings are polyfills modern browsers never reach (plotly's Function.prototype.bind
 * and global-object fallbacks), and tfjs's Long.js tries a tiny WebAssembly module in a
 * try/catch and computes in JavaScript when it is refused.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/**
 * Puts the policy into every built HTML page as its first <meta> (it covers what follows it).
 * Build only: the dev server's hot reload needs an inline script and a WebSocket.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'studio-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

// The studio is a static single-page app; tfjs runs in module workers (worker.format 'es').
// Vite's dev server does not pre-scan worker imports, so the heavy dependencies are listed in
// optimizeDeps.include to avoid a mid-session "optimized dependencies changed" reload.
export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  server: { host: '127.0.0.1', port: 5173 },
  // The preview also sends the policy as a header: a <meta> policy covers the page only, a
  // worker script follows the policy delivered with its own response.
  preview: { host: '127.0.0.1', port: 4173, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: { format: 'es' },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      'plotly.js',
      'react-plotly.js/factory',
      'cornerstone-core',
    ],
  },
  build: {
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: { main: 'index.html', selfcheck: 'selfcheck.html', bench: 'bench.html' },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'e2e/bundle/*.test.ts'],
    environment: 'node',
    // Node tests train on the CPU backend with the product's fast kernels, as the studio does.
    setupFiles: ['src/core/kernels/testing/setup.ts'],
    testTimeout: 60_000,
  },
});
