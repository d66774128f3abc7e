#!/usr/bin/env node
// Prints the closing line from vitest's JSON report, which holds every suite: the unit,
// integration, faults, admin and load projects (the load scenarios run as vitest's last project).
//
//   node scripts/test-totals.mjs [--vitest FILE]
//
// The line is `tests: N passed, N failed` (`, N skipped` when any were skipped). A report that is
// missing or unreadable counts as one failure, so a crashed runner can never read as green. A test
// file that failed to load (its suite errored with no test inside failing) counts as one failure.
// Exits 1 when anything failed.
import { existsSync, readFileSync } from 'node:fs';

const DEFAULT_REPORT = '.dsp/test-results/vitest.json';

export function vitestTotals(report) {
  let failed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    const failedInside = (file.assertionResults ?? []).some((a) => a.status === 'failed');
    if (file.status === 'failed' && !failedInside) failed += 1;
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

export function formatTotals(t) {
  return `tests: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`;
}

function read(file) {
  if (!existsSync(file)) return { totals: { passed: 0, failed: 1, skipped: 0 }, note: `vitest: no report at ${file} (counted as 1 failure)` };
  try {
    return { totals: vitestTotals(JSON.parse(readFileSync(file, 'utf8'))) };
  } catch (e) {
    return { totals: { passed: 0, failed: 1, skipped: 0 }, note: `vitest: unreadable report ${file}: ${e.message} (counted as 1 failure)` };
  }
}

function main(argv) {
  let file = DEFAULT_REPORT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--vitest') file = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const { totals, note } = read(file);
  if (note) console.log(note);
  console.log(formatTotals(totals));
  return totals.failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
