// Per-key behaviour (the upstream accounts): caps answering 429, refused and spent keys, balances, a down instance.

import { describe, expect, it } from 'vitest';
import { startMockDeepSeek, type MockDeepSeek } from '../src/index.js';
import { chat, raw, waitFor } from './helpers.js';

async function withKeys(opts: Parameters<typeof startMockDeepSeek>[0], fn: (m: MockDeepSeek) => Promise<void>): Promise<void> {
  const m = await startMockDeepSeek(opts);
  try {
    await fn(m);
  } finally {
    await m.close();
  }
}

function call(m: MockDeepSeek, key: string, body: unknown = chat(), path = '/chat/completions') {
  return raw(m.url, { path, body, headers: { authorization: 'Bearer ' + key } });
}

async function balance(m: MockDeepSeek, key: string): Promise<{ status: number; json: any }> {
  const r = await raw(m.url, { path: '/user/balance', headers: { authorization: 'Bearer ' + key } });
  return { status: r.status, json: JSON.parse(r.text) };
}

describe('per-key concurrency cap', () => {
  it('answers 429 past maxConcurrency, counts peak and overCap, and leaves other keys alone', async () => {
    await withKeys({ keys: { 'sk-capped': { maxConcurrency: 2 } } }, async (m) => {
      const slow = chat({ stream: true, mock: { chunks: 3, chunkDelayMs: 80 } });
      const a = call(m, 'sk-capped', slow);
      const b = call(m, 'sk-capped', slow);
      await waitFor(() => m.keyStats('sk-capped').inFlight === 2, 2000);
      const over = await call(m, 'sk-capped');
      expect(over.status).toBe(429);
      expect(JSON.parse(over.text).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null });
      // the cap is per key: another key is not affected, and neither is a request without a key
      expect((await call(m, 'sk-other')).status).toBe(200);
      expect((await raw(m.url, { body: chat() })).status).toBe(200);
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.status).toBe(200);
      expect(rb.status).toBe(200);
      await waitFor(() => m.keyStats('sk-capped').inFlight === 0, 1000);
      expect(m.keyStats('sk-capped')).toEqual({ requests: 3, inFlight: 0, peak: 2, overCap: 1, balanceChecks: 0 });
      expect(m.keyStats('sk-other')).toMatchObject({ requests: 1, peak: 1, overCap: 0 });
      // room again once the slots are free
      expect((await call(m, 'sk-capped')).status).toBe(200);
    });
  });

  it('counts a client abort as leaving, and x-api-key carries the key too', async () => {
    await withKeys({ keys: { 'sk-a': { maxConcurrency: 1 } } }, async (m) => {
      await raw(m.url, {
        body: chat({ stream: true, mock: { chunks: 50, chunkDelayMs: 20 } }),
        headers: { 'x-api-key': 'sk-a' },
        onPiece: () => true,
      });
      await waitFor(() => m.abortedCount() === 1, 1000);
      expect(m.keyStats('sk-a')).toMatchObject({ inFlight: 0, peak: 1 });
      const r = await raw(m.url, {
        path: '/anthropic/v1/messages',
        body: { model: 'deepseek-chat', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        headers: { 'x-api-key': 'sk-a' },
      });
      expect(r.status).toBe(200);
      expect(m.received.map((x) => x.key)).toEqual(['sk-a', 'sk-a']);
    });
  });

  it('a key can carry its own behaviour (slow or failing account)', async () => {
    await withKeys({ keys: { 'sk-broken': { status: 500 }, 'sk-short': { chunks: 2 } } }, async (m) => {
      const broken = await call(m, 'sk-broken');
      expect(broken.status).toBe(500);
      expect(JSON.parse(broken.text).error.type).toBe('server_error');
      const short = JSON.parse((await call(m, 'sk-short')).text);
      expect(short.usage.completion_tokens).toBe(2);
      // the body knob still wins over the key's behaviour
      expect((await call(m, 'sk-broken', chat({ mock: { status: 200 } }))).status).toBe(200);
    });
  });
});

describe('refused and spent keys, balances', () => {
  it("a refused key gets 401 on every route, in the route's error shape", async () => {
    await withKeys({ keys: { 'sk-revoked-9876': { refused: true } } }, async (m) => {
      const r = await call(m, 'sk-revoked-9876');
      expect(r.status).toBe(401);
      const e = JSON.parse(r.text).error;
      expect(e.type).toBe('authentication_error');
      expect(e.message).toContain('****9876');
      expect(e.message).not.toContain('sk-revoked');
      expect((await balance(m, 'sk-revoked-9876')).status).toBe(401);
      expect((await raw(m.url, { path: '/models', headers: { authorization: 'Bearer sk-revoked-9876' } })).status).toBe(401);
      const a = await raw(m.url, {
        path: '/anthropic/v1/messages',
        body: { model: 'deepseek-chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
        headers: { 'x-api-key': 'sk-revoked-9876' },
      });
      expect(a.status).toBe(401);
      expect(JSON.parse(a.text)).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('****9876') } });
      expect(m.issuedUsage().requests).toBe(0);
    });
  });

  it('a spent key gets 402 and a balance that is not available; topping it up brings it back', async () => {
    await withKeys({ keys: { 'sk-spent': { spent: true } } }, async (m) => {
      const r = await call(m, 'sk-spent');
      expect(r.status).toBe(402);
      expect(JSON.parse(r.text).error).toMatchObject({ message: 'Insufficient Balance', type: 'unknown_error' });
      const b = await balance(m, 'sk-spent');
      expect(b.status).toBe(200);
      expect(b.json).toEqual({
        is_available: false,
        balance_infos: [{ currency: 'CNY', total_balance: '0.00', granted_balance: '0.00', topped_up_balance: '0.00' }],
      });
      m.setKey('sk-spent', { balance: '25.50' });
      expect((await call(m, 'sk-spent')).status).toBe(200);
      expect((await balance(m, 'sk-spent')).json).toEqual({
        is_available: true,
        balance_infos: [{ currency: 'CNY', total_balance: '25.50', granted_balance: '0.00', topped_up_balance: '25.50' }],
      });
      expect(m.keyStats('sk-spent').balanceChecks).toBe(2);
    });
  });

  it("balances per key: DeepSeek's balance_infos as given, the default for other keys", async () => {
    const infos = [
      { currency: 'USD', total_balance: '3.10', granted_balance: '1.00', topped_up_balance: '2.10' },
      { currency: 'CNY', total_balance: '0.00', granted_balance: '0.00', topped_up_balance: '0.00' },
    ];
    await withKeys({ keys: { 'sk-usd': { balance: infos }, 'sk-empty': { balance: '0.00' } } }, async (m) => {
      expect((await balance(m, 'sk-usd')).json).toEqual({ is_available: true, balance_infos: infos });
      expect((await balance(m, 'sk-empty')).json.is_available).toBe(false);
      const other = (await balance(m, 'sk-anything')).json;
      expect(other.is_available).toBe(true);
      expect(Object.keys(other.balance_infos[0]).sort()).toEqual(['currency', 'granted_balance', 'topped_up_balance', 'total_balance']);
    });
  });

  it('rejects nonsense key settings clearly', async () => {
    await expect(startMockDeepSeek({ keys: { 'sk-a': { maxConcurrency: -1 } } })).rejects.toThrow('maxConcurrency');
    await expect(startMockDeepSeek({ keys: { 'sk-a': { balance: 'lots' } } })).rejects.toThrow('balance');
    await withKeys({}, async (m) => {
      expect(() => m.setKey('sk-a', { refused: 'yes' as unknown as boolean })).toThrow('refused');
    });
  });
});

describe('a down instance', () => {
  it('503 answers everything until it comes back', async () => {
    await withKeys({ down: '503' }, async (m) => {
      const r = await call(m, 'sk-x');
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).error.type).toBe('service_unavailable_error');
      expect((await balance(m, 'sk-x')).status).toBe(503);
      const a = await raw(m.url, { path: '/anthropic/v1/messages', body: { model: 'deepseek-chat', max_tokens: 5, messages: [] } });
      expect(JSON.parse(a.text).error.type).toBe('overloaded_error');
      await m.setDown(false);
      expect((await call(m, 'sk-x')).status).toBe(200);
      expect(m.keyStats('sk-x').requests).toBe(2);
    });
  });

  it('refuse closes the port (connection refused) and drops open streams; it reopens on the same port', async () => {
    await withKeys({}, async (m) => {
      const open = raw(m.url, { body: chat({ stream: true, mock: { chunks: 100, chunkDelayMs: 20 } }) });
      await waitFor(() => m.inFlight() === 1, 1000);
      await m.setDown('refuse');
      const cut = await open;
      expect(cut.error).not.toBeNull();
      await expect(raw(m.url, { body: chat() })).rejects.toThrow(/ECONNREFUSED/);
      expect(m.stats().down).toBe('refuse');
      await m.setDown(false);
      expect((await raw(m.url, { body: chat() })).status).toBe(200);
    });
  });
});

describe('control routes (for a mock in another process)', () => {
  it('stats, keys, down and reset over HTTP; bad input is a 400', async () => {
    await withKeys({}, async (m) => {
      const post = (path: string, body: unknown) => fetch(m.url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect((await post('/_mock/keys', { 'sk-c': { maxConcurrency: 1, balance: '7.00' } })).status).toBe(200);
      expect((await balance(m, 'sk-c')).json.balance_infos[0].total_balance).toBe('7.00');
      await call(m, 'sk-c');
      const stats = (await (await fetch(m.url + '/_mock/stats')).json()) as any;
      expect(stats.keys['sk-c']).toEqual({ requests: 1, inFlight: 0, peak: 1, overCap: 0, balanceChecks: 1 });
      expect(stats.issued.requests).toBe(1);
      expect(stats.down).toBe(false);

      expect((await post('/_mock/down', { down: '503' })).status).toBe(200);
      expect((await call(m, 'sk-c')).status).toBe(503);
      expect((await post('/_mock/down', { down: false })).status).toBe(200);
      expect((await call(m, 'sk-c')).status).toBe(200);

      expect((await post('/_mock/keys', { 'sk-c': null })).status).toBe(200);
      expect((await post('/_mock/reset', '')).status).toBe(200);
      expect(m.keyStats('sk-c').requests).toBe(0);
      // control requests are not recorded as traffic
      expect(m.received).toHaveLength(0);

      const bad = await post('/_mock/keys', { 'sk-c': { maxConcurrency: 'two' } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).error).toContain('maxConcurrency');
      expect((await post('/_mock/down', { down: 'refuse' })).status).toBe(400);
      expect((await post('/_mock/keys', '{nope')).status).toBe(400);
      expect((await fetch(m.url + '/_mock/nothing')).status).toBe(404);
    });
  });
});
