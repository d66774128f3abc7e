// The contracts the docs hold stay in step with the code: every error code of the registry has a
// row in README's error table, and every metric the gateway registers is in docs/ARCHITECTURE.md's
// metric table (a metric added without documenting it fails here).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '@dsp/core';

const root = new URL('..', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** The source files of a directory tree, tests left out. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

/** The text of a markdown section, from its heading to the next heading of the same level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const level = heading.split(' ')[0]!;
  const next = markdown.indexOf(`\n${level} `, start + heading.length + 2);
  return markdown.slice(start, next === -1 ? undefined : next);
}

describe('documented contracts', () => {
  it("every error code of the registry is a row of README's error table", () => {
    const table = section(read('README.md'), '### Error codes');
    for (const [code, { status }] of Object.entries(ERRORS)) {
      if (code === 'internal_error') continue; // a bug, not a contract
      const row = table.split('\n').find((l) => l.includes(`\`${code}\``));
      expect(row, code).toBeDefined();
      expect(row, code).toContain(String(status));
    }
  });

  it('every metric the gateway registers is in the metric table of docs/ARCHITECTURE.md', () => {
    const table = section(read('docs/ARCHITECTURE.md'), '## Metrics');
    const names = new Set<string>();
    // prom-client metrics by their `name`, and the one the primary writes as text (# TYPE line)
    const declared = /name: '(dsp_[a-z_]+)'|# TYPE (dsp_[a-z_]+) /g;
    for (const f of sources('apps/gateway/src')) for (const m of read(f).matchAll(declared)) names.add(m[1] ?? m[2]!);
    expect(names.size).toBeGreaterThan(20);
    for (const name of names) expect(table, name).toContain(`\`${name}\``);
  });
});
