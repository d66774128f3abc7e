// Hang, reset, abort detection, concurrency peaks, records and issued usage.

import { describe, expect, it } from 'vitest';
import { startMockDeepSeek, type MockDeepSeek } from '../src/index.js';
import { chat, dataChunks, raw, sleep, waitFor, withMock } from './helpers.js';

let mock: MockDeepSeek;
withMock((m) => (mock = m));

describe('faults', () => {
  it('hang before headers: the client times out, the mock sees the abort', async () => {
    const t0 = performance.now();
    await expect(raw(mock.url, { body: chat({ stream: true }), headers: { 'x-mock-hang': 'before-headers' }, timeoutMs: 250 })).rejects.toThrow(
      'client timeout',
    );
    expect(performance.now() - t0).toBeGreaterThanOrEqual(240);
    await waitFor(() => mock.abortedCount() === 1, 500);
    expect(mock.inFlight()).toBe(0);
    expect(mock.received[0]!.aborted).toBe(true);
    expect(mock.issuedUsage().requests).toBe(0);

    // body knob, non-stream
    await expect(raw(mock.url, { body: chat({ mock: { hang: 'before-headers' } }), timeoutMs: 100 })).rejects.toThrow('client timeout');
    await waitFor(() => mock.abortedCount() === 2, 500);
  });

  it('hang mid-stream: half the chunks, then silence with the socket open', async () => {
    const r = await raw(mock.url, {
      body: chat({ stream: true, mock: { chunks: 8, hang: 'mid-stream' } }),
      timeoutMs: 300,
    });
    expect(r.status).toBe(200);
    expect(r.error?.message).toMatch(/client timeout|aborted|closed/);
    expect(r.text).not.toContain('[DONE]');
    expect(dataChunks(r.text)).toHaveLength(1 + 4);
    await waitFor(() => mock.abortedCount() === 1, 500);
  });

  it('reset before headers: the client sees a socket error', async () => {
    await expect(raw(mock.url, { body: chat(), headers: { 'x-mock-reset': 'before-headers' } })).rejects.toThrow(/ECONNRESET|socket hang up/);
    await sleep(20);
    expect(mock.abortedCount()).toBe(0); // the mock closed it itself
    expect(mock.inFlight()).toBe(0);
  });

  it('reset mid-stream: the client gets some chunks, then a socket error', async () => {
    const r = await raw(mock.url, { body: chat({ stream: true, mock: { chunks: 6, chunkDelayMs: 5, reset: 'mid-stream' } }) });
    expect(r.status).toBe(200);
    expect(r.error).not.toBeNull();
    expect(r.text).not.toContain('[DONE]');
    expect(dataChunks(r.text)).toHaveLength(1 + 3);
    await sleep(20);
    expect(mock.abortedCount()).toBe(0);
    expect(mock.inFlight()).toBe(0);
    expect(mock.issuedUsage().requests).toBe(0);

    // the same through fetch: the body read rejects
    const res = await fetch(mock.url + '/chat/completions', {
      method: 'POST',
      body: JSON.stringify(chat({ stream: true, mock: { chunks: 4, reset: 'mid-stream' } })),
    });
    await expect(res.text()).rejects.toThrow();
  });

  it('reset mid-body on a non-stream answer', async () => {
    const r = await raw(mock.url, { body: chat({ mock: { reset: 'mid-stream' } }) });
    expect(r.status).toBe(200);
    expect(r.error).not.toBeNull();
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('abort detection: a client that goes away mid-stream is counted within 100 ms', async () => {
    let abortAt = 0;
    const r = await raw(mock.url, {
      body: chat({ stream: true, user_id: 'aborter', mock: { chunks: 20, chunkDelayMs: 50 } }),
      onPiece: (p, all) => {
        if (all.filter((x) => x.data.toString().includes('data: ')).length >= 2) {
          abortAt = performance.now();
          return true;
        }
        return false;
      },
    });
    expect(r.error?.message).toBe('client abort');
    await waitFor(() => mock.abortedCount() === 1, 100, 1);
    const seen = mock.lastAbortAt();
    expect(seen).not.toBeNull();
    expect(seen! - abortAt).toBeLessThan(100);
    expect(seen! - abortAt).toBeGreaterThanOrEqual(0);
    expect(mock.inFlight()).toBe(0);
    expect(mock.received[0]!.aborted).toBe(true);
    expect(mock.received[0]!.userId).toBe('aborter');
    // pending timers were stopped: nothing else happens, no usage was issued
    await sleep(120);
    expect(mock.issuedUsage().requests).toBe(0);
    expect(mock.abortedCount()).toBe(1);
  });

  it('a completed request is not an abort', async () => {
    await raw(mock.url, { body: chat({ stream: true }) });
    await raw(mock.url, { body: chat() });
    await sleep(10);
    expect(mock.abortedCount()).toBe(0);
    expect(mock.lastAbortAt()).toBeNull();
    expect(mock.received.every((r) => !r.aborted)).toBe(true);
  });
});

describe('bookkeeping', () => {
  it('peak concurrency overall and per user_id', async () => {
    const slow = (user: string) => raw(mock.url, { body: chat({ stream: true, user_id: user, mock: { chunks: 3, chunkDelayMs: 60 } }) });
    const jobs = [...Array.from({ length: 4 }, () => slow('alice')), ...Array.from({ length: 2 }, () => slow('bob')), slow('carol')];
    await waitFor(() => mock.inFlight() === 7, 1000);
    await Promise.all(jobs);
    await waitFor(() => mock.inFlight() === 0, 500);
    expect(mock.peakConcurrency('alice')).toBe(4);
    expect(mock.peakConcurrency('bob')).toBe(2);
    expect(mock.peakConcurrency('carol')).toBe(1);
    expect(mock.peakConcurrency('nobody')).toBe(0);
    expect(mock.peakConcurrency()).toBe(7);

    // sequential requests never overlap
    mock.reset();
    for (let i = 0; i < 3; i++) await raw(mock.url, { body: chat({ user_id: 'dave' }) });
    expect(mock.peakConcurrency('dave')).toBe(1);
    expect(mock.peakConcurrency()).toBe(1);
  });

  it('records requests in arrival order with user_id and x-request-id', async () => {
    await raw(mock.url, { body: chat({ user_id: 'u-1' }), headers: { 'x-request-id': 'req-abc', 'x-custom': 'yes' } });
    await raw(mock.url, { path: '/v1/models' });
    await raw(mock.url, { body: chat({ user_id: 42 }) });
    expect(mock.received).toHaveLength(3);
    const [a, b, c] = mock.received;
    expect(a!.method).toBe('POST');
    expect(a!.path).toBe('/v1/chat/completions');
    expect(a!.userId).toBe('u-1');
    expect(a!.requestId).toBe('req-abc');
    expect(a!.headers['x-custom']).toBe('yes');
    expect(a!.body.messages[0].content).toBe('Hello, how are you?');
    expect(a!.at).toBeLessThanOrEqual(b!.at);
    expect(b!.method).toBe('GET');
    expect(b!.body).toBeNull();
    expect(c!.userId).toBeNull(); // not a string
    mock.reset();
    expect(mock.received).toHaveLength(0);
  });

  it('record: false keeps nothing but still counts', async () => {
    const m = await startMockDeepSeek({ record: false });
    try {
      await raw(m.url, { body: chat({ user_id: 'x' }) });
      expect(m.received).toHaveLength(0);
      expect(m.issuedUsage().requests).toBe(1);
      expect(m.peakConcurrency('x')).toBe(1);
    } finally {
      await m.close();
    }
  });

  it('issuedUsage sums what was reported, including streams without the usage chunk', async () => {
    const seen = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const add = (u: any) => {
      seen.prompt_tokens += u.prompt_tokens;
      seen.completion_tokens += u.completion_tokens;
      seen.total_tokens += u.total_tokens;
    };
    const a = await raw(mock.url, { body: chat() });
    add(JSON.parse(a.text).usage);
    const b = await raw(mock.url, { body: chat({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'y'.repeat(999) }] }) });
    add(JSON.parse(b.text).usage);
    const c = await raw(mock.url, { body: chat({ stream: true, stream_options: { include_usage: true }, mock: { chunks: 3 } }) });
    add(dataChunks(c.text).at(-1).usage);
    // a stream without include_usage still counts what the mock computed
    const d = await raw(mock.url, { body: chat({ stream: true, mock: { chunks: 5 } }) });
    expect(dataChunks(d.text).some((x) => 'usage' in x)).toBe(false);
    const twin = await raw(mock.url, { body: chat({ mock: { chunks: 5 } }) });
    const dUsage = JSON.parse(twin.text).usage;
    add(dUsage);
    add(dUsage);
    // FIM counts too
    const f = await raw(mock.url, { path: '/beta/completions', body: { model: 'deepseek-chat', prompt: 'abc' } });
    add(JSON.parse(f.text).usage);
    // errors and GETs do not
    await raw(mock.url, { body: chat(), headers: { 'x-mock-status': '500' } });
    await raw(mock.url, { path: '/models' });

    expect(mock.issuedUsage()).toEqual({ ...seen, requests: 6 });
    mock.reset();
    expect(mock.issuedUsage()).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, requests: 0 });
  });

  it('close() destroys open sockets, including hanging requests', async () => {
    const m = await startMockDeepSeek({ hang: 'before-headers' });
    const pending = raw(m.url, { body: chat() }).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await waitFor(() => m.inFlight() === 1, 500);
    await m.close();
    expect(await pending).toMatch(/socket hang up|ECONNRESET/);
  });
});
