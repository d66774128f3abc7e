// dsp admin create | list | passwd | role | disable | enable  (operators of the admin console); admin key …
import { ADMIN_ROLES, isAdminRole, type AdminRole } from '@dsp/db';
import { UsageError, str, type Command, type CommandGroup } from '../command.js';
import { adminKeyCommands } from './admin-keys.js';
import { json, table } from '../output.js';
import { readNewPassword } from '../prompt.js';

function roleArg(v: string | boolean | undefined): AdminRole {
  if (!isAdminRole(v)) throw new UsageError(`--role must be ${ADMIN_ROLES.join(' or ')}, got ${JSON.stringify(v ?? '')}`);
  return v;
}

const PASSWORD_HELP = ['--password P   the password (else $DSP_ADMIN_PASSWORD, else a prompt, else the first line of stdin)'];

const create: Command = {
  path: ['admin', 'create'],
  summary: 'create an operator of the admin console',
  usage: 'USERNAME [--role admin|viewer] [--password P]',
  help: ['--role R       admin (default: may change anything) or viewer (read-only)', ...PASSWORD_HELP],
  options: { password: { type: 'string' }, role: { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const s = ctx.services();
    const role = values.role === undefined ? 'admin' : roleArg(values.role);
    const password = await readNewPassword({ flag: str(values.password), env: ctx.env, stdin: ctx.stdin, io: ctx.io });
    const a = await s.admins.create(positionals[0]!, password, { role });
    if (ctx.global.json) return ctx.io.stdout(json(a));
    ctx.io.stdout(`created admin ${a.username}${a.role === 'admin' ? '' : ` (${a.role})`}\n`);
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
        ['USERNAME', 'ROLE', 'STATUS', 'SIGN-IN', 'CREATED'],
        // sso: made by single sign-on, no password; the provider's groups set the role at each sign-in
        admins.map((a) => [a.username, a.role, a.disabledAt ? 'disabled' : 'active', a.kind === 'sso' ? 'sso' : 'password', a.createdAt]),
      ),
    );
  },
};

const role: Command = {
  path: ['admin', 'role'],
  summary: "set an operator's role: admin (may change anything) or viewer (read-only)",
  usage: 'USERNAME admin|viewer',
  args: { min: 2, max: 2 },
  async run(ctx, { positionals }) {
    const wanted = positionals[1];
    if (!isAdminRole(wanted)) throw new UsageError(`the role must be ${ADMIN_ROLES.join(' or ')}, got ${JSON.stringify(wanted)}`);
    const a = await ctx.services().admins.setRole(positionals[0]!, wanted);
    if (ctx.global.json) return ctx.io.stdout(json(a));
    ctx.io.stdout(`admin ${a.username} has the ${a.role} role\n`);
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
  summary: 'operators of the admin console and keys of its REST API',
  commands: [create, list, passwd, role, setStatus('disable'), setStatus('enable'), ...adminKeyCommands],
};
