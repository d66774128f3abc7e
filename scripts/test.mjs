#!/usr/bin/env node
// `pnpm test`: build every package, run every vitest project (unit, integration, faults, admin and
// the load scenarios), then print the closing line `tests: N passed, N failed` from vitest's JSON
// report (scripts/test-totals.mjs), the run's only count line. Extra arguments go to
// vitest. Exits non-zero when the build or any test failed. Under `.ci/run` (CI_TOTALS_AT_END=1) the
// line is left to the run's end, so a CI log holds exactly one `tests:` line, its last.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const report = '.dsp/test-results/vitest.json'; // where vitest.config.ts writes it
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

rmSync(`${root}/${report}`, { force: true }); // a stale report must never count
let status = run('pnpm', ['exec', 'turbo', 'run', 'build']);
// vitest's default output without its own count lines (scripts/vitest-reporter.mjs), and the JSON
// report the closing line is computed from
const reporters = ['--reporter', `${root}/scripts/vitest-reporter.mjs`, '--reporter', 'json'];
if (status === 0) status = run('pnpm', ['exec', 'vitest', 'run', ...reporters, ...process.argv.slice(2)]);
if (process.env.CI_TOTALS_AT_END === '1') process.exit(status);
const totals = run(process.execPath, ['scripts/test-totals.mjs', '--vitest', report]);
process.exit(status || totals);
