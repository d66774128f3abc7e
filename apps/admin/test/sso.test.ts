// Single sign-on to the console, in Debian's Chromium against a real OpenID provider (the
// `oidc-provider` package, in this process on 127.0.0.1, with its development sign-in pages: any
// login name signs in as that account). The console runs with local passwords switched off.
// Covered: admin-group and viewer-group users (read-only enforced), a denied domain, a user in no
// group, a local operator's name taken, the operator made and updated from the claims, sessions
// (HttpOnly, rotated), logout at the provider (RP-initiated), the audit log, and the password form
// absent with its POST refused.
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../../gateway/test/harness.js';
import { ARTIFACTS, CHROMIUM_ARGS, login, startConsoleOnly, type AdminServer, type Backend, type ConsoleOnly } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CLIENT_ID = 'dsp-console';
const CLIENT_SECRET = 'console-secret-for-the-test-provider-0123456789';

/** The provider's accounts: the login name typed on its sign-in page is the account id. */
const ACCOUNTS: Record<string, { email: string; groups: string[]; verified?: boolean }> = {
  alice: { email: 'alice@corp.example', groups: ['staff', 'dsp-admins'] },
  victor: { email: 'Victor@Corp.Example', groups: ['dsp-viewers'] },
  mallory: { email: 'mallory@evil.example', groups: ['dsp-admins'] },
  nobody: { email: 'nobody@corp.example', groups: ['staff'] },
  unverified: { email: 'unverified@corp.example', groups: ['dsp-admins'], verified: false },
  clash: { email: 'root@corp.example', groups: ['dsp-admins'] },
};

const hydrated = (p: Page) => p.locator('html[data-hydrated]').waitFor({ state: 'attached' });

describe('single sign-on (OpenID Connect) in Chromium', () => {
  let provider: Provider;
  let providerServer: Server;
  let issuer: string;
  let fixture: ConsoleOnly;
  let admin: AdminServer;
  let be: Backend;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const consolePort = await freePort();
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    const providerPort = await freePort();
    issuer = `http://127.0.0.1:${providerPort}`;
    const config: Configuration = {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${consoleUrl}/api/auth/oidc/callback`],
          post_logout_redirect_uris: [`${consoleUrl}/login`],
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      async findAccount(_ctx, id) {
        const a = ACCOUNTS[id];
        if (!a) return undefined;
        return {
          accountId: id,
          claims: async () => ({ sub: id, email: a.email, email_verified: a.verified ?? true, name: id, preferred_username: id, groups: a.groups }),
        };
      },
    };
    provider = new Provider(issuer, config);
    providerServer = await new Promise<Server>((res) => {
      const s = provider.listen(providerPort, '127.0.0.1', () => res(s));
    });
    expect((providerServer.address() as AddressInfo).port).toBe(providerPort);

    fixture = await startConsoleOnly(
      async (b) => {
        // a local operator (its password no longer works) whose name an SSO user's email would take
        await b.services.admins.create('root@corp.example', 'local-password-1');
      },
      {
        port: consolePort,
        public_url: consoleUrl,
        local_passwords: false,
        oidc: {
          issuer,
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          scopes: ['openid', 'email', 'profile', 'groups'],
          allowed_domains: ['corp.example'],
          admin_group: 'dsp-admins',
          viewer_group: 'dsp-viewers',
        },
      },
    );
    ({ admin, be } = fixture);
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fixture?.stop();
    await new Promise((r) => (providerServer ? providerServer.close(r) : r(undefined)));
  });

  /** Signs `account` in at the provider from the console's sign-in page, in a fresh browser. */
  async function ssoLogin(account: string, next = '/users') {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(`${account}: ${e.message}`));
    await page.goto(`${admin.url}/login?next=${encodeURIComponent(next)}`);
    await hydrated(page);
    await page.getByTestId('login-sso').click();
    // the provider's sign-in page, then its consent page
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.locator('input[name="login"]').fill(account);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.href.startsWith(admin.url));
    return { ctx, page };
  }

  const sessionCookie = async (page: Page) => (await page.context().cookies(admin.url)).find((c) => c.name === 'dsp_admin_session');

  it('has no password form and refuses a password sign-in when local passwords are off', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${admin.url}/login`);
    await hydrated(page);
    await expect(page.getByTestId('login-sso').isVisible()).resolves.toBe(true);
    expect(await page.getByTestId('login-password').count()).toBe(0);
    expect(await page.getByTestId('login-username').count()).toBe(0);
    await ctx.close();
    const r = await login(admin.url, 'root@corp.example', 'local-password-1');
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('local_passwords_disabled');
    expect(r.headers.getSetCookie().some((c) => c.startsWith('dsp_admin_session='))).toBe(false);
  });

  it('signs an admin-group user in as an admin, made an operator from the claims, back to where they were going', async () => {
    const { ctx, page } = await ssoLogin('alice', '/users');
    expect(new URL(page.url()).pathname).toBe('/users');
    await page.getByTestId('page-title').waitFor();
    const cookie = (await sessionCookie(page))!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // the flow cookie is gone
    expect((await ctx.cookies(admin.url + '/api/auth/oidc/callback')).some((c) => c.name === 'dsp_oidc_flow')).toBe(false);
    const op = await be.services.admins.get('alice@corp.example');
    expect(op).toMatchObject({ role: 'admin', kind: 'sso', email: 'alice@corp.example' });
    // the admin may change things
    const r = await page.evaluate(async () => {
      const res = await fetch('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'made-by-sso' }) });
      return res.status;
    });
    expect(r).toBe(201);
    expect(await be.services.users.get('made-by-sso')).toMatchObject({ id: 'made-by-sso' });
    await page.screenshot({ path: join(ARTIFACTS, 'sso-admin.png') });

    // signing in again rotates the session: a new secret, the old one ended
    await page.goto(`${admin.url}/api/auth/oidc/start?next=/dashboard`);
    // the provider remembers alice (its own session): straight back, maybe through consent
    if (page.url().startsWith(issuer)) await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${admin.url}/dashboard`);
    const again = (await sessionCookie(page))!;
    expect(again.value).not.toBe(cookie.value);
    expect((await fetch(`${admin.url}/api/users`, { headers: { cookie: `dsp_admin_session=${cookie.value}` } })).status).toBe(401);
    expect((await fetch(`${admin.url}/api/users`, { headers: { cookie: `dsp_admin_session=${again.value}` } })).status).toBe(200);

    // audited as single sign-ons, the operator made by the provider's issuer
    const logins = (await be.services.audit.list({ actor: 'admin:alice@corp.example', action: 'admin.login' })).rows;
    expect(logins).toHaveLength(2);
    expect(logins[0]!.details).toMatchObject({ method: 'sso', role: 'admin' });
    const made = (await be.services.audit.list({ action: 'admin.create', target: 'alice@corp.example' })).rows;
    expect(made).toEqual([expect.objectContaining({ actor: `sso:${issuer}`, details: expect.objectContaining({ role: 'admin', sso: issuer }) })]);

    // logout ends the session here and at the provider (RP-initiated), then back to the sign-in page
    await page.getByTestId('sign-out').click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.locator('button[name="logout"]').click();
    await page.waitForURL((u) => u.href.startsWith(`${admin.url}/login`));
    expect(await sessionCookie(page)).toBeUndefined();
    expect((await fetch(`${admin.url}/api/users`, { headers: { cookie: `dsp_admin_session=${again.value}` } })).status).toBe(401);
    // the provider forgot alice: signing in again asks for her login
    await hydrated(page);
    await page.getByTestId('login-sso').click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.locator('input[name="login"]').waitFor();
    await ctx.close();
  });

  it('signs a viewer-group user in as a viewer: reads, and every change is refused', async () => {
    const { ctx, page } = await ssoLogin('victor', '/users');
    expect(new URL(page.url()).pathname).toBe('/users');
    await page.getByTestId('page-title').waitFor();
    // the email's case is folded for the operator name
    expect(await be.services.admins.get('victor@corp.example')).toMatchObject({ role: 'viewer', kind: 'sso' });
    const statuses = await page.evaluate(async () => {
      const read = await fetch('/api/users');
      const write = await fetch('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'by-viewer' }) });
      return { read: read.status, write: write.status, body: await write.json() };
    });
    expect(statuses).toMatchObject({ read: 200, write: 403, body: { error: { code: 'forbidden' } } });
    await expect(be.services.users.get('by-viewer')).rejects.toThrow(/does not exist/);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('victor@corp.example');
    // the Operators page marks operators made by single sign-on, and offers no password change to one
    await page.goto(`${admin.url}/operators`);
    await page.getByTestId('operators-table').waitFor();
    await page.getByTestId('sso-victor@corp.example').waitFor();
    expect(await page.getByTestId('sso-root@corp.example').count()).toBe(0);
    expect(await page.getByTestId('change-password').count()).toBe(0);
    await ctx.close();
  });

  it('follows the groups at every sign-in: moved to the admin group, the viewer becomes an admin', async () => {
    ACCOUNTS.victor!.groups = ['dsp-admins'];
    try {
      const { ctx } = await ssoLogin('victor', '/dashboard');
      expect(await be.services.admins.get('victor@corp.example')).toMatchObject({ role: 'admin' });
      const change = (await be.services.audit.list({ action: 'admin.role', target: 'victor@corp.example' })).rows;
      expect(change[0]!.details).toMatchObject({ from: 'viewer', to: 'admin' });
      await ctx.close();
    } finally {
      ACCOUNTS.victor!.groups = ['dsp-viewers'];
    }
  });

  const refusals: [account: string, reason: string, message: RegExp][] = [
    ['mallory', 'domain', /email domain is not allowed/],
    ['nobody', 'no_group', /neither the admin nor the viewer group/],
    ['unverified', 'email_unverified', /not verified/],
    ['clash', 'taken', /local operator already has your name/],
  ];
  for (const [account, reason, message] of refusals) {
    it(`refuses ${account} (${reason}) with a clear message on the sign-in page, audited, no session`, async () => {
      const { ctx, page } = await ssoLogin(account);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(new URL(page.url()).searchParams.get('sso_error')).toBe(reason);
      await hydrated(page);
      await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(message);
      expect(await sessionCookie(page)).toBeUndefined();
      if (reason === 'domain') await page.screenshot({ path: join(ARTIFACTS, 'sso-denied-domain.png') });
      const { rows } = await be.services.audit.list({ action: 'admin.sso_denied', target: ACCOUNTS[account]!.email.toLowerCase() });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.actor).toMatch(/^login:/);
      expect(rows[0]!.details).toMatchObject({ reason, email: ACCOUNTS[account]!.email.toLowerCase() });
      await ctx.close();
    });
  }

  it('made no operator for a refused user, and the local operator keeps its name', async () => {
    const names = (await be.services.admins.list()).map((a) => a.username).sort();
    expect(names).toEqual(['alice@corp.example', 'root@corp.example', 'victor@corp.example']);
    expect(await be.services.admins.get('root@corp.example')).toMatchObject({ kind: 'local' });
  });

  it('refuses a callback without the flow cookie or with a forged state', async () => {
    const noFlow = await fetch(`${admin.url}/api/auth/oidc/callback?code=abc&state=def`, { redirect: 'manual' });
    expect(noFlow.status).toBe(303);
    expect(noFlow.headers.get('location')).toMatch(/\/login\?sso_error=expired$/);
    // a real flow cookie from /start, but a state the provider never issued
    const start = await fetch(`${admin.url}/api/auth/oidc/start`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const auth = new URL(start.headers.get('location')!);
    expect(auth.origin).toBe(issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toBe(`${admin.url}/api/auth/oidc/callback`);
    const flow = start.headers.getSetCookie().find((c) => c.startsWith('dsp_oidc_flow='))!;
    expect(flow).toMatch(/HttpOnly/i);
    expect(flow).toMatch(/Path=\/api\/auth\/oidc/);
    const forged = await fetch(`${admin.url}/api/auth/oidc/callback?code=abc&state=forged`, { redirect: 'manual', headers: { cookie: flow.split(';')[0]! } });
    expect(forged.status).toBe(303);
    expect(forged.headers.get('location')).toMatch(/\/login\?sso_error=failed$/);
    expect(forged.headers.getSetCookie().some((c) => c.startsWith('dsp_admin_session=') && !/Max-Age=0/i.test(c))).toBe(false);
    // the provider's own refusal (error=access_denied) is shown and audited too
    const denied = await fetch(`${admin.url}/api/auth/oidc/callback?error=access_denied&state=x`, { redirect: 'manual' });
    expect(denied.headers.get('location')).toMatch(/\/login\?sso_error=provider$/);
    const { rows } = await be.services.audit.list({ action: 'admin.sso_denied', target: 'sso' });
    expect(rows.map((r) => r.details.reason).sort()).toEqual(['failed', 'provider']);
  });

  it('threw no error in the pages', () => {
    expect(pageErrors).toEqual([]);
  });
});
