// Passthrough: what the client gets is what the mock sent (JSON and SSE, byte for byte modulo ids
// and timestamps), streamed as it is produced; what the mock gets is the client's body plus the
// gateway's own additions, with only allow-listed headers and the upstream key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamUserId } from '@dsp/core';
import { chatBody, startGateway, type Gateway } from './harness.js';
import { dayKey, normalise, post, rawPost, rawRequest } from './util.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UPSTREAM_KEY = 'sk-upstream-secret-key';

describe('passthrough', () => {
  let gw: Gateway;
  const chat = () => `${gw.url}/v1/chat/completions`;
  const direct = (path: string, body: string) => fetch(`${gw.mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  /** the mock's record of the request the gateway sent for this response */
  const upstreamOf = (r: Response) => {
    const rid = r.headers.get('x-request-id');
    const seen = gw.mock.received.filter((q) => q.requestId === rid);
    expect(seen, `mock requests with x-request-id ${rid}`).toHaveLength(1);
    return seen[0]!;
  };

  beforeAll(async () => {
    gw = await startGateway({ workers: 2 });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('non-stream: the JSON the mock sent, unchanged', async () => {
    const token = await gw.mint({ sub: 'pt-json' });
    const body = chatBody({ temperature: 0.3, mock: { chunks: 5 } });
    const r = await post(chat(), token, body);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const got = await r.text();
    const want = await (await direct('/chat/completions', body)).text();
    expect(normalise(got)).toBe(normalise(want));
    // the client's other fields reach the mock untouched; no stream_options for a non-stream call
    const up = upstreamOf(r).body;
    expect(up.temperature).toBe(0.3);
    expect(up.stream_options).toBeUndefined();
    expect(up.messages).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('/chat/completions (without /v1) is the same route', async () => {
    const token = await gw.mint({ sub: 'pt-nov1' });
    const r = await post(`${gw.url}/chat/completions`, token, chatBody());
    expect(r.status).toBe(200);
    expect(((await r.json()) as { object: string }).object).toBe('chat.completion');
  });

  it("stream without include_usage: the mock's SSE bytes, keep-alive comments included, no usage chunk, still charged", async () => {
    const sub = 'pt-sse-nousage';
    const token = await gw.mint({ sub });
    const mock = { chunks: 6, keepAliveLines: 3, keepAliveIntervalMs: 5 };
    const body = chatBody({ stream: true, mock });
    const before = gw.mock.issuedUsage().total_tokens;
    const r = await post(chat(), token, body);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    const got = await r.text();
    const charged = gw.mock.issuedUsage().total_tokens - before;
    expect(charged).toBeGreaterThan(0);
    // the mock answers the same body without include_usage with exactly what the client must see
    const want = await (await direct('/chat/completions', body)).text();
    expect(normalise(got)).toBe(normalise(want));
    expect(got.startsWith(': keep-alive\n\n: keep-alive\n\n: keep-alive\n\ndata: ')).toBe(true);
    expect(got).not.toContain('"usage"');
    expect(got.endsWith('data: [DONE]\n\n')).toBe(true);
    // upstream was asked for the usage chunk anyway, and the tokens were charged from it
    const up = upstreamOf(r).body;
    expect(up.stream_options).toEqual({ include_usage: true });
    expect(Number(await gw.redis.hget(dayKey(gw, sub), 'tok'))).toBe(charged);
    expect(Number(await gw.redis.hget(dayKey(gw, sub), 'req'))).toBe(1);
  });

  it('stream with include_usage: the usage chunk reaches the client, and is charged', async () => {
    const sub = 'pt-sse-usage';
    const token = await gw.mint({ sub });
    const body = chatBody({ stream: true, stream_options: { include_usage: true }, mock: { chunks: 4 } });
    const r = await post(chat(), token, body);
    expect(r.status).toBe(200);
    const got = await r.text();
    const want = await (await direct('/chat/completions', body)).text();
    expect(normalise(got)).toBe(normalise(want));
    const usageFrame = got.split('\n\n').find((f) => f.includes('"usage"'));
    expect(usageFrame, 'a usage chunk').toBeDefined();
    const usage = JSON.parse(usageFrame!.slice('data: '.length)) as { usage: { total_tokens: number }; choices: unknown[] };
    expect(usage.choices).toEqual([]);
    expect(Number(await gw.redis.hget(dayKey(gw, sub), 'tok'))).toBe(usage.usage.total_tokens);
  });

  it('an upstream that sends one byte at a time: the split usage chunk is still found, stripped and charged', async () => {
    const sub = 'pt-trickle';
    const token = await gw.mint({ sub });
    const body = chatBody({ stream: true, mock: { chunks: 2, trickleMs: 1 } });
    const before = gw.mock.issuedUsage().total_tokens;
    const r = await post(chat(), token, body);
    expect(r.status).toBe(200);
    const got = await r.text();
    const charged = gw.mock.issuedUsage().total_tokens - before;
    expect(normalise(got)).toBe(normalise(await (await direct('/chat/completions', chatBody({ stream: true, mock: { chunks: 2 } }))).text()));
    expect(got).not.toContain('"usage"');
    expect(Number(await gw.redis.hget(dayKey(gw, sub), 'tok'))).toBe(charged);
  });

  it('streams as produced: the first chunk arrives before the mock has produced the last', async () => {
    const token = await gw.mint({ sub: 'pt-incremental' });
    const body = chatBody({ stream: true, mock: { chunks: 10, chunkDelayMs: 100 } });
    const t0 = performance.now();
    const completedBefore = gw.mock.issuedUsage().requests;
    const r = await post(chat(), token, body);
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    let firstAt = -1;
    let mockDoneAtFirst = -1;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      if (firstAt < 0 && text.includes('data: ')) {
        firstAt = performance.now() - t0;
        mockDoneAtFirst = gw.mock.issuedUsage().requests - completedBefore;
      }
    }
    const total = performance.now() - t0;
    expect(mockDoneAtFirst, 'the mock had not finished its stream when the first chunk arrived').toBe(0);
    expect(firstAt).toBeLessThan(total - 500);
    expect(total).toBeGreaterThanOrEqual(950);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('the client Authorization never reaches the mock; the upstream key does', async () => {
    const token = await gw.mint({ sub: 'pt-auth' });
    const r = await post(chat(), token, chatBody());
    expect(r.status).toBe(200);
    const seen = upstreamOf(r);
    expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(seen.headers)).not.toContain(token);
    expect(JSON.stringify(seen.body)).not.toContain(token);
  });

  it('user_id: the stable opaque id of the user, and stream_options forced on for streams', async () => {
    const sub = 'pt-userid';
    const token = await gw.mint({ sub });
    const r1 = await post(chat(), token, chatBody({ stream: true, stream_options: { include_usage: false } }));
    await r1.text();
    const r2 = await post(chat(), token, chatBody());
    await r2.text();
    const a = upstreamOf(r1).body;
    const b = upstreamOf(r2).body;
    expect(a.user_id).toBe(upstreamUserId('deepseek-proxy', sub));
    expect(a.user_id).toMatch(/^dsp_/);
    expect(a.user_id).not.toContain(sub);
    expect(b.user_id).toBe(a.user_id);
    expect(a.stream_options).toEqual({ include_usage: true });
  });

  it('x-request-id on every response; a well-formed client id is echoed, a malformed one replaced', async () => {
    const token = await gw.mint({ sub: 'pt-rid' });
    const responses: [string, Response][] = [
      ['200', await post(chat(), token, chatBody())],
      ['200 stream', await post(chat(), token, chatBody({ stream: true }))],
      ['401', await post(chat(), null, chatBody())],
      ['400', await post(chat(), token, '{nope')],
      ['404', await fetch(`${gw.url}/nowhere`)],
      ['405', await fetch(`${gw.url}/v1/chat/completions`)],
      ['models', await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })],
      ['healthz', await fetch(`${gw.url}/healthz`)],
      ['readyz', await fetch(`${gw.url}/readyz`)],
    ];
    for (const [name, r] of responses) {
      await r.arrayBuffer();
      expect(r.headers.get('x-request-id'), name).toMatch(UUID);
    }
    // with no client id, the upstream sees the same id the client got
    expect(upstreamOf(responses[0]![1]).requestId).toBe(responses[0]![1].headers.get('x-request-id'));

    const good = 'client-req.42:abc_Z';
    const ok = await post(chat(), token, chatBody(), { 'x-request-id': good });
    await ok.text();
    expect(ok.headers.get('x-request-id')).toBe(good);
    const okStream = await post(chat(), token, chatBody({ stream: true }), { 'x-request-id': good });
    await okStream.text();
    expect(okStream.headers.get('x-request-id')).toBe(good);
    const err = await post(chat(), null, chatBody(), { 'x-request-id': good });
    await err.text();
    expect(err.headers.get('x-request-id')).toBe(good);
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', 'new"quote']) {
      const r = await post(chat(), token, chatBody(), { 'x-request-id': bad });
      await r.text();
      expect(r.status).toBe(200);
      expect(r.headers.get('x-request-id'), bad).toMatch(UUID);
    }
  });

  it('only allow-listed request headers reach the mock (knob headers included)', async () => {
    const token = await gw.mint({ sub: 'pt-headers' });
    const body = chatBody();
    const res = await rawRequest(
      gw.port,
      rawPost('/v1/chat/completions', token, body, [
        'cookie: session=s3cr3t',
        'x-forwarded-for: 203.0.113.9',
        'x-real-ip: 203.0.113.9',
        'forwarded: for=203.0.113.9',
        'connection: keep-alive, x-hop',
        'x-hop: 1',
        'keep-alive: timeout=5',
        'proxy-authorization: Basic Zm9vOmJhcg==',
        'x-mock-status: 500',
        'x-mock-first-byte-delay-ms: 3000',
        'openai-organization: org-test',
        'origin: https://evil.example',
        'user-agent: passthrough-test/1.0',
        'accept: application/json',
        'x-request-id: raw-header-test',
      ]),
    );
    expect(res.status).toBe(200);
    const seen = gw.mock.received.find((q) => q.headers['user-agent'] === 'passthrough-test/1.0');
    expect(res.headers['x-request-id']).toBe('raw-header-test');
    expect(seen, 'the request reached the mock').toBeDefined();
    const names = Object.keys(seen!.headers).sort();
    // undici adds host, connection and content-length itself
    expect(names).toEqual(['accept', 'authorization', 'connection', 'content-length', 'content-type', 'host', 'user-agent', 'x-request-id']);
    expect(seen!.headers.connection).toBe('keep-alive');
    expect(seen!.headers.accept).toBe('application/json');
    expect(seen!.headers['x-request-id']).toMatch(UUID); // the gateway's own id, not the client's
    expect(seen!.headers.host).toBe(`127.0.0.1:${gw.mock.port}`);
  });

  it('FIM /beta/completions, non-stream and stream, passes through', async () => {
    const token = await gw.mint({ sub: 'pt-fim' });
    const body = JSON.stringify({ model: 'deepseek-chat', prompt: 'def fib(n):', suffix: '    return r', max_tokens: 20 });
    const r = await post(`${gw.url}/beta/completions`, token, body);
    expect(r.status).toBe(200);
    const got = await r.text();
    expect(JSON.parse(got).object).toBe('text_completion');
    expect(upstreamOf(r).path).toBe('/beta/completions');
    expect(normalise(got)).toBe(normalise(await (await direct('/beta/completions', body)).text()));

    const sbody = JSON.stringify({ model: 'deepseek-chat', prompt: 'def fib(n):', stream: true });
    const s = await post(`${gw.url}/beta/completions`, token, sbody);
    expect(s.status).toBe(200);
    const sgot = await s.text();
    expect(normalise(sgot)).toBe(normalise(await (await direct('/beta/completions', sbody)).text()));
    expect(sgot).toContain('"object":"text_completion"');

    const missing = await post(`${gw.url}/beta/completions`, token, JSON.stringify({ model: 'deepseek-chat' }));
    expect(missing.status).toBe(400);
  });

  it('GET /models and /v1/models list only the models of the token', async () => {
    const narrow = await gw.mint({ sub: 'pt-models', models: ['deepseek-chat', 'deepseek-v4-pro'] });
    const wide = await gw.mint({ sub: 'pt-models' });
    for (const path of ['/models', '/v1/models']) {
      const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${narrow}` } });
      expect(r.status).toBe(200);
      const j = (await r.json()) as { object: string; data: { id: string; object: string }[] };
      expect(j.object).toBe('list');
      expect(j.data.map((m) => m.id).sort()).toEqual(['deepseek-chat', 'deepseek-v4-pro']);
      expect(j.data.every((m) => m.object === 'model')).toBe(true);
      const w = (await (await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${wide}` } })).json()) as { data: { id: string }[] };
      expect(w.data.map((m) => m.id).sort()).toEqual(['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
      const anon = await fetch(`${gw.url}${path}`);
      expect(anon.status).toBe(401);
      await anon.text();
    }
    // and the narrow token may not use another model
    const r = await post(chat(), narrow, chatBody({ model: 'deepseek-reasoner' }));
    expect(r.status).toBe(403);
    await r.text();
  });

  it('/healthz and /readyz', async () => {
    const h = await fetch(`${gw.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
    const r = await fetch(`${gw.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { status: string }).status).toBe('ready');
  });
});
