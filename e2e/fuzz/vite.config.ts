import { defineConfig } from 'vite';

/** Bundles the fuzz harness (TypeScript importing src/core) into e2e/fuzz/.out for plain node. */
export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'e2e/fuzz/.out/dist',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      input: { fuzz: 'e2e/fuzz/fuzz.ts', worker: 'e2e/fuzz/worker.ts' },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
});
