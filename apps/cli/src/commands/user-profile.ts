// dsp user update | delete | restore  (a user's name, notes and labels; soft deletion)
import { UsageError, str, type Command } from '../command.js';
import { json } from '../output.js';

const update: Command = {
  path: ['user', 'update'],
  summary: "change a user's name, notes or labels (operators' own; labels are found by search)",
  usage: 'ID [--name N|none] [--notes TEXT|none] [--labels a,b|none]',
  help: [
    '--name N        display name ("none" clears it)',
    '--notes TEXT    free text, at most 2,000 characters',
    '--labels a,b    replaces the labels: lower-case a-z 0-9 . _ : -, at most 20',
  ],
  options: { name: { type: 'string' }, notes: { type: 'string' }, labels: { type: 'string' } },
  args: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const clear = (v: string | undefined) => (v === 'none' ? null : v);
    const labels = str(values.labels);
    const patch = {
      ...(values.name !== undefined ? { name: clear(str(values.name)) ?? null } : {}),
      ...(values.notes !== undefined ? { notes: clear(str(values.notes)) ?? null } : {}),
      ...(labels !== undefined ? { labels: labels === 'none' ? [] : labels.split(',') } : {}),
    };
    if (Object.keys(patch).length === 0) throw new UsageError('give --name, --notes or --labels', update);
    const u = await ctx.services().users.update(positionals[0]!, patch);
    if (ctx.global.json) return ctx.io.stdout(json(u));
    ctx.io.stdout(
      `user ${u.id}${u.name ? ` (${u.name})` : ''}: labels ${u.labels.length ? u.labels.join(',') : 'none'}${u.notes ? `; notes: ${u.notes}` : ''}\n`,
    );
  },
};

const remove: Command = {
  path: ['user', 'delete'],
  summary: 'soft-delete a user: disabled, every token revoked, out of the lists; the ledger keeps its rows',
  usage: 'ID',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const u = await ctx.services().users.delete(positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(u));
    ctx.io.stdout(`user ${u.id} is deleted (its tokens are revoked; \`dsp user restore ${u.id}\` undoes it)\n`);
  },
};

const restore: Command = {
  path: ['user', 'restore'],
  summary: 'undo a delete; the user stays disabled and its tokens revoked',
  usage: 'ID',
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const u = await ctx.services().users.restore(positionals[0]!);
    if (ctx.global.json) return ctx.io.stdout(json(u));
    ctx.io.stdout(`user ${u.id} is restored and ${u.status} (\`dsp user enable ${u.id}\` to serve it again)\n`);
  },
};

export const userProfileCommands: readonly Command[] = [update, remove, restore];
