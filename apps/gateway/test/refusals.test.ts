// Refused requests reach the console's daily refusal counters: the worker sums them per user,
// token and reason, hands them to the usage queue once a second, and the recorder adds them to
// Postgres. Admitted requests stay in the ledger only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { withDb } from './accounting-lib.js';
import { post, userKey } from './util.js';

interface Row {
  user_id: string;
  token_id: string;
  reason: string;
  status: number;
  count: string;
}

describe('refusal counters', () => {
  let gw: Gateway;
  const rows = () =>
    withDb(gw.databaseUrl, async (c) => (await c.query<Row>('SELECT user_id, token_id, reason, status, count FROM refusals ORDER BY reason, user_id')).rows);

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, config: { deepseek: { models: ['deepseek-chat'] } } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('counts 401, 403 and 429 per user, token and reason; admitted requests are not refusals', async () => {
    const send = async (token: string | null, body = chatBody()) => {
      const r = await post(`${gw.url}/v1/chat/completions`, token, body);
      await r.text();
      return r.status;
    };
    expect(await send(null)).toBe(401);
    expect(await send('not-a-jwt')).toBe(401);
    const blocked = await gw.mint({ sub: 'r-blocked', jti: 'r-blocked-1' });
    await gw.redis.hset(userKey(gw, 'r-blocked'), 'status', 'active', 'daily_requests', '0');
    for (let i = 0; i < 3; i++) expect(await send(blocked)).toBe(429);
    const picky = await gw.mint({ sub: 'r-picky', jti: 'r-picky-1' });
    expect(await send(picky, chatBody({ model: 'deepseek-reasoner-x' }))).toBe(403);
    expect(await send(picky)).toBe(200);

    // two workers hand their counts over on their own one-second timers: wait for all six
    const counted = async () => (await rows()).reduce((n, r) => n + Number(r.count), 0);
    await waitFor(
      async () => (await counted()) >= 6,
      20_000,
      () => 'refusal counts never reached 6',
    );
    expect(await rows()).toEqual([
      { user_id: '', token_id: '', reason: 'invalid_token', status: 401, count: '2' },
      { user_id: 'r-picky', token_id: 'r-picky-1', reason: 'model_not_allowed', status: 403, count: '1' },
      { user_id: 'r-blocked', token_id: 'r-blocked-1', reason: 'quota_exceeded', status: 429, count: '3' },
    ]);
  });
});
