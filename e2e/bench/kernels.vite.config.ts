import { defineConfig } from 'vite';

/**
 * Bundles the CPU kernels benchmark (e2e/bench/kernels.ts, TypeScript importing src/core) into
 * e2e/bench/.out/kernels/kernels.mjs for plain node, dependencies included.
 */
export default defineConfig({
  logLevel: 'warn',
  ssr: { noExternal: true },
  build: {
    ssr: true,
    outDir: 'e2e/bench/.out/kernels',
    emptyOutDir: true,
    target: 'node20',
    rolldownOptions: {
      input: { kernels: 'e2e/bench/kernels.ts' },
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
