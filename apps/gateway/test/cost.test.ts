// Cost per request through a real gateway: 1,000 mixed requests (stream, non-stream, aborted,
// upstream errors) across a price change and an off-peak window. Every ledger row carries the cost
// an independent decimal computation gives for its tokens and start time, exactly; the ledger's
// sum equals the Redis spend counters to the nano; a model without a price costs nothing and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Dec, keys, nanosToDecimal, periodAt } from '@dsp/core';
import { REPO, startGateway, type Gateway } from './harness.js';
import { metric, scrape } from './util.js';
import { makeLanes, runLoad, waitLedger, withDb, type Lane, type Result } from './accounting-lib.js';

const N = 1000;
const CONCURRENCY = 16;
const USERS = 4;

/** deepseek-chat: CNY, peak only until CHANGE; then cheaper, and off-peak all day but 23:59 UTC */
const BASE = { hit: '0.2', miss: '2', out: '3' };
const AFTER = { hit: '0.1', miss: '1.3', out: '2.7' };
const FACTOR = '0.5';
/** deepseek-reasoner: USD (reported, not counted against CNY budgets) */
const USD = { hit: '0.07', miss: '0.55', out: '2.19' };

interface Row {
  request_id: string;
  user_id: string;
  token_id: string;
  model: string;
  started_at: Date;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hit_tokens: number;
  cache_miss_tokens: number;
  cost: string;
  currency: string;
}

/** The price of a row, from first principles: per 1M tokens, rounded half-up to 1e-9 once. */
function expectedCost(r: Row, change: number): { cost: string; currency: string; offPeak: boolean } {
  if (r.model === 'deepseek-v4-flash') return { cost: '0.000000000', currency: '', offPeak: false };
  let p = r.model === 'deepseek-reasoner' ? USD : BASE;
  let factor = '1';
  let offPeak = false;
  if (r.model === 'deepseek-chat' && r.started_at.getTime() >= change) {
    p = AFTER;
    const m = r.started_at.getUTCHours() * 60 + r.started_at.getUTCMinutes();
    offPeak = m < 23 * 60 + 59;
    if (offPeak) factor = FACTOR;
  }
  const miss = r.cache_miss_tokens + Math.max(0, r.prompt_tokens - r.cache_hit_tokens - r.cache_miss_tokens);
  const units = new Dec(r.cache_hit_tokens).times(p.hit).plus(new Dec(miss).times(p.miss)).plus(new Dec(r.completion_tokens).times(p.out));
  const cost = units.times(factor).div(1_000_000).toDecimalPlaces(9, Dec.ROUND_HALF_UP).toFixed(9);
  return { cost, currency: r.model === 'deepseek-reasoner' ? 'USD' : 'CNY', offPeak };
}

describe('cost per request: 1,000 mixed requests across a price change and off-peak hours', () => {
  let gw: Gateway;
  let lanes: Lane[];
  let results: Result[];
  let rows: Row[];
  let change: number;

  beforeAll(async () => {
    // the change falls inside the run: requests before it pay the base prices, after it the new ones
    // (a minute ahead: a gateway has taken up to 40 s to start on a loaded host)
    change = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
    gw = await startGateway({
      workers: 2,
      config: {
        log: { level: 'info' },
        pricing: {
          'deepseek-chat': {
            currency: 'CNY',
            input_cache_hit: BASE.hit,
            input_cache_miss: BASE.miss,
            output: BASE.out,
            changes: [
              {
                from: new Date(change).toISOString(),
                input_cache_hit: AFTER.hit,
                input_cache_miss: AFTER.miss,
                output: AFTER.out,
                off_peak: { from: '00:00', to: '23:59', tz: 'UTC', factor: Number(FACTOR) },
              },
            ],
          },
          'deepseek-reasoner': { currency: 'USD', input_cache_hit: USD.hit, input_cache_miss: USD.miss, output: USD.out },
        },
      },
    });
    lanes = await makeLanes(gw, { users: USERS, lanes: CONCURRENCY, tag: 'cost' });
    if (Date.now() > change - 10_000) throw new Error('the gateway took too long to start: no time left before the price change');
    const first = await runLoad(gw.url, { n: N / 2, concurrency: CONCURRENCY, lanes, seed: 7 });
    // the second half after the change
    while (Date.now() < change + 50) await new Promise((r) => setTimeout(r, 100));
    const second = await runLoad(gw.url, { n: N / 2, concurrency: CONCURRENCY, lanes, seed: 8 });
    results = [...first, ...second];
    // one request of a model without a price
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lanes[0]!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    await r.text();
    await waitLedger(gw.databaseUrl, N + 1, 90_000);
    rows = await withDb(gw.databaseUrl, async (c) => (await c.query<Row>('SELECT *, cost::text AS cost FROM usage_ledger ORDER BY started_at')).rows);
  }, 300_000);

  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
  });

  it('every request is in the ledger, before and after the change, peak and off-peak', () => {
    expect(results.filter((r) => r.error !== null).map((r) => r.error)).toEqual([]);
    expect(rows.length).toBe(N + 1);
    const chat = rows.filter((r) => r.model === 'deepseek-chat');
    expect(chat.filter((r) => r.started_at.getTime() < change).length).toBeGreaterThan(50);
    expect(chat.filter((r) => expectedCost(r, change).offPeak).length).toBeGreaterThan(50);
    expect(rows.filter((r) => r.model === 'deepseek-reasoner').length).toBeGreaterThan(20);
    // aborted and failed requests are priced too (their usage, when any was reported)
    expect(rows.filter((r) => r.currency === 'CNY' && r.completion_tokens > 0 && r.cost !== '0.000000000').length).toBeGreaterThan(100);
  });

  it('each row costs exactly what its tokens cost at the price in force at its start', () => {
    const wrong = rows
      .map((r) => ({ r, e: expectedCost(r, change) }))
      .filter(({ r, e }) => r.cost !== e.cost || r.currency !== e.currency)
      .map(({ r, e }) => `${r.request_id} ${r.model} ${r.started_at.toISOString()}: ${r.currency} ${r.cost}, expected ${e.currency} ${e.cost}`);
    expect(wrong).toEqual([]);
  });

  it('the ledger total equals the decimal sum of the rows and the Redis spend counters, to the nano', async () => {
    let expected = new Dec(0);
    for (const r of rows) if (r.currency === 'CNY') expected = expected.plus(expectedCost(r, change).cost);
    const sql = await withDb(
      gw.databaseUrl,
      async (c) => (await c.query<{ s: string }>("SELECT sum(cost)::text AS s FROM usage_ledger WHERE currency = 'CNY'")).rows[0]!.s,
    );
    expect(sql).toBe(expected.toFixed(9));
    // spend counters (budget currency CNY only): per user, and per token, day and month
    const users = [...new Set(rows.map((r) => r.user_id))];
    const period = periodAt('UTC', Date.now());
    let day = 0n;
    let month = 0n;
    let tokens = 0n;
    for (const u of users) {
      const d = await gw.redis.hgetall(keys.day(gw.prefix, u, period.day));
      const m = await gw.redis.hgetall(keys.month(gw.prefix, u, period.month));
      day += BigInt(d.spend ?? '0');
      month += BigInt(m.spend ?? '0');
      for (const [f, v] of Object.entries(d)) if (f.startsWith('spend:')) tokens += BigInt(v);
    }
    expect(nanosToDecimal(day, true)).toBe(expected.toFixed(9));
    expect(nanosToDecimal(month, true)).toBe(expected.toFixed(9));
    expect(nanosToDecimal(tokens, true)).toBe(expected.toFixed(9));
  });

  it('a model without a price costs nothing and says so: currency "", a metric, one warning', async () => {
    const free = rows.filter((r) => r.model === 'deepseek-v4-flash');
    expect(free.map((r) => [r.cost, r.currency])).toEqual([['0.000000000', '']]);
    const samples = await scrape(gw);
    expect(metric(samples, 'dsp_unpriced_requests_total', { model: 'deepseek-v4-flash' })).toBe(1);
    expect(metric(samples, 'dsp_unpriced_requests_total', { model: 'deepseek-chat' })).toBe(0);
    expect(gw.logs.filter((l) => l.includes('has no [pricing] entry')).length).toBe(1);
    // the spend metric, in currency units (a float: the ledger holds the exact figure)
    let cny = 0;
    for (const r of rows) if (r.currency === 'CNY') cny += Number(r.cost);
    expect(metric(samples, 'dsp_spend_total', { currency: 'CNY' })).toBeCloseTo(cny, 6);
    expect(metric(samples, 'dsp_spend_total', { currency: 'USD' })).toBeGreaterThan(0);
  });

  it("dsp reconcile with the gateway's own config: zero differences (costs recomputed, Redis spend = ledger)", () => {
    const r = spawnSync(process.execPath, [join(REPO, 'apps/cli/dist/main.js'), '--config', gw.configFile, 'reconcile', '--json'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { rows: number; differences: unknown[]; periods: string[] };
    expect(j.differences).toEqual([]);
    expect(j.rows).toBe(N + 1);
    expect(j.periods.length).toBe(2);
  });
});
