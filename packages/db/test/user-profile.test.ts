// Notes and labels on users (found by search and by label), and soft deletion: disabled, tokens
// revoked in Postgres and Redis, out of the lists, the ledger untouched, restorable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@dsp/core';
import { insertUsageEvents } from '../src/index.js';
import { rejectsWithCode, setup, type Env, userHash } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env.close();
});

describe('user notes and labels', () => {
  it('saves notes and labels (normalised, sorted), audited; fields left out stay', async () => {
    await env.services.users.create({ id: 'lab-a', name: 'Team A' });
    const u = await env.services.users.update('lab-a', { notes: '  pays by invoice ', labels: ['Team-Red', 'eu', 'eu', ' beta '] });
    expect(u).toMatchObject({ name: 'Team A', notes: 'pays by invoice', labels: ['beta', 'eu', 'team-red'] });
    const again = await env.services.users.update('lab-a', { name: 'Team A (EU)' });
    expect(again).toMatchObject({ name: 'Team A (EU)', notes: 'pays by invoice', labels: ['beta', 'eu', 'team-red'] });
    const audit = await env.pool.query("SELECT details FROM audit_log WHERE target = 'lab-a' AND action = 'user.update' ORDER BY id");
    expect(audit.rows.map((r) => r.details)).toEqual([{ notes: 'pays by invoice', labels: ['beta', 'eu', 'team-red'] }, { name: 'Team A (EU)' }]);
  });

  it('search finds users by label as well as by id and name; --label filters exactly', async () => {
    await env.services.users.create({ id: 'lab-b' });
    await env.services.users.update('lab-b', { labels: ['team-blue', 'eu'] });
    const ids = async (o: Parameters<typeof env.services.users.list>[0]) => (await env.services.users.list(o)).rows.map((u) => u.id);
    expect(await ids({ search: 'RED' })).toEqual(['lab-a']);
    expect(await ids({ search: 'team-' })).toEqual(['lab-a', 'lab-b']);
    expect(await ids({ label: 'eu' })).toEqual(['lab-a', 'lab-b']);
    expect(await ids({ label: 'team' })).toEqual([]);
  });

  it('refuses bad labels and notes with the rule, and changes nothing', async () => {
    await rejectsWithCode(env.services.users.update('lab-a', { labels: ['has space'] }), 'invalid_argument');
    await rejectsWithCode(env.services.users.update('lab-a', { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }), 'invalid_argument');
    await rejectsWithCode(env.services.users.update('lab-a', { notes: 'x'.repeat(2001) }), 'invalid_argument');
    await rejectsWithCode(env.services.users.update('lab-a', {}), 'invalid_argument');
    await rejectsWithCode(env.services.users.update('nobody', { notes: 'x' }), 'not_found');
    expect((await env.services.users.get('lab-a')).labels).toEqual(['beta', 'eu', 'team-red']);
  });
});

describe('user soft delete', () => {
  it('disables the user, revokes its live tokens everywhere, hides it, keeps its ledger rows', async () => {
    await env.services.users.create({ id: 'gone' });
    const t1 = await env.services.tokens.issue('gone', { name: 'one' });
    const t2 = await env.services.tokens.issue('gone', { name: 'two' });
    await insertUsageEvents(env.pool, [
      {
        request_id: 'gone-r1',
        token_id: t1.record.id,
        user_id: 'gone',
        model: 'deepseek-chat',
        route: '/v1/chat/completions',
        stream: false,
        status: 200,
        prompt_tokens: 5,
        completion_tokens: 5,
        cache_hit_tokens: 0,
        cache_miss_tokens: 5,
        reasoning_tokens: 0,
        first_byte_ms: null,
        total_ms: 10,
        started_at: Date.now(),
        aborted: false,
        instance: 'test',
      },
    ]);
    const u = await env.services.users.delete('gone');
    expect(u).toMatchObject({ status: 'disabled' });
    expect(u.deletedAt).toBeInstanceOf(Date);
    expect((await userHash(env.redis, keys.user(env.prefix, 'gone'))).status).toBe('disabled');
    expect((await env.redis.smembers(keys.revoked(env.prefix, 'gone'))).sort()).toEqual([t1.record.id, t2.record.id].sort());
    expect((await env.services.tokens.list('gone')).map((t) => t.status)).toEqual(['revoked', 'revoked']);
    expect((await env.services.users.list({ search: 'gone' })).rows).toEqual([]);
    expect((await env.services.users.list({ deleted: 'only' })).rows.map((x) => x.id)).toEqual(['gone']);
    expect((await env.pool.query("SELECT count(*)::int AS n FROM usage_ledger WHERE user_id = 'gone'")).rows[0].n).toBe(1);
    // deleted twice: nothing more happens
    await env.services.users.delete('gone');
    expect((await env.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE target = 'gone' AND action = 'user.delete'")).rows[0].n).toBe(1);
  });

  it('a deleted user cannot be enabled, re-created or given a token until restored', async () => {
    await rejectsWithCode(env.services.users.enable('gone'), 'conflict');
    await expect(env.services.users.create({ id: 'gone' })).rejects.toThrow(/exists and is deleted; restore it/);
    await rejectsWithCode(env.services.tokens.issue('gone'), 'conflict');
    const r = await env.services.users.restore('gone');
    expect(r).toMatchObject({ status: 'disabled', deletedAt: null });
    await rejectsWithCode(env.services.users.restore('gone'), 'conflict');
    expect((await env.services.users.enable('gone')).status).toBe('active');
    expect((await env.services.users.list({ search: 'gone' })).rows.map((x) => x.id)).toEqual(['gone']);
  });
});
