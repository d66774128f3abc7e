// A keep-alive client (Node's own fetch, i.e. undici's default agent, which reuses idle
// connections) sends mixed traffic through a 2-worker gateway: streams, streams with
// include_usage, non-streams, upstream 500s and streams it aborts after the first chunk. No
// request may fail with a socket error (`UND_ERR_SOCKET other side closed` on a reused
// connection), and the ledger holds exactly one row per request sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, startGateway, type Gateway } from './harness.js';
import { duplicates, ledgerRows, waitLedger } from './accounting-lib.js';

const TOKENS = 6;
const ROUNDS = 50;
const PASSES = Number(process.env.DSP_KEEPALIVE_PASSES ?? 2);
const KINDS = ['stream', 'stream-usage', 'json', 'err500', 'abort'] as const;
type Kind = (typeof KINDS)[number];

interface Sent {
  kind: Kind;
  status: number | null;
  rid: string | null;
  error: string | null;
}

function bodyOf(kind: Kind, round: number): string {
  const chunks = 3 + (round % 7);
  switch (kind) {
    case 'stream':
      return chatBody({ stream: true, mock: { chunks } });
    case 'stream-usage':
      return chatBody({ stream: true, stream_options: { include_usage: true }, mock: { chunks } });
    case 'json':
      return chatBody({ mock: { chunks } });
    case 'err500':
      return chatBody({ stream: round % 2 === 0, mock: { status: 500 } });
    case 'abort':
      return chatBody({ stream: true, mock: { chunks: 30, chunkDelayMs: 10 } });
  }
}

async function send(url: string, token: string, kind: Kind, round: number): Promise<Sent> {
  const out: Sent = { kind, status: null, rid: null, error: null };
  const ac = new AbortController();
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: bodyOf(kind, round),
      signal: ac.signal,
    });
    out.status = res.status;
    out.rid = res.headers.get('x-request-id');
    if (kind !== 'abort') {
      await res.text();
      return out;
    }
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});
  } catch (e) {
    if (!ac.signal.aborted) out.error = `${(e as Error).message}${(e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : ''}`;
  }
  return out;
}

describe('keep-alive clients under mixed traffic', () => {
  let gw: Gateway;
  const sent: Sent[] = [];

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, config: { log: { level: 'info' } } });
    const tokens = await Promise.all(Array.from({ length: TOKENS }, (_, t) => gw.mint({ sub: `ka-u${t}`, jti: `ka-t${t}`, concurrency: 4 })));
    for (let p = 0; p < PASSES; p++) {
      await Promise.all(
        tokens.map(async (token, t) => {
          for (let round = 0; round < ROUNDS; round++) sent.push(await send(gw.url, token, KINDS[(round + t) % KINDS.length]!, round));
        }),
      );
    }
  }, 300_000);

  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
  });

  it('no request fails with a socket error', () => {
    expect(sent.length).toBe(TOKENS * ROUNDS * PASSES);
    expect(sent.filter((s) => s.error !== null).map((s) => `${s.kind}: ${s.error}`)).toEqual([]);
    for (const s of sent) expect(s.status, s.kind).toBe(s.kind === 'err500' ? 500 : 200);
    // and no worker went down under it (a dying worker closes every connection it holds)
    expect(gw.logs.filter((l) => l.includes('worker died'))).toEqual([]);
  });

  it('the ledger holds exactly one row per request sent', async () => {
    const n = sent.length;
    expect(await waitLedger(gw.databaseUrl, n, 30_000)).toBe(n);
    const ids = (await ledgerRows(gw.databaseUrl)).map((r) => r.request_id);
    expect(duplicates(ids)).toEqual([]);
    const byId = new Set(ids);
    expect(sent.filter((s) => !s.rid || !byId.has(s.rid)).map((s) => `${s.kind} ${s.rid}`)).toEqual([]);
  });
});
