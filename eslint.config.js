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
 * Pages never load tfjs: tensors live in the workers. A page importing @tensorflow directly is
 * refused here (type imports are fine); one that reaches tfjs through a core module that loads it
 * is caught by `npm run test:bundle`, which checks the built page chunks for any @tensorflow
 * module and names the chain of imports. The tfjs-free parts of each core area (model/spec.ts,
 * losses/registry.ts, training/config.ts, engine/configuration.ts, …) are what pages import.
 */
const PAGE_FORBIDDEN_IMPORTS = {
  patterns: [{ group: ['@tensorflow/*'], message: 'tfjs runs in the workers only.', allowTypeImports: true }],
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
