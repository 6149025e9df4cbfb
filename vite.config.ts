/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The studio is a static single-page app; tfjs runs in module workers (worker.format 'es').
// Vite's dev server does not pre-scan worker imports, so the heavy dependencies are listed in
// optimizeDeps.include to avoid a mid-session "optimized dependencies changed" reload.
export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
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
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
