import { describe, expect, it } from 'vitest';
import { isGatewayError } from '@dsp/core';
import { ANTHROPIC } from '../formats/anthropic.js';
import { OPENAI } from '../formats/openai.js';
import type { CompletionRoute, Identity, ModelPolicy } from './types.js';
import { modelNames } from './models.js';
import { parseRequest } from './parse.js';

const CHAT: CompletionRoute = { name: '/chat/completions', upstreamPath: '/chat/completions', kind: 'chat', format: OPENAI };
const MESSAGES: CompletionRoute = { name: '/anthropic/v1/messages', upstreamPath: '/anthropic/v1/messages', kind: 'messages', format: ANTHROPIC };
const identity = (models: string[] | null = null): Identity => ({
  sub: 'u',
  jti: 't',
  concurrency: 1,
  models: models && new Set(models),
  upstreamUserId: 'dsp_u',
  keyUser: 'k',
  keyRevoked: 'k',
  keyLeases: 'k',
});
const policy: ModelPolicy = {
  models: new Set(['deepseek-chat', 'deepseek-v4-flash', 'deepseek-v4-pro']),
  aliases: new Map([
    ['deepseek-chat', 'deepseek-v4-flash'],
    ['claude-sonnet-4-5', 'deepseek-v4-pro'],
  ]),
  sendUserId: true,
};
const raw = (b: unknown) => Buffer.from(JSON.stringify(b));
const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isGatewayError(e)) return e.code;
    throw e;
  }
  return 'accepted';
};
const messages = [{ role: 'user', content: 'Hi' }];

describe('parseRequest', () => {
  it("renames an aliased model upstream and keeps the client's name", () => {
    const up = parseRequest(raw({ model: 'deepseek-chat', messages }), CHAT, identity(), policy);
    expect([up.model, up.upstreamModel]).toEqual(['deepseek-chat', 'deepseek-v4-flash']);
    expect(JSON.parse(up.body.toString())).toEqual({ model: 'deepseek-v4-flash', messages, user_id: 'dsp_u' });
    const plain = parseRequest(raw({ model: 'deepseek-v4-pro', messages }), CHAT, identity(), policy);
    expect([plain.model, plain.upstreamModel]).toEqual(['deepseek-v4-pro', 'deepseek-v4-pro']);
  });

  it('allows a model by either of its names, and nothing else', () => {
    // not in the list itself, but its target is
    expect(parseRequest(raw({ model: 'claude-sonnet-4-5', max_tokens: 9, messages }), MESSAGES, identity(), policy).upstreamModel).toBe('deepseek-v4-pro');
    expect(code(() => parseRequest(raw({ model: 'claude-sonnet-4-5', messages }), CHAT, identity(['deepseek-v4-flash']), policy))).toBe('model_not_allowed');
    expect(code(() => parseRequest(raw({ model: 'deepseek-v4-flash', messages }), CHAT, identity(['deepseek-chat']), policy))).toBe('model_not_allowed');
    expect(code(() => parseRequest(raw({ model: 'gpt-4', messages }), CHAT, identity(), policy))).toBe('model_not_allowed');
  });

  it('Anthropic messages: messages required, metadata.user_id set, no stream_options added', () => {
    expect(code(() => parseRequest(raw({ model: 'deepseek-chat', max_tokens: 9 }), MESSAGES, identity(), policy))).toBe('invalid_request');
    const up = parseRequest(raw({ model: 'deepseek-v4-pro', max_tokens: 9, stream: true, messages }), MESSAGES, identity(), policy);
    expect(JSON.parse(up.body.toString())).toEqual({ model: 'deepseek-v4-pro', max_tokens: 9, stream: true, messages, metadata: { user_id: 'dsp_u' } });
  });
});

describe('modelNames (GET /models)', () => {
  it('lists the allowed models and every alias of one of them', () => {
    expect(modelNames(policy.models, policy.aliases).sort()).toEqual(['claude-sonnet-4-5', 'deepseek-chat', 'deepseek-v4-flash', 'deepseek-v4-pro']);
    expect(modelNames(new Set(['deepseek-v4-pro']), policy.aliases).sort()).toEqual(['claude-sonnet-4-5', 'deepseek-v4-pro']);
    expect(modelNames(new Set(['deepseek-chat']), policy.aliases)).toEqual(['deepseek-chat']);
  });
});
