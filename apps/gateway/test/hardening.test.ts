// What an attacker or a demanding client probes: no server banner header; /v1/models refuses a
// disabled user like completions do; strangers are refused before their body is read; ambiguous
// framing and oversized headers are refused before routing; upstream errors never show the
// gateway's key; 429 warn lines are rate-limited per token.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@dsp/core';
import { chatBody, startGateway, type Gateway } from './harness.js';
import { errorOf, logLines, parseResponse, post, rawPost, rawRequest, rssOf, sleep, userKey, type RawResponse } from './util.js';

const MB = 1024 * 1024;

/**
 * Sends a POST head announcing `bodyBytes` and then the body in 64 KB steps, stopping as soon as a
 * response arrives. Resolves with the response and how many body bytes had been sent by then.
 */
function postSlowly(port: number, headers: string[], bodyBytes: number, stepMs = 20): Promise<{ res: RawResponse | null; sent: number; closed: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let sent = 0;
    let res: RawResponse | null = null;
    let closed = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const done = () => {
      clearInterval(timer);
      s.destroy();
      resolve({ res, sent, closed });
    };
    s.on('data', (b) => {
      parts.push(b);
      res = parseResponse(Buffer.concat(parts), false);
      if (res) done();
    });
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      done();
    });
    s.write(
      ['POST /v1/chat/completions HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${bodyBytes}`, ...headers].join('\r\n') +
        '\r\n\r\n',
    );
    const timer = setInterval(() => {
      if (sent >= bodyBytes) return;
      const n = Math.min(chunk.length, bodyBytes - sent);
      s.write(chunk.subarray(0, n));
      sent += n;
    }, stepMs);
  });
}

/** Two requests on one keep-alive connection: both answers (null when none came) and whether it closed. */
function twoOnKeepAlive(
  port: number,
  first: string | Buffer,
  second: string,
): Promise<{ first: RawResponse | null; second: RawResponse | null; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let one: RawResponse | null = null;
    let two: RawResponse | null = null;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ first: one, second: two, closed });
    };
    const timer = setTimeout(() => finish(false), 10_000);
    s.on('data', (b) => {
      buf = Buffer.concat([buf, b]);
      if (!one) {
        one = parseResponse(buf, false);
        if (!one) return;
        buf = buf.subarray(buf.indexOf('\r\n\r\n') + 4 + one.body.length);
        s.write(second);
      }
      if (buf.length > 0) two = parseResponse(buf, false);
      // the connection's fate after the second answer: wait briefly for a close
      if (two) setTimeout(() => finish(s.destroyed || s.readableEnded), 300);
    });
    s.on('error', () => {});
    s.on('close', () => finish(true));
    s.write(first);
  });
}

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n';

/** A POST with a whole body and no Authorization, sent at once (as an attacker would); its status. */
function strangerPost(port: number, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    s.on('data', (b) => {
      parts.push(b);
      const r = parseResponse(Buffer.concat(parts), false);
      if (r) {
        s.destroy();
        resolve(r.status);
      }
    });
    s.on('error', () => resolve(0));
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${bytes}\r\n\r\n`);
    s.write(Buffer.alloc(bytes, 0x61));
  });
}

describe('hardening', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({ workers: 1, recorder: false });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('sends no uWebSockets header', async () => {
    for (const r of [await fetch(`${gw.url}/healthz`), await post(`${gw.url}/v1/chat/completions`, await gw.mint({ sub: 'h-banner' }), chatBody())]) {
      await r.text();
      expect([...r.headers.keys()].filter((k) => k.toLowerCase() === 'uwebsockets')).toEqual([]);
    }
  });

  it('/v1/models refuses a disabled user (403 user_disabled), like completions', async () => {
    const sub = 'h-models-disabled';
    const token = await gw.mint({ sub });
    expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await gw.redis.hset(userKey(gw, sub), 'status', 'disabled');
    try {
      for (const path of ['/v1/models', '/models']) {
        const e = await errorOf(await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } }));
        expect([e.status, e.code]).toEqual([403, 'user_disabled']);
      }
    } finally {
      await gw.redis.hset(userKey(gw, sub), 'status', 'active');
    }
  });

  describe('strangers cost nothing', () => {
    it('a missing or malformed Authorization gets 401 before the body is read', async () => {
      for (const auth of [[], ['authorization: Basic Zm9vOmJhcg=='], ['authorization: Bearer ']]) {
        const { res, sent } = await postSlowly(gw.port, auth, 1_000_000);
        expect(res?.status, `headers ${JSON.stringify(auth)}`).toBe(401);
        expect(JSON.parse(res!.body.toString()).error.code).toBe('invalid_token');
        // answered while most of the announced body was still unsent
        expect(sent).toBeLessThan(500_000);
      }
    });

    it('a token that fails verification stops the read with a 401', async () => {
      const good = await gw.mint({ sub: 'h-forged' });
      const [h, p] = good.split('.');
      const forged = `${h}.${p}.${'A'.repeat(86)}`;
      const { res, sent } = await postSlowly(gw.port, [`authorization: Bearer ${forged}`], 1_000_000);
      expect(res?.status).toBe(401);
      expect(JSON.parse(res!.body.toString()).error.message).toMatch(/bad signature|malformed/);
      expect(sent).toBeLessThan(500_000);
    });

    it('60 unauthenticated connections sending 1 MB each do not grow the worker', async () => {
      const [pid] = await gw.workerPids();
      // A single before/after RSS difference swings by ±25 MB here as V8 grows or shrinks its heap
      // after the earlier tests, whatever the bodies do. So each 1 MB round is paired with a control
      // round of the same 60 connections with 10 KB bodies, three times, and the medians compared:
      // buffering the bodies would add ~60 MB per round; the parser discarding them adds nothing.
      const round = async (bytes: number) => {
        const before = rssOf(pid!);
        const statuses = await Promise.all(Array.from({ length: 60 }, () => strangerPost(gw.port, bytes)));
        expect(statuses).toEqual(statuses.map(() => 401));
        return rssOf(pid!) - before;
      };
      await round(10_000); // sockets and the 401 path warmed up, not counted
      const small: number[] = [];
      const large: number[] = [];
      for (let i = 0; i < 3; i++) {
        small.push(await round(10_000));
        large.push(await round(1_000_000));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      expect(median(large) - median(small)).toBeLessThan(20 * MB);
    });

    it('the connection stays usable after an early 401 (the unread body is skipped, not taken for a request)', async () => {
      const token = await gw.mint({ sub: 'h-after-401' });
      const junk = 'x'.repeat(200_000);
      const first = `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${junk.length}\r\n\r\n${junk}`;
      const r = await twoOnKeepAlive(gw.port, first, rawPost('/v1/chat/completions', token, chatBody()));
      expect(r.first?.status).toBe(401);
      expect(r.second?.status).toBe(200);
    });
  });

  describe('framing is checked before routing', () => {
    const head = (lines: string[], body: string) => ['POST /v1/chat/completions HTTP/1.1', 'host: 127.0.0.1', ...lines].join('\r\n') + '\r\n\r\n' + body;

    it('two different Content-Length values: 400 and the connection closed', async () => {
      const token = await gw.mint({ sub: 'h-cl' });
      const body = chatBody();
      const n = Buffer.byteLength(body);
      const r = await rawRequest(gw.port, head([`authorization: Bearer ${token}`, `content-length: ${n}`, `content-length: ${n + 1}`], body + ' '));
      expect(r.status).toBe(400);
      expect(r.headers.connection).toBe('close');
      expect(JSON.parse(r.body.toString()).error.code).toBe('invalid_request');
    });

    it('a Transfer-Encoding other than exactly "chunked": 400, on every route', async () => {
      const token = await gw.mint({ sub: 'h-te' });
      const chunked = (b: string) => `${Buffer.byteLength(b).toString(16)}\r\n${b}\r\n0\r\n\r\n`;
      for (const te of ['xchunked', 'chunked, identity', 'identity']) {
        const r = await rawRequest(gw.port, head([`authorization: Bearer ${token}`, `transfer-encoding: ${te}`], chunked(chatBody())));
        expect([te, r.status]).toEqual([te, 400]);
      }
      const unknown = await rawRequest(gw.port, 'POST /nowhere HTTP/1.1\r\nhost: x\r\ntransfer-encoding: xchunked\r\n\r\n0\r\n\r\n');
      expect(unknown.status).toBe(400);
      // under /anthropic the refusal is in Anthropic's error shape, as every gateway error there is
      const messages = await rawRequest(gw.port, 'POST /anthropic/v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: xchunked\r\n\r\n0\r\n\r\n');
      expect(messages.status).toBe(400);
      expect(JSON.parse(messages.body.toString())).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      // exactly "chunked" is served
      const ok = await rawRequest(
        gw.port,
        head([`authorization: Bearer ${token}`, 'content-type: application/json', 'transfer-encoding: chunked'], chunked(chatBody())),
      );
      expect(ok.status).toBe(200);
    });

    it('a second request with oversized headers on a keep-alive connection gets 431, then the connection closes', async () => {
      const r = await twoOnKeepAlive(gw.port, HEALTHZ, `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`);
      expect(r.first?.status).toBe(200);
      expect(r.second?.status).toBe(431);
      expect(JSON.parse(r.second!.body.toString()).error.code).toBe('headers_too_large');
      expect(r.closed).toBe(true);
    });

    it('headers past the uWS parser buffer (~72 KB) end the connection without an answer (a limit of this uWS build)', async () => {
      const r = await twoOnKeepAlive(gw.port, HEALTHZ, `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(100_000)}\r\n\r\n`);
      expect(r.first?.status).toBe(200);
      expect(r.second).toBeNull();
      expect(r.closed).toBe(true);
    });
  });

  it('an upstream error that names the upstream key is scrubbed for the client and logged whole', async () => {
    const token = await gw.mint({ sub: 'h-scrub' });
    gw.mock.setKey('sk-upstream-secret-key', { refused: true });
    try {
      const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
      const text = await r.text();
      expect(r.status).toBe(401);
      expect(text).not.toContain('-key');
      expect(text).not.toContain('****');
      expect(JSON.parse(text).error.type).toBe('authentication_error');
      await sleep(100);
      expect(logLines(gw).some((l) => l.msg === 'upstream error named an upstream key; scrubbed' && String(l.upstream_body).includes('****'))).toBe(true);
    } finally {
      gw.mock.setKey('sk-upstream-secret-key', null);
    }
  });

  it('429 warn lines: at most one per token per second, the next one counting those held back', async () => {
    const token = await gw.mint({ sub: 'h-warns', concurrency: 1 });
    const lines = () => logLines(gw).filter((l) => l.msg === '429 concurrency limit' && l.user === 'h-warns');
    // one slow stream holds the token's only slot
    gw.mock.setBehaviour({ firstByteDelayMs: 3000 });
    const holder = post(`${gw.url}/v1/chat/completions`, token, chatBody({ stream: true }));
    try {
      await sleep(300);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
        await r.text();
        statuses.push(r.status);
      }
      expect(statuses).toEqual(statuses.map(() => 429));
      await sleep(100);
      const burst = lines().length;
      expect(burst).toBeGreaterThanOrEqual(1);
      expect(burst).toBeLessThanOrEqual(2);
      await sleep(1100);
      const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
      expect(r.status).toBe(429);
      await r.text();
      await sleep(100);
      const all = lines();
      expect(all.length).toBe(burst + 1);
      expect(Number(all.at(-1)!.suppressed)).toBe(10 - burst);
    } finally {
      gw.mock.setBehaviour({});
      await (await holder).text();
    }
  });

  describe('[auth] unknown_users', () => {
    let strict: Gateway;
    beforeAll(async () => {
      strict = await startGateway({ workers: 1, recorder: false, config: { auth: { unknown_users: 'reject' } } });
    });
    afterAll(async () => {
      await strict?.stop();
    });

    it('refuses a validly signed token for a user never created (403 unknown_user), on completions and /models', async () => {
      const token = await strict.mint({ sub: 'h-nobody' });
      const e = await errorOf(await post(`${strict.url}/v1/chat/completions`, token, chatBody()));
      expect([e.status, e.code]).toEqual([403, 'unknown_user']);
      expect(e.message).toContain('h-nobody');
      const m = await errorOf(await fetch(`${strict.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } }));
      expect([m.status, m.code]).toEqual([403, 'unknown_user']);
      // nothing was counted or sent upstream
      expect(await strict.redis.exists(userKey(strict, 'h-nobody'))).toBe(0);
      expect(strict.mock.received.filter((r) => r.path.includes('completions'))).toEqual([]);
    });

    it('serves a user once it exists (its hash is what user creation and the sync write)', async () => {
      const token = await strict.mint({ sub: 'h-somebody' });
      await strict.redis.hset(userKey(strict, 'h-somebody'), 'status', 'active');
      const r = await post(`${strict.url}/v1/chat/completions`, token, chatBody());
      expect(r.status).toBe(200);
      await r.text();
    });

    it('serves unknown users while Redis has lost its state (no sync marker), rather than refusing everyone', async () => {
      const marker = keys.syncMarker(strict.prefix);
      const saved = await strict.redis.get(marker);
      await strict.redis.del(marker);
      try {
        const r = await post(`${strict.url}/v1/chat/completions`, await strict.mint({ sub: 'h-while-rebuilding' }), chatBody());
        expect(r.status).toBe(200);
        await r.text();
      } finally {
        if (saved !== null) await strict.redis.set(marker, saved);
      }
    });

    it('"allow" serves them with the [quota] defaults', async () => {
      const r = await post(`${gw.url}/v1/chat/completions`, await gw.mint({ sub: 'h-nobody-allowed' }), chatBody());
      expect(r.status).toBe(200);
      await r.text();
    });
  });
});
