import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without types
import { formatTotals, loadTotals, vitestTotals } from './test-totals.mjs';

const script = new URL('./test-totals.mjs', import.meta.url).pathname;

function run(files: { vitest?: unknown; load?: unknown }) {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-totals-'));
  const args = [script, '--vitest', join(dir, 'v.json'), '--load', join(dir, 'l.json')];
  if (files.vitest !== undefined) writeFileSync(join(dir, 'v.json'), typeof files.vitest === 'string' ? files.vitest : JSON.stringify(files.vitest));
  if (files.load !== undefined) writeFileSync(join(dir, 'l.json'), JSON.stringify(files.load));
  try {
    return { code: 0, out: execFileSync(process.execPath, args, { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

const lastLine = (out: string) => out.trimEnd().split('\n').at(-1);

describe('CI closing line', () => {
  it('sums vitest projects and the load tests', () => {
    const r = run({
      vitest: { numPassedTests: 400, numFailedTests: 0, numPendingTests: 2, numTodoTests: 1, testResults: [] },
      load: { passed: 5, failed: 0, skipped: 0 },
    });
    expect(lastLine(r.out)).toBe('tests: 405 passed, 0 failed, 3 skipped');
    expect(r.code).toBe(0);
  });

  it('fails the run on a failed test and reports it', () => {
    const r = run({
      vitest: { numPassedTests: 10, numFailedTests: 2, testResults: [{ status: 'failed', assertionResults: [{ status: 'failed' }] }] },
      load: { passed: 4, failed: 1, skipped: 0 },
    });
    expect(lastLine(r.out)).toBe('tests: 14 passed, 3 failed');
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
    const missing = run({ load: { passed: 5, failed: 0, skipped: 0 } });
    expect(lastLine(missing.out)).toBe('tests: 5 passed, 1 failed');
    expect(missing.code).toBe(1);
    const broken = run({ vitest: '{not json', load: { passed: 1, failed: 0 } });
    expect(lastLine(broken.out)).toBe('tests: 1 passed, 1 failed');
    expect(broken.code).toBe(1);
  });

  it('formats without a skipped part when nothing was skipped', () => {
    expect(formatTotals(loadTotals({ passed: 1, failed: 0, skipped: 0 }))).toBe('tests: 1 passed, 0 failed');
  });
});
