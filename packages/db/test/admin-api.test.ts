// The service pieces of the admin REST API: API keys, idempotent creates, token rotation and the
// cursor-paginated lists, on a real Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, readClaims } from '@dsp/core';
import { rejectsWithCode, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup();
  for (const id of ['alice', 'bob', 'carol', 'dave']) await env.services.users.create({ id });
});
afterAll(async () => {
  await env.close();
});

describe('apiKeys', () => {
  it('returns the secret once, stores only its hash, authenticates and records the last use', async () => {
    const { secret, key } = await env.services.apiKeys.create('ci', 'viewer');
    expect(secret).toMatch(/^dsp_ak_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: 'ci', role: 'viewer', hint: secret.slice(-4), createdBy: 'test:runner', lastUsedAt: null, revokedAt: null });
    const stored = await env.pool.query('SELECT * FROM admin_api_keys');
    expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(7));
    const before = Date.now();
    const found = await env.services.apiKeys.authenticate(secret);
    expect(found).toMatchObject({ id: key.id, name: 'ci', role: 'viewer' });
    expect(found!.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await env.services.apiKeys.authenticate(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await env.services.apiKeys.authenticate('not-a-key')).toBeNull();
    const audit = await env.services.audit.list({ action: 'apikey.create' });
    expect(audit.rows[0]).toMatchObject({ actor: 'test:runner', target: 'ci', details: { id: key.id, role: 'viewer' } });
  });

  it('revokes by name or id; a revoked key no longer authenticates and frees its name', async () => {
    const { secret, key } = await env.services.apiKeys.create('deploy', 'admin');
    await rejectsWithCode(env.services.apiKeys.create('DEPLOY', 'admin'), 'duplicate', /already exists/);
    expect((await env.services.apiKeys.revoke('deploy')).revokedAt).not.toBeNull();
    expect(await env.services.apiKeys.authenticate(secret)).toBeNull();
    expect((await env.services.apiKeys.revoke(key.id)).revokedAt).not.toBeNull(); // twice: fine
    await rejectsWithCode(env.services.apiKeys.revoke('deploy'), 'not_found');
    const again = await env.services.apiKeys.create('deploy', 'admin');
    expect(again.key.id).not.toBe(key.id);
    expect((await env.services.apiKeys.list()).map((k) => k.name)).toEqual(['ci', 'deploy']);
    expect((await env.services.apiKeys.list({ includeRevoked: true })).length).toBe(3);
  });

  it('refuses bad names and roles', async () => {
    await rejectsWithCode(env.services.apiKeys.create('has space', 'admin'), 'invalid_argument', /invalid key name/);
    await rejectsWithCode(env.services.apiKeys.create('x', 'root' as never), 'invalid_argument', /invalid role/);
    await rejectsWithCode(env.services.apiKeys.revoke(''), 'invalid_argument');
  });
});

describe('idempotency', () => {
  const scope = (key: string, request = 'POST /users {"id":"x"}') => ({ principal: 'key-1', key, request });

  it('runs a create once; a retry gets the same resource; another request with the key is refused', async () => {
    let runs = 0;
    const create = async () => ({ resource: `made-${++runs}`, value: `value-${runs}` });
    const replay = async (r: string) => `replayed-${r}`;
    expect(await env.services.idempotency.once(scope('k1'), create, replay)).toEqual({ value: 'value-1', replayed: false });
    expect(await env.services.idempotency.once(scope('k1'), create, replay)).toEqual({ value: 'replayed-made-1', replayed: true });
    expect(runs).toBe(1);
    await expect(env.services.idempotency.once(scope('k1', 'POST /users {"id":"y"}'), create, replay)).rejects.toMatchObject({
      code: 'conflict',
      reason: 'idempotency_key_reused',
    });
    // another caller's identical key is its own
    expect(await env.services.idempotency.once({ ...scope('k1'), principal: 'key-2' }, create, replay)).toEqual({ value: 'value-2', replayed: false });
  });

  it('a failed create frees the key; a running one makes a concurrent retry a conflict', async () => {
    await expect(
      env.services.idempotency.once(
        scope('k2'),
        async () => {
          throw new Error('boom');
        },
        async () => 'never',
      ),
    ).rejects.toThrow('boom');
    expect(
      await env.services.idempotency.once(
        scope('k2'),
        async () => ({ resource: 'r', value: 'ok' }),
        async () => 'replay',
      ),
    ).toEqual({
      value: 'ok',
      replayed: false,
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = env.services.idempotency.once(
      scope('k3'),
      async () => {
        await gate;
        return { resource: 'slow', value: 'slow' };
      },
      async () => 'replay',
    );
    await new Promise((r) => setTimeout(r, 200));
    await expect(
      env.services.idempotency.once(
        scope('k3'),
        async () => ({ resource: 'x', value: 'x' }),
        async () => 'replay',
      ),
    ).rejects.toMatchObject({
      code: 'conflict',
      reason: 'idempotency_in_progress',
    });
    release();
    expect((await first).value).toBe('slow');
    await rejectsWithCode(
      env.services.idempotency.once(
        scope('bad key'),
        async () => ({ resource: 'x', value: 1 }),
        async () => 1,
      ),
      'invalid_argument',
      /Idempotency-Key/,
    );
  });
});

describe('tokens.rotate / remint / page', () => {
  it('rotate: same user, name, claims and lifetime; the old token revoked in Postgres and Redis, audited', async () => {
    const { record: old } = await env.services.tokens.issue('alice', { name: 'ci', concurrency: 2, models: ['deepseek-chat'], expiresIn: '30d' });
    const { token, record, replaced } = await env.services.tokens.rotate(old.id);
    expect(record).toMatchObject({ userId: 'alice', name: 'ci', concurrency: 2, models: ['deepseek-chat'], status: 'active' });
    expect(record.id).not.toBe(old.id);
    expect(Math.abs(record.expiresAt!.getTime() - Date.now() - 30 * 86400_000)).toBeLessThan(10_000);
    expect(replaced).toMatchObject({ id: old.id, status: 'revoked' });
    expect(readClaims(await env.verify(token))).toMatchObject({ sub: 'alice', jti: record.id, concurrency: 2, models: ['deepseek-chat'] });
    expect(await env.redis.sismember(keys.revoked(env.prefix, 'alice'), old.id)).toBe(1);
    const audit = await env.services.audit.list({ action: 'token.rotate' });
    expect(audit.rows[0]).toMatchObject({ target: old.id, details: { user: 'alice', name: 'ci', new_token: record.id } });
    await rejectsWithCode(env.services.tokens.rotate(old.id), 'conflict', /is revoked; only an active token can be rotated/);
    await rejectsWithCode(env.services.tokens.rotate('nope'), 'not_found');
    // the name stays unique among live tokens
    await rejectsWithCode(env.services.tokens.issue('alice', { name: 'ci' }), 'duplicate');
  });

  it('remint: a new JWT for the same live token; refused for a revoked one', async () => {
    const { record } = await env.services.tokens.issue('bob', { name: 'laptop', expiresIn: '2h' });
    const again = await env.services.tokens.remint(record.id);
    const claims = readClaims(await env.verify(again.token)) as { jti: string; exp: number };
    expect(claims.jti).toBe(record.id);
    expect(Math.abs(claims.exp * 1000 - record.expiresAt!.getTime())).toBeLessThanOrEqual(1000);
    await env.services.tokens.revoke(record.id);
    await rejectsWithCode(env.services.tokens.remint(record.id), 'conflict');
  });

  it('page: filters by user and status, and walks every row once by cursor', async () => {
    for (let i = 0; i < 5; i++) await env.services.tokens.issue('carol', { name: `t${i}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const p = await env.services.tokens.page({ userId: 'carol', limit: 2, after: cursor });
      seen.push(...p.rows.map((r) => r.name));
      if (!p.nextCursor) break;
      cursor = p.nextCursor;
    }
    expect(seen).toEqual(['t0', 't1', 't2', 't3', 't4']);
    const revoked = await env.services.tokens.page({ status: 'revoked' });
    expect(revoked.rows.map((r) => r.userId).sort()).toEqual(['alice', 'bob']);
    expect((await env.services.tokens.page({ userId: 'alice', status: 'active' })).rows.map((r) => r.name)).toEqual(['ci']);
    await rejectsWithCode(env.services.tokens.page({ status: 'gone' as never }), 'invalid_argument');
    await rejectsWithCode(env.services.tokens.page({ limit: 0 }), 'invalid_argument');
  });

  it('users.list pages by id with `after`', async () => {
    const a = await env.services.users.list({ limit: 2 });
    const b = await env.services.users.list({ limit: 2, after: a.rows[1]!.id });
    expect([...a.rows, ...b.rows].map((u) => u.id)).toEqual(['alice', 'bob', 'carol', 'dave']);
  });
});
