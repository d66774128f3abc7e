// Every row of the error table (README.md "Error codes"), provoked against a real gateway and answered with its
// status and code; upstream errors pass through with status and body unchanged. (503 is in
// redis-outage.test.ts, which stops a private Redis.)
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, importPKCS8 } from 'jose';
import { createSigner, periodAt, upstreamUserId } from '@dsp/core';
import { authSettings, chatBody, makeKeys, REFUSED_URL, startGateway, waitFor, type Gateway } from './harness.js';
import { b64url, errorOf, openRaw, post, rawPost, rawRequest, revokedKey, sleep, userKey } from './util.js';

const TZ = 'Asia/Shanghai';
const MAX_BODY = 4096;

describe('error table', () => {
  let gw: Gateway;
  let dead: Gateway;
  const chat = () => `${gw.url}/v1/chat/completions`;
  const expectError = async (r: Response | Promise<Response>, status: number, code: string) => {
    const e = await errorOf(await r);
    expect({ status: e.status, code: e.code }).toEqual({ status, code });
    expect(e.message).not.toBe('');
    return e;
  };

  beforeAll(async () => {
    gw = await startGateway({
      workers: 2,
      recorder: false,
      config: {
        server: { max_body_bytes: MAX_BODY },
        deepseek: { http_client: { timeout_seconds: 1, stream_timeout_seconds: 1 } },
        quota: { timezone: TZ },
      },
    });
    // an upstream that is not there: nothing listens on a port that was just free
    dead = await startGateway({ workers: 1, recorder: false, mock: gw.mock, keys: gw.keys, baseUrl: REFUSED_URL });
  });
  afterAll(async () => {
    expect(await dead.stop()).toBe(0);
    expect(await gw.stop()).toBe(0);
  });

  describe('400 invalid_request', () => {
    it.each([
      ['not JSON', '{nope'],
      ['empty body', ''],
      ['an array', '[1,2]'],
      ['a string', '"hello"'],
      ['null', 'null'],
      ['a number', '42'],
      ['missing model', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })],
      ['model not a string', JSON.stringify({ model: 7, messages: [{ role: 'user', content: 'x' }] })],
      ['missing messages', JSON.stringify({ model: 'deepseek-chat' })],
      ['empty messages', JSON.stringify({ model: 'deepseek-chat', messages: [] })],
      ['stream not a boolean', chatBody({ stream: 'yes' })],
    ])('%s', async (_name, body) => {
      const token = await gw.mint({ sub: 'err-400' });
      const e = await expectError(post(chat(), token, body), 400, 'invalid_request');
      expect(e.type).toBe('invalid_request_error');
    });
  });

  describe('401 invalid_token', () => {
    let privateKey: CryptoKey;
    const claims = () => ({ sub: 'err-401', jti: `j-${Math.random().toString(36).slice(2)}` });
    const sign = (o: { iss?: string; aud?: string; exp?: number; alg?: string } = {}) =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: o.alg ?? 'ES256', kid: 'jwt.pub', typ: 'JWT' })
        .setIssuer(o.iss ?? 'deepseek-proxy')
        .setAudience(o.aud ?? 'deepseek-proxy')
        .setIssuedAt()
        .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 600)
        .sign(privateKey);
    beforeAll(async () => {
      privateKey = await importPKCS8(readFileSync(gw.keys.privateKeyFile, 'utf8'), 'ES256');
    });

    it('a correctly signed token by hand is accepted (the control for the cases below)', async () => {
      const r = await post(chat(), await sign(), chatBody());
      expect(r.status).toBe(200);
      await r.text();
    });

    it('missing Authorization', async () => {
      const e = await expectError(post(chat(), null, chatBody()), 401, 'invalid_token');
      expect(e.type).toBe('authentication_error');
    });

    it.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer '], ['Bearer not-a-jwt'], ['Bearer a.b.c'], ['Token abc.def.ghi'], [`Bearer ${'x'.repeat(9000)}`]])(
      'malformed: %s',
      async (authorization) => {
        await expectError(
          fetch(chat(), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: chatBody() }),
          401,
          'invalid_token',
        );
      },
    );

    it('bad signature: a token signed by another key (same kid), and a tampered payload', async () => {
      const other = await makeKeys();
      const signer = await createSigner(authSettings(other));
      const foreign = (await signer.mint({ sub: 'err-401' })).token;
      expect(JSON.parse(Buffer.from(foreign.split('.')[0]!, 'base64url').toString()).kid).toBe('jwt.pub');
      await expectError(post(chat(), foreign, chatBody()), 401, 'invalid_token');

      const good = await gw.mint({ sub: 'err-401' });
      const [h, , s] = good.split('.');
      const tampered = `${h}.${b64url({ sub: 'someone-else', jti: 'x', iss: 'deepseek-proxy', aud: 'deepseek-proxy', iat: Math.floor(Date.now() / 1000) })}.${s}`;
      await expectError(post(chat(), tampered, chatBody()), 401, 'invalid_token');
    });

    it('wrong iss, wrong aud', async () => {
      await expectError(post(chat(), await sign({ iss: 'someone-else' }), chatBody()), 401, 'invalid_token');
      await expectError(post(chat(), await sign({ aud: 'another-service' }), chatBody()), 401, 'invalid_token');
    });

    it('expired (past the clock tolerance)', async () => {
      const e = await expectError(post(chat(), await sign({ exp: Math.floor(Date.now() / 1000) - 120 }), chatBody()), 401, 'invalid_token');
      expect(e.message).toContain('expired');
    });

    it('alg: none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const payload = { ...claims(), iss: 'deepseek-proxy', aud: 'deepseek-proxy', iat: now };
      for (const alg of ['none', 'None', 'NONE']) {
        await expectError(post(chat(), `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}.`, chatBody()), 401, 'invalid_token');
      }
    });

    it('HS256 against an ES256 gateway, including the public key used as the HMAC secret', async () => {
      const hs = (secret: Uint8Array) =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setIssuer('deepseek-proxy')
          .setAudience('deepseek-proxy')
          .setIssuedAt()
          .sign(secret);
      await expectError(post(chat(), await hs(new TextEncoder().encode('s'.repeat(40))), chatBody()), 401, 'invalid_token');
      const confusion = await hs(new Uint8Array(readFileSync(gw.keys.publicKeyFile)));
      const e = await expectError(post(chat(), confusion, chatBody()), 401, 'invalid_token');
      expect(e.message).toMatch(/algorithm|not allowed/);
    });

    it('a token without jti is not a gateway token', async () => {
      const t = await new SignJWT({ sub: 'err-401' })
        .setProtectedHeader({ alg: 'ES256', kid: 'jwt.pub' })
        .setIssuer('deepseek-proxy')
        .setAudience('deepseek-proxy')
        .setIssuedAt()
        .sign(privateKey);
      await expectError(post(chat(), t, chatBody()), 401, 'invalid_token');
    });

    it('revoked: takes effect on the very next request, although the token is cached', async () => {
      const sub = 'err-revoked';
      const token = await gw.mint({ sub, jti: 'tok-to-revoke' });
      // on both workers' caches: a few requests over fresh connections
      for (let i = 0; i < 4; i++) {
        const r = await post(chat(), token, chatBody(), {});
        expect(r.status).toBe(200);
        await r.text();
      }
      await gw.redis.sadd(revokedKey(gw, sub), 'tok-to-revoke');
      for (let i = 0; i < 4; i++) await expectError(post(chat(), token, chatBody()), 401, 'invalid_token');
      await expectError(fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } }), 401, 'invalid_token');
      // another token of the same user is unaffected
      const r = await post(chat(), await gw.mint({ sub }), chatBody());
      expect(r.status).toBe(200);
      await r.text();
    });
  });

  describe('403', () => {
    it('user_disabled, and enabled again', async () => {
      const sub = 'err-disabled';
      const token = await gw.mint({ sub });
      await gw.redis.hset(userKey(gw, sub), 'status', 'disabled');
      const e = await expectError(post(chat(), token, chatBody()), 403, 'user_disabled');
      expect(e.type).toBe('permission_error');
      await gw.redis.hset(userKey(gw, sub), 'status', 'active');
      const r = await post(chat(), token, chatBody());
      expect(r.status).toBe(200);
      await r.text();
    });

    it("model_not_allowed: outside the token's models claim, or outside the configured list", async () => {
      const narrow = await gw.mint({ sub: 'err-model', models: ['deepseek-chat'] });
      await expectError(post(chat(), narrow, chatBody({ model: 'deepseek-reasoner' })), 403, 'model_not_allowed');
      const wide = await gw.mint({ sub: 'err-model' });
      await expectError(post(chat(), wide, chatBody({ model: 'gpt-4o' })), 403, 'model_not_allowed');
      // nothing reached the mock for a refused model
      expect(gw.mock.received.some((q) => q.body?.model === 'gpt-4o')).toBe(false);
    });
  });

  it('404 not_found', async () => {
    await expectError(fetch(`${gw.url}/`), 404, 'not_found');
    await expectError(fetch(`${gw.url}/nope`), 404, 'not_found');
    await expectError(post(`${gw.url}/v1/embeddings`, null, '{}'), 404, 'not_found');
    await expectError(post(`${gw.url}/v1/chat/completions/x`, null, '{}'), 404, 'not_found');
  });

  it('405 method_not_allowed', async () => {
    await expectError(fetch(`${gw.url}/v1/chat/completions`), 405, 'method_not_allowed');
    await expectError(fetch(`${gw.url}/chat/completions`, { method: 'PUT', body: '{}' }), 405, 'method_not_allowed');
    await expectError(fetch(`${gw.url}/beta/completions`, { method: 'DELETE' }), 405, 'method_not_allowed');
    await expectError(post(`${gw.url}/v1/models`, null, '{}'), 405, 'method_not_allowed');
    await expectError(post(`${gw.url}/healthz`, null, '{}'), 405, 'method_not_allowed');
  });

  describe('413 request_too_large', () => {
    it('a body over max_body_bytes', async () => {
      const token = await gw.mint({ sub: 'err-413' });
      const big = chatBody({ messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY) }] });
      await expectError(post(chat(), token, big), 413, 'request_too_large');
      // just under the limit is fine
      const fits = chatBody({ messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY - 200) }] });
      expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(MAX_BODY);
      const r = await post(chat(), token, fits);
      expect(r.status).toBe(200);
      await r.text();
    });

    it('answered as soon as the declared length is over the limit, before the body is sent', async () => {
      const token = await gw.mint({ sub: 'err-413' });
      const head =
        [
          `POST /v1/chat/completions HTTP/1.1`,
          'host: 127.0.0.1',
          'content-type: application/json',
          `content-length: ${10 << 20}`,
          `authorization: Bearer ${token}`,
        ].join('\r\n') + '\r\n\r\n';
      const r = await rawRequest(gw.port, head + '{"model":"deepseek-chat"', 3000);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body.toString()).error.code).toBe('request_too_large');
    });

    it('a chunked body (no content-length) is cut off when it passes the limit', async () => {
      const token = await gw.mint({ sub: 'err-413' });
      const head =
        [
          `POST /v1/chat/completions HTTP/1.1`,
          'host: 127.0.0.1',
          'content-type: application/json',
          'transfer-encoding: chunked',
          `authorization: Bearer ${token}`,
        ].join('\r\n') + '\r\n\r\n';
      const chunk = 'x'.repeat(3000);
      // two chunks pass the limit; the terminating chunk is never sent
      const r = await rawRequest(gw.port, `${head}${(3000).toString(16)}\r\n${chunk}\r\n${(3000).toString(16)}\r\n${chunk}\r\n`, 3000);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body.toString()).error.code).toBe('request_too_large');
    });
  });

  describe('429', () => {
    const waitAtMock = (sub: string) => waitFor(() => gw.mock.received.some((q) => q.userId === upstreamUserId('deepseek-proxy', sub)), 5000);

    it('concurrency_limit_exceeded with Retry-After: 1', async () => {
      const sub = 'err-429c';
      const token = await gw.mint({ sub });
      const holder = post(chat(), token, chatBody({ mock: { firstByteDelayMs: 700 } }));
      await waitAtMock(sub);
      const e = await expectError(post(chat(), token, chatBody()), 429, 'concurrency_limit_exceeded');
      expect(e.retryAfter).toBe('1');
      expect(e.type).toBe('rate_limit_error');
      const h = await holder;
      expect(h.status).toBe(200);
      await h.text();
      const after = await post(chat(), token, chatBody());
      expect(after.status).toBe(200);
      await after.text();
    });

    it('quota_exceeded (daily requests) with Retry-After = seconds to local midnight in quota.timezone', async () => {
      const sub = 'err-429q';
      const token = await gw.mint({ sub });
      await gw.redis.hset(userKey(gw, sub), 'daily_requests', '2');
      for (let i = 0; i < 2; i++) {
        const r = await post(chat(), token, chatBody());
        expect(r.status).toBe(200);
        await r.text();
      }
      const e = await expectError(post(chat(), token, chatBody()), 429, 'quota_exceeded');
      const want = periodAt(TZ, Date.now()).daySecondsLeft;
      expect(Math.abs(Number(e.retryAfter) - want), `Retry-After ${e.retryAfter} vs ${want}`).toBeLessThanOrEqual(2);
      // not UTC midnight (Shanghai is 8 h ahead)
      expect(Math.abs(Number(e.retryAfter) - periodAt('UTC', Date.now()).daySecondsLeft)).toBeGreaterThan(3600);
      // refused requests are not counted
      await expectError(post(chat(), token, chatBody()), 429, 'quota_exceeded');
      await gw.redis.hset(userKey(gw, sub), 'daily_requests', '-1');
      const r = await post(chat(), token, chatBody());
      expect(r.status).toBe(200);
      await r.text();
    });

    it('quota_exceeded (daily tokens, monthly tokens) once the answers were charged', async () => {
      const sub = 'err-429t';
      const token = await gw.mint({ sub });
      await gw.redis.hset(userKey(gw, sub), 'daily_tokens', '1');
      const r = await post(chat(), token, chatBody());
      expect(r.status).toBe(200);
      await r.text();
      const e = await expectError(post(chat(), token, chatBody()), 429, 'quota_exceeded');
      expect(Math.abs(Number(e.retryAfter) - periodAt(TZ, Date.now()).daySecondsLeft)).toBeLessThanOrEqual(2);
      await gw.redis.hset(userKey(gw, sub), { daily_tokens: '-1', monthly_tokens: '1' });
      const m = await expectError(post(chat(), token, chatBody()), 429, 'quota_exceeded');
      expect(Math.abs(Number(m.retryAfter) - periodAt(TZ, Date.now()).monthSecondsLeft)).toBeLessThanOrEqual(2);
    });
  });

  describe('502 upstream_unreachable', () => {
    it('nothing listens at base_url (non-stream and stream)', async () => {
      const token = await dead.mint({ sub: 'err-502' });
      await expectError(post(`${dead.url}/v1/chat/completions`, token, chatBody()), 502, 'upstream_unreachable');
      await expectError(post(`${dead.url}/v1/chat/completions`, token, chatBody({ stream: true })), 502, 'upstream_unreachable');
      // the slot was released each time
      await expectError(post(`${dead.url}/v1/chat/completions`, token, chatBody()), 502, 'upstream_unreachable');
    });

    it('the upstream resets the connection before the first byte', async () => {
      const token = await gw.mint({ sub: 'err-502r' });
      await expectError(post(chat(), token, chatBody({ mock: { reset: 'before-headers' } })), 502, 'upstream_unreachable');
      await expectError(post(chat(), token, chatBody({ stream: true, mock: { reset: 'before-headers' } })), 502, 'upstream_unreachable');
    });
  });

  describe('504 upstream_timeout', () => {
    it('the upstream never answers (timeout_seconds = 1): non-stream and stream', async () => {
      const token = await gw.mint({ sub: 'err-504' });
      for (const stream of [false, true]) {
        const t0 = performance.now();
        await expectError(post(chat(), token, chatBody({ stream, mock: { hang: 'before-headers' } })), 504, 'upstream_timeout');
        const ms = performance.now() - t0;
        expect(ms).toBeGreaterThanOrEqual(900);
        expect(ms).toBeLessThan(3000);
      }
    });

    it('stream silence over stream_timeout_seconds ends the stream cleanly with an error event', async () => {
      const token = await gw.mint({ sub: 'err-504s' });
      const t0 = performance.now();
      const r = await post(chat(), token, chatBody({ stream: true, mock: { chunks: 6, hang: 'mid-stream' } }));
      expect(r.status).toBe(200);
      const text = await r.text();
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(3000);
      const frames = text.split('\n\n').filter(Boolean);
      expect(frames.length).toBeGreaterThan(1);
      const last = JSON.parse(frames.at(-1)!.slice('data: '.length)) as { error: { code: string } };
      expect(last.error.code).toBe('upstream_timeout');
      // and the slot is free again
      const next = await post(chat(), token, chatBody());
      expect(next.status).toBe(200);
      await next.text();
    });
  });

  describe('upstream errors pass through with status and body unchanged', () => {
    it.each([400, 401, 402, 422, 429, 500, 503])('%i', async (status) => {
      const token = await gw.mint({ sub: `err-up-${status}` });
      for (const stream of [false, true]) {
        const body = chatBody({ stream, mock: { status } });
        const r = await post(chat(), token, body);
        const got = await r.text();
        const want = await fetch(`${gw.mock.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(r.status).toBe(status);
        expect(want.status).toBe(status);
        expect(got).toBe(await want.text());
        expect(r.headers.get('content-type')).toContain('application/json');
        expect(r.headers.get('x-request-id')).toBeTruthy();
      }
    });

    it('a DeepSeek validation error (422 for max_tokens: 0) too', async () => {
      const token = await gw.mint({ sub: 'err-up-422v' });
      const body = chatBody({ max_tokens: 0 });
      const r = await post(chat(), token, body);
      expect(r.status).toBe(422);
      const want = await fetch(`${gw.mock.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(await r.text()).toBe(await want.text());
    });
  });

  it('a client that sends headers and then nothing does not hold a slot', async () => {
    const sub = 'err-stalled';
    const token = await gw.mint({ sub });
    const s = await openRaw(gw.port, rawPost('/v1/chat/completions', token, chatBody()).slice(0, -10));
    await sleep(200);
    s.destroy();
    const r = await post(chat(), token, chatBody());
    expect(r.status).toBe(200);
    await r.text();
  });
});
