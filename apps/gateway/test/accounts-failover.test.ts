// Failover between upstream accounts on real gateway processes: an account whose upstream answers
// 503 and one whose instance refuses connections never cost a client its answer; the circuit
// breaker keeps the failing accounts to a handful of attempts; the ledger records the serving
// account and the attempts; and a stream that broke after its first byte is never retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { startGateway, waitFor, type Gateway } from './harness.js';
import { complete, deepseekWith } from './accounts-lib.js';
import { metric, post, scrape } from './util.js';

const KEY = { down: 'sk-down-0000000000000001', up: 'sk-up-00000000000000002', gone: 'sk-gone-0000000000000003' };

describe('failover with accounts down', () => {
  let gw: Gateway;
  let gone: MockDeepSeek;

  beforeAll(async () => {
    gone = await startMockDeepSeek({});
    await gone.setDown('refuse');
    gw = await startGateway({
      workers: 2,
      mockOptions: { keys: { [KEY.down]: { status: 503 } } },
      config: {
        deepseek: {
          ...deepseekWith([
            { name: 'down', api_key: KEY.down },
            { name: 'up', api_key: KEY.up },
            { name: 'gone', api_key: KEY.gone, base_url: gone.url },
          ]),
          breaker: { failure_threshold: 2, cooldown_seconds: 600 },
        },
      },
    });
  }, 200_000);
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    await gone.close();
  });

  it('answers every request 200 while two of three accounts are down', async () => {
    const token = await gw.mint({ sub: 'failover', concurrency: 8 });
    const answers: { status: number; done: boolean }[] = [];
    for (let round = 0; round < 10; round++) {
      answers.push(...(await Promise.all([0, 1, 2, 3].map((i) => complete(gw.url, token, { stream: i % 2 === 0 })))));
    }
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.filter((a, i) => i % 2 === 0 && !a.done)).toEqual([]);
  });

  it('keeps a failing account to a handful of attempts (breaker: 2 failures per worker)', async () => {
    const s = await scrape(gw);
    // each of the 2 workers opens its breaker after 2 consecutive failures (the cool-down outlasts
    // the test); requests already on their way when it opens still land: with 4 at a time, at most
    // 2 workers × (2 + 2). Without a breaker the 40 requests would put about 20 attempts on each.
    expect(gw.mock.keyStats(KEY.down).requests).toBeGreaterThan(0);
    expect(gw.mock.keyStats(KEY.down).requests).toBeLessThanOrEqual(8);
    expect(metric(s, 'dsp_upstream_account_requests_total', { account: 'gone', outcome: 'connect_error' })).toBeLessThanOrEqual(8);
    expect(metric(s, 'dsp_upstream_account_breaker_state', { account: 'down' })).toBe(2);
    expect(metric(s, 'dsp_upstream_account_retries_total', { account: 'down' })).toBeGreaterThan(0);
    expect(metric(s, 'dsp_upstream_account_requests_total', { account: 'up', outcome: 'ok' })).toBe(40);
  });

  it('records the serving account and the attempts in the ledger', async () => {
    const db = new pg.Client({ connectionString: gw.databaseUrl });
    await db.connect();
    try {
      let rows: { account: string; attempts: number; n: number }[] = [];
      await waitFor(async () => {
        rows = (await db.query('SELECT account, attempts, count(*)::int AS n FROM usage_ledger GROUP BY 1, 2 ORDER BY 1, 2')).rows;
        return rows.reduce((n, r) => n + r.n, 0) >= 40;
      }, 15_000);
      expect(rows.every((r) => r.account === 'up')).toBe(true);
      expect(rows.find((r) => r.attempts > 1)).toBeDefined();
      expect(Math.max(...rows.map((r) => r.attempts))).toBeLessThanOrEqual(3);
    } finally {
      await db.end();
    }
  });
});

describe('no retry once the client has a byte', () => {
  const CUT = 'sk-cut-00000000000000004';
  const SPARE = 'sk-spare-000000000000005';
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({
      workers: 1,
      recorder: false,
      mockOptions: { keys: { [CUT]: { reset: 'mid-stream', chunkDelayMs: 5 } } },
      // weights 1000 : 0.001 — the broken account is picked first (all but one time in a million),
      // and the spare one is there to be (wrongly) retried on
      config: {
        deepseek: deepseekWith([
          { name: 'cut', api_key: CUT, weight: 1000 },
          { name: 'spare', api_key: SPARE, weight: 0.001 },
        ]),
      },
    });
  }, 200_000);
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('ends a stream that broke mid-way without trying another account', async () => {
    const token = await gw.mint({ sub: 'midstream' });
    const a = await complete(gw.url, token, { stream: true });
    expect(a.status).toBe(200);
    expect(a.done).toBe(false);
    expect(a.body).toContain('"upstream_unreachable"');
    expect(gw.mock.keyStats(CUT).requests).toBe(1);
    expect(gw.mock.keyStats(SPARE).requests).toBe(0);
    const s = await scrape(gw);
    expect(metric(s, 'dsp_upstream_account_retries_total')).toBe(0);
  });
});

describe('the Anthropic route fails over the same way', () => {
  const DOWN = 'sk-down-a-00000000000006';
  const SPARE = 'sk-spare-a-0000000000007';
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({
      workers: 1,
      recorder: false,
      mockOptions: { keys: { [DOWN]: { status: 503 } } },
      // the failing account is picked first (all but one time in a million)
      config: {
        deepseek: deepseekWith([
          { name: 'down', api_key: DOWN, weight: 1000 },
          { name: 'spare', api_key: SPARE, weight: 0.001 },
        ]),
      },
    });
  }, 200_000);
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it("moves a 503 before the first byte to the next account, each account's key sent as x-api-key", async () => {
    const token = await gw.mint({ sub: 'failover-anthropic' });
    for (const stream of [false, true]) {
      const body = JSON.stringify({ model: 'deepseek-chat', max_tokens: 16, stream, messages: [{ role: 'user', content: 'Hello' }] });
      const r = await post(`${gw.url}/anthropic/v1/messages`, token, body);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain(stream ? 'event: message_stop' : '"type":"message"');
    }
    const seen = gw.mock.received.filter((q) => q.path === '/anthropic/v1/messages');
    expect(seen.map((q) => q.headers['x-api-key'])).toEqual([DOWN, SPARE, DOWN, SPARE]);
    expect(seen.every((q) => q.headers.authorization === undefined)).toBe(true);
    expect(metric(await scrape(gw), 'dsp_upstream_account_retries_total', { account: 'down' })).toBe(2);
  });
});
