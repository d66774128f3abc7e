// ESLint flat config: typescript-eslint's recommended rules for every package, and the dependency
// rules of docs/ARCHITECTURE.md ("Packages and dependency rules"); formatting is Prettier's job
// (`pnpm lint` runs both). scripts/lint-rules.test.ts proves each dependency rule reports its
// violation, on the fixtures in scripts/lint-fixtures/ (ignored here, linted only by that test).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Tests and test support: they may read the environment and start any part of the product. */
const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/test/**', 'test/**', 'packages/db/src/testing.ts'];

/** Where `process.env` may be read: the config package, entry points, scripts and tests. */
const ENV_READERS = [
  'packages/config/**',
  'apps/gateway/src/main.ts',
  'apps/gateway/src/*-main.ts',
  'apps/cli/src/main.ts',
  // the console's one environment module (Next.js has no main)
  'apps/admin/src/server/env.ts',
  'scripts/**',
  '**/scripts/**',
  'bench/**',
  'load-tests/**',
  ...TESTS,
];

const restrictImports = (patterns, paths = []) => ['error', { paths, patterns }];

export default tseslint.config(
  {
    ignores: [
      'scripts/lint-fixtures/**',
      '**/dist/**',
      '**/.next/**',
      '**/node_modules/**',
      '**/.turbo/**',
      'coverage/**',
      'test-artifacts/**',
      'apps/admin/next-env.d.ts',
      '.dsp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        crypto: 'readonly',
        structuredClone: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        ReadableStream: 'readonly',
        __ENV: 'readonly',
        __VU: 'readonly',
        __ITER: 'readonly',
        open: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        EventSource: 'readonly',
        localStorage: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // no import cycles (type-only imports are not edges: they vanish at run time)
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { 'import-x': importX },
    settings: {
      // the files import-x parses to follow imports (by default only .js)
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.mts'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.json'],
          // TypeScript's NodeNext imports name the emitted .js file
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] },
          conditionNames: ['types', 'import', 'default'],
        }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['packages/config/**'],
    rules: {
      'no-restricted-imports': restrictImports([{ group: ['@dsp/*'], message: 'packages/config imports nothing of ours (docs/ARCHITECTURE.md).' }]),
    },
  },
  {
    files: ['packages/core/**'],
    rules: {
      'no-restricted-imports': restrictImports([
        { group: ['@dsp/db', '@dsp/db/*'], message: 'packages/core is pure domain logic: no @dsp/db (docs/ARCHITECTURE.md).' },
        {
          group: ['@dsp/gateway', '@dsp/gateway/*', '@dsp/admin', '@dsp/admin/*', '@dsp/cli', '@dsp/cli/*', '**/apps/**'],
          message: 'packages/core imports no app (docs/ARCHITECTURE.md).',
        },
      ]),
    },
  },
  {
    files: ['apps/admin/**'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': restrictImports([
        {
          group: ['@dsp/gateway', '@dsp/gateway/*', '**/gateway/src/**', '**/apps/gateway/**'],
          message: 'the console never imports the gateway (docs/ARCHITECTURE.md).',
        },
      ]),
    },
  },
  {
    files: ['apps/gateway/src/**'],
    ignores: ['apps/gateway/src/http/**'],
    rules: {
      'no-restricted-imports': restrictImports(
        [],
        [{ name: 'uWebSockets.js', message: 'only apps/gateway/src/http/ touches uWebSockets.js (docs/ARCHITECTURE.md).' }],
      ),
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.js', '**/*.mjs'],
    ignores: ENV_READERS,
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'read the environment in packages/config or an entry point, and pass the loaded Config (docs/ARCHITECTURE.md).',
        },
      ],
    },
  },
);
