// The official `openai` npm client (6.49.0, the newest without a Node-22 engines field) pointed at
// the gateway: chat, streamed chat, models, and the gateway's 429 as the client's RateLimitError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { upstreamUserId } from '@dsp/core';
import { expectedText } from '@dsp/mock-deepseek';
import { startGateway, waitFor, type Gateway } from './harness.js';

describe('openai npm client against the gateway', () => {
  let gw: Gateway;
  const client = (token: string) => new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 10_000 });
  const messages = [{ role: 'user' as const, content: 'Hello' }];

  beforeAll(async () => {
    gw = await startGateway({ workers: 2, recorder: false });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('completes a chat', async () => {
    const c = client(await gw.mint({ sub: 'oa-chat' }));
    const r = await c.chat.completions.create({ model: 'deepseek-chat', messages });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.content).toBe(expectedText('content', 8));
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    // the client's request id header is a gateway one
    const raw = await c.chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(raw.response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('streams a chat to its finish_reason, with and without the usage chunk', async () => {
    const c = client(await gw.mint({ sub: 'oa-stream' }));
    for (const includeUsage of [false, true]) {
      const stream = await c.chat.completions.create({
        model: 'deepseek-chat',
        messages,
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null = null;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      // the SDK ends a cut stream quietly, so completeness is checked, not the absence of errors
      expect(finish).toBe('stop');
      expect(text).toBe(expectedText('content', 8));
      expect(chunks).toBe(includeUsage ? 10 : 9);
      if (includeUsage) expect(usage!.total_tokens).toBeGreaterThan(0);
      else expect(usage).toBeNull();
    }
  });

  it('streams a reasoner chat (reasoning_content deltas pass through)', async () => {
    const c = client(await gw.mint({ sub: 'oa-reasoner' }));
    const stream = await c.chat.completions.create({ model: 'deepseek-reasoner', messages, stream: true });
    let reasoning = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string | null } | undefined)?.reasoning_content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('stop');
    expect(reasoning).toBe(expectedText('reasoning', 8));
  });

  it("lists only the token's models", async () => {
    const c = client(await gw.mint({ sub: 'oa-models', models: ['deepseek-chat'] }));
    const ids: string[] = [];
    for await (const m of c.models.list()) ids.push(m.id);
    expect(ids).toEqual(['deepseek-chat']);
  });

  it("surfaces the gateway's 429 as RateLimitError (and 401 as AuthenticationError)", async () => {
    const sub = 'oa-429';
    const token = await gw.mint({ sub });
    const c = client(token);
    // a slow request holds the token's only slot
    const holder = c.chat.completions.create({
      model: 'deepseek-chat',
      messages,
      mock: { firstByteDelayMs: 1500 },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await waitFor(() => gw.mock.received.some((q) => q.userId === upstreamUserId('deepseek-proxy', sub)), 5000);
    const err = await c.chat.completions.create({ model: 'deepseek-chat', messages }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rl = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rl.status).toBe(429);
    expect(rl.code).toBe('concurrency_limit_exceeded');
    expect(rl.type).toBe('rate_limit_error');
    expect(rl.headers.get('retry-after')).toBe('1');
    // a streaming call is refused the same way, before any chunk
    const serr = await c.chat.completions.create({ model: 'deepseek-chat', messages, stream: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(serr).toBeInstanceOf(OpenAI.RateLimitError);
    expect((await holder).choices[0]!.finish_reason).toBe('stop');

    const bad = await client('not-a-token')
      .chat.completions.create({ model: 'deepseek-chat', messages })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(bad).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((bad as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_token');
  });
});
