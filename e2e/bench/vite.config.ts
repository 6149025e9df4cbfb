import { defineConfig } from 'vite';

/** Bundles the Node benchmarks (TypeScript importing src/core) into e2e/bench/.out for plain node. */
export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'e2e/bench/.out',
    emptyOutDir: true,
    target: 'node20',
    rolldownOptions: { input: { io: 'e2e/bench/io.ts', training: 'e2e/bench/training.ts' }, output: { format: 'es', entryFileNames: '[name].mjs' } },
  },
});
