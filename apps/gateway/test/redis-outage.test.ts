// Redis goes away: with on_redis_error = "reject" requests get 503 service_unavailable and /readyz
// fails; with "allow" requests are served without lock and quota; when Redis returns, service
// recovers by itself. Uses a PRIVATE redis-server on a random port (never the shared 6379).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { errorOf, post, rawPost, rawRequest, type RawResponse } from './util.js';

describe('redis outage', () => {
  let redis: PrivateRedis;
  let reject: Gateway;
  let allow: Gateway;

  /** Over fresh connections, so both workers are asked. */
  const fresh = (gw: Gateway, req: string): Promise<RawResponse> => rawRequest(gw.port, req, 5000);
  const readyz = (gw: Gateway) => fresh(gw, 'GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  const chat = async (gw: Gateway, sub: string, o: Record<string, unknown> = {}) =>
    fresh(gw, rawPost('/v1/chat/completions', await gw.mint({ sub }), chatBody(o), ['connection: close']));
  const codeOf = (r: RawResponse) => (JSON.parse(r.body.toString()) as { error?: { code?: string } }).error?.code;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    reject = await startGateway({ workers: 2, recorder: false, config: { redis: { url: redis.url } } });
    allow = await startGateway({ workers: 1, recorder: false, config: { redis: { url: redis.url }, limits: { on_redis_error: 'allow' } } });
  });
  afterAll(async () => {
    const codes = await Promise.all([reject?.stop(), allow?.stop()]);
    await redis.destroy();
    expect(codes).toEqual([0, 0]);
  });

  it('with Redis up: served, ready', async () => {
    for (const gw of [reject, allow]) {
      expect((await chat(gw, 'ro-up')).status).toBe(200);
      expect((await readyz(gw)).status).toBe(200);
    }
  });

  it('Redis stopped: 503 service_unavailable and /readyz 503 ("reject"); served anyway ("allow"); recovers by itself', async () => {
    await redis.stop();
    const downAt = performance.now();

    // every worker notices: several fresh connections in a row say not ready
    await waitFor(async () => {
      for (let i = 0; i < 6; i++) if ((await readyz(reject)).status !== 503) return false;
      return true;
    }, 5000);
    const body = JSON.parse((await readyz(reject)).body.toString()) as { status: string; redis: boolean };
    expect(body).toMatchObject({ status: 'not_ready', redis: false });

    for (let i = 0; i < 6; i++) {
      const r = await chat(reject, 'ro-down', { stream: i % 2 === 1 });
      expect(r.status).toBe(503);
      expect(codeOf(r)).toBe('service_unavailable');
      expect(r.headers['x-request-id']).toBeTruthy();
    }
    const models = await fresh(
      reject,
      `GET /v1/models HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${await reject.mint({ sub: 'ro-down' })}\r\nconnection: close\r\n\r\n`,
    );
    expect(models.status).toBe(503);
    expect(codeOf(models)).toBe('service_unavailable');
    // a 503 is fast: no waiting on a reconnect (no offline queue)
    const t0 = performance.now();
    expect((await chat(reject, 'ro-down')).status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(500);

    // on_redis_error = "allow": served without lock and quota, streams too
    for (const stream of [false, true]) {
      const r = await chat(allow, 'ro-allow', { stream });
      expect(r.status).toBe(200);
      if (stream) expect(r.body.toString()).toContain('data: [DONE]');
    }
    // ... and without the lock: two at once on one token
    const token = await allow.mint({ sub: 'ro-allow-2' });
    const both = await Promise.all([0, 1].map(() => post(`${allow.url}/v1/chat/completions`, token, chatBody({ mock: { firstByteDelayMs: 300 } }))));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    await Promise.all(both.map((r) => r.text()));
    expect(allow.logs.some((l) => l.includes('admitting without lock or quota'))).toBe(true);

    // Redis returns (empty): the gateway reconnects by itself
    await redis.start();
    const upAt = performance.now();
    await waitFor(async () => (await chat(reject, 'ro-back')).status === 200, 5000);
    const recoveredMs = performance.now() - upAt;
    await waitFor(async () => {
      for (let i = 0; i < 6; i++) if ((await readyz(reject)).status !== 200) return false;
      for (let i = 0; i < 6; i++) if ((await chat(reject, `ro-back-${i}`)).status !== 200) return false;
      return true;
    }, 5000);
    console.log(`redis outage: down ${((upAt - downAt) / 1000).toFixed(1)} s; first request served ${recoveredMs.toFixed(0)} ms after Redis was back`);
    expect(recoveredMs).toBeLessThan(3000);

    // the lock works again
    const t = await reject.mint({ sub: 'ro-lock' });
    const holder = post(`${reject.url}/v1/chat/completions`, t, chatBody({ mock: { firstByteDelayMs: 500 } }));
    await waitFor(() => reject.mock.inFlight() > 0, 2000);
    const second = await post(`${reject.url}/v1/chat/completions`, t, chatBody());
    expect((await errorOf(second)).code).toBe('concurrency_limit_exceeded');
    expect((await holder).status).toBe(200);
  });

  it('Redis hung (SIGSTOP): requests get 503 within redis_timeout_ms instead of waiting', async () => {
    const pid = Number(readFileSync(join(redis.dir, 'redis.pid'), 'utf8').trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = performance.now();
      const r = await chat(reject, 'ro-hung');
      const ms = performance.now() - t0;
      expect(r.status).toBe(503);
      expect(codeOf(r)).toBe('service_unavailable');
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(3000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(async () => (await chat(reject, 'ro-resumed')).status === 200, 5000);
  });
});
