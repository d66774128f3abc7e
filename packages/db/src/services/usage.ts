// Reports over the usage ledger. Days are calendar days in the quota timezone.
import { ServiceError } from '../errors.js';
import { toCsv } from '../csv.js';
import { resolveDayRange } from '../dates.js';
import type { ServiceContext } from './context.js';
import { REQUEST_LOG_COLUMNS, requestLogPage } from './request-log.js';
import { canonicalAmount, EMPTY_TOTALS, mergeByKey, TOTAL_COLUMNS, totals, TOTALS_SQL, type TotalsRow } from './usage-totals.js';
import { REPORT_GROUPS, type DailyUsageRow, type DayRange, type ReportGroup, type ReportOptions, type ReportRow, type UsageService } from './usage-types.js';
import { loadUser, validateUserId } from './users-shared.js';

export function createUsageService(ctx: ServiceContext): UsageService {
  const tz = () => ctx.config.quota.timezone;

  const resolveRange = (r: DayRange = {}) => resolveDayRange(tz(), ctx.now(), r);

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
    requests: (options) => requestLogPage(ctx, options),
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
      const { rows } = await requestLogPage(ctx, options);
      return toCsv(rows, REQUEST_LOG_COLUMNS);
    },
  };
}
