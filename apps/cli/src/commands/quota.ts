// dsp quota set
import { UsageError, type Command, type CommandGroup } from '../command.js';
import { json } from '../output.js';
import { QUOTA_HELP, describeUser, quotaPatch } from './user.js';

const set: Command = {
  path: ['quota', 'set'],
  summary: "set a user's limits; the value `default` resets one to the [quota] default",
  usage: 'USER [--daily-requests N|default] [--daily-tokens N|default] [--monthly-tokens N|default]',
  help: QUOTA_HELP,
  options: { 'daily-requests': { type: 'string' }, 'daily-tokens': { type: 'string' }, 'monthly-tokens': { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const patch = quotaPatch(values);
    if (Object.keys(patch).length === 0) throw new UsageError('give at least one of --daily-requests, --daily-tokens, --monthly-tokens', set);
    const s = ctx.services();
    const user = await s.users.setQuota(positionals[0]!, patch);
    const limits = s.quotas.effective(user);
    if (ctx.global.json) return ctx.io.stdout(json({ ...user, limits }));
    ctx.io.stdout(describeUser({ ...user, limits }));
  },
};

export const quotaCommands: CommandGroup = { name: 'quota', summary: 'per-user quotas', commands: [set] };
