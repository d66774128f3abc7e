// Security promises of docs/SECURITY.md, enforced: the upstream key never reaches a client (answers,
// error bodies, headers) or a log line; neither do client JWTs reach a log; the client's
// Authorization and hop-by-hop headers are never forwarded upstream (only an allow-list is); the
// client cannot choose the DeepSeek user_id (its own only names an end user under its gateway id); secrets load from files (deepseek.api_key_file,
// auth.secret_file) end to end, so they need not sit in the environment or the config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endUserId, upstreamUserId } from '@dsp/core';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { REFUSED_URL, startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { rawRequest } from '../../apps/gateway/test/util.js';
import { UPSTREAM_KEY, chat, sleep } from './lib.js';

/** What a client saw: status line, headers and body as one string. */
interface Seen {
  what: string;
  status: number;
  text: string;
}

async function see(what: string, p: Promise<Response>): Promise<Seen> {
  const r = await p;
  const body = await r.text();
  return { what, status: r.status, text: `${r.status}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}` };
}

/** Headers the gateway may send upstream; everything else (hop-by-hop, cookies, the client's auth) stays behind. */
const UPSTREAM_HEADERS = new Set(['host', 'content-type', 'content-length', 'authorization', 'x-request-id', 'accept', 'user-agent', 'connection']);

/**
 * An upstream that records every chat completion's raw header lines (node:http's parsed headers drop
 * a duplicate Authorization, which would hide a forwarded client token) and answers one. The
 * gateway's own calls (the balance poll, GET /user/balance) are not client traffic: not recorded.
 */
async function recordingUpstream(): Promise<{ url: string; raw: string[][]; close(): Promise<void> }> {
  const raw: string[][] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) raw.push(req.rawHeaders);
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: 'deepseek-chat',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, raw, close: () => new Promise((r) => server.close(() => r())) };
}

describe('security: the upstream key and client tokens stay where they belong', () => {
  let gw: Gateway;
  let down: Gateway;
  let rec: Awaited<ReturnType<typeof recordingUpstream>>;
  let viaRec: Gateway;
  const tokens: string[] = [];
  const seen: Seen[] = [];

  beforeAll(async () => {
    // the mock refuses any other key: the key really is used upstream
    gw = await startGateway({
      workers: 2,
      recorder: false,
      mockOptions: { requireKey: UPSTREAM_KEY },
      config: { limits: { lock_lease_seconds: 2 }, server: { max_body_bytes: 4096 } },
    });
    down = await startGateway({ workers: 1, recorder: false, baseUrl: REFUSED_URL });
    rec = await recordingUpstream();
    viaRec = await startGateway({ workers: 1, recorder: false, baseUrl: rec.url });
  });
  afterAll(async () => {
    const codes = [await gw?.stop(), await down?.stop(), await viaRec?.stop()];
    await rec?.close();
    expect(codes).toEqual([0, 0, 0]);
  });

  const mint = async (g: Gateway, sub: string, extra: Record<string, unknown> = {}) => {
    const t = await g.mint({ sub, ...extra });
    tokens.push(t);
    return t;
  };
  const post = (g: Gateway, token: string | null, body: string, headers: Record<string, string> = {}) =>
    fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body,
    });

  it('no answer of any kind carries the upstream key', async () => {
    const t = await mint(gw, 'sec-user', { concurrency: 1 });
    seen.push(await see('200 json', post(gw, t, chat())));
    seen.push(await see('200 stream', post(gw, t, chat({ stream: true, stream_options: { include_usage: true } }))));
    seen.push(await see('models', fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${t}` } })));
    for (const status of [400, 401, 402, 422, 429, 500, 503]) seen.push(await see(`upstream ${status}`, post(gw, t, chat({ mock: { status } }))));
    seen.push(await see('upstream reset', post(gw, t, chat({ mock: { reset: 'before-headers' } }))));
    seen.push(await see('upstream reset mid-stream', post(gw, t, chat({ stream: true, mock: { reset: 'mid-stream' } }))));
    seen.push(await see('401 gateway', post(gw, 'not-a-token', chat())));
    seen.push(await see('400 gateway', post(gw, t, '{')));
    seen.push(await see('403 gateway', post(gw, t, chat({ model: 'gpt-4' }))));
    seen.push(await see('404', fetch(`${gw.url}/v1/nope`)));
    seen.push(await see('405', fetch(`${gw.url}/v1/chat/completions`)));
    seen.push(await see('413', post(gw, t, chat({ pad: 'x'.repeat(5000) }))));
    const slow = post(gw, t, chat({ stream: true, mock: { chunks: 5, chunkDelayMs: 40 } }));
    await sleep(50);
    seen.push(await see('429 concurrency', post(gw, t, chat())));
    seen.push(await see('slow stream', slow));
    seen.push(await see('readyz', fetch(`${gw.url}/readyz`)));
    seen.push(await see('healthz', fetch(`${gw.url}/healthz`)));
    const metrics = await (await fetch(gw.metricsUrl)).text();
    seen.push({ what: 'metrics', status: 200, text: metrics });
    const td = await mint(down, 'sec-down');
    seen.push(await see('502 refused', post(down, td, chat())));
    // raw, so nothing is hidden by fetch
    const raw = await rawRequest(gw.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t}\r\ncontent-length: 2\r\n\r\n{}`);
    seen.push({ what: 'raw 400', status: raw.status, text: raw.head + raw.body.toString() });

    const statuses = seen.map((s) => `${s.what}=${s.status}`).join(' ');
    for (const want of ['200 json=200', 'upstream 401=401', 'upstream 500=500', '401 gateway=401', '413=413', '429 concurrency=429', '502 refused=502'])
      expect(statuses).toContain(want);
    for (const s of seen) {
      expect(s.text, s.what).not.toContain(UPSTREAM_KEY);
      expect(s.text, s.what).not.toContain('sk-upstream');
    }
    // the key did go upstream, on every forwarded request
    expect(gw.mock.received.length).toBeGreaterThan(10);
    for (const q of gw.mock.received) expect(q.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('the client Authorization and hop-by-hop headers are never forwarded; the client cannot pick the upstream user_id', async () => {
    // the hop-by-hop set of RFC 9110 §7.6.1, the headers a Connection header names, and a few that must not leak
    const hop = [
      'connection: keep-alive, x-hop-named',
      'x-hop-named: secret-hop',
      'keep-alive: timeout=5',
      'proxy-authorization: Basic cHJveHk6c2VjcmV0',
      'proxy-connection: keep-alive',
      'te: trailers',
      'trailer: x-trail',
      'upgrade: h2c',
      'cookie: session=client-cookie',
      'x-forwarded-for: 10.0.0.1',
      'x-api-key: client-api-key',
      'x-request-id: client-chosen-id',
      'accept: application/json',
      'user-agent: sec-test/1.0',
    ];
    const body = chat({ user_id: 'dsp_victim-user' });
    const send = (g: Gateway, t: string) =>
      rawRequest(
        g.port,
        `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${t}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${hop.join('\r\n')}\r\n\r\n${body}`,
      );

    // the raw header lines, every duplicate kept: exactly one Authorization, the upstream key's
    const tr = await mint(viaRec, 'sec-hop');
    const rr = await send(viaRec, tr);
    expect(rr.status).toBe(200);
    expect(rec.raw).toHaveLength(1);
    const lines = rec.raw[0]!;
    const names = lines.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names.filter((n) => !UPSTREAM_HEADERS.has(n))).toEqual([]);
    expect(names.filter((n) => n === 'authorization')).toHaveLength(1);
    expect(lines[names.indexOf('authorization') * 2 + 1]).toBe('Bearer sk-upstream-secret-key');
    expect(lines.join('\n')).not.toContain(tr);
    expect(lines.join('\n')).not.toMatch(/secret-hop|client-cookie|client-api-key|cHJveHk6|h2c|x-trail|client-chosen-id/);

    // the same through the mock DeepSeek: the body's user_id is the gateway's, not the client's
    const t = await mint(gw, 'sec-hop');
    const before = gw.mock.received.length;
    const r = await send(gw, t);
    expect(r.status).toBe(200);
    expect(r.headers['x-request-id']).toBe('client-chosen-id');
    const q = gw.mock.received.slice(before);
    expect(q).toHaveLength(1);
    const h = q[0]!.headers;
    expect(Object.keys(h).filter((k) => !UPSTREAM_HEADERS.has(k))).toEqual([]);
    expect(h.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    if (h.connection !== undefined) expect(h.connection).toBe('keep-alive'); // undici's own, to its pool
    // the upstream sees the gateway's request id and the gateway's user id, not the client's
    expect(h['x-request-id']).not.toBe('client-chosen-id');
    // (the client's own user_id only names an end user under the gateway's id: never another user's id)
    expect(q[0]!.userId).toBe(endUserId(upstreamUserId('deepseek-proxy', 'sec-hop'), 'dsp_victim-user'));
    expect(q[0]!.userId!.startsWith(upstreamUserId('deepseek-proxy', 'sec-hop') + '_')).toBe(true);
    expect(h.accept).toBe('application/json');
    expect(h['user-agent']).toBe('sec-test/1.0');
  });

  it('no log line carries the upstream key or a client JWT (debug level, every kind of request above)', async () => {
    await sleep(300); // the last lines
    expect(gw.logs.length).toBeGreaterThan(20);
    const all = [...gw.logs, ...down.logs, ...viaRec.logs];
    expect(all.filter((l) => l.includes(UPSTREAM_KEY) || l.includes('sk-upstream'))).toEqual([]);
    for (const t of tokens) {
      const sig = t.split('.')[2]!;
      expect(all.filter((l) => l.includes(t) || l.includes(sig))).toEqual([]);
    }
  });
});

describe('security: secrets from files (*_file), none in the environment or the config file', () => {
  let mock: MockDeepSeek;
  let gw: Gateway;
  const dir = mkdtempSync(join(tmpdir(), 'dsp-secrets-'));
  const apiKey = 'sk-from-a-file-4f1c9a';
  const secret = 'hs256-secret-from-a-file-0123456789abcdef';

  beforeAll(async () => {
    writeFileSync(join(dir, 'deepseek.key'), `${apiKey}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'jwt.secret'), `${secret}\n`, { mode: 0o600 });
    mock = await startMockDeepSeek({ requireKey: apiKey });
    gw = await startGateway({
      workers: 1,
      recorder: false,
      mock,
      config: {
        deepseek: { api_key: '', api_key_file: join(dir, 'deepseek.key') },
        auth: { algorithms: ['HS256'], secret_file: join(dir, 'jwt.secret'), public_key_file: '', private_key_file: '' },
      },
    });
  });
  afterAll(async () => {
    const code = await gw?.stop();
    await mock?.close();
    expect(code).toBe(0);
  });

  const hs = (key: string, sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setJti(`j-${sub}`)
      .setIssuer('deepseek-proxy')
      .setAudience('deepseek-proxy')
      .setIssuedAt()
      .sign(new TextEncoder().encode(key));

  it('deepseek.api_key_file is the key sent upstream; auth.secret_file verifies HS256 tokens', async () => {
    const { readFileSync } = await import('node:fs');
    const file = readFileSync(gw.configFile, 'utf8');
    expect(file).not.toContain(apiKey);
    expect(file).not.toContain(secret);
    const ok = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await hs(secret, 'file-user')}` },
      body: chat(),
    });
    expect(ok.status).toBe(200);
    expect(gw.mock.received.at(-1)!.headers.authorization).toBe(`Bearer ${apiKey}`);
    // a token signed with anything else is refused, and never reaches the upstream
    const n = gw.mock.received.length;
    const bad = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await hs(`${secret}-not`, 'file-user')}` },
      body: chat(),
    });
    expect(bad.status).toBe(401);
    expect(gw.mock.received.length).toBe(n);
    expect(gw.logs.filter((l) => l.includes(apiKey) || l.includes(secret))).toEqual([]);
  });
});
