// The ledger under faults, 400 mixed requests each: Postgres down during the run, the recorder
// killed mid-run, a gateway HTTP worker killed with kill -9 mid-run.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Gateway } from './harness.js';
import { metric, scrape, sleep } from './util.js';
import {
  dayCounters,
  duplicates,
  expectExactAccounting,
  ledgerCount,
  ledgerRows,
  makeLanes,
  recorderPid,
  runLoad,
  startPrivatePostgres,
  summarise,
  sums,
  upstreamIds,
  waitLedger,
  type Kind,
  type PrivatePostgres,
} from './accounting-lib.js';

const N = 400;
const CONCURRENCY = 16;
const NO_MIX: Record<Kind, number> = { json: 0, stream: 0, 'stream-usage': 0, 'abort-stream': 0, 'abort-early': 0, err500: 0, err429: 0, 'err500-stream': 0 };

describe('accounting faults', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch((e: Error) => console.error('cleanup:', e.message));
  });

  it('Postgres stopped during the run and started again: the ledger is complete after recovery', async () => {
    const db: PrivatePostgres = await startPrivatePostgres();
    cleanups.push(() => db.destroy());
    const gw: Gateway = await startGateway({ workers: 2, databaseUrl: db.url, config: { log: { level: 'info' } } });
    cleanups.push(() => gw.stop());
    const lanes = await makeLanes(gw, { users: 4, lanes: CONCURRENCY, tag: 'pgdown' });
    let stopping = Promise.resolve();
    const results = await runLoad(gw.url, {
      n: N,
      concurrency: CONCURRENCY,
      lanes,
      seed: 7,
      onProgress: (done) => {
        if (done === 40) stopping = db.stop();
      },
    });
    await stopping;
    // the run is over and Postgres is still down: the events wait in Redis (outbox / queue)
    await sleep(1500);
    const m = await scrape(gw);
    expect(metric(m, 'dsp_usage_events_dropped_total')).toBe(0);
    expect(metric(m, 'dsp_usage_record_failures_total')).toBeGreaterThan(0);
    await db.start();
    const before = await ledgerCount(db.url);
    expect(before).toBeLessThan(N);
    const count = await waitLedger(db.url, N, 60_000);
    console.log('pg down:', JSON.stringify(summarise(results)), `ledger ${before} when postgres came back, ${count} after`);
    await expectExactAccounting(gw, lanes, results, await ledgerRows(db.url), N);
  }, 150_000);

  it('the recorder killed mid-run and restarted by the primary: complete, no duplicates', async () => {
    const gw = await startGateway({ workers: 2, config: { log: { level: 'info' } } });
    cleanups.push(() => gw.stop());
    await waitFor(
      () => recorderPid(gw) !== null,
      10_000,
      () => gw.logs.join('\n'),
    );
    const first = recorderPid(gw)!;
    const lanes = await makeLanes(gw, { users: 4, lanes: CONCURRENCY, tag: 'reckill' });
    let killedAt = -1;
    const results = await runLoad(gw.url, {
      n: N,
      concurrency: CONCURRENCY,
      lanes,
      seed: 8,
      onProgress: (done) => {
        // wait until the recorder is busy with something, then kill it without a chance to ack
        if (killedAt < 0 && done >= 100) {
          killedAt = done;
          process.kill(first, 'SIGKILL');
        }
      },
    });
    await waitFor(
      () => (recorderPid(gw) ?? first) !== first,
      15_000,
      () => gw.logs.join('\n'),
    );
    // a job the dead recorder held is taken back only once its BullMQ lock expires (lockDuration)
    const count = await waitLedger(gw.databaseUrl, N, 90_000);
    console.log('recorder killed:', JSON.stringify(summarise(results)), `killed after ${killedAt}, ledger ${count}`);
    await expectExactAccounting(gw, lanes, results, await ledgerRows(gw.databaseUrl), N);
  }, 150_000);

  it('the recorder killed twice while it holds the same batch: written once, not failed', async () => {
    // one mover pass per second: the few requests below make at most one batch per worker
    const gw = await startGateway({ workers: 2, config: { log: { level: 'info' }, usage: { flush_interval_ms: 1000 } } });
    cleanups.push(() => gw.stop());
    await waitFor(
      () => recorderPid(gw) !== null,
      10_000,
      () => gw.logs.join('\n'),
    );
    const lanes = await makeLanes(gw, { users: 2, lanes: 8, tag: 'stall' });
    // the recorder's INSERTs wait on this lock, so its jobs stay active until we let go
    const holder = new pg.Client({ connectionString: gw.databaseUrl });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE usage_ledger IN EXCLUSIVE MODE');
    // watched from another session: inside the holder's transaction pg_stat_activity is a snapshot
    const watcher = new pg.Client({ connectionString: gw.databaseUrl });
    await watcher.connect();
    cleanups.push(() => watcher.end());
    const waiting = async () =>
      (
        await watcher.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO usage_ledger%'",
        )
      ).rows.map((r) => r.pid);
    const results = await runLoad(gw.url, { n: 8, concurrency: 8, lanes, seed: 10, mix: { ...NO_MIX, json: 1 } });
    expect(results.every((r) => r.status === 200 && r.complete)).toBe(true);
    // every batch is moved to the queue, and no more batches than the recorder runs at once (4)
    await waitFor(async () => (await gw.redis.llen(`${gw.prefix}bull:usage:wait`)) + (await gw.redis.llen(`${gw.prefix}bull:usage:active`)) > 0, 10_000);
    await sleep(2500);
    const jobs = Number(await gw.redis.get(`${gw.prefix}bull:usage:id`));
    expect(jobs).toBeGreaterThan(0);
    expect(jobs).toBeLessThanOrEqual(4);
    // a recorder (the first, or the replacement that took the stalled batches back) holds every
    // batch, each blocked in a new Postgres session of its own
    const seen = new Set<number>();
    const allBlocked = () =>
      waitFor(
        async () => (await waiting()).filter((p) => !seen.has(p)).length === jobs,
        40_000,
        () => gw.logs.join('\n'),
      );
    for (let kill = 1; kill <= 2; kill++) {
      await allBlocked();
      const pid = recorderPid(gw)!;
      process.kill(pid, 'SIGKILL');
      const orphans = await waiting();
      for (const backend of orphans) seen.add(backend);
      // the first time, its sessions live on and their INSERTs land once we let go — the same
      // events the replacement writes again; the second time they die with it
      if (kill === 2) for (const backend of orphans) await watcher.query('SELECT pg_terminate_backend($1, 5000)', [backend]);
      await waitFor(
        () => (recorderPid(gw) ?? pid) !== pid,
        15_000,
        () => gw.logs.join('\n'),
      );
    }
    // let go: the first recorder's orphaned INSERTs commit, and the third recorder takes the
    // twice-stalled batches back and must write them (again: the rows are there, no duplicates)
    await holder.query('COMMIT');
    const count = await waitLedger(gw.databaseUrl, 8, 40_000);
    const q = `${gw.prefix}bull:usage:`;
    const stalls = await Promise.all(Array.from({ length: jobs }, (_, j) => gw.redis.hget(`${q}${j + 1}`, 'stc')));
    expect({ count, failed: await gw.redis.zcard(`${q}failed`), stalls }).toEqual({ count: 8, failed: 0, stalls: stalls.map(() => '2') });
    const ids = new Set((await ledgerRows(gw.databaseUrl)).map((r) => r.request_id));
    expect(results.filter((r) => !ids.has(r.rid!))).toEqual([]);
  }, 150_000);

  it('a gateway worker killed with kill -9 mid-run: every complete response is in the ledger', async () => {
    const gw = await startGateway({ workers: 2, config: { log: { level: 'info' } } });
    cleanups.push(() => gw.stop());
    const lanes = await makeLanes(gw, { users: 4, lanes: CONCURRENCY, tag: 'wkill' });
    const pids = await gw.workerPids();
    expect(pids.length).toBe(2);
    let killed = 0;
    const results = await runLoad(gw.url, {
      n: N,
      concurrency: CONCURRENCY,
      lanes,
      seed: 9,
      onProgress: (done) => {
        if (done === 150) {
          killed = pids[0]!;
          process.kill(killed, 'SIGKILL');
        }
      },
    });
    // the primary forks a replacement in the same slot and keeps moving the dead worker's outbox
    await waitFor(
      async () => (await gw.workerPids()).filter((p) => p !== killed).length >= 2,
      15_000,
      () => gw.logs.join('\n'),
    );
    const complete = results.filter((r) => r.complete);
    const failed = results.filter((r) => r.error !== null);
    expect(failed.length, 'the kill cut some requests').toBeGreaterThan(0);
    expect(complete.length).toBeGreaterThan(N / 2);
    const upstream = upstreamIds(gw);
    // every request the gateway finished reaches the ledger; wait until nothing more arrives
    const until = Date.now() + 60_000;
    let rows = await ledgerRows(gw.databaseUrl);
    for (let stable = 0; stable < 10 && Date.now() < until;) {
      await sleep(300);
      const next = await ledgerRows(gw.databaseUrl);
      const byId = new Set(next.map((r) => r.request_id));
      stable = next.length === rows.length && complete.every((r) => !r.rid || byId.has(r.rid)) ? stable + 1 : 0;
      rows = next;
    }
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    const missing = complete.filter((r) => r.rid && !byId.has(r.rid)).map((r) => `${r.i} ${r.kind} ${r.status} ${r.rid}`);
    // a stream whose [DONE] arrived but whose connection died before the last chunk is not complete
    const doneButCut = results.filter((r) => r.sawDone && !r.complete);
    console.log(
      'worker killed:',
      JSON.stringify(summarise(results)),
      `complete ${complete.length}, cut short ${failed.length}, ledger ${rows.length}, upstream ${upstream.length}, [DONE] then cut ${doneButCut.length} (in ledger: ${doneButCut.filter((r) => r.rid && byId.has(r.rid)).length})`,
    );
    expect(missing).toEqual([]);
    expect(complete.filter((r) => r.kind !== 'abort-early' && !r.rid)).toEqual([]);
    // no duplicates, nothing the gateway never sent upstream
    expect(duplicates(rows.map((r) => r.request_id))).toEqual([]);
    const sent = new Set(upstream);
    expect(rows.filter((r) => !sent.has(r.request_id))).toEqual([]);
    // counters and ledger never disagree: each finished request charged Redis and wrote its
    // event in one step; a request cut by the kill did neither (its admission still counts)
    const users = [...new Set(lanes.map((l) => l.user))];
    const counters = await dayCounters(gw.redis, gw.prefix, users);
    expect(counters.tok).toBe(sums(rows).total);
    expect(counters.req).toBeGreaterThanOrEqual(upstream.length);
    expect(upstream.length).toBeGreaterThanOrEqual(rows.length);
  }, 150_000);
});
