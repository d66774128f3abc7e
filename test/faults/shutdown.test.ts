// Graceful shutdown: SIGTERM to the primary while 50 streams (50 tokens) are live. Every stream
// completes (all chunks + [DONE]) within server.shutdown_grace_seconds, new connections are refused
// meanwhile, the primary exits 0 after the last stream, and no usage is lost (a restarted gateway
// on the same Redis and database records every one of the 50).
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { randomPrefix, startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { chat, mintTokens, report, sleep, waitForLedger } from './lib.js';

const STREAMS = 50;
const CHUNKS = 30;
const CHUNK_MS = 100; // ~3 s per stream
const GRACE_S = 10;

function tryConnect(port: number): Promise<'refused' | 'connected' | string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? e.message)));
  });
}

describe('graceful shutdown', () => {
  let mock: MockDeepSeek;
  let db: TempDatabase;
  let gw: Gateway;
  let again: Gateway | null = null;
  const prefix = randomPrefix();

  beforeAll(async () => {
    mock = await startMockDeepSeek({});
    db = await createTempDatabase();
    gw = await startGateway({ workers: 2, mock, prefix, databaseUrl: db.url, config: { server: { shutdown_grace_seconds: GRACE_S } } });
  });
  afterAll(async () => {
    await again?.stop();
    await gw?.stop();
    await mock?.close();
    await db?.drop();
  });

  it('SIGTERM during 50 live streams: all complete within the grace period, new connections refused, exit 0', async () => {
    const { tokens } = await mintTokens(gw, 'drain', STREAMS);
    const body = chat({ stream: true, mock: { chunks: CHUNKS, chunkDelayMs: CHUNK_MS } });
    const streams = tokens.map(async (token) => {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      const text = await r.text();
      return { status: r.status, text, rid: r.headers.get('x-request-id'), endedAt: performance.now() };
    });
    // every stream is live (the mock has them all) before the signal
    const t0 = performance.now();
    while (mock.inFlight() < STREAMS && performance.now() - t0 < 5000) await sleep(20);
    expect(mock.inFlight()).toBe(STREAMS);
    await sleep(500);

    const exited = new Promise<{ code: number | null; at: number }>((res) => gw.proc.once('exit', (code) => res({ code, at: performance.now() })));
    const termAt = performance.now();
    gw.proc.kill('SIGTERM');

    // new connections are refused while the streams drain
    await sleep(300);
    const probes: string[] = [];
    for (let i = 0; i < 10; i++) {
      probes.push(await tryConnect(gw.port));
      await sleep(100);
    }
    expect(
      probes.every((p) => p === 'refused'),
      probes.join(','),
    ).toBe(true);

    const done = await Promise.all(streams);
    const lastEnd = Math.max(...done.map((d) => d.endedAt));
    for (const d of done) {
      expect(d.status).toBe(200);
      const frames = d.text.split('\n\n').filter(Boolean);
      // the role chunk, every content chunk, then [DONE] — nothing cut
      expect(frames.filter((f) => f.includes('"content":"') && !f.includes('"content":""')).length).toBe(CHUNKS);
      expect(d.text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(d.text).not.toContain('"error"');
    }
    expect(lastEnd - termAt).toBeLessThan(GRACE_S * 1000);
    report(`SIGTERM → all ${STREAMS} live streams completed after`, lastEnd - termAt);

    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at).toBeGreaterThanOrEqual(lastEnd - 5);
    expect(at - termAt).toBeLessThan(GRACE_S * 1000 + 2000);
    report('SIGTERM → primary exited 0 after', at - termAt);

    // nothing lost: the usage of all 50 is durable (ledger, or the queue / outbox in Redis); a
    // gateway started again on the same Redis prefix and database records every one
    again = await startGateway({ workers: 1, mock, prefix, databaseUrl: db.url, config: { server: { instance_id: `test-${gw.port}` } } });
    const ms = await waitForLedger(
      db.url,
      done.map((d) => d.rid!),
      20_000,
    );
    report('usage of the drained streams all in the ledger (restarted gateway) after', ms);
  });
});
