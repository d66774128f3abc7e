import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUsageEvents, toCsv } from '../src/index.js';
import { event, rejectsWithCode, setup, type Env } from './helpers.js';

let env: Env;
const at = (iso: string) => Date.parse(iso);

beforeAll(async () => {
  env = await setup({ timezone: 'Asia/Shanghai' }); // UTC+8, no DST
  await env.services.users.create({ id: 'alice' });
  await env.services.users.create({ id: 'bob' });
  await insertUsageEvents(env.pool, [
    // 2026-03-01 23:30 in Shanghai
    event({
      request_id: 'r1',
      user_id: 'alice',
      started_at: at('2026-03-01T15:30:00Z'),
      prompt_tokens: 100,
      completion_tokens: 50,
      cache_hit_tokens: 40,
      cache_miss_tokens: 60,
      reasoning_tokens: 0,
      cost_nanos: '1250000000',
      currency: 'CNY',
    }),
    // 2026-03-02 00:30 in Shanghai (still March 1st in UTC)
    event({
      request_id: 'r2',
      user_id: 'alice',
      started_at: at('2026-03-01T16:30:00Z'),
      model: 'deepseek-reasoner',
      prompt_tokens: 10,
      completion_tokens: 20,
      reasoning_tokens: 15,
      cache_hit_tokens: 0,
      cache_miss_tokens: 10,
      cost_nanos: '300000',
      currency: 'USD',
    }),
    event({
      request_id: 'r3',
      user_id: 'alice',
      started_at: at('2026-03-02T01:00:00Z'),
      status: 429,
      prompt_tokens: 0,
      completion_tokens: 0,
      cache_hit_tokens: 0,
      cache_miss_tokens: 0,
    }),
    event({
      request_id: 'r4',
      user_id: 'bob',
      token_id: 'tok-b',
      started_at: at('2026-03-02T02:00:00Z'),
      aborted: true,
      status: 499,
      prompt_tokens: 5,
      completion_tokens: 1,
      cost_nanos: '5',
      currency: 'CNY',
    }),
    // outside the ranges used below
    event({ request_id: 'r5', user_id: 'alice', started_at: at('2026-02-20T00:00:00Z') }),
  ]);
});
afterAll(async () => {
  await env.close();
});

describe('usage.forUser', () => {
  it('totals, per local day and per model', async () => {
    const r = await env.services.usage.forUser('alice', { from: '2026-03-01', to: '2026-03-02' });
    expect(r).toMatchObject({ userId: 'alice', from: '2026-03-01', to: '2026-03-02', timezone: 'Asia/Shanghai' });
    expect(r.totals).toEqual({
      requests: 3,
      promptTokens: 110,
      completionTokens: 70,
      cacheHitTokens: 40,
      cacheMissTokens: 70,
      reasoningTokens: 15,
      totalTokens: 180,
      errors: 1,
      aborted: 0,
      cost: { CNY: '1.25', USD: '0.0003' },
      unpriced: 1,
    });
    expect(r.byDay.map((d) => [d.day, d.requests, d.totalTokens, d.cost, d.unpriced])).toEqual([
      ['2026-03-01', 1, 150, { CNY: '1.25' }, 0],
      ['2026-03-02', 2, 30, { USD: '0.0003' }, 1],
    ]);
    expect(r.byModel.map((m) => [m.model, m.requests, m.cost])).toEqual([
      ['deepseek-chat', 2, { CNY: '1.25' }],
      ['deepseek-reasoner', 1, { USD: '0.0003' }],
    ]);
    const one = await env.services.usage.forUser('alice', { from: '2026-03-02', to: '2026-03-02' });
    expect(one.totals.requests).toBe(2);
  });

  it('defaults to the last 30 days and returns zeros when there is nothing', async () => {
    const r = await env.services.usage.forUser('bob');
    expect(r.totals.requests).toBe(0);
    expect(r.byDay).toEqual([]);
    expect(r.from < r.to).toBe(true);
  });

  it('errors for unknown users and bad dates', async () => {
    await rejectsWithCode(env.services.usage.forUser('ghost'), 'not_found');
    await rejectsWithCode(env.services.usage.forUser('alice', { from: '2026-02-30' }), 'invalid_argument', /invalid from date/);
    await rejectsWithCode(env.services.usage.forUser('alice', { from: '03/01/2026' }), 'invalid_argument');
    await rejectsWithCode(env.services.usage.forUser('alice', { from: '2026-03-05', to: '2026-03-01' }), 'invalid_argument', /after/);
  });
});

describe('usage.daily', () => {
  it('groups by day × model × user', async () => {
    const r = await env.services.usage.daily({ from: '2026-03-01', to: '2026-03-02' });
    expect(r.rows.map((x) => [x.day, x.userId, x.model, x.requests])).toEqual([
      ['2026-03-01', 'alice', 'deepseek-chat', 1],
      ['2026-03-02', 'alice', 'deepseek-chat', 1],
      ['2026-03-02', 'alice', 'deepseek-reasoner', 1],
      ['2026-03-02', 'bob', 'deepseek-chat', 1],
    ]);
    const bob = await env.services.usage.daily({ from: '2026-03-01', to: '2026-03-02', userId: 'bob' });
    expect(bob.rows).toHaveLength(1);
    expect(bob.rows[0]!.aborted).toBe(1);
  });

  it('exports CSV', async () => {
    const csv = await env.services.usage.dailyCsv({ from: '2026-03-01', to: '2026-03-01' });
    expect(csv.split('\r\n')).toEqual([
      'day,userId,model,requests,promptTokens,completionTokens,cacheHitTokens,cacheMissTokens,reasoningTokens,totalTokens,errors,aborted,unpriced,amount,currency',
      '2026-03-01,alice,deepseek-chat,1,100,50,40,60,0,150,0,0,0,1.25,CNY',
      '',
    ]);
  });
});

describe('usage.report', () => {
  const range = { from: '2026-03-01', to: '2026-03-02' };
  it('groups by day, user, model or token, one row per key and currency, with exact amounts', async () => {
    const byUser = await env.services.usage.report({ ...range, groupBy: 'user' });
    expect(byUser.rows.map((x) => [x.key, x.currency, x.amount, x.requests])).toEqual([
      ['alice', '', '0', 1],
      ['alice', 'CNY', '1.25', 1],
      ['alice', 'USD', '0.0003', 1],
      ['bob', 'CNY', '0.000000005', 1],
    ]);
    const byToken = await env.services.usage.report({ ...range, groupBy: 'token' });
    expect(byToken.rows.map((x) => [x.key, x.currency, x.amount])).toEqual([
      ['tok-1', '', '0'],
      ['tok-1', 'CNY', '1.25'],
      ['tok-1', 'USD', '0.0003'],
      ['tok-b', 'CNY', '0.000000005'],
    ]);
    const day = await env.services.usage.report({ ...range, userId: 'alice' });
    expect(day.groupBy).toBe('day');
    expect(day.rows.map((x) => [x.key, x.currency])).toEqual([
      ['2026-03-01', 'CNY'],
      ['2026-03-02', ''],
      ['2026-03-02', 'USD'],
    ]);
  });

  it('as CSV: the key column is named after the group; amounts and currencies are their own columns', async () => {
    const csv = await env.services.usage.reportCsv({ ...range, groupBy: 'model', userId: 'bob' });
    expect(csv.split('\r\n')).toEqual([
      'model,requests,promptTokens,completionTokens,cacheHitTokens,cacheMissTokens,reasoningTokens,totalTokens,errors,aborted,unpriced,amount,currency',
      'deepseek-chat,1,5,1,3,7,0,6,1,1,0,0.000000005,CNY',
      '',
    ]);
  });

  it('refuses an unknown group and bad dates, and reads nothing', async () => {
    await rejectsWithCode(
      env.services.usage.report({ ...range, groupBy: 'week' as never }),
      'invalid_argument',
      /group by must be one of day, user, model, token/,
    );
    await rejectsWithCode(env.services.usage.report({ from: '2026-13-01' }), 'invalid_argument');
    await rejectsWithCode(env.services.usage.report({ ...range, userId: 'no spaces allowed' }), 'invalid_argument');
  });
});

describe('usage.requests', () => {
  it('is the request log, newest first, paged by cursor', async () => {
    const p1 = await env.services.usage.requests({ limit: 2 });
    expect(p1.rows.map((r) => r.requestId)).toEqual(['r4', 'r3']);
    expect(p1.rows[0]).toMatchObject({ userId: 'bob', aborted: true, status: 499, stream: false, promptTokens: 5 });
    expect(p1.rows[0]!.startedAt).toBeInstanceOf(Date);
    const p2 = await env.services.usage.requests({ limit: 2, before: p1.nextCursor! });
    expect(p2.rows.map((r) => r.requestId)).toEqual(['r2', 'r1']);
    const p3 = await env.services.usage.requests({ limit: 2, before: p2.nextCursor! });
    expect(p3.rows.map((r) => r.requestId)).toEqual(['r5']);
    expect(p3.nextCursor).toBeNull();
    const alice = await env.services.usage.requests({ userId: 'alice', limit: 10 });
    expect(alice.rows.map((r) => r.requestId)).toEqual(['r3', 'r2', 'r1', 'r5']);
    expect((await env.services.usage.requestsCsv({ userId: 'bob' })).split('\r\n')[1]).toMatch(/^r4,2026-03-02T02:00:00.000Z,bob,/);
  });

  it('rejects a bad cursor', async () => {
    await rejectsWithCode(env.services.usage.requests({ before: 'garbage' }), 'invalid_argument', /cursor/);
  });
});

describe('toCsv', () => {
  it('quotes and defuses formulas', () => {
    const csv = toCsv([{ a: 'x,y', b: 'say "hi"', c: '=cmd()', d: null, e: -1 }], ['a', 'b', 'c', 'd', 'e']);
    expect(csv).toBe('a,b,c,d,e\r\n"x,y","say ""hi""",\'=cmd(),,-1\r\n');
  });
});
