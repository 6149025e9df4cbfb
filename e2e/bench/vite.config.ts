import { defineConfig } from 'vite';

/**
 * Bundles the Node benchmarks (TypeScript importing src/core) into e2e/bench/.out for plain node.
 * Dependencies are bundled too, so that node.mjs runs with no node_modules but `webgpu`
 * (Dawn's native binding, loaded at run time from node_modules or a given path); Playwright,
 * which the browser benchmark drives, stays external.
 */
export default defineConfig({
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['webgpu', '@playwright/test', 'playwright', 'playwright-core'] },
  build: {
    ssr: true,
    outDir: 'e2e/bench/.out',
    emptyOutDir: true,
    target: 'node20',
    rolldownOptions: {
      input: { io: 'e2e/bench/io.ts', training: 'e2e/bench/training.ts', node: 'e2e/bench/node.ts' },
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
