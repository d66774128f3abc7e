// The single server-side instance of the Postgres pool, the Redis client and the service layer
// (@dsp/db). Kept on globalThis so every route bundle of the Next server shares one of each.
import 'server-only';
import type { Pool, RedisClient, Services } from '@dsp/db';
import { loadDb } from './dsp';
import { getConfig } from './env';

interface Backend {
  pool: Pool;
  redis: RedisClient;
  services: Services;
}

const KEY = Symbol.for('dsp.admin.backend');
type Holder = { [KEY]?: Promise<Backend> };

async function build(): Promise<Backend> {
  const config = getConfig();
  const { createPool, createServerRedis, createServices } = await loadDb();
  const pool = createPool(config.database);
  const redis: RedisClient = createServerRedis(config.redis.url, { cluster: config.redis.cluster });
  const services = createServices({ pool, redis, config, actor: 'admin' });
  return { pool, redis, services };
}

export function backend(): Promise<Backend> {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const p = build();
    g[KEY] = p;
    p.catch(() => {
      if (g[KEY] === p) delete g[KEY];
    });
  }
  return g[KEY];
}

/** The service layer acting as an operator (recorded as `admin:<username>` in the audit log). */
export async function servicesAs(username: string): Promise<Services> {
  return (await backend()).services.withActor(`admin:${username}`);
}

export async function services(): Promise<Services> {
  return (await backend()).services;
}

export async function redis(): Promise<RedisClient> {
  return (await backend()).redis;
}
