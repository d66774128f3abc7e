// A tiny vitest run for scripts/vitest-reporter.test.ts: one passing and one failing test.
export default { test: { include: ['*.fixture.ts'] } };
