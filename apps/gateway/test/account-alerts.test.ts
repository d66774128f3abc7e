// Upstream account alerts end to end: two gateway hosts (2 workers each, each with its primary's
// balance poller and its recorder) share one Redis and one Postgres in front of one mock DeepSeek,
// and one webhook receiver that fails the first two POSTs. A key the upstream refuses alerts once
// however many requests on however many workers and hosts hit it, and is delivered exactly once;
// a balance below `low_balance` alerts once per dip; neither alert nor audit entry holds a key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@dsp/db';
import { besides, startGateway, waitFor, type Gateway } from './harness.js';
import { complete, deepseekWith } from './accounts-lib.js';
import { sleep } from './util.js';
import { signedWith, startWebhook, type Webhook } from './webhook.js';

const SECRET = 'account-alert-secret';
const BAD = 'sk-bad-alert-00000000001';
const GOOD = 'sk-good-alert-0000000002';
const THIN = 'sk-thin-alert-0000000003';

describe('upstream account alerts: once per transition across workers and hosts', () => {
  let a: Gateway;
  let b: Gateway;
  let hook: Webhook;
  let pool: Pool;

  const alertsOf = (type: string) =>
    hook
      .ok()
      .map((r) => ({ id: r.id, body: JSON.parse(r.body) as Record<string, unknown> }))
      .filter((x) => x.body.type === type);
  const disabledSince = async (name: string) => Number(((await a.redis.hget(`${a.prefix}{acct}:disabled`, name)) ?? '').split(' ')[1]);

  beforeAll(async () => {
    hook = await startWebhook({ failFirst: 2 });
    const config = {
      deepseek: deepseekWith(
        [
          { name: 'bad', api_key: BAD, weight: 100 },
          { name: 'good', api_key: GOOD, weight: 1 },
          { name: 'thin', api_key: THIN, weight: 0.01, low_balance: 10 },
        ],
        { balance_interval_seconds: 1 },
      ),
      alerts: { webhook_url: hook.url, secret: SECRET, delivery_attempts: 5 },
    };
    a = await startGateway({
      workers: 2,
      mockOptions: { keys: { [BAD]: { refused: true }, [GOOD]: { balance: '42.50' }, [THIN]: { balance: '80.00' } } },
      config,
    });
    b = await startGateway({ workers: 2, ...besides(a), config });
    pool = createPool({ url: a.databaseUrl });
  }, 200_000);

  afterAll(async () => {
    await pool?.end();
    if (b) expect(await b.stop()).toBe(0);
    if (a) expect(await a.stop()).toBe(0);
    await hook?.close();
  });

  it('a refused key: one account_disabled alert for many requests on 2 hosts × 2 workers, delivered once after two failed POSTs', async () => {
    // concurrent requests (a token each: a token's concurrency is 1) on both hosts: several may reach
    // the refused key before it is out
    const tokens = await Promise.all(Array.from({ length: 16 }, (_, i) => a.mint({ sub: `acct-alerts-${i}` })));
    const answers = await Promise.all(tokens.map((t, i) => complete(i % 2 ? a.url : b.url, t)));
    expect(answers.map((x) => x.status)).toEqual(Array(16).fill(200));
    expect(a.mock.keyStats(BAD).requests).toBeGreaterThanOrEqual(1);
    await waitFor(
      () => alertsOf('account_disabled').length >= 1,
      30_000,
      () => JSON.stringify(hook.received),
    );
    await sleep(3000); // both recorders polled the hash several times: a duplicate would show now

    const got = alertsOf('account_disabled');
    expect(got.length).toBe(1);
    // the two failures were this alert's first attempts: three POSTs of one id
    expect(hook.received.map((r) => [r.status, r.id])).toEqual([
      [500, got[0]!.id],
      [500, got[0]!.id],
      [200, got[0]!.id],
    ]);
    expect(got[0]!.id).toMatch(/^account-\d+$/);
    expect(got[0]!.body).toEqual({ type: 'account_disabled', account: 'bad', reason: 'key_refused', at: new Date(await disabledSince('bad')).toISOString() });
    expect(Object.keys(got[0]!.body)).toEqual(['type', 'account', 'reason', 'at']);
    for (const r of hook.received) expect(signedWith(SECRET, r), r.body).toBe(true);

    const rows = await pool.query<{ account: string; type: string; delivered: boolean }>(
      'SELECT account, type, delivered_at IS NOT NULL AS delivered FROM account_alerts ORDER BY id',
    );
    expect(rows.rows).toEqual([{ account: 'bad', type: 'account_disabled', delivered: true }]);
    const audit = await pool.query<{ action: string; target: string }>("SELECT action, target FROM audit_log WHERE action LIKE 'alert.%' ORDER BY id");
    expect(audit.rows).toEqual([
      { action: 'alert.account_disabled', target: 'bad' },
      { action: 'alert.delivered', target: 'bad' },
    ]);
  });

  it('a low balance: one alert per dip across two balance pollers, again only after it was back above', async () => {
    a.mock.setKey(THIN, { balance: '3.20' });
    await waitFor(
      () => alertsOf('account_low_balance').length >= 1,
      20_000,
      () => JSON.stringify(hook.received),
    );
    await sleep(3000); // three polls by each primary, each recorder reading the mark three times
    let low = alertsOf('account_low_balance');
    expect(low.length).toBe(1);
    expect(low[0]!.body).toMatchObject({ type: 'account_low_balance', account: 'thin', balance: '3.20', currency: 'CNY', low_balance: 10 });
    expect(Object.keys(low[0]!.body)).toEqual(['type', 'account', 'balance', 'currency', 'low_balance', 'at']);

    // back above the threshold: the mark goes; a new dip is a new alert
    a.mock.setKey(THIN, { balance: '50.00' });
    await waitFor(async () => (await a.redis.hget(`${a.prefix}{acct}:low`, 'thin')) === null, 10_000);
    await sleep(1500);
    expect(alertsOf('account_low_balance').length).toBe(1);
    a.mock.setKey(THIN, { balance: '2.00' });
    await waitFor(
      () => alertsOf('account_low_balance').length >= 2,
      20_000,
      () => JSON.stringify(hook.received),
    );
    await sleep(2500);
    low = alertsOf('account_low_balance');
    expect(low.map((x) => x.body.balance)).toEqual(['3.20', '2.00']);
    expect(new Set(low.map((x) => x.id)).size).toBe(2);
    const audit = await pool.query("SELECT 1 FROM audit_log WHERE action = 'alert.account_low_balance' AND target = 'thin'");
    expect(audit.rowCount).toBe(2);
  });

  it('a refused key put back by a reload and refused again: a second alert, for the new transition', async () => {
    const first = await disabledSince('bad');
    a.proc.kill('SIGHUP');
    await waitFor(async () => (await a.redis.hget(`${a.prefix}{acct}:disabled`, 'bad')) === null, 10_000);
    const token = await a.mint({ sub: 'acct-alerts-2' });
    await waitFor(async () => (await complete(b.url, token)).status === 200 && !Number.isNaN(await disabledSince('bad')), 10_000);
    await waitFor(
      () => alertsOf('account_disabled').length >= 2,
      20_000,
      () => JSON.stringify(hook.received),
    );
    await sleep(2000);
    const got = alertsOf('account_disabled');
    expect(got.length).toBe(2);
    expect(Date.parse(String(got[1]!.body.at))).toBeGreaterThan(first);
  });

  it('no alert, delivery or audit entry holds an API key', async () => {
    const audit = await pool.query<{ details: unknown }>("SELECT details FROM audit_log WHERE action LIKE 'alert.%'");
    const all = JSON.stringify([hook.received, audit.rows, (await pool.query('SELECT payload FROM account_alerts')).rows]);
    for (const k of [BAD, GOOD, THIN, 'sk-']) expect(all).not.toContain(k);
  });
});
