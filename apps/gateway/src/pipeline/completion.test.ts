// The completion route's skeleton through a fake client port: refusals before the body, the
// client going away mid-body, a token failing verification while the body arrives. Everything
// past admission needs Redis and an upstream: apps/gateway/test covers it end to end.
import { describe, expect, it } from 'vitest';
import type { Deps } from '../deps.js';
import { FakeClientStream } from '../http/fake-client-stream.js';
import type { RequestHead } from '../http/request-head.js';
import { ANTHROPIC } from '../formats/anthropic.js';
import { OPENAI } from '../formats/openai.js';
import { NO_TRACING } from '../tracing/tracing.js';
import { handleCompletion } from './completion.js';
import type { CompletionRoute, Identity } from './types.js';

const CHAT: CompletionRoute = { name: '/v1/chat/completions', upstreamPath: '/chat/completions', kind: 'chat', format: OPENAI };
const MESSAGES: CompletionRoute = { name: '/anthropic/v1/messages', upstreamPath: '/anthropic/v1/messages', kind: 'messages', format: ANTHROPIC };

const IDENTITY: Identity = { sub: 'u', jti: 't', concurrency: 1, models: null, upstreamUserId: 'x', keyUser: 'k', keyRevoked: 'k', keyLeases: 'k' };

function world(cached: Identity | null = null) {
  const observed: [string, number][] = [];
  const refusals: [string, string, string, number][] = [];
  const deps = {
    config: { server: { max_body_bytes: 1000 }, auth: { issuer: 'i', audience: 'a' } },
    tracing: NO_TRACING,
    state: { active: 0, draining: false, redisReady: true, upstreamReachable: true },
    metrics: { observeRequest: (route: string, status: number) => void observed.push([route, status]) },
    log: { isLevelEnabled: () => false, error: () => {} },
    refusals: { add: (u: string, t: string, reason: string, status: number) => void refusals.push([u, t, reason, status]) },
    tokenCache: { get: () => cached, set: () => {} },
    verifyKeys: { pick: () => null, algorithms: ['HS256'] },
  } as unknown as Deps;
  return { deps, observed, refusals };
}

function head(o: Partial<RequestHead> = {}): RequestHead {
  return {
    method: 'POST',
    url: '/v1/chat/completions',
    authorization: '',
    contentLength: 10,
    accept: '',
    userAgent: '',
    requestId: 'rid',
    echoRequestId: 'rid',
    extra: {},
    traceparent: '',
    tracestate: '',
    ...o,
  };
}

const body = (c: FakeClientStream) => JSON.parse(c.answer!.body);

describe('completion skeleton', () => {
  it('refuses a missing credential before reading the body, in the route format, and counts it', () => {
    const { deps, observed, refusals } = world();
    const client = new FakeClientStream();
    handleCompletion(client, head(), CHAT, deps);
    expect(client.answer?.status).toBe(401);
    expect(body(client).error.code).toBe('invalid_token');
    expect(deps.state.active).toBe(0);
    expect(observed).toEqual([['/v1/chat/completions', 401]]);
    expect(refusals).toEqual([['', '', 'invalid_token', 401]]);

    const anthropic = new FakeClientStream();
    handleCompletion(anthropic, head({ url: '/anthropic/v1/messages' }), MESSAGES, deps);
    expect(body(anthropic)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('refuses a declared body over the limit with 413 before authenticating', () => {
    const { deps } = world();
    const client = new FakeClientStream();
    handleCompletion(client, head({ contentLength: 1001 }), CHAT, deps);
    expect(client.answer?.status).toBe(413);
    expect(body(client).error.code).toBe('request_too_large');
    expect(deps.state.active).toBe(0);
  });

  it('a client gone before its body is complete ends the request with 499 and nothing written', () => {
    const { deps, observed, refusals } = world(IDENTITY);
    const client = new FakeClientStream();
    handleCompletion(client, head({ authorization: 'Bearer cached' }), CHAT, deps);
    expect(deps.state.active).toBe(1);
    client.goAway();
    expect(client.answer).toBeNull();
    expect(deps.state.active).toBe(0);
    expect(observed).toEqual([['/v1/chat/completions', 499]]);
    expect(refusals).toEqual([['', '', 'client_closed_request', 499]]);
  });

  it('a token failing verification while the body arrives stops the read and answers 401', async () => {
    const { deps } = world();
    const client = new FakeClientStream();
    handleCompletion(client, head({ authorization: 'Bearer not-a-jwt' }), CHAT, deps);
    await expect.poll(() => client.answer?.status, { timeout: 1000 }).toBe(401);
    expect(client.readingStopped).toBe(true);
    expect(body(client).error.message).toMatch(/^invalid token/);
    expect(deps.state.active).toBe(0);
  });
});
