// Tokens rotated with a grace period are revoked when it ends: the recorder (the one process with
// Postgres and Redis that always runs somewhere) sweeps every few seconds. One UPDATE takes each
// due token, so several recorders never revoke one twice.
import { retireDueTokens, type Pool } from '@dsp/db';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export const RETIRE_INTERVAL_MS = 2000;

export function startTokenRetirer(o: { pool: Pool; redis: Redis; prefix: string; log: Logger; intervalMs?: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    retireDueTokens(o.pool, o.redis, o.prefix)
      .then((done) => done.length && o.log.info({ tokens: done.map((t) => t.id) }, 'rotated tokens retired at the end of their grace period'))
      .catch((e: Error) => o.log.warn({ err: e.message }, 'token retirement sweep failed; retried'))
      .finally(() => (running = false));
  }, o.intervalMs ?? RETIRE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
