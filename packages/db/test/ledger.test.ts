import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
