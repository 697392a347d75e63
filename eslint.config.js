// ESLint flat config. typescript-eslint's `recommended` set without type information (no
// parserOptions.project), so `npx eslint .` stays fast; type errors are `npm run typecheck`'s job.
// Layering and import cycles are checked separately by scripts/check-layers.mjs.

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node globals for plain .js/.mjs scripts (TS files get these from @types/node; for them
// typescript-eslint turns `no-undef` off).
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder',
    'AbortController', 'AbortSignal', 'structuredClone', 'queueMicrotask', 'performance', 'fetch',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig([
  globalIgnores([
    'dist/**',
    '**/node_modules/**',
    'coverage/**',
    '.nyc_output/**',
    'out/**',
    'test-artifacts/**',
    'docs/api/**',
    // The shared design folder lives next to the checkout (../shared) and may be linked in as shared/.
    'shared/**',
    '../shared/**',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
  },

  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'warn',
      // `_`-prefixed names are deliberately unused (placeholders, ignored tuple slots, catch bindings).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // Library code: no `any` at all (tests and scripts may use it, with a warning).
    files: ['src/**/*.{ts,mts,cts,tsx}'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
]);
