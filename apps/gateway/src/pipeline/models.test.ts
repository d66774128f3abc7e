// /models on the completion routes' skeleton, through a fake client port: counted in state.active
// until answered, refusals in the route's format with the same access rules as admission.
import { describe, expect, it } from 'vitest';
import { ACCESS, type LuaScript } from '@dsp/core';
import type { Deps } from '../deps.js';
import { FakeClientStream } from '../http/fake-client-stream.js';
import type { RequestHead } from '../http/request-head.js';
import { OPENAI } from '../formats/openai.js';
import { handleModels } from './models.js';
import type { Identity } from './types.js';

const IDENTITY: Identity = {
  sub: 'u',
  jti: 't',
  concurrency: 1,
  models: new Set(['deepseek-v4-flash']),
  upstreamUserId: 'x',
  keyUser: 'k',
  keyRevoked: 'k',
  keyLeases: 'k',
};
const HEAD = { authorization: 'Bearer cached', requestId: 'r', echoRequestId: 'r', extra: {} } as unknown as RequestHead;

function world(accessReply: unknown, onRedisError: 'deny' | 'allow' = 'deny') {
  const observed: number[] = [];
  const deps = {
    config: { auth: { unknown_users: 'allow' }, limits: { on_redis_error: onRedisError }, redis: { key_prefix: 'p:' } },
    state: { active: 0 },
    metrics: { observeRequest: (_route: string, status: number) => void observed.push(status) },
    log: { isLevelEnabled: () => false, warn: () => {}, error: () => {} },
    tokenCache: { get: () => IDENTITY },
    modelPolicy: { models: new Set(['deepseek-v4-flash', 'deepseek-v4-pro']), aliases: new Map([['fast', 'deepseek-v4-flash']]) },
    scripts: {
      run: async <I, O>(script: LuaScript<I, O>) => {
        expect(script).toBe(ACCESS);
        if (accessReply instanceof Error) throw accessReply;
        return script.decode(accessReply);
      },
    },
  } as unknown as Deps;
  return { deps, observed };
}

async function ask(accessReply: unknown, onRedisError?: 'deny' | 'allow') {
  const { deps, observed } = world(accessReply, onRedisError);
  const client = new FakeClientStream();
  handleModels(client, HEAD, { name: '/v1/models', format: OPENAI }, deps);
  expect(deps.state.active).toBe(1); // a drain waits for it
  await expect.poll(() => deps.state.active, { timeout: 1000 }).toBe(0);
  return { status: client.answer!.status, body: JSON.parse(client.answer!.body), observed };
}

describe('GET /models', () => {
  it("lists the token's models and the aliases naming them", async () => {
    const r = await ask(1);
    expect(r.status).toBe(200);
    expect(r.body.data.map((m: { id: string }) => m.id)).toEqual(['deepseek-v4-flash', 'fast']);
    expect(r.observed).toEqual([200]);
  });

  it('refuses a revoked token and a disabled user as admission does', async () => {
    expect((await ask(-1)).body.error).toMatchObject({ code: 'invalid_token', message: 'invalid token: revoked' });
    expect((await ask(-2)).body.error.code).toBe('user_disabled');
  });

  it('answers 503 when Redis cannot be asked, or the list with on_redis_error = "allow"', async () => {
    const down = await ask(new Error('connection lost'));
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('service_unavailable');
    expect((await ask(new Error('connection lost'), 'allow')).status).toBe(200);
  });
});
