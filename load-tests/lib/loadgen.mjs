// Load generation for the benchmark (bench/run.mjs): autocannon with exact sub-millisecond
// percentiles (every response time is kept, not autocannon's integer-ms histogram), one token per
// connection, and an undici runner for the time to the first streamed chunk.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import autocannon from 'autocannon';
import { percentile } from './thresholds.mjs';

/**
 * Closed-loop (or, with `rate`, paced) load on one URL. `tokens`: one Authorization per
 * connection, rotated over the list. `reconnectRate: 1` opens a new connection per request (like
 * ab without -k). Returns req/s and latency percentiles in ms.
 */
export async function hammer({
  url,
  path = '/v1/chat/completions',
  method = 'POST',
  body,
  connections,
  seconds,
  amount,
  rate,
  reconnectRate,
  tokens,
  headers = {},
}) {
  const times = [];
  const statuses = {};
  let next = 0;
  const started = performance.now();
  const instance = autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    ...(rate ? { overallRate: rate } : {}),
    ...(reconnectRate ? { reconnectRate } : {}),
    timeout: 30,
    requests: [{ method, path, ...(body ? { body } : {}) }],
    setupClient(client) {
      const h = { ...(body ? { 'content-type': 'application/json' } : {}), ...headers };
      if (tokens?.length) h.authorization = `Bearer ${tokens[next++ % tokens.length]}`;
      client.setHeaders(h);
    },
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    times.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const r = await instance;
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const ok = statuses[200] ?? 0;
  return {
    requests: times.length,
    ok,
    rps: times.length / (amount ? elapsed : seconds),
    okRps: ok / (amount ? elapsed : seconds),
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    max: times[times.length - 1] ?? NaN,
    mean: times.reduce((s, x) => s + x, 0) / Math.max(1, times.length),
    statuses,
    errors: r.errors,
    timeouts: r.timeouts,
    elapsed,
  };
}

/** Time to the first body chunk of SSE streams, `connections` concurrent loops for `seconds`. */
export async function firstChunk({ url, path = '/v1/chat/completions', body, connections, seconds, tokens }) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const first = [];
  const totals = [];
  let failures = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const headers = { 'content-type': 'application/json', ...(tokens?.length ? { authorization: `Bearer ${tokens[i % tokens.length]}` } : {}) };
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const res = await pool.request({ method: 'POST', path, headers, body });
          let seen = false;
          for await (const chunk of res.body) {
            if (!seen && chunk.length) {
              first.push(performance.now() - t0);
              seen = true;
            }
          }
          if (res.statusCode !== 200) failures++;
          totals.push(performance.now() - t0);
        } catch {
          failures++;
        }
      }
    }),
  );
  await pool.close();
  first.sort((a, b) => a - b);
  totals.sort((a, b) => a - b);
  return { streams: totals.length, failures, p50: percentile(first, 50), p99: percentile(first, 99), totalP50: percentile(totals, 50) };
}

/**
 * `amount` requests over `connections` concurrent loops, each on a fresh connection (undici
 * `reset: true`), like ab without -k. Returns req/s and exact percentiles in ms.
 */
export async function oneShots({ url, path = '/v1/chat/completions', body, connections, amount, token }) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const times = [];
  const statuses = {};
  let errors = 0;
  let left = amount;
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (left-- > 0) {
        const s = performance.now();
        try {
          const res = await pool.request({ method: 'POST', path, headers, body, reset: true });
          await res.body.dump();
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          times.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    ok: statuses[200] ?? 0,
    rps: times.length / elapsed,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    statuses,
    errors,
    elapsed,
  };
}
