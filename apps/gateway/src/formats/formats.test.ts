import { describe, expect, it } from 'vitest';
import { endUserId, isGatewayError } from '@dsp/core';
import type { RequestHead } from '../http/request-head.js';
import { ANTHROPIC } from './anthropic.js';
import { OPENAI } from './openai.js';

const head = (authorization: string, extra: Record<string, string> = {}): RequestHead => ({
  method: 'POST',
  url: '/',
  authorization,
  contentLength: 0,
  accept: '',
  userAgent: '',
  requestId: 'r',
  echoRequestId: 'r',
  extra,
});
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isGatewayError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'accepted';
};
const GW = 'dsp_gatewayuser';

describe('credentials', () => {
  it('OpenAI: Bearer only', () => {
    expect(OPENAI.credential(head('Bearer abc'))).toBe('abc');
    expect(refusal(() => OPENAI.credential(head('', { 'x-api-key': 'abc' })))).toBe('invalid_token: missing Authorization: Bearer <token>');
  });

  it('Anthropic: x-api-key, else Bearer; x-api-key wins when both are sent', () => {
    expect(ANTHROPIC.credential(head('', { 'x-api-key': ' abc ' }))).toBe('abc');
    expect(ANTHROPIC.credential(head('Bearer def', { 'x-api-key': '' }))).toBe('def');
    expect(ANTHROPIC.credential(head('Bearer def', { 'x-api-key': 'abc' }))).toBe('abc');
    expect(refusal(() => ANTHROPIC.credential(head('', { 'x-api-key': '' })))).toBe('invalid_token: missing x-api-key (or Authorization: Bearer <token>)');
    expect(refusal(() => ANTHROPIC.credential(head('Basic x', {})))).toBe('invalid_token: Authorization must be "Bearer <token>"');
    expect(refusal(() => ANTHROPIC.credential(head('', { 'x-api-key': 'k'.repeat(8193) })))).toBe('invalid_token: malformed token');
  });
});

describe('per-user ids', () => {
  it("OpenAI: the gateway user's id, or an end-user id from the client's user_id, else user", () => {
    const set = (b: Record<string, unknown>) => (OPENAI.setUserId(b, GW), b);
    expect(set({})).toEqual({ user_id: GW });
    expect(set({ user_id: 'carol' })).toEqual({ user_id: endUserId(GW, 'carol') });
    expect(set({ user: 'dave' })).toEqual({ user: 'dave', user_id: endUserId(GW, 'dave') });
    expect(set({ user_id: 'carol', user: 'dave' }).user_id).toBe(endUserId(GW, 'carol'));
    expect(set({ user_id: 42 })).toEqual({ user_id: GW });
    expect(set({ user_id: '' })).toEqual({ user_id: GW });
  });

  it('Anthropic: metadata.user_id the same way; other metadata kept; a malformed metadata left for the upstream to refuse', () => {
    const set = (b: Record<string, unknown>) => (ANTHROPIC.setUserId(b, GW), b);
    expect(set({})).toEqual({ metadata: { user_id: GW } });
    expect(set({ metadata: { user_id: 'erin', other: 1 } })).toEqual({ metadata: { user_id: endUserId(GW, 'erin'), other: 1 } });
    expect(set({ metadata: 'x' })).toEqual({ metadata: 'x' });
    expect(set({ metadata: null })).toEqual({ metadata: null });
  });
});

describe('streams', () => {
  it('OpenAI forces include_usage and reports whether the client asked; Anthropic leaves the body alone', () => {
    const a: Record<string, unknown> = { stream_options: { include_usage: false, x: 1 } };
    expect(OPENAI.prepareStream(a)).toBe(false);
    expect(a.stream_options).toEqual({ include_usage: true, x: 1 });
    expect(OPENAI.prepareStream({ stream_options: { include_usage: true } })).toBe(true);
    expect(refusal(() => OPENAI.prepareStream({ stream_options: 1 }))).toBe('invalid_request: `stream_options` must be an object');
    const b: Record<string, unknown> = { stream: true };
    expect(ANTHROPIC.prepareStream(b)).toBe(true);
    expect(b).toEqual({ stream: true });
  });

  it("each format's error frame", () => {
    const e = { code: 'upstream_timeout', message: 'slow' } as Parameters<typeof OPENAI.streamError>[0];
    expect(OPENAI.streamError(e).toString()).toBe('data: {"error":{"message":"slow","type":"api_error","code":"upstream_timeout"}}\n\n');
    expect(ANTHROPIC.streamError(e).toString()).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"slow"}}\n\n');
  });
});
