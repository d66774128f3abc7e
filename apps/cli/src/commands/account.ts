// dsp account list | disable NAME | enable NAME | reload  (the upstream DeepSeek accounts of
// [[deepseek.accounts]]: what the console's Accounts page does, from a shell)
import type { AccountStatus } from '@dsp/db';
import type { Command, CommandGroup } from '../command.js';
import { json, table } from '../output.js';

/** In rotation, or why not. */
function state(a: AccountStatus): string {
  if (!a.configured) return 'off in the configuration';
  if (a.disabled) return `disabled (${a.disabled.reason.replace('_', ' ')}) since ${new Date(a.disabled.since).toISOString()}`;
  return 'in rotation';
}

const list: Command = {
  path: ['account', 'list'],
  summary: 'upstream accounts: masked key, rotation state, slots held against the cap',
  usage: '[--json]',
  args: { min: 0, max: 0 },
  async run(ctx) {
    const accounts = await ctx.services().accounts.list();
    if (ctx.global.json) return ctx.io.stdout(json(accounts));
    ctx.io.stdout(
      table(
        ['NAME', 'KEY', 'BASE URL', 'IN FLIGHT / CAP', 'WEIGHT', 'MODELS', 'STATE'],
        accounts.map((a) => [
          a.name,
          a.key,
          a.baseUrl,
          a.maxConcurrency > 0 ? `${a.slotsHeld ?? 0} / ${a.maxConcurrency}` : 'no cap',
          String(a.weight),
          a.models.length ? a.models.join(',') : 'all',
          state(a),
        ]),
      ),
    );
  },
};

const setStatus = (verb: 'disable' | 'enable'): Command => ({
  path: ['account', verb],
  summary:
    verb === 'disable'
      ? 'take an account out of rotation on every gateway host (in-flight requests finish; audited)'
      : 'put an account back into rotation on every gateway host (audited)',
  usage: 'NAME',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const svc = ctx.services().accounts;
    const a = verb === 'disable' ? await svc.disable(positionals[0]!) : await svc.enable(positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(a));
    ctx.io.stdout(`account "${a.name}": ${state(a)}\n`);
  },
});

const reload: Command = {
  path: ['account', 'reload'],
  summary: 'ask every gateway host to re-read its accounts from its configuration file (like SIGHUP)',
  usage: '',
  args: { min: 0, max: 0 },
  async run(ctx) {
    const hosts = await ctx.services().accounts.reload();
    if (ctx.global.json) return ctx.io.stdout(json({ hosts }));
    ctx.io.stdout(`reload sent; ${hosts} gateway host${hosts === 1 ? '' : 's'} heard it\n`);
    if (hosts === 0) ctx.io.stderr('no gateway host is listening on this Redis and key prefix: nothing was reloaded\n');
  },
};

export const accountCommands: CommandGroup = {
  name: 'account',
  summary: 'upstream DeepSeek accounts',
  commands: [list, setStatus('disable'), setStatus('enable'), reload],
};
