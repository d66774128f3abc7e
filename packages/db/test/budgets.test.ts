// The budgets service against real Postgres and Redis: exact values in, nanos in the user hash, bad
// values refused naming the key (all of them at once), token budgets beside the user's, carried to
// a rotated token's successor, and rebuilt by the sync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, periodAt } from '@dsp/core';
import { rejectsWithCode, setup, type Env, userHash } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({ default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0 });
});
afterAll(async () => {
  await env.close();
});

describe('budgets', () => {
  it('user budgets: canonical decimals, nanos in Redis, null removes; bad values refused with every problem', async () => {
    await env.services.users.create({ id: 'bud' });
    const u = await env.services.budgets.setUser('bud', { dailyBudget: '005.10', monthlyBudget: '0.000000001' });
    expect(u).toMatchObject({ dailyBudget: '5.1', monthlyBudget: '0.000000001' });
    expect(await userHash(env.redis, keys.user(env.prefix, 'bud'))).toEqual({ status: 'active', daily_budget: '5100000000', monthly_budget: '1' });
    const err = await rejectsWithCode(
      env.services.budgets.setUser('bud', { dailyBudget: '-1', monthlyBudget: 3 as never, weekly: '1' } as never),
      'invalid_argument',
    );
    expect(err.message).toMatch(/daily_budget must be an amount >= 0 .*got "-1"/);
    expect(err.message).toMatch(/monthly_budget must be .*got 3/);
    expect(err.message).toMatch(/unknown budget "weekly"/);
    await rejectsWithCode(env.services.budgets.setUser('bud', { dailyBudget: '1000000000.000000001' }), 'invalid_argument', /<= 1000000000/);
    await rejectsWithCode(env.services.budgets.setUser('bud', {}), 'invalid_argument', /no budget to change/);
    await rejectsWithCode(env.services.budgets.setUser('nobody', { dailyBudget: '1' }), 'not_found');
    // unchanged after the refusals
    expect((await env.services.users.get('bud')).dailyBudget).toBe('5.1');
    await env.services.budgets.setUser('bud', { monthlyBudget: null });
    expect(await userHash(env.redis, keys.user(env.prefix, 'bud'))).toEqual({ status: 'active', daily_budget: '5100000000' });
  });

  it("token budgets live in the user hash, survive the user's changes, go with a rotation, and are rebuilt by sync", async () => {
    await env.services.users.create({ id: 'tb' });
    const { record } = await env.services.tokens.issue('tb');
    const t = await env.services.budgets.setToken(record.id, { dailyBudget: '0.5', monthlyBudget: '10' });
    expect(t).toEqual({ tokenId: record.id, userId: 'tb', dailyBudget: '0.5', monthlyBudget: '10' });
    expect((await env.services.tokens.get(record.id)).dailyBudget).toBe('0.5');
    await env.services.quotas.set('tb', { dailyTokens: 5 });
    expect(await userHash(env.redis, keys.user(env.prefix, 'tb'))).toEqual({
      status: 'active',
      daily_tokens: '5',
      [`daily_budget:${record.id}`]: '500000000',
      [`monthly_budget:${record.id}`]: '10000000000',
    });
    const rotated = await env.services.tokens.rotate(record.id);
    expect(rotated.record).toMatchObject({ dailyBudget: '0.5', monthlyBudget: '10' });
    expect(await userHash(env.redis, keys.user(env.prefix, 'tb'))).toMatchObject({ [`daily_budget:${rotated.record.id}`]: '500000000' });
    await rejectsWithCode(env.services.budgets.setToken('no-such-token', { dailyBudget: '1' }), 'not_found');
    // Redis loses the hash: the sync puts the live tokens' budgets back (not the revoked one's)
    await env.redis.del(keys.user(env.prefix, 'tb'));
    await env.services.sync();
    expect(await userHash(env.redis, keys.user(env.prefix, 'tb'))).toEqual({
      status: 'active',
      daily_tokens: '5',
      [`daily_budget:${rotated.record.id}`]: '500000000',
      [`monthly_budget:${rotated.record.id}`]: '10000000000',
    });
    const audit = await env.pool.query<{ action: string }>("SELECT action FROM audit_log WHERE target = $1 AND action = 'token.budget'", [record.id]);
    expect(audit.rows.length).toBe(1);
  });

  it("token spend: each token's live day and month counters, exact; none for a token that spent nothing", async () => {
    await env.services.users.create({ id: 'ts' });
    const p = periodAt('UTC', Date.now()); // the test services' quota timezone
    await env.redis.hset(keys.day(env.prefix, 'ts', p.day), { spend: '1500000001', 'spend:a': '1500000000', 'spend:b': '1', req: '3' });
    await env.redis.hset(keys.month(env.prefix, 'ts', p.month), {
      spend: '99000000000000000001',
      'spend:a': '99000000000000000000',
      'spend:b': '1',
      'spend:c': '7',
    });
    expect(await env.services.budgets.tokenSpend('ts')).toEqual({
      a: { dailySpend: '1.5', monthlySpend: '99000000000' },
      b: { dailySpend: '0.000000001', monthlySpend: '0.000000001' },
      c: { dailySpend: '0', monthlySpend: '0.000000007' },
    });
    expect(await env.services.budgets.tokenSpend('nobody')).toEqual({});
    await rejectsWithCode(env.services.budgets.tokenSpend('bad id!'), 'invalid_argument');
  });
});
