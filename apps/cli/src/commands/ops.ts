// dsp sync | migrate
import { migrateDatabase, redactUrl, databaseName } from '@dsp/db';
import type { Command } from '../command.js';
import { json } from '../output.js';

export const syncCommand: Command = {
  path: ['sync'],
  summary: 'rebuild Redis (status, limits, revocations, counters) from Postgres',
  usage: '[--json]',
  args: { min: 0, max: 0 },
  async run(ctx) {
    const r = await ctx.services().sync();
    if (ctx.global.json) return ctx.io.stdout(json(r));
    ctx.io.stdout(
      `synced ${r.users} users, ${r.revoked} revoked tokens, counters of ${r.counters} users` +
        (r.staleKeysDeleted ? `, deleted ${r.staleKeysDeleted} stale keys` : '') +
        ` in ${r.durationMs} ms\n`,
    );
  },
};

export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'create the database if needed and apply pending migrations',
  usage: '[--json]',
  args: { min: 0, max: 0 },
  async run(ctx) {
    const url = ctx.config().database.url;
    const r = await migrateDatabase(url);
    if (ctx.global.json) return ctx.io.stdout(json(r));
    if (r.created) ctx.io.stdout(`created database ${databaseName(url)}\n`);
    for (const m of r.applied) ctx.io.stdout(`applied ${m}\n`);
    for (const m of r.changed) ctx.io.stderr(`warning: migration ${m} changed after it was applied (not re-run)\n`);
    if (!r.applied.length) ctx.io.stdout(`database ${redactUrl(url)} is up to date\n`);
  },
};
