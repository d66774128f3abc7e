// Failed-login throttling in Redis. Two fixed 15-minute windows:
//   - per username + client address: 5 failures, then 429 until the window ends;
//   - per username alone: 20 failures (an attacker rotating addresses, or a spoofed
//     X-Forwarded-For, still gets no more than 20 guesses per window).
// A successful sign-in clears the username + address counter (not the username one).
import 'server-only';
import type { RedisClient } from '@dsp/db';

export const WINDOW_SECONDS = 15 * 60;
export const MAX_PER_ADDRESS = 5;
export const MAX_PER_USERNAME = 20;

export interface ThrottleState {
  blocked: boolean;
  /** seconds until the blocking window ends */
  retryAfter: number;
}

function keysFor(prefix: string, username: string, address: string) {
  // one hash tag per username, so both keys live in one slot (Redis Cluster)
  const u = username.toLowerCase();
  const name = /^[a-z0-9._@-]{1,64}$/.test(u) ? u : '~invalid';
  const tag = `${prefix}{admin-login:${name}}`;
  return { pair: `${tag}:addr:${address}`, user: `${tag}:all` };
}

export function clientAddress(headers: Headers): string {
  const xff = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const addr = xff || headers.get('x-real-ip')?.trim() || 'unknown';
  return addr.slice(0, 64).replace(/[^0-9A-Za-z.:_-]/g, '_');
}

export async function checkThrottle(redis: RedisClient, prefix: string, username: string, address: string): Promise<ThrottleState> {
  const k = keysFor(prefix, username, address);
  const res = await redis.multi().get(k.pair).ttl(k.pair).get(k.user).ttl(k.user).exec();
  if (!res) throw new Error('Redis transaction aborted');
  for (const [err] of res) if (err) throw err;
  const [pair, pairTtl, user, userTtl] = res.map(([, v]) => v) as [string | null, number, string | null, number];
  const retry = (ttl: number) => (ttl > 0 ? ttl : WINDOW_SECONDS);
  if (Number(pair ?? 0) >= MAX_PER_ADDRESS) return { blocked: true, retryAfter: retry(pairTtl) };
  if (Number(user ?? 0) >= MAX_PER_USERNAME) return { blocked: true, retryAfter: retry(userTtl) };
  return { blocked: false, retryAfter: 0 };
}

export async function recordFailure(redis: RedisClient, prefix: string, username: string, address: string): Promise<void> {
  const k = keysFor(prefix, username, address);
  await redis.multi().incr(k.pair).expire(k.pair, WINDOW_SECONDS, 'NX').incr(k.user).expire(k.user, WINDOW_SECONDS, 'NX').exec();
}

export async function clearFailures(redis: RedisClient, prefix: string, username: string, address: string): Promise<void> {
  await redis.del(keysFor(prefix, username, address).pair);
}
