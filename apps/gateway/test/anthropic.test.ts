// The Anthropic front door (/anthropic/v1/messages) with the official @anthropic-ai/sdk: messages,
// streams, tools with thinking, the SDK's typed errors for the gateway's refusals, the ledger rows
// (non-stream, stream, aborted stream), the 404 of the paths it does not serve, what the upstream
// received (the account's key, never the client's) and the route's own metrics label.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import pg from 'pg';
import { upstreamUserId } from '@dsp/core';
import { expectedText } from '@dsp/mock-deepseek';
import { startGateway, waitFor, type Gateway } from './harness.js';
import { metric, normalise, scrape, userKey } from './util.js';

const ROUTE = '/anthropic/v1/messages';
const UPSTREAM_KEY = 'sk-upstream-secret-key';
const messages = [{ role: 'user' as const, content: 'Hello' }];
/** the mock's knobs ride in the body (the gateway forwards only allow-listed headers) */
type WithMock<T> = T & { mock?: Record<string, unknown> };

interface LedgerRow {
  route: string;
  model: string;
  stream: boolean;
  status: number;
  aborted: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hit_tokens: number;
  cache_miss_tokens: number;
}

describe('Anthropic front door with @anthropic-ai/sdk', () => {
  let gw: Gateway;
  let db: pg.Client;
  const client = (token: string) => new Anthropic({ apiKey: token, baseURL: `${gw.url}/anthropic`, maxRetries: 0, timeout: 10_000 });
  /** the request the mock got for this user (the gateway sends metadata.user_id) */
  const upstreamFor = (sub: string) => {
    const seen = gw.mock.received.filter((q) => q.userId === upstreamUserId('deepseek-proxy', sub));
    expect(seen.length, `mock requests of ${sub}`).toBeGreaterThan(0);
    return seen.at(-1)!;
  };
  const ledgerRow = async (requestId: string): Promise<LedgerRow> => {
    const q =
      'SELECT route, model, stream, status, aborted, prompt_tokens, completion_tokens, cache_hit_tokens, cache_miss_tokens FROM usage_ledger WHERE request_id = $1';
    await waitFor(async () => (await db.query(q, [requestId])).rowCount === 1, 10_000);
    return (await db.query(q, [requestId])).rows[0] as LedgerRow;
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
    );

  beforeAll(async () => {
    gw = await startGateway({ workers: 1 });
    db = new pg.Client({ connectionString: gw.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    expect(await gw.stop()).toBe(0);
  });

  it('create: the message and its usage; the upstream got the account key as x-api-key, never the client token; a ledger row', async () => {
    const sub = 'an-create';
    const token = await gw.mint({ sub });
    const { data: msg, response } = await client(token)
      .messages.create({ model: 'deepseek-chat', max_tokens: 256, messages }, { headers: { 'anthropic-version': '2023-06-01' } })
      .withResponse();
    expect(response.status).toBe(200);
    expect(msg.type).toBe('message');
    expect(msg.content).toEqual([{ type: 'text', text: expectedText('content', 8) }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(8);

    const up = upstreamFor(sub);
    expect(up.path).toBe(ROUTE);
    expect(up.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(up.headers.authorization).toBeUndefined();
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(up.headers) + JSON.stringify(up.body)).not.toContain(token);
    expect((up.body as { metadata: unknown }).metadata).toEqual({ user_id: upstreamUserId('deepseek-proxy', sub) });

    const row = await ledgerRow(up.requestId!);
    const prompt = msg.usage.input_tokens + (msg.usage.cache_read_input_tokens ?? 0);
    expect(row).toEqual({
      route: ROUTE,
      model: 'deepseek-chat',
      stream: false,
      status: 200,
      aborted: false,
      prompt_tokens: prompt,
      completion_tokens: 8,
      cache_hit_tokens: msg.usage.cache_read_input_tokens ?? 0,
      cache_miss_tokens: msg.usage.input_tokens,
    });
  });

  it("Claude Code's form: Authorization: Bearer, the beta messages call (?beta=true) and anthropic-beta passed through", async () => {
    const sub = 'an-bearer';
    const token = await gw.mint({ sub });
    const c = new Anthropic({ authToken: token, apiKey: null, baseURL: `${gw.url}/anthropic`, maxRetries: 0, timeout: 10_000 });
    const msg = await c.beta.messages.create({ model: 'deepseek-chat', max_tokens: 64, messages, betas: ['interleaved-thinking-2025-05-14'] });
    expect(msg.content[0]).toEqual({ type: 'text', text: expectedText('content', 8) });
    const up = upstreamFor(sub);
    expect(up.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(up.headers.authorization).toBeUndefined();
    expect(up.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
  });

  it('stream: byte for byte what the upstream sent (keep-alive comments, ping); the SDK assembles the message; the ledger has its tokens', async () => {
    const sub = 'an-stream';
    const token = await gw.mint({ sub });
    const body = { model: 'deepseek-chat', max_tokens: 256, stream: true, messages, mock: { chunks: 6, keepAliveLines: 2, keepAliveIntervalMs: 5 } };
    const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
    const r = await fetch(`${gw.url}${ROUTE}`, { method: 'POST', headers: { ...headers, 'x-api-key': token }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const got = await r.text();
    const direct = await (await fetch(`${gw.mock.url}${ROUTE}`, { method: 'POST', headers, body: JSON.stringify(body) })).text();
    expect(normalise(got)).toBe(normalise(direct));
    expect(got.startsWith(': keep-alive\n\n: keep-alive\n\nevent: message_start\n')).toBe(true);
    expect(got).toContain('event: ping\n');
    expect(got.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);

    const stream = client(token).messages.stream({ model: 'deepseek-chat', max_tokens: 256, messages });
    const msg = await stream.finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: expectedText('content', 8) }]);
    const row = await ledgerRow(upstreamFor(sub).requestId!);
    expect(row).toMatchObject({
      route: ROUTE,
      stream: true,
      status: 200,
      aborted: false,
      prompt_tokens: msg.usage.input_tokens + (msg.usage.cache_read_input_tokens ?? 0),
      completion_tokens: msg.usage.output_tokens,
    });
    expect(msg.usage.output_tokens).toBe(8);
  });

  it('tools with thinking: thinking, redacted_thinking (with signatures) and tool_use pass through both ways', async () => {
    const token = await gw.mint({ sub: 'an-tools' });
    const c = client(token);
    const tools: Anthropic.Tool[] = [
      { name: 'get_weather', description: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    ];
    const first = await c.messages
      .stream({
        model: 'deepseek-chat',
        max_tokens: 1024,
        thinking: { type: 'enabled', budget_tokens: 512 },
        tools,
        messages,
        mock: { redactedThinking: true },
      } as WithMock<Anthropic.MessageStreamParams>)
      .finalMessage();
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking', 'tool_use']);
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.thinking).toBe(expectedText('reasoning', 8));
    expect(thinking.signature).toMatch(/\S/);
    const call = first.content[2] as Anthropic.ToolUseBlock;
    expect(call.name).toBe('get_weather');
    expect(call.input).toEqual({ city: 'mock' });
    expect(first.stop_reason).toBe('tool_use');

    // the next turn sends the blocks back as they came; the upstream checks their signatures
    const second = await c.messages.create({
      model: 'deepseek-chat',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 512 },
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content.map((b) => b.type)).toEqual(['thinking', 'text']);
  });

  it('an aborted stream is recorded as aborted, with the prompt tokens message_start reported', async () => {
    const sub = 'an-abort';
    const token = await gw.mint({ sub });
    const stream = await client(token).messages.create({
      model: 'deepseek-chat',
      max_tokens: 4096,
      stream: true,
      messages,
      mock: { chunks: 400, chunkDelayMs: 20 },
    } as WithMock<Anthropic.MessageCreateParamsStreaming>);
    let input = -1;
    let deltas = 0;
    for await (const ev of stream) {
      if (ev.type === 'message_start') input = ev.message.usage.input_tokens + (ev.message.usage.cache_read_input_tokens ?? 0);
      if (ev.type === 'content_block_delta' && ++deltas === 3) break; // leaving the loop aborts the request
    }
    const up = upstreamFor(sub);
    await waitFor(() => up.aborted, 5000);
    const row = await ledgerRow(up.requestId!);
    expect(row).toMatchObject({ route: ROUTE, stream: true, status: 499, aborted: true, prompt_tokens: input });
    expect(input).toBeGreaterThan(0);
    expect(row.completion_tokens).toBeLessThan(400);
    // the slot was given back: the same token is admitted again at once
    expect((await client(token).messages.create({ model: 'deepseek-chat', max_tokens: 16, messages })).type).toBe('message');
  });

  it("the gateway's refusals are the SDK's typed errors, in Anthropic's shape (401, 403, 429 lock and quota, 400)", async () => {
    const bad = await failure(client('not-a-token').messages.create({ model: 'deepseek-chat', max_tokens: 16, messages }));
    expect(bad).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(bad!.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringMatching(/^invalid token: /) } });
    const none = await fetch(`${gw.url}${ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'missing x-api-key (or Authorization: Bearer <token>)' },
    });

    const narrow = client(await gw.mint({ sub: 'an-403', models: ['deepseek-reasoner'] }));
    const denied = await failure(narrow.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages }));
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((denied!.error as { error: { type: string } }).error.type).toBe('permission_error');

    // one request in flight holds the token's only slot: the second gets 429 rate_limit_error
    const sub = 'an-lock';
    const c = client(await gw.mint({ sub }));
    const holder = c.messages.create({
      model: 'deepseek-chat',
      max_tokens: 16,
      messages,
      mock: { firstByteDelayMs: 1500 },
    } as WithMock<Anthropic.MessageCreateParamsNonStreaming>);
    await waitFor(() => gw.mock.received.some((q) => q.userId === upstreamUserId('deepseek-proxy', sub)), 5000);
    const busy = await failure(c.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages }));
    expect(busy).toBeInstanceOf(Anthropic.RateLimitError);
    expect(busy!.headers?.get('retry-after')).toBe('1');
    expect((busy!.error as { error: { type: string; message: string } }).error).toMatchObject({ type: 'rate_limit_error' });
    const busyStream = await failure(c.messages.stream({ model: 'deepseek-chat', max_tokens: 16, messages }).finalMessage());
    expect(busyStream).toBeInstanceOf(Anthropic.RateLimitError);
    expect((await holder).type).toBe('message');

    const spent = 'an-quota';
    await gw.redis.hset(userKey(gw, spent), 'daily_requests', '0');
    const quota = await failure(client(await gw.mint({ sub: spent })).messages.create({ model: 'deepseek-chat', max_tokens: 16, messages }));
    expect(quota).toBeInstanceOf(Anthropic.RateLimitError);
    expect((quota!.error as { error: { type: string; message: string } }).error.message).toMatch(/quota/);

    const invalid = await failure(c.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages: [] }));
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect((invalid!.error as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it("the upstream's own errors pass through with their status and body", async () => {
    const c = client(await gw.mint({ sub: 'an-upstream-err' }));
    // no max_tokens: the gateway does not check it, DeepSeek (the mock) answers 400
    const r = await fetch(`${gw.url}${ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': await gw.mint({ sub: 'an-upstream-raw' }) },
      body: JSON.stringify({ model: 'deepseek-chat', messages }),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required (an integer ≥ 1)' } });
    const overloaded = await failure(
      c.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages, mock: { status: 529 } } as WithMock<Anthropic.MessageCreateParamsNonStreaming>),
    );
    expect(overloaded!.status).toBe(529);
    expect((overloaded!.error as { error: { type: string } }).error.type).toBe('overloaded_error');
  });

  it('a stream the upstream breaks off ends with an `event: error` frame (the SDK raises it) and is recorded with what was seen', async () => {
    const sub = 'an-broken';
    const token = await gw.mint({ sub });
    const body = { model: 'deepseek-chat', max_tokens: 256, stream: true, messages, mock: { chunks: 8, reset: 'mid-stream' } };
    const r = await fetch(`${gw.url}${ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain('event: message_start\n');
    expect(text).not.toContain('event: message_stop');
    expect(text.endsWith('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"the upstream could not be reached"}}\n\n')).toBe(true);
    const input = JSON.parse(/event: message_start\ndata: (.*)\n/.exec(text)![1]!).message.usage;
    const row = await ledgerRow(upstreamFor(sub).requestId!);
    expect(row).toMatchObject({ stream: true, status: 200, aborted: false, prompt_tokens: input.input_tokens + input.cache_read_input_tokens });

    const sdk = await failure(
      client(token)
        .messages.stream({ model: 'deepseek-chat', max_tokens: 256, messages, mock: { reset: 'mid-stream' } } as WithMock<Anthropic.MessageStreamParams>)
        .finalMessage(),
    );
    expect(sdk).toBeInstanceOf(Anthropic.APIError);
    expect(sdk!.message).toContain('the upstream could not be reached');
  });

  it("the gateway's upstream failures (502) and size limit (413) in Anthropic's shape; an upstream error naming the key is withheld in that shape", async () => {
    const c = client(await gw.mint({ sub: 'an-5xx' }));
    const gone = await failure(
      c.messages.create({
        model: 'deepseek-chat',
        max_tokens: 16,
        messages,
        mock: { reset: 'before-headers' },
      } as WithMock<Anthropic.MessageCreateParamsNonStreaming>),
    );
    expect(gone).toBeInstanceOf(Anthropic.InternalServerError);
    expect(gone!.status).toBe(502);
    expect(gone!.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'the upstream could not be reached' } });

    const big = await failure(c.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] }));
    expect(big!.status).toBe(413);
    expect((big!.error as { error: { type: string } }).error.type).toBe('request_too_large');

    gw.mock.setKey(UPSTREAM_KEY, { refused: true });
    try {
      const refused = await failure(c.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages }));
      expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((refused!.error as { type: string }).type).toBe('error');
      expect((refused!.error as { error: { type: string; message: string } }).error.type).toBe('authentication_error');
      expect((refused!.error as { error: { message: string } }).error.message).toMatch(/withheld/);
    } finally {
      gw.mock.setKey(UPSTREAM_KEY, null);
    }
    expect((await c.messages.create({ model: 'deepseek-chat', max_tokens: 16, messages })).type).toBe('message');
  });

  it('count_tokens and other /anthropic paths: 404 not_found_error; other methods 405, both in Anthropic shape', async () => {
    const c = client(await gw.mint({ sub: 'an-404' }));
    const count = await failure(c.messages.countTokens({ model: 'deepseek-chat', messages }));
    expect(count).toBeInstanceOf(Anthropic.NotFoundError);
    expect(count!.error).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'no route for /anthropic/v1/messages/count_tokens: this gateway serves POST /anthropic/v1/messages only' },
    });
    const models = await fetch(`${gw.url}/anthropic/v1/models`);
    expect(models.status).toBe(404);
    expect(((await models.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
    const get = await fetch(`${gw.url}${ROUTE}`);
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: `GET is not allowed on ${ROUTE}` } });
  });

  it('metrics count the route under its own label', async () => {
    const samples = await scrape(gw);
    expect(metric(samples, 'dsp_requests_total', { route: ROUTE, status: '200' })).toBeGreaterThanOrEqual(5);
    expect(metric(samples, 'dsp_requests_total', { route: ROUTE, status: '429' })).toBeGreaterThanOrEqual(3);
    expect(metric(samples, 'dsp_requests_total', { route: ROUTE, status: '499' })).toBe(1);
    expect(metric(samples, 'dsp_requests_total', { route: '/v1/chat/completions' })).toBe(0);
  });
});
