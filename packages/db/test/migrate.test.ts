import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MIGRATIONS_DIR, ensureDatabase, loadMigrations, maintenanceUrl, migrate, migrateDatabase, quoteIdent } from '../src/index.js';
import { createTempDatabase, TEST_SERVER_URL, type TempDatabase } from '../src/testing.js';

const dbs: TempDatabase[] = [];
const extraNames: string[] = [];

afterAll(async () => {
  for (const d of dbs) await d.drop();
  const c = new pg.Client({ connectionString: maintenanceUrl(TEST_SERVER_URL) });
  await c.connect();
  for (const n of extraNames) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(n)} WITH (FORCE)`);
  await c.end();
});

async function tables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
    return r.rows.map((x) => x.t);
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  it('finds the numbered SQL files next to the package', async () => {
    const ms = await loadMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms[0]!.name).toBe('001_initial');
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort((a, b) => a - b));
  });

  it('creates every table, and a second run is a no-op', async () => {
    const db = await createTempDatabase({ migrate: false });
    dbs.push(db);
    const pool = new pg.Pool({ connectionString: db.url });
    const first = await migrate(pool);
    expect(first.applied).toContain('001_initial');
    const second = await migrate(pool);
    expect(second).toEqual({ applied: [], changed: [] });
    await pool.end();
    expect(await tables(db.url)).toEqual([
      'account_alerts',
      'admin_api_keys',
      'admin_sessions',
      'admins',
      'api_idempotency',
      'audit_log',
      'budget_alerts',
      'refusal_batches',
      'refusals',
      'schema_migrations',
      'tokens',
      'usage_ledger',
      'users',
    ]);
  });

  it('is safe when several processes migrate at once', async () => {
    const db = await createTempDatabase({ migrate: false });
    dbs.push(db);
    const pools = Array.from({ length: 6 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    const results = await Promise.all(pools.map((p) => migrate(p)));
    await Promise.all(pools.map((p) => p.end()));
    const all = results.flatMap((r) => r.applied);
    const ms = await loadMigrations();
    // every migration applied exactly once, by whichever process got the lock first
    expect(all.sort()).toEqual(ms.map((m) => m.name).sort());
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const n = await c.query('SELECT count(*)::int AS n FROM schema_migrations');
    await c.end();
    expect(n.rows[0].n).toBe(ms.length);
  });

  it('creates the database when it does not exist (also under a race)', async () => {
    const name = `dsp_test_${randomBytes(6).toString('hex')}`;
    extraNames.push(name);
    const url = maintenanceUrl(TEST_SERVER_URL, name);
    const created = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
    expect(created.filter(Boolean).length).toBe(1);
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('migrateDatabase creates and migrates a fresh database, then does nothing', async () => {
    const name = `dsp_test_${randomBytes(6).toString('hex')}`;
    extraNames.push(name);
    const url = maintenanceUrl(TEST_SERVER_URL, name);
    const r1 = await migrateDatabase(url);
    expect(r1.created).toBe(true);
    expect(r1.applied.length).toBeGreaterThan(0);
    const r2 = await migrateDatabase(url);
    expect(r2).toEqual({ created: false, applied: [], changed: [] });
    expect(await tables(url)).toContain('usage_ledger');
  });

  it('002_admin_roles gives operators created before it the admin role', async () => {
    const db = await createTempDatabase({ migrate: false });
    dbs.push(db);
    const only001 = mkdtempSync(join(tmpdir(), 'dsp-mig-'));
    copyFileSync(new URL('001_initial.sql', MIGRATIONS_DIR), join(only001, '001_initial.sql'));
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      expect((await migrate(pool, { dir: pathToFileURL(only001 + '/') })).applied).toEqual(['001_initial']);
      await pool.query("INSERT INTO admins (id, username, password_hash) VALUES ('a1', 'old', 'x')");
      expect((await migrate(pool)).applied).toContain('002_admin_roles');
      const r = await pool.query('SELECT role FROM admins');
      expect(r.rows).toEqual([{ role: 'admin' }]);
    } finally {
      await pool.end();
      rmSync(only001, { recursive: true, force: true });
    }
  });
});

describe('190_quota_unlimited', () => {
  it('turns the old "0 = unlimited" into an explicit -1, moves updated_at on, and refuses other negatives', async () => {
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { pathToFileURL, fileURLToPath } = await import('node:url');
    const db = await createTempDatabase({ migrate: false });
    dbs.push(db);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const only001 = mkdtempSync(join(tmpdir(), 'dsp-mig-'));
      copyFileSync(fileURLToPath(new URL('../migrations/001_initial.sql', import.meta.url)), join(only001, '001_initial.sql'));
      await migrate(pool, { dir: pathToFileURL(only001 + '/') });
      await pool.query(`INSERT INTO users (id, daily_requests, daily_tokens, monthly_tokens, updated_at)
        VALUES ('old0', 0, 5, NULL, '2026-01-01'), ('old5', 5, NULL, NULL, '2026-01-01')`);
      expect((await migrate(pool)).applied).toContain('190_quota_unlimited');
      const rows = (await pool.query('SELECT id, daily_requests, daily_tokens, monthly_tokens, updated_at FROM users ORDER BY id')).rows;
      expect(rows.map((r) => [r.id, r.daily_requests, r.daily_tokens, r.monthly_tokens])).toEqual([
        ['old0', '-1', '5', null],
        ['old5', '5', null, null],
      ]);
      expect(rows[0].updated_at.getTime()).toBeGreaterThan(Date.parse('2026-01-01'));
      expect(rows[1].updated_at.getTime()).toBe(Date.parse('2026-01-01'));
      await expect(pool.query(`UPDATE users SET daily_requests = -2 WHERE id = 'old5'`)).rejects.toThrow(/users_daily_requests_check/);
    } finally {
      await pool.end();
    }
  });
});
