import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, readClaims } from '@dsp/core';
import { createServices, insertUsageEvents, parseDuration } from '../src/index.js';
import { event, rejectsWithCode, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup();
  await env.services.users.create({ id: 'alice' });
  await env.services.users.create({ id: 'bob' });
});
afterAll(async () => {
  await env.close();
});

describe('tokens.issue', () => {
  it('mints a verifiable JWT whose jti is the new row, and stores only a hint', async () => {
    const { token, record } = await env.services.tokens.issue('alice', {
      name: 'laptop',
      concurrency: 3,
      models: ['deepseek-chat', 'deepseek-reasoner'],
      expiresIn: '30d',
    });
    const payload = await env.verify(token);
    const claims = readClaims(payload);
    expect(claims).toEqual({ sub: 'alice', jti: record.id, exp: expect.any(Number), concurrency: 3, models: ['deepseek-chat', 'deepseek-reasoner'] });
    expect(payload.iss).toBe('dsp-test');
    const exp = (claims as { exp: number }).exp;
    expect(exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(30 * 86400 - 10);
    expect(record).toMatchObject({
      userId: 'alice',
      name: 'laptop',
      hint: token.slice(-6),
      concurrency: 3,
      status: 'active',
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(record.expiresAt!.getTime()).toBe(exp * 1000);
    const row = await env.pool.query('SELECT * FROM tokens WHERE id = $1', [record.id]);
    expect(JSON.stringify(row.rows[0])).not.toContain(token);
    const audit = await env.pool.query("SELECT actor, details FROM audit_log WHERE action = 'token.issue' AND target = $1", [record.id]);
    expect(audit.rows[0].actor).toBe('test:runner');
    expect(JSON.stringify(audit.rows[0].details)).not.toContain(token);
  });

  it('defaults: no exp, no dsp claim, a generated name', async () => {
    const { token, record } = await env.services.tokens.issue('alice');
    const payload = await env.verify(token);
    expect(payload.exp).toBeUndefined();
    expect(payload.dsp).toBeUndefined();
    expect(record.name).toBe(`token-${record.id.slice(0, 8)}`);
    expect(record.expiresAt).toBeNull();
    const never = await env.services.tokens.issue('alice', { expiresIn: 'never' });
    expect((await env.verify(never.token)).exp).toBeUndefined();
  });

  it('errors: unknown user, disabled user, bad duration, duplicate name, bad claims', async () => {
    await rejectsWithCode(env.services.tokens.issue('ghost'), 'not_found', /user "ghost" does not exist/);
    await rejectsWithCode(env.services.tokens.issue('bad id'), 'invalid_argument');
    await env.services.users.disable('bob');
    await rejectsWithCode(env.services.tokens.issue('bob'), 'conflict', /disabled/);
    await env.services.users.enable('bob');
    for (const d of ['30', '5 days', '-1d', '0m', 'forever', '99999y']) {
      await rejectsWithCode(env.services.tokens.issue('alice', { expiresIn: d }), 'invalid_argument', /duration/);
    }
    await rejectsWithCode(env.services.tokens.issue('alice', { name: 'laptop' }), 'duplicate', /already has a token named "laptop"/);
    // the same name for another user is fine
    await env.services.tokens.issue('bob', { name: 'laptop' });
    await rejectsWithCode(env.services.tokens.issue('alice', { concurrency: 0 }), 'invalid_argument', /concurrency/);
    await rejectsWithCode(env.services.tokens.issue('alice', { concurrency: 1001 }), 'invalid_argument');
    await rejectsWithCode(env.services.tokens.issue('alice', { models: [] }), 'invalid_argument', /at least one model/);
    await rejectsWithCode(env.services.tokens.issue('alice', { models: ['a b'] }), 'invalid_argument');
    await rejectsWithCode(env.services.tokens.issue('alice', { name: '' }), 'invalid_argument', /name/);
  });

  it('parses durations', () => {
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('12h')).toBe(43200);
    expect(parseDuration('30d')).toBe(2_592_000);
    expect(parseDuration('2w')).toBe(1_209_600);
    expect(parseDuration('NEVER')).toBeNull();
  });

  it('reports not_configured when there is no signing key', async () => {
    const s = createServices({
      pool: env.pool,
      redis: env.redis,
      config: { ...env.config, auth: { ...env.auth, private_key_file: '' } },
    });
    await rejectsWithCode(s.tokens.issue('alice'), 'not_configured', /private_key_file/);
  });
});

describe('tokens.list / get', () => {
  it('lists a user’s tokens with last use from the ledger', async () => {
    const { record } = await env.services.tokens.issue('bob', { name: 'ci' });
    const t1 = Date.now() - 60_000;
    await insertUsageEvents(env.pool, [
      event({ token_id: record.id, user_id: 'bob', started_at: t1 - 5000 }),
      event({ token_id: record.id, user_id: 'bob', started_at: t1 }),
    ]);
    const list = await env.services.tokens.list('bob');
    expect(list.map((t) => t.name)).toEqual(['laptop', 'ci']);
    expect(list[1]!.lastUsedAt!.getTime()).toBe(t1);
    expect(list[0]!.lastUsedAt).toBeNull();
    const all = await env.services.tokens.list();
    expect(new Set(all.map((t) => t.userId))).toEqual(new Set(['alice', 'bob']));
    expect((await env.services.tokens.get(record.id)).lastUsedAt!.getTime()).toBe(t1);
  });

  it('errors for unknown users and tokens', async () => {
    await rejectsWithCode(env.services.tokens.list('ghost'), 'not_found');
    await rejectsWithCode(env.services.tokens.get('00000000-0000-0000-0000-000000000000'), 'not_found');
  });

  it('marks expired tokens', async () => {
    const later = createServices({ pool: env.pool, redis: env.redis, config: env.config, now: () => Date.now() + 2 * 3600_000 });
    const { record } = await env.services.tokens.issue('alice', { name: 'short', expiresIn: '1h' });
    expect(record.status).toBe('active');
    expect((await later.tokens.get(record.id)).status).toBe('expired');
  });
});

describe('tokens.revoke', () => {
  it('revokes in Postgres, then adds the jti to the user’s Redis revoked set', async () => {
    const { record } = await env.services.tokens.issue('alice', { name: 'to-revoke' });
    const r = await env.services.tokens.revoke(record.id);
    expect(r.status).toBe('revoked');
    expect(r.revokedAt).toBeInstanceOf(Date);
    expect(await env.redis.sismember(keys.revoked(env.prefix, 'alice'), record.id)).toBe(1);
    // idempotent: same revokedAt, Redis repaired, one audit row
    await env.redis.del(keys.revoked(env.prefix, 'alice'));
    const again = await env.services.tokens.revoke(record.id);
    expect(again.revokedAt!.getTime()).toBe(r.revokedAt!.getTime());
    expect(await env.redis.sismember(keys.revoked(env.prefix, 'alice'), record.id)).toBe(1);
    const audit = await env.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'token.revoke' AND target = $1", [record.id]);
    expect(audit.rows[0].n).toBe(1);
  });

  it('errors for unknown or malformed token ids', async () => {
    await rejectsWithCode(env.services.tokens.revoke('11111111-1111-1111-1111-111111111111'), 'not_found', /does not exist/);
    await rejectsWithCode(env.services.tokens.revoke('not a jti'), 'invalid_argument');
  });
});
