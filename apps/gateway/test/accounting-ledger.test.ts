// 2,000 requests of every kind through a 2-worker gateway: the ledger holds exactly one row per
// gateway request id, and its token sums equal the mock's issued usage and the Redis counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './harness.js';
import { metric, scrape } from './util.js';
import {
  dayCounters,
  duplicates,
  ledgerRows,
  makeLanes,
  runLoad,
  summarise,
  sums,
  upstreamIds,
  waitLedger,
  type Lane,
  type LedgerRow,
  type Result,
} from './accounting-lib.js';

const N = 2000;
const CONCURRENCY = 32;
const USERS = 8;

describe('accounting: the ledger after 2,000 mixed requests', () => {
  let gw: Gateway;
  let lanes: Lane[];
  let results: Result[];
  let rows: LedgerRow[];
  let byId: Map<string, LedgerRow>;

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, config: { log: { level: 'info' } } });
    lanes = await makeLanes(gw, { users: USERS, lanes: CONCURRENCY, tag: 'led' });
    results = await runLoad(gw.url, { n: N, concurrency: CONCURRENCY, lanes, seed: 42 });
    const count = await waitLedger(gw.databaseUrl, N, 60_000);
    rows = await ledgerRows(gw.databaseUrl);
    byId = new Map(rows.map((r) => [r.request_id, r]));
    console.log('accounting-ledger:', JSON.stringify(summarise(results)), 'ledger rows', count);
  }, 240_000);

  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
  });

  it('every client got its answer (or aborted on purpose), with the gateway id in x-request-id', () => {
    const failed = results.filter((r) => r.error !== null);
    expect(failed.map((r) => `${r.i} ${r.kind}: ${r.error}`)).toEqual([]);
    for (const r of results) {
      if (r.kind === 'abort-early') continue;
      expect(r.rid, `request ${r.i} ${r.kind}`).toMatch(/^[0-9a-f-]{36}$/);
      if (r.kind !== 'abort-stream') expect(r.complete, `request ${r.i} ${r.kind} status ${r.status}`).toBe(true);
    }
    expect(duplicates(results.flatMap((r) => (r.rid ? [r.rid] : [])))).toEqual([]);
  });

  it('the ledger holds exactly one row per request: none missing, none doubled', () => {
    expect(rows.length).toBe(N);
    expect(byId.size).toBe(N);
    // the mock saw the gateway's own id of every request that reached it: all but, perhaps, a few
    // clients that left before their request was sent upstream
    const upstream = upstreamIds(gw);
    const early = results.filter((r) => r.kind === 'abort-early').length;
    expect(upstream.length).toBeGreaterThanOrEqual(N - early);
    expect(upstream.length).toBeLessThanOrEqual(N);
    expect(duplicates(upstream)).toEqual([]);
    expect(upstream.filter((id) => !byId.has(id))).toEqual([]);
    const missing = results.filter((r) => r.rid && !byId.has(r.rid)).map((r) => `${r.i} ${r.kind} ${r.rid}`);
    expect(missing).toEqual([]);
  });

  it('each row carries what happened: status, aborted flag and the exact usage', () => {
    const seen = new Set<string>();
    for (const r of results) {
      if (!r.rid) continue;
      const row = byId.get(r.rid)!;
      seen.add(r.rid);
      const what = `request ${r.i} ${r.kind}`;
      expect(row.user_id, what).toBe(r.user);
      switch (r.kind) {
        case 'json':
        case 'stream':
        case 'stream-usage':
          expect({ status: row.status, aborted: row.aborted, stream: row.stream }, what).toEqual({ status: 200, aborted: false, stream: r.kind !== 'json' });
          expect(
            {
              prompt: row.prompt_tokens,
              completion: row.completion_tokens,
              reasoning: row.reasoning_tokens,
              cacheHit: row.cache_hit_tokens,
              cacheMiss: row.cache_miss_tokens,
            },
            what,
          ).toEqual({ ...r.expected, cacheMiss: r.expected.prompt - r.expected.cacheHit });
          break;
        case 'abort-stream':
          expect({ status: row.status, aborted: row.aborted, tokens: row.prompt_tokens + row.completion_tokens }, what).toEqual({
            status: 499,
            aborted: true,
            tokens: 0,
          });
          break;
        case 'err500':
        case 'err500-stream':
        case 'err429': {
          const status = r.kind === 'err429' ? 429 : 500;
          expect(r.status, what).toBe(status);
          expect({ status: row.status, aborted: row.aborted, tokens: row.prompt_tokens + row.completion_tokens }, what).toEqual({
            status,
            aborted: false,
            tokens: 0,
          });
          break;
        }
        default:
          throw new Error(`${what} should have no id`);
      }
    }
    // the rest are the clients that left before any answer: recorded as aborted
    const early = results.filter((r) => r.kind === 'abort-early');
    const rest = rows.filter((r) => !seen.has(r.request_id));
    expect(rest.length).toBe(early.length);
    for (const row of rest)
      expect({ status: row.status, aborted: row.aborted, tokens: row.prompt_tokens + row.completion_tokens }).toEqual({
        status: 499,
        aborted: true,
        tokens: 0,
      });
  });

  it('a stream gets the usage chunk only when it asked for it', () => {
    for (const r of results) {
      if (r.kind === 'stream') expect(r.sawUsageChunk, `request ${r.i}`).toBe(false);
      if (r.kind === 'stream-usage') expect(r.sawUsageChunk, `request ${r.i}`).toBe(true);
    }
  });

  it("token sums: ledger = the mock's issued usage = the Redis day counters = what the clients were billed", async () => {
    const s = sums(rows);
    const issued = gw.mock.issuedUsage();
    const completed = results.filter((r) => r.status === 200 && r.complete);
    const want = completed.reduce(
      (a, r) => ({
        prompt: a.prompt + r.expected.prompt,
        completion: a.completion + r.expected.completion,
        reasoning: a.reasoning + r.expected.reasoning,
        cacheHit: a.cacheHit + r.expected.cacheHit,
      }),
      { prompt: 0, completion: 0, reasoning: 0, cacheHit: 0 },
    );
    expect(issued.requests).toBe(completed.length);
    expect({ prompt: s.prompt, completion: s.completion, total: s.total }).toEqual({
      prompt: issued.prompt_tokens,
      completion: issued.completion_tokens,
      total: issued.total_tokens,
    });
    expect({ prompt: s.prompt, completion: s.completion, reasoning: s.reasoning, cacheHit: s.cacheHit }).toEqual(want);
    expect(s.total).toBeGreaterThan(300_000);
    const users = [...new Set(lanes.map((l) => l.user))];
    const counters = await dayCounters(gw.redis, gw.prefix, users);
    expect(counters).toEqual({ tok: s.total, req: N });
    // per user too
    for (const u of users) {
      const mine = rows.filter((r) => r.user_id === u);
      expect(await dayCounters(gw.redis, gw.prefix, [u]), u).toEqual({ tok: sums(mine).total, req: mine.length });
    }
  });

  it('nothing was dropped or left pending', async () => {
    const m = await scrape(gw);
    expect(metric(m, 'dsp_usage_events_dropped_total')).toBe(0);
    expect(metric(m, 'dsp_usage_events_pending')).toBe(0);
  });
});
