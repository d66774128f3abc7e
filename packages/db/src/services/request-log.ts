// The request log: one page of ledger rows, newest first, filtered by user, token, model, route,
// status and day range, paged by an opaque (started_at, request_id) cursor.
import { ServiceError } from '../errors.js';
import { resolveDayRange } from '../dates.js';
import { clampLimit } from './audit.js';
import type { ServiceContext } from './context.js';
import { whereEquals, whereUserAndToken } from './sql-where.js';
import { canonicalAmount } from './usage-totals.js';
import { STATUS_FILTERS, type RequestLogOptions, type RequestLogRow } from './usage-types.js';

/** The request log's CSV columns, in order. */
export const REQUEST_LOG_COLUMNS = [
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
] as const;

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

/** One page of the request log, newest first. */
export async function requestLogPage(ctx: ServiceContext, options: RequestLogOptions = {}): Promise<{ rows: RequestLogRow[]; nextCursor: string | null }> {
  const limit = clampLimit(options.limit, 50, 1000);
  const where: string[] = [];
  const args: unknown[] = [];
  whereUserAndToken(where, args, options);
  for (const [column, value] of [
    ['model', options.model],
    ['route', options.route],
  ] as const) {
    if (value === undefined) continue;
    if (value.length > 200) throw new ServiceError('invalid_argument', `${column} filter is longer than 200 characters`);
    whereEquals(where, args, column, value);
  }
  if (options.status !== undefined) where.push(statusCondition(options.status, args));
  if (options.from !== undefined || options.to !== undefined) {
    const { start, end } = resolveDayRange(ctx.config.quota.timezone, ctx.now(), options);
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
