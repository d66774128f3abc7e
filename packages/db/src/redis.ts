// The Redis side of the service layer: the hot state the gateway's admit script reads (see
// @dsp/core keys.ts and lua/admit.ts), written only after Postgres has committed. Every key of one
// user carries the user's hash tag, so each per-user write below is a single-slot MULTI.
// On Redis Cluster (redis.cluster) the client is an ioredis Cluster typed as a single-node client
// (redis-client.ts): it speaks the same commands; only SCAN (per master) and cross-slot pipelines
// differ, see below.
import { Cluster, type Redis } from 'ioredis';
import { decimalToNanos, keys, type Period } from '@dsp/core';
import { ServiceError } from './errors.js';
import { redisClient, redisPolicies } from './redis-client.js';

export type RedisClient = Redis;

export { clusterFromUrl, hotPathRetry, redisClient, redisPolicies, type RedisPolicy } from './redis-client.js';

/** A client for operator tools (the CLI, `pnpm start`): see redisPolicies.tool. */
export function createRedis(url: string, options: { failFast?: boolean; cluster?: boolean } = {}): Redis {
  return redisClient(url, options.cluster ?? false, redisPolicies.tool(options.failFast ?? true));
}

/** A client for long-running processes (the admin console): see redisPolicies.server. */
export function createServerRedis(url: string, options: { cluster?: boolean } = {}): Redis {
  return redisClient(url, options.cluster ?? false, redisPolicies.server);
}

const isCluster = (redis: Redis): boolean => (redis as unknown) instanceof Cluster;

/** SCAN MATCH over the whole keyspace: on a Redis Cluster, over every master (each holds its own slots). */
export async function* scanKeys(redis: Redis, match: string): AsyncIterable<string[]> {
  const nodes = isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  for (const node of nodes) yield* node.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>;
}

/**
 * The `user` hash fields the admit script reads; a quota left at the default has no field, an
 * explicit "unlimited" is -1.
 */
export interface UserState {
  id: string;
  status: 'active' | 'disabled';
  dailyRequests: number | 'unlimited' | null;
  dailyTokens: number | 'unlimited' | null;
  monthlyTokens: number | 'unlimited' | null;
  /** budgets (decimal strings of [quota] budget_currency; null = none), stored as nanos */
  dailyBudget: string | null;
  monthlyBudget: string | null;
  /** the budgets of the user's live tokens: fields daily_budget:<jti>, monthly_budget:<jti> */
  tokenBudgets: readonly { jti: string; daily: string | null; monthly: string | null }[];
}

const hashLimit = (v: number | 'unlimited'): string => (v === 'unlimited' ? '-1' : String(v));

export function userHashFields(u: UserState): Record<string, string> {
  const f: Record<string, string> = { status: u.status };
  if (u.dailyRequests !== null) f.daily_requests = hashLimit(u.dailyRequests);
  if (u.dailyTokens !== null) f.daily_tokens = hashLimit(u.dailyTokens);
  if (u.monthlyTokens !== null) f.monthly_tokens = hashLimit(u.monthlyTokens);
  const nanos = (v: string): string => decimalToNanos(v).toString();
  if (u.dailyBudget !== null) f.daily_budget = nanos(u.dailyBudget);
  if (u.monthlyBudget !== null) f.monthly_budget = nanos(u.monthlyBudget);
  for (const t of u.tokenBudgets) {
    if (t.daily !== null) f[`daily_budget:${t.jti}`] = nanos(t.daily);
    if (t.monthly !== null) f[`monthly_budget:${t.jti}`] = nanos(t.monthly);
  }
  return f;
}

/** A short reason for a failed Redis call: "Redis is unreachable" rather than ioredis's retry prose. */
export function redisReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'MaxRetriesPerRequestError' || /Connection is closed|max retries per request|Stream isn't writeable/i.test(e.message))
    return 'Redis is unreachable';
  return e.message;
}

/** Wrap a Redis step: any failure becomes `redis_unavailable`, saying what Postgres already holds. */
export async function redisStep<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    const reason = redisReason(e);
    throw new ServiceError('redis_unavailable', `${what}, but Redis could not be updated (${reason}); run \`dsp sync\` once Redis is reachable`, { cause: e });
  }
}

type ExecResult = [Error | null, unknown][] | null;

function checkExec(r: ExecResult): unknown[] {
  if (!r) throw new Error('Redis transaction was aborted');
  return r.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

/**
 * Replace a user hash with a Postgres row's state, unless the hash already holds a newer version
 * (field `v`, the row's updated_at in µs): a slow writer — a sync that read Postgres before an
 * operator's change — can then never undo that change.
 * KEYS[1] user hash  ARGV[1] version  ARGV[2..] field, value pairs
 */
export const WRITE_USER_LUA = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', unpack(ARGV))
return 1
`;

/**
 * Delete the user hash of a user Postgres does not have, unless its version is at or after the
 * cutoff (a user created while the sync ran). KEYS[1] user hash  ARGV[1] cutoff version
 */
export const DELETE_STALE_USER_LUA = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
return redis.call('DEL', KEYS[1])
`;

/** Write the user hash from Postgres (status + explicit limits); returns false when Redis had newer. */
export async function writeUserHash(redis: Redis, prefix: string, u: UserState, version: string): Promise<boolean> {
  const args = [version, ...Object.entries(userHashFields(u)).flat()];
  return (await redis.eval(WRITE_USER_LUA, 1, keys.user(prefix, u.id), ...args)) === 1;
}

export async function addRevoked(redis: Redis, prefix: string, userId: string, jti: string): Promise<void> {
  await redis.sadd(keys.revoked(prefix, userId), jti);
}

export interface Counters {
  requests: number;
  tokens: number;
  /** the user's spend in [quota] budget_currency, nanos */
  spendNanos: bigint;
}

export interface UserCounters {
  day: Counters;
  month: Counters;
}

const num = (v: string | null | undefined): number => {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
};

const nanos = (v: string | null | undefined): bigint => (v && /^-?\d+$/.test(v) ? BigInt(v) : 0n);

/** Today's and this month's counters of each user (`req`, `tok`, `spend`), one pipelined round trip. */
export async function readCounters(redis: Redis, prefix: string, userIds: readonly string[], period: Period): Promise<Map<string, UserCounters>> {
  const out = new Map<string, UserCounters>();
  if (userIds.length === 0) return out;
  let res: (string | null)[][];
  if (isCluster(redis)) {
    // a Cluster pipeline must stay in one slot: send the reads one by one (auto-pipelined per node)
    res = await Promise.all(
      userIds.flatMap((id) => [
        redis.hmget(keys.day(prefix, id, period.day), 'req', 'tok', 'spend'),
        redis.hmget(keys.month(prefix, id, period.month), 'req', 'tok', 'spend'),
      ]),
    );
  } else {
    const p = redis.pipeline();
    for (const id of userIds) {
      p.hmget(keys.day(prefix, id, period.day), 'req', 'tok', 'spend');
      p.hmget(keys.month(prefix, id, period.month), 'req', 'tok', 'spend');
    }
    res = checkExec((await p.exec()) as ExecResult) as (string | null)[][];
  }
  userIds.forEach((id, i) => {
    const d = res[2 * i] ?? [];
    const m = res[2 * i + 1] ?? [];
    out.set(id, {
      day: { requests: num(d[0]), tokens: num(d[1]), spendNanos: nanos(d[2]) },
      month: { requests: num(m[0]), tokens: num(m[1]), spendNanos: nanos(m[2]) },
    });
  });
  return out;
}

/**
 * Raise fields of a counter hash (`req`, `tok`, `spend`, `spend:<jti>`) to at least the given
 * values, never lowering them: the ledger lags the live counters (events still queued), so a live
 * value above it is kept. Values are non-negative decimal integers compared as strings (spend in
 * nanos may pass 2^53, where Lua's doubles are no longer exact). Sets a TTL only when the key has
 * none (the gateway's own EXPIRE stays authoritative).
 * KEYS[1] counter hash  ARGV[1] ttl s  ARGV[2..] field, value pairs
 */
export const RAISE_COUNTERS_LUA = `
local function greater(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
for i = 2, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i + 1]
  if v ~= '0' then
    local cur = redis.call('HGET', KEYS[1], f) or '0'
    if greater(v, cur) then redis.call('HSET', KEYS[1], f, v) end
  end
end
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
`;

/** Seconds a counter outlives its period: a little slack past the reset, as the key is dead by then. */
export const DAY_TTL_SLACK_SECONDS = 3600;
export const MONTH_TTL_SLACK_SECONDS = 86_400;

/** Glob-escape a literal for SCAN MATCH. */
export function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
