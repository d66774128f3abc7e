// dsp admin create | list | passwd | disable | enable  (operators of the admin console)
import { str, type Command, type CommandGroup } from '../command.js';
import { json, table } from '../output.js';
import { readNewPassword } from '../prompt.js';

const PASSWORD_HELP = ['--password P   the password (else $DSP_ADMIN_PASSWORD, else a prompt, else the first line of stdin)'];

const create: Command = {
  path: ['admin', 'create'],
  summary: 'create an operator of the admin console',
  usage: 'USERNAME [--password P]',
  help: PASSWORD_HELP,
  options: { password: { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const s = ctx.services();
    const password = await readNewPassword({ flag: str(values.password), env: ctx.env, stdin: ctx.stdin, io: ctx.io });
    const a = await s.admins.create(positionals[0]!, password);
    if (ctx.global.json) return ctx.io.stdout(json(a));
    ctx.io.stdout(`created admin ${a.username}\n`);
  },
};

const passwd: Command = {
  path: ['admin', 'passwd'],
  summary: "set an operator's password (ends their sessions)",
  usage: 'USERNAME [--password P]',
  help: PASSWORD_HELP,
  options: { password: { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const s = ctx.services();
    await s.admins.get(positionals[0]!);
    const password = await readNewPassword({ flag: str(values.password), env: ctx.env, stdin: ctx.stdin, io: ctx.io });
    const a = await s.admins.setPassword(positionals[0]!, password);
    if (ctx.global.json) return ctx.io.stdout(json(a));
    ctx.io.stdout(`password of admin ${a.username} changed\n`);
  },
};

const list: Command = {
  path: ['admin', 'list'],
  summary: 'list operators',
  usage: '[--json]',
  args: { min: 0, max: 0 },
  async run(ctx) {
    const admins = await ctx.services().admins.list();
    if (ctx.global.json) return ctx.io.stdout(json(admins));
    ctx.io.stdout(
      table(
        ['USERNAME', 'STATUS', 'CREATED'],
        admins.map((a) => [a.username, a.disabledAt ? 'disabled' : 'active', a.createdAt]),
      ),
    );
  },
};

const setStatus = (verb: 'disable' | 'enable'): Command => ({
  path: ['admin', verb],
  summary: verb === 'disable' ? 'disable an operator (ends their sessions)' : 'enable a disabled operator',
  usage: 'USERNAME',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const a = await ctx.services().admins[verb](positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(a));
    ctx.io.stdout(`admin ${a.username} is ${a.disabledAt ? 'disabled' : 'active'}\n`);
  },
});

export const adminCommands: CommandGroup = {
  name: 'admin',
  summary: 'operators of the admin console',
  commands: [create, list, passwd, setStatus('disable'), setStatus('enable')],
};
