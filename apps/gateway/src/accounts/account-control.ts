// Taking accounts out of rotation and back, cluster-wide: a field of the `{acct}:disabled` hash,
// which the admission script reads. The value says why and since when, e.g. `key_refused 1733149200000`.
import type { Redis, Cluster } from 'ioredis';

export type DisableReason = 'operator' | 'key_refused' | 'balance';

export interface DisabledAccount {
  reason: DisableReason;
  since: number;
}

export function disableValue(reason: DisableReason, now = Date.now()): string {
  return `${reason} ${now}`;
}

export function parseDisabled(value: string): DisabledAccount {
  const [reason, since] = value.split(' ');
  return { reason: (reason ?? 'operator') as DisableReason, since: Number(since ?? 0) };
}

/** Takes an account out of rotation (keeps an existing reason: an operator's disable is not overwritten by a 402). */
export async function disableAccount(redis: Redis | Cluster, key: string, name: string, reason: DisableReason): Promise<boolean> {
  return (await redis.hsetnx(key, name, disableValue(reason))) === 1;
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
