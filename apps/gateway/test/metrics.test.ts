// Observability (issue 5): one scrape of the primary's /metrics shows exactly the traffic sent,
// summed over the workers; the pool truth (reuse, connect time only for new connections, active
// and idle gauges) is measured at its source; and the logs carry the seed's lines but no secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { upstreamUserId } from '@dsp/core';
import { startGateway, waitFor, type Gateway } from './harness.js';
import { logLines, metric, parseMetrics, post, rawPost, rawRequest, scrape, userKey, type Sample } from './util.js';

const ROUTE = '/v1/chat/completions';
/** message content that must never reach a log line */
const SECRET_TEXT = `purple-elephant-${Math.random().toString(36).slice(2)}`;
const body = (o: Record<string, unknown> = {}) => JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: SECRET_TEXT }], ...o });

describe('metrics and logs', () => {
  let two: Gateway;
  let one: Gateway;
  const tokens: string[] = [];
  const mint = async (gw: Gateway, o: Parameters<Gateway['mint']>[0]) => {
    const t = await gw.mint(o);
    tokens.push(t);
    return t;
  };
  /** A request over its own connection, so the kernel spreads them over the workers. */
  const fresh = async (gw: Gateway, token: string, o: Record<string, unknown> = {}) =>
    rawRequest(gw.port, rawPost(ROUTE, token, body(o), ['connection: close']), 10_000);

  beforeAll(async () => {
    [two, one] = await Promise.all([startGateway({ workers: 2, recorder: false }), startGateway({ workers: 1, recorder: false })]);
  });
  afterAll(async () => {
    expect(await Promise.all([two.stop(), one.stop()])).toEqual([0, 0]);
  });

  it('a known mix through a 2-worker gateway: exact counts, summed over both workers, histograms agree', async () => {
    const N = 6; // ok non-stream (the concurrency holder and the quota user's first request included)
    const M = 4; // ok stream
    const K = 5; // concurrency 429
    const Q = 3; // quota 429
    const s0 = await scrape(two);
    expect(metric(s0, 'dsp_requests_total')).toBe(0);

    // the concurrency holder and K refusals
    const holderToken = await mint(two, { sub: 'mx-holder' });
    const holder = fresh(two, holderToken, { mock: { firstByteDelayMs: 800 } });
    await waitFor(() => two.mock.received.some((q) => q.userId === upstreamUserId('deepseek-proxy', 'mx-holder')), 5000);
    const refused = await Promise.all(Array.from({ length: K }, () => fresh(two, holderToken)));
    expect(refused.map((r) => r.status)).toEqual(Array(K).fill(429));
    expect((await holder).status).toBe(200);

    // a user with a daily quota of one request, then Q refusals
    await two.redis.hset(userKey(two, 'mx-quota'), 'daily_requests', '1');
    const quotaToken = await mint(two, { sub: 'mx-quota' });
    expect((await fresh(two, quotaToken)).status).toBe(200);
    for (let i = 0; i < Q; i++) {
      const r = await fresh(two, quotaToken);
      expect(r.status).toBe(429);
      expect(JSON.parse(r.body.toString()).error.code).toBe('quota_exceeded');
    }

    // the rest of the ok requests, on tokens of their own
    for (let i = 0; i < N - 2; i++) expect((await fresh(two, await mint(two, { sub: `mx-ok-${i}` }))).status).toBe(200);
    for (let i = 0; i < M; i++) {
      const r = await fresh(two, await mint(two, { sub: `mx-stream-${i}` }), { stream: true });
      expect(r.status).toBe(200);
      expect(r.body.toString()).toContain('data: [DONE]');
    }

    // and the models route: two lists, one refusal
    for (const authorization of [`Bearer ${holderToken}`, `Bearer ${quotaToken}`, 'Bearer nope']) {
      const r = await rawRequest(two.port, `GET /v1/models HTTP/1.1\r\nhost: x\r\nauthorization: ${authorization}\r\nconnection: close\r\n\r\n`);
      expect(r.status).toBe(authorization === 'Bearer nope' ? 401 : 200);
    }

    const s = await scrape(two);
    const models = { route: '/v1/models' };
    expect(metric(s, 'dsp_requests_total', { ...models, status: '200' })).toBe(2);
    expect(metric(s, 'dsp_requests_total', { ...models, status: '401' })).toBe(1);
    expect(metric(s, 'dsp_request_duration_seconds_count', { ...models, status: '200' })).toBe(2);
    expect(metric(s, 'dsp_request_duration_seconds_count', { ...models, status: '401' })).toBe(1);
    const ok = { route: ROUTE, status: '200' };
    const limited = { route: ROUTE, status: '429' };
    expect(metric(s, 'dsp_requests_total', ok)).toBe(N + M);
    expect(metric(s, 'dsp_requests_total', limited)).toBe(K + Q);
    expect(metric(s, 'dsp_requests_total', { route: ROUTE })).toBe(N + M + K + Q);
    expect(metric(s, 'dsp_requests_blocked_total', { reason: 'concurrency' })).toBe(K);
    expect(metric(s, 'dsp_requests_blocked_total', { reason: 'quota' })).toBe(Q);
    expect(metric(s, 'dsp_request_duration_seconds_count', ok)).toBe(N + M);
    expect(metric(s, 'dsp_request_duration_seconds_count', limited)).toBe(K + Q);
    expect(metric(s, 'dsp_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(N + M);
    expect(metric(s, 'dsp_request_duration_seconds_sum', ok)).toBeGreaterThan(0.8); // the holder alone waited 0.8 s
    expect(metric(s, 'dsp_upstream_requests_total')).toBe(N + M);
    expect(metric(s, 'dsp_upstream_first_byte_duration_seconds_count')).toBe(N + M);
    expect(metric(s, 'dsp_quota_usage_ratio_count')).toBe(N + M);
    expect(metric(s, 'dsp_token_concurrent_requests')).toBe(0);
    // tokens: what the mock issued, by kind
    const issued = two.mock.issuedUsage();
    expect(metric(s, 'dsp_usage_tokens_total', { kind: 'prompt' })).toBe(issued.prompt_tokens);
    expect(metric(s, 'dsp_usage_tokens_total', { kind: 'completion' })).toBe(issued.completion_tokens);

    // both workers answered part of the mix, so the scrape really is a sum
    const perWorker = new Map<unknown, number>();
    for (const l of logLines(two)) if (l.msg === 'request' && l.route === ROUTE) perWorker.set(l.pid, (perWorker.get(l.pid) ?? 0) + 1);
    expect(perWorker.size).toBe(2);
    expect([...perWorker.values()].reduce((a, b) => a + b, 0)).toBe(N + M + K + Q);
    console.log(`mix per worker: ${[...perWorker.values()].join(' + ')}`);
  });

  it('1,000 sequential keep-alive requests: reuse ratio > 0.99, no new upstream connection, connect time not observed for reuse', async () => {
    const token = await mint(one, { sub: 'seq' });
    const warm = await post(`${one.url}${ROUTE}`, token, body());
    expect(warm.status).toBe(200);
    await warm.text();
    const s0 = await scrape(one);
    const client = new Pool(one.url, { connections: 1, pipelining: 1 });
    try {
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        const r = await client.request({
          path: ROUTE,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body(),
        });
        const text = await r.body.text();
        if (r.statusCode !== 200) throw new Error(`request ${i}: ${r.statusCode} ${text}`);
      }
      console.log(`1000 sequential requests through the gateway: ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      await client.close();
    }
    const s1 = await scrape(one);
    const d = (name: string) => metric(s1, name) - metric(s0, name);
    expect(d('dsp_upstream_requests_total')).toBe(1000);
    expect(d('dsp_upstream_connections_opened_total')).toBe(0);
    expect(d('dsp_upstream_connect_duration_seconds_count')).toBe(0);
    expect(d('dsp_upstream_first_byte_duration_seconds_count')).toBe(1000);
    expect(metric(s1, 'dsp_connection_reuse_ratio')).toBeGreaterThan(0.99);
    expect(metric(s1, 'dsp_upstream_connections_opened_total')).toBeLessThanOrEqual(20); // pool_max_idle_per_host × 1 worker
    expect(metric(s1, 'dsp_upstream_connect_duration_seconds_count')).toBe(metric(s1, 'dsp_upstream_connections_opened_total'));
    // the 2-worker gateway too: opened at most pool_max_idle_per_host per worker
    const s2 = await scrape(two);
    expect(metric(s2, 'dsp_upstream_connections_opened_total')).toBeLessThanOrEqual(2 * 20);
  });

  it('pool gauges move: 5 slow streams → 5 active, then 5 idle; new connections have their connect time observed', async () => {
    const s0 = await scrape(one);
    const idleBefore = metric(s0, 'dsp_pool_idle_connections');
    expect(metric(s0, 'dsp_pool_active_connections')).toBe(0);
    const streams = await Promise.all(
      Array.from({ length: 5 }, async (_, i) =>
        post(`${one.url}${ROUTE}`, await mint(one, { sub: `pool-${i}` }), body({ stream: true, mock: { chunks: 15, chunkDelayMs: 100 } })),
      ),
    );
    expect(streams.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await waitFor(() => one.mock.inFlight() === 5, 2000);
    const during = await scrape(one);
    expect(metric(during, 'dsp_pool_active_connections')).toBe(5);
    expect(metric(during, 'dsp_pool_total_connections')).toBe(5);
    expect(metric(during, 'dsp_token_concurrent_requests')).toBe(5);
    // the idle connection(s) were reused, the rest opened fresh, each connect observed once
    const opened = metric(during, 'dsp_upstream_connections_opened_total') - metric(s0, 'dsp_upstream_connections_opened_total');
    expect(opened).toBe(5 - idleBefore);
    expect(metric(during, 'dsp_upstream_connect_duration_seconds_count') - metric(s0, 'dsp_upstream_connect_duration_seconds_count')).toBe(opened);
    expect(metric(during, 'dsp_upstream_connect_duration_seconds_sum') - metric(s0, 'dsp_upstream_connect_duration_seconds_sum')).toBeGreaterThan(0);
    for (const r of streams) expect(await r.text()).toContain('data: [DONE]');
    await waitFor(async () => metric(await scrape(one), 'dsp_token_concurrent_requests') === 0, 2000);
    const after = await scrape(one);
    expect(metric(after, 'dsp_pool_active_connections')).toBe(0);
    expect(metric(after, 'dsp_pool_idle_connections')).toBe(5);
    expect(metric(after, 'dsp_pool_total_connections')).toBe(5);
  });

  it('the per-request debug line: total, connect (0 when reused), first byte, request id, user', async () => {
    const lines = logLines(one).filter((l) => l.msg === 'request' && typeof l.user === 'string' && (l.user as string).startsWith('pool-'));
    expect(lines).toHaveLength(5);
    for (const l of lines) {
      expect(l.level).toBe(20);
      expect(l.rid).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof l.total_ms).toBe('number');
      expect(typeof l.first_byte_ms).toBe('number');
      expect(typeof l.connect_ms, JSON.stringify(l)).toBe('number');
    }
    // the 1000 sequential requests all reused the one connection
    const seq = logLines(one).filter((l) => l.msg === 'request' && l.user === 'seq');
    expect(seq.length).toBe(1001);
    expect(seq.slice(1).every((l) => l.connect_ms === 0)).toBe(true);
    // of the 5 streams, those on new connections show a connect time
    expect(lines.filter((l) => (l.connect_ms as number) > 0).length).toBeGreaterThanOrEqual(4);
  });

  it('scrape cost, default process metrics per worker, build info', async () => {
    for (const [name, gw] of [
      ['2 workers', two],
      ['1 worker', one],
    ] as const) {
      const times: number[] = [];
      let text = '';
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const r = await fetch(gw.metricsUrl);
        text = await r.text();
        times.push(performance.now() - t0);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toContain('text/plain');
      }
      times.sort((a, b) => a - b);
      console.log(
        `/metrics scrape (${name}): median ${times[5]!.toFixed(1)} ms, max ${times[9]!.toFixed(1)} ms, ${text.length} bytes, ${text.split('\n').length} lines`,
      );
    }
    const s: Sample[] = parseMetrics(await (await fetch(two.metricsUrl)).text());
    const workers = new Set(s.filter((x) => x.name === 'process_resident_memory_bytes').map((x) => x.labels.worker));
    expect(workers).toEqual(new Set(['0', '1']));
    for (const name of ['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(
        s
          .filter((x) => x.name === name)
          .map((x) => x.labels.worker)
          .sort(),
        name,
      ).toEqual(['0', '1']);
    }
    const build = s.filter((x) => x.name === 'dsp_build_info');
    expect(build).toHaveLength(1);
    expect(build[0]!.value).toBe(1);
    expect(build[0]!.labels.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(build[0]!.labels.node).toBe(process.version);
    // every metric of the contract (docs/ARCHITECTURE.md "Metrics") is exposed
    const names = new Set(s.map((x) => x.name.replace(/_(bucket|sum|count)$/, '')));
    for (const name of [
      'dsp_pool_active_connections',
      'dsp_pool_idle_connections',
      'dsp_pool_total_connections',
      'dsp_upstream_requests_total',
      'dsp_upstream_connections_opened_total',
      'dsp_connection_reuse_ratio',
      'dsp_request_duration_seconds',
      'dsp_upstream_connect_duration_seconds',
      'dsp_upstream_first_byte_duration_seconds',
      'dsp_token_concurrent_requests',
      'dsp_requests_blocked_total',
      'dsp_quota_usage_ratio',
      'dsp_requests_total',
      'dsp_usage_tokens_total',
      'dsp_usage_events_pending',
      'dsp_usage_events_dropped_total',
    ])
      expect(names.has(name), name).toBe(true);
    // no user or token id as a label anywhere
    const labelValues = s.flatMap((x) => Object.values(x.labels));
    expect(labelValues.some((v) => v.startsWith('mx-') || v.startsWith('pool-') || v === 'seq')).toBe(false);
  });

  it('logs: the 429 warnings name the user; no JWT, upstream key or message content appears', () => {
    const lines = logLines(two);
    const warn = lines.filter((l) => l.level === 40);
    expect(warn.some((l) => l.msg === '429 concurrency limit' && l.user === 'mx-holder' && l.reason === 'concurrency')).toBe(true);
    expect(warn.some((l) => l.msg === '429 quota exceeded' && l.user === 'mx-quota' && l.reason === 'quota')).toBe(true);
    // 5 + 3 refusals, but at most one line per token per second (the limiter's own test is in
    // hardening.test.ts): one line per token at least, never more than one per refusal
    const lines429 = warn.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('429')).length;
    expect(lines429).toBeGreaterThanOrEqual(2);
    expect(lines429).toBeLessThanOrEqual(5 + 3);
    const all = [...two.logs, ...one.logs].join('\n');
    expect(tokens.length).toBeGreaterThan(10);
    for (const t of tokens) {
      expect(all.includes(t)).toBe(false);
      expect(all.includes(t.split('.')[2]!)).toBe(false); // not even the signature part
    }
    expect(all).not.toContain('sk-upstream-secret-key');
    expect(all).not.toContain(SECRET_TEXT);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/); // no JWT of any kind
  });
});
