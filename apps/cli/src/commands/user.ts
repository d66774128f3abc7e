// dsp user create | list | show | disable | enable  (update | delete | restore: user-profile.ts)
import type { UserSummary } from '@dsp/db';
import { int, limitArg, str, type Command, type CommandGroup } from '../command.js';
import type { Limit } from '@dsp/db';
import { json, ofLimit, shortTime, table } from '../output.js';
import { userProfileCommands } from './user-profile.js';

const QUOTA_OPTIONS = {
  'daily-requests': { type: 'string' },
  'daily-tokens': { type: 'string' },
  'monthly-tokens': { type: 'string' },
} as const;

export const QUOTA_HELP = [
  '--daily-requests N   requests per day: a number (0 blocks), unlimited, or default (the [quota] default)',
  '--daily-tokens N     prompt + completion tokens per day (same values)',
  '--monthly-tokens N   tokens per calendar month (same values)',
];

/** The quota options of a command line as a service patch (null = the config default). */
export function quotaPatch(values: Record<string, string | boolean | undefined>) {
  const patch: { dailyRequests?: Limit | null; dailyTokens?: Limit | null; monthlyTokens?: Limit | null } = {};
  const dr = limitArg('daily-requests', values['daily-requests']);
  const dt = limitArg('daily-tokens', values['daily-tokens']);
  const mt = limitArg('monthly-tokens', values['monthly-tokens']);
  if (dr !== undefined) patch.dailyRequests = dr;
  if (dt !== undefined) patch.dailyTokens = dt;
  if (mt !== undefined) patch.monthlyTokens = mt;
  return patch;
}

const limitText = (own: Limit | null, effective: Limit) => (effective === 0 ? '0 (blocked)' : String(effective)) + (own === null ? ' (default)' : '');

export function describeUser(
  u: Pick<UserSummary, 'id' | 'name' | 'status' | 'dailyRequests' | 'dailyTokens' | 'monthlyTokens'> & {
    limits: UserSummary['limits'];
    dailyBudget?: string | null;
    monthlyBudget?: string | null;
    usage?: UserSummary['usage'];
  },
  currency?: string,
): string {
  const lines = [
    `user ${u.id}${u.name ? ` (${u.name})` : ''}: ${u.status}`,
    `  daily requests  ${limitText(u.dailyRequests, u.limits.dailyRequests)}`,
    `  daily tokens    ${limitText(u.dailyTokens, u.limits.dailyTokens)}`,
    `  monthly tokens  ${limitText(u.monthlyTokens, u.limits.monthlyTokens)}`,
  ];
  if (currency !== undefined) {
    const budget = (b: string | null | undefined, spent: string | undefined) =>
      (b == null ? 'none' : `${b} ${currency}`) + (spent !== undefined ? `, spent ${spent} ${currency}` : '');
    lines.push(`  daily budget    ${budget(u.dailyBudget, u.usage?.dailySpend)}`, `  monthly budget  ${budget(u.monthlyBudget, u.usage?.monthlySpend)}`);
  }
  return lines.join('\n') + '\n';
}

const create: Command = {
  path: ['user', 'create'],
  summary: 'create a gateway user (the JWT `sub`)',
  usage: 'ID [--name N] [--daily-requests N] [--daily-tokens N] [--monthly-tokens N]',
  help: ['--name N             display name', ...QUOTA_HELP],
  options: { name: { type: 'string' }, ...QUOTA_OPTIONS },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const s = ctx.services();
    const user = await s.users.create({ id: positionals[0]!, name: str(values.name) ?? null, quotas: quotaPatch(values) });
    const limits = s.quotas.effective(user);
    if (ctx.global.json) return ctx.io.stdout(json({ ...user, limits }));
    ctx.io.stdout(`created ${describeUser({ ...user, limits })}`);
  },
};

const list: Command = {
  path: ['user', 'list'],
  summary: "list users with today's and this month's usage",
  usage: '[--search S] [--label L] [--status active|disabled] [--deleted] [--limit N] [--offset N] [--json]',
  help: [
    '--search S   substring of the id, name or a label',
    '--label L    only users with this label',
    '--status S   active or disabled',
    '--deleted    only deleted users',
    '--limit N    rows (default 100)',
    '--offset N   rows to skip',
  ],
  options: {
    search: { type: 'string' },
    label: { type: 'string' },
    status: { type: 'string' },
    deleted: { type: 'boolean' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  args: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const status = str(values.status);
    const res = await ctx.services().users.list({
      ...(str(values.search) !== undefined ? { search: str(values.search)! } : {}),
      ...(status !== undefined ? { status: status as 'active' | 'disabled' } : {}),
      ...(str(values.label) !== undefined ? { label: str(values.label)! } : {}),
      ...(values.deleted === true ? { deleted: 'only' as const } : {}),
      limit: int('limit', values.limit, { min: 1 }) ?? 100,
      offset: int('offset', values.offset) ?? 0,
    });
    if (res.usageError) ctx.io.stderr(`warning: ${res.usageError}\n`);
    if (ctx.global.json) return ctx.io.stdout(json(res));
    ctx.io.stdout(
      table(
        ['ID', 'NAME', 'STATUS', 'LABELS', 'REQ TODAY', 'TOK TODAY', 'TOK MONTH', 'CREATED'],
        res.rows.map((u) => [
          u.id,
          u.name,
          u.deletedAt ? 'deleted' : u.status,
          u.labels.join(','),
          ofLimit(u.usage?.dailyRequests, u.limits.dailyRequests),
          ofLimit(u.usage?.dailyTokens, u.limits.dailyTokens),
          ofLimit(u.usage?.monthlyTokens, u.limits.monthlyTokens),
          shortTime(u.createdAt),
        ]),
      ),
    );
    const offset = int('offset', values.offset) ?? 0;
    ctx.io.stderr(`${res.rows.length ? `${offset + 1}-${offset + res.rows.length}` : 'none'} of ${res.total} users\n`);
  },
};

const show: Command = {
  path: ['user', 'show'],
  summary: 'show one user: status, limits, usage and tokens',
  usage: 'ID [--json]',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const s = ctx.services();
    const user = await s.users.get(positionals[0]!);
    const tokens = await s.tokens.list(user.id);
    if (ctx.global.json) return ctx.io.stdout(json({ ...user, tokens }));
    ctx.io.stdout(describeUser(user, s.budgets.currency()));
    if (user.usage)
      ctx.io.stdout(
        `  today           ${user.usage.dailyRequests} requests, ${user.usage.dailyTokens} tokens\n` +
          `  this month      ${user.usage.monthlyRequests} requests, ${user.usage.monthlyTokens} tokens\n`,
      );
    ctx.io.stdout(`  tokens          ${tokens.filter((t) => t.status === 'active').length} active, ${tokens.length} in all\n`);
  },
};

const setStatus = (verb: 'disable' | 'enable'): Command => ({
  path: ['user', verb],
  summary: verb === 'disable' ? 'disable a user: every token of theirs is refused (403)' : 'enable a disabled user',
  usage: 'ID',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const u = await ctx.services().users[verb](positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(u));
    ctx.io.stdout(`user ${u.id} is ${u.status}\n`);
  },
});

export const userCommands: CommandGroup = {
  name: 'user',
  summary: 'gateway users',
  commands: [create, list, show, setStatus('disable'), setStatus('enable'), ...userProfileCommands],
};
