// Clients and workers that go away: a client disconnect aborts the upstream at once and frees the
// slot; a worker killed with SIGKILL is replaced and its lease expires by itself; a client that
// reads slowly holds the upstream back instead of growing the worker's memory.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { chatBody, startGateway, waitFor, type Gateway } from './harness.js';
import { leaseKey, logLines, metric, openRaw, parseResponse, pidOwningConnection, post, rawPost, rawRequest, rssOf, scrape, sleep } from './util.js';

const LEASE_SECONDS = 2;

/** A raw streaming client: collects what arrives, can wait for it, stop reading, or vanish. */
class RawStream {
  bytes: Buffer[] = [];
  size = 0;
  closed = false;
  /** the last bytes seen, to spot the end of a chunked response without joining everything */
  tail = '';
  private constructor(readonly socket: Socket) {
    socket.on('data', (b) => {
      this.bytes.push(b);
      this.size += b.length;
      this.tail = (this.tail + b.toString('latin1', Math.max(0, b.length - 16))).slice(-16);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }
  static async open(gw: Gateway, token: string, body: string): Promise<RawStream> {
    return new RawStream(await openRaw(gw.port, rawPost('/v1/chat/completions', token, body)));
  }
  ended(): boolean {
    return this.tail.endsWith('\r\n0\r\n\r\n');
  }
  reset(): void {
    this.bytes = [];
    this.size = 0;
    this.tail = '';
  }
  /** A connection (no request yet) that worker `pid` accepted; others are dropped and retried. */
  static async toWorker(gw: Gateway, pid: number): Promise<RawStream> {
    for (let i = 0; i < 30; i++) {
      const socket = await openRaw(gw.port, '');
      let owner: number | null = null;
      await waitFor(async () => (owner = pidOwningConnection(socket.localPort!, gw.port, await gw.workerPids())) !== null, 1000);
      if (owner === pid) return new RawStream(socket);
      socket.destroy();
    }
    throw new Error(`no connection reached worker ${pid}`);
  }
  text(): string {
    return Buffer.concat(this.bytes).toString('latin1');
  }
  until(pred: (text: string) => boolean, ms = 5000): Promise<void> {
    return waitFor(
      () => pred(this.text()),
      ms,
      () => this.text().slice(0, 2000),
    );
  }
  /** data frames seen so far (a frame may be split over two chunks of the HTTP framing; good enough to count a few) */
  frames(): number {
    return this.text().split('data: ').length - 1;
  }
  requestId(): string {
    const r = parseResponse(Buffer.concat(this.bytes), true)!;
    return r.headers['x-request-id']!;
  }
}

describe('aborts, crashes and slow readers', () => {
  let gw: Gateway;
  let db: pg.Pool;

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, config: { limits: { lock_lease_seconds: LEASE_SECONDS } } });
    db = new pg.Pool({ connectionString: gw.databaseUrl, max: 1 });
  });
  afterAll(async () => {
    await db.end();
    expect(await gw.stop()).toBe(0);
  });

  it('client disconnect mid-stream: the mock sees the abort within 100 ms, the slot is free for the next request', async () => {
    const sub = 'ab-disconnect';
    const jti = 'ab-disconnect-t';
    const token = await gw.mint({ sub, jti });
    const latencies: number[] = [];
    let lastRid = '';
    for (let i = 0; i < 3; i++) {
      gw.mock.reset();
      const s = await RawStream.open(gw, token, chatBody({ stream: true, mock: { chunks: 400, chunkDelayMs: 20 } }));
      await s.until(() => s.frames() >= 5);
      lastRid = s.requestId();
      const t = performance.now();
      s.socket.destroy();
      await waitFor(() => gw.mock.lastAbortAt() !== null, 2000);
      latencies.push(gw.mock.lastAbortAt()! - t);
      expect(gw.mock.abortedCount()).toBe(1);
      expect(gw.mock.received.at(-1)!.aborted).toBe(true);
      // the very next request of the same token is admitted
      const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
      expect(r.status, `attempt ${i}: ${r.status === 200 ? '' : await r.clone().text()}`).toBe(200);
      await r.text();
    }
    console.log(`abort latency (client close → mock sees the upstream abort), ms: ${latencies.map((l) => l.toFixed(1)).join(', ')}`);
    for (const l of latencies) expect(l).toBeLessThan(100);
    expect(await gw.redis.zcard(leaseKey(gw, sub, jti))).toBe(0);
    // the aborted request is still recorded, as aborted
    await waitFor(async () => (await db.query('SELECT 1 FROM usage_ledger WHERE request_id = $1', [lastRid])).rowCount === 1, 10_000);
    const row = (await db.query('SELECT aborted, status, stream, user_id FROM usage_ledger WHERE request_id = $1', [lastRid])).rows[0];
    expect(row).toEqual({ aborted: true, status: 499, stream: true, user_id: sub });
  });

  it('a client that leaves before its body is complete is finished at once; SIGTERM drains an in-flight stream, then exits 0', async () => {
    const own = await startGateway({ workers: 1, recorder: false });
    let stopped: Promise<number | null> | null = null;
    try {
      const token = await own.mint({ sub: 'ab-midbody' });
      const s = await openRaw(own.port, rawPost('/v1/chat/completions', token, chatBody()).slice(0, -10));
      await sleep(100);
      s.destroy();
      await waitFor(async () => metric(await scrape(own), 'dsp_requests_total', { status: '499' }) === 1, 3000);

      // a stream in flight when SIGTERM arrives runs to its end; the drain does not wait for the
      // request that left mid-body (shutdown_grace_seconds is 10 in the harness)
      const jti = 'ab-drain-t';
      const streaming = await RawStream.open(
        own,
        await own.mint({ sub: 'ab-drain', jti }),
        chatBody({ stream: true, mock: { chunks: 10, chunkDelayMs: 100 } }),
      );
      await streaming.until(() => streaming.frames() >= 2);
      const t0 = performance.now();
      const exited = new Promise<number>((resolve) => own.proc.once('exit', () => resolve(performance.now() - t0)));
      stopped = own.stop();
      await waitFor(() => streaming.ended(), 5000);
      expect(parseResponse(Buffer.concat(streaming.bytes), true)!.body.toString().endsWith('data: [DONE]\n\n')).toBe(true);
      const ms = await exited;
      expect(await stopped).toBe(0);
      expect(ms).toBeGreaterThan(500);
      expect(ms).toBeLessThan(4000);
      expect(own.logs.some((l) => l.includes('grace period over'))).toBe(false);
    } finally {
      if (!stopped) await own.stop();
    }
  });

  it('a client that stops reading holds the upstream back; worker RSS stays bounded over a 20 MB stream', async () => {
    const chunks = 90_000; // ~230 bytes a frame: ~20 MB
    const body = chatBody({ stream: true, mock: { chunks } });
    // first the stream read at full speed: it warms the worker's heap, so the baseline is fair
    const warm = await RawStream.open(gw, await gw.mint({ sub: 'ab-warm' }), body);
    let pid: number | null = null;
    await waitFor(async () => (pid = pidOwningConnection(warm.socket.localPort!, gw.port, await gw.workerPids())) !== null, 2000);
    const before = rssOf(pid!);
    await waitFor(() => warm.ended(), 30_000);
    const streamBytes = parseResponse(Buffer.concat(warm.bytes), true)!.body.length;
    expect(streamBytes).toBeGreaterThan(19_000_000);
    const warmGrowth = rssOf(pid!) - before;
    warm.socket.destroy();

    // then the slow read, on a new connection (its receive buffer not grown by a fast read) to the
    // same worker
    const completed = gw.mock.issuedUsage().requests;
    const s = await RawStream.toWorker(gw, pid!);
    s.socket.once('data', () => s.socket.pause()); // stop reading right at the first bytes
    s.socket.write(rawPost('/v1/chat/completions', await gw.mint({ sub: 'ab-slow' }), body));
    await waitFor(() => s.size > 0, 5000);
    expect(pidOwningConnection(s.socket.localPort!, gw.port, await gw.workerPids())).toBe(pid);
    const base = rssOf(pid!);
    let peak = base;
    let stalledPeak: number;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid!))), 50);
    try {
      // fully stalled for 2 s: without backpressure the mock would finish and the worker buffer it all
      await sleep(2000);
      stalledPeak = peak;
      expect(gw.mock.issuedUsage().requests - completed, 'the mock was held back').toBe(0);
      // what did arrive sits in the kernel's socket buffers (both ends), not in the worker
      const stalledAt = s.size;
      // then read slowly: ~8 MB/s in bursts
      const t0 = performance.now();
      const midway: { read?: number; mockDone?: number } = {};
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('slow read did not finish in 30 s')), 30_000);
        let budget = 0;
        const tick = setInterval(() => {
          // a second into the read (about a third of the stream read): the mock must still be held
          // back by the reader's pace; a gateway buffering the stream would have let it finish
          if (midway.read === undefined && performance.now() - t0 >= 1000) {
            midway.read = s.size;
            midway.mockDone = gw.mock.issuedUsage().requests - completed;
          }
          budget += 400_000; // per 50 ms
          if (s.ended() || s.closed) {
            clearInterval(tick);
            clearTimeout(deadline);
            resolve();
            return;
          }
          s.socket.resume();
        }, 50);
        s.socket.on('data', (b) => {
          budget -= b.length;
          if (budget <= 0) s.socket.pause();
        });
      });
      const seconds = (performance.now() - t0) / 1000;
      const delta = peak - base;
      console.log(
        `slow reader: worker RSS grew ${(warmGrowth / 1e6).toFixed(1)} MB over the first (fast) read; ${(streamBytes / 1e6).toFixed(1)} MB streamed, ${(stalledAt / 1e6).toFixed(2)} MB had arrived when stalled, read phase ${seconds.toFixed(1)} s; worker RSS base ${(base / 1e6).toFixed(1)} MB, peak while stalled ${(stalledPeak / 1e6).toFixed(1)} MB, peak ${(peak / 1e6).toFixed(1)} MB, growth ${(delta / 1e6).toFixed(1)} MB; a second into the read ${((midway.read ?? 0) / 1e6).toFixed(1)} MB read, mock finished: ${midway.mockDone}`,
      );
      // stalled, a gateway without backpressure would take in the whole stream (the mock is fast);
      // this one takes in nothing
      expect(stalledPeak - base).toBeLessThan(4_000_000);
      // reading, backpressure still holds: checked at the source, which does not depend on V8's heap
      // sizing (RSS growth while reading was 0–17 MB between runs: chunks allocated and collected)
      expect(midway.read, 'the read lasted over a second').toBeDefined();
      expect(midway.read!).toBeLessThan(streamBytes / 2);
      expect(midway.mockDone, 'the mock was held back while the client read slowly').toBe(0);
      // and the worker never held the whole stream
      expect(delta).toBeLessThan(streamBytes);
    } finally {
      clearInterval(sampler);
    }
    const got = parseResponse(Buffer.concat(s.bytes), true)!.body;
    expect(got.length).toBe(streamBytes);
    expect(got.toString('latin1').endsWith('data: [DONE]\n\n')).toBe(true);
    s.socket.destroy();
  });

  it('kill -9 of the worker holding a lease: a replacement starts, and the token works again once the lease expired', async () => {
    const sub = 'ab-kill';
    const jti = 'ab-kill-t';
    const token = await gw.mint({ sub, jti });
    const before = await gw.workerPids();
    expect(before).toHaveLength(2);
    const s = await RawStream.open(gw, token, chatBody({ stream: true, mock: { chunks: 1000, chunkDelayMs: 20 } }));
    await s.until(() => s.frames() >= 3);
    const victim = pidOwningConnection(s.socket.localPort!, gw.port, before);
    expect(victim, 'the worker holding the stream').not.toBeNull(); // it answered, so it accepted
    expect(await gw.redis.zcard(leaseKey(gw, sub, jti))).toBe(1);
    const aborted = gw.mock.abortedCount();

    process.kill(victim!, 'SIGKILL');
    const killedAt = performance.now();
    await waitFor(() => s.closed, 2000);
    await waitFor(() => gw.mock.abortedCount() > aborted, 2000);
    // the dead worker's lease is still there: the token is refused until it expires
    const early = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
    const earlyAt = performance.now() - killedAt;
    await early.text();
    if (earlyAt < 1000) expect(early.status).toBe(429);
    expect(await gw.redis.zcard(leaseKey(gw, sub, jti))).toBe(1);

    // the primary starts a replacement
    await waitFor(
      async () => {
        const now = await gw.workerPids();
        return now.length === 2 && !now.includes(victim!);
      },
      10_000,
      () => gw.logs.slice(-20).join('\n'),
    );
    const after = await gw.workerPids();
    expect(after.filter((p) => !before.includes(p))).toHaveLength(1);
    expect(gw.logs.some((l) => l.includes('worker died; restarting') && l.includes('SIGKILL'))).toBe(true);

    // and the token works again once the lease expired, without anyone cleaning up
    let recoveredAt = -1;
    await waitFor(
      async () => {
        const r = await post(`${gw.url}/v1/chat/completions`, token, chatBody());
        await r.text();
        if (r.status !== 200) {
          expect(r.status).toBe(429);
          return false;
        }
        recoveredAt = performance.now() - killedAt;
        return true;
      },
      // the lease's own expiry plus slack for a loaded host (each probe is a full request); how soon
      // it happened is printed, not asserted: a timing bound here failed on a CI host at load 20
      (LEASE_SECONDS + 8) * 1000,
    );
    console.log(`kill -9: lease freed ${recoveredAt.toFixed(0)} ms after the kill (lease ${LEASE_SECONDS} s)`);
    expect(recoveredAt).toBeGreaterThan(0);
    // the replacement serves requests
    const fresh = after.find((p) => !before.includes(p))!;
    await waitFor(async () => {
      // a fresh connection each time: the kernel spreads them over the workers' listen sockets
      const r = await rawRequest(gw.port, rawPost('/v1/chat/completions', await gw.mint({ sub: 'ab-after' }), chatBody(), ['connection: close']));
      expect(r.status).toBe(200);
      return logLines(gw).some((l) => l.msg === 'request' && l.pid === fresh);
    }, 5000);
  });
});
