// Every page and route handler refuses a request without a valid session; state-changing requests
// from another site are refused; failed sign-ins are throttled; sessions expire and end at sign-out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, loginFrom, sessionFrom, startConsoleOnly, type AdminServer, type Backend, type ConsoleOnly } from './helpers.js';
import { PUBLIC_API } from '../src/lib/constants.js';
import { discoverRoutes } from './routes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PASSWORD = 'correct-horse-battery';

const concrete = (path: string) => path.replace('[id]', 'someone');

describe('admin console access control', () => {
  let prefix: string;
  let fixture: ConsoleOnly;
  let admin: AdminServer;
  let be: Backend;
  let cookie: string;
  const routes = discoverRoutes();

  beforeAll(async () => {
    fixture = await startConsoleOnly(
      async (b) => {
        await b.services.admins.create('root', PASSWORD);
        await b.services.admins.create('other', PASSWORD);
      },
      // the test client connects from 127.0.0.1 and plays the proxy that names the client
      { trusted_proxies: ['127.0.0.1'] },
    );
    ({ admin, be, prefix } = fixture);
    const r = await login(admin.url, 'root', PASSWORD);
    expect(r.status).toBe(200);
    cookie = sessionFrom(r);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('finds every page and handler of the build', () => {
    expect(routes.pages).toEqual(expect.arrayContaining(['/', '/dashboard', '/users', '/users/[id]', '/tokens', '/usage', '/audit', '/login']));
    expect(routes.handlers.length).toBeGreaterThanOrEqual(13);
  });

  for (const variant of ['no cookie', 'a forged cookie'] as const) {
    const headers = (): Record<string, string> => (variant === 'no cookie' ? {} : { cookie: 'dsp_admin_session=forged-' + 'x'.repeat(43) });

    it(`redirects every page to the sign-in page (${variant})`, async () => {
      for (const page of routes.pages.filter((p) => p !== '/login')) {
        const r = await fetch(admin.url + concrete(page), { redirect: 'manual', headers: headers() });
        expect(r.status, page).toBe(307);
        const loc = new URL(r.headers.get('location')!, admin.url);
        expect(loc.pathname, page).toBe('/login');
        if (page !== '/') expect(loc.searchParams.get('next'), page).toBe(concrete(page));
      }
    });

    it(`answers 401 from every route handler but sign-in (${variant})`, async () => {
      for (const h of routes.handlers.filter((x) => !(PUBLIC_API as readonly string[]).includes(x.path))) {
        const r = await fetch(admin.url + concrete(h.path), {
          method: h.method,
          redirect: 'manual',
          headers: { ...headers(), origin: admin.url, 'content-type': 'application/json' },
          body: h.method === 'GET' ? undefined : '{}',
        });
        expect(r.status, `${h.method} ${h.path}`).toBe(401);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      }
    });
  }

  it('serves the pages and handlers with a session', async () => {
    for (const page of routes.pages.filter((p) => p !== '/login' && p !== '/' && p !== '/users/[id]')) {
      const r = await fetch(admin.url + page, { redirect: 'manual', headers: { cookie } });
      expect(r.status, page).toBe(200);
    }
    const r = await fetch(`${admin.url}/api/users`, { headers: { cookie } });
    expect(r.status).toBe(200);
  });

  it('streams live metrics over SSE to a signed-in operator, a host that is down shown as down', async () => {
    const ac = new AbortController();
    const r = await fetch(`${admin.url}/api/metrics/stream`, { headers: { cookie }, signal: ac.signal });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = r.body!.getReader();
    let text = '';
    const dec = new TextDecoder();
    while (!/event: snapshot\ndata: .*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    ac.abort();
    expect(text).toMatch(/^event: hello\n/);
    const snap = JSON.parse(/event: snapshot\ndata: (.*)\n\n/.exec(text)![1]!) as { hosts: { up: boolean; error?: string }[]; total: unknown };
    expect(snap.hosts).toEqual([expect.objectContaining({ up: false, error: expect.any(String) })]);
    expect(snap.total).toBeNull();
  });

  it('sends a single sign-on attempt back to the sign-in page when [admin.oidc] is not set', async () => {
    for (const path of ['/api/auth/oidc/start?next=/users', '/api/auth/oidc/callback?code=x&state=y']) {
      const r = await fetch(admin.url + path, { redirect: 'manual' });
      expect(r.status, path).toBe(303);
      expect(new URL(r.headers.get('location')!).pathname + new URL(r.headers.get('location')!).search, path).toBe('/login?sso_error=off');
    }
    // the page has no single sign-on button, and the password form
    const html = await (await fetch(`${admin.url}/login`)).text();
    expect(html).not.toContain('data-testid="login-sso"');
    expect(html).toContain('data-testid="login-password"');
  });

  it('refuses cross-site state-changing requests with 403, even with a valid session', async () => {
    for (const h of routes.handlers.filter((x) => x.method !== 'GET')) {
      for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${admin.port + 1}`, undefined]) {
        const r = await fetch(admin.url + concrete(h.path), {
          method: h.method,
          headers: { cookie, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
          body: JSON.stringify({ id: 'mallory', username: 'root', password: PASSWORD }),
        });
        expect(r.status, `${h.method} ${h.path} from ${origin}`).toBe(403);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('cross_site');
      }
    }
    // nothing was created, and the session still works
    const list = (await (await fetch(`${admin.url}/api/users`, { headers: { cookie } })).json()) as { total: number };
    expect(list.total).toBe(0);
    // the same request from the console's own origin goes through
    const ok = await fetch(`${admin.url}/api/users`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: admin.url },
      body: JSON.stringify({ id: 'alice' }),
    });
    expect(ok.status).toBe(201);
    // and so does a browser's same-origin fetch that carries Sec-Fetch-Site instead of Origin
    const sfs = await fetch(`${admin.url}/api/users/alice/status`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ status: 'disabled' }),
    });
    expect(sfs.status).toBe(200);
  });

  it('refuses a cross-site form post (no JSON) even from the same origin', async () => {
    const r = await fetch(`${admin.url}/api/users`, {
      method: 'POST',
      headers: { cookie, origin: admin.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=formuser',
    });
    expect(r.status).toBe(400);
  });

  it('sets an HttpOnly, SameSite session cookie, Secure behind https, with the session lifetime', async () => {
    const r = await login(admin.url, 'other', PASSWORD);
    const sc = r.headers.getSetCookie().find((c) => c.startsWith('dsp_admin_session='))!;
    expect(sc).toMatch(/HttpOnly/i);
    expect(sc).toMatch(/SameSite=(lax|strict)/i);
    expect(sc).toMatch(/Path=\//);
    expect(sc).not.toMatch(/Secure/i);
    const expires = Date.parse(/Expires=([^;]+)/i.exec(sc)![1]!);
    expect(Math.abs(expires - (Date.now() + 12 * 3600_000))).toBeLessThan(120_000);
    const https = await login(admin.url, 'other', PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(https.headers.getSetCookie().find((c) => c.startsWith('dsp_admin_session='))).toMatch(/Secure/i);
  });

  it('backs off an address that keeps failing (429, Retry-After doubling), and keeps others out of it', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i++) expect((await login(admin.url, 'root', 'wrong-password', from('10.0.0.1'))).status).toBe(401);
    const blocked = await login(admin.url, 'root', 'wrong-password', from('10.0.0.1'));
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('1');
    expect(((await blocked.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'too_many_attempts',
      message: expect.stringMatching(/try again in 1 second/),
    });
    // even the right password waits while the address is blocked
    expect((await login(admin.url, 'root', PASSWORD, from('10.0.0.1'))).status).toBe(429);
    // another address, with the right password, gets in at once: the account is not locked
    expect((await login(admin.url, 'root', PASSWORD, from('10.0.0.2'))).status).toBe(200);
    // each further failure doubles the wait
    await sleep(1100);
    expect((await login(admin.url, 'root', 'wrong-password', from('10.0.0.1'))).status).toBe(401);
    expect((await login(admin.url, 'root', 'wrong-password', from('10.0.0.1'))).headers.get('retry-after')).toBe('2');
    // the counters live in Redis under the configured prefix
    expect((await be.redis.keys(`${prefix}*admin-login*`)).length).toBeGreaterThan(0);
    // failures and the blocks are in the audit log, under the client address
    const { rows } = await be.services.audit.list({ target: 'root', limit: 50 });
    const failed = rows.filter((r) => r.action === 'admin.login_failed');
    expect(failed.length).toBe(6);
    expect(failed.every((r) => r.actor === 'login:10.0.0.1' && r.details.address === '10.0.0.1')).toBe(true);
    expect(rows.filter((r) => r.action === 'admin.login_blocked').map((r) => r.details.seconds)).toEqual([2, 1]);
  });

  it('trusts X-Forwarded-For only from [admin] trusted_proxies', async () => {
    // 127.0.0.2 is not a trusted proxy: its X-Forwarded-For is ignored, so rotating it gains nothing
    for (let i = 0; i < 5; i++)
      expect((await loginFrom('127.0.0.2', admin.url, 'nobody', 'wrong-password', { 'x-forwarded-for': `10.5.0.${i}` })).status).toBe(401);
    const r = await loginFrom('127.0.0.2', admin.url, 'nobody', 'wrong-password', { 'x-forwarded-for': '10.5.0.99' });
    expect(r.status).toBe(429);
    const { rows } = await be.services.audit.list({ target: 'nobody', action: 'admin.login_failed' });
    expect(new Set(rows.map((x) => x.actor))).toEqual(new Set(['login:127.0.0.2']));
    // nor can it escape a block by naming an address, or get someone else blocked
    expect((await loginFrom('127.0.0.3', admin.url, 'root', PASSWORD, { 'x-forwarded-for': '127.0.0.2' })).status).toBe(200);
  });

  it('slows every attempt on an account with many failures, but never locks it', async () => {
    for (let i = 0; i < 7; i++) {
      const r = await login(admin.url, 'other', 'wrong-password', { 'x-forwarded-for': `10.1.0.${i}` });
      expect(r.status, `attempt ${i}`).toBe(401);
    }
    // 7 failures: the next attempt is answered after 0.25 s × 2^2 = 1 s, and it succeeds
    const t0 = Date.now();
    expect((await login(admin.url, 'other', PASSWORD, { 'x-forwarded-for': '10.2.0.1' })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('sends a signed-in operator on to a local `next` only; odd input never gives a 500', async () => {
    for (const [next, where] of [
      ['/users', '/users'],
      ['/%09/evil.example', '/dashboard'],
      ['//evil.example', '/dashboard'],
      ['/%5Cevil.example', '/dashboard'],
      ['https://evil.example/', '/dashboard'],
      ['/%00', '/dashboard'],
      ['/users%0d%0aSet-Cookie:x=y', '/dashboard'],
    ]) {
      const r = await fetch(`${admin.url}/login?next=${next}`, { headers: { cookie }, redirect: 'manual' });
      expect(r.status, next).toBe(307);
      expect(r.headers.get('location'), next).toBe(where);
      const anon = await fetch(`${admin.url}/login?next=${next}`, { redirect: 'manual' });
      expect(anon.status, next).toBe(200);
    }
  });

  it('ends a session at its expiry and at sign-out', async () => {
    const root = await be.services.admins.get('root');
    const short = await be.services.admins.createSession(root.id, 1.5 / 3600);
    const c = `dsp_admin_session=${short.secret}`;
    expect((await fetch(`${admin.url}/api/users`, { headers: { cookie: c } })).status).toBe(200);
    expect((await fetch(`${admin.url}/users`, { headers: { cookie: c }, redirect: 'manual' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await fetch(`${admin.url}/api/users`, { headers: { cookie: c } })).status).toBe(401);
    const page = await fetch(`${admin.url}/users`, { headers: { cookie: c }, redirect: 'manual' });
    expect(page.status).toBe(307);
    expect(page.headers.get('location')).toMatch(/^\/login\?next=%2Fusers/);

    const out = await fetch(`${admin.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: admin.url } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().find((x) => x.startsWith('dsp_admin_session='))).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect((await fetch(`${admin.url}/api/users`, { headers: { cookie } })).status).toBe(401);
  });
});
