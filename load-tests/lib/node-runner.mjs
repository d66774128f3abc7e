// The node fallback: the k6 scenarios (smoke, throughput, streaming, contention, quota) run with
// autocannon (throughput) and an undici-based closed-loop runner (the rest), feeding the same
// metric names the k6 scripts feed, judged by the same thresholds.json.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import autocannon from 'autocannon';
import { OUTCOME_COUNTERS, anthropicStreamProblem, chatBody, classify, fimBody, header, messagesBody, parseSse, record, streamProblem } from './checks.js';
import { Metrics } from './thresholds.mjs';

const JSON_HEADERS = { 'content-type': 'application/json' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function outcomeCounters(metrics) {
  return Object.fromEntries(OUTCOME_COUNTERS.map((n) => [n, metrics.counter(n)]));
}

/** One request; the body is read chunk by chunk to time the first chunk and the gaps. */
export async function send(pool, { method = 'POST', path, token, body, headers }) {
  const h = { ...(body ? JSON_HEADERS : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers };
  const t0 = performance.now();
  const out = { status: 0, headers: {}, body: '', ttfbMs: null, firstChunkMs: null, gaps: [], totalMs: 0, error: null };
  try {
    const res = await pool.request({ method, path, headers: h, body });
    out.ttfbMs = performance.now() - t0;
    out.status = res.statusCode;
    out.headers = res.headers;
    const parts = [];
    let last = 0;
    for await (const chunk of res.body) {
      const now = performance.now();
      if (out.firstChunkMs === null) out.firstChunkMs = now - t0;
      else out.gaps.push(now - last);
      last = now;
      parts.push(chunk);
    }
    out.body = Buffer.concat(parts).toString('utf8');
  } catch (e) {
    out.error = e;
  }
  out.totalMs = performance.now() - t0;
  return out;
}

/** `vus` loops calling fn(vu, iteration) until `durationMs` has passed or `iterations` each. */
async function runVus({ vus, durationMs, iterations }, fn) {
  const until = durationMs ? Date.now() + durationMs : Infinity;
  await Promise.all(
    Array.from({ length: vus }, async (_, vu) => {
      for (let i = 0; iterations === undefined || i < iterations; i++) {
        if (Date.now() >= until) return;
        await fn(vu, i);
      }
    }),
  );
}

function note(failures, what) {
  if (failures.length < 10) failures.push(what);
}

// ---- scenarios: each returns { metrics, durationSeconds, summary, failures } ----

export async function smoke({ baseUrl, tokens }) {
  const metrics = new Metrics();
  const counters = outcomeCounters(metrics);
  const checks = metrics.rate('checks');
  const incomplete = metrics.counter('incomplete_streams');
  const failures = [];
  const pool = new Pool(baseUrl, { connections: 4 });
  const t0 = Date.now();
  const check = (name, ok) => {
    checks.add(ok);
    if (!ok) note(failures, `check failed: ${name}`);
  };
  const token = tokens[0].token;
  const completion = (r, name) => {
    const c = classify(r.status, r.headers, r.body, []);
    record(counters, c.kind);
    if (c.kind !== 'ok_200') note(failures, `${name}: ${c.reason}`);
    metrics.trend('http_req_duration').add(r.totalMs);
    return c.kind === 'ok_200';
  };
  const json = (s) => {
    try {
      return JSON.parse(s);
    } catch {
      return null;
    }
  };
  try {
    let r = await send(pool, { path: '/v1/chat/completions', token, body: chatBody() });
    check('chat: 200 with a message and usage', completion(r, 'chat') && !!json(r.body)?.choices?.[0]?.message?.content && !!json(r.body)?.usage);
    check('chat: x-request-id', !!header(r.headers, 'x-request-id'));

    r = await send(pool, { path: '/chat/completions', token, body: chatBody({ stream: true }) });
    let sse = parseSse(r.body);
    incomplete.add(r.status === 200 && streamProblem(sse) ? 1 : 0);
    check(
      'stream: 200 text/event-stream, complete, usage chunk stripped',
      completion(r, 'stream') && String(header(r.headers, 'content-type')).startsWith('text/event-stream') && !streamProblem(sse) && sse.usageFrames === 0,
    );

    r = await send(pool, {
      path: '/v1/chat/completions',
      token,
      body: JSON.stringify({ ...JSON.parse(chatBody({ stream: true })), stream_options: { include_usage: true } }),
    });
    sse = parseSse(r.body);
    incomplete.add(r.status === 200 && streamProblem(sse) ? 1 : 0);
    check('stream with include_usage: one usage chunk', completion(r, 'stream+usage') && !streamProblem(sse) && sse.usageFrames === 1);

    r = await send(pool, { path: '/beta/completions', token, body: fimBody() });
    check('fim: 200 with choices[0].text', completion(r, 'fim') && typeof json(r.body)?.choices?.[0]?.text === 'string');

    const apiKey = { 'x-api-key': token, 'anthropic-version': '2023-06-01' };
    r = await send(pool, { path: '/anthropic/v1/messages', headers: apiKey, body: messagesBody() });
    const m = json(r.body);
    check(
      'messages (x-api-key): 200 with text content and usage',
      completion(r, 'messages') && m?.type === 'message' && typeof m?.content?.[0]?.text === 'string' && !!m?.usage,
    );
    r = await send(pool, { path: '/anthropic/v1/messages', headers: apiKey, body: messagesBody({ stream: true }) });
    check('messages stream: message_start … message_stop', completion(r, 'messages stream') && anthropicStreamProblem(r.body) === null);
    r = await send(pool, { path: '/anthropic/v1/messages/count_tokens', headers: apiKey, body: messagesBody() });
    check('count_tokens: 404 in the Anthropic error shape', r.status === 404 && json(r.body)?.error?.type === 'not_found_error');

    for (const path of ['/models', '/v1/models']) {
      r = await send(pool, { method: 'GET', path, token });
      check(`${path}: 200 with deepseek-chat`, completion(r, path) && !!json(r.body)?.data?.some?.((m) => m.id === 'deepseek-chat'));
    }
    r = await send(pool, { method: 'GET', path: '/healthz' });
    check('healthz: 200', completion(r, 'healthz'));

    for (const [name, tok] of [
      ['invalid token', 'not-a-jwt.at.all'],
      ['missing token', null],
    ]) {
      r = await send(pool, { path: '/v1/chat/completions', token: tok, body: chatBody() });
      if (r.status >= 500 || r.status === 0) record(counters, classify(r.status, r.headers, r.body, []).kind);
      check(`${name}: 401 invalid_token`, r.status === 401 && json(r.body)?.error?.code === 'invalid_token');
    }
  } finally {
    await pool.close();
  }
  return { metrics, durationSeconds: (Date.now() - t0) / 1000, failures, summary: `${checks.passes + checks.fails} checks` };
}

/** Non-stream at a constant rate, many tokens (autocannon: one token per connection). */
export async function throughput({ baseUrl, tokens, connections = 64, seconds = 5, rate = 0 }) {
  const metrics = new Metrics();
  const counters = outcomeCounters(metrics);
  const duration = metrics.trend('http_req_duration');
  const failures = [];
  const conns = Math.min(connections, tokens.length);
  let next = 0;
  const body = chatBody();
  const instance = autocannon({
    url: baseUrl,
    connections: conns,
    duration: seconds,
    ...(rate > 0 ? { overallRate: rate } : {}),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/v1/chat/completions',
        body,
        onResponse: (status, resBody, _ctx, headers) => {
          const c = classify(status, headers, resBody, []);
          record(counters, c.kind);
          if (c.kind !== 'ok_200') note(failures, c.reason);
        },
      },
    ],
    setupClient(client) {
      const t = tokens[next++ % tokens.length].token;
      client.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${t}` });
    },
  });
  instance.on('response', (_client, _status, _bytes, ms) => duration.add(ms));
  const result = await instance;
  const transport = metrics.counter('transport_errors');
  transport.add(result.errors + result.timeouts);
  if (result.errors + result.timeouts > 0) note(failures, `${result.errors} connection errors, ${result.timeouts} timeouts`);
  return {
    metrics,
    durationSeconds: seconds,
    failures,
    summary: `${result.requests.total} requests, ${Math.round(result.requests.average)} req/s over ${conns} connections${rate ? ` (rate ${rate}/s)` : ''}`,
    result,
  };
}

/** SSE: time to the first chunk, gaps between chunks, completeness. */
export async function streaming({ baseUrl, tokens, vus = 16, seconds = 5, chunkDelayMs = 20, chunks = 8 }) {
  const metrics = new Metrics();
  const counters = outcomeCounters(metrics);
  const incomplete = metrics.counter('incomplete_streams');
  const first = metrics.trend('stream_first_chunk');
  const gaps = metrics.trend('chunk_gap_ms');
  const duration = metrics.trend('http_req_duration');
  const failures = [];
  const n = Math.min(vus, tokens.length);
  const pool = new Pool(baseUrl, { connections: n });
  const body = chatBody({ stream: true, mock: chunkDelayMs > 0 ? { chunkDelayMs, chunks } : null });
  const t0 = Date.now();
  let streams = 0;
  try {
    await runVus({ vus: n, durationMs: seconds * 1000 }, async (vu) => {
      const r = await send(pool, { path: '/v1/chat/completions', token: tokens[vu].token, body });
      const c = classify(r.status, r.headers, r.body, []);
      record(counters, c.kind);
      if (c.kind !== 'ok_200') return note(failures, c.reason || String(r.error?.message));
      streams++;
      const problem = streamProblem(parseSse(r.body));
      incomplete.add(problem ? 1 : 0);
      if (problem) note(failures, `incomplete stream: ${problem}`);
      duration.add(r.totalMs);
      if (r.firstChunkMs !== null) first.add(r.firstChunkMs);
      for (const g of r.gaps) gaps.add(g);
    });
  } finally {
    await pool.close();
  }
  return {
    metrics,
    durationSeconds: (Date.now() - t0) / 1000,
    failures,
    summary: `${streams} streams over ${n} connections, mock chunk delay ${chunkDelayMs} ms`,
  };
}

/** Many virtual users, few tokens: every non-200 must be a proper concurrency 429. */
export async function contention({ baseUrl, tokens, vus = 24, sharedTokens = 3, seconds = 5, chunkDelayMs = 5 }) {
  const metrics = new Metrics();
  const counters = outcomeCounters(metrics);
  const incomplete = metrics.counter('incomplete_streams');
  const failures = [];
  const shared = tokens.slice(0, sharedTokens);
  const pool = new Pool(baseUrl, { connections: vus });
  const body = chatBody({ stream: true, mock: chunkDelayMs > 0 ? { chunkDelayMs } : null });
  const t0 = Date.now();
  try {
    await runVus({ vus, durationMs: seconds * 1000 }, async (vu) => {
      const r = await send(pool, { path: '/v1/chat/completions', token: shared[vu % shared.length].token, body });
      const c = classify(r.status, r.headers, r.body, ['concurrency']);
      record(counters, c.kind);
      if (c.kind === 'ok_200') {
        const problem = streamProblem(parseSse(r.body));
        incomplete.add(problem ? 1 : 0);
        if (problem) note(failures, `incomplete stream: ${problem}`);
      } else if (c.kind === 'concurrency_429') {
        await sleep(10);
      } else note(failures, c.reason || String(r.error?.message));
    });
  } finally {
    await pool.close();
  }
  const ok = metrics.counter('ok_200').count;
  const refused = metrics.counter('concurrency_429').count;
  return {
    metrics,
    durationSeconds: (Date.now() - t0) / 1000,
    failures,
    summary: `${vus} virtual users on ${shared.length} tokens: ${ok} × 200, ${refused} × 429 concurrency_limit_exceeded`,
  };
}

/** Users with a daily request quota of `quota`, each sending quota + extra requests. */
export async function quota({ baseUrl, tokens, quota: limit, extra = 2 }) {
  const metrics = new Metrics();
  const counters = outcomeCounters(metrics);
  const overQuota = metrics.counter('over_quota_200');
  const failures = [];
  const pool = new Pool(baseUrl, { connections: Math.min(tokens.length, 32) });
  const body = chatBody();
  const t0 = Date.now();
  try {
    await runVus({ vus: tokens.length, iterations: 1 }, async (vu) => {
      let ok = 0;
      let refused = false;
      for (let i = 0; i < limit + extra; i++) {
        const r = await send(pool, { path: '/v1/chat/completions', token: tokens[vu].token, body });
        const c = classify(r.status, r.headers, r.body, ['quota']);
        record(counters, c.kind);
        if (c.kind === 'ok_200') {
          ok++;
          const over = refused || ok > limit;
          overQuota.add(over ? 1 : 0);
          if (over) note(failures, `user ${tokens[vu].sub}: 200 beyond its quota of ${limit}`);
        } else if (c.kind === 'quota_429') refused = true;
        else note(failures, c.reason || String(r.error?.message));
      }
    });
  } finally {
    await pool.close();
  }
  return {
    metrics,
    durationSeconds: (Date.now() - t0) / 1000,
    failures,
    summary: `${tokens.length} users × ${limit + extra} requests, daily quota ${limit}: ${metrics.counter('ok_200').count} × 200, ${metrics.counter('quota_429').count} × 429 quota_exceeded`,
  };
}
