import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

describe("pnpm test's vitest reporter", () => {
  it('prints results and failures but no count line another runner could claim; the closing line is the only total', () => {
    const r = spawnSync(
      process.execPath,
      [here('../node_modules/vitest/vitest.mjs'), 'run', '--root', here('reporter-fixture'), '--reporter', here('vitest-reporter.mjs')],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
      },
    );
    const out = r.stdout + r.stderr;
    expect(r.status).toBe(1);
    expect(out).toContain('sample.fixture.ts (2 tests | 1 failed)');
    expect(out).toContain('AssertionError: expected 2 to be 3'); // the failure in full
    expect(out).not.toMatch(/^\s*(Test Files|Tests)\s+\d/m); // vitest's own summary
    expect(out).not.toMatch(/\d+ passed/);
    expect(out).toContain('vitest: done; the totals are on the closing line');
  });
});
