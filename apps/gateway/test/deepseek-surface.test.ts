// DeepSeek's current OpenAI-format surface through the gateway with the official `openai` client:
// the v4 models' parameters (thinking, reasoning_effort, tools with reasoning_content echoed, JSON
// mode, strict tools on /beta, FIM) reach the upstream untouched; `[models] aliases` rename the
// model upstream on both formats while the ledger keeps both names; the client's own end-user id
// is folded into DeepSeek's user_id instead of being overwritten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import pg from 'pg';
import { endUserId, upstreamUserId } from '@dsp/core';
import { expectedText } from '@dsp/mock-deepseek';
import { startGateway, waitFor, type Gateway } from './harness.js';

const ALIASES = { 'deepseek-chat': 'deepseek-v4-flash', 'claude-sonnet-4-5': 'deepseek-v4-pro' };
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hello' }];
const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
/** DeepSeek's fields the openai types do not know */
type DeepSeekChat = OpenAI.ChatCompletionCreateParamsNonStreaming & { thinking?: { type: string }; user_id?: string };
type DeepSeekMessage = OpenAI.ChatCompletionMessage & { reasoning_content?: string };

describe('the DeepSeek surface through the gateway', () => {
  let gw: Gateway;
  let db: pg.Client;
  const openai = (token: string, path = '/v1') => new OpenAI({ apiKey: token, baseURL: `${gw.url}${path}`, maxRetries: 0, timeout: 10_000 });
  const gwUser = (sub: string) => upstreamUserId('deepseek-proxy', sub);
  /** the body of the last request the mock got from this gateway user (or one of its end users) */
  const lastUpstreamBody = (sub: string) => {
    const seen = gw.mock.received.filter((q) => q.userId?.startsWith(gwUser(sub)));
    expect(seen.length, `mock requests of ${sub}`).toBeGreaterThan(0);
    return seen.at(-1)!.body as Record<string, unknown>;
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as Error & { status?: number; message: string },
    );

  beforeAll(async () => {
    gw = await startGateway({ workers: 1, config: { models: { aliases: ALIASES } } });
    db = new pg.Client({ connectionString: gw.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    expect(await gw.stop()).toBe(0);
  });

  it('thinking, reasoning_effort and a tools round trip with reasoning_content echoed reach the upstream untouched', async () => {
    const sub = 'ds-tools';
    const c = openai(await gw.mint({ sub }));
    const params = { model: 'deepseek-v4-pro', thinking: { type: 'enabled' }, reasoning_effort: 'high' as const, tools: [weather] };
    const first = await c.chat.completions.create({ ...params, messages } as DeepSeekChat);
    const call = first.choices[0]!.message as DeepSeekMessage;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.reasoning_content).toBe(expectedText('reasoning', 8));
    const toolCall = call.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(JSON.parse(toolCall.function.arguments)).toEqual({ city: 'mock' });
    const up = lastUpstreamBody(sub);
    expect(up).toMatchObject({ model: 'deepseek-v4-pro', thinking: { type: 'enabled' }, reasoning_effort: 'high', tools: [weather] });

    const turn: OpenAI.ChatCompletionMessageParam[] = [
      ...messages,
      { role: 'assistant', content: call.content, tool_calls: call.tool_calls, reasoning_content: call.reasoning_content } as OpenAI.ChatCompletionMessageParam,
      { role: 'tool', tool_call_id: toolCall.id, content: 'sunny' },
    ];
    const second = await c.chat.completions.create({ ...params, messages: turn } as DeepSeekChat);
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toBe(expectedText('content', 8));
    expect((lastUpstreamBody(sub).messages as Record<string, unknown>[])[1]!.reasoning_content).toBe(call.reasoning_content);

    // without the echo DeepSeek's 400 reaches the client as is: the gateway neither adds nor strips it
    const { reasoning_content: _dropped, ...bare } = turn[1] as { reasoning_content?: string };
    const refused = await failure(
      c.chat.completions.create({ ...params, messages: [turn[0]!, bare as OpenAI.ChatCompletionMessageParam, turn[2]!] } as DeepSeekChat),
    );
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused!.message).toContain('reasoning_content');
  });

  it('JSON mode: response_format json_object passes through and the content parses', async () => {
    const sub = 'ds-json';
    const r = await openai(await gw.mint({ sub })).chat.completions.create({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'user', content: 'Answer in json' }],
      response_format: { type: 'json_object' },
      thinking: { type: 'disabled' },
    } as DeepSeekChat);
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ text: expectedText('content', 8) });
    expect(lastUpstreamBody(sub).response_format).toEqual({ type: 'json_object' });
  });

  it('strict tools: served on /beta/chat/completions (baseURL …/beta); outside /beta the upstream 400 passes through', async () => {
    const token = await gw.mint({ sub: 'ds-strict' });
    const strict: OpenAI.ChatCompletionTool = {
      type: 'function',
      function: { ...weather.function, strict: true, parameters: { ...weather.function.parameters, additionalProperties: false } },
    };
    const body = { model: 'deepseek-v4-flash', messages, tools: [strict], thinking: { type: 'disabled' } } as DeepSeekChat;
    const beta = await openai(token, '/beta').chat.completions.create(body);
    expect(beta.choices[0]!.finish_reason).toBe('tool_calls');
    expect(gw.mock.received.at(-1)!.path).toBe('/beta/chat/completions');
    const outside = await failure(openai(token).chat.completions.create(body));
    expect(outside).toBeInstanceOf(OpenAI.BadRequestError);
    expect(outside!.message).toContain('beta');
  });

  it('FIM on /beta/completions with the SDK (prompt and suffix); /v1/completions is a 404 naming /beta/completions', async () => {
    const sub = 'ds-fim';
    const token = await gw.mint({ sub });
    const r = await openai(token, '/beta').completions.create({ model: 'deepseek-v4-flash', prompt: 'def add(a, b):', suffix: '    return c', max_tokens: 64 });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]!.text).toBe(expectedText('fim', 8));
    expect(lastUpstreamBody(sub)).toMatchObject({ prompt: 'def add(a, b):', suffix: '    return c' });
    const legacy = await failure(openai(token).completions.create({ model: 'deepseek-v4-flash', prompt: 'x' }));
    expect(legacy).toBeInstanceOf(OpenAI.NotFoundError);
    expect(legacy!.message).toContain('POST /beta/completions');
  });

  it("aliases: the upstream gets the alias's target on both formats, the ledger keeps both names, /models lists both", async () => {
    const sub = 'ds-alias';
    const token = await gw.mint({ sub });
    const chat = await openai(token).chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(chat.data.choices[0]!.finish_reason).toBe('stop');
    expect(lastUpstreamBody(sub).model).toBe('deepseek-v4-flash');
    const claude = new Anthropic({ apiKey: token, baseURL: `${gw.url}/anthropic`, maxRetries: 0, timeout: 10_000 });
    const msg = await claude.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
    expect(msg.type).toBe('message');
    expect(lastUpstreamBody(sub).model).toBe('deepseek-v4-pro');

    const rows = async () =>
      (await db.query('SELECT route, model, upstream_model FROM usage_ledger WHERE user_id = $1 ORDER BY started_at', [sub])).rows as Record<string, string>[];
    await waitFor(async () => (await rows()).length === 2, 10_000);
    expect(await rows()).toEqual([
      { route: '/v1/chat/completions', model: 'deepseek-chat', upstream_model: 'deepseek-v4-flash' },
      { route: '/anthropic/v1/messages', model: 'claude-sonnet-4-5', upstream_model: 'deepseek-v4-pro' },
    ]);

    const ids: string[] = [];
    for await (const m of openai(token).models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(['claude-sonnet-4-5', 'deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
    // a token limited to the target may use it by its alias too, and sees only those two names
    const narrow = await gw.mint({ sub: 'ds-alias-narrow', models: ['deepseek-v4-pro'] });
    const narrowIds: string[] = [];
    for await (const m of openai(narrow).models.list()) narrowIds.push(m.id);
    expect(narrowIds.sort()).toEqual(['claude-sonnet-4-5', 'deepseek-v4-pro']);
    const denied = await failure(openai(narrow).chat.completions.create({ model: 'deepseek-chat', messages }));
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("user ids: the client's user_id, user or metadata.user_id becomes a per-end-user id under the gateway user", async () => {
    const sub = 'ds-users';
    const token = await gw.mint({ sub });
    const c = openai(token);
    const ask = async (extra: Record<string, unknown>) => {
      await c.chat.completions.create({ model: 'deepseek-v4-flash', messages, ...extra } as DeepSeekChat);
      return lastUpstreamBody(sub);
    };
    expect((await ask({})).user_id).toBe(gwUser(sub));
    expect((await ask({ user_id: 'carol@example.com' })).user_id).toBe(endUserId(gwUser(sub), 'carol@example.com'));
    const viaUser = await ask({ user: 'dave' });
    expect(viaUser.user_id).toBe(endUserId(gwUser(sub), 'dave'));
    expect(viaUser.user).toBe('dave');
    const claude = new Anthropic({ apiKey: token, baseURL: `${gw.url}/anthropic`, maxRetries: 0, timeout: 10_000 });
    await claude.messages.create({ model: 'deepseek-v4-flash', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }], metadata: { user_id: 'erin' } });
    expect(lastUpstreamBody(sub).metadata).toEqual({ user_id: endUserId(gwUser(sub), 'erin') });
    // nothing of the raw client value goes upstream as an id
    expect(endUserId(gwUser(sub), 'carol@example.com')).not.toContain('carol');
  });
});
