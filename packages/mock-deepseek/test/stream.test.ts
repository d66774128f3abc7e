// SSE framing, keep-alive comments, chunk timing, knobs, and a real OpenAI client.

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { chatPromptTokens, expectedText, startMockDeepSeek, type MockDeepSeek } from '../src/index.js';
import { chat, dataChunks, raw, sseEvents, withMock } from './helpers.js';

let mock: MockDeepSeek;
withMock((m) => (mock = m));

/** Asserts the exact framing: only `data: …` events (or comments), each followed by a blank line, ending in [DONE]. */
function assertFraming(text: string): string[] {
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  const events = sseEvents(text);
  for (const e of events) {
    expect(e.startsWith('data: ') || e.startsWith(':')).toBe(true);
    expect(e.includes('\n')).toBe(false); // one line per event
    if (e.startsWith('data: ') && e !== 'data: [DONE]') expect(() => JSON.parse(e.slice(6))).not.toThrow();
  }
  expect(events.filter((e) => e === 'data: [DONE]')).toHaveLength(1);
  return events;
}

describe('stream framing', () => {
  it('is exact: role chunk, content chunks, finish on the last one, no usage unless asked, [DONE]', async () => {
    const body = chat({ stream: true });
    const r = await raw(mock.url, { body });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    const events = assertFraming(r.text);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    const chunks = dataChunks(r.text);
    expect(chunks).toHaveLength(1 + 8);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('deepseek-chat');
      expect(c.choices).toHaveLength(1);
      expect(c).not.toHaveProperty('usage');
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks[0].choices[0].finish_reason).toBeNull();
    const content = chunks.map((c) => c.choices[0].delta.content ?? '').join('');
    expect(content).toBe(expectedText('content', 8));
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1).choices[0].delta.content).not.toBe('');
  });

  it('adds exactly one usage chunk with empty choices when include_usage is set', async () => {
    const body = chat({ stream: true, stream_options: { include_usage: true } });
    const r = await raw(mock.url, { body });
    assertFraming(r.text);
    const chunks = dataChunks(r.text);
    expect(chunks).toHaveLength(1 + 8 + 1);
    const withUsage = chunks.filter((c) => 'usage' in c);
    expect(withUsage).toHaveLength(1);
    const last = chunks.at(-1);
    expect(last).toBe(withUsage[0]);
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens).toBe(chatPromptTokens(body.messages as unknown[]));
    expect(last.usage.completion_tokens).toBe(8);
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + 8);
    expect(last.usage.prompt_cache_hit_tokens + last.usage.prompt_cache_miss_tokens).toBe(last.usage.prompt_tokens);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');

    const off = await raw(mock.url, { body: chat({ stream: true, stream_options: { include_usage: false } }) });
    expect(dataChunks(off.text).some((c) => 'usage' in c)).toBe(false);
  });

  it('reasoner streams reasoning_content deltas first, then content', async () => {
    const r = await raw(mock.url, {
      body: chat({ model: 'deepseek-reasoner', stream: true, stream_options: { include_usage: true }, mock: { chunks: 4 } }),
    });
    assertFraming(r.text);
    const chunks = dataChunks(r.text);
    const deltas = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
    expect(deltas[0].role).toBe('assistant');
    const reasoning = deltas.slice(1, 5);
    const content = deltas.slice(5);
    expect(reasoning.every((d) => d.content === null && typeof d.reasoning_content === 'string')).toBe(true);
    expect(reasoning.map((d) => d.reasoning_content).join('')).toBe(expectedText('reasoning', 4));
    expect(content.every((d) => typeof d.content === 'string' && d.reasoning_content == null)).toBe(true);
    expect(content.map((d) => d.content).join('')).toBe(expectedText('content', 4));
    expect(chunks.at(-1).usage.completion_tokens_details.reasoning_tokens).toBe(4);
    expect(chunks.at(-1).usage.completion_tokens).toBe(8);
  });

  it('max_tokens truncates the stream with finish_reason "length"', async () => {
    const r = await raw(mock.url, { body: chat({ stream: true, max_tokens: 2, stream_options: { include_usage: true } }) });
    const chunks = dataChunks(r.text);
    expect(chunks).toHaveLength(1 + 2 + 1);
    expect(chunks[2].choices[0].finish_reason).toBe('length');
    expect(chunks[3].usage.completion_tokens).toBe(2);
  });

  it('FIM streams text_completion chunks', async () => {
    const r = await raw(mock.url, {
      path: '/beta/completions',
      body: { model: 'deepseek-chat', prompt: 'def f(', suffix: ')', stream: true, stream_options: { include_usage: true } },
    });
    assertFraming(r.text);
    const chunks = dataChunks(r.text);
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
    const texts = chunks.filter((c) => c.choices.length > 0);
    expect(texts.map((c) => c.choices[0].text).join('')).toBe(expectedText('fim', 8));
    expect(texts.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1).usage.completion_tokens).toBe(8);
  });

  it('keep-alive comment lines come before the first data frame', async () => {
    const r = await raw(mock.url, { body: chat({ stream: true, mock: { keepAliveLines: 3, keepAliveIntervalMs: 15 } }) });
    expect(r.text.startsWith(': keep-alive\n\n: keep-alive\n\n: keep-alive\n\ndata: ')).toBe(true);
    const events = assertFraming(r.text);
    expect(events.filter((e) => e === ': keep-alive')).toHaveLength(3);
    // they arrive spread over time, before the data
    const firstData = r.pieces.find((p) => p.data.toString().includes('data: '))!;
    expect(r.pieces[0]!.data.toString().startsWith(': keep-alive')).toBe(true);
    expect(firstData.t - r.pieces[0]!.t).toBeGreaterThanOrEqual(30);
  });

  it('non-stream keep-alive is empty lines before the JSON', async () => {
    const r = await raw(mock.url, { body: chat({ mock: { keepAliveLines: 2, keepAliveIntervalMs: 5 } }) });
    expect(r.status).toBe(200);
    expect(r.text.startsWith('\n\n{')).toBe(true);
    expect(JSON.parse(r.text).object).toBe('chat.completion');
  });

  it('chunks arrive as they are produced (first long before last)', async () => {
    const r = await raw(mock.url, { body: chat({ stream: true, mock: { chunks: 5, chunkDelayMs: 30 } }) });
    const dataPieces = r.pieces.filter((p) => p.data.toString().includes('data: '));
    expect(dataPieces.length).toBeGreaterThanOrEqual(5);
    const first = dataPieces[0]!.t;
    const last = dataPieces.at(-1)!.t;
    expect(first - r.sentAt).toBeLessThan(100);
    expect(last - first).toBeGreaterThanOrEqual(5 * 30 - 15);
    expect(dataChunks(r.text)).toHaveLength(6);
  });

  it('with chunkDelayMs 0 every chunk is its own write', async () => {
    // a write per chunk shows up as one HTTP chunk each; we can see it in the chunked framing on the wire
    const net = await import('node:net');
    const wire = await new Promise<string>((resolve, reject) => {
      const body = JSON.stringify(chat({ stream: true, mock: { chunks: 3 } }));
      const s = net.connect(mock.port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got.includes('\r\n0\r\n\r\n')) s.end();
      });
      s.on('end', () => resolve(got));
      s.on('error', reject);
      s.write(
        `POST /chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    const bodyPart = wire.slice(wire.indexOf('\r\n\r\n') + 4);
    // chunk-size lines followed by exactly one SSE event each
    const sizes = bodyPart.match(/(^|\r\n)[0-9a-f]+\r\ndata: /g) ?? [];
    expect(sizes.length).toBe(1 + 3 + 1); // role, 3 content, [DONE]
  });
});

describe('knobs', () => {
  it('header knobs and body knobs both work; the body wins', async () => {
    const h = await raw(mock.url, { body: chat({ stream: true }), headers: { 'x-mock-chunks': '3' } });
    expect(dataChunks(h.text)).toHaveLength(1 + 3);
    const b = await raw(mock.url, { body: chat({ stream: true, mock: { chunks: 5 } }) });
    expect(dataChunks(b.text)).toHaveLength(1 + 5);
    const both = await raw(mock.url, { body: chat({ stream: true, mock: { chunks: 2 } }), headers: { 'x-mock-chunks': '6' } });
    expect(dataChunks(both.text)).toHaveLength(1 + 2);

    const t0 = performance.now();
    const d = await raw(mock.url, { body: chat(), headers: { 'x-mock-first-byte-delay-ms': '120' } });
    expect(d.pieces[0]!.t - t0).toBeGreaterThanOrEqual(110);
    const t1 = performance.now();
    const d2 = await raw(mock.url, { body: chat({ mock: { firstByteDelayMs: 120 } }) });
    expect(d2.pieces[0]!.t - t1).toBeGreaterThanOrEqual(110);

    const ka = await raw(mock.url, { body: chat({ stream: true }), headers: { 'x-mock-keep-alive-lines': '2', 'x-mock-chunk-delay-ms': '1' } });
    expect(ka.text.startsWith(': keep-alive\n\n: keep-alive\n\ndata: ')).toBe(true);
  });

  it('setBehaviour changes the defaults; setBehaviour({}) restores the startup options', async () => {
    const m = await startMockDeepSeek({ chunks: 4 });
    try {
      const get = async (extra: Record<string, unknown> = {}) =>
        (await (await fetch(m.url + '/chat/completions', { method: 'POST', body: JSON.stringify(chat(extra)) })).json()) as any;
      expect((await get()).usage.completion_tokens).toBe(4);
      m.setBehaviour({ chunks: 2 });
      expect((await get()).usage.completion_tokens).toBe(2);
      expect((await get({ mock: { chunks: 7 } })).usage.completion_tokens).toBe(7);
      m.setBehaviour({ status: 503 });
      const res = await fetch(m.url + '/chat/completions', { method: 'POST', body: JSON.stringify(chat()) });
      expect(res.status).toBe(503);
      m.setBehaviour({});
      expect((await get()).usage.completion_tokens).toBe(4);
    } finally {
      await m.close();
    }
  });

  it('trickle sends the stream a byte at a time', async () => {
    const r = await raw(mock.url, { body: chat({ stream: true, mock: { chunks: 1, trickleMs: 1 } }) });
    assertFraming(r.text);
    expect(dataChunks(r.text)).toHaveLength(2);
    // far more pieces than frames, most of a single byte
    expect(r.pieces.length).toBeGreaterThan(100);
    const single = r.pieces.filter((p) => p.data.length === 1).length;
    expect(single / r.pieces.length).toBeGreaterThan(0.8);
  });
});

describe('real OpenAI client', () => {
  it('streams through keep-alive comments and reads the usage chunk', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: mock.url + '/v1', maxRetries: 0, timeout: 10_000 });
    const params: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    };
    // the mock knob rides in the body, as the gateway would forward it
    Object.assign(params, { mock: { keepAliveLines: 2, keepAliveIntervalMs: 5 } });
    const stream = await client.chat.completions.create(params);
    let text = '';
    let usage: any = null;
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(expectedText('content', 8));
    expect(finish).toBe('stop');
    expect(usage.completion_tokens).toBe(8);

    const plain = await client.chat.completions.create({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'hi' }] });
    expect(plain.choices[0]!.message.content).toBe(expectedText('content', 8));
    expect((plain.choices[0]!.message as any).reasoning_content).toBe(expectedText('reasoning', 8));
  });
});
