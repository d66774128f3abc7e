// The worker's Redis connection: scripts registered once, every hot-path call with a deadline, no
// offline queue (a request never waits for a reconnect; it gets 503 or is admitted per config).
// With redis.cluster the same options go to an ioredis Cluster seeded from redis.url: every key of
// one request carries the user's hash tag, so each script runs on the one node owning that slot.
import type { Redis, Cluster } from 'ioredis';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import { SCRIPTS } from '@dsp/core';
import { shaOf, type HotScripts } from './redis/script-client.js';

/**
 * Typed as a single-node client; a Cluster speaks every command the gateway uses the same way.
 * defineScripts gives it the script commands under the same names the script client has.
 */
export interface GatewayRedis extends Redis, HotScripts {}

export function defineScripts(r: Redis | Cluster): void {
  for (const [name, s] of Object.entries(SCRIPTS)) r.defineCommand(name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
}

export function connectRedis(url: string, timeoutMs: number, onState: (ready: boolean) => void, cluster = false): GatewayRedis {
  const r = redisClient(url, cluster, redisPolicies.hotPath(timeoutMs));
  // errors are reported through these state changes and failed commands
  r.on('ready', () => onState(true));
  r.on('end', () => onState(false));
  r.on('close', () => onState(false));
  defineScripts(r);
  const g = r as GatewayRedis;
  g.evalKeys = async (lua, numberOfKeys, args) => {
    try {
      return await r.evalsha(shaOf(lua), numberOfKeys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return r.eval(lua, numberOfKeys, ...args);
    }
  };
  return g;
}

/** Resolves once `ready()` holds, or after `ms` regardless. */
export async function whenReady(ready: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}
