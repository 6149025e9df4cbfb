import { defineConfig } from 'vite';

/** Bundles the Node benchmarks (TypeScript importing src/core) into bench/.out for plain node. */
export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'bench/.out',
    emptyOutDir: true,
    target: 'node20',
    rolldownOptions: { input: { io: 'bench/io.ts', training: 'bench/training.ts' }, output: { format: 'es', entryFileNames: '[name].mjs' } },
  },
});
