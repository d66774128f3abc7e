// SQL migrations: packages/db/migrations/NNN_name.sql, applied in order, each in its own
// transaction holding a transaction-level advisory lock, so concurrent migrators serialise and
// the second one finds everything applied. Running it twice is a no-op.
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase, withTransaction } from './pool.js';

export const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);

/** Arbitrary constant shared by every deepseek-proxy migrator ("dspmigr" in ASCII, fits int8). */
const LOCK_KEY = '7238535034620274';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  /** applied migrations whose file changed since (not re-run; edit with a new migration instead) */
  changed: string[];
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3,}_[A-Za-z0-9_-]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(new URL(file, dir), 'utf8');
    const version = Number(file.slice(0, file.indexOf('_')));
    if (out.some((m) => m.version === version)) throw new Error(`two migrations share version ${version}`);
    out.push({
      version,
      name: file.replace(/\.sql$/, ''),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return out;
}

export async function migrate(pool: pg.Pool, options: { dir?: URL } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const applied: string[] = [];
  const changed: string[] = [];
  for (const m of migrations) {
    await withTransaction(pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCK_KEY]);
      await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await c.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.rows[0]) {
        if (done.rows[0].checksum !== m.checksum) changed.push(m.name);
        return;
      }
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      applied.push(m.name);
    });
  }
  return { applied, changed };
}

/** Create the database if needed, then migrate it: what `pnpm start` and `dsp migrate` run. */
export async function migrateDatabase(url: string): Promise<MigrateResult & { created: boolean }> {
  const created = await ensureDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  try {
    return { created, ...(await migrate(pool)) };
  } finally {
    await pool.end();
  }
}
