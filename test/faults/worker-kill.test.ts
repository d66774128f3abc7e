// kill -9 of one HTTP worker under a steady load of streams from eight tokens: the primary replaces
// it; only the requests that were in flight on that worker fail; none of its leases outlives
// limits.lock_lease_seconds (a token whose request died is admitted again once its lease ran out);
// and every completed request's usage reaches the ledger (the primary keeps moving its slot's outbox).
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { chat, leases, mintTokens, pidOfRequest, report, sleep, steadyLoad, waitFor, waitForLedger } from './lib.js';

const LEASE_S = 2;
const TOKENS = 8;

describe('worker kill -9', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ workers: 2, config: { limits: { lock_lease_seconds: LEASE_S } } });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('replaced; only its in-flight requests fail; its leases expire within lock_lease_seconds; no completed usage lost', async () => {
    const before = await gw.workerPids();
    expect(before).toHaveLength(2);
    const { tokens, subs } = await mintTokens(gw, 'kill', TOKENS);
    // streams of ~300 ms: a worker always has some in flight
    const load = steadyLoad(gw, tokens, () => chat({ stream: true, mock: { chunks: 10, chunkDelayMs: 30 } }), 20);
    await sleep(1500);

    // which worker serves each token's connection (its last answer's request id, in the debug log)
    const pidOfLoop = new Map<number, number>();
    await waitFor(() => {
      for (let i = 0; i < TOKENS; i++) {
        const last = load.results.filter((r) => r.token === i && r.complete).at(-1);
        const pid = last?.rid ? pidOfRequest(gw, last.rid) : null;
        if (pid) pidOfLoop.set(i, pid);
      }
      return pidOfLoop.size === TOKENS;
    }, 5000);
    const onWorker = (pid: number) => [...pidOfLoop].filter(([, p]) => p === pid).map(([i]) => i);
    // kill the worker with more connections; both must have some for the test to mean anything
    const victim = before.sort((a, b) => onWorker(b).length - onWorker(a).length)[0]!;
    const survivor = before.find((p) => p !== victim)!;
    const victimLoops = new Set(onWorker(victim));
    expect(victimLoops.size).toBeGreaterThan(0);
    // (SO_REUSEPORT puts all 8 connections on one worker once in ~128 runs: then nobody is spared)
    if (onWorker(survivor).length === 0) console.log('[note] every connection was on the victim this time');

    // sample every lease under the prefix from the kill on: none may reach past now + lease
    let maxAhead = 0;
    const leaseSnapshots: Awaited<ReturnType<typeof leases>>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ls = await leases(gw.redis, gw.prefix);
        leaseSnapshots.push(ls);
        for (const l of ls) maxAhead = Math.max(maxAhead, l.expiresAt - l.now);
        await sleep(100);
      }
    })();

    const killedAt = performance.now();
    const killedEpoch = Date.now(); // the Redis clock of the lease scores (same host)
    process.kill(victim, 'SIGKILL');

    // replaced
    let replacement = 0;
    await waitFor(async () => {
      const now = await gw.workerPids();
      replacement = now.find((p) => !before.includes(p)) ?? 0;
      return replacement > 0 && now.length === 2;
    }, 10_000);
    const replacedMs = performance.now() - killedAt;
    report('worker kill -9 → replacement listening after', replacedMs);

    await sleep(LEASE_S * 1000 + 1500);
    sampling = false;
    await sampler;
    const results = await load.stop();

    // only the victim's in-flight requests failed: at most one per connection it served, each
    // started before the kill and ended right after it
    const failed = results.filter((r) => r.status !== 200 && r.status !== 429);
    const incomplete = results.filter((r) => r.status === 200 && !r.complete);
    expect(incomplete).toEqual([]);
    for (const f of failed) {
      expect(victimLoops.has(f.token), `token ${f.token} failed but was served by the surviving worker`).toBe(true);
      // (a request sent in the few ms the kill signal takes to land counts as in flight on it)
      expect(f.startedAt).toBeLessThan(killedAt + 50);
      expect(f.endedAt - killedAt).toBeLessThan(500);
    }
    expect(failed.length).toBeLessThanOrEqual(victimLoops.size);
    expect(failed.length).toBeGreaterThan(0);
    // the survivor's tokens never noticed
    for (const r of results.filter((x) => !victimLoops.has(x.token) && x.startedAt > killedAt - 2000)) expect(r.status).toBe(200);

    // the dead worker's leases: every lease seen whose request never got an answer (the loops wait
    // for all others, so each other lease's request id came back as x-request-id), plus the upstream
    // requests it had in flight. (Upstream alone misses a request killed between the last upstream
    // byte and its finish script, which a loaded host makes likely enough to fail a run.)
    const answered = new Set(results.map((r) => r.rid).filter((rid) => rid !== null));
    const abortedUpstream = gw.mock.received.filter((q) => q.aborted && q.requestId).map((q) => q.requestId!);
    const deadRids = [...new Set([...leaseSnapshots.flat().map((l) => l.member), ...abortedUpstream])].filter((rid) => !answered.has(rid));
    expect(deadRids.length).toBeGreaterThan(0);
    for (const snap of leaseSnapshots) {
      for (const l of snap.filter((x) => deadRids.includes(x.member))) expect(l.expiresAt - killedEpoch).toBeLessThanOrEqual(LEASE_S * 1000 + 50);
    }
    expect(maxAhead).toBeLessThanOrEqual(LEASE_S * 1000 + 50);
    const live = (await leases(gw.redis, gw.prefix)).filter((l) => deadRids.includes(l.member) && l.expiresAt > l.now);
    expect(live).toEqual([]);
    // a token whose request died was blocked at most for the lease (429), then served again
    for (const i of new Set(failed.map((f) => f.token))) {
      const next200 = results.find((r) => r.token === i && r.status === 200 && r.startedAt > killedAt);
      expect(next200, `token ${i} was never served again`).toBeDefined();
      const blockedMs = next200!.startedAt - killedAt;
      expect(blockedMs).toBeLessThanOrEqual(LEASE_S * 1000 + 700);
      report(`token ${subs[i]} (request killed) admitted again after`, blockedMs);
    }
    const blocked = results.filter((r) => r.status === 429);
    for (const b of blocked) {
      expect(failed.some((f) => f.token === b.token)).toBe(true);
      expect(b.startedAt - killedAt).toBeLessThan(LEASE_S * 1000 + 500);
    }

    // every completed request is in the ledger (events of the dead worker that were in its outbox included)
    const completed = results.filter((r) => r.complete).map((r) => r.rid!);
    expect(completed.length).toBeGreaterThan(50);
    const ledgerMs = await waitForLedger(gw.databaseUrl, completed);
    report(`all ${completed.length} completed requests in the ledger, ${failed.length} killed in flight; ledger caught up after`, ledgerMs);
  });
});
