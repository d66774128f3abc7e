import { defineConfig } from 'vitest/config';

// Unit tests sit next to pure code (src/**/*.test.ts); integration and fault tests live in test/
// folders and talk to real Redis, Postgres and processes, so they run after the unit tests.
export default defineConfig({
  test: {
    // the JSON report is what CI's closing `tests: N passed, N failed` line is computed from
    // (scripts/test-totals.mjs); the default reporter stays for people reading the log
    reporters: ['default', 'json'],
    outputFile: { json: '.dsp/test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'load-tests/*.test.ts', 'scripts/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'apps/admin/**'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        // the admin console in Debian's Chromium against a real gateway, Redis and Postgres
        test: {
          name: 'admin',
          include: ['apps/admin/test/**/*.test.ts'],
          sequence: { groupOrder: 3 },
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // a mutation's server round trip and page refresh can take seconds on a loaded host
          expect: { poll: { timeout: 10_000 } },
        },
      },
      {
        // k6 scenarios (or their node fallback) against a 2-worker stack of their own, last: each
        // scenario is one test, so vitest's totals and CI's closing line count them
        test: {
          name: 'load',
          include: ['load-tests/test/**/*.test.ts'],
          sequence: { groupOrder: 4 },
          testTimeout: 30_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
