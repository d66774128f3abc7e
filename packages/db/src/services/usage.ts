// Reports over the usage ledger. Days are calendar days in the quota timezone.
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

export interface DailyUsageRow extends UsageTotals {
  day: string;
  userId: string;
  model: string;
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
}

export interface RequestLogOptions {
  userId?: string;
  tokenId?: string;
  /** default 50, at most 1000 */
  limit?: number;
  /** the previous page's nextCursor */
  before?: string;
}

export interface UsageService {
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
  count(*) FILTER (WHERE aborted) AS aborted`;

type TotalsRow = Record<
  'requests' | 'prompt_tokens' | 'completion_tokens' | 'cache_hit_tokens' | 'cache_miss_tokens' | 'reasoning_tokens' | 'total_tokens' | 'errors' | 'aborted',
  string
>;

function totals(r: TotalsRow | undefined): UsageTotals {
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
  };
}

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
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      args,
    );
    const rows = res.rows.map((r) => ({ day: r.day, userId: r.user_id, model: r.model, ...totals(r) }));
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
    }));
    const last = res.rows[res.rows.length - 1];
    return { rows, nextCursor: rows.length === limit && last ? encodeCursor(last.cursor_ts, last.request_id) : null };
  }

  return {
    daily,
    requests,

    async forUser(userId, range = {}) {
      validateUserId(userId);
      await loadUser(ctx.pool, userId);
      const { from, to, start, end } = resolveRange(range);
      const base = 'FROM usage_ledger WHERE user_id = $1 AND started_at >= $2 AND started_at < $3';
      const [all, byDay, byModel] = await Promise.all([
        ctx.pool.query<TotalsRow>(`SELECT ${TOTALS_SQL} ${base}`, [userId, start, end]),
        ctx.pool.query<TotalsRow & { day: string }>(
          `SELECT to_char(started_at AT TIME ZONE $4, 'YYYY-MM-DD') AS day, ${TOTALS_SQL} ${base} GROUP BY 1 ORDER BY 1`,
          [userId, start, end, tz()],
        ),
        ctx.pool.query<TotalsRow & { model: string }>(`SELECT model, ${TOTALS_SQL} ${base} GROUP BY 1 ORDER BY 1`, [userId, start, end]),
      ]);
      return {
        userId,
        from,
        to,
        timezone: tz(),
        totals: totals(all.rows[0]),
        byDay: byDay.rows.map((r) => ({ day: r.day, ...totals(r) })),
        byModel: byModel.rows.map((r) => ({ model: r.model, ...totals(r) })),
      };
    },

    async dailyCsv(options) {
      const { rows } = await daily(options);
      return toCsv(rows, ['day', 'userId', 'model', ...TOTAL_COLUMNS]);
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
      ]);
    },
  };
}
