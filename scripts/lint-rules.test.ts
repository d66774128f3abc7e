// The dependency rules of eslint.config.js bite: each fixture of scripts/lint-fixtures/ breaks one
// rule and is linted with the project's own config as if it sat where the rule applies; the same
// code where the rule allows it is clean. (The fixtures are ignored by `pnpm lint` itself.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(join(root, 'scripts/lint-fixtures', name), 'utf8');

let eslint: ESLint;
beforeAll(() => {
  // ignore: false lints the fixtures, which the config's ignores leave out of `pnpm lint`
  eslint = new ESLint({ cwd: root, ignore: false });
});

/** Rule ids and messages of the errors ESLint reports for `code` as the file at `path`. */
async function errorsAt(code: string, path: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.filter((m) => m.severity === 2).map((m) => ({ rule: m.ruleId, message: m.message }));
}

const rules = (errors: { rule: string | null }[]) => errors.map((e) => e.rule);

// a cold ESLint with typescript-eslint takes seconds on a loaded machine
describe('dependency rules', { timeout: 60_000 }, () => {
  it('packages/config imports nothing of ours', async () => {
    const errors = await errorsAt(fixture('config-imports-ours.ts'), 'packages/config/src/fixture.ts');
    expect(rules(errors)).toEqual(['no-restricted-imports']);
    expect(errors[0]!.message).toContain('packages/config imports nothing of ours');
  });

  it('packages/core imports neither @dsp/db nor an app', async () => {
    const db = await errorsAt(fixture('core-imports-db.ts'), 'packages/core/src/fixture.ts');
    expect(rules(db)).toEqual(['no-restricted-imports']);
    expect(db[0]!.message).toContain('no @dsp/db');
    const app = await errorsAt(fixture('core-imports-app.ts'), 'packages/core/src/fixture.ts');
    expect(rules(app)).toEqual(['no-restricted-imports']);
    expect(app[0]!.message).toContain('imports no app');
  });

  it('the console never imports the gateway (by package or by path)', async () => {
    const errors = await errorsAt(fixture('admin-imports-gateway.ts'), 'apps/admin/src/server/fixture.ts');
    expect(rules(errors)).toEqual(['no-restricted-imports', 'no-restricted-imports']);
    // the gateway's own code may of course import itself
    expect(await errorsAt(fixture('admin-imports-gateway.ts'), 'apps/gateway/src/accounts/fixture.ts')).toEqual([]);
  });

  it('only apps/gateway/src/http/ imports uWebSockets.js', async () => {
    const errors = await errorsAt(fixture('stage-imports-uws.ts'), 'apps/gateway/src/accounts/fixture.ts');
    expect(rules(errors)).toEqual(['no-restricted-imports']);
    expect(errors[0]!.message).toContain('only apps/gateway/src/http/');
    expect(await errorsAt(fixture('stage-imports-uws.ts'), 'apps/gateway/src/http/fixture.ts')).toEqual([]);
  });

  it('process.env only in packages/config, entry points, scripts and tests', async () => {
    const code = fixture('reads-env.ts');
    for (const path of ['apps/gateway/src/worker-part.ts', 'packages/core/src/fixture.ts', 'packages/db/src/fixture.ts', 'apps/cli/src/context-part.ts']) {
      expect(rules(await errorsAt(code, path)), path).toEqual(['no-restricted-properties']);
    }
    for (const path of [
      'packages/config/src/fixture.ts',
      'apps/gateway/src/main.ts',
      'apps/gateway/src/recorder-main.ts',
      'scripts/fixture.mjs',
      'apps/gateway/test/fixture.test.ts',
    ]) {
      expect(await errorsAt(code, path), path).toEqual([]);
    }
  });

  it('no import cycles (type-only imports are not edges)', async () => {
    const results = await eslint.lintFiles([join(root, 'scripts/lint-fixtures/cycle/*.ts'), join(root, 'scripts/lint-fixtures/type-cycle/*.ts')]);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(root.length)}: ${m.ruleId}`));
    expect(errors.sort()).toEqual(['scripts/lint-fixtures/cycle/a.ts: import-x/no-cycle', 'scripts/lint-fixtures/cycle/b.ts: import-x/no-cycle']);
  });
});
