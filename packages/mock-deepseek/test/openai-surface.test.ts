// The OpenAI-format surface beyond plain chat: v4 thinking rules, tool calls, the reasoning echo, JSON mode, FIM, strict tools.

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { expectedText, type MockDeepSeek } from '../src/index.js';
import { chat, dataChunks, raw, withMock } from './helpers.js';

let mock: MockDeepSeek;
withMock((m) => (mock = m));

const client = (beta = false): OpenAI => new OpenAI({ baseURL: mock.url + (beta ? '/beta' : ''), apiKey: 'sk-upstream', maxRetries: 0 });
const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { enum: ['c', 'f'] } }, required: ['city'] },
  },
};

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await raw(mock.url, { path, body });
  return { status: r.status, json: JSON.parse(r.text) };
}

describe('v4 models and thinking parameters', () => {
  it('v4 models think unless thinking is disabled; deepseek-chat does not unless enabled', async () => {
    const reasoning = async (extra: Record<string, unknown>) => (await post('/chat/completions', chat(extra))).json.choices[0].message.reasoning_content;
    expect(await reasoning({ model: 'deepseek-v4-flash' })).toBe(expectedText('reasoning', 8));
    expect(await reasoning({ model: 'deepseek-v4-pro' })).toBe(expectedText('reasoning', 8));
    expect(await reasoning({ model: 'deepseek-v4-pro', thinking: { type: 'disabled' } })).toBeUndefined();
    expect(await reasoning({ model: 'deepseek-chat' })).toBeUndefined();
    expect(await reasoning({ model: 'deepseek-chat', thinking: { type: 'enabled' } })).toBe(expectedText('reasoning', 8));
  });

  it('reasoning_effort max/xhigh doubles the reasoning; bad values are 422; unknown models 400', async () => {
    const max = await post('/chat/completions', chat({ model: 'deepseek-v4-flash', reasoning_effort: 'max' }));
    expect(max.json.usage.completion_tokens_details.reasoning_tokens).toBe(16);
    const high = await post('/chat/completions', chat({ model: 'deepseek-v4-flash', reasoning_effort: 'high' }));
    expect(high.json.usage.completion_tokens_details.reasoning_tokens).toBe(8);
    const effort = await post('/chat/completions', chat({ reasoning_effort: 'extreme' }));
    expect(effort.status).toBe(422);
    expect(effort.json.error.message).toContain('reasoning_effort');
    expect((await post('/chat/completions', chat({ thinking: { type: 'on' } }))).status).toBe(422);
    expect((await post('/chat/completions', chat({ thinking: 'enabled' }))).status).toBe(422);
    const unknown = await post('/chat/completions', chat({ model: 'gpt-4o' }));
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toBe('Model Not Exist');
  });
});

describe('tool calls', () => {
  it('answers a tool_calls message built from the schema, then text after the tool result', async () => {
    const c = client();
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await c.chat.completions.create({ model: 'deepseek-chat', messages, tools: [weather] });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_/);
    expect(call.type).toBe('function');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'mock', days: 1, unit: 'c' });
    expect(first.usage!.completion_tokens).toBe(Math.ceil(call.function.arguments.length / 8));

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '21 °C' });
    const second = await c.chat.completions.create({ model: 'deepseek-chat', messages, tools: [weather] });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toBe(expectedText('content', 8));
    expect(second.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('tool_choice: none answers text, a named function is called, required forces a call', async () => {
    const other: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };
    const none = await post('/chat/completions', chat({ tools: [weather], tool_choice: 'none' }));
    expect(none.json.choices[0].message.content).toBe(expectedText('content', 8));
    const named = await post('/chat/completions', chat({ tools: [weather, other], tool_choice: { type: 'function', function: { name: 'get_time' } } }));
    expect(named.json.choices[0].message.tool_calls[0].function).toEqual({ name: 'get_time', arguments: '{}' });
    const messages = [
      { role: 'user', content: 'x' },
      { role: 'tool', tool_call_id: 'call_1', content: 'y' },
    ];
    const required = await post('/chat/completions', chat({ messages, tools: [weather], tool_choice: 'required' }));
    expect(required.json.choices[0].finish_reason).toBe('tool_calls');
    expect((await post('/chat/completions', chat({ tools: [{ type: 'function' }] }))).status).toBe(422);
  });

  it('streams tool_calls deltas the SDK assembles', async () => {
    const stream = client().chat.completions.stream({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], tools: [weather] });
    const done = await stream.finalChatCompletion();
    const call = done.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(done.choices[0]!.finish_reason).toBe('tool_calls');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'mock', days: 1, unit: 'c' });
  });

  it('thinking mode: the tool turn must echo reasoning_content (400 otherwise, like DeepSeek); a new user turn need not', async () => {
    const c = client();
    const q: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'Weather?' };
    const first = await c.chat.completions.create({ model: 'deepseek-v4-flash', messages: [q], tools: [weather] });
    const msg = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(msg.reasoning_content).toBe(expectedText('reasoning', 8));
    const call = msg.tool_calls![0]!;
    const result: OpenAI.ChatCompletionMessageParam = { role: 'tool', tool_call_id: call.id, content: 'sunny' };

    const echoed = await c.chat.completions.create({ model: 'deepseek-v4-flash', messages: [q, msg, result], tools: [weather] });
    expect(echoed.choices[0]!.finish_reason).toBe('stop');

    const { reasoning_content: _dropped, ...stripped } = msg;
    const refused = c.chat.completions.create({ model: 'deepseek-v4-flash', messages: [q, stripped, result], tools: [weather] });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toThrow(/reasoning_content.*message index 1/);

    // non-thinking mode does not care, and an older turn's reasoning may be dropped
    expect(
      (await c.chat.completions.create({ model: 'deepseek-v4-flash', thinking: { type: 'disabled' }, messages: [q, stripped, result] } as any)).choices,
    ).toHaveLength(1);
    const later = await c.chat.completions.create({
      model: 'deepseek-v4-flash',
      messages: [q, stripped, result, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and tomorrow?' }],
    });
    expect(later.choices[0]!.message.content).toBe(expectedText('content', 8));
  });
});

describe('JSON mode', () => {
  it('answers valid JSON, streamed too; the prompt must mention json', async () => {
    const messages = [{ role: 'user', content: 'Reply in JSON please' }];
    const r = await post('/chat/completions', chat({ messages, response_format: { type: 'json_object' } }));
    expect(JSON.parse(r.json.choices[0].message.content)).toEqual({ text: expectedText('content', 8) });
    const s = await raw(mock.url, { body: chat({ messages, stream: true, response_format: { type: 'json_object' }, mock: { chunks: 3 } }) });
    const text = dataChunks(s.text)
      .map((c) => c.choices[0]?.delta?.content ?? '')
      .join('');
    expect(JSON.parse(text)).toEqual({ text: expectedText('content', 3) });
    const noWord = await post('/chat/completions', chat({ response_format: { type: 'json_object' } }));
    expect(noWord.status).toBe(400);
    expect(noWord.json.error.message).toContain('json');
    expect((await post('/chat/completions', chat({ response_format: { type: 'yaml' } }))).status).toBe(422);
  });
});

describe('FIM and /beta', () => {
  it('FIM through the SDK on /beta; thinking is refused; /completions outside /beta is 404', async () => {
    const fim = await client(true).completions.create({ model: 'deepseek-v4-flash', prompt: 'def f(x):\n', suffix: '\n', max_tokens: 5 });
    expect(fim.choices[0]!.text).toBe(expectedText('fim', 5));
    expect(fim.choices[0]!.finish_reason).toBe('length');
    const thinking = await post('/beta/completions', { model: 'deepseek-v4-flash', prompt: 'x', thinking: { type: 'enabled' } });
    expect(thinking.status).toBe(400);
    expect((await post('/beta/completions', { model: 'deepseek-reasoner', prompt: 'x' })).status).toBe(400);
    expect((await post('/completions', { model: 'deepseek-chat', prompt: 'x' })).status).toBe(404);
  });

  it('strict tools only on /beta, and only with closed schemas', async () => {
    const strict = (parameters: Record<string, unknown>) => [{ type: 'function', function: { name: 'f', strict: true, parameters } }];
    const closed = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const off = await post('/chat/completions', chat({ tools: strict(closed) }));
    expect(off.status).toBe(400);
    expect(off.json.error.message).toContain('beta');
    const on = await post('/beta/chat/completions', chat({ tools: strict(closed) }));
    expect(on.status).toBe(200);
    expect(JSON.parse(on.json.choices[0].message.tool_calls[0].function.arguments)).toEqual({ a: 'mock' });
    const open = await post(
      '/beta/chat/completions',
      chat({ tools: strict({ type: 'object', properties: { a: { type: 'string' } }, required: [], additionalProperties: false }) }),
    );
    expect(open.status).toBe(400);
    expect(open.json.error.message).toContain('"a" must be required');
    const loose = await post('/v1/beta/chat/completions', chat({ tools: strict({ type: 'object', properties: {} }) }));
    expect(loose.json.error.message).toContain('additionalProperties');
  });
});
