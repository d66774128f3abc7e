// dsp usage USER
import { str, type Command } from '../command.js';
import { json, table } from '../output.js';

export const usageCommand: Command = {
  path: ['usage'],
  summary: "a user's usage from the ledger: totals, per day, per model",
  usage: 'USER [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json | --csv]',
  help: [
    '--from D   first day, in [quota] timezone (default: 29 days before --to)',
    '--to D     last day (default: today)',
    '--csv      the per-day × model rows as CSV',
  ],
  options: { from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'boolean' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const range = {
      ...(str(values.from) !== undefined ? { from: str(values.from)! } : {}),
      ...(str(values.to) !== undefined ? { to: str(values.to)! } : {}),
    };
    const s = ctx.services();
    const r = await s.usage.forUser(positionals[0]!, range);
    if (values.csv) return ctx.io.stdout(await s.usage.dailyCsv({ from: r.from, to: r.to, userId: r.userId }));
    if (ctx.global.json) return ctx.io.stdout(json(r));
    const t = r.totals;
    ctx.io.stdout(
      `usage of ${r.userId} from ${r.from} to ${r.to} (${r.timezone})\n` +
        `  requests ${t.requests} (errors ${t.errors}, aborted ${t.aborted})\n` +
        `  tokens   ${t.totalTokens} = prompt ${t.promptTokens} (cache hit ${t.cacheHitTokens}, miss ${t.cacheMissTokens}) + completion ${t.completionTokens} (reasoning ${t.reasoningTokens})\n`,
    );
    if (r.byDay.length) {
      ctx.io.stdout(
        '\n' +
          table(
            ['DAY', 'REQUESTS', 'PROMPT', 'COMPLETION', 'TOTAL'],
            r.byDay.map((d) => [d.day, d.requests, d.promptTokens, d.completionTokens, d.totalTokens]),
          ),
      );
      ctx.io.stdout(
        '\n' +
          table(
            ['MODEL', 'REQUESTS', 'PROMPT', 'COMPLETION', 'TOTAL'],
            r.byModel.map((m) => [m.model, m.requests, m.promptTokens, m.completionTokens, m.totalTokens]),
          ),
      );
    }
  },
};
