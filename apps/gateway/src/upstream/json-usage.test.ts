import { describe, expect, it } from 'vitest';
import { usageOfJson, usageSpan } from './json-usage.js';

const usage = {
  prompt_tokens: 12,
  completion_tokens: 30,
  total_tokens: 42,
  prompt_cache_hit_tokens: 4,
  prompt_cache_miss_tokens: 8,
  completion_tokens_details: { reasoning_tokens: 7 },
};
const answer = (content: string, u: unknown = usage) =>
  Buffer.from(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }], usage: u }));
const expected = { prompt: 12, completion: 30, total: 42, cacheHit: 4, cacheMiss: 8, reasoning: 7 };

describe('usageOfJson', () => {
  it('reads the trailing usage object, nested details included', () => {
    expect(usageOfJson(answer('Hello'))).toEqual(expected);
    const body = answer('Hello');
    const [from, to] = usageSpan(body)!;
    expect(JSON.parse(body.toString('utf8', from, to))).toEqual(usage);
  });

  it('is not fooled by "usage" or braces inside the answer text', () => {
    const tricky = 'the "usage": {"prompt_tokens": 999} } { and \\ backslashes "usage"';
    expect(usageOfJson(answer(tricky))).toEqual(expected);
    // the key inside text is escaped, so the last unescaped "usage" key is the real one
    expect(usageOfJson(Buffer.from(JSON.stringify({ choices: [{ message: { content: tricky } }] })))).toEqual({
      prompt: 0,
      completion: 0,
      total: 0,
      cacheHit: 0,
      cacheMiss: 0,
      reasoning: 0,
    });
  });

  it('handles whitespace between key and object (pretty-printed answers)', () => {
    const pretty = Buffer.from(JSON.stringify({ choices: [], usage }, null, 2));
    expect(usageOfJson(pretty)).toEqual(expected);
  });

  it('counts zero for a null, missing or malformed usage, and for a body that is not JSON', () => {
    const zero = { prompt: 0, completion: 0, total: 0, cacheHit: 0, cacheMiss: 0, reasoning: 0 };
    expect(usageOfJson(answer('x', null))).toEqual(zero);
    expect(usageOfJson(Buffer.from('{"choices":[]}'))).toEqual(zero);
    expect(usageOfJson(Buffer.from('{"usage":{"prompt_tokens":3'))).toEqual(zero); // cut off
    expect(usageOfJson(Buffer.from('not json'))).toEqual(zero);
    expect(usageOfJson(answer('x', { prompt_tokens: -1, completion_tokens: 'many' }))).toEqual(zero);
  });

  it('a usage key later in the body than the object falls back to the whole body', () => {
    // "usage" followed by something other than an object: span refused, whole-body parse used
    const body = Buffer.from(JSON.stringify({ usage, meta: { usage: 'n/a' } }));
    expect(usageSpan(body)).toBeNull();
    expect(usageOfJson(body)).toEqual(expected);
  });
});
