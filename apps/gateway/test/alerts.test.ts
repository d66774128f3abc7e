// Budget alerts end to end: a real gateway with its recorder, a real HTTP receiver that fails the
// first two POSTs. Each threshold of a user's daily budget fires once, is delivered exactly once
// (BullMQ retries with backoff after the failures), its HMAC signature verifies, and the audit log
// holds the crossing and the delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { decimalToNanos, keys, nanosToDecimal, periodAt } from '@dsp/core';
import { createPool, type Pool, type Services } from '@dsp/db';
import { createTempDatabase } from '@dsp/db/testing';
import { budgetServices, chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { post, sleep } from './util.js';
import { signedWith, startWebhook, type Webhook } from './webhook.js';

const SECRET = 'alert-secret-\u00e9';

describe('budget alerts: signed webhook POSTs through BullMQ, once per user, period and threshold', () => {
  let gw: Gateway;
  let pool: Pool;
  let svc: Services;
  let hook: Webhook;

  beforeAll(async () => {
    // the first two POSTs fail: the alert must still arrive, once
    hook = await startWebhook({ failFirst: 2 });
    gw = await startGateway({
      workers: 1,
      config: {
        quota: { timezone: 'UTC', budget_currency: 'CNY' },
        pricing: { 'deepseek-chat': { currency: 'CNY', input_cache_hit: '0.2', input_cache_miss: '2', output: '3' } },
        alerts: { webhook_url: hook.url, secret: SECRET, budget_thresholds: [0.5, 1], delivery_attempts: 5 },
      },
    });
    ({ pool, svc } = budgetServices(gw));
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    if (gw) expect(await gw.stop()).toBe(0);
    await hook?.close();
  });

  const spend = async (user: string) => BigInt((await gw.redis.hget(keys.day(gw.prefix, user, periodAt('UTC', Date.now()).day), 'spend')) ?? '0');

  async function request(token: string, user: string): Promise<number> {
    const before = await spend(user);
    const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
    await r.text();
    if (r.status === 200) await waitFor(async () => (await spend(user)) > before, 10_000);
    return r.status;
  }

  it('0.5 and 1.0 of a daily budget: two alerts, each delivered exactly once after two failed POSTs, signed', async () => {
    await svc.users.create({ id: 'al' });
    const { token } = await svc.tokens.issue('al');
    // one request to learn what a request costs (no budget yet: no alert)
    expect(await request(token, 'al')).toBe(200);
    const one = await spend('al');
    await svc.budgets.setUser('al', { dailyBudget: nanosToDecimal(5n * one), monthlyBudget: nanosToDecimal(1000n * one) });
    // 2 requests: 2/5 spent — below 0.5; the 3rd crosses 0.5, the 5th reaches 1.0, the 6th is refused
    for (let i = 2; i <= 5; i++) expect(await request(token, 'al')).toBe(200);
    expect(await request(token, 'al')).toBe(402);
    const received = hook.received;
    await waitFor(
      () => hook.ok().length >= 2,
      30_000,
      () => JSON.stringify(received),
    );
    await sleep(2500); // time for a duplicate or a third alert to show up (there must be none)

    const ok = hook.ok();
    expect(ok.length).toBe(2);
    expect(received.length).toBe(4); // two failures, then one success per alert
    expect(new Set(ok.map((r) => r.id)).size).toBe(2);
    const alerts = ok.map((r) => JSON.parse(r.body) as Record<string, unknown>).sort((a, b) => Number(a.threshold) - Number(b.threshold));
    expect(alerts.map((a) => Object.keys(a).sort())).toEqual([
      ['at', 'budget', 'currency', 'period', 'spent', 'threshold', 'type', 'user'],
      ['at', 'budget', 'currency', 'period', 'spent', 'threshold', 'type', 'user'],
    ]);
    expect(alerts[0]).toMatchObject({
      type: 'budget',
      user: 'al',
      period: 'daily',
      threshold: 0.5,
      budget: nanosToDecimal(5n * one),
      currency: 'CNY',
    });
    // spent: the counter when the recorder noticed the crossing — at least the 3rd request's, at
    // most all five (the recorder may see the 3rd and 4th in one batch, after both were charged)
    const spent0 = decimalToNanos(String(alerts[0]!.spent));
    expect(spent0 >= 3n * one && spent0 <= 5n * one, `spent ${String(alerts[0]!.spent)}`).toBe(true);
    expect(alerts[1]).toMatchObject({
      type: 'budget',
      user: 'al',
      period: 'daily',
      threshold: 1,
      spent: nanosToDecimal(5n * one),
      budget: nanosToDecimal(5n * one),
      currency: 'CNY',
    });
    expect(Number.isNaN(Date.parse(String(alerts[0]!.at)))).toBe(false);
    // every POST (the failed ones too) carries the HMAC-SHA256 of its raw body
    for (const r of received) expect(signedWith(SECRET, r), r.body).toBe(true);
    expect(received.some((r) => r.signature === `sha256=${createHmac('sha256', 'wrong').update(r.body).digest('hex')}`)).toBe(false);

    const rows = await pool.query<{ threshold: string; delivered: boolean }>(
      'SELECT threshold::text, delivered_at IS NOT NULL AS delivered FROM budget_alerts ORDER BY threshold',
    );
    expect(rows.rows).toEqual([
      { threshold: '0.500000000', delivered: true },
      { threshold: '1.000000000', delivered: true },
    ]);
    const audit = await pool.query<{ action: string; target: string }>("SELECT action, target FROM audit_log WHERE action LIKE 'alert.%' ORDER BY id");
    expect(audit.rows.filter((a) => a.action === 'alert.budget')).toEqual([
      { action: 'alert.budget', target: 'al' },
      { action: 'alert.budget', target: 'al' },
    ]);
    expect(audit.rows.filter((a) => a.action === 'alert.delivered').length).toBe(2);

    // more spend in the same period (a higher budget) crosses nothing new: nothing fires again
    await svc.budgets.setUser('al', { dailyBudget: nanosToDecimal(100n * one) });
    expect(await request(token, 'al')).toBe(200);
    await sleep(1500);
    expect(received.length).toBe(4);
  });
});

describe('alerts recorded but never queued (a recorder died in between)', () => {
  it('are queued again when a recorder starts, and delivered once; delivered ones are not sent again', async () => {
    const hook = await startWebhook({ okStatus: 204 });
    const got = hook.received;
    const db = await createTempDatabase();
    const seeded = createPool({ url: db.url });
    const rows = await seeded.query<{ id: string }>(
      `INSERT INTO budget_alerts (user_id, period, period_key, threshold, spent, budget, currency, created_at, delivered_at) VALUES
         ('lost', 'monthly', '202612', 0.8, 80.5, 100, 'CNY', '2026-12-03T01:02:03.456Z', NULL),
         ('done', 'daily', '20261203', 1, 5, 5, 'CNY', '2026-12-03T01:02:03.456Z', now())
       RETURNING id::text`,
    );
    const lostAccount = '{"type":"account_disabled","account":"lost","reason":"balance_spent","at":"2026-12-03T01:02:03.456Z"}';
    const accountRows = await seeded.query<{ id: string }>(
      `INSERT INTO account_alerts (account, type, since_ms, payload, delivered_at) VALUES
         ('lost', 'account_disabled', 1796259723456, $1, NULL),
         ('done', 'account_disabled', 1796259723456, '{"type":"account_disabled","account":"done","reason":"key_refused","at":"2026-12-03T01:02:03.456Z"}', now())
       RETURNING id::text`,
      [lostAccount],
    );
    await seeded.end();
    const gw = await startGateway({
      workers: 1,
      databaseUrl: db.url,
      config: { alerts: { webhook_url: hook.url, secret: SECRET } },
    });
    try {
      await waitFor(() => got.length >= 2, 20_000);
      await sleep(1500);
      // account alerts are numbered apart from budget alerts: their id says so
      expect(got.map((g) => g.id).sort()).toEqual([rows.rows[0]!.id, `account-${accountRows.rows[0]!.id}`].sort());
      expect(got.find((g) => g.id.startsWith('account-'))!.body).toBe(lostAccount);
      expect(JSON.parse(got.find((g) => !g.id.startsWith('account-'))!.body)).toEqual({
        type: 'budget',
        user: 'lost',
        period: 'monthly',
        threshold: 0.8,
        spent: '80.5',
        budget: '100',
        currency: 'CNY',
        at: '2026-12-03T01:02:03.456Z',
      });
      const check = createPool({ url: db.url });
      await waitFor(async () => (await check.query("SELECT 1 FROM budget_alerts WHERE user_id = 'lost' AND delivered_at IS NOT NULL")).rowCount === 1, 10_000);
      await waitFor(async () => (await check.query("SELECT 1 FROM account_alerts WHERE account = 'lost' AND delivered_at IS NOT NULL")).rowCount === 1, 10_000);
      await check.end();
    } finally {
      expect(await gw.stop()).toBe(0);
      await db.drop();
      await hook.close();
    }
  }, 120_000);
});
