// Bad input, property-based (fast-check): random and malicious bodies, headers and JWTs thrown at a
// running gateway. Never a 5xx, never a crash (the worker pids stay the same), never a request
// upstream for an unauthenticated call, and every answer carries its documented code (README.md "Error codes").
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { parseResponse, type RawResponse } from '../../apps/gateway/test/util.js';

const ISS = 'deepseek-proxy';
const AUD = 'deepseek-proxy';
const MAX_BODY = 1 << 20;
const ALLOWED_MODELS = new Set(['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const CODES: Record<number, string[]> = {
  400: ['invalid_request'],
  401: ['invalid_token'],
  403: ['model_not_allowed', 'user_disabled', 'unknown_user'],
  404: ['not_found'],
  405: ['method_not_allowed'],
  413: ['request_too_large'],
  431: ['headers_too_large'],
};

interface Answer {
  status: number;
  code: string | null;
  requestId: string | null;
  text: string;
}

describe('bad input (property tests against a running gateway)', () => {
  let gw: Gateway;
  let token: string;
  let privateKey: CryptoKey;
  let pids: number[];

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, recorder: false });
    // concurrency high enough that the properties never meet the per-token lock
    token = await gw.mint({ sub: 'fuzz-user', concurrency: 50 });
    privateKey = await importPKCS8(readFileSync(gw.keys.privateKeyFile, 'utf8'), 'ES256');
    pids = await gw.workerPids();
    expect(pids).toHaveLength(2);
  });
  afterAll(async () => {
    expect(await gw?.stop()).toBe(0);
  });

  async function send(body: string | Buffer, authorization: string | null, path = '/v1/chat/completions'): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization !== null) headers.authorization = authorization;
    const r = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
    const text = await r.text();
    return { status: r.status, code: codeOf(text), requestId: r.headers.get('x-request-id'), text };
  }

  /** the status is the one expected, and its code is the documented code for that status */
  function expectAnswer(a: Answer, status: number, code?: string) {
    expect(a.status, a.text.slice(0, 300)).toBe(status);
    if (status >= 400) {
      expect(CODES[status], `status ${status}`).toBeDefined();
      expect(CODES[status]).toContain(a.code);
      if (code) expect(a.code).toBe(code);
    }
    expect(a.requestId).toBeTruthy();
  }

  // ---- JWTs ---------------------------------------------------------------------------------

  const now = () => Math.floor(Date.now() / 1000);
  /** One or more defects; the token is otherwise a perfectly signed gateway token. */
  const defects = fc
    .record({
      alg: fc.constantFrom('ES256', 'ES256', 'none', 'None', 'HS256-with-public-key', 'HS256', 'RS256', 'ES384', 'EdDSA', ''),
      kid: fc.constantFrom(undefined, 'jwt.pub', 'unknown-kid', '../../etc/passwd', 'jwt.pub\u0000'),
      iss: fc.constantFrom(ISS, ISS, 'someone-else', '', undefined),
      aud: fc.constantFrom<unknown>(AUD, AUD, 'other-service', [AUD + 'x'], undefined, 42),
      exp: fc.constantFrom<'ok' | 'none' | 'expired' | 'string'>('ok', 'none', 'expired', 'string'),
      nbf: fc.constantFrom<'none' | 'future' | 'past'>('none', 'future', 'past'),
      iat: fc.constantFrom<'ok' | 'future' | 'missing'>('ok', 'ok', 'future', 'missing'),
      sub: fc.constantFrom<unknown>('fuzz-user', 'fuzz-user', '', 'a}b', 'x{u:victim}', 'a b', 'é', null, 7, 'z'.repeat(200)),
      jti: fc.constantFrom<unknown>('j-1', 'j-1', undefined, '}{', ''),
      padding: fc.constantFrom(0, 0, 0, 5_000, 10_000), // under server.max_header_bytes (16 KiB; past it: 431, tested in hardening.test.ts)
      tamper: fc.constantFrom('none', 'none', 'payload', 'signature', 'drop-signature', 'extra-part'),
    })
    .filter(
      (d) =>
        d.alg !== 'ES256' ||
        (d.kid !== undefined && d.kid !== 'jwt.pub') ||
        d.iss !== ISS ||
        d.aud !== AUD ||
        d.exp === 'expired' ||
        d.exp === 'string' ||
        d.nbf === 'future' ||
        d.iat !== 'ok' ||
        d.sub !== 'fuzz-user' ||
        d.jti !== 'j-1' ||
        d.padding > 0 ||
        d.tamper !== 'none',
    );

  let rsa: KeyObject | undefined;
  async function badToken(d: fc.Infer<typeof defects>): Promise<string> {
    const t = now();
    const payload: Record<string, unknown> = {};
    if (d.sub !== undefined) payload.sub = d.sub;
    if (d.jti !== undefined) payload.jti = d.jti;
    if (d.iss !== undefined) payload.iss = d.iss;
    if (d.aud !== undefined) payload.aud = d.aud;
    if (d.iat === 'ok') payload.iat = t;
    if (d.iat === 'future') payload.iat = t + 3600;
    if (d.exp === 'ok') payload.exp = t + 600;
    if (d.exp === 'expired') payload.exp = t - 3600;
    if (d.exp === 'string') payload.exp = 'tomorrow';
    if (d.nbf === 'future') payload.nbf = t + 3600;
    if (d.nbf === 'past') payload.nbf = t - 60;
    if (d.padding) payload.pad = 'p'.repeat(d.padding);
    const header: Record<string, unknown> = { typ: 'JWT' };
    if (d.kid !== undefined) header.kid = d.kid;
    let jwt: string;
    switch (d.alg) {
      case 'ES256':
        jwt = await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'ES256' }).sign(privateKey);
        break;
      case 'HS256-with-public-key':
        // the classic confusion: the verifier's public key used as an HMAC secret
        jwt = await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'HS256' }).sign(new Uint8Array(readFileSync(gw.keys.publicKeyFile)));
        break;
      case 'HS256':
        jwt = await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'HS256' }).sign(new TextEncoder().encode('s'.repeat(48)));
        break;
      case 'RS256':
        rsa ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        jwt = await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'RS256' }).sign(rsa);
        break;
      default:
        // none / unknown algs: an unsigned token, or a signature made up
        jwt = `${b64url({ ...header, alg: d.alg })}.${b64url(payload)}.${d.alg === '' ? 'c2ln' : ''}`;
    }
    const [h, p, s] = jwt.split('.') as [string, string, string];
    switch (d.tamper) {
      case 'payload':
        return `${h}.${b64url({ ...payload, sub: 'someone-else' })}.${s}`;
      case 'signature':
        return `${h}.${p}.${s.length > 2 ? (s[0] === 'A' ? 'B' : 'A') + s.slice(1) : 'AAAA'}`;
      case 'drop-signature':
        return `${h}.${p}.`;
      case 'extra-part':
        return `${jwt}.${s}`;
      default:
        return jwt;
    }
  }

  const anyBody = fc.oneof(
    fc.constant(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] })),
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 3 }),
  );

  it('bad tokens: always 401 invalid_token, and nothing reaches the upstream', async () => {
    const before = gw.mock.received.length;
    await fc.assert(
      fc.asyncProperty(defects, anyBody, fc.constantFrom('/v1/chat/completions', '/chat/completions', '/beta/completions'), async (d, body, path) => {
        const a = await send(body, `Bearer ${await badToken(d)}`, path);
        expectAnswer(a, 401, 'invalid_token');
        expect(a.text).not.toContain('fuzz-user'); // the answer never echoes the token's claims
      }),
      { numRuns: 150 },
    );
    expect(gw.mock.received.length).toBe(before);
  });

  it('garbage Authorization headers and GET /models: 401, nothing upstream', async () => {
    const before = gw.mock.received.length;
    const authorization = fc.oneof(
      fc.constant(null),
      fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer a.b.c', 'Bearer ..', 'Bearer e30.e30.', `Bearer ${'A'.repeat(10_240)}`),
      fc.string({ minLength: 1, maxLength: 300 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`),
      fc
        .tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 90 }))
        .map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
    );
    await fc.assert(
      fc.asyncProperty(authorization, anyBody, fc.boolean(), async (auth, body, models) => {
        if (models) {
          const r = await fetch(`${gw.url}/v1/models`, { headers: auth === null ? {} : { authorization: auth } });
          const text = await r.text();
          expectAnswer({ status: r.status, code: codeOf(text), requestId: r.headers.get('x-request-id'), text }, 401, 'invalid_token');
        } else {
          expectAnswer(await send(body, auth), 401, 'invalid_token');
        }
      }),
      { numRuns: 150 },
    );
    expect(gw.mock.received.length).toBe(before);
  });

  // ---- bodies (authenticated) ------------------------------------------------------------------

  /** What the error table says about a body: 400 / 403 / 413, or null = valid (goes upstream). */
  function expected(raw: Buffer, body: unknown): { status: number; code: string } | null {
    if (raw.length > MAX_BODY) return { status: 413, code: 'request_too_large' };
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, code: 'invalid_request' };
    const b = body as Record<string, unknown>;
    if (typeof b.model !== 'string' || b.model === '') return { status: 400, code: 'invalid_request' };
    if (!Array.isArray(b.messages) || b.messages.length === 0) return { status: 400, code: 'invalid_request' };
    if (!ALLOWED_MODELS.has(b.model)) return { status: 403, code: 'model_not_allowed' };
    if (b.stream !== undefined && typeof b.stream !== 'boolean') return { status: 400, code: 'invalid_request' };
    if (
      b.stream === true &&
      b.stream_options !== undefined &&
      (typeof b.stream_options !== 'object' || b.stream_options === null || Array.isArray(b.stream_options))
    ) {
      return { status: 400, code: 'invalid_request' };
    }
    return null;
  }

  const validMessages = fc.constant([{ role: 'user', content: 'Hello' }]);
  const wrongTypes = fc.record(
    {
      model: fc.oneof(fc.constantFrom('deepseek-chat', 'deepseek-v4-pro', 'gpt-4', '', 'DEEPSEEK-CHAT'), fc.anything({ maxDepth: 2 })),
      messages: fc.oneof(validMessages, validMessages, fc.anything({ maxDepth: 2 })),
      stream: fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null, [], {})),
      stream_options: fc.oneof(fc.constant({ include_usage: true }), fc.anything({ maxDepth: 1 })),
      temperature: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  );

  it('wrong types, missing fields, unknown models: the documented code; only valid bodies go upstream', async () => {
    await fc.assert(
      fc.asyncProperty(wrongTypes, async (b) => {
        // the mock reads `mock` and `max_tokens` as knobs: keep random values out of them
        const text = JSON.stringify(b);
        const raw = Buffer.from(text);
        const want = expected(raw, JSON.parse(text));
        const before = gw.mock.received.length;
        const a = await send(raw, `Bearer ${token}`);
        if (want) {
          expectAnswer(a, want.status, want.code);
          expect(gw.mock.received.length).toBe(before);
        } else {
          // valid for the gateway: forwarded; the upstream's own 4xx (e.g. 422 for odd messages) passes through
          expect(a.status < 500, a.text.slice(0, 300)).toBe(true);
          expect(gw.mock.received.length).toBe(before + 1);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('truncated JSON, invalid UTF-8, deep nesting, huge strings: 400 / 413 / 200 as documented', async () => {
    const base = JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello there, how are you?' }], stream: false });
    const truncated = fc.integer({ min: 0, max: base.length - 1 }).map((n) => ({ kind: 'truncated', raw: Buffer.from(base.slice(0, n)) }));
    // invalid sequences: a lone continuation byte, an overlong encoding, a surrogate, 0xff, a cut multi-byte char
    const badSeq = fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xfe, 0xff], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]);
    const invalidUtf8 = fc.tuple(badSeq, fc.integer({ min: 0, max: 10 })).map(([seq, at]) => {
      const before = Buffer.from(`{"model":"deepseek-chat","messages":[{"role":"user","content":"${'x'.repeat(at)}`);
      return { kind: 'invalid-utf8', raw: Buffer.concat([before, Buffer.from(seq), Buffer.from('"}]}')]) };
    });
    const nesting = fc.oneof(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 50_000, max: 400_000 })).map((depth) => ({
      kind: depth <= 500 ? 'shallow-nesting' : 'deep-nesting',
      raw: Buffer.from(`{"model":"deepseek-chat","messages":[{"role":"user","content":"hi","x":${'['.repeat(depth)}${']'.repeat(depth)}}]}`),
    }));
    const huge = fc.integer({ min: 200_000, max: 1_400_000 }).map((n) => ({
      kind: 'huge-string',
      raw: Buffer.from(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'y'.repeat(n) }] })),
    }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(truncated, invalidUtf8, nesting, huge), async ({ kind, raw }) => {
        const before = gw.mock.received.length;
        const a = await send(raw, `Bearer ${token}`);
        let want: { status: number; code: string } | null;
        if (kind === 'truncated' || kind === 'invalid-utf8' || kind === 'deep-nesting')
          want = raw.length > MAX_BODY ? { status: 413, code: 'request_too_large' } : { status: 400, code: 'invalid_request' };
        else want = expected(raw, JSON.parse(raw.toString()));
        if (want) {
          expectAnswer(a, want.status, want.code);
          expect(gw.mock.received.length).toBe(before);
        } else {
          expectAnswer(a, 200);
          expect(gw.mock.received.length).toBe(before + 1);
        }
      }),
      { numRuns: 80 },
    );
  });

  // ---- headers (raw TCP: what fetch refuses to send) -------------------------------------------

  /** One request over a fresh TCP connection; null when the server closed it without an answer. */
  function raw(request: Buffer | string, timeoutMs = 3000): Promise<RawResponse | null> {
    return new Promise((resolve, reject) => {
      const s = connect(gw.port, '127.0.0.1');
      const parts: Buffer[] = [];
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no answer and no close within ${timeoutMs} ms for ${String(request).slice(0, 200)}`));
      }, timeoutMs);
      const done = (ended: boolean) => {
        const r = parseResponse(Buffer.concat(parts), ended);
        if (r || ended) {
          clearTimeout(timer);
          s.destroy();
          resolve(r);
        }
      };
      s.on('data', (b) => {
        parts.push(b);
        done(false);
      });
      s.on('end', () => done(true));
      s.on('close', () => done(true));
      s.on('error', () => done(true));
      s.write(request);
    });
  }

  const headerValue = fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n\0]/g, ''));
  const headerCase = fc.oneof(
    // duplicate headers: two Authorization (good and bad in either order), two x-request-id, two content-type
    fc.tuple(fc.boolean(), fc.string({ maxLength: 30 })).map(([goodFirst, junk]) => {
      const good = `authorization: Bearer ${token}`;
      const bad = `authorization: Bearer ${junk.replace(/[^\x21-\x7e]/g, 'j')}x`;
      return { kind: 'dup-auth', headers: goodFirst ? [good, bad] : [bad, good] };
    }),
    fc.tuple(headerValue, headerValue).map(([a, b]) => ({
      kind: 'dup',
      headers: [`authorization: Bearer ${token}`, `x-request-id: ${a}`, `x-request-id: ${b}`, 'content-type: text/plain', 'content-type: application/json'],
    })),
    // CRLF injection attempts in x-request-id: raw CRLF (header splitting), encoded, unicode line breaks
    fc
      .constantFrom(
        'abc\r\nx-injected: 1',
        'abc%0d%0ax-injected:%201',
        'abc\u2028x-injected: 1',
        'a\r\n\r\nHTTP/1.1 200 OK\r\nx-injected: 1',
        'ok-id\r\nset-cookie: pwned=1',
      )
      .map((v) => ({ kind: 'crlf', headers: [`authorization: Bearer ${token}`, `x-request-id: ${v}`] })),
    // oversized: one huge header, or very many
    fc.integer({ min: 1_000, max: 300_000 }).map((n) => ({ kind: 'oversized', headers: [`authorization: Bearer ${token}`, `x-big: ${'a'.repeat(n)}`] })),
    // (uWS answers at most ~50 header lines; beyond that it holds the request until its idle
    // timeout closes the connection, which test/faults/slowloris.test.ts checks)
    fc
      .integer({ min: 10, max: 40 })
      .map((n) => ({ kind: 'many', headers: [`authorization: Bearer ${token}`, ...Array.from({ length: n }, (_, i) => `x-h${i}: v`)] })),
    fc
      .constantFrom('content-length: -1', 'content-length: abc', 'content-length: 99999999999999999999', 'transfer-encoding: chunked')
      .map((h) => ({ kind: 'framing', headers: [`authorization: Bearer ${token}`, h] })),
  );

  it('duplicate, CRLF-injected, oversized and odd framing headers: never a 5xx, nothing injected into the answer', async () => {
    const body = JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] });
    await fc.assert(
      fc.asyncProperty(headerCase, async ({ kind, headers }) => {
        const hasLength = headers.some((h) => /^(content-length|transfer-encoding):/i.test(h));
        const lines = ['POST /v1/chat/completions HTTP/1.1', 'host: 127.0.0.1', ...headers];
        if (!hasLength) lines.push(`content-length: ${Buffer.byteLength(body)}`);
        const r = await raw(lines.join('\r\n') + '\r\n\r\n' + body);
        if (r === null) return; // the HTTP parser refused the request and closed the connection: fine
        expect(r.status, `${kind}: ${r.head.slice(0, 200)}`).toBeLessThan(500);
        expect(r.headers['x-injected']).toBeUndefined();
        expect(r.headers['set-cookie']).toBeUndefined();
        // the echoed id is the client's only when it is a plain token, else the gateway's uuid
        expect(r.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        if (r.status >= 400) expect(CODES[r.status] ?? [], `${kind}: ${r.status} ${r.body.toString().slice(0, 200)}`).toContain(codeOf(r.body.toString()));
        // an injected CRLF only ends a header early (an early blank line ends the head: its body is then invalid)
        if (kind === 'crlf') expect([200, 400]).toContain(r.status);
      }),
      { numRuns: 80 },
    );
  });

  it('never a crash: the same workers are alive, no internal error was logged', async () => {
    expect(await gw.workerPids()).toEqual(pids);
    expect(gw.logs.filter((l) => l.includes('unexpected error') || l.includes('worker died'))).toEqual([]);
  });
});

function codeOf(text: string): string | null {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}
