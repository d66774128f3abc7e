// Postgres connections: the pool every process uses, transactions, and creating the database on
// a fresh machine.
import pg from 'pg';
import type { DatabaseSettings } from './config.js';
import { pgCode } from './errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export function createPool(db: DatabaseSettings, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: db.url,
    max: db.pool_size ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'deepseek-proxy',
    ...options,
  });
  // an idle client losing its connection must not crash the process; the next query reconnects
  pool.on('error', () => {});
  return pool;
}

/** Run `fn` in a transaction on one pooled client; rolls back when it throws. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** The database name of a postgres:// URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`database URL ${redactUrl(url)} names no database`);
  return name;
}

/** The same server, database `postgres` (the maintenance database every cluster has). */
export function maintenanceUrl(url: string, db = 'postgres'): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(db);
  return u.toString();
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * Create the URL's database when it does not exist (connecting to `postgres` on the same server).
 * Safe when two processes race: the loser sees "already exists". Returns whether it created it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  // the common case: the database is there, and we may not even be allowed into `postgres`
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await probe.connect();
    return false;
  } catch (e) {
    if (pgCode(e) !== '3D000') throw e; // invalid_catalog_name = database does not exist
  } finally {
    await probe.end().catch(() => {});
  }
  const admin = new pg.Client({ connectionString: maintenanceUrl(url), connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  } catch (e) {
    // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index
    if (pgCode(e) === '42P04' || pgCode(e) === '23505') return false;
    throw e;
  } finally {
    await admin.end().catch(() => {});
  }
}
