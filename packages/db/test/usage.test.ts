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
    event({ request_id: 'r4', user_id: 'bob', started_at: at('2026-03-02T02:00:00Z'), aborted: true, status: 499, prompt_tokens: 5, completion_tokens: 1 }),
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
    });
    expect(r.byDay.map((d) => [d.day, d.requests, d.totalTokens])).toEqual([
      ['2026-03-01', 1, 150],
      ['2026-03-02', 2, 30],
    ]);
    expect(r.byModel.map((m) => [m.model, m.requests])).toEqual([
      ['deepseek-chat', 2],
      ['deepseek-reasoner', 1],
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
      'day,userId,model,requests,promptTokens,completionTokens,cacheHitTokens,cacheMissTokens,reasoningTokens,totalTokens,errors,aborted',
      '2026-03-01,alice,deepseek-chat,1,100,50,40,60,0,150,0,0',
      '',
    ]);
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
