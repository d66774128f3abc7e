// Test helpers (@dsp/db/testing): a throwaway, migrated database per test run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from './migrate.js';
import { maintenanceUrl, quoteIdent } from './pool.js';

export const TEST_SERVER_URL = process.env.DSP_TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TempDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE dsp_test_<random> on the test server, migrated; drop() removes it. */
export async function createTempDatabase(options: { migrate?: boolean } = {}): Promise<TempDatabase> {
  const name = `dsp_test_${randomBytes(6).toString('hex')}`;
  const serverUrl = maintenanceUrl(TEST_SERVER_URL);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  const url = maintenanceUrl(TEST_SERVER_URL, name);
  if (options.migrate !== false) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
  }
  return {
    url,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A random Redis key prefix for one test file, e.g. `dsp-test-1a2b3c4d:`. */
export function randomKeyPrefix(): string {
  return `dsp-test-${randomBytes(4).toString('hex')}:`;
}

/** Delete every key under a prefix (SCAN, not KEYS). */
export async function deleteKeysWithPrefix(
  redis: { scanStream(o: { match: string; count: number }): NodeJS.ReadableStream; del(...keys: string[]): Promise<number> },
  prefix: string,
): Promise<number> {
  let n = 0;
  const stream = redis.scanStream({ match: prefix.replace(/[*?[\]\\]/g, '\\$&') + '*', count: 1000 });
  for await (const batch of stream as AsyncIterable<string[]>) {
    if (batch.length) n += await redis.del(...batch);
  }
  return n;
}

/** DROP DATABASE IF EXISTS on the test server (for tests that create one by other means). */
export async function dropDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: maintenanceUrl(TEST_SERVER_URL) });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
