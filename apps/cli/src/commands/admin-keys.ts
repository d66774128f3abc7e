// dsp admin key create | list | revoke  (keys of the admin REST API, /api/v1)
import { ADMIN_ROLES, isAdminRole } from '@dsp/db';
import { UsageError, str, type Command } from '../command.js';
import { json, table } from '../output.js';

const create: Command = {
  path: ['admin', 'key', 'create'],
  summary: 'create an admin API key (printed once; stored hashed)',
  usage: '--name NAME [--role admin|viewer]',
  help: ['--name NAME    shown in the audit log as apikey:NAME', '--role R       admin (default) or viewer (read-only)'],
  options: { name: { type: 'string' }, role: { type: 'string' } },
  args: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const name = str(values.name);
    if (!name) throw new UsageError('--name is required', create);
    const role = values.role ?? 'admin';
    if (!isAdminRole(role)) throw new UsageError(`--role must be ${ADMIN_ROLES.join(' or ')}, got ${JSON.stringify(role)}`, create);
    const { secret, key } = await ctx.services().apiKeys.create(name, role);
    if (ctx.global.json) return ctx.io.stdout(json({ ...key, secret }));
    // the key alone on stdout, so `KEY=$(dsp admin key create …)` captures it
    ctx.io.stdout(`${secret}\n`);
    ctx.io.stderr(`created ${key.role} API key "${key.name}" (id ${key.id}); it is not shown again\n`);
  },
};

const list: Command = {
  path: ['admin', 'key', 'list'],
  summary: 'list admin API keys (never their secrets)',
  usage: '[--all] [--json]',
  help: ['--all          include revoked keys'],
  options: { all: { type: 'boolean' } },
  args: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const keys = await ctx.services().apiKeys.list({ includeRevoked: values.all === true });
    if (ctx.global.json) return ctx.io.stdout(json(keys));
    ctx.io.stdout(
      table(
        ['NAME', 'ROLE', 'HINT', 'CREATED', 'LAST USED', 'STATUS'],
        keys.map((k) => [k.name, k.role, `…${k.hint}`, k.createdAt, k.lastUsedAt ?? 'never', k.revokedAt ? 'revoked' : 'active']),
      ),
    );
  },
};

const revoke: Command = {
  path: ['admin', 'key', 'revoke'],
  summary: 'revoke an admin API key (refused from its next call)',
  usage: 'NAME|ID',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const k = await ctx.services().apiKeys.revoke(positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(k));
    ctx.io.stdout(`API key "${k.name}" is revoked\n`);
  },
};

export const adminKeyCommands: readonly Command[] = [create, list, revoke];
