import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** Everything under src/core must stay pure: it runs in Node tests and in the worker. */
const CORE_FORBIDDEN_IMPORTS = {
  paths: [
    { name: 'react', message: 'src/core is pure TypeScript: no React.' },
    { name: 'react-dom', message: 'src/core is pure TypeScript: no React.' },
    { name: 'zustand', message: 'src/core holds no UI state.' },
    { name: 'plotly.js', message: 'src/core draws nothing.' },
    { name: 'react-plotly.js', message: 'src/core draws nothing.' },
    { name: 'cornerstone-core', message: 'src/core knows no viewer.' },
  ],
  patterns: [
    { group: ['react/*', 'react-dom/*', 'zustand/*', 'react-plotly.js/*'], message: 'src/core is pure TypeScript.' },
    {
      group: ['**/features/**', '**/state/**', '**/app/**', '**/worker/**'],
      message: 'src/core imports nothing from features/, state/, app/ or worker/.',
    },
  ],
};

/**
 * Pages never load tfjs: tensors live in the workers. Type imports are fine; these modules
 * import tfjs at run time.
 */
const PAGE_FORBIDDEN_IMPORTS = {
  patterns: [
    { group: ['@tensorflow/*'], message: 'tfjs runs in the workers only.', allowTypeImports: true },
    {
      regex: '(^|/)core/(losses(/index|/distribution|/region|/tensors|/selfcheck)?|model(/.*)?|kernels(/.*)?|training(/index|/experiment|/trainer|/checkpoint|/checkpointCodec|/optimizer|/slidingWindow|/slidingWindow3d|/volumes|/samples|/stepBench)?|engine/(engine|trainingService|predictionService|probe))$',
      message: 'this module loads tfjs: pages use the tfjs-free modules (losses/registry, training/runs, …) or ask a worker.',
      allowTypeImports: true,
    },
  ],
};

const DOM_GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage', 'navigator', 'HTMLElement', 'HTMLCanvasElement', 'indexedDB'].map(
  (name) => ({ name, message: 'src/core runs in Node and in workers: no DOM.' }),
);

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'e2e-artifacts', 'e2e/bench/.out', 'e2e/fuzz/.out'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}', 'src/features/**/*.{ts,tsx}', 'src/state/**/*.{ts,tsx}'],
    ignores: ['src/app/bench.tsx'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', PAGE_FORBIDDEN_IMPORTS] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', CORE_FORBIDDEN_IMPORTS],
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
    },
  },
);
