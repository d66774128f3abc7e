// Postgres stopped and restarted under a steady load: the gateway does not notice (every request
// is answered 200 and complete, at normal latency: Postgres is off the request path), and once
// Postgres is back the recorder catches up until the ledger holds every request. Uses a PRIVATE
// Postgres (initdb + pg_ctl on a random port, data in a temp dir); the shared 5432 is never touched.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { chat, ledgerIds, mintTokens, percentile, report, sleep, startPrivatePostgres, steadyLoad, waitForLedger, type PrivatePostgres } from './lib.js';

describe('Postgres outage (private Postgres)', () => {
  let pgsql: PrivatePostgres;
  let gw: Gateway;

  beforeAll(async () => {
    pgsql = await startPrivatePostgres();
    gw = await startGateway({ workers: 2, databaseUrl: pgsql.url });
  });
  afterAll(async () => {
    const code = await gw?.stop();
    pgsql?.destroy();
    expect(code).toBe(0);
  });

  it('requests keep being served while Postgres is down; the ledger is complete afterwards', async () => {
    const { tokens } = await mintTokens(gw, 'pgdown', 4);
    const load = steadyLoad(gw, tokens, (i, n) => chat({ stream: (i + n) % 2 === 0, mock: { chunks: 4, chunkDelayMs: 20 } }), 20);
    await sleep(1500);
    const before = load.results.filter((r) => r.complete).map((r) => r.rid!);

    const downAt = performance.now();
    pgsql.stop();
    const stoppedAt = performance.now();
    await sleep(4000);
    // nothing recorded while it is down, of course; but the gateway answers as before
    const upAt = performance.now();
    await pgsql.start();
    const startedAt = performance.now();
    report('private Postgres down for', startedAt - downAt);
    const whileDown = load.results.filter((r) => r.startedAt > stoppedAt && r.endedAt < upAt);
    const caughtUp = waitForLedger(
      pgsql.url,
      whileDown.filter((r) => r.complete).map((r) => r.rid!),
      30_000,
    );
    await sleep(1500);
    const results = await load.stop();

    expect(whileDown.length).toBeGreaterThan(30);
    expect(results.filter((r) => r.status !== 200 || !r.complete)).toEqual([]);
    const latency = (rs: typeof results) =>
      percentile(
        rs.map((r) => r.endedAt - r.startedAt),
        95,
      );
    const p95Before = latency(results.filter((r) => r.startedAt > downAt - 800 && r.endedAt < downAt)); // warm
    const p95Down = latency(whileDown);
    report('request latency p95 before / while Postgres is down', `${Math.round(p95Before)} / ${Math.round(p95Down)}`);
    expect(p95Down).toBeLessThan(Math.max(3 * p95Before, p95Before + 200));

    report(`the ${whileDown.length} requests served while Postgres was down are in the ledger after its restart within`, await caughtUp);
    const all = results.filter((r) => r.complete).map((r) => r.rid!);
    await waitForLedger(pgsql.url, all, 20_000);
    expect((await ledgerIds(pgsql.url, before)).size).toBe(before.length);
    // and the gateway is still the same: workers alive, ready
    expect(await gw.workerPids()).toHaveLength(2);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
  });
});
