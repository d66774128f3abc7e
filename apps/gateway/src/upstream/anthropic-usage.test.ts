import { describe, expect, it } from 'vitest';
import { AnthropicUsageReader, anthropicJsonUsage } from './anthropic-usage.js';

const ev = (type: string, data: string) => `event: ${type}\ndata: ${data}\n\n`;
const start = ev(
  'message_start',
  '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"usage":{"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":64,"output_tokens":1}}}',
);
const text = (t: string) => ev('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${t}"}}`);
const delta = (out: number) =>
  ev('message_delta', `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${out}}}`);
const stop = ev('message_stop', '{"type":"message_stop"}');
const body = [start, ev('ping', '{"type": "ping"}'), text('Hel'), text('"usage" is a word'), delta(3), delta(7), stop].join('');

function run(size: number, upTo = body.length) {
  const r = new AnthropicUsageReader();
  const bytes = Buffer.from(body).subarray(0, upTo);
  const seen: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) seen.push(r.push(bytes.subarray(i, i + size)));
  return { before: Buffer.concat(seen).toString(), counts: r.counts(), tail: r.flush()?.toString() ?? '' };
}

describe('AnthropicUsageReader', () => {
  it('passes every byte through, holds message_stop for the end, reads usage whatever the chunking', () => {
    for (const size of [1, 2, 5, 64, body.length]) {
      const r = run(size);
      expect(r.before).toBe(body.slice(0, body.indexOf('event: message_stop')));
      expect(r.tail).toBe(stop);
      expect(r.counts).toEqual({ prompt: 104, completion: 7, cacheHit: 64, cacheMiss: 40, reasoning: 0, total: 111 });
    }
  });

  it("a stream cut before its message_delta counts the prompt and the start's output figure", () => {
    const r = run(7, body.indexOf('event: message_delta'));
    expect(r.counts).toMatchObject({ prompt: 104, completion: 1, cacheHit: 64 });
    expect(r.tail).toBe('');
    expect(run(3, 10).counts.total).toBe(0);
  });

  it('an unterminated last event is held and flushed; garbage does not throw', () => {
    const r = new AnthropicUsageReader();
    expect(r.push(Buffer.from('event: message_delta\ndata: {"usage":{'))).toHaveLength(0);
    expect(r.flush()!.toString()).toBe('event: message_delta\ndata: {"usage":{');
    expect(r.push(Buffer.from('event: x\ndata: {"usage": nope}\n\n')).toString()).toContain('nope');
    expect(r.counts().total).toBe(0);
  });
});

describe('anthropicJsonUsage', () => {
  it('reads a whole message; a tool input with its own usage key does not confuse it', () => {
    const msg = {
      id: 'msg_1',
      type: 'message',
      content: [{ type: 'tool_use', id: 't', name: 'f', input: { usage: { input_tokens: 999 } } }],
      usage: { input_tokens: 10, cache_read_input_tokens: 0, output_tokens: 5 },
    };
    expect(anthropicJsonUsage(Buffer.from(JSON.stringify(msg)))).toEqual({ prompt: 10, completion: 5, cacheHit: 0, cacheMiss: 10, reasoning: 0, total: 15 });
    expect(anthropicJsonUsage(Buffer.from('not json')).total).toBe(0);
  });
});
