import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without types
import { formatTotals, vitestTotals } from './test-totals.mjs';

const script = new URL('./test-totals.mjs', import.meta.url).pathname;

function run(report?: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-totals-'));
  const file = join(dir, 'v.json');
  if (report !== undefined) writeFileSync(file, typeof report === 'string' ? report : JSON.stringify(report));
  try {
    return { code: 0, out: execFileSync(process.execPath, [script, '--vitest', file], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

const lastLine = (out: string) => out.trimEnd().split('\n').at(-1);

describe('CI closing line', () => {
  it("sums vitest's report: passed, failed, pending and todo as skipped", () => {
    const r = run({ numPassedTests: 400, numFailedTests: 0, numPendingTests: 2, numTodoTests: 1, testResults: [] });
    expect(lastLine(r.out)).toBe('tests: 400 passed, 0 failed, 3 skipped');
    expect(r.code).toBe(0);
  });

  it('fails the run on a failed test and reports it', () => {
    const r = run({ numPassedTests: 10, numFailedTests: 2, testResults: [{ status: 'failed', assertionResults: [{ status: 'failed' }] }] });
    expect(lastLine(r.out)).toBe('tests: 10 passed, 2 failed');
    expect(r.code).toBe(1);
  });

  it('counts a file that failed to load as a failure', () => {
    expect(vitestTotals({ numPassedTests: 3, numFailedTests: 0, testResults: [{ status: 'failed', assertionResults: [] }] })).toEqual({
      passed: 3,
      failed: 1,
      skipped: 0,
    });
  });

  it('never reads a missing or broken report as green', () => {
    const missing = run();
    expect(lastLine(missing.out)).toBe('tests: 0 passed, 1 failed');
    expect(missing.code).toBe(1);
    const broken = run('{not json');
    expect(lastLine(broken.out)).toBe('tests: 0 passed, 1 failed');
    expect(broken.code).toBe(1);
  });

  it('formats without a skipped part when nothing was skipped', () => {
    expect(formatTotals({ passed: 1, failed: 0, skipped: 0 })).toBe('tests: 1 passed, 0 failed');
  });
});
