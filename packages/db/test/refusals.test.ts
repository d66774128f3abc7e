// Refused requests: batches summed per (day in the quota timezone, user, token, reason), added to
// the counters idempotently across batches, and reported with filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { insertRefusals } from '../src/index.js';
import { rejectsWithCode, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({ timezone: 'Asia/Shanghai' });
});
afterAll(async () => {
  await env.close();
});

// 2026-12-01 23:30 in Shanghai is 15:30 UTC; 2026-12-02 00:30 there is 16:30 UTC
const LATE_DEC1 = Date.parse('2026-12-01T15:30:00Z');
const EARLY_DEC2 = Date.parse('2026-12-01T16:30:00Z');

describe('refusals', () => {
  it('sums a batch per day (quota timezone), user, token and reason, and adds later batches', async () => {
    const n = await insertRefusals(
      env.pool,
      [
        { at: LATE_DEC1, userId: 'alice', tokenId: 't1', reason: 'quota_exceeded', status: 429 },
        { at: LATE_DEC1 + 1000, userId: 'alice', tokenId: 't1', reason: 'quota_exceeded', status: 429 },
        { at: EARLY_DEC2, userId: 'alice', tokenId: 't1', reason: 'quota_exceeded', status: 429 },
        { at: EARLY_DEC2, userId: 'alice', tokenId: 't1', reason: 'concurrency_limit_exceeded', status: 429 },
        { at: EARLY_DEC2, userId: null, tokenId: null, reason: 'invalid_token', status: 401 },
        { at: EARLY_DEC2, userId: 'bob', tokenId: 't2', reason: 'Not A Code', status: 400 },
      ],
      'Asia/Shanghai',
    );
    expect(n).toBe(4);
    await insertRefusals(env.pool, [{ at: EARLY_DEC2 + 5000, userId: 'alice', tokenId: 't1', reason: 'quota_exceeded', status: 429 }], 'Asia/Shanghai');
    const all = await env.services.refusals.list({ from: '2026-12-01', to: '2026-12-02' });
    expect(all.total).toBe(6);
    expect(all.byReason).toEqual({ quota_exceeded: 4, concurrency_limit_exceeded: 1, invalid_token: 1 });
    const rows = all.rows.map((r) => [r.day, r.userId, r.tokenId, r.reason, r.count]);
    expect(rows).toEqual([
      ['2026-12-02', 'alice', 't1', 'quota_exceeded', 2],
      ['2026-12-02', '', '', 'invalid_token', 1],
      ['2026-12-02', 'alice', 't1', 'concurrency_limit_exceeded', 1],
      ['2026-12-01', 'alice', 't1', 'quota_exceeded', 2],
    ]);
    expect(all.rows[0]!.lastAt.getTime()).toBe(EARLY_DEC2 + 5000);
  });

  it('adds a named batch once: a job BullMQ runs a second time counts nothing more', async () => {
    const batch = randomUUID();
    const ev = [{ at: LATE_DEC1, userId: 'carol', tokenId: 't9', reason: 'budget_exceeded', status: 429, count: 3 }];
    expect(await insertRefusals(env.pool, ev, 'Asia/Shanghai', batch)).toBe(1);
    expect(await insertRefusals(env.pool, ev, 'Asia/Shanghai', batch)).toBe(0); // the retry
    expect(await insertRefusals(env.pool, ev, 'Asia/Shanghai', randomUUID())).toBe(1); // another batch adds
    const carol = await env.services.refusals.list({ from: '2026-12-01', to: '2026-12-01', userId: 'carol' });
    expect(carol.total).toBe(6);
    // ids are kept a day, then pruned by a later batch's statement
    await env.pool.query(`UPDATE refusal_batches SET recorded_at = now() - interval '25 hours' WHERE id = $1`, [batch]);
    await insertRefusals(env.pool, ev, 'Asia/Shanghai', randomUUID());
    expect((await env.pool.query('SELECT 1 FROM refusal_batches WHERE id = $1', [batch])).rowCount).toBe(0);
    await env.pool.query(`DELETE FROM refusals WHERE user_id = 'carol'`);
  });

  it('filters by user, token, reason and days; refuses bad filters', async () => {
    expect((await env.services.refusals.list({ from: '2026-12-01', to: '2026-12-02', userId: 'alice' })).total).toBe(5);
    expect((await env.services.refusals.list({ from: '2026-12-01', to: '2026-12-02', reason: 'invalid_token' })).total).toBe(1);
    expect((await env.services.refusals.list({ from: '2026-12-01', to: '2026-12-01', tokenId: 't1' })).total).toBe(2);
    expect((await env.services.refusals.list({ from: '2026-11-01', to: '2026-11-30' })).rows).toEqual([]);
    await rejectsWithCode(env.services.refusals.list({ from: '2026-12-02', to: '2026-12-01' }), 'invalid_argument', /after/);
    await rejectsWithCode(env.services.refusals.list({ reason: 'DROP TABLE' }), 'invalid_argument');
    await rejectsWithCode(env.services.refusals.list({ userId: 'bad id' }), 'invalid_argument');
  });
});
