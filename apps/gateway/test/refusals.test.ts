// Refused requests reach the console's daily refusal counters: the worker sums them per user,
// token and reason, sends them to the primary once a second, which adds them to the usage queue,
// and the recorder adds them to Postgres. Admitted requests stay in the ledger only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { besides, chatBody, startGateway, waitFor, type Gateway } from './harness.js';
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

  it('the counts of the last second before a SIGTERM are not lost: the primary queues them before it exits', async () => {
    // a second host without a recorder on the same Redis prefix and database; the first host's
    // recorder writes what it queues
    const other = await startGateway({ workers: 1, recorder: false, ...besides(gw) });
    try {
      const before = (await rows()).filter((r) => r.reason === 'invalid_token').reduce((n, r) => n + Number(r.count), 0);
      for (let i = 0; i < 3; i++) {
        const r = await post(`${other.url}/v1/chat/completions`, 'not-a-jwt', chatBody());
        await r.text();
        expect(r.status).toBe(401);
      }
      // at once, within the worker's one-second interval: the counts leave with the worker's stop
      other.proc.kill('SIGTERM');
      await new Promise((r) => other.proc.once('exit', r));
      await waitFor(
        async () => (await rows()).filter((r) => r.reason === 'invalid_token').reduce((n, r) => n + Number(r.count), 0) === before + 3,
        15_000,
        () => 'the three refusals counted just before the SIGTERM never reached Postgres',
      );
    } finally {
      other.proc.kill('SIGKILL');
    }
  });
});
