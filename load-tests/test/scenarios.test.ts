// The load scenarios as vitest's last project, so `pnpm test` runs them and vitest's own totals
// (and CI's closing line, computed from vitest's JSON report) count them: `run.mjs --ci` starts its
// own stack, runs every scenario once with k6 or the node fallback, and writes which held; each
// scenario is then one test here. Its log (thresholds, percentiles) goes straight to the output.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../lib/scenarios.mjs';

const RUN = fileURLToPath(new URL('../run.mjs', import.meta.url));

interface Results {
  names: { passed: string[]; failed: string[]; skipped: string[] };
}

const dir = mkdtempSync(join(tmpdir(), 'dsp-load-'));
let results: Results | null = null;
let exitCode: number | null = null;

beforeAll(async () => {
  const file = join(dir, 'results.json');
  exitCode = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [RUN, '--ci', '--results', file], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  try {
    results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    results = null; // the runner crashed before writing: every scenario below fails
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('load scenarios (k6 when installed, else the node fallback)', () => {
  for (const name of SCENARIOS) {
    it(`${name}: every threshold held`, () => {
      expect(results, 'the load runner wrote no results').not.toBeNull();
      expect(results!.names.passed).toContain(name);
    });
  }

  it('the gateway stayed up through every scenario and the runner exited 0', () => {
    expect(results?.names.failed ?? ['no results']).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
