// dsp quota set
import { UsageError, budgetArg, str, type Command, type CommandGroup } from '../command.js';
import { json } from '../output.js';
import { QUOTA_HELP, describeUser, quotaPatch } from './user.js';

const BUDGET_HELP = [
  '--daily-budget AMOUNT    spend per day in [quota] budget_currency: an exact decimal (0 blocks), or none',
  '--monthly-budget AMOUNT  spend per calendar month (same values)',
  "--token JTI              set the budgets of one token of USER instead of the user's (budgets only)",
  'A request is refused with 402 budget_exceeded once the spend has reached a budget; requests already',
  'in flight still finish and are charged (docs/OPERATIONS.md: the overspend bound).',
];

const set: Command = {
  path: ['quota', 'set'],
  summary: "set a user's (or a token's) limits and budgets; `default` resets a limit to the [quota] default, `none` removes a budget",
  usage:
    'USER [--daily-requests N|default] [--daily-tokens N|default] [--monthly-tokens N|default] [--daily-budget AMOUNT|none] [--monthly-budget AMOUNT|none] [--token JTI]',
  help: [...QUOTA_HELP, ...BUDGET_HELP],
  options: {
    'daily-requests': { type: 'string' },
    'daily-tokens': { type: 'string' },
    'monthly-tokens': { type: 'string' },
    'daily-budget': { type: 'string' },
    'monthly-budget': { type: 'string' },
    token: { type: 'string' },
  },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    // every bad value at once, not the first only
    const problems: string[] = [];
    const attempt = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        problems.push(e.message);
        return undefined;
      }
    };
    const patch = attempt(() => quotaPatch(values)) ?? {};
    const budgets: { dailyBudget?: string | null; monthlyBudget?: string | null } = {};
    const db = attempt(() => budgetArg('daily-budget', values['daily-budget']));
    const mb = attempt(() => budgetArg('monthly-budget', values['monthly-budget']));
    if (problems.length) throw new UsageError(problems.join('\n       '), set);
    if (db !== undefined) budgets.dailyBudget = db;
    if (mb !== undefined) budgets.monthlyBudget = mb;
    const token = values.token === undefined ? undefined : str(values.token);
    if (values.token !== undefined && !token) throw new UsageError('--token needs a token id (jti)', set);
    const userId = positionals[0]!;
    const s = ctx.services();
    if (token !== undefined) {
      if (Object.keys(patch).length > 0) throw new UsageError('--token sets budgets only: request and token limits are per user', set);
      if (Object.keys(budgets).length === 0) throw new UsageError('with --token, give --daily-budget and/or --monthly-budget', set);
      const t = await s.budgets.getToken(token);
      if (t.userId !== userId) throw new UsageError(`token "${token}" belongs to user "${t.userId}", not "${userId}"`, set);
      const after = await s.budgets.setToken(token, budgets);
      const currency = s.budgets.currency();
      if (ctx.global.json) return ctx.io.stdout(json({ ...after, currency }));
      const b = (v: string | null) => (v === null ? 'none' : `${v} ${currency}`);
      ctx.io.stdout(`token ${after.tokenId} of user ${after.userId}\n  daily budget    ${b(after.dailyBudget)}\n  monthly budget  ${b(after.monthlyBudget)}\n`);
      return;
    }
    if (Object.keys(patch).length === 0 && Object.keys(budgets).length === 0)
      throw new UsageError('give at least one of --daily-requests, --daily-tokens, --monthly-tokens, --daily-budget, --monthly-budget', set);
    if (Object.keys(patch).length > 0) await s.users.setQuota(userId, patch);
    if (Object.keys(budgets).length > 0) await s.budgets.setUser(userId, budgets);
    const user = await s.users.get(userId);
    if (ctx.global.json) return ctx.io.stdout(json({ ...user, currency: s.budgets.currency() }));
    ctx.io.stdout(describeUser(user, s.budgets.currency()));
  },
};

export const quotaCommands: CommandGroup = { name: 'quota', summary: 'per-user quotas and budgets', commands: [set] };
