// Non-stream answers, FIM, models, balance, validation and error bodies.

import { describe, expect, it } from 'vitest';
import { chatPromptTokens, expectedText, fimPromptTokens, startMockDeepSeek, type MockDeepSeek } from '../src/index.js';
import { chat, raw, withMock } from './helpers.js';

let mock: MockDeepSeek;
withMock((m) => (mock = m));

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(mock.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as any };
}

describe('chat completion (non-stream)', () => {
  it('has the DeepSeek shape and consistent usage', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello, how are you?' },
    ];
    const r = await post('/chat/completions', { model: 'deepseek-chat', messages });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const b = r.json;
    expect(b.object).toBe('chat.completion');
    expect(typeof b.id).toBe('string');
    expect(b.id.length).toBeGreaterThan(8);
    expect(Number.isInteger(b.created)).toBe(true);
    expect(Math.abs(b.created - Date.now() / 1000)).toBeLessThan(5);
    expect(b.model).toBe('deepseek-chat');
    expect(typeof b.system_fingerprint).toBe('string');
    expect(b.choices).toHaveLength(1);
    const c = b.choices[0];
    expect(c.index).toBe(0);
    expect(c.finish_reason).toBe('stop');
    expect(c.message.role).toBe('assistant');
    expect(c.message.content).toBe(expectedText('content', 8));
    expect(c.message.content.startsWith('Hello from the mock')).toBe(true);
    expect(c.message).not.toHaveProperty('reasoning_content');

    const u = b.usage;
    expect(u.prompt_tokens).toBe(chatPromptTokens(messages));
    expect(u.completion_tokens).toBe(8);
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    expect(u.prompt_cache_hit_tokens + u.prompt_cache_miss_tokens).toBe(u.prompt_tokens);
    expect(u.completion_tokens_details.reasoning_tokens).toBe(0);
  });

  it('is deterministic and echoes the model; long prompts get cache hits', async () => {
    const long = 'x'.repeat(4000);
    const a = await post('/v1/chat/completions', chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: long }] }));
    const b = await post('/v1/chat/completions', chat({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: long }] }));
    expect(a.json.model).toBe('deepseek-v4-flash');
    expect(a.json.usage).toEqual(b.json.usage);
    expect(a.json.choices[0].message.content).toBe(b.json.choices[0].message.content);
    expect(a.json.id).not.toBe(b.json.id);
    expect(a.json.usage.prompt_tokens).toBe(4 + 1000);
    expect(a.json.usage.prompt_cache_hit_tokens).toBeGreaterThan(0);
    expect(a.json.usage.prompt_cache_hit_tokens % 64).toBe(0);
    expect(a.json.usage.prompt_cache_hit_tokens + a.json.usage.prompt_cache_miss_tokens).toBe(a.json.usage.prompt_tokens);
  });

  it('deepseek-reasoner and thinking mode carry reasoning_content and reasoning_tokens', async () => {
    const r = await post('/chat/completions', chat({ model: 'deepseek-reasoner' }));
    const m = r.json.choices[0].message;
    expect(m.reasoning_content).toBe(expectedText('reasoning', 8));
    expect(m.content).toBe(expectedText('content', 8));
    expect(r.json.usage.completion_tokens_details.reasoning_tokens).toBe(8);
    expect(r.json.usage.completion_tokens).toBe(16);
    expect(r.json.usage.total_tokens).toBe(r.json.usage.prompt_tokens + 16);

    const t = await post('/chat/completions', chat({ model: 'deepseek-v4-pro', thinking: { type: 'enabled' } }));
    expect(t.json.model).toBe('deepseek-v4-pro');
    expect(typeof t.json.choices[0].message.reasoning_content).toBe('string');
    expect(t.json.usage.completion_tokens_details.reasoning_tokens).toBe(8);

    const off = await post('/chat/completions', chat({ model: 'deepseek-reasoner', thinking: { type: 'disabled' } }));
    expect(off.json.choices[0].message).not.toHaveProperty('reasoning_content');
    expect(off.json.usage.completion_tokens_details.reasoning_tokens).toBe(0);
  });

  it('respects a smaller max_tokens with finish_reason "length"', async () => {
    const r = await post('/chat/completions', chat({ max_tokens: 3 }));
    expect(r.json.choices[0].finish_reason).toBe('length');
    expect(r.json.choices[0].message.content).toBe(expectedText('content', 3));
    expect(r.json.usage.completion_tokens).toBe(3);

    const big = await post('/chat/completions', chat({ max_tokens: 100 }));
    expect(big.json.choices[0].finish_reason).toBe('stop');

    const reason = await post('/chat/completions', chat({ model: 'deepseek-reasoner', max_tokens: 10 }));
    expect(reason.json.usage.completion_tokens).toBe(10);
    expect(reason.json.usage.completion_tokens_details.reasoning_tokens).toBe(8);
    expect(reason.json.choices[0].message.content).toBe(expectedText('content', 2));
    expect(reason.json.choices[0].finish_reason).toBe('length');
  });

  it('the chunks knob sets the number of words', async () => {
    const r = await post('/chat/completions', chat({ mock: { chunks: 20 } }));
    expect(r.json.choices[0].message.content).toBe(expectedText('content', 20));
    expect(r.json.usage.completion_tokens).toBe(20);
    const zero = await post('/chat/completions', chat({ mock: { chunks: 0 } }));
    expect(zero.json.choices[0].message.content).toBe('');
    expect(zero.json.usage.completion_tokens).toBe(0);
  });
});

describe('other routes', () => {
  it('FIM /beta/completions answers text_completion', async () => {
    const body = { model: 'deepseek-chat', prompt: 'def add(a, b):\n', suffix: '\n\nprint(add(1, 2))' };
    for (const path of ['/beta/completions', '/v1/beta/completions']) {
      const r = await post(path, body);
      expect(r.status).toBe(200);
      expect(r.json.object).toBe('text_completion');
      expect(r.json.model).toBe('deepseek-chat');
      expect(r.json.choices[0].text).toBe(expectedText('fim', 8));
      expect(r.json.choices[0].finish_reason).toBe('stop');
      expect(r.json.choices[0].index).toBe(0);
      expect(r.json.usage.prompt_tokens).toBe(fimPromptTokens(body.prompt, body.suffix));
      expect(r.json.usage.completion_tokens).toBe(8);
    }
    const missing = await post('/beta/completions', { model: 'deepseek-chat' });
    expect(missing.status).toBe(422);
  });

  it('GET /models lists the four models', async () => {
    for (const path of ['/models', '/v1/models']) {
      const res = await fetch(mock.url + path);
      expect(res.status).toBe(200);
      const b = (await res.json()) as any;
      expect(b.object).toBe('list');
      expect(b.data.map((m: any) => m.id).sort()).toEqual(['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro'].sort());
      for (const m of b.data) expect(m).toEqual({ id: m.id, object: 'model', owned_by: 'deepseek' });
    }
  });

  it('GET /user/balance', async () => {
    const b = (await (await fetch(mock.url + '/user/balance')).json()) as any;
    expect(b.is_available).toBe(true);
    expect(b.balance_infos[0]).toEqual({
      currency: expect.any(String),
      total_balance: expect.any(String),
      granted_balance: expect.any(String),
      topped_up_balance: expect.any(String),
    });
  });

  it('unknown path is a DeepSeek-style 404', async () => {
    const r = await post('/v1/nothing/here', {});
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: expect.any(String) } });
  });
});

describe('validation and errors', () => {
  it('invalid JSON is 400 invalid_request_error', async () => {
    const r = await post('/chat/completions', '{"model": "deepseek-chat", ');
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.param).toBeNull();
    // the raw body is still recorded
    expect(mock.received.at(-1)!.body).toBe('{"model": "deepseek-chat", ');
  });

  it('missing model or messages is 422', async () => {
    const noModel = await post('/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    expect(noModel.status).toBe(422);
    expect(noModel.json.error.message).toContain('model');
    const noMessages = await post('/chat/completions', { model: 'deepseek-chat' });
    expect(noMessages.status).toBe(422);
    expect(noMessages.json.error.message).toContain('messages');
    const empty = await post('/chat/completions', { model: 'deepseek-chat', messages: [] });
    expect(empty.status).toBe(422);
    const badMax = await post('/chat/completions', chat({ max_tokens: 0 }));
    expect(badMax.status).toBe(422);
  });

  it('status knob answers with DeepSeek-style error bodies', async () => {
    const types: Record<number, string> = {
      401: 'authentication_error',
      402: 'unknown_error',
      422: 'invalid_request_error',
      429: 'rate_limit_error',
      500: 'server_error',
      503: 'service_unavailable_error',
    };
    for (const [status, type] of Object.entries(types)) {
      const r = await post('/chat/completions', chat(), { 'x-mock-status': status });
      expect(r.status).toBe(Number(status));
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(r.json.error.type).toBe(type);
      expect(r.json.error.param).toBeNull();
      expect(r.json.error.message.length).toBeGreaterThan(0);
    }
    const r402 = await post('/chat/completions', chat({ mock: { status: 402 } }));
    expect(r402.json.error.message).toBe('Insufficient Balance');
    // error answers issue no usage
    expect(mock.issuedUsage().requests).toBe(0);
  });

  it('an error status also works on a stream request and after a first-byte delay', async () => {
    const t0 = performance.now();
    const r = await raw(mock.url, { body: chat({ stream: true, mock: { status: 429, firstByteDelayMs: 80 } }) });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    expect(r.status).toBe(429);
    expect(JSON.parse(r.text).error.type).toBe('rate_limit_error');
  });

  it('requireKey enforces Authorization: Bearer <key>', async () => {
    const m = await startMockDeepSeek({ requireKey: 'sk-secret' });
    try {
      const none = await fetch(m.url + '/chat/completions', { method: 'POST', body: JSON.stringify(chat()) });
      expect(none.status).toBe(401);
      expect(((await none.json()) as any).error.type).toBe('authentication_error');
      const wrong = await fetch(m.url + '/chat/completions', {
        method: 'POST',
        headers: { authorization: 'Bearer sk-wrong1234' },
        body: JSON.stringify(chat()),
      });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as any).error.message).toContain('1234');
      const ok = await fetch(m.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: 'Bearer sk-secret' },
        body: JSON.stringify(chat()),
      });
      expect(ok.status).toBe(200);
      const models = await fetch(m.url + '/models');
      expect(models.status).toBe(401);
    } finally {
      await m.close();
    }
  });
});
