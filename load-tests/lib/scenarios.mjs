// The scenarios `run.mjs` runs by default (and CI runs, one vitest test each: test/scenarios.test.ts).
export const SCENARIOS = ['smoke', 'throughput', 'streaming', 'contention', 'quota'];
