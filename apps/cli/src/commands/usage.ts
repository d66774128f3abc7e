// dsp usage [USER]: the ledger's totals with what they cost. With USER alone, that user's summary
// (totals, per day, per model); with --group-by or --format, or without USER, a report grouped by
// day, user, model or token, one row per key and currency.
import { REPORT_GROUPS, type ReportGroup, type UsageTotals } from '@dsp/db';
import { UsageError, str, type Command } from '../command.js';
import { json, table } from '../output.js';

const FORMATS = ['table', 'json', 'csv'] as const;

/** "CNY 1.25 · USD 0.5", plus how many requests had no price; "0" when nothing was priced. */
export function costText(t: Pick<UsageTotals, 'cost' | 'unpriced'>): string {
  const parts = Object.keys(t.cost)
    .sort()
    .map((c) => `${c} ${t.cost[c]}`);
  const text = parts.length ? parts.join(' · ') : '0';
  return t.unpriced > 0 ? `${text} (${t.unpriced} without a price)` : text;
}

export const usageCommand: Command = {
  path: ['usage'],
  summary: 'usage and cost from the ledger: one user, or every user grouped by day / user / model / token',
  usage: '[USER] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--group-by day|user|model|token] [--format table|json|csv] [--json | --csv]',
  help: [
    '--from D       first day, in [quota] timezone (default: 29 days before --to)',
    '--to D         last day (default: today)',
    '--group-by G   day (default), user, model or token: one row per key and currency, with its cost',
    '--format F     table (default), json or csv (a spreadsheet-ready file: key, counts, amount, currency)',
    '--csv          with USER alone: the per-day × model rows as CSV',
    'Without USER, every user. Costs are exact decimals per currency; requests of a model without a',
    '[pricing] entry cost nothing and are counted as "without a price".',
  ],
  options: { from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'boolean' }, 'group-by': { type: 'string' }, format: { type: 'string' } },
  args: { min: 0, max: 1 },
  async run(ctx, { values, positionals }) {
    const range = {
      ...(str(values.from) !== undefined ? { from: str(values.from)! } : {}),
      ...(str(values.to) !== undefined ? { to: str(values.to)! } : {}),
    };
    const groupBy = str(values['group-by']);
    if (groupBy !== undefined && !(REPORT_GROUPS as readonly string[]).includes(groupBy))
      throw new UsageError(`--group-by must be one of ${REPORT_GROUPS.join(', ')}; got "${groupBy}"`, usageCommand);
    const format = str(values.format);
    if (format !== undefined && !(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got "${format}"`, usageCommand);
    const userId = positionals[0];
    const s = ctx.services();

    if (userId !== undefined && groupBy === undefined && format === undefined) {
      const r = await s.usage.forUser(userId, range);
      if (values.csv) return ctx.io.stdout(await s.usage.dailyCsv({ from: r.from, to: r.to, userId: r.userId }));
      if (ctx.global.json) return ctx.io.stdout(json(r));
      const t = r.totals;
      ctx.io.stdout(
        `usage of ${r.userId} from ${r.from} to ${r.to} (${r.timezone})\n` +
          `  requests ${t.requests} (errors ${t.errors}, aborted ${t.aborted})\n` +
          `  tokens   ${t.totalTokens} = prompt ${t.promptTokens} (cache hit ${t.cacheHitTokens}, miss ${t.cacheMissTokens}) + completion ${t.completionTokens} (reasoning ${t.reasoningTokens})\n` +
          `  cost     ${costText(t)}\n`,
      );
      if (r.byDay.length) {
        const head = ['REQUESTS', 'PROMPT', 'COMPLETION', 'TOTAL', 'COST'];
        const cells = (d: UsageTotals) => [d.requests, d.promptTokens, d.completionTokens, d.totalTokens, costText(d)];
        ctx.io.stdout(
          '\n' +
            table(
              ['DAY', ...head],
              r.byDay.map((d) => [d.day, ...cells(d)]),
            ),
        );
        ctx.io.stdout(
          '\n' +
            table(
              ['MODEL', ...head],
              r.byModel.map((m) => [m.model, ...cells(m)]),
            ),
        );
      }
      return;
    }

    if (values.csv) throw new UsageError('--csv goes with USER alone; use --format csv with --group-by or without USER', usageCommand);
    const options = { ...range, ...(userId !== undefined ? { userId } : {}), groupBy: (groupBy ?? 'day') as ReportGroup };
    if (format === 'csv') return ctx.io.stdout(await s.usage.reportCsv(options));
    const r = await s.usage.report(options);
    if (format === 'json' || ctx.global.json) return ctx.io.stdout(json(r));
    ctx.io.stdout(`usage${userId !== undefined ? ` of ${userId}` : ''} from ${r.from} to ${r.to} (${r.timezone}), by ${r.groupBy}\n\n`);
    ctx.io.stdout(
      table(
        [r.groupBy.toUpperCase(), 'REQUESTS', 'PROMPT', 'COMPLETION', 'TOTAL', 'COST', 'CURRENCY'],
        r.rows.map((x) => [x.key, x.requests, x.promptTokens, x.completionTokens, x.totalTokens, x.currency ? x.amount : '0', x.currency || '(no price)']),
      ),
    );
  },
};
