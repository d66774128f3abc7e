// dsp reconcile: recompute the ledger's costs from its tokens and the configured prices, compare
// them with the stored costs and the Redis spend counters with the ledger; print the differences
// and exit 1 on any.
import { PriceBook } from '@dsp/core';
import { reconcile } from '@dsp/db';
import { CliError, str, type Command } from '../command.js';
import { json } from '../output.js';

export const reconcileCommand: Command = {
  path: ['reconcile'],
  summary: 'check money: ledger costs recomputed from tokens and prices, Redis spend counters against the ledger (exit 1 on any difference)',
  usage: '[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]',
  help: [
    '--from D   first day, in [quota] timezone (default: the first of this month)',
    '--to D     last day (default: today)',
    "Redis holds only today's and this month's counters: they are compared when the range covers",
    'today (the month: from its first day). Events still queued show as Redis ahead of the ledger;',
    'run it when the recorder has caught up.',
  ],
  options: { from: { type: 'string' }, to: { type: 'string' } },
  args: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const config = ctx.config();
    const r = await reconcile({
      pool: ctx.pool(),
      redis: ctx.redis(),
      prefix: config.redis.key_prefix,
      timezone: config.quota.timezone,
      budgetCurrency: config.quota.budget_currency,
      prices: new PriceBook(config.pricing),
      ...(str(values.from) !== undefined ? { from: str(values.from)! } : {}),
      ...(str(values.to) !== undefined ? { to: str(values.to)! } : {}),
    });
    if (ctx.global.json) ctx.io.stdout(json(r));
    else {
      const totals = Object.entries(r.totals).map(([c, v]) => `${c} ${v}`);
      ctx.io.stdout(
        `reconcile ${r.from} .. ${r.to} (${r.timezone}): ${r.rows} ledger rows${totals.length ? `, ${totals.join(', ')}` : ''}; Redis counters: ${r.periods.join(', ') || 'none in range'}\n`,
      );
      for (const d of r.differences) {
        if (d.kind === 'cost')
          ctx.io.stdout(
            `cost   ${d.requestId} ${d.userId} ${d.model} ${d.startedAt}: stored ${d.stored.currency || '-'} ${d.stored.amount}, recomputed ${d.recomputed.currency || '-'} ${d.recomputed.amount}\n`,
          );
        else
          ctx.io.stdout(
            `spend  ${d.period} ${d.key} ${d.userId}${d.tokenId ? ` token ${d.tokenId}` : ''}: Redis ${d.currency} ${d.redis}, ledger ${d.currency} ${d.ledger}\n`,
          );
      }
      if (!r.differences.length) ctx.io.stdout('no differences\n');
    }
    if (r.differences.length) throw new CliError(`${r.differences.length} difference(s)`);
  },
};
