// The per-token concurrency lock holds across the workers of one gateway and across two gateways
// sharing Redis: of 20 simultaneous requests on one token exactly one runs, and the mock never
// sees two at once for that user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamUserId } from '@dsp/core';
import { besides, chatBody, startGateway, type Gateway } from './harness.js';
import { errorOf, logLines, post } from './util.js';

const SLOW = { firstByteDelayMs: 800 };

describe('token concurrency', () => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    a = await startGateway({ workers: 2, recorder: false });
    // a second host: same Redis prefix, same keys, same upstream, same database
    b = await startGateway({ workers: 2, recorder: false, ...besides(a) });
  });
  afterAll(async () => {
    expect(await b.stop()).toBe(0);
    expect(await a.stop()).toBe(0);
  });

  /** Fires all requests at once (each on its own connection) and tallies the answers. */
  async function burst(targets: { url: string; token: string }[], body = chatBody({ mock: SLOW })) {
    const answers = await Promise.all(
      targets.map(async ({ url, token }) => {
        const r = await post(`${url}/v1/chat/completions`, token, body);
        if (r.status === 200) {
          await r.text();
          return { status: 200, code: '', retryAfter: null as string | null };
        }
        return errorOf(r);
      }),
    );
    return {
      ok: answers.filter((x) => x.status === 200).length,
      limited: answers.filter((x) => x.status === 429 && x.code === 'concurrency_limit_exceeded'),
      other: answers.filter((x) => x.status !== 200 && !(x.status === 429 && x.code === 'concurrency_limit_exceeded')),
    };
  }

  /** Pids of the workers that answered requests of this user (from the per-request debug line). */
  const workersThatServed = (gw: Gateway, sub: string) =>
    new Set(
      logLines(gw)
        .filter((l) => l.msg === 'request' && l.user === sub)
        .map((l) => l.pid),
    );

  it('20 concurrent requests on one token of a 2-worker gateway: exactly 1 succeeds, 19 get 429 with Retry-After', async () => {
    const sub = 'cc-one-gw';
    const token = await a.mint({ sub });
    const t = await burst(Array.from({ length: 20 }, () => ({ url: a.url, token })));
    expect(t.other).toEqual([]);
    expect(t.ok).toBe(1);
    expect(t.limited).toHaveLength(19);
    for (const l of t.limited) expect(l.retryAfter).toBe('1');
    expect(a.mock.peakConcurrency(upstreamUserId('deepseek-proxy', sub))).toBe(1);
    // both workers took part in the race
    expect(workersThatServed(a, sub).size).toBe(2);
    // and the slot is free once the winner is done
    const r = await post(`${a.url}/v1/chat/completions`, token, chatBody());
    expect(r.status).toBe(200);
    await r.text();
  });

  it('20 concurrent requests on one token across two gateways sharing Redis: exactly 1 succeeds', async () => {
    const sub = 'cc-two-gw';
    const token = await a.mint({ sub });
    const t = await burst(Array.from({ length: 20 }, (_, i) => ({ url: i % 2 ? b.url : a.url, token })));
    expect(t.other).toEqual([]);
    expect(t.ok).toBe(1);
    expect(t.limited).toHaveLength(19);
    for (const l of t.limited) expect(l.retryAfter).toBe('1');
    expect(a.mock.peakConcurrency(upstreamUserId('deepseek-proxy', sub))).toBe(1);
    expect(workersThatServed(a, sub).size + workersThatServed(b, sub).size).toBeGreaterThanOrEqual(3);
  });

  it('20 different tokens (20 users) in parallel: all succeed, all reach the mock at once', async () => {
    const subs = Array.from({ length: 20 }, (_, i) => `cc-many-${i}`);
    const tokens = await Promise.all(subs.map((sub) => a.mint({ sub })));
    a.mock.reset(); // the overall peak counts from here
    const t = await burst(tokens.map((token, i) => ({ url: i % 2 ? b.url : a.url, token })));
    expect(t.other).toEqual([]);
    expect(t.limited).toEqual([]);
    expect(t.ok).toBe(20);
    for (const sub of subs) expect(a.mock.peakConcurrency(upstreamUserId('deepseek-proxy', sub))).toBe(1);
    expect(a.mock.peakConcurrency()).toBeGreaterThanOrEqual(15);
  });

  it('one user, 20 tokens: the lock is per token, not per user', async () => {
    const sub = 'cc-user-many-tokens';
    const tokens = await Promise.all(Array.from({ length: 20 }, () => a.mint({ sub })));
    const t = await burst(tokens.map((token) => ({ url: a.url, token })));
    expect(t.other).toEqual([]);
    expect(t.ok).toBe(20);
  });

  it('a token with dsp.concurrency 3 gets exactly 3 in flight', async () => {
    const sub = 'cc-three';
    const token = await a.mint({ sub, concurrency: 3 });
    const t = await burst(Array.from({ length: 12 }, (_, i) => ({ url: i % 2 ? b.url : a.url, token })));
    expect(t.other).toEqual([]);
    expect(t.ok).toBe(3);
    expect(t.limited).toHaveLength(9);
    expect(a.mock.peakConcurrency(upstreamUserId('deepseek-proxy', sub))).toBe(3);
  });
});
