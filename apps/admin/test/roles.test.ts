// Operator roles in the console: a viewer reads everything an admin reads, and every
// state-changing handler refuses it with 403 `forbidden` (sign-out excepted); demoting an admin
// takes effect on its next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, sessionFrom, startConsoleOnly, type AdminServer, type Backend, type ConsoleOnly } from './helpers.js';
import { discoverRoutes } from './routes.js';

const PASSWORD = 'correct-horse-battery';
const concrete = (path: string) => path.replace('[id]', 'alice');

describe('operator roles', () => {
  let fixture: ConsoleOnly;
  let admin: AdminServer;
  let be: Backend;
  const routes = discoverRoutes();

  beforeAll(async () => {
    fixture = await startConsoleOnly(async (b) => {
      await b.services.admins.create('root', PASSWORD);
      await b.services.admins.create('watcher', PASSWORD, { role: 'viewer' });
      await b.services.users.create({ id: 'alice' });
    });
    ({ admin, be } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  const call = (cookie: string, method: string, path: string, body: unknown = {}) =>
    fetch(admin.url + path, {
      method,
      headers: { cookie, origin: admin.url, 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body),
    });

  it('a viewer reads every handler and page, and is refused every change with 403 forbidden', async () => {
    const cookie = sessionFrom(await login(admin.url, 'watcher', PASSWORD));
    const gets = routes.handlers.filter((h) => h.method === 'GET' && h.path !== '/api/metrics/stream');
    expect(gets.length).toBeGreaterThanOrEqual(5);
    for (const h of gets) expect((await call(cookie, 'GET', concrete(h.path))).status, h.path).toBe(200);
    for (const page of ['/dashboard', '/users', '/users/alice', '/tokens', '/usage', '/audit'])
      expect((await fetch(admin.url + page, { headers: { cookie }, redirect: 'manual' })).status, page).toBe(200);

    // /api/auth/* and /api/account/* change only the caller's own session or password
    const writes = routes.handlers.filter((h) => h.method !== 'GET' && !h.path.startsWith('/api/auth/') && !h.path.startsWith('/api/account/'));
    expect(writes.length).toBeGreaterThanOrEqual(5);
    for (const h of writes) {
      const r = await call(cookie, h.method, concrete(h.path), { id: 'mallory', userId: 'alice', status: 'disabled', dailyTokens: 1 });
      expect(r.status, `${h.method} ${h.path}`).toBe(403);
      expect(((await r.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: 'forbidden',
        message: 'operator "watcher" has the viewer role, which is read-only',
      });
    }
    // nothing changed; the viewer's only audit entry is its sign-in
    expect((await be.services.users.get('alice')).status).toBe('active');
    expect((await be.services.tokens.list('alice')).length).toBe(0);
    expect((await be.services.audit.list({ actor: 'admin:watcher' })).rows.map((r) => r.action)).toEqual(['admin.login']);

    // a viewer can sign out
    const out = await call(cookie, 'POST', '/api/auth/logout');
    expect(out.status).toBe(200);
    expect((await call(cookie, 'GET', '/api/users')).status).toBe(401);
  });

  it('an admin changes things; demoted to viewer, its very next change is refused', async () => {
    await be.services.admins.create('ops', PASSWORD);
    const cookie = sessionFrom(await login(admin.url, 'ops', PASSWORD));
    expect((await call(cookie, 'POST', '/api/users/alice/quota', { dailyTokens: 5 })).status).toBe(200);
    await be.services.admins.setRole('ops', 'viewer');
    const r = await call(cookie, 'POST', '/api/users/alice/quota', { dailyTokens: 6 });
    expect(r.status).toBe(403);
    expect((await be.services.users.get('alice')).dailyTokens).toBe(5);
    await be.services.admins.setRole('ops', 'admin');
    expect((await call(cookie, 'POST', '/api/users/alice/quota', { dailyTokens: 7 })).status).toBe(200);
  });
});
