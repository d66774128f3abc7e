// POST /anthropic/v1/messages with the official @anthropic-ai/sdk: answers, SSE events, thinking, tools, errors.

import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { cacheHitTokens, chatPromptTokens, expectedText, thinkingSignature, type MockDeepSeek } from '../src/index.js';
import { raw, sseEvents, withMock } from './helpers.js';

let mock: MockDeepSeek;
withMock((m) => (mock = m));

const client = (): Anthropic => new Anthropic({ baseURL: mock.url + '/anthropic', apiKey: 'sk-upstream', maxRetries: 0 });
const hello = [{ role: 'user' as const, content: 'Hello, how are you?' }];
const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};

/** Parses an Anthropic SSE body into [event, data] pairs, asserting each frame has exactly those two lines. */
function events(text: string): Array<[string, any]> {
  return sseEvents(text).map((e) => {
    const m = /^event: (\w+)\ndata: (.*)$/.exec(e);
    expect(m, e).not.toBeNull();
    const data = JSON.parse(m![2]!);
    expect(data.type).toBe(m![1]);
    return [m![1]!, data];
  });
}

describe('messages (non-stream)', () => {
  it("has Anthropic's shape; usage splits cached and uncached input", async () => {
    const long = 'z'.repeat(2000);
    const msg = await client().messages.create({
      model: 'deepseek-v4-flash',
      max_tokens: 100,
      system: 'Be terse.',
      messages: [{ role: 'user', content: long }],
    });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.model).toBe('deepseek-v4-flash');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content).toEqual([{ type: 'text', text: expectedText('content', 8) }]);
    const prompt = chatPromptTokens([{ content: 'Be terse.' }, { content: long }]);
    expect(msg.usage.cache_read_input_tokens).toBe(cacheHitTokens(prompt));
    expect(msg.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(msg.usage.input_tokens + msg.usage.cache_read_input_tokens!).toBe(prompt);
    expect(msg.usage.output_tokens).toBe(8);
    expect(mock.issuedUsage()).toMatchObject({ requests: 1, prompt_tokens: prompt, completion_tokens: 8 });
    const rec = mock.received[0]!;
    expect(rec.path).toBe('/anthropic/v1/messages');
    expect(rec.key).toBe('sk-upstream');
    expect(rec.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('max_tokens cuts the answer with stop_reason max_tokens', async () => {
    const msg = await client().messages.create({ model: 'deepseek-chat', max_tokens: 3, messages: hello });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.content).toEqual([{ type: 'text', text: expectedText('content', 3) }]);
  });

  it('thinking: a signed thinking block, and redacted_thinking on request', async () => {
    const msg = await client().messages.create({
      model: 'deepseek-v4-pro',
      max_tokens: 100,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: hello,
      // @ts-expect-error the mock's knob travels in the body
      mock: { redactedThinking: true },
    });
    const thinking = expectedText('reasoning', 8);
    expect(msg.content).toEqual([
      { type: 'thinking', thinking, signature: thinkingSignature(thinking) },
      { type: 'redacted_thinking', data: expect.any(String) },
      { type: 'text', text: expectedText('content', 8) },
    ]);
    expect(msg.usage.output_tokens).toBe(16);
    // without thinking, deepseek-v4-pro answers text only on this route
    const plain = await client().messages.create({ model: 'deepseek-v4-pro', max_tokens: 100, messages: hello });
    expect(plain.content.map((b) => b.type)).toEqual(['text']);
  });
});

describe('messages (stream)', () => {
  it('sends message_start, ping, content blocks, message_delta, message_stop as event:/data: frames', async () => {
    const r = await raw(mock.url, {
      path: '/anthropic/v1/messages',
      body: { model: 'deepseek-chat', max_tokens: 50, stream: true, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: hello, mock: { chunks: 2 } },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const ev = events(r.text);
    expect(ev.map(([e, d]) => (e === 'content_block_delta' ? e + ':' + d.delta.type : d.content_block ? e + ':' + d.content_block.type : e))).toEqual([
      'message_start',
      'ping',
      'content_block_start:thinking',
      'content_block_delta:thinking_delta',
      'content_block_delta:thinking_delta',
      'content_block_delta:signature_delta',
      'content_block_stop',
      'content_block_start:text',
      'content_block_delta:text_delta',
      'content_block_delta:text_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = ev[0]![1].message;
    expect(start.usage).toEqual({ input_tokens: expect.any(Number), cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 });
    const delta = ev.at(-2)![1];
    expect(delta).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } });
    expect(ev[5]![1].delta.signature).toBe(thinkingSignature(expectedText('reasoning', 2)));
    expect(ev[7]![1].index).toBe(1);
  });

  it("the SDK's stream helper assembles the same message as the non-stream answer", async () => {
    const stream = client().messages.stream({ model: 'deepseek-chat', max_tokens: 100, messages: hello });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const msg = await stream.finalMessage();
    expect(texts).toHaveLength(8);
    expect(msg.content).toEqual([{ type: 'text', text: expectedText('content', 8) }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(8);
  });

  it('a mid-stream reset cuts the events and issues no usage', async () => {
    const r = await raw(mock.url, {
      path: '/anthropic/v1/messages',
      body: { model: 'deepseek-chat', max_tokens: 50, stream: true, messages: hello, mock: { chunks: 6, reset: 'mid-stream' } },
    });
    expect(r.error).not.toBeNull();
    expect(r.text).toContain('event: message_start');
    expect(r.text).not.toContain('message_stop');
    expect(mock.issuedUsage().requests).toBe(0);
  });
});

describe('tools', () => {
  it('answers tool_use with input built from the schema, then text once the tool result comes back', async () => {
    const c = client();
    const first = await c.messages.create({
      model: 'deepseek-chat',
      max_tokens: 200,
      tools: [weather],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'mock', unit: 'celsius' } });
    expect(use.id).toMatch(/^toolu_/);
    const second = await c.messages.create({
      model: 'deepseek-chat',
      max_tokens: 200,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 °C' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content[0]!.type).toBe('text');
  });

  it('streams tool input as input_json_delta; the SDK parses it', async () => {
    const msg = await client()
      .messages.stream({ model: 'deepseek-chat', max_tokens: 200, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: hello })
      .finalMessage();
    expect(msg.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: { city: 'mock', unit: 'celsius' } }]);
  });

  it('with thinking, the tool turn must send the signed thinking block back', async () => {
    const c = client();
    const base = { model: 'deepseek-v4-flash', max_tokens: 300, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, tools: [weather] };
    const first = await c.messages.create({ ...base, messages: [{ role: 'user', content: 'Weather?' }] });
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const use = first.content[1] as Anthropic.ToolUseBlock;
    const result = { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: use.id, content: 'sunny' }] };

    const ok = await c.messages.create({ ...base, messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: first.content }, result] });
    expect(ok.content.map((b) => b.type)).toEqual(['thinking', 'text']);

    const stripped = c.messages.create({ ...base, messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: [use] }, result] });
    await expect(stripped).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(stripped).rejects.toThrow(/Expected `thinking` or `redacted_thinking`/);

    const forged = [{ ...(first.content[0] as Anthropic.ThinkingBlock), thinking: 'something else' }, use];
    const bad = c.messages.create({ ...base, messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: forged }, result] });
    await expect(bad).rejects.toThrow(/Invalid `signature`/);
  });
});

describe('errors', () => {
  it("the SDK raises its typed errors from the mock's Anthropic-shaped bodies", async () => {
    const c = client();
    const send = (status: number) =>
      c.messages.create({ model: 'deepseek-chat', max_tokens: 10, messages: hello }, { headers: { 'x-mock-status': String(status) } });
    await expect(send(401)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(send(429)).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await expect(send(500)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    type ApiError = InstanceType<typeof Anthropic.APIError>;
    const failure = (p: Promise<unknown>): Promise<ApiError> =>
      p.then(
        () => {
          throw new Error('expected an error');
        },
        (e: unknown) => e as ApiError,
      );
    const overloaded = await failure(send(503));
    expect(overloaded.status).toBe(503);
    expect((overloaded.error as any).error.type).toBe('overloaded_error');
    const missing = await failure(c.messages.create({ model: 'deepseek-chat', messages: hello } as any));
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
    expect(missing.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
  });

  it("other /anthropic paths are a 404 in Anthropic's shape; invalid JSON a 400", async () => {
    const r = await raw(mock.url, { path: '/anthropic/v1/messages/count_tokens', body: { model: 'deepseek-chat', messages: hello } });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('count_tokens') } });
    const bad = await raw(mock.url, { path: '/anthropic/v1/messages', body: '{"model":' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.type).toBe('invalid_request_error');
    const roles = await raw(mock.url, { path: '/anthropic/v1/messages', body: { model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] } });
    expect(JSON.parse(roles.text).error.message).toContain('messages.0.role');
  });
});
