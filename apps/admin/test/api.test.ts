// The admin REST API (/api/v1) against a built console, real Postgres and Redis: API keys
// (roles, revocation, last use, audit), every route's answers validated against the served
// OpenAPI 3.1 document, cursor pagination, filters, idempotent creates, the error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import { insertUsageEvents } from '@dsp/db';
import { readClaims } from '@dsp/core';
import { startConsoleOnly, type AdminServer, type Backend, type ConsoleOnly } from './helpers.js';
import { openApiChecker, type ResponseChecker } from './openapi-check.js';
import { discoverRoutes } from './routes.js';

describe('admin REST API /api/v1', () => {
  let fixture: ConsoleOnly;
  let admin: AdminServer;
  let be: Backend;
  let check: ResponseChecker;
  let adminKey: string;
  let viewerKey: string;
  let checked = 0;
  let served: unknown;
  // a new connection per call: the gaps while the test compiles schemas can outlast the server's
  // keep-alive, and a reused socket closing under a request is not what these tests are about
  const fresh = new Agent({ pipelining: 0 });

  beforeAll(async () => {
    fixture = await startConsoleOnly(async (b) => {
      adminKey = (await b.services.apiKeys.create('ci', 'admin')).secret;
      viewerKey = (await b.services.apiKeys.create('dashboards', 'viewer')).secret;
    });
    ({ admin, be } = fixture);
    served = await (await fetch(`${admin.url}/api/v1/openapi.json`, { dispatcher: fresh })).json();
    check = await openApiChecker(served);
  });

  afterAll(async () => {
    await fresh.close();
    await fixture?.stop();
  });

  /** one API call; a JSON answer is checked against the OpenAPI document for `template` */
  async function api(
    method: string,
    template: string,
    opts: { path?: string; key?: string | null; body?: unknown; query?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const path = opts.path ?? template;
    const qs = opts.query ? '?' + new URLSearchParams(opts.query).toString() : '';
    const key = opts.key === undefined ? adminKey : opts.key;
    const r = await fetch(`${admin.url}/api/v1${path}${qs}`, {
      dispatcher: fresh,
      method: method.toUpperCase(), // fetch leaves a lowercase "patch" as it is
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    const type = r.headers.get('content-type') ?? '';
    const body = type.startsWith('application/json') ? await r.json() : await r.text();
    if (type.startsWith('application/json')) {
      expect(check.errors(method, `/api/v1${template}`, r.status, body), `${method} ${path} ${r.status} ${JSON.stringify(body)}`).toBe('');
      checked++;
    }
    return { status: r.status, body, headers: r.headers };
  }

  it('serves a valid OpenAPI 3.1 document with every route, and the checker does catch a wrong body', async () => {
    const doc = served as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/audit',
        '/api/v1/requests',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/tokens/{id}/revoke',
        '/api/v1/tokens/{id}/rotate',
        '/api/v1/usage',
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/users/{id}/restore',
      ].sort(),
    );
    // every route handler under /api/v1 is in the document, with its method
    const handlers = discoverRoutes().apiHandlers.filter((h) => h.path !== '/api/v1/openapi.json');
    expect(handlers.length).toBe(14);
    for (const h of handlers) expect(doc.paths[h.path.replace(/\[(\w+)\]/g, '{$1}')], `${h.method} ${h.path}`).toHaveProperty(h.method.toLowerCase());
    expect(check.errors('get', '/api/v1/users', 200, { rows: [{ id: 1 }], nextCursor: null })).toMatch(/must/);
    expect(check.errors('get', '/api/v1/users', 401, { error: { message: 'x' } })).toMatch(/must have required property/);
  });

  it('refuses a missing, unknown or revoked key with 401 invalid_api_key in the gateway error shape', async () => {
    const none = await api('get', '/users', { key: null });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { message: expect.stringMatching(/Authorization: Bearer/), type: 'authentication_error', code: 'invalid_api_key' } });
    expect((await api('get', '/users', { key: 'dsp_ak_' + 'x'.repeat(43) })).status).toBe(401);
    const temp = await be.services.apiKeys.create('temp', 'admin');
    expect((await api('get', '/users', { key: temp.secret })).status).toBe(200);
    await be.services.apiKeys.revoke('temp');
    expect((await api('get', '/users', { key: temp.secret })).body.error.code).toBe('invalid_api_key');
    // a cookie-less API call is not subject to the console's cross-site check
    expect((await api('get', '/users', { headers: { origin: 'http://evil.example' } })).status).toBe(200);
  });

  it('users: create (idempotent), get, patch quotas and status, cursor pages and filters', async () => {
    const created = await api('post', '/users', { body: { id: 'alice', name: 'Alice', dailyTokens: 1000 }, headers: { 'idempotency-key': 'create-alice' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'alice', name: 'Alice', status: 'active', dailyTokens: 1000, dailyRequests: null });
    const retry = await api('post', '/users', { body: { id: 'alice', name: 'Alice', dailyTokens: 1000 }, headers: { 'idempotency-key': 'create-alice' } });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe('alice');
    const reused = await api('post', '/users', { body: { id: 'bob' }, headers: { 'idempotency-key': 'create-alice' } });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const dup = await api('post', '/users', { body: { id: 'alice' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'duplicate', type: 'conflict_error' });

    for (const id of ['bob', 'carol', 'dave', 'erin']) expect((await api('post', '/users', { body: { id } })).status).toBe(201);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { rows: { id: string }[]; nextCursor: string | null } } = await api('get', '/users', {
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      ids.push(...page.body.rows.map((u) => u.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);

    const patched = await api('patch', '/users/{id}', { path: '/users/bob', body: { status: 'disabled', monthlyTokens: 5000, dailyTokens: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: 'bob', status: 'disabled', monthlyTokens: 5000, dailyTokens: null });
    expect((await api('get', '/users', { query: { status: 'disabled' } })).body.rows.map((u: { id: string }) => u.id)).toEqual(['bob']);
    expect((await api('get', '/users', { query: { search: 'ALI' } })).body.rows.map((u: { id: string }) => u.id)).toEqual(['alice']);
    expect((await api('get', '/users/{id}', { path: '/users/carol' })).body.id).toBe('carol');

    // budgets: exact decimal strings in, canonical out; null removes one; bad ones are 400 and change nothing
    const budgeted = await api('patch', '/users/{id}', { path: '/users/carol', body: { dailyBudget: '5.50', monthlyBudget: '100.123456789' } });
    expect(budgeted.status).toBe(200);
    expect(budgeted.body).toMatchObject({ id: 'carol', dailyBudget: '5.5', monthlyBudget: '100.123456789' });
    expect(await be.redis.hget(`${fixture.prefix}{u:carol}:user`, 'daily_budget')).toBe('5500000000');
    for (const bad of [-1, '-1', 5.5, 'lots', '1.0000000001', '1e3']) {
      const r = await api('patch', '/users/{id}', { path: '/users/carol', body: { dailyBudget: bad } });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/dailyBudget/) });
    }
    const tooBig = await api('patch', '/users/{id}', { path: '/users/carol', body: { monthlyBudget: '9999999999' } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toMatch(/monthly_budget must be an amount >= 0 and <= 1000000000/);
    const cleared = await api('patch', '/users/{id}', { path: '/users/carol', body: { dailyBudget: null } });
    expect(cleared.body).toMatchObject({ dailyBudget: null, monthlyBudget: '100.123456789' });

    const missing = await api('get', '/users/{id}', { path: '/users/nobody' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', type: 'not_found_error' });
    const badQuery = await api('get', '/users', { query: { limit: '0' } });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/invalid query.*limit/) });
    const extra = await api('post', '/users', { body: { id: 'x', admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/admin/);
    expect((await api('post', '/users', { body: '{"id":' })).body.error.message).toBe('the body is not valid JSON');
    expect((await api('post', '/users', { body: { id: 'bad id!' } })).body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/invalid user id/),
    });
  });

  it('tokens: issue (a retry gets a JWT of the same token), rotate, revoke, list by user and status', async () => {
    const issued = await api('post', '/tokens', {
      body: { userId: 'alice', name: 'ci', expiresIn: '30d', concurrency: 2 },
      headers: { 'idempotency-key': 'tok-1' },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.record).toMatchObject({ userId: 'alice', name: 'ci', concurrency: 2, status: 'active' });
    const replay = await api('post', '/tokens', {
      body: { userId: 'alice', name: 'ci', expiresIn: '30d', concurrency: 2 },
      headers: { 'idempotency-key': 'tok-1' },
    });
    expect(replay.status).toBe(200);
    expect(replay.body.record.id).toBe(issued.body.record.id);
    const jti = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).jti as string;
    expect(jti(replay.body.token)).toBe(issued.body.record.id);
    expect((await be.services.tokens.list('alice')).length).toBe(1);
    expect(issued.body.record).toMatchObject({ dailyBudget: null, monthlyBudget: null });
    const tb = await api('patch', '/tokens/{id}', { path: `/tokens/${issued.body.record.id}`, body: { dailyBudget: '0.25' } });
    expect(tb.status).toBe(200);
    expect(tb.body).toMatchObject({ id: issued.body.record.id, dailyBudget: '0.25', monthlyBudget: null });
    expect(await be.redis.hget(`${fixture.prefix}{u:alice}:user`, `daily_budget:${issued.body.record.id}`)).toBe('250000000');
    expect((await api('patch', '/tokens/{id}', { path: `/tokens/${issued.body.record.id}`, body: { dailyBudget: '-0.25' } })).status).toBe(400);
    expect((await api('patch', '/tokens/{id}', { path: `/tokens/${issued.body.record.id}`, body: { concurrency: 3 } })).status).toBe(400);
    expect((await api('patch', '/tokens/{id}', { path: '/tokens/nope', body: { dailyBudget: '1' } })).status).toBe(404);

    const rotated = await api('post', '/tokens/{id}/rotate', { path: `/tokens/${issued.body.record.id}/rotate` });
    expect(rotated.status).toBe(201);
    expect(rotated.body.replaced).toMatchObject({ id: issued.body.record.id, status: 'revoked' });
    expect(rotated.body.record).toMatchObject({ name: 'ci', concurrency: 2, status: 'active' });
    expect(readClaims(JSON.parse(Buffer.from(rotated.body.token.split('.')[1], 'base64url').toString()))).toMatchObject({ jti: rotated.body.record.id });
    const again = await api('post', '/tokens/{id}/rotate', { path: `/tokens/${issued.body.record.id}/rotate` });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');

    // with a grace period and new claims: how a token is edited
    expect((await api('post', '/users', { body: { id: 'rot-dave' } })).status).toBe(201);
    const d = await api('post', '/tokens', { body: { userId: 'rot-dave', name: 'graced', concurrency: 1 } });
    const rotatePath = { path: `/tokens/${d.body.record.id}/rotate` };
    expect((await api('post', '/tokens/{id}/rotate', { ...rotatePath, body: { grace: '90d' } })).body.error.message).toMatch(/grace must be at most 30 days/);
    expect((await api('post', '/tokens/{id}/rotate', { ...rotatePath, body: { lifetime: '1d' } })).status).toBe(400);
    const graced = await api('post', '/tokens/{id}/rotate', { ...rotatePath, body: { grace: '1h', models: ['deepseek-chat'], concurrency: null } });
    expect(graced.status).toBe(201);
    expect(graced.body.replaced).toMatchObject({ id: d.body.record.id, status: 'active' });
    expect(Date.parse(graced.body.replaced.retireAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(graced.body.record).toMatchObject({ name: 'graced', concurrency: null, models: ['deepseek-chat'], retireAt: null });
    for (const id of [d.body.record.id, graced.body.record.id])
      expect((await api('post', '/tokens/{id}/revoke', { path: `/tokens/${id}/revoke` })).status).toBe(200);

    const revoked = await api('post', '/tokens/{id}/revoke', { path: `/tokens/${rotated.body.record.id}/revoke` });
    expect(revoked.body).toMatchObject({ id: rotated.body.record.id, status: 'revoked' });
    for (let i = 0; i < 3; i++) await api('post', '/tokens', { body: { userId: 'carol', name: `c${i}` } });
    const active = await api('get', '/tokens', { query: { status: 'active' } });
    expect(active.body.rows.map((t: { name: string }) => t.name)).toEqual(['c0', 'c1', 'c2']);
    const first = await api('get', '/tokens', { query: { user: 'carol', limit: '2' } });
    const second = await api('get', '/tokens', { query: { user: 'carol', limit: '2', cursor: first.body.nextCursor } });
    expect([...first.body.rows, ...second.body.rows].map((t: { name: string }) => t.name)).toEqual(['c0', 'c1', 'c2']);
    expect(second.body.nextCursor).toBeNull();
    expect((await api('get', '/tokens', { query: { user: 'alice', status: 'revoked' } })).body.rows.length).toBe(2);
    expect((await api('post', '/tokens', { body: { userId: 'nobody' } })).status).toBe(404);
    expect((await api('post', '/tokens', { body: { userId: 'bob' } })).body.error.code).toBe('conflict'); // bob is disabled
  });

  it('usage as JSON and CSV, from the ledger', async () => {
    const now = new Date();
    await insertUsageEvents(be.pool, [
      {
        request_id: 'req-1',
        token_id: 't',
        user_id: 'alice',
        model: 'deepseek-chat',
        route: '/v1/chat/completions',
        stream: true,
        status: 200,
        prompt_tokens: 10,
        completion_tokens: 5,
        cache_hit_tokens: 0,
        cache_miss_tokens: 10,
        reasoning_tokens: 0,
        first_byte_ms: 5,
        total_ms: 20,
        started_at: now.getTime(),
        aborted: false,
        instance: 'test',
        cost_nanos: '20000',
        currency: 'CNY',
      },
    ]);
    const j = await api('get', '/usage', { query: { user: 'alice' } });
    expect(j.status).toBe(200);
    expect(j.body.rows).toEqual([
      expect.objectContaining({
        userId: 'alice',
        model: 'deepseek-chat',
        requests: 1,
        promptTokens: 10,
        completionTokens: 5,
        cost: { CNY: '0.00002' },
        unpriced: 0,
        amount: '0.00002',
        currency: 'CNY',
      }),
    ]);
    const c = await api('get', '/usage', { query: { user: 'alice', format: 'csv' } });
    expect(c.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (c.body as string).trim().split('\n');
    expect(lines[0]).toMatch(/^day,userId,model,requests,promptTokens/);
    expect(lines[1]).toMatch(/,alice,deepseek-chat,1,10,5,/);
    expect(lines[0]).toMatch(/,unpriced,amount,currency\r?$/);
    expect(lines[1]).toMatch(/,0,0\.00002,CNY\r?$/);
    expect((await api('get', '/usage', { query: { from: 'yesterday' } })).status).toBe(400);
  });

  it('the request log, filtered by token, model, route, status and day, with account and attempts', async () => {
    const base = {
      token_id: 'tok-a',
      user_id: 'logger',
      model: 'deepseek-chat',
      route: '/v1/chat/completions',
      stream: false,
      status: 200,
      prompt_tokens: 3,
      completion_tokens: 2,
      cache_hit_tokens: 0,
      cache_miss_tokens: 3,
      reasoning_tokens: 0,
      first_byte_ms: null,
      total_ms: 9,
      started_at: Date.now(),
      aborted: false,
      instance: 'test',
      cost_nanos: '0',
      currency: '',
    };
    await insertUsageEvents(be.pool, [
      { ...base, request_id: 'log-1', account: 'main', attempts: 2, upstream_model: 'deepseek-v4-flash' },
      { ...base, request_id: 'log-2', token_id: 'tok-b', status: 429 },
      { ...base, request_id: 'log-3', model: 'deepseek-v4-pro', route: '/anthropic/v1/messages', stream: true, aborted: true },
      { ...base, request_id: 'log-4', status: 502 },
      { ...base, request_id: 'log-old', started_at: Date.now() - 40 * 86_400_000 },
    ]);
    const ids = async (query: Record<string, string>) => {
      const r = await api('get', '/requests', { query: { user: 'logger', ...query } });
      expect(r.status).toBe(200);
      return (r.body.rows as { requestId: string }[]).map((x) => x.requestId).sort();
    };
    expect(await ids({})).toEqual(['log-1', 'log-2', 'log-3', 'log-4', 'log-old']);
    expect(await ids({ token: 'tok-b' })).toEqual(['log-2']);
    expect(await ids({ model: 'deepseek-v4-pro' })).toEqual(['log-3']);
    expect(await ids({ route: '/anthropic/v1/messages' })).toEqual(['log-3']);
    expect(await ids({ status: '2xx' })).toEqual(['log-1', 'log-old']); // the aborted one is not "answered"
    expect(await ids({ status: 'aborted' })).toEqual(['log-3']);
    expect(await ids({ status: '4xx' })).toEqual(['log-2']);
    expect(await ids({ status: '502' })).toEqual(['log-4']);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids({ from: today, to: today })).toEqual(['log-1', 'log-2', 'log-3', 'log-4']);
    const one = await api('get', '/requests', { query: { token: 'tok-a', model: 'deepseek-chat', status: '2xx', limit: '1', from: today } });
    expect(one.body.rows).toEqual([
      expect.objectContaining({ requestId: 'log-1', account: 'main', attempts: 2, upstreamModel: 'deepseek-v4-flash', model: 'deepseek-chat' }),
    ]);
    const bad = await api('get', '/requests', { query: { status: 'ok' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/status/);
  });

  it('users: name, notes and labels; list by label; soft delete and restore', async () => {
    expect((await api('post', '/users', { body: { id: 'lab-api' } })).status).toBe(201);
    const patched = await api('patch', '/users/{id}', { path: '/users/lab-api', body: { name: 'Lab', notes: 'EU team', labels: ['Team-Red', 'eu'] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Lab', notes: 'EU team', labels: ['eu', 'team-red'], deletedAt: null });
    expect((await api('patch', '/users/{id}', { path: '/users/lab-api', body: { labels: ['no spaces'] } })).body.error.message).toMatch(/invalid label/);
    expect((await api('get', '/users', { query: { label: 'team-red' } })).body.rows.map((u: { id: string }) => u.id)).toEqual(['lab-api']);
    expect((await api('get', '/users', { query: { search: 'RED' } })).body.rows.map((u: { id: string }) => u.id)).toEqual(['lab-api']);
    const deleted = await api('delete', '/users/{id}', { path: '/users/lab-api' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'disabled' });
    expect(deleted.body.deletedAt).not.toBeNull();
    expect((await api('get', '/users', { query: { label: 'team-red' } })).body.rows).toEqual([]);
    expect((await api('get', '/users', { query: { deleted: 'only' } })).body.rows.map((u: { id: string }) => u.id)).toEqual(['lab-api']);
    expect((await api('patch', '/users/{id}', { path: '/users/lab-api', body: { status: 'active' } })).body.error.code).toBe('conflict');
    const restored = await api('post', '/users/{id}/restore', { path: '/users/lab-api/restore' });
    expect(restored.body).toMatchObject({ id: 'lab-api', status: 'disabled', deletedAt: null });
    expect((await api('post', '/users/{id}/restore', { path: '/users/lab-api/restore' })).status).toBe(409);
    expect((await api('delete', '/users/{id}', { path: '/users/nobody' })).status).toBe(404);
  });

  it('a viewer key reads and is refused every change (403 forbidden); every call is audited with the key name', async () => {
    expect((await api('get', '/users', { key: viewerKey })).status).toBe(200);
    expect((await api('get', '/audit', { key: viewerKey })).status).toBe(200);
    const refused = await api('post', '/users', { key: viewerKey, body: { id: 'zed' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      message: 'API key "dashboards" has the viewer role, which is read-only',
      type: 'permission_error',
      code: 'forbidden',
    });
    expect((await api('patch', '/users/{id}', { key: viewerKey, path: '/users/alice', body: { status: 'disabled' } })).status).toBe(403);
    expect((await be.services.users.get('alice')).status).toBe('active');

    const mine = await api('get', '/audit', { key: viewerKey, query: { actor: 'apikey:dashboards', limit: '3' } });
    expect(mine.body.rows.map((r: { action: string; target: string; details: { status: number } }) => [r.action, r.target, r.details.status])).toEqual([
      // (a call's own entry is written after its answer, so this GET is not in it yet)
      ['api.call', 'PATCH /api/v1/users/alice', 403],
      ['api.call', 'POST /api/v1/users', 403],
      ['api.call', 'GET /api/v1/audit', 200],
    ]);
    const older = await api('get', '/audit', { key: viewerKey, query: { actor: 'apikey:dashboards', limit: '3', cursor: mine.body.nextCursor } });
    expect(older.body.rows.map((r: { target: string }) => r.target)).toEqual(['GET /api/v1/users']);
    expect(older.body.nextCursor).toBeNull();
    // the admin key's changes are audited as apikey:ci next to its calls (seven users created through the API)
    const changes = await be.services.audit.list({ actor: 'apikey:ci', action: 'user.create' });
    expect(changes.rows.length).toBe(7);
    const keysNow = await be.services.apiKeys.list();
    expect(keysNow.find((k) => k.name === 'dashboards')!.lastUsedAt).not.toBeNull();
    expect(checked).toBeGreaterThan(40);
  });
});
