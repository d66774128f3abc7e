// Failed-login throttling in Redis, built so that an attacker cannot turn it against the operator:
//   - per client address (across usernames): 5 failures are free, then the address must wait
//     1, 2, 4 … seconds (at most 15 minutes) after each further failure — 429 with Retry-After.
//     An attacker's address slows down; the operator's own address is untouched.
//   - per account (across addresses): after 5 failures every attempt on that username is answered
//     only after a delay (0.25 s doubling per failure, at most 4 s). Guessing gets slow, but the
//     account is never locked: the operator with the right password always gets in.
// Failures are forgotten 15 minutes after the last one; a successful sign-in clears its address.
// The address is the TCP peer unless a trusted proxy names the client (client-address.ts).
import 'server-only';
import type { RedisClient } from '@dsp/db';

export const WINDOW_SECONDS = 15 * 60;
export const FREE_FAILURES_PER_ADDRESS = 5;
export const MAX_BACKOFF_SECONDS = WINDOW_SECONDS;
export const FREE_FAILURES_PER_ACCOUNT = 5;
export const FIRST_ACCOUNT_DELAY_MS = 250;
export const MAX_ACCOUNT_DELAY_MS = 4000;

export interface ThrottleState {
  /** the address must wait this many seconds (0 = go ahead) */
  retryAfter: number;
  /** answer this attempt only after this many ms (the per-account delay) */
  delayMs: number;
}

// each key group shares one hash tag, so a MULTI stays in one slot on Redis Cluster
function addressKeys(prefix: string, address: string) {
  const tag = `${prefix}{admin-login-addr:${address.replace(/[^0-9a-f.:]/gi, '_').slice(0, 64)}}`;
  return { failures: `${tag}:failures`, wait: `${tag}:wait` };
}

function accountKey(prefix: string, username: string): string {
  const u = username.toLowerCase();
  return `${prefix}{admin-login-user:${/^[a-z0-9._@-]{1,64}$/.test(u) ? u : '~invalid'}}:failures`;
}

export function backoffSeconds(failures: number): number {
  if (failures < FREE_FAILURES_PER_ADDRESS) return 0;
  return Math.min(MAX_BACKOFF_SECONDS, 2 ** (failures - FREE_FAILURES_PER_ADDRESS));
}

export function accountDelayMs(failures: number): number {
  if (failures < FREE_FAILURES_PER_ACCOUNT) return 0;
  return Math.min(MAX_ACCOUNT_DELAY_MS, FIRST_ACCOUNT_DELAY_MS * 2 ** (failures - FREE_FAILURES_PER_ACCOUNT));
}

async function exec(m: ReturnType<RedisClient['multi']>): Promise<unknown[]> {
  const res = await m.exec();
  if (!res) throw new Error('Redis transaction aborted');
  for (const [err] of res) if (err) throw err;
  return res.map(([, v]) => v);
}

export async function checkThrottle(redis: RedisClient, prefix: string, username: string, address: string): Promise<ThrottleState> {
  const [wait] = (await exec(redis.multi().pttl(addressKeys(prefix, address).wait))) as [number];
  const [failures] = (await exec(redis.multi().get(accountKey(prefix, username)))) as [string | null];
  return { retryAfter: wait > 0 ? Math.ceil(wait / 1000) : 0, delayMs: accountDelayMs(Number(failures ?? 0)) };
}

/** Counts a failure; returns the seconds the address must now wait (0 while its failures are free). */
export async function recordFailure(redis: RedisClient, prefix: string, username: string, address: string): Promise<number> {
  const k = addressKeys(prefix, address);
  const [failures] = (await exec(redis.multi().incr(k.failures).expire(k.failures, WINDOW_SECONDS))) as [number];
  const wait = backoffSeconds(failures);
  if (wait > 0) await exec(redis.multi().set(k.wait, '1', 'EX', wait));
  const user = accountKey(prefix, username);
  await exec(redis.multi().incr(user).expire(user, WINDOW_SECONDS));
  return wait;
}

export async function clearFailures(redis: RedisClient, prefix: string, address: string): Promise<void> {
  const k = addressKeys(prefix, address);
  await exec(redis.multi().del(k.failures, k.wait));
}
