// Taking accounts out of rotation and back, cluster-wide: a field of the `{acct}:disabled` hash,
// which the admission script reads. The value says why and since when, e.g. `key_refused 1733149200000`.
import type { Redis, Cluster } from 'ioredis';
import { disableValue, parseDisabled, type DisableReason, type DisabledAccount } from '@dsp/core';

export type { DisableReason };

/** Takes an account out of rotation (keeps an existing reason: an operator's disable is not overwritten by a 402). */
export async function disableAccount(redis: Redis | Cluster, key: string, name: string, reason: DisableReason): Promise<boolean> {
  return (await redis.hsetnx(key, name, disableValue(reason, Date.now()))) === 1;
}

/** Puts it back, but only if it was out for `reason` (or for any reason when none is given). */
export async function enableAccount(redis: Redis | Cluster, key: string, name: string, reason?: DisableReason): Promise<boolean> {
  if (reason === undefined) return (await redis.hdel(key, name)) === 1;
  const current = await redis.hget(key, name);
  if (current === null || parseDisabled(current).reason !== reason) return false;
  return (await redis.hdel(key, name)) === 1;
}

export async function disabledAccounts(redis: Redis | Cluster, key: string): Promise<Map<string, DisabledAccount>> {
  const all = await redis.hgetall(key);
  return new Map(Object.entries(all).map(([name, v]) => [name, parseDisabled(v)]));
}
