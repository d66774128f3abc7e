// No import cycles in our source, type-only imports included: ESLint's import-x/no-cycle catches
// the run-time ones (scripts/lint-rules.test.ts); this catches the type-level ones it skips, which
// still tie two modules together for a reader. The type-cycle fixture shows the check can fail.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain ES module without types
import { cycles, importGraph, sourceFiles } from './import-graph.mjs';

const root = new URL('..', import.meta.url).pathname;
const named = (found: string[][]) => found.map((c) => c.map((f) => relative(root, f)));

describe('import cycles (type-only imports count)', () => {
  it('none in apps/*/src and packages/*/src', () => {
    const dirs = ['apps', 'packages'].flatMap((top) => readdirSync(join(root, top)).map((p) => join(root, top, p, 'src')));
    const files = sourceFiles(dirs);
    expect(files.length).toBeGreaterThan(100);
    expect(named(cycles(importGraph(files)))).toEqual([]);
  });

  it('reports a cycle made only of type imports, and one at run time', () => {
    const found = named(cycles(importGraph(sourceFiles([join(root, 'scripts/lint-fixtures/type-cycle'), join(root, 'scripts/lint-fixtures/cycle')]))));
    expect(found.sort()).toEqual([
      ['scripts/lint-fixtures/cycle/a.ts', 'scripts/lint-fixtures/cycle/b.ts'],
      ['scripts/lint-fixtures/type-cycle/a.ts', 'scripts/lint-fixtures/type-cycle/b.ts'],
    ]);
  });
});
