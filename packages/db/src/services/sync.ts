// Rebuild Redis's hot state from Postgres: user hashes (status + explicit limits), revoked sets
// (revoked tokens that have not expired yet), today's and this month's counters from the ledger,
// then the sync marker. Safe to run at any time and from several processes at once.
import { keys, localMidnight, periodAt } from '@dsp/core';
import { withTransaction } from '../pool.js';
import {
  DAY_TTL_SLACK_SECONDS,
  MONTH_TTL_SLACK_SECONDS,
  RAISE_COUNTERS_LUA,
  globEscape,
  redisStep,
  userHashFields,
} from '../redis.js';
import { writeAudit } from './audit.js';
import { toNum, type ServiceContext } from './context.js';
import { rowToUser, type UserRow } from './users-shared.js';

export interface SyncResult {
  /** user hashes written */
  users: number;
  /** revoked token ids written */
  revoked: number;
  /** users whose day / month counters were rebuilt from the ledger */
  counters: number;
  /** user and revoked keys of users Postgres does not know, deleted */
  staleKeysDeleted: number;
  /** the marker's value (ISO time) */
  marker: string;
  durationMs: number;
}

export interface SyncService {
  sync(): Promise<SyncResult>;
  /** sync() when the marker key is missing (Redis lost its state); returns whether it ran */
  syncIfMarkerMissing(): Promise<boolean>;
}

const PAGE = 500;

/** Run `fn` over items with at most `n` in flight. */
async function eachLimit<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}

type ExecResult = [Error | null, unknown][] | null;
function checkExec(r: ExecResult): void {
  if (!r) throw new Error('Redis transaction was aborted');
  for (const [err] of r) if (err) throw err;
}

export function createSyncService(ctx: ServiceContext): SyncService {
  const { redis, prefix } = ctx;

  async function sync(): Promise<SyncResult> {
    const t0 = Date.now();
    const now = ctx.now();
    const tz = ctx.config.quota.timezone;
    const period = periodAt(tz, now);
    const y = Number(period.day.slice(0, 4));
    const m = Number(period.day.slice(4, 6));
    const d = Number(period.day.slice(6, 8));
    const dayStart = new Date(localMidnight(tz, y, m, d));
    const monthStart = new Date(localMidnight(tz, y, m, 1));
    const dayTtl = period.daySecondsLeft + DAY_TTL_SLACK_SECONDS;
    const monthTtl = period.monthSecondsLeft + MONTH_TTL_SLACK_SECONDS;

    // one consistent snapshot of Postgres for everything below
    const snapshot = await withTransaction(ctx.pool, async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const users = (await c.query<UserRow>('SELECT * FROM users ORDER BY id')).rows.map(rowToUser);
      const revoked = await c.query<{ user_id: string; id: string }>(
        'SELECT user_id, id FROM tokens WHERE revoked_at IS NOT NULL AND (expires_at IS NULL OR expires_at > $1)',
        [new Date(now)],
      );
      const counters = await c.query<{ user_id: string; dreq: string; dtok: string; mreq: string; mtok: string }>(
        `SELECT user_id,
           count(*) FILTER (WHERE started_at >= $2) AS dreq,
           coalesce(sum(prompt_tokens::bigint + completion_tokens) FILTER (WHERE started_at >= $2), 0) AS dtok,
           count(*) AS mreq,
           coalesce(sum(prompt_tokens::bigint + completion_tokens), 0) AS mtok
         FROM usage_ledger WHERE started_at >= $1 AND started_at < $3 GROUP BY user_id`,
        [monthStart, dayStart, new Date(period.resetsAt)],
      );
      return { users, revoked: revoked.rows, counters: counters.rows };
    });

    const revokedByUser = new Map<string, string[]>();
    for (const r of snapshot.revoked) {
      const list = revokedByUser.get(r.user_id) ?? [];
      list.push(r.id);
      revokedByUser.set(r.user_id, list);
    }
    const known = new Set(snapshot.users.map((u) => u.id));

    const result = await redisStep('Postgres was read', async (): Promise<SyncResult> => {
      // users: replace hash and revoked set atomically per user (one hash slot each)
      for (let i = 0; i < snapshot.users.length; i += PAGE) {
        await eachLimit(snapshot.users.slice(i, i + PAGE), 32, async (u) => {
          const uk = keys.user(prefix, u.id);
          const rk = keys.revoked(prefix, u.id);
          const tx = redis.multi().del(uk).hset(uk, userHashFields(u)).del(rk);
          const jtis = revokedByUser.get(u.id);
          if (jtis?.length) tx.sadd(rk, ...jtis);
          checkExec(await tx.exec());
        });
      }
      // revocations of users without a row (tokens outlive nothing, but be exact)
      for (const [userId, jtis] of revokedByUser) {
        if (!known.has(userId)) await redis.sadd(keys.revoked(prefix, userId), ...jtis);
      }
      // counters: raise to the ledger's sums, never lower a live counter
      await eachLimit(snapshot.counters, 32, async (r) => {
        await redis.eval(RAISE_COUNTERS_LUA, 1, keys.day(prefix, r.user_id, period.day), toNum(r.dreq), toNum(r.dtok), dayTtl);
        await redis.eval(RAISE_COUNTERS_LUA, 1, keys.month(prefix, r.user_id, period.month), toNum(r.mreq), toNum(r.mtok), monthTtl);
      });
      // user hashes / revoked sets of users Postgres does not know
      let staleKeysDeleted = 0;
      const tagStart = `${prefix}{u:`;
      for (const suffix of ['}:user', '}:revoked']) {
        const stream = redis.scanStream({ match: `${globEscape(tagStart)}*${globEscape(suffix)}`, count: 1000 });
        for await (const batch of stream as AsyncIterable<string[]>) {
          for (const key of batch) {
            const id = key.slice(tagStart.length, key.length - suffix.length);
            if (known.has(id) || (suffix === '}:revoked' && revokedByUser.has(id))) continue;
            staleKeysDeleted += await redis.del(key);
          }
        }
      }
      const marker = new Date(now).toISOString();
      await redis.set(keys.syncMarker(prefix), marker);
      return {
        users: snapshot.users.length,
        revoked: snapshot.revoked.length,
        counters: snapshot.counters.length,
        staleKeysDeleted,
        marker,
        durationMs: Date.now() - t0,
      };
    });
    await writeAudit(ctx.pool, ctx.actor, 'sync', null, { ...result });
    return result;
  }

  return {
    sync,
    async syncIfMarkerMissing() {
      const present = await redisStep('nothing was changed', () => redis.exists(keys.syncMarker(prefix)));
      if (present) return false;
      await sync();
      return true;
    },
  };
}
