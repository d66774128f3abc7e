// Reconcile money: recompute every ledger row's cost from its tokens and the configured prices (at
// its start, off-peak and dated changes applied) and compare with the stored cost; then compare the
// Redis spend counters of the current day and month (the user's `spend` and each token's
// `spend:<jti>`, nanos of [quota] budget_currency) with the ledger's sums for those periods.
import { eventCost, keys, localMidnight, nanosToDecimal, periodAt, type PriceBook } from '@dsp/core';
import { addDays, dayRange, todayIn } from './dates.js';
import type { Pool } from './pool.js';
import { globEscape, scanKeys, type RedisClient } from './redis.js';

export interface ReconcileOptions {
  pool: Pool;
  redis: RedisClient;
  prefix: string;
  timezone: string;
  budgetCurrency: string;
  prices: PriceBook;
  /** YYYY-MM-DD in the timezone; default the first of this month */
  from?: string;
  /** YYYY-MM-DD; default today */
  to?: string;
  now?: number;
}

export type Difference =
  | {
      kind: 'cost';
      requestId: string;
      userId: string;
      model: string;
      startedAt: string;
      stored: { amount: string; currency: string };
      recomputed: { amount: string; currency: string };
    }
  | {
      kind: 'spend';
      period: 'day' | 'month';
      key: string;
      userId: string;
      /** null: the user's total; else the token's counter */
      tokenId: string | null;
      redis: string;
      ledger: string;
      currency: string;
    };

export interface ReconcileResult {
  from: string;
  to: string;
  timezone: string;
  rows: number;
  /** totals of the stored costs per currency (exact decimal strings) */
  totals: Record<string, string>;
  /** the Redis periods compared (a period is compared when the range covers it from its start to today) */
  periods: string[];
  differences: Difference[];
}

interface LedgerRow {
  request_id: string;
  user_id: string;
  model: string;
  upstream_model: string | null;
  started_at: Date;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hit_tokens: number;
  cache_miss_tokens: number;
  nanos: string;
  currency: string;
}

const PAGE = 5000;

export async function reconcile(o: ReconcileOptions): Promise<ReconcileResult> {
  const now = o.now ?? Date.now();
  const today = todayIn(o.timezone, now);
  const monthFirst = `${today.slice(0, 8)}01`;
  const from = o.from ?? monthFirst;
  const to = o.to ?? today;
  const { start, end } = dayRange(o.timezone, from, to);
  const differences: Difference[] = [];
  const totals = new Map<string, bigint>();
  let rows = 0;

  // 1. every row: stored cost vs recomputed (keyset pages, so a big ledger is never held at once)
  let after: { t: Date; id: string } | null = null;
  for (;;) {
    const args: unknown[] = [start, end, PAGE];
    let cond = '';
    if (after) {
      args.push(after.t, after.id);
      cond = 'AND (started_at, request_id) > ($4, $5)';
    }
    const page = await o.pool.query<LedgerRow>(
      `SELECT request_id, user_id, model, upstream_model, started_at, prompt_tokens, completion_tokens, cache_hit_tokens, cache_miss_tokens,
              (cost * 1000000000)::numeric(40, 0)::text AS nanos, currency
       FROM usage_ledger WHERE started_at >= $1 AND started_at < $2 ${cond}
       ORDER BY started_at, request_id LIMIT $3`,
      args,
    );
    for (const r of page.rows) {
      rows++;
      const stored = BigInt(r.nanos);
      if (r.currency) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + stored);
      const c = eventCost(o.prices, {
        model: r.model,
        upstream_model: r.upstream_model ?? undefined,
        started_at: r.started_at.getTime(),
        prompt_tokens: r.prompt_tokens,
        completion_tokens: r.completion_tokens,
        cache_hit_tokens: r.cache_hit_tokens,
        cache_miss_tokens: r.cache_miss_tokens,
      });
      if (c.nanos !== stored || c.currency !== r.currency)
        differences.push({
          kind: 'cost',
          requestId: r.request_id,
          userId: r.user_id,
          model: r.upstream_model || r.model,
          startedAt: r.started_at.toISOString(),
          stored: { amount: nanosToDecimal(stored), currency: r.currency },
          recomputed: { amount: nanosToDecimal(c.nanos), currency: c.currency },
        });
    }
    if (page.rows.length < PAGE) break;
    const last = page.rows[page.rows.length - 1]!;
    after = { t: last.started_at, id: last.request_id };
  }

  // 2. the live spend counters: only the current day and month exist in Redis
  const p = periodAt(o.timezone, now);
  const periods: { period: 'day' | 'month'; key: string; start: Date; hashKey: (u: string) => string }[] = [];
  if (from <= today && to >= today)
    periods.push({ period: 'day', key: p.day, start: new Date(localMidnight(o.timezone, ...ymd(today))), hashKey: (u) => keys.day(o.prefix, u, p.day) });
  if (from <= monthFirst && to >= today)
    periods.push({
      period: 'month',
      key: p.month,
      start: new Date(localMidnight(o.timezone, ...ymd(monthFirst))),
      hashKey: (u) => keys.month(o.prefix, u, p.month),
    });
  const periodEnd = new Date(localMidnight(o.timezone, ...ymd(addDays(today, 1))));
  for (const x of periods) {
    const sums = await o.pool.query<{ user_id: string; token_id: string; nanos: string }>(
      `SELECT user_id, token_id, (sum(cost) * 1000000000)::numeric(40, 0)::text AS nanos
       FROM usage_ledger WHERE started_at >= $1 AND started_at < $2 AND currency = $3 AND cost > 0 GROUP BY user_id, token_id`,
      [x.start, periodEnd, o.budgetCurrency],
    );
    // ledger: user → (field → nanos); field "spend" is the user's total, "spend:<jti>" a token's
    const ledger = new Map<string, Map<string, bigint>>();
    for (const s of sums.rows) {
      const m = ledger.get(s.user_id) ?? new Map<string, bigint>();
      m.set('spend', (m.get('spend') ?? 0n) + BigInt(s.nanos));
      m.set(`spend:${s.token_id}`, BigInt(s.nanos));
      ledger.set(s.user_id, m);
    }
    // every user with a counter hash of the period, and every user the ledger has
    const users = new Set(ledger.keys());
    const tag = `${o.prefix}{u:`;
    const suffix = x.period === 'day' ? `}:d:${x.key}` : `}:m:${x.key}`;
    for await (const batch of scanKeys(o.redis, `${globEscape(tag)}*${globEscape(suffix)}`))
      for (const k of batch) users.add(k.slice(tag.length, k.length - suffix.length));
    for (const u of [...users].sort()) {
      const h = await o.redis.hgetall(x.hashKey(u));
      const fields = new Set([...Object.keys(h).filter((f) => f === 'spend' || f.startsWith('spend:')), ...(ledger.get(u)?.keys() ?? [])]);
      for (const f of [...fields].sort()) {
        const inRedis = BigInt(h[f] ?? '0');
        const inLedger = ledger.get(u)?.get(f) ?? 0n;
        if (inRedis !== inLedger)
          differences.push({
            kind: 'spend',
            period: x.period,
            key: x.key,
            userId: u,
            tokenId: f === 'spend' ? null : f.slice('spend:'.length),
            redis: nanosToDecimal(inRedis),
            ledger: nanosToDecimal(inLedger),
            currency: o.budgetCurrency,
          });
      }
    }
  }
  return {
    from,
    to,
    timezone: o.timezone,
    rows,
    totals: Object.fromEntries([...totals].sort().map(([c, n]) => [c, nanosToDecimal(n)])),
    periods: periods.map((x) => `${x.period} ${x.key}`),
    differences,
  };
}

function ymd(day: string): [number, number, number] {
  return [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
}
