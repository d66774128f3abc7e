#!/usr/bin/env node
// Prints CI's closing line from the real results of every suite: vitest's JSON report (every
// project: unit, integration, faults, admin) and the load-test runner's --results file.
//
//   node scripts/test-totals.mjs [--vitest FILE] [--load FILE]
//
// The line is `tests: N passed, N failed` (`, N skipped` when any were skipped). A report that is
// missing or unreadable counts as one failure, so a crashed runner can never read as green. A test
// file that failed to load (its suite errored with no test inside failing) counts as one failure.
// Exits 1 when anything failed.
import { existsSync, readFileSync } from 'node:fs';

const DEFAULTS = { vitest: '.dsp/test-results/vitest.json', load: '.dsp/test-results/load.json' };

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

export function loadTotals(report) {
  return { passed: report.passed ?? 0, failed: report.failed ?? 0, skipped: report.skipped ?? 0 };
}

export function formatTotals(t) {
  return `tests: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`;
}

function read(file, totals, label, notes) {
  if (!existsSync(file)) {
    notes.push(`${label}: no report at ${file} (counted as 1 failure)`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  try {
    return totals(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    notes.push(`${label}: unreadable report ${file}: ${e.message} (counted as 1 failure)`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

function main(argv) {
  const o = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--vitest') o.vitest = argv[++i];
    else if (argv[i] === '--load') o.load = argv[++i];
    else if (argv[i] === '--no-load') o.load = null;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const notes = [];
  const parts = [read(o.vitest, vitestTotals, 'vitest', notes)];
  if (o.load) parts.push(read(o.load, loadTotals, 'load tests', notes));
  const sum = parts.reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped }));
  for (const n of notes) console.log(n);
  console.log(formatTotals(sum));
  return sum.failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
