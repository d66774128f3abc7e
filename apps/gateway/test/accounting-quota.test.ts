// Usage chunks and quotas: the usage chunk reaches only the streams that asked for it (both are
// charged), and spent quotas answer 429 quota_exceeded with Retry-After = seconds to the local reset,
// in UTC and in Asia/Shanghai. Limits are set through the service layer, as the CLI and console do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '@dsp/config';
import { createPool, createServices, type Pool, type Services } from '@dsp/db';
import { chatPromptTokens } from '@dsp/mock-deepseek';
import { startGateway, type Gateway } from './harness.js';
import { errorOf, normalise, post } from './util.js';
import { dayCounters, ledgerRows, waitLedger } from './accounting-lib.js';

interface Env {
  gw: Gateway;
  pool: Pool;
  redis: Redis;
  services: Services;
}

async function environment(timezone: string): Promise<Env> {
  const gw = await startGateway({ workers: 2, config: { quota: { timezone }, log: { level: 'info' } } });
  const { config } = loadConfig({ argv: ['--config', gw.configFile], env: {}, cwd: gw.keys.dir });
  const pool = createPool(config.database, { max: 2 });
  const redis = new Redis(config.redis.url);
  return { gw, pool, redis, services: createServices({ pool, redis, config, actor: 'test:quota' }) };
}

async function close(e: Env | undefined): Promise<void> {
  if (!e) return;
  await e.pool.end();
  e.redis.disconnect();
  expect(await e.gw.stop()).toBe(0);
}

const OFFSETS: Record<string, number> = { UTC: 0, 'Asia/Shanghai': 8 * 3600_000 };

/** Seconds to the next local midnight, from the zone's fixed offset (neither zone has DST). */
function secondsToMidnight(timezone: string, now = Date.now()): number {
  const off = OFFSETS[timezone]!;
  const local = now + off;
  const next = Math.floor(local / 86_400_000) * 86_400_000 + 86_400_000 - off;
  return (next - now) / 1000;
}

/** Seconds to the first local midnight of next month. */
function secondsToMonth(timezone: string, now = Date.now()): number {
  const off = OFFSETS[timezone]!;
  const local = new Date(now + off);
  const next = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - off;
  return (next - now) / 1000;
}

const body = (chunks: number, o: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello' }], mock: { chunks }, ...o });
/** tokens the mock bills for body(chunks) */
const billed = (chunks: number) => chatPromptTokens([{ role: 'user', content: 'Hello' }]) + chunks;

async function chat(gw: Gateway, token: string, chunks: number): Promise<Response> {
  return post(`${gw.url}/v1/chat/completions`, token, body(chunks));
}

async function expectQuota429(r: Response, retryAfter: number): Promise<void> {
  const e = await errorOf(r);
  expect({ status: e.status, code: e.code, type: e.type }).toEqual({ status: 429, code: 'quota_exceeded', type: expect.any(String) });
  expect(Number(e.retryAfter)).toBeGreaterThanOrEqual(retryAfter - 2);
  expect(Number(e.retryAfter)).toBeLessThanOrEqual(retryAfter + 2);
}

describe('accounting: usage chunks and quotas', () => {
  let utc: Env;
  let sh: Env;
  beforeAll(async () => {
    utc = await environment('UTC');
    sh = await environment('Asia/Shanghai');
  }, 60_000);
  afterAll(async () => {
    await close(utc);
    await close(sh);
  });

  it('a stream that did not ask for usage gets no usage chunk, one that asked gets it unchanged; both are charged', async () => {
    const { gw } = utc;
    await utc.services.users.create({ id: 'chunks-user' });
    const token = await gw.mint({ sub: 'chunks-user', jti: 'chunks-t' });
    const plain = await post(`${gw.url}/v1/chat/completions`, token, body(12, { stream: true }));
    const plainText = await plain.text();
    expect(plain.status).toBe(200);
    expect(plainText).toContain('data: [DONE]');
    expect(plainText).not.toContain('"usage"');
    const asked = await post(`${gw.url}/v1/chat/completions`, token, body(20, { stream: true, stream_options: { include_usage: true } }));
    const askedText = await asked.text();
    // the mock's own answer to the same request: the usage frame must be the same bytes
    const direct = await fetch(`${gw.mock.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(20, { stream: true, stream_options: { include_usage: true } }),
    });
    const directText = await direct.text();
    const usageFrame = (t: string) => t.split('\n\n').find((f) => f.includes('"choices":[]'));
    expect(usageFrame(askedText)).toBeDefined();
    expect(normalise(usageFrame(askedText)!)).toBe(normalise(usageFrame(directText)!));
    expect(JSON.parse(usageFrame(askedText)!.slice('data: '.length)).usage.total_tokens).toBe(billed(20));
    // charged: the day counter and the ledger, for both
    expect(await dayCounters(utc.redis, gw.prefix, ['chunks-user'])).toEqual({ tok: billed(12) + billed(20), req: 2 });
    await waitLedger(gw.databaseUrl, 2, 20_000);
    const rows = (await ledgerRows(gw.databaseUrl)).filter((r) => r.user_id === 'chunks-user');
    expect(rows.map((r) => r.prompt_tokens + r.completion_tokens).sort((a, b) => a - b)).toEqual([billed(12), billed(20)]);
    expect(rows.every((r) => r.stream && r.status === 200 && !r.aborted)).toBe(true);
  });

  for (const tz of ['UTC', 'Asia/Shanghai'] as const) {
    const env = () => (tz === 'UTC' ? utc : sh);
    const tag = tz === 'UTC' ? 'utc' : 'sh';

    it(`${tz}: over the daily token quota → 429 quota_exceeded, Retry-After = seconds to local midnight`, async () => {
      const { gw, services } = env();
      await services.users.create({ id: `dt-${tag}`, quotas: { dailyTokens: 50 } });
      const token = await gw.mint({ sub: `dt-${tag}`, jti: `dt-${tag}-t` });
      // used 0 → 46 → 92: both start under 50 and are admitted; the third is refused at 92
      for (let i = 0; i < 2; i++) {
        const r = await chat(gw, token, 40);
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      expect((await dayCounters(env().redis, gw.prefix, [`dt-${tag}`], tz)).tok).toBe(2 * billed(40));
      await expectQuota429(await chat(gw, token, 1), secondsToMidnight(tz));
      // the refusal charged nothing and is not a request of the day
      expect(await dayCounters(env().redis, gw.prefix, [`dt-${tag}`], tz)).toEqual({ tok: 2 * billed(40), req: 2 });
    });

    it(`${tz}: daily requests quota → the next request is refused until local midnight`, async () => {
      const { gw, services } = env();
      await services.users.create({ id: `dr-${tag}` });
      await services.quotas.set(`dr-${tag}`, { dailyRequests: 3 });
      const token = await gw.mint({ sub: `dr-${tag}`, jti: `dr-${tag}-t` });
      for (let i = 0; i < 3; i++) {
        const r = await chat(gw, token, 2);
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      await expectQuota429(await chat(gw, token, 2), secondsToMidnight(tz));
    });

    it(`${tz}: monthly token quota → refused until the first local midnight of next month`, async () => {
      const { gw, services } = env();
      await services.users.create({ id: `mt-${tag}`, quotas: { monthlyTokens: 30 } });
      const token = await gw.mint({ sub: `mt-${tag}`, jti: `mt-${tag}-t` });
      for (let i = 0; i < 2; i++) {
        const r = await chat(gw, token, 20);
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      await expectQuota429(await chat(gw, token, 1), secondsToMonth(tz));
    });
  }

  it('overspend is bounded: with concurrency 1, a request admitted under the limit may finish above it; the next is refused', async () => {
    const { gw, services, redis } = utc;
    await services.users.create({ id: 'over-user', quotas: { dailyTokens: 100 } });
    const token = await gw.mint({ sub: 'over-user', jti: 'over-t', concurrency: 1 });
    const used: number[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < 10 && !refused; i++) {
      const r = await chat(gw, token, 40);
      if (r.status === 429) refused = r;
      else {
        expect(r.status).toBe(200);
        await r.arrayBuffer();
        used.push((await dayCounters(redis, gw.prefix, ['over-user'])).tok);
      }
    }
    // 46, 92 (< 100: admitted), 138: finished above the limit by less than one request
    expect(used).toEqual([1, 2, 3].map((k) => k * billed(40)));
    expect(used.at(-2)!).toBeLessThan(100);
    expect(used.at(-1)!).toBeGreaterThan(100);
    expect(used.at(-1)! - 100).toBeLessThan(billed(40));
    expect(refused).not.toBeNull();
    await expectQuota429(refused!, secondsToMidnight('UTC'));
    // ledger: the three admitted requests, not the refusal
    await waitLedger(gw.databaseUrl, 1, 20_000);
    const until = Date.now() + 20_000;
    let mine = 0;
    while (Date.now() < until && (mine = (await ledgerRows(gw.databaseUrl)).filter((r) => r.user_id === 'over-user').length) < 3)
      await new Promise((r) => setTimeout(r, 100));
    expect(mine).toBe(3);
  });
});
