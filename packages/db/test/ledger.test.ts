import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec, PriceBook, costOfEvent } from '@dsp/core';
import { insertUsageEvents } from '../src/index.js';
import { event, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env.close();
});

describe('insertUsageEvents', () => {
  it('inserts a batch in one statement and returns the count', async () => {
    const batch = [
      event(),
      event({ model: 'deepseek-reasoner', reasoning_tokens: 9 }),
      event({ stream: true, aborted: true, status: 499, first_byte_ms: null }),
    ];
    expect(await insertUsageEvents(env.pool, batch)).toBe(3);
    const r = await env.pool.query('SELECT * FROM usage_ledger WHERE request_id = $1', [batch[2]!.request_id]);
    const row = r.rows[0];
    expect(row).toMatchObject({ stream: true, aborted: true, status: 499, first_byte_ms: null, prompt_tokens: 10, instance: 'test:0' });
    expect(row.started_at.getTime()).toBe(batch[2]!.started_at);
  });

  it('records the upstream account and the attempts (1 and no account for events without them)', async () => {
    const withAccount = event({ account: 'spare', attempts: 2 });
    const without = event();
    expect(await insertUsageEvents(env.pool, [withAccount, without])).toBe(2);
    const r = await env.pool.query('SELECT request_id, account, attempts FROM usage_ledger WHERE request_id = ANY($1)', [
      [withAccount.request_id, without.request_id],
    ]);
    const by = Object.fromEntries(r.rows.map((x: { request_id: string; account: string; attempts: number }) => [x.request_id, [x.account, x.attempts]]));
    expect(by[withAccount.request_id]).toEqual(['spare', 2]);
    expect(by[without.request_id]).toEqual(['', 1]);
  });

  it("keeps both names of an aliased model ('' when the client's name went upstream unchanged)", async () => {
    const aliased = event({ model: 'deepseek-chat', upstream_model: 'deepseek-v4-flash' });
    const same = event({ model: 'deepseek-v4-pro', upstream_model: 'deepseek-v4-pro' });
    const older = event();
    expect(await insertUsageEvents(env.pool, [aliased, same, older])).toBe(3);
    const r = await env.pool.query('SELECT request_id, model, upstream_model FROM usage_ledger WHERE request_id = ANY($1)', [
      [aliased.request_id, same.request_id, older.request_id],
    ]);
    const by = Object.fromEntries(
      r.rows.map((x: { request_id: string; model: string; upstream_model: string }) => [x.request_id, [x.model, x.upstream_model]]),
    );
    expect(by[aliased.request_id]).toEqual(['deepseek-chat', 'deepseek-v4-flash']);
    expect(by[same.request_id]).toEqual(['deepseek-v4-pro', '']);
    expect(by[older.request_id]![1]).toBe('');
  });

  it('is idempotent: the same batch twice stores the rows once', async () => {
    const batch = [event(), event(), event()];
    expect(await insertUsageEvents(env.pool, batch)).toBe(3);
    expect(await insertUsageEvents(env.pool, batch)).toBe(0);
    const r = await env.pool.query('SELECT count(*)::int AS n FROM usage_ledger WHERE request_id = ANY($1)', [batch.map((e) => e.request_id)]);
    expect(r.rows[0].n).toBe(3);
  });

  it('skips a request id repeated inside one batch, and mixes new and old rows', async () => {
    const a = event();
    const b = event();
    expect(await insertUsageEvents(env.pool, [a, a, b])).toBe(2);
    expect(await insertUsageEvents(env.pool, [a, event(), b])).toBe(1);
  });

  it('returns 0 for an empty batch', async () => {
    expect(await insertUsageEvents(env.pool, [])).toBe(0);
  });

  it('clamps malformed numbers instead of failing the whole batch', async () => {
    const e = event({ prompt_tokens: -5, completion_tokens: 1.7, total_ms: Number.NaN });
    expect(await insertUsageEvents(env.pool, [e])).toBe(1);
    const r = await env.pool.query('SELECT prompt_tokens, completion_tokens, total_ms FROM usage_ledger WHERE request_id = $1', [e.request_id]);
    expect(r.rows[0]).toEqual({ prompt_tokens: 0, completion_tokens: 1, total_ms: 0 });
  });

  it('handles a large batch', async () => {
    const batch = Array.from({ length: 2000 }, () => event());
    expect(await insertUsageEvents(env.pool, batch)).toBe(2000);
  });

  it('stores the cost an event carries exactly; sums of many tiny costs are exact decimals', async () => {
    const user = `tiny-${Date.now()}`;
    // 10,000 costs of 1..9 nanos, summed by Postgres: exactly the decimal sum
    const batch = Array.from({ length: 10_000 }, (_, i) => event({ user_id: user, cost_nanos: String((i % 9) + 1), currency: 'CNY' }));
    expect(await insertUsageEvents(env.pool, batch)).toBe(10_000);
    let expected = new Dec(0);
    for (const e of batch) expected = expected.plus(new Dec(e.cost_nanos!).div(1e9));
    const r = await env.pool.query<{ s: string; n: string }>(
      "SELECT sum(cost)::text AS s, count(*) FILTER (WHERE currency = 'CNY') AS n FROM usage_ledger WHERE user_id = $1",
      [user],
    );
    expect(r.rows[0]!.s).toBe(expected.toFixed(9));
    expect(r.rows[0]!.s).toBe('0.000049996');
    expect(Number(r.rows[0]!.n)).toBe(10_000);
  });

  it('prices an event that carries no cost (an older gateway) with the recorder price book; no price = 0 and currency ""', async () => {
    const book = new PriceBook({
      'deepseek-chat': { currency: 'USD', input_cache_hit: '0.07', input_cache_miss: '0.27', output: '1.1', off_peak: null, changes: [] },
    });
    const old = event({ prompt_tokens: 1000, cache_hit_tokens: 400, cache_miss_tokens: 600, completion_tokens: 250 });
    const unpriced = event({ model: 'deepseek-v4-pro' });
    const carried = event({ cost_nanos: '42', currency: 'CNY' });
    expect(await insertUsageEvents(env.pool, [old, unpriced, carried], (e) => costOfEvent(book, e))).toBe(3);
    const r = await env.pool.query<{ request_id: string; cost: string; currency: string }>(
      'SELECT request_id, cost::text AS cost, currency FROM usage_ledger WHERE request_id = ANY($1)',
      [[old.request_id, unpriced.request_id, carried.request_id]],
    );
    const by = Object.fromEntries(r.rows.map((x) => [x.request_id, [x.cost, x.currency]]));
    // 400 × 0.07 + 600 × 0.27 + 250 × 1.1 per 1M = 0.000465 USD
    expect(by[old.request_id]).toEqual(['0.000465000', 'USD']);
    expect(by[unpriced.request_id]).toEqual(['0.000000000', '']);
    expect(by[carried.request_id]).toEqual(['0.000000042', 'CNY']);
  });

  it('refuses nothing but stores no cost for a malformed one (a bad currency or amount)', async () => {
    const bad = event({ cost_nanos: '-5', currency: 'CNY' });
    const badCurrency = event({ cost_nanos: '5', currency: 'cny' });
    expect(await insertUsageEvents(env.pool, [bad, badCurrency])).toBe(2);
    const r = await env.pool.query<{ cost: string; currency: string }>('SELECT cost::text AS cost, currency FROM usage_ledger WHERE request_id = ANY($1)', [
      [bad.request_id, badCurrency.request_id],
    ]);
    expect(r.rows.map((x) => [x.cost, x.currency])).toEqual([
      ['0.000000000', ''],
      ['0.000000000', ''],
    ]);
  });
});
