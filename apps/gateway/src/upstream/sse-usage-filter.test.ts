import { describe, expect, it } from 'vitest';
import { SseUsageFilter } from './sse-usage-filter.js';

const chunk = (content: string) =>
  `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
const usage = 'data: {"id":"x","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}\n\n';
const done = 'data: [DONE]\n\n';
const stream = [': keep-alive\n\n', chunk('Hel'), chunk('lo'), usage, done].join('');

/** Feed the stream in pieces of `size` bytes; returns what the client saw before and after the end. */
function run(strip: boolean, size: number) {
  const f = new SseUsageFilter(strip);
  const bytes = Buffer.from(stream);
  const seen: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) seen.push(f.push(bytes.subarray(i, i + size)));
  return { before: Buffer.concat(seen).toString(), tail: f.flush()?.toString() ?? '', usage: f.usage };
}

describe('SseUsageFilter', () => {
  it('strips the usage-only chunk the client did not ask for, whatever the chunking', () => {
    for (const size of [1, 2, 7, 50, stream.length]) {
      const r = run(true, size);
      expect(r.before + r.tail).toBe(stream.replace(usage, ''));
      expect(r.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    }
  });

  it('passes everything through byte for byte when the client asked for usage', () => {
    for (const size of [1, 3, stream.length]) {
      const r = run(false, size);
      expect(r.before + r.tail).toBe(stream);
      expect(r.usage?.total_tokens).toBe(8);
    }
  });

  it('holds back data: [DONE] until the end, and forwards keep-alive comments at once', () => {
    const r = run(true, stream.length);
    expect(r.before.startsWith(': keep-alive\n\n')).toBe(true);
    expect(r.before).not.toContain('[DONE]');
    expect(r.tail).toBe(done);
  });

  it('forwards plain chunks without copying them', () => {
    const f = new SseUsageFilter(true);
    const b = Buffer.from(chunk('x'));
    expect(f.push(b)).toBe(b);
  });
});
