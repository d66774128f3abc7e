// Budgets through a real gateway: budgets set through the service layer (as `dsp quota set` and the
// console do) reach the admission script; the request after the spend reached a budget is refused
// with 402 budget_exceeded, the period's reset in the message and Retry-After; a token's budget
// counts only that token; spend in another currency is not counted; the Anthropic route answers in
// Anthropic's shape, which @anthropic-ai/sdk maps to its PaymentRequiredError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { keys, nanosToDecimal, periodAt } from '@dsp/core';
import type { Pool, Services } from '@dsp/db';
import { budgetServices, chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { metric, post, scrape } from './util.js';

describe('budgets: 402 budget_exceeded at the right request', () => {
  let gw: Gateway;
  let pool: Pool;
  let svc: Services;
  const chat = () => `${gw.url}/v1/chat/completions`;

  beforeAll(async () => {
    gw = await startGateway({
      workers: 2,
      config: {
        quota: { timezone: 'UTC', budget_currency: 'CNY' },
        pricing: {
          'deepseek-chat': { currency: 'CNY', input_cache_hit: '0.2', input_cache_miss: '2', output: '3' },
          'deepseek-reasoner': { currency: 'USD', input_cache_hit: '0.07', input_cache_miss: '0.55', output: '2.19' },
        },
      },
    });
    ({ pool, svc } = budgetServices(gw));
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    if (gw) expect(await gw.stop()).toBe(0);
  });

  const spend = async (user: string, field = 'spend'): Promise<bigint> =>
    BigInt((await gw.redis.hget(keys.day(gw.prefix, user, periodAt('UTC', Date.now()).day), field)) ?? '0');

  /** One request; then wait until its spend is charged (the finish runs just after the answer). */
  async function request(token: string, user: string, model = 'deepseek-chat'): Promise<Response> {
    const before = await spend(user);
    const r = await post(chat(), token, chatBody({ model }));
    const text = await r.text();
    if (r.status === 200 && model === 'deepseek-chat') await waitFor(async () => (await spend(user)) > before, 10_000);
    return new Response(text, { status: r.status, headers: r.headers });
  }

  it("a user's daily budget: every request is served until the spend reaches it, the next is refused (402, reset time, Retry-After)", async () => {
    await svc.users.create({ id: 'bu' });
    const { token } = await svc.tokens.issue('bu');
    // the cost of one request (identical requests cost the same)
    expect((await request(token, 'bu')).status).toBe(200);
    const one = await spend('bu');
    expect(one).toBeGreaterThan(0n);
    // budget = 3 requests' cost minus a nano: requests 2 and 3 are served (spent 1×, 2× < budget), the 4th is not
    await svc.budgets.setUser('bu', { dailyBudget: nanosToDecimal(3n * one - 1n) });
    expect((await request(token, 'bu')).status).toBe(200);
    expect((await request(token, 'bu')).status).toBe(200);
    expect(await spend('bu')).toBe(3n * one);
    const r = await request(token, 'bu');
    expect(r.status).toBe(402);
    const body = (await r.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error.code).toBe('budget_exceeded');
    const p = periodAt('UTC', Date.now());
    const reset = new Date(p.resetsAt).toISOString();
    expect(body.error.message).toBe(
      `daily budget of ${nanosToDecimal(3n * one - 1n)} CNY is spent (${nanosToDecimal(3n * one)} CNY); it resets at ${reset} (in ${r.headers.get('retry-after')} s)`,
    );
    expect(Math.abs(Number(r.headers.get('retry-after')) - p.daySecondsLeft)).toBeLessThanOrEqual(2);
    // the refusal charged nothing and counted no request
    expect(await spend('bu')).toBe(3n * one);
    expect(await gw.redis.hget(keys.day(gw.prefix, 'bu', p.day), 'req')).toBe('3');
    // raising the budget lets the user through again; `none` removes it
    await svc.budgets.setUser('bu', { dailyBudget: nanosToDecimal(4n * one) });
    expect((await request(token, 'bu')).status).toBe(200);
    expect((await request(token, 'bu')).status).toBe(402);
    await svc.budgets.setUser('bu', { dailyBudget: null });
    expect((await request(token, 'bu')).status).toBe(200);
    // the monthly budget (5 requests served so far): Retry-After runs to the first of next month
    await svc.budgets.setUser('bu', { monthlyBudget: '0.000000001' });
    const m = await request(token, 'bu');
    expect(m.status).toBe(402);
    expect(((await m.json()) as { error: { message: string } }).error.message).toContain(
      `monthly budget of 0.000000001 CNY is spent (${nanosToDecimal(5n * one)} CNY); it resets at ${new Date(periodAt('UTC', Date.now()).monthResetsAt).toISOString()}`,
    );
    expect(Math.abs(Number(m.headers.get('retry-after')) - periodAt('UTC', Date.now()).monthSecondsLeft)).toBeLessThanOrEqual(2);
    const samples = await scrape(gw);
    expect(metric(samples, 'dsp_requests_blocked_total', { reason: 'budget' })).toBe(3);
  });

  it("a token's budget counts that token's spend only; the user's other token is served", async () => {
    await svc.users.create({ id: 'bt' });
    const a = await svc.tokens.issue('bt');
    const b = await svc.tokens.issue('bt');
    expect((await request(a.token, 'bt')).status).toBe(200);
    const one = await spend('bt', `spend:${a.record.id}`);
    await svc.budgets.setToken(a.record.id, { dailyBudget: nanosToDecimal(2n * one) });
    expect((await request(a.token, 'bt')).status).toBe(200);
    const r = await request(a.token, 'bt');
    expect(r.status).toBe(402);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/^this token's daily budget of [\d.]+ CNY is spent/);
    expect((await request(b.token, 'bt')).status).toBe(200);
    expect((await request(b.token, 'bt')).status).toBe(200);
  });

  it('spend in another currency is reported, not counted against the budget', async () => {
    await svc.users.create({ id: 'bx' });
    const { token } = await svc.tokens.issue('bx');
    await svc.budgets.setUser('bx', { dailyBudget: '0.000000001' });
    for (let i = 0; i < 3; i++) expect((await request(token, 'bx', 'deepseek-reasoner')).status).toBe(200);
    expect(await spend('bx')).toBe(0n);
    expect((await request(token, 'bx')).status).toBe(200); // the first CNY request: nothing counted yet
    expect((await request(token, 'bx')).status).toBe(402);
  });

  it("the Anthropic route: 402 in Anthropic's shape (billing_error), the SDK's PaymentRequiredError", async () => {
    await svc.users.create({ id: 'ba' });
    const { token } = await svc.tokens.issue('ba');
    await svc.budgets.setUser('ba', { dailyBudget: '0' }); // 0 blocks every request
    const client = new Anthropic({ apiKey: token, baseURL: `${gw.url}/anthropic`, maxRetries: 0, timeout: 10_000 });
    const err = await client.messages
      .create({ model: 'deepseek-chat', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] })
      .catch((e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
    expect(err).toBeInstanceOf(Anthropic.PaymentRequiredError);
    expect(err.status).toBe(402);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    expect((err.error as { error: { message: string } }).error.message).toMatch(/^daily budget of 0 CNY is spent \(0 CNY\); it resets at /);
    expect(err.headers?.get('retry-after')).toMatch(/^\d+$/);
  });

  it('the overspend bound holds under concurrency: at most the requests in flight when the budget was crossed', async () => {
    const N = 4;
    await svc.users.create({ id: 'bc' });
    const { token } = await svc.tokens.issue('bc', { concurrency: N });
    expect((await request(token, 'bc')).status).toBe(200);
    const one = await spend('bc');
    const budget = 5n * one + one / 2n; // crossed during the 6th request
    await svc.budgets.setUser('bc', { dailyBudget: nanosToDecimal(budget) });
    // N clients loop until refused with 402 (a 429 means the token's N slots were busy: try again)
    let served = 1;
    const client = async () => {
      for (;;) {
        const r = await post(chat(), token, chatBody());
        await r.text();
        if (r.status === 402) return;
        if (r.status === 200) served++;
      }
    };
    await Promise.all(Array.from({ length: N }, client));
    await waitFor(async () => (await spend('bc')) === BigInt(served) * one, 10_000);
    const over = BigInt(served) * one - budget;
    // at most N admitted while the spend was still below the budget are charged after it crossed
    expect(over).toBeGreaterThanOrEqual(0n);
    expect(over).toBeLessThan(BigInt(N) * one);
    expect(served).toBeLessThanOrEqual(6 + N - 1);
    console.log(
      `overspend with concurrency ${N}: ${served} served against a budget of 5.5 requests, over by ${nanosToDecimal(over)} CNY (${Number((over * 100n) / one) / 100} requests)`,
    );
  });
});
