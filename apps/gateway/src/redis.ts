// The worker's Redis connection: every hot-path call with a deadline, no offline queue (a request
// never waits for a reconnect; it gets 503 or is admitted per config). With redis.cluster the same
// options go to an ioredis Cluster seeded from redis.url: every key of one request carries the
// user's hash tag, so each script runs on the one node owning that slot.
import type { Redis } from 'ioredis';
import type { Config } from '@dsp/config';
import { evalRunner, type ScriptRunner } from '@dsp/core';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Logger } from './log.js';
import { ScriptClient } from './redis/script-client.js';

/** Typed as a single-node client; a Cluster speaks every command the gateway uses the same way. */
export type GatewayRedis = Redis;

export function connectRedis(url: string, timeoutMs: number, onState: (ready: boolean) => void, cluster = false): GatewayRedis {
  const r = redisClient(url, cluster, redisPolicies.hotPath(timeoutMs));
  // errors are reported through these state changes and failed commands
  r.on('ready', () => onState(true));
  r.on('end', () => onState(false));
  r.on('close', () => onState(false));
  return r;
}

/**
 * A worker's two connections: ioredis (outbox, account control) and the runner of the hot path's
 * scripts — the lean script client on single-node `redis://`, ioredis on TLS and Cluster.
 * Ready (`onReady(true)`) while both are connected.
 */
export function connectWorkerRedis(
  config: Config,
  log: Logger,
  onReady: (ready: boolean) => void,
): { redis: GatewayRedis; scripts: ScriptRunner; disconnect(): void } {
  const ownScriptClient = !config.redis.cluster && new URL(config.redis.url).protocol === 'redis:';
  const up = { client: false, scripts: !ownScriptClient };
  let wasReady = false;
  const onRedisState = (which: keyof typeof up) => (ready: boolean) => {
    up[which] = ready;
    const both = up.client && up.scripts;
    if (both !== wasReady) log.info({ ready: both }, both ? 'redis ready' : 'redis connection lost');
    wasReady = both;
    onReady(both);
  };
  const timeoutMs = config.limits.redis_timeout_ms;
  const redis = connectRedis(config.redis.url, timeoutMs, onRedisState('client'), config.redis.cluster);
  const scriptClient = ownScriptClient ? new ScriptClient({ url: config.redis.url, timeoutMs, onState: onRedisState('scripts') }) : null;
  return {
    redis,
    scripts: scriptClient ?? evalRunner(redis),
    disconnect() {
      redis.disconnect();
      scriptClient?.disconnect();
    },
  };
}

/** Resolves once `ready()` holds, or after `ms` regardless. */
export async function whenReady(ready: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}
