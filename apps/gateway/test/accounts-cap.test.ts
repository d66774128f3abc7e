// The per-account cap holds across workers and across two gateway hosts on one Redis: under 50
// concurrent slow requests the mock never sees more than max_concurrency in flight on a key. One
// host waits for a slot (limits.upstream_wait_ms), the other answers 429 upstream_capacity at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { besides, startGateway, waitFor, type Gateway } from './harness.js';
import { complete, deepseekWith } from './accounts-lib.js';
import { metric, scrape } from './util.js';

const A = 'sk-capa-0000000000000001';
const B = 'sk-capb-0000000000000002';
const SLOW = { chunks: 6, chunkDelayMs: 40 };

/** Two gateway hosts on one Redis and one mock (its keys capped as given); the first waits up to `firstWaitMs` for a slot, the second never. */
async function twoHosts(
  workers: number,
  deepseek: Record<string, unknown>,
  mockKeys: Record<string, { maxConcurrency: number }>,
  firstWaitMs: number,
): Promise<[Gateway, Gateway]> {
  const first = await startGateway({
    workers,
    recorder: false,
    mockOptions: { keys: mockKeys },
    config: { deepseek, limits: { upstream_wait_ms: firstWaitMs } },
  });
  const second = await startGateway({ workers, recorder: false, ...besides(first), config: { deepseek, limits: { upstream_wait_ms: 0 } } });
  return [first, second];
}

describe('cluster-wide account caps', () => {
  let waits: Gateway;
  let refuses: Gateway;

  beforeAll(async () => {
    const accounts = deepseekWith([
      { name: 'a', api_key: A, max_concurrency: 3 },
      { name: 'b', api_key: B, max_concurrency: 2 },
    ]);
    // the mock answers 429 past these caps, as DeepSeek would: a gateway that honours them never sees one
    [waits, refuses] = await twoHosts(2, accounts, { [A]: { maxConcurrency: 3 }, [B]: { maxConcurrency: 2 } }, 20_000);
  }, 200_000);
  afterAll(async () => {
    expect(await refuses.stop()).toBe(0);
    expect(await waits.stop()).toBe(0);
  });

  it('never exceeds a key cap under 50 concurrent slow requests from two hosts', async () => {
    const jobs = Array.from({ length: 50 }, async (_, i) => {
      const gw = i % 2 === 0 ? waits : refuses;
      const token = await gw.mint({ sub: `cap-${i}` });
      return { host: gw === waits ? 'waits' : 'refuses', ...(await complete(gw.url, token, { stream: i % 3 !== 0, mock: SLOW })) };
    });
    const answers = await Promise.all(jobs);
    expect(waits.mock.keyStats(A)).toMatchObject({ overCap: 0 });
    expect(waits.mock.keyStats(B)).toMatchObject({ overCap: 0 });
    expect(waits.mock.keyStats(A).peak).toBeLessThanOrEqual(3);
    expect(waits.mock.keyStats(B).peak).toBeLessThanOrEqual(2);
    // both accounts were used to their cap
    expect(waits.mock.keyStats(A).peak).toBe(3);
    expect(waits.mock.keyStats(B).peak).toBe(2);

    const fromWaiting = answers.filter((a) => a.host === 'waits');
    expect(fromWaiting.map((a) => a.status)).toEqual(fromWaiting.map(() => 200));
    const fromRefusing = answers.filter((a) => a.host === 'refuses');
    const refused = fromRefusing.filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect([r.status, r.code, r.retryAfter]).toEqual([429, 'upstream_capacity', '1']);
    // a scrape leaves out a worker that does not answer within a second (a loaded host): ask until both have
    await waitFor(async () => metric(await scrape(refuses), 'dsp_upstream_capacity_rejected_total') === refused.length, 15_000);
  });

  it('leaves no slot behind once everything finished', async () => {
    const held = await waits.redis.zcard(`${waits.prefix}{acct}:lease:a`);
    expect(held).toBe(0);
    expect(await waits.redis.zcard(`${waits.prefix}{acct}:lease:b`)).toBe(0);
  });
});

// A worker admits on its own guess (weight × the free room it last saw) and the admission script
// checks that one account alone; a guess the script refuses falls back, in the same admission, to
// the pick among every account by the exact counts.
describe("a worker's guess that another host filled", () => {
  const BIG = 'sk-guess-big-000000000001';
  const SMALL = 'sk-guess-small-0000000002';
  let first: Gateway;
  let second: Gateway;

  beforeAll(async () => {
    const accounts = deepseekWith([
      { name: 'big', api_key: BIG, max_concurrency: 1, weight: 1000 },
      { name: 'small', api_key: SMALL, max_concurrency: 5, weight: 0.001 },
    ]);
    [first, second] = await twoHosts(1, accounts, { [BIG]: { maxConcurrency: 1 } }, 0);
  }, 200_000);
  afterAll(async () => {
    expect(await second.stop()).toBe(0);
    expect(await first.stop()).toBe(0);
  });

  it('is refused by the script and served on the account with room: 200, not 429, and the cap holds', async () => {
    const slow = complete(first.url, await first.mint({ sub: 'guess-1' }), { stream: true, mock: { chunks: 20, chunkDelayMs: 100 } });
    await waitFor(() => first.mock.keyStats(BIG).inFlight === 1, 10_000);
    // the second host has never seen 'big' full: its guess is 'big' (weight 1000 against 0.001)
    const token = await second.mint({ sub: 'guess-2' });
    for (let i = 0; i < 3; i++) expect((await complete(second.url, token)).status).toBe(200);
    expect(first.mock.keyStats(SMALL).requests).toBe(3);
    expect(first.mock.keyStats(BIG)).toMatchObject({ requests: 1, overCap: 0 });
    expect((await slow).done).toBe(true);
    // 'big' is free again: after at most a second the second host's guesses go back to it
    const until = Date.now() + 5000;
    while (first.mock.keyStats(BIG).requests < 2 && Date.now() < until) expect((await complete(second.url, token)).status).toBe(200);
    expect(first.mock.keyStats(BIG).requests).toBe(2);
  });
});
