// Redis stopped for 5 s and restarted, under a steady load of streams on two gateways sharing a
// PRIVATE redis-server: the "reject" gateway answers 503 service_unavailable at once while Redis is
// down (never hangs), the "allow" gateway keeps serving; both recover by themselves, leave no slot
// stuck, and the usage they buffered meanwhile (finishes that could not reach Redis) is flushed to
// the ledger. The shared 6379 is never touched.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { chat, leases, mintTokens, percentile, report, sleep, startPrivateRedis, steadyLoad, waitForLedger, type PrivateRedis, type Result } from './lib.js';

const LEASE_S = 2;
const DOWN_MS = 5000;

describe('Redis outage (private redis-server)', () => {
  let redis: PrivateRedis;
  let reject: Gateway;
  let allow: Gateway;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const config = (mode: string) => ({ redis: { url: redis.url }, limits: { lock_lease_seconds: LEASE_S, on_redis_error: mode, redis_timeout_ms: 500 } });
    [reject, allow] = await Promise.all([startGateway({ workers: 2, config: config('reject') }), startGateway({ workers: 2, config: config('allow') })]);
  });
  afterAll(async () => {
    const codes = [await reject?.stop(), await allow?.stop()];
    await redis?.destroy();
    expect(codes).toEqual([0, 0]);
  });

  it('503 while down (reject) / served (allow); full service after; no stuck slot; buffered usage flushed', async () => {
    const r = await mintTokens(reject, 'rdown-reject', 4);
    const a = await mintTokens(allow, 'rdown-allow', 4);
    const body = () => chat({ stream: true, mock: { chunks: 5, chunkDelayMs: 40 } });
    const loadR = steadyLoad(reject, r.tokens, body, 20);
    const loadA = steadyLoad(allow, a.tokens, body, 20);
    await sleep(1500);

    const downAt = performance.now();
    await redis.stop({ save: true });
    const stoppedAt = performance.now();
    await sleep(DOWN_MS / 2);
    const ready = await fetch(`${reject.url}/readyz`);
    expect(ready.status).toBe(503);
    await sleep(DOWN_MS / 2 - (performance.now() - stoppedAt - DOWN_MS / 2));
    const upAt = performance.now();
    await redis.start();
    const startedAt = performance.now();
    report('private Redis down for', startedAt - downAt);
    // how long the usage buffered while down takes to reach the ledger once Redis is back
    const servedWhileDown = loadA.results.filter((x) => x.startedAt > stoppedAt + 100 && x.complete).map((x) => x.rid!);
    const flushedAfter = waitForLedger(allow.databaseUrl, servedWhileDown, 20_000);
    await sleep(3000);
    report(`allow gateway: the ${servedWhileDown.length} requests served while Redis was down are in the ledger after the restart within`, await flushedAfter);
    const [resR, resA] = await Promise.all([loadR.stop(), loadA.stop()]);

    // while down: "reject" answers 503 service_unavailable + Retry-After, fast; nothing else
    const duringR = resR.filter((x) => x.startedAt > stoppedAt + 100 && x.endedAt < upAt);
    expect(duringR.length).toBeGreaterThan(20);
    for (const x of duringR) {
      expect(x.status, x.body).toBe(503);
      expect(JSON.parse(x.body)).toMatchObject({ error: { code: 'service_unavailable' } });
    }
    const p99 = percentile(
      duringR.map((x) => x.endedAt - x.startedAt),
      99,
    );
    expect(p99).toBeLessThan(600); // bounded by redis_timeout_ms, never a hang
    report('reject gateway: 503 latency p99 while Redis is down', p99);
    // while down: "allow" serves every request, completely
    const duringA = resA.filter((x) => x.startedAt > stoppedAt + 100 && x.endedAt < upAt);
    expect(duringA.length).toBeGreaterThan(10);
    for (const x of duringA) expect(x.complete, `${x.status} ${x.body.slice(0, 200)}`).toBe(true);
    // nothing but 200 and (reject, while down) 503 anywhere; streams in flight at the stop completed
    for (const x of [...resR, ...resA]) expect([200, 503]).toContain(x.status);
    for (const x of [...resR, ...resA].filter((y) => y.status === 200)) expect(x.complete).toBe(true);
    expect(resA.every((x) => x.status === 200)).toBe(true);

    // full service after: every token of the reject gateway served again; measure from the restart
    const recovery = (res: Result[], n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const first = res.find((x) => x.token === i && x.status === 200 && x.startedAt > upAt);
        expect(first, `token ${i} never served after the restart`).toBeDefined();
        times.push(first!.endedAt - startedAt);
      }
      return Math.max(...times);
    };
    const recR = recovery(resR, 4);
    expect(recR).toBeLessThan(2500);
    report('reject gateway: every token served again after Redis came back, within', recR);
    const afterUp = resR.filter((x) => x.startedAt > startedAt + recR);
    expect(afterUp.length).toBeGreaterThan(10);
    expect(afterUp.every((x) => x.status === 200 && x.complete)).toBe(true);

    // no stuck slot: everything finished, so no live lease is left under either prefix
    await sleep(200);
    for (const gw of [reject, allow]) expect((await leases(redis.client, gw.prefix)).filter((l) => l.expiresAt > l.now)).toEqual([]);

    // buffered usage flushed: every completed request of both gateways reaches the ledger, including
    // the streams that finished while Redis was down (their finish waited in the worker's buffer)
    const flushR = await waitForLedger(
      reject.databaseUrl,
      resR.filter((x) => x.complete).map((x) => x.rid!),
      20_000,
    );
    const flushA = await waitForLedger(
      allow.databaseUrl,
      resA.filter((x) => x.complete).map((x) => x.rid!),
      20_000,
    );
    const bufferedA = duringA.length;
    report(`allow gateway: ${bufferedA} requests served while down, all in the ledger; ledger complete after`, flushA);
    report('reject gateway: ledger complete after', flushR);
    for (const gw of [reject, allow]) {
      const m = await (await fetch(gw.metricsUrl)).text();
      expect(m).toMatch(/^dsp_usage_events_pending 0$/m);
      expect(m).toMatch(/^dsp_usage_events_dropped_total 0$/m);
    }
  });
});
