// Rebuild Redis's hot state from Postgres: user hashes (status, explicit limits, budgets), revoked sets
// (revoked tokens that have not expired yet), today's and this month's counters from the ledger,
// then the sync marker. Safe to run at any time and from several processes at once.
import { keys, localMidnight, periodAt } from '@dsp/core';
import { withTransaction } from '../pool.js';
import {
  DAY_TTL_SLACK_SECONDS,
  DELETE_STALE_USER_LUA,
  MONTH_TTL_SLACK_SECONDS,
  RAISE_COUNTERS_LUA,
  globEscape,
  redisStep,
  scanKeys,
  writeUserHash,
} from '../redis.js';
import { writeAudit } from './audit.js';
import { toNum, type ServiceContext } from './context.js';
import { USER_COLUMNS, amountOrNull, rowToUser, type TokenBudget, type UserRow } from './users-shared.js';

export interface SyncResult {
  /** user hashes written */
  users: number;
  /** revoked, unexpired token ids in Postgres (all now in Redis) */
  revoked: number;
  /** users whose day / month counters were rebuilt from the ledger */
  counters: number;
  /** user hashes of users Postgres does not know, deleted */
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

/** A user hash written this recently is never deleted as stale (its row may not be visible yet). */
const STALE_GRACE_SECONDS = 60;

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

    const budgetCurrency = ctx.config.quota.budget_currency ?? 'CNY';
    // one consistent snapshot of Postgres for everything below
    const snapshot = await withTransaction(ctx.pool, async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const clock = await c.query<{ t: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS t');
      const users = (await c.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`)).rows;
      const revoked = await c.query<{ user_id: string; id: string; expired: boolean }>(
        'SELECT user_id, id, (expires_at IS NOT NULL AND expires_at <= $1) AS expired FROM tokens WHERE revoked_at IS NOT NULL',
        [new Date(now)],
      );
      // spend: the cost in the budget currency, in nanos (the ledger's numeric × 1e9, exact)
      const counters = await c.query<{ user_id: string; dreq: string; dtok: string; mreq: string; mtok: string; dspend: string; mspend: string }>(
        `SELECT user_id,
           count(*) FILTER (WHERE started_at >= $2) AS dreq,
           coalesce(sum(prompt_tokens::bigint + completion_tokens) FILTER (WHERE started_at >= $2), 0) AS dtok,
           count(*) AS mreq,
           coalesce(sum(prompt_tokens::bigint + completion_tokens), 0) AS mtok,
           (coalesce(sum(cost) FILTER (WHERE started_at >= $2 AND currency = $4), 0) * 1000000000)::numeric(40, 0)::text AS dspend,
           (coalesce(sum(cost) FILTER (WHERE currency = $4), 0) * 1000000000)::numeric(40, 0)::text AS mspend
         FROM usage_ledger WHERE started_at >= $1 AND started_at < $3 GROUP BY user_id`,
        [monthStart, dayStart, new Date(period.resetsAt), budgetCurrency],
      );
      const tokenSpend = await c.query<{ user_id: string; token_id: string; dspend: string; mspend: string }>(
        `SELECT user_id, token_id,
           (coalesce(sum(cost) FILTER (WHERE started_at >= $2), 0) * 1000000000)::numeric(40, 0)::text AS dspend,
           (sum(cost) * 1000000000)::numeric(40, 0)::text AS mspend
         FROM usage_ledger WHERE started_at >= $1 AND started_at < $3 AND currency = $4 AND cost > 0 GROUP BY user_id, token_id`,
        [monthStart, dayStart, new Date(period.resetsAt), budgetCurrency],
      );
      // the budgets of live tokens: fields of their user's hash
      const tokenBudgets = await c.query<{ user_id: string; id: string; daily_budget: string | null; monthly_budget: string | null }>(
        `SELECT user_id, id, daily_budget::text, monthly_budget::text FROM tokens
         WHERE revoked_at IS NULL AND (daily_budget IS NOT NULL OR monthly_budget IS NOT NULL) ORDER BY user_id, id`,
      );
      return {
        clockMicros: BigInt(clock.rows[0]!.t),
        users,
        revoked: revoked.rows,
        counters: counters.rows,
        tokenSpend: tokenSpend.rows,
        tokenBudgets: tokenBudgets.rows,
      };
    });

    // revoked: what the gateway must refuse; expired: revoked tokens past exp, which it refuses anyway
    const revokedByUser = new Map<string, { live: string[]; expired: string[] }>();
    for (const r of snapshot.revoked) {
      const e = revokedByUser.get(r.user_id) ?? { live: [], expired: [] };
      (r.expired ? e.expired : e.live).push(r.id);
      revokedByUser.set(r.user_id, e);
    }
    const known = new Set(snapshot.users.map((u) => u.id));
    const liveRevoked = snapshot.revoked.filter((r) => !r.expired).length;

    const budgetsOf = new Map<string, TokenBudget[]>();
    for (const t of snapshot.tokenBudgets) {
      const list = budgetsOf.get(t.user_id) ?? [];
      list.push({ jti: t.id, daily: amountOrNull(t.daily_budget), monthly: amountOrNull(t.monthly_budget) });
      budgetsOf.set(t.user_id, list);
    }

    const result = await redisStep('Postgres was read', async (): Promise<SyncResult> => {
      // user hashes: replaced, unless Redis holds a newer version (a change made during the sync)
      await eachLimit(snapshot.users, 32, async (row) => {
        await writeUserHash(redis, prefix, { ...rowToUser(row), tokenBudgets: budgetsOf.get(row.id) ?? [] }, row.version);
      });
      // revocations are permanent, so a sync only ever adds them (a revocation made while it ran
      // is never lost) and only drops tokens that have expired since
      await eachLimit([...revokedByUser], 32, async ([userId, r]) => {
        const rk = keys.revoked(prefix, userId);
        const tx = redis.multi();
        if (r.live.length) tx.sadd(rk, ...r.live);
        if (r.expired.length) tx.srem(rk, ...r.expired);
        checkExec(await tx.exec());
      });
      // counters: raise to the ledger's sums, never lower a live counter
      const spendOf = new Map<string, { day: string[]; month: string[] }>();
      for (const t of snapshot.tokenSpend) {
        const s = spendOf.get(t.user_id) ?? { day: [], month: [] };
        s.day.push(`spend:${t.token_id}`, t.dspend);
        s.month.push(`spend:${t.token_id}`, t.mspend);
        spendOf.set(t.user_id, s);
      }
      await eachLimit(snapshot.counters, 32, async (r) => {
        const s = spendOf.get(r.user_id) ?? { day: [], month: [] };
        const dayFields = ['req', String(toNum(r.dreq)), 'tok', String(toNum(r.dtok)), 'spend', r.dspend, ...s.day];
        const monthFields = ['req', String(toNum(r.mreq)), 'tok', String(toNum(r.mtok)), 'spend', r.mspend, ...s.month];
        await redis.eval(RAISE_COUNTERS_LUA, 1, keys.day(prefix, r.user_id, period.day), dayTtl, ...dayFields);
        await redis.eval(RAISE_COUNTERS_LUA, 1, keys.month(prefix, r.user_id, period.month), monthTtl, ...monthFields);
      });
      // user hashes of users Postgres does not know (sparing any written in the last minute)
      let staleKeysDeleted = 0;
      const cutoff = String(snapshot.clockMicros - BigInt(STALE_GRACE_SECONDS) * 1_000_000n);
      const tagStart = `${prefix}{u:`;
      const suffix = '}:user';
      for await (const batch of scanKeys(redis, `${globEscape(tagStart)}*${globEscape(suffix)}`)) {
        for (const key of batch) {
          if (known.has(key.slice(tagStart.length, key.length - suffix.length))) continue;
          staleKeysDeleted += Number(await redis.eval(DELETE_STALE_USER_LUA, 1, key, cutoff));
        }
      }
      const marker = new Date(now).toISOString();
      await redis.set(keys.syncMarker(prefix), marker);
      return {
        users: snapshot.users.length,
        revoked: liveRevoked,
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
