// Upstream faults: refused, connect timeout, hang before headers, hang mid-stream, reset mid-stream,
// 429/500/503 bursts, slow trickle. Each gets the documented answer (README.md "Error codes") or a
// cleanly ended stream, the [deepseek.http_client] timeouts are honoured within 10 %, the slot is
// always released (the next request on the same token is admitted), and a steady load of other
// tokens is never disturbed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { chat, freePort, leases, mintTokens, report, sleep, steadyLoad, waitFor, type Load } from './lib.js';

const CONNECT_S = 1;
const TIMEOUT_S = 2;
const STREAM_S = 1.5;
const HTTP_CLIENT = { connect_timeout_seconds: CONNECT_S, timeout_seconds: TIMEOUT_S, stream_timeout_seconds: STREAM_S };

interface Answer {
  status: number;
  text: string;
  ms: number;
  /** performance.now() of each body chunk */
  chunkAt: number[];
  endedAt: number;
  headers: Headers;
}

async function send(gw: Gateway, token: string, body: string): Promise<Answer> {
  const t0 = performance.now();
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  const reader = r.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  const chunkAt: number[] = [];
  for (;;) {
    const { done, value } = await reader.read(); // throws if the stream did not end cleanly
    if (done) break;
    chunkAt.push(performance.now());
    text += dec.decode(value, { stream: true });
  }
  const endedAt = performance.now();
  return { status: r.status, text, ms: endedAt - t0, chunkAt, endedAt, headers: r.headers };
}

const codeOf = (a: Answer) => (JSON.parse(a.text) as { error: { code: string } }).error.code;
/** the listener that never accepts is a 3-line python3 script (node always accepts) */
const HAS_PYTHON = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).stdout?.trim() === '1';

const within10 = (ms: number, seconds: number) => {
  expect(ms).toBeGreaterThanOrEqual(seconds * 1000 * 0.9);
  expect(ms).toBeLessThanOrEqual(seconds * 1000 * 1.1);
};

describe('upstream faults (mock upstream)', () => {
  let gw: Gateway;
  let tokens: string[];
  let load: Load;

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, config: { deepseek: { http_client: HTTP_CLIENT } } });
    tokens = (await mintTokens(gw, 'up', 8)).tokens;
    // warm up (verified-token cache, scripts loaded, upstream connections open): the timings below
    // then measure the deadlines, not a cold start
    for (let i = 0; i < 3; i++) await Promise.all(tokens.map((t) => send(gw, t, chat())));
    // the background: three other tokens, normal streams, all the time
    const bg = (await mintTokens(gw, 'up-bg', 3)).tokens;
    load = steadyLoad(gw, bg, () => chat({ stream: true, mock: { chunks: 4, chunkDelayMs: 5 } }), 30);
  });
  afterAll(async () => {
    await load?.stop();
    expect(await gw?.stop()).toBe(0);
  });

  /** the token's slot is free again: an ordinary request is admitted and completes */
  async function slotReleased(token: string): Promise<void> {
    const a = await send(gw, token, chat());
    expect(a.status, a.text).toBe(200);
    const sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
    expect((await leases(gw.redis, gw.prefix)).filter((l) => l.expiresAt > l.now && l.key.includes(`{u:${sub}}`))).toEqual([]);
  }

  it('hang before headers (non-stream and stream) → 504 upstream_timeout after timeout_seconds (±10 %)', async () => {
    for (const stream of [false, true]) {
      const a = await send(gw, tokens[0]!, chat({ stream, mock: { hang: 'before-headers' } }));
      expect(a.status).toBe(504);
      expect(codeOf(a)).toBe('upstream_timeout');
      within10(a.ms, TIMEOUT_S);
      report(`hang before headers (stream=${stream}) → 504 after`, a.ms);
      await slotReleased(tokens[0]!);
    }
  });

  it('hang mid-stream → the stream ends cleanly with an SSE error event after stream_timeout_seconds of silence (±10 %)', async () => {
    const a = await send(gw, tokens[1]!, chat({ stream: true, mock: { hang: 'mid-stream', chunks: 8 } }));
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // some chunks, then silence, then one error event and a clean end (the reader did not throw)
    expect(a.text).toMatch(/^data: \{/);
    expect(a.text).not.toContain('[DONE]');
    const last = a.text.trimEnd().split('\n\n').at(-1)!;
    expect(JSON.parse(last.slice('data: '.length))).toMatchObject({ error: { code: 'upstream_timeout', type: 'api_error' } });
    const silence = a.endedAt - a.chunkAt.at(-2)!;
    within10(silence, STREAM_S);
    report('hang mid-stream → clean SSE end after silence of', silence);
    await slotReleased(tokens[1]!);
  });

  it('hang mid-body (non-stream) → 504 after timeout_seconds (±10 %)', async () => {
    const a = await send(gw, tokens[1]!, chat({ mock: { hang: 'mid-stream' } }));
    expect(a.status).toBe(504);
    expect(codeOf(a)).toBe('upstream_timeout');
    within10(a.ms, TIMEOUT_S);
    await slotReleased(tokens[1]!);
  });

  it('reset mid-stream → the stream ends cleanly with an SSE error event; reset before headers → 502', async () => {
    const a = await send(gw, tokens[2]!, chat({ stream: true, mock: { reset: 'mid-stream', chunks: 8 } }));
    expect(a.status).toBe(200);
    expect(a.text).not.toContain('[DONE]');
    const last = a.text.trimEnd().split('\n\n').at(-1)!;
    expect(JSON.parse(last.slice('data: '.length))).toMatchObject({ error: { code: 'upstream_unreachable' } });
    expect(a.ms).toBeLessThan(1000);
    await slotReleased(tokens[2]!);
    for (const stream of [false, true]) {
      const b = await send(gw, tokens[2]!, chat({ stream, mock: { reset: 'before-headers' } }));
      expect(b.status).toBe(502);
      expect(codeOf(b)).toBe('upstream_unreachable');
      await slotReleased(tokens[2]!);
    }
    const c = await send(gw, tokens[2]!, chat({ mock: { reset: 'mid-stream' } }));
    expect(c.status).toBe(502);
    await slotReleased(tokens[2]!);
  });

  it('429 / 500 / 503 bursts from the upstream are passed through with their body; every slot is released', async () => {
    for (const status of [429, 500, 503]) {
      const burst = await Promise.all(tokens.map((t) => send(gw, t, chat({ stream: status === 500, mock: { status } }))));
      for (const a of burst) {
        expect(a.status).toBe(status);
        const j = JSON.parse(a.text) as { error: { message: string; type: string } };
        expect(typeof j.error.message).toBe('string');
      }
      // the very next burst is admitted (the previous one released every slot)
    }
    await Promise.all(tokens.map((t) => slotReleased(t)));
  });

  it('slow trickle (one byte per ms) completes, stream and non-stream', async () => {
    const s = await send(gw, tokens[3]!, chat({ stream: true, mock: { trickleMs: 1, chunks: 4 } }));
    expect(s.status).toBe(200);
    expect(s.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(s.chunkAt.length).toBeGreaterThanOrEqual(6); // it arrived event by event (incomplete events are held back)
    report('trickled stream (1 byte/ms) completed in', s.ms);
    const j = await send(gw, tokens[3]!, chat({ mock: { trickleMs: 1, chunks: 2 } }));
    expect(j.status).toBe(200);
    expect((JSON.parse(j.text) as { object: string }).object).toBe('chat.completion');
    await slotReleased(tokens[3]!);
  });

  it('the faults never touched anyone else: the background load was all 200 and complete', async () => {
    const results = await load.stop();
    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((r) => r.status !== 200 || !r.complete)).toEqual([]);
  });
});

describe('upstream faults (no upstream / a connect that never completes)', () => {
  let gw: Gateway;
  let port: number;
  let holder: ChildProcess | null = null;
  const fillers: Socket[] = [];

  beforeAll(async () => {
    port = await freePort();
    gw = await startGateway({ workers: 1, recorder: false, baseUrl: `http://127.0.0.1:${port}`, config: { deepseek: { http_client: HTTP_CLIENT } } });
  });
  afterAll(async () => {
    for (const s of fillers) s.destroy();
    holder?.kill('SIGKILL');
    expect(await gw.stop()).toBe(0);
  });

  it('connect refused → 502 upstream_unreachable, fast, slot released', async () => {
    const [token] = (await mintTokens(gw, 'refused', 1)).tokens;
    for (const stream of [false, true, false]) {
      const a = await send(gw, token!, chat({ stream }));
      expect(a.status).toBe(502); // not 429: the previous request released its slot
      expect(codeOf(a)).toBe('upstream_unreachable');
      expect(a.ms).toBeLessThan(500);
    }
    expect((await leases(gw.redis, gw.prefix)).filter((l) => l.expiresAt > l.now)).toEqual([]);
  });

  it.skipIf(!HAS_PYTHON)('connect timeout: a listener whose accept queue is full → 504 after connect_timeout_seconds (±10 %)', async () => {
    // a socket that listens with backlog 0 and never accepts; one queued connection fills it, so
    // the kernel drops the gateway's SYNs and its connect hangs (all on 127.0.0.1)
    holder = spawn(
      'python3',
      [
        '-c',
        `import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1',${port}))\ns.listen(0)\nprint('ok',flush=True)\ntime.sleep(120)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((res, rej) => {
      holder!.stdout!.once('data', () => res());
      holder!.once('error', rej);
    });
    for (let i = 0; i < 2; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
    }
    await sleep(100);
    const [token] = (await mintTokens(gw, 'connect-timeout', 1)).tokens;
    for (let i = 0; i < 2; i++) {
      const a = await send(gw, token!, chat());
      expect(a.status).toBe(504);
      expect(codeOf(a)).toBe('upstream_timeout');
      within10(a.ms, CONNECT_S);
      report('connect timeout → 504 after', a.ms);
    }
    await waitFor(async () => (await leases(gw.redis, gw.prefix)).every((l) => l.expiresAt <= l.now), 1000);
  });
});
