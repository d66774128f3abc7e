// Reports over the usage ledger. Days are calendar days in the quota timezone.
import { decimalToNanos, nanosToDecimal } from '@dsp/core';
import { ServiceError } from '../errors.js';
import { toCsv } from '../csv.js';
import { addDays, dayRange, todayIn } from '../dates.js';
import { clampLimit } from './audit.js';
import { toNum, type ServiceContext } from './context.js';
import { loadUser, validateUserId } from './users-shared.js';

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheHitTokens: number;
  cacheMissTokens: number;
  reasoningTokens: number;
  /** prompt + completion (what the token quotas count) */
  totalTokens: number;
  /** requests answered with status >= 400 */
  errors: number;
  aborted: number;
  /** what the requests cost, per currency (exact decimal strings, e.g. { CNY: "1.25" }) */
  cost: Record<string, string>;
  /** requests whose model had no price (they cost nothing) */
  unpriced: number;
}

export interface DayRange {
  /** YYYY-MM-DD, inclusive; default: 29 days before `to` */
  from?: string;
  /** YYYY-MM-DD, inclusive; default: today */
  to?: string;
}

export interface UserUsageReport {
  userId: string;
  from: string;
  to: string;
  timezone: string;
  totals: UsageTotals;
  byDay: (UsageTotals & { day: string })[];
  byModel: (UsageTotals & { model: string })[];
}

/** One day × user × model × currency; `currency` "" = the model had no price. */
export interface DailyUsageRow extends UsageTotals {
  day: string;
  userId: string;
  model: string;
  currency: string;
  /** the cost in `currency`, an exact decimal string ("0" without a price) */
  amount: string;
}

export interface RequestLogRow {
  requestId: string;
  tokenId: string;
  userId: string;
  model: string;
  route: string;
  stream: boolean;
  status: number;
  promptTokens: number;
  completionTokens: number;
  cacheHitTokens: number;
  cacheMissTokens: number;
  reasoningTokens: number;
  firstByteMs: number | null;
  totalMs: number;
  startedAt: Date;
  aborted: boolean;
  instance: string;
  /** exact decimal string; "0" with currency "" when the model had no price */
  cost: string;
  currency: string;
  /** the model name sent upstream (differs from `model` through [models] aliases) */
  upstreamModel: string;
  /** the upstream account that served it ('' before accounts existed) */
  account: string;
  /** upstream attempts (1 = no failover) */
  attempts: number;
}

/** Status filters of the request log: a class, requests the client abandoned, or one exact code. */
export const STATUS_FILTERS = ['2xx', '4xx', '5xx', 'aborted'] as const;

export interface RequestLogOptions extends DayRange {
  userId?: string;
  tokenId?: string;
  /** the model the client asked for (exact) */
  model?: string;
  /** the gateway route, e.g. /v1/chat/completions (exact) */
  route?: string;
  /** 2xx, 4xx, 5xx, aborted, or a status code such as "429" */
  status?: string;
  /** default 50, at most 1000 */
  limit?: number;
  /** the previous page's nextCursor */
  before?: string;
}

export const REPORT_GROUPS = ['day', 'user', 'model', 'token'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

/** One key (a day, user, model or token) × currency of a report; `currency` "" = no price. */
export interface ReportRow extends UsageTotals {
  key: string;
  currency: string;
  /** the cost in `currency`, an exact decimal string */
  amount: string;
}

export interface ReportOptions extends DayRange {
  userId?: string;
  groupBy?: ReportGroup;
}

export interface UsageService {
  /** the ledger grouped by day, user, model or token, one row per key and currency */
  report(options: ReportOptions): Promise<{ from: string; to: string; timezone: string; groupBy: ReportGroup; rows: ReportRow[] }>;
  /** report() as CSV: key column named after the group, then the counts, amount and currency */
  reportCsv(options: ReportOptions): Promise<string>;
  forUser(userId: string, range?: DayRange): Promise<UserUsageReport>;
  daily(options: DayRange & { userId?: string }): Promise<{ from: string; to: string; timezone: string; rows: DailyUsageRow[] }>;
  requests(options?: RequestLogOptions): Promise<{ rows: RequestLogRow[]; nextCursor: string | null }>;
  /** daily() as CSV (header: day,userId,model,requests,promptTokens,…) */
  dailyCsv(options: DayRange & { userId?: string }): Promise<string>;
  /** one page of requests() as CSV */
  requestsCsv(options?: RequestLogOptions): Promise<string>;
}

const TOTALS_SQL = `
  count(*) AS requests,
  coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(completion_tokens), 0) AS completion_tokens,
  coalesce(sum(cache_hit_tokens), 0) AS cache_hit_tokens,
  coalesce(sum(cache_miss_tokens), 0) AS cache_miss_tokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
  coalesce(sum(prompt_tokens::bigint + completion_tokens), 0) AS total_tokens,
  count(*) FILTER (WHERE status >= 400) AS errors,
  count(*) FILTER (WHERE aborted) AS aborted,
  currency,
  coalesce(sum(cost), 0)::text AS cost`;

type TotalsRow = Record<
  | 'requests'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'cache_hit_tokens'
  | 'cache_miss_tokens'
  | 'reasoning_tokens'
  | 'total_tokens'
  | 'errors'
  | 'aborted'
  | 'currency'
  | 'cost',
  string
>;

/** A NUMERIC's text without trailing zeros: "1.250000000" → "1.25". */
export function canonicalAmount(s: string): string {
  return nanosToDecimal(decimalToNanos(s));
}

/** One row's totals (one currency). */
function totals(r: TotalsRow | undefined): UsageTotals {
  const priced = r !== undefined && r.currency !== '';
  return {
    requests: toNum(r?.requests),
    promptTokens: toNum(r?.prompt_tokens),
    completionTokens: toNum(r?.completion_tokens),
    cacheHitTokens: toNum(r?.cache_hit_tokens),
    cacheMissTokens: toNum(r?.cache_miss_tokens),
    reasoningTokens: toNum(r?.reasoning_tokens),
    totalTokens: toNum(r?.total_tokens),
    errors: toNum(r?.errors),
    aborted: toNum(r?.aborted),
    cost: priced ? { [r.currency]: canonicalAmount(r.cost) } : {},
    unpriced: priced ? 0 : toNum(r?.requests),
  };
}

/** The counts of a totals row, in CSV column order; `unpriced` is a count too. */
const TOTAL_COLUMNS = [
  'requests',
  'promptTokens',
  'completionTokens',
  'cacheHitTokens',
  'cacheMissTokens',
  'reasoningTokens',
  'totalTokens',
  'errors',
  'aborted',
] as const;
const COUNT_FIELDS = [...TOTAL_COLUMNS, 'unpriced'] as const;

/**
 * Rows grouped by (key, currency), ordered by key, merged into one per key: counts added, each
 * currency's cost kept (a key has one row per currency, so no amount is added in JS).
 */
function mergeByKey<R extends TotalsRow>(rows: readonly R[], keyOf: (r: R) => string): { row: R; totals: UsageTotals }[] {
  const out: { row: R; totals: UsageTotals }[] = [];
  const byKey = new Map<string, UsageTotals>();
  for (const r of rows) {
    const t = totals(r);
    const k = keyOf(r);
    const into = byKey.get(k);
    if (!into) {
      byKey.set(k, t);
      out.push({ row: r, totals: t });
      continue;
    }
    for (const f of COUNT_FIELDS) into[f] += t[f];
    Object.assign(into.cost, t.cost);
  }
  return out;
}

const EMPTY_TOTALS = (): UsageTotals => totals(undefined);

/** The SQL condition of a status filter (its value pushed on `args`); a clear error for anything else. */
function statusCondition(status: string, args: unknown[]): string {
  if (status === 'aborted') return 'aborted';
  const cls = /^([245])xx$/.exec(status);
  if (cls) {
    args.push(Number(cls[1]) * 100);
    return `status >= $${args.length} AND status < $${args.length} + 100 AND NOT aborted`;
  }
  if (/^[1-5]\d\d$/.test(status)) {
    args.push(Number(status));
    return `status = $${args.length}`;
  }
  throw new ServiceError(
    'invalid_argument',
    `status filter must be one of ${STATUS_FILTERS.join(', ')} or a status code such as 429, got ${JSON.stringify(status)}`,
  );
}

function encodeCursor(ts: string, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

function decodeCursor(c: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  throw new ServiceError('invalid_argument', 'invalid cursor');
}

export function createUsageService(ctx: ServiceContext): UsageService {
  const tz = () => ctx.config.quota.timezone;

  function resolveRange(r: DayRange = {}): { from: string; to: string; start: Date; end: Date } {
    const to = r.to ?? todayIn(tz(), ctx.now());
    const from = r.from ?? addDays(to, -29);
    return { from, to, ...dayRange(tz(), from, to) };
  }

  async function daily(options: DayRange & { userId?: string }) {
    const { from, to, start, end } = resolveRange(options);
    const args: unknown[] = [tz(), start, end];
    let userFilter = '';
    if (options.userId !== undefined) {
      validateUserId(options.userId);
      args.push(options.userId);
      userFilter = 'AND user_id = $4';
    }
    const res = await ctx.pool.query<TotalsRow & { day: string; user_id: string; model: string }>(
      `SELECT to_char(started_at AT TIME ZONE $1, 'YYYY-MM-DD') AS day, user_id, model, ${TOTALS_SQL}
       FROM usage_ledger WHERE started_at >= $2 AND started_at < $3 ${userFilter}
       GROUP BY 1, 2, 3, currency ORDER BY 1, 2, 3, currency`,
      args,
    );
    const rows: DailyUsageRow[] = res.rows.map((r) => ({
      day: r.day,
      userId: r.user_id,
      model: r.model,
      ...totals(r),
      currency: r.currency,
      amount: canonicalAmount(r.cost),
    }));
    return { from, to, timezone: tz(), rows };
  }

  async function requests(options: RequestLogOptions = {}) {
    const limit = clampLimit(options.limit, 50, 1000);
    const where: string[] = [];
    const args: unknown[] = [];
    if (options.userId !== undefined) {
      validateUserId(options.userId);
      args.push(options.userId);
      where.push(`user_id = $${args.length}`);
    }
    if (options.tokenId !== undefined) {
      args.push(options.tokenId);
      where.push(`token_id = $${args.length}`);
    }
    for (const [column, value] of [
      ['model', options.model],
      ['route', options.route],
    ] as const) {
      if (value === undefined) continue;
      if (value.length > 200) throw new ServiceError('invalid_argument', `${column} filter is longer than 200 characters`);
      args.push(value);
      where.push(`${column} = $${args.length}`);
    }
    if (options.status !== undefined) where.push(statusCondition(options.status, args));
    if (options.from !== undefined || options.to !== undefined) {
      const { start, end } = resolveRange(options);
      args.push(start, end);
      where.push(`started_at >= $${args.length - 1} AND started_at < $${args.length}`);
    }
    if (options.before !== undefined) {
      const [ts, id] = decodeCursor(options.before);
      args.push(ts, id);
      where.push(`(started_at, request_id) < ($${args.length - 1}::timestamptz, $${args.length})`);
    }
    args.push(limit);
    const res = await ctx.pool.query(
      `SELECT *, started_at::text AS cursor_ts FROM usage_ledger
       ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY started_at DESC, request_id DESC LIMIT $${args.length}`,
      args,
    );
    const rows: RequestLogRow[] = res.rows.map((r) => ({
      requestId: r.request_id,
      tokenId: r.token_id,
      userId: r.user_id,
      model: r.model,
      route: r.route,
      stream: r.stream,
      status: r.status,
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      cacheHitTokens: r.cache_hit_tokens,
      cacheMissTokens: r.cache_miss_tokens,
      reasoningTokens: r.reasoning_tokens,
      firstByteMs: r.first_byte_ms,
      totalMs: r.total_ms,
      startedAt: r.started_at,
      aborted: r.aborted,
      instance: r.instance,
      cost: canonicalAmount(r.cost),
      currency: r.currency,
      upstreamModel: r.upstream_model || r.model,
      account: r.account,
      attempts: r.attempts,
    }));
    const last = res.rows[res.rows.length - 1];
    return { rows, nextCursor: rows.length === limit && last ? encodeCursor(last.cursor_ts, last.request_id) : null };
  }

  /** the key of each group; $3 is the time zone (for days) */
  const GROUP_SQL: Record<ReportGroup, string> = {
    day: `to_char(started_at AT TIME ZONE $3, 'YYYY-MM-DD')`,
    user: 'user_id',
    model: 'model',
    token: 'token_id',
  };

  async function report(options: ReportOptions) {
    const groupBy = options.groupBy ?? 'day';
    if (!(REPORT_GROUPS as readonly string[]).includes(groupBy))
      throw new ServiceError('invalid_argument', `group by must be one of ${REPORT_GROUPS.join(', ')}; got ${JSON.stringify(groupBy)}`);
    const { from, to, start, end } = resolveRange(options);
    const args: unknown[] = [start, end];
    if (groupBy === 'day') args.push(tz());
    let userFilter = '';
    if (options.userId !== undefined) {
      validateUserId(options.userId);
      args.push(options.userId);
      userFilter = `AND user_id = $${args.length}`;
    }
    const res = await ctx.pool.query<TotalsRow & { key: string }>(
      `SELECT ${GROUP_SQL[groupBy]} AS key, ${TOTALS_SQL}
       FROM usage_ledger WHERE started_at >= $1 AND started_at < $2 ${userFilter}
       GROUP BY 1, currency ORDER BY 1, currency`,
      args,
    );
    const rows: ReportRow[] = res.rows.map((r) => ({ key: r.key, ...totals(r), currency: r.currency, amount: canonicalAmount(r.cost) }));
    return { from, to, timezone: tz(), groupBy, rows };
  }

  return {
    daily,
    requests,
    report,

    async reportCsv(options) {
      const r = await report(options);
      const rows: Record<string, unknown>[] = r.rows.map((row) => ({ ...row, [r.groupBy]: row.key }));
      return toCsv(rows, [r.groupBy, ...TOTAL_COLUMNS, 'unpriced', 'amount', 'currency']);
    },

    async forUser(userId, range = {}) {
      validateUserId(userId);
      await loadUser(ctx.pool, userId);
      const { from, to, start, end } = resolveRange(range);
      const base = 'FROM usage_ledger WHERE user_id = $1 AND started_at >= $2 AND started_at < $3';
      const [all, byDay, byModel] = await Promise.all([
        ctx.pool.query<TotalsRow>(`SELECT ${TOTALS_SQL} ${base} GROUP BY currency ORDER BY currency`, [userId, start, end]),
        ctx.pool.query<TotalsRow & { day: string }>(
          `SELECT to_char(started_at AT TIME ZONE $4, 'YYYY-MM-DD') AS day, ${TOTALS_SQL} ${base} GROUP BY 1, currency ORDER BY 1, currency`,
          [userId, start, end, tz()],
        ),
        ctx.pool.query<TotalsRow & { model: string }>(`SELECT model, ${TOTALS_SQL} ${base} GROUP BY 1, currency ORDER BY 1, currency`, [userId, start, end]),
      ]);
      return {
        userId,
        from,
        to,
        timezone: tz(),
        totals: mergeByKey(all.rows, () => '')[0]?.totals ?? EMPTY_TOTALS(),
        byDay: mergeByKey(byDay.rows, (r) => r.day).map(({ row, totals: t }) => ({ day: row.day, ...t })),
        byModel: mergeByKey(byModel.rows, (r) => r.model).map(({ row, totals: t }) => ({ model: row.model, ...t })),
      };
    },

    async dailyCsv(options) {
      const { rows } = await daily(options);
      return toCsv(rows, ['day', 'userId', 'model', ...TOTAL_COLUMNS, 'unpriced', 'amount', 'currency']);
    },

    async requestsCsv(options) {
      const { rows } = await requests(options);
      return toCsv(rows, [
        'requestId',
        'startedAt',
        'userId',
        'tokenId',
        'model',
        'route',
        'stream',
        'status',
        'promptTokens',
        'completionTokens',
        'cacheHitTokens',
        'cacheMissTokens',
        'reasoningTokens',
        'firstByteMs',
        'totalMs',
        'aborted',
        'instance',
        'cost',
        'currency',
        'upstreamModel',
        'account',
        'attempts',
      ]);
    },
  };
}
