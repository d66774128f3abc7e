// Reports over the refusal counters (see ../refusals.ts): per day, user, token and reason.
import { ServiceError } from '../errors.js';
import { resolveDayRange } from '../dates.js';
import { toNum, type ServiceContext } from './context.js';
import { whereEquals, whereUserAndToken } from './sql-where.js';

export interface RefusalRow {
  day: string;
  /** '' when not known */
  userId: string;
  tokenId: string;
  reason: string;
  status: number;
  count: number;
  lastAt: Date;
}

export interface RefusalOptions {
  /** YYYY-MM-DD, inclusive; default 29 days before `to` */
  from?: string;
  /** YYYY-MM-DD, inclusive; default today (quota timezone) */
  to?: string;
  userId?: string;
  tokenId?: string;
  reason?: string;
}

export interface RefusalsService {
  list(options?: RefusalOptions): Promise<{ from: string; to: string; rows: RefusalRow[]; byReason: Record<string, number>; total: number }>;
}

export function createRefusalsService(ctx: ServiceContext): RefusalsService {
  return {
    async list(o = {}) {
      const { from, to } = resolveDayRange(ctx.config.quota.timezone, ctx.now(), o);
      const args: unknown[] = [from, to];
      const where = ['day BETWEEN $1 AND $2'];
      whereUserAndToken(where, args, o);
      if (o.reason !== undefined) {
        if (!/^[a-z_]{1,64}$/.test(o.reason)) throw new ServiceError('invalid_argument', `invalid reason ${JSON.stringify(o.reason)}`);
        whereEquals(where, args, 'reason', o.reason);
      }
      const res = await ctx.pool.query<{ day: string; user_id: string; token_id: string; reason: string; status: number; count: string; last_at: Date }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, user_id, token_id, reason, status, count, last_at FROM refusals
         WHERE ${where.join(' AND ')} ORDER BY day DESC, count DESC, user_id, token_id, reason LIMIT 5000`,
        args,
      );
      const rows = res.rows.map((r) => ({
        day: r.day,
        userId: r.user_id,
        tokenId: r.token_id,
        reason: r.reason,
        status: r.status,
        count: toNum(r.count),
        lastAt: r.last_at,
      }));
      const byReason: Record<string, number> = {};
      for (const r of rows) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.count;
      return { from, to, rows, byReason, total: rows.reduce((a, r) => a + r.count, 0) };
    },
  };
}
