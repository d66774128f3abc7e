import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, periodAt } from '@dsp/core';
import { isServiceError } from '../src/index.js';
import { rejectsWithCode, setup, type Env, userHash } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({ default_daily_requests: 100, default_daily_tokens: 0, default_monthly_tokens: 5000 });
});
afterAll(async () => {
  await env.close();
});

const userKey = (id: string) => keys.user(env.prefix, id);

async function auditFor(target: string) {
  const r = await env.pool.query('SELECT actor, action, details FROM audit_log WHERE target = $1 ORDER BY id', [target]);
  return r.rows;
}

describe('users.create', () => {
  it('writes Postgres, the audit log, then the Redis user hash', async () => {
    const u = await env.services.users.create({ id: 'alice', name: '  Alice A. ', quotas: { dailyTokens: 2000 } });
    expect(u).toMatchObject({ id: 'alice', name: 'Alice A.', status: 'active', dailyRequests: null, dailyTokens: 2000, monthlyTokens: null });
    expect(u.createdAt).toBeInstanceOf(Date);
    expect(await userHash(env.redis, userKey('alice'))).toEqual({ status: 'active', daily_tokens: '2000' });
    const audit = await auditFor('alice');
    expect(audit).toEqual([
      { actor: 'test:runner', action: 'user.create', details: { name: 'Alice A.', daily_requests: null, daily_tokens: 2000, monthly_tokens: null } },
    ]);
  });

  it('refuses a duplicate with a clear error', async () => {
    const err = await rejectsWithCode(env.services.users.create({ id: 'alice' }), 'duplicate', /user "alice" already exists/);
    expect(isServiceError(err)).toBe(true);
  });

  it('refuses invalid ids (they become Redis keys and hash tags)', async () => {
    for (const id of ['', 'has space', 'a{b}', 'x'.repeat(129), 'tab\t']) {
      await rejectsWithCode(env.services.users.create({ id }), 'invalid_argument', /invalid user id/);
    }
    await rejectsWithCode(env.services.users.create({ id: 42 as unknown as string }), 'invalid_argument');
    // allowed alphabet
    await env.services.users.create({ id: 'svc.bot_1@team:x-y' });
  });

  it('refuses invalid quotas', async () => {
    await rejectsWithCode(env.services.users.create({ id: 'q1', quotas: { dailyTokens: -1 } }), 'invalid_argument', /daily_tokens must be a whole number >= 0/);
    await rejectsWithCode(env.services.users.create({ id: 'q1', quotas: { dailyTokens: 1.5 } }), 'invalid_argument');
    await rejectsWithCode(env.services.users.create({ id: 'q1', quotas: { weekly: 1 } as never }), 'invalid_argument', /unknown quota/);
    await rejectsWithCode(env.services.users.create({ id: 'q1', name: 'x'.repeat(201) }), 'invalid_argument', /name/);
    // nothing was written
    await rejectsWithCode(env.services.users.get('q1'), 'not_found');
  });
});

describe('users.list / get', () => {
  beforeAll(async () => {
    for (let i = 0; i < 12; i++) await env.services.users.create({ id: `list-${String(i).padStart(2, '0')}`, name: i % 2 ? 'Odd Person' : 'Even Person' });
  });

  it('pages with a total', async () => {
    const p1 = await env.services.users.list({ search: 'list-', limit: 5, offset: 0 });
    expect(p1.total).toBe(12);
    expect(p1.rows.map((r) => r.id)).toEqual(['list-00', 'list-01', 'list-02', 'list-03', 'list-04']);
    const p3 = await env.services.users.list({ search: 'list-', limit: 5, offset: 10 });
    expect(p3.rows.map((r) => r.id)).toEqual(['list-10', 'list-11']);
  });

  it('searches id and name case-insensitively, treating % and _ literally', async () => {
    const odd = await env.services.users.list({ search: 'odd person' });
    expect(odd.total).toBe(6);
    expect((await env.services.users.list({ search: '%' })).total).toBe(0);
    expect((await env.services.users.list({ search: 'bot_1' })).rows.map((r) => r.id)).toEqual(['svc.bot_1@team:x-y']);
  });

  it("shows today's and this month's Redis counters next to the limits in force", async () => {
    const period = periodAt('UTC', Date.now());
    await env.redis.hset(keys.day(env.prefix, 'alice', period.day), 'req', '7', 'tok', '1234', 'spend', '9007199254740993');
    await env.redis.hset(keys.month(env.prefix, 'alice', period.month), 'req', '70', 'tok', '4321');
    const res = await env.services.users.list({ search: 'alice' });
    expect(res.rows).toHaveLength(1);
    const a = res.rows[0]!;
    expect(a.limits).toEqual({ dailyRequests: 100, dailyTokens: 2000, monthlyTokens: 5000 });
    // spend: nanos in Redis, an exact decimal here (2^53 + 1 nanos is not a double)
    expect(a.usage).toEqual({
      day: period.day,
      month: period.month,
      dailyRequests: 7,
      dailyTokens: 1234,
      monthlyRequests: 70,
      monthlyTokens: 4321,
      dailySpend: '9007199.254740993',
      monthlySpend: '0',
    });
    const g = await env.services.users.get('list-03');
    expect(g.usage).toMatchObject({ dailyRequests: 0, dailyTokens: 0, monthlyTokens: 0 });
    // a [quota] default of 0 means no default limit
    expect(g.limits).toEqual({ dailyRequests: 100, dailyTokens: 'unlimited', monthlyTokens: 5000 });
  });

  it('filters by status and validates paging', async () => {
    await rejectsWithCode(env.services.users.list({ limit: 0 }), 'invalid_argument');
    await rejectsWithCode(env.services.users.list({ offset: -1 }), 'invalid_argument');
    await rejectsWithCode(env.services.users.get('nobody'), 'not_found', /user "nobody" does not exist/);
  });
});

describe('users.disable / enable', () => {
  it('sets the status in Postgres and Redis and audits the change', async () => {
    await env.services.users.create({ id: 'bob' });
    const d = await env.services.users.disable('bob');
    expect(d.status).toBe('disabled');
    expect(await env.redis.hget(userKey('bob'), 'status')).toBe('disabled');
    expect((await env.services.users.list({ status: 'disabled' })).rows.map((r) => r.id)).toEqual(['bob']);
    const e = await env.services.users.enable('bob');
    expect(e.status).toBe('active');
    expect(await env.redis.hget(userKey('bob'), 'status')).toBe('active');
    expect((await auditFor('bob')).map((a) => a.action)).toEqual(['user.create', 'user.disable', 'user.enable']);
  });

  it('is idempotent and repairs a drifted Redis without a new audit row', async () => {
    await env.services.users.disable('bob');
    await env.redis.del(userKey('bob'));
    await env.services.users.disable('bob');
    expect(await env.redis.hget(userKey('bob'), 'status')).toBe('disabled');
    expect((await auditFor('bob')).map((a) => a.action)).toEqual(['user.create', 'user.disable', 'user.enable', 'user.disable']);
    await env.services.users.enable('bob');
  });

  it('errors for unknown users', async () => {
    await rejectsWithCode(env.services.users.disable('ghost'), 'not_found');
    await rejectsWithCode(env.services.users.enable('ghost'), 'not_found');
    await rejectsWithCode(env.services.users.disable('bad id'), 'invalid_argument');
  });
});

describe('users.setQuota', () => {
  it('sets explicit limits as hash fields, and null resets to the default by deleting the field', async () => {
    await env.services.users.create({ id: 'carol' });
    expect(await userHash(env.redis, userKey('carol'))).toEqual({ status: 'active' });
    const u = await env.services.users.setQuota('carol', { dailyRequests: 10, dailyTokens: 0, monthlyTokens: 99 });
    expect(u).toMatchObject({ dailyRequests: 10, dailyTokens: 0, monthlyTokens: 99 });
    expect(await userHash(env.redis, userKey('carol'))).toEqual({ status: 'active', daily_requests: '10', daily_tokens: '0', monthly_tokens: '99' });
    // only the given keys change
    const v = await env.services.users.setQuota('carol', { dailyRequests: null });
    expect(v).toMatchObject({ dailyRequests: null, dailyTokens: 0, monthlyTokens: 99 });
    expect(await userHash(env.redis, userKey('carol'))).toEqual({ status: 'active', daily_tokens: '0', monthly_tokens: '99' });
    // a user's own 0 blocks: it is not "unlimited"
    expect((await env.services.users.get('carol')).limits).toEqual({ dailyRequests: 100, dailyTokens: 0, monthlyTokens: 99 });
    const audit = await auditFor('carol');
    expect(audit.at(-1)).toEqual({ actor: 'test:runner', action: 'user.quota', details: { daily_requests: { from: 10, to: null } } });
  });

  it('"unlimited" is explicit: -1 in Postgres and in the Redis hash, shown as unlimited in force', async () => {
    await env.services.users.create({ id: 'una', quotas: { dailyRequests: 'unlimited' } });
    expect((await env.pool.query('SELECT daily_requests FROM users WHERE id = $1', ['una'])).rows[0].daily_requests).toBe('-1');
    expect(await userHash(env.redis, userKey('una'))).toEqual({ status: 'active', daily_requests: '-1' });
    const u = await env.services.users.setQuota('una', { monthlyTokens: 'unlimited', dailyTokens: 0 });
    expect(u).toMatchObject({ dailyRequests: 'unlimited', dailyTokens: 0, monthlyTokens: 'unlimited' });
    expect((await env.services.users.get('una')).limits).toEqual({ dailyRequests: 'unlimited', dailyTokens: 0, monthlyTokens: 'unlimited' });
    expect((await auditFor('una')).at(-1)!.details).toEqual({ daily_tokens: { from: null, to: 0 }, monthly_tokens: { from: null, to: 'unlimited' } });
  });

  it('keeps a disabled status when quotas change', async () => {
    await env.services.users.disable('carol');
    await env.services.quotas.set('carol', { monthlyTokens: null });
    expect(await userHash(env.redis, userKey('carol'))).toEqual({ status: 'disabled', daily_tokens: '0' });
  });

  it('errors for unknown users, bad values and empty changes', async () => {
    await rejectsWithCode(env.services.users.setQuota('ghost', { dailyRequests: 1 }), 'not_found');
    await rejectsWithCode(env.services.users.setQuota('carol', {}), 'invalid_argument', /no quota/);
    await rejectsWithCode(
      env.services.users.setQuota('carol', { dailyRequests: -3 }),
      'invalid_argument',
      /whole number >= 0 \(0 blocks every request\), "unlimited", or null/,
    );
    await rejectsWithCode(env.services.users.setQuota('carol', { dailyRequests: -1 }), 'invalid_argument');
    await rejectsWithCode(env.services.users.setQuota('carol', { dailyRequests: 'none' as unknown as number }), 'invalid_argument');
    await rejectsWithCode(env.services.users.create({ id: 'neg', quotas: { dailyTokens: -5 } }), 'invalid_argument');
    await rejectsWithCode(env.services.users.setQuota('carol', { dailyRequests: '5' as unknown as number }), 'invalid_argument');
  });

  it('withActor records another actor', async () => {
    await env.services.withActor('admin:root').users.setQuota('carol', { dailyRequests: 1 });
    expect((await auditFor('carol')).at(-1)!.actor).toBe('admin:root');
    const page = await env.services.audit.list({ limit: 2 });
    expect(page.rows[0]).toMatchObject({ actor: 'admin:root', action: 'user.quota', target: 'carol' });
    expect(page.nextBefore).toBe(page.rows[1]!.id);
    const next = await env.services.audit.list({ limit: 2, before: page.nextBefore! });
    expect(next.rows[0]!.id).toBeLessThan(page.rows[1]!.id);
    expect((await env.services.audit.list({ actor: 'admin:root' })).rows).toHaveLength(1);
  });
});
