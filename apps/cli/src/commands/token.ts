// dsp token issue | list | rotate | revoke
import { str, int, UsageError, type Command, type CommandGroup } from '../command.js';
import { json, shortTime, table } from '../output.js';

const issue: Command = {
  path: ['token', 'issue'],
  summary: 'issue a JWT for a user (printed once, on stdout alone)',
  usage: 'USER [--name N] [--concurrency N] [--models a,b] [--expires 30d|12h|90m|never]',
  help: [
    '--name N          unique per user (default token-<id prefix>)',
    '--concurrency N   in-flight requests allowed (default: [limits] token_concurrency)',
    '--models a,b      models this token may use (default: all)',
    '--expires D       lifetime: 90m, 12h, 30d, 2w, 1y or never (default never)',
  ],
  options: { name: { type: 'string' }, concurrency: { type: 'string' }, models: { type: 'string' }, expires: { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const concurrency = int('concurrency', values.concurrency, { min: 1 });
    const modelsArg = str(values.models);
    if (values.models !== undefined && modelsArg === undefined) throw new UsageError('--models needs a value');
    const models = modelsArg
      ?.split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const { token, record } = await ctx.services().tokens.issue(positionals[0]!, {
      ...(str(values.name) !== undefined ? { name: str(values.name)! } : {}),
      ...(concurrency != null ? { concurrency } : {}),
      ...(models !== undefined ? { models } : {}),
      ...(str(values.expires) !== undefined ? { expiresIn: str(values.expires)! } : {}),
    });
    if (ctx.global.json) return ctx.io.stdout(json({ token, record }));
    ctx.io.stdout(token + '\n');
    ctx.io.stderr(
      `issued token ${record.id} "${record.name}" for user ${record.userId}` +
        `, expires ${record.expiresAt ? record.expiresAt.toISOString() : 'never'}` +
        (record.concurrency !== null ? `, concurrency ${record.concurrency}` : '') +
        (record.models ? `, models ${record.models.join(',')}` : '') +
        '\nthe token is shown only this once; store it now\n',
    );
  },
};

const list: Command = {
  path: ['token', 'list'],
  summary: "list tokens (all, or one user's) with their last use",
  usage: '[USER] [--json]',
  args: { min: 0, max: 1 },
  async run(ctx, { positionals }) {
    const tokens = await ctx.services().tokens.list(positionals[0]);
    if (ctx.global.json) return ctx.io.stdout(json(tokens));
    ctx.io.stdout(
      table(
        ['JTI', 'USER', 'NAME', 'STATUS', 'HINT', 'CONC', 'MODELS', 'EXPIRES', 'LAST USED', 'CREATED'],
        tokens.map((t) => [
          t.id,
          t.userId,
          t.name,
          t.retireAt && t.status === 'active' ? `retires ${shortTime(t.retireAt)}` : t.status,
          '…' + t.hint,
          t.concurrency,
          t.models?.join(','),
          t.expiresAt ? shortTime(t.expiresAt) : 'never',
          t.lastUsedAt,
          t.createdAt,
        ]),
      ),
    );
    ctx.io.stderr(`${tokens.length} tokens\n`);
  },
};

const rotate: Command = {
  path: ['token', 'rotate'],
  summary: 'replace a token with a new JWT (same user and name); also how a token is edited, since its claims are signed',
  usage: 'JTI [--grace 1h] [--concurrency N|default] [--models a,b|all] [--expires 30d|never]',
  help: [
    '--grace D         the old token keeps working this long (at most 30d); default: revoked at once',
    '--concurrency N   the new token\'s in-flight limit (default: as the old token; "default" = [limits])',
    '--models a,b      the new token\'s models (default: as the old token; "all" = every model)',
    "--expires D       the new token's lifetime (default: the old token's lifetime)",
  ],
  options: { grace: { type: 'string' }, concurrency: { type: 'string' }, models: { type: 'string' }, expires: { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const concurrency = int('concurrency', values.concurrency, { min: 1, allowDefault: true });
    const m = str(values.models);
    if (values.models !== undefined && m === undefined) throw new UsageError('--models needs a value', rotate);
    const models =
      m === undefined
        ? undefined
        : m === 'all'
          ? null
          : m
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean);
    const { token, record, replaced } = await ctx.services().tokens.rotate(positionals[0]!, {
      ...(str(values.grace) !== undefined ? { grace: str(values.grace)! } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(models !== undefined ? { models } : {}),
      ...(str(values.expires) !== undefined ? { expiresIn: str(values.expires)! } : {}),
    });
    if (ctx.global.json) return ctx.io.stdout(json({ token, record, replaced }));
    ctx.io.stdout(token + '\n');
    ctx.io.stderr(
      `token ${replaced.id} replaced by ${record.id} "${record.name}" for user ${record.userId}` +
        `, expires ${record.expiresAt ? record.expiresAt.toISOString() : 'never'}` +
        (record.concurrency !== null ? `, concurrency ${record.concurrency}` : '') +
        (record.models ? `, models ${record.models.join(',')}` : '') +
        (replaced.retireAt ? `\nthe old token keeps working until ${replaced.retireAt.toISOString()}` : '\nthe old token is revoked') +
        '\nthe new token is shown only this once; store it now\n',
    );
  },
};

const revoke: Command = {
  path: ['token', 'revoke'],
  summary: 'revoke a token by its id (jti); the gateway refuses it at once',
  usage: 'JTI',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const t = await ctx.services().tokens.revoke(positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(t));
    ctx.io.stdout(`revoked token ${t.id} "${t.name}" of user ${t.userId}\n`);
  },
};

export const tokenCommands: CommandGroup = {
  name: 'token',
  summary: 'API tokens (JWTs)',
  commands: [issue, list, rotate, revoke],
};
