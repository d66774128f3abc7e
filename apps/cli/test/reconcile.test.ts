// `dsp reconcile` end to end: a real database and Redis, the CLI spawned with a config that prices
// deepseek-chat (with an off-peak window). Agreeing ledger and counters: exit 0; a row whose stored
// cost is not what its tokens cost, or a counter that drifted from the ledger: listed, exit 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { PriceBook, costOfEvent, keys, periodAt, type UsageEvent } from '@dsp/core';
import { insertUsageEvents, type Pool, type RedisClient } from '@dsp/db';
import { cliEnv, type CliEnv } from './cli-harness.js';

const PRICING = {
  'deepseek-chat': {
    currency: 'CNY',
    input_cache_hit: '0.2',
    input_cache_miss: '2',
    output: '3',
    changes: [],
    off_peak: { from: '16:30', to: '00:30', tz: 'UTC', factor: '0.5' },
  },
};

let env: CliEnv;
let prefix: string;
let redis: RedisClient;
let pool: Pool;
const dsp = (args: string[]) => env.dsp(args);

const base = {
  route: '/chat/completions',
  stream: false,
  status: 200,
  reasoning_tokens: 0,
  first_byte_ms: 5,
  total_ms: 9,
  aborted: false,
  instance: 'x',
  model: 'deepseek-chat',
};

/** A priced event as the gateway writes it: its cost carried, computed from the same prices. */
function event(user: string, token: string, startedAt: number, prompt: number, hit: number, completion: number): UsageEvent {
  const e: UsageEvent = {
    ...base,
    request_id: randomUUID(),
    user_id: user,
    token_id: token,
    started_at: startedAt,
    prompt_tokens: prompt,
    cache_hit_tokens: hit,
    cache_miss_tokens: prompt - hit,
    completion_tokens: completion,
  };
  const c = costOfEvent(new PriceBook(PRICING as never), e);
  return { ...e, cost_nanos: c.nanos.toString(), currency: c.currency };
}

beforeAll(async () => {
  env = await cliEnv({
    name: 'reconcile',
    toml: [
      '[pricing."deepseek-chat"]',
      'currency = "CNY"',
      'input_cache_hit = 0.2',
      'input_cache_miss = 2',
      'output = 3',
      'off_peak = { from = "16:30", to = "00:30", tz = "UTC", factor = 0.5 }',
    ],
  });
  ({ prefix, redis, pool } = env);
});

afterAll(() => env.close());

describe('dsp reconcile', () => {
  it('zero differences when the ledger and the counters agree; a wrong cost and a drifted counter are listed (exit 1)', async () => {
    const now = Date.now();
    // today: peak and off-peak starts (the window is 16:30-00:30 UTC), two tokens, cached prompts
    const events = [
      event('ru', 't1', now - 1000, 1200, 200, 300),
      event('ru', 't2', now - 2000, 50, 0, 7),
      event('rv', 't3', now - 3000, 999_999, 123_456, 77_777),
    ];
    await insertUsageEvents(pool, events);
    expect((await dsp(['sync'])).code).toBe(0); // the counters from the ledger, as after a Redis loss
    const ok = await dsp(['reconcile']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const p = periodAt('UTC', now);
    expect(ok.stdout).toMatch(
      new RegExp(
        `^reconcile \\d{4}-\\d{2}-01 \\.\\. \\d{4}-\\d{2}-\\d{2} \\(UTC\\): 3 ledger rows, CNY [\\d.]+; Redis counters: day ${p.day}, month ${p.month}\\n`,
      ),
    );
    expect(ok.stdout).toContain('no differences\n');

    // a counter one nano ahead of the ledger (the user's day total) and a token's counter with no ledger rows
    await redis.hincrby(keys.day(prefix, 'ru', p.day), 'spend', 1);
    await redis.hset(keys.month(prefix, 'rv', p.month), 'spend:ghost', '5');
    const drift = await dsp(['reconcile']);
    expect(drift.code).toBe(1);
    expect(drift.stderr).toBe('error: 2 difference(s)\n');
    const ruDay = events.slice(0, 2).reduce((n, e) => n + BigInt(e.cost_nanos!), 0n);
    const dec = (n: bigint) => `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')}`.replace(/\.?0+$/, '');
    expect(drift.stdout).toContain(`spend  day ${p.day} ru: Redis CNY ${dec(ruDay + 1n)}, ledger CNY ${dec(ruDay)}\n`);
    expect(drift.stdout).toContain(`spend  month ${p.month} rv token ghost: Redis CNY 0.000000005, ledger CNY 0\n`);
    await redis.hincrby(keys.day(prefix, 'ru', p.day), 'spend', -1);
    await redis.hdel(keys.month(prefix, 'rv', p.month), 'spend:ghost');

    // a row stored at a cost its tokens do not give (e.g. a price edited in place instead of a dated change)
    const wrong = { ...event('ru', 't1', now - 4000, 10, 0, 10), cost_nanos: '1' };
    await insertUsageEvents(pool, [wrong]);
    expect((await dsp(['sync'])).code).toBe(0);
    const bad = await dsp(['reconcile', '--json']);
    expect(bad.code).toBe(1);
    const j = JSON.parse(bad.stdout) as { rows: number; differences: { kind: string; requestId: string; stored: unknown; recomputed: unknown }[] };
    expect(j.rows).toBe(4);
    expect(j.differences).toEqual([
      {
        kind: 'cost',
        requestId: wrong.request_id,
        userId: 'ru',
        model: 'deepseek-chat',
        startedAt: new Date(wrong.started_at).toISOString(),
        stored: { amount: '0.000000001', currency: 'CNY' },
        recomputed: { amount: dec(BigInt(event('ru', 't1', wrong.started_at, 10, 0, 10).cost_nanos!)), currency: 'CNY' },
      },
    ]);

    // a range without today: no counters compared, the rows of the range only
    const y = new Date(now - 86_400_000 * 40).toISOString().slice(0, 10);
    const past = await dsp(['reconcile', '--from', y, '--to', y]);
    expect(past.code).toBe(0);
    expect(past.stdout).toContain(': 0 ledger rows; Redis counters: none in range\n');
    const badRange = await dsp(['reconcile', '--from', 'soon']);
    expect(badRange.code).toBe(1);
    expect(badRange.stderr).toMatch(/^error: invalid from date "soon"/);
  });
});
