// Redis holds only rebuildable state. When the sync marker is missing (a flushed or replaced
// Redis), the primary rebuilds revocations, user status, limits and counters from Postgres —
// at start and after every reconnect — so a revoked token stays refused.
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Config } from '@dsp/config';
import type { Pool, Services } from '@dsp/db';
import { keys } from '@dsp/core';
import type { Logger } from './log.js';

const RETRY_MS = 2000;

export function watchSyncMarker(config: Config, log: Logger): () => Promise<void> {
  const redis = redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);
  const marker = keys.syncMarker(config.redis.key_prefix);
  // the service layer and pg load only when the marker is missing: a primary restarted against
  // a Redis that kept its state never loads them (memory, issue 21)
  let db: { pool: Pool; services: Services } | null = null;
  let running = false;
  let retry: NodeJS.Timeout | null = null;

  const check = async () => {
    if (running) return;
    running = true;
    try {
      if (await redis.exists(marker)) return;
      if (!db) {
        const { createPool, createServices } = await import('@dsp/db');
        const pool = createPool(config.database, { max: 2 });
        db = { pool, services: createServices({ pool, redis, config, actor: 'gateway:primary' }) };
      }
      if (await db.services.syncIfMarkerMissing()) log.warn('redis had lost its state: rebuilt revocations, user status, limits and counters from postgres');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'could not rebuild redis state from postgres; retrying');
      retry = setTimeout(() => void check(), RETRY_MS);
    } finally {
      running = false;
    }
  };
  redis.on('ready', () => void check());
  return async () => {
    if (retry) clearTimeout(retry);
    redis.disconnect();
    await db?.pool.end();
  };
}
