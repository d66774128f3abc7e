// The operator journey in a real browser (Debian's Chromium, headless) against a real gateway
// cluster, Redis and Postgres: sign in → create a user → set a daily token quota → issue a token →
// use it at the gateway → see it in usage and on the live dashboard → revoke it → the gateway
// refuses it → the audit log shows every step. Screenshots of every page, in both languages, go to
// test-artifacts/admin/.
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { chatBody, REFUSED_URL, startGateway, type Gateway } from '../../gateway/test/harness.js';
import { ARTIFACTS, CHROMIUM_ARGS, backend, startAdmin, type AdminServer, type Backend } from './helpers.js';

const PASSWORD = 'operator-password-1';
const USER = 'alice';
const TOKEN_NAME = 'e2e-laptop';
const DAILY_TOKENS = 100000;
const TZ = 'Asia/Shanghai';

/** The page's handlers are attached (Providers marks <html> once React hydrated it). */
const hydrated = (p: Page) => p.locator('html[data-hydrated]').waitFor({ state: 'attached' });
const num = (s: string | null) => Number((s ?? '').replace(/[^\d.]/g, '') || NaN);

describe('admin console: the operator journey', () => {
  let db: TempDatabase;
  let gw: Gateway;
  let be: Backend;
  let admin: AdminServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let deadMetricsUrl: string;
  const pageErrors: string[] = [];
  /** the browser's own reports of anything the Content-Security-Policy blocked */
  const cspViolations: string[] = [];
  let jwt = '';
  const requestIds: string[] = [];

  const shot = async (name: string, p: Page = page) => {
    await p.waitForLoadState('networkidle').catch(() => {});
    await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  const callGateway = async (token: string) => {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: chatBody(),
    });
    const body = await r.text();
    return { status: r.status, body, requestId: r.headers.get('x-request-id') };
  };
  const go = async (path: string) => {
    await page.goto(admin.url + path);
    await page.getByTestId('page-title').waitFor();
    await hydrated(page);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTempDatabase();
    // a quota timezone other than UTC: days, periods and every date shown follow it
    gw = await startGateway({ databaseUrl: db.url, workers: 2, config: { quota: { timezone: TZ } } });
    be = backend(db.url, gw.prefix, TZ);
    await be.services.admins.create('root', PASSWORD);
    deadMetricsUrl = `${REFUSED_URL}/metrics`;
    admin = await startAdmin({
      databaseUrl: db.url,
      prefix: gw.prefix,
      publicKeyFile: gw.keys.publicKeyFile,
      privateKeyFile: gw.keys.privateKeyFile,
      // the gateway's own config file, plus [admin]: one live host and one that is down
      baseToml: readFileSync(gw.configFile, 'utf8'),
      metricsUrls: [gw.metricsUrl, deadMetricsUrl],
      dir: gw.keys.dir,
    });
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's browser with \`apt-get install -y chromium fonts-wqy-microhei\` (.ci/run does)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', permissions: ['clipboard-read', 'clipboard-write'] });
    page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
    await gw?.stop();
    await be?.close();
    await db?.drop();
  });

  it('sends an unauthenticated visitor to the sign-in page and signs the operator in', async () => {
    await page.goto(admin.url + '/users');
    await page.waitForURL(/\/login\?next=%2Fusers/);
    await hydrated(page);
    // a nonce-based Content-Security-Policy, and every script of the page carries its nonce
    const login = await page.goto(admin.url + '/login?next=%2Fusers');
    const csp = login!.headers()['content-security-policy'] ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    await hydrated(page);
    const scripts = await page.locator('script').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
    expect(scripts.length).toBeGreaterThan(0);
    expect(new Set(scripts)).toEqual(new Set([nonce]));
    // a fresh nonce per response
    const again = (await fetch(admin.url + '/login')).headers.get('content-security-policy') ?? '';
    expect(/'nonce-([^']+)'/.exec(again)?.[1]).not.toBe(nonce);
    await shot('login-en');
    // a wrong password is refused with a message, not a session
    await page.getByTestId('login-username').fill('root');
    await page.getByTestId('login-password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/wrong username or password/i);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/users$/);
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('root');
    const cookie = (await ctx.cookies()).find((c) => c.name === 'dsp_admin_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
  });

  it('creates a user', async () => {
    await page.getByTestId('new-user').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('new-user-id').fill(USER);
    await dialog.getByTestId('new-user-name').fill('Alice Example');
    await shot('users-create-en');
    await page.getByTestId('create-user-submit').click();
    await page.getByTestId(`user-link-${USER}`).waitFor();
    expect((await be.services.users.get(USER)).name).toBe('Alice Example');
  });

  it('sets a daily token quota', async () => {
    await page.getByTestId(`edit-quotas-${USER}`).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[data-testid="quota-dailyTokens"], [data-testid="quota-dailyTokens"] input').first().fill(String(DAILY_TOKENS));
    await page.getByTestId('save-quotas').click();
    await expect.poll(() => page.getByTestId(`usage-dt-${USER}`).getAttribute('data-limit')).toBe(String(DAILY_TOKENS));
    const u = await be.services.users.get(USER);
    expect(u.dailyTokens).toBe(DAILY_TOKENS);
    expect(u.limits.dailyTokens).toBe(DAILY_TOKENS);
    // what the gateway enforces: the user's Redis hash carries the limit
    expect(await be.redis.hget(`${gw.prefix}{u:${USER}}:user`, 'daily_tokens')).toBe(String(DAILY_TOKENS));
    await shot('users-en');
  });

  it('issues a token and shows the JWT exactly once, with a copy button', async () => {
    await page.getByTestId('nav-tokens').click();
    await page.waitForURL(/\/tokens$/);
    await page.getByTestId('issue-token').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox').first().click();
    await page.keyboard.type(USER);
    await page.locator('.ant-select-item-option').filter({ hasText: USER }).first().click();
    await dialog.getByTestId('issue-name').fill(TOKEN_NAME);
    await page.getByTestId('issue-token-submit').click();
    const box = page.getByTestId('issued-token');
    await box.waitFor();
    jwt = await box.inputValue();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await shot('token-issued-en');
    await page.getByTestId('copy-token').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(jwt);
    await page.getByTestId('token-done').click();
    await box.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId(`token-status-${TOKEN_NAME}`).textContent()).toMatch(/active/);
    // the list shows only the hint, and the JWT is nowhere on the page any more (nor after a reload)
    expect(await page.getByTestId(`token-hint-${TOKEN_NAME}`).textContent()).toBe('…' + jwt.slice(-6));
    expect(await page.content()).not.toContain(jwt);
    await page.reload();
    await page.getByTestId(`token-status-${TOKEN_NAME}`).waitFor();
    expect(await page.content()).not.toContain(jwt);
    const [rec] = await be.services.tokens.list(USER);
    expect(rec).toMatchObject({ name: TOKEN_NAME, status: 'active', userId: USER });
  });

  it('the token works at the gateway, and the request shows in usage', async () => {
    const r = await callGateway(jwt);
    expect(r.status, r.body).toBe(200);
    requestIds.push(r.requestId!);
    // the recorder writes the ledger asynchronously: reload until the request log has it
    await expect
      .poll(
        async () => {
          await go('/usage');
          return page.getByTestId('request-log').textContent();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toContain(r.requestId!);
    const log = page.getByTestId('request-log');
    const row = log.locator('tr', { hasText: r.requestId! });
    expect(await row.textContent()).toContain(USER);
    expect(await row.textContent()).toContain('200');
    expect(await row.textContent()).toMatch(/\d+ ms/);
    await page.getByTestId('usage-group').getByText('User').click();
    await page.waitForURL(/group=user/);
    await expect.poll(() => page.getByTestId('usage-table').locator('tr', { hasText: USER }).count()).toBe(1);
    await shot('usage-en');
    // CSV export of the same range
    const href = await page.getByTestId('usage-export').getAttribute('href');
    const csv = await page.request.get(admin.url + href!);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/text\/csv/);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toMatch(/^day,userId,model,requests/);
    expect(text).toMatch(new RegExp(`,${USER},deepseek-chat,1,`));
    // and today's usage on the users page (Redis counters, against the quota)
    await go('/users');
    const used = Number(await page.getByTestId(`usage-dt-${USER}`).getAttribute('data-used'));
    expect(used).toBeGreaterThan(0);
    expect(Number(await page.getByTestId(`usage-dr-${USER}`).getAttribute('data-used'))).toBe(1);
  });

  it('the live dashboard moves without a reload, and shows the host that is down as DOWN', async () => {
    await go('/dashboard');
    await expect.poll(() => page.getByTestId('sse-state').getAttribute('data-state')).toBe('open');
    await expect.poll(async () => num(await page.getByTestId('stat-requests-total').getAttribute('data-value')), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.getByTestId('host-down').count()).toBe(1);
    expect(await page.getByTestId('host-up').count()).toBe(1);
    const before = num(await page.getByTestId('stat-requests-total').getAttribute('data-value'));
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    // steady traffic for a few seconds: every scrape interval then has requests to measure
    const statuses: number[] = [];
    const seen = { rps: false, p50: false };
    const traffic = (async () => {
      for (let i = 0; i < 15; i++) {
        const r = await callGateway(jwt);
        statuses.push(r.status);
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    await expect
      .poll(
        async () => {
          if (num(await page.getByTestId('stat-rps').getAttribute('data-value')) > 0) seen.rps = true;
          if (/\d ms$/.test((await page.getByTestId('stat-p50').getAttribute('data-value')) ?? '')) seen.p50 = true;
          return seen.rps && seen.p50;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(true);
    await traffic;
    expect(statuses.every((s) => s === 200)).toBe(true);
    await expect
      .poll(async () => num(await page.getByTestId('stat-requests-total').getAttribute('data-value')), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(before + 15);
    // all of it without a navigation: the figures came over the SSE stream
    expect(navigations).toEqual([]);
    await shot('dashboard-en');
  });

  it('disables the user (the gateway refuses it on the next request) and enables it again', async () => {
    await go('/users');
    await page.getByTestId(`disable-${USER}`).click();
    await page.getByTestId('confirm-disable').click();
    await expect.poll(() => page.locator('tr', { hasText: 'Alice Example' }).getByTestId('status-disabled').count()).toBe(1);
    const refused = await callGateway(jwt);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'user_disabled' } });
    await page.getByTestId(`enable-${USER}`).click();
    await page.getByTestId('confirm-enable').click();
    await expect.poll(() => page.locator('tr', { hasText: 'Alice Example' }).getByTestId('status-active').count()).toBe(1);
    expect((await callGateway(jwt)).status).toBe(200);
  });

  it('revokes the token, and the gateway refuses it on the next request', async () => {
    await go('/tokens');
    await page.getByTestId(`revoke-${TOKEN_NAME}`).click();
    await page.getByTestId('confirm-revoke').click();
    await expect.poll(() => page.getByTestId(`token-status-${TOKEN_NAME}`).textContent()).toMatch(/revoked/);
    const r = await callGateway(jwt);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'invalid_token' } });
    await shot('tokens-en');
  });

  it('the audit log shows every step, by the operator', async () => {
    await go('/audit');
    for (const action of ['admin.login', 'user.create', 'user.quota', 'token.issue', 'user.disable', 'user.enable', 'token.revoke']) {
      expect(await page.getByTestId(`audit-action-${action}`).count(), action).toBeGreaterThan(0);
    }
    const { rows } = await be.services.audit.list({ limit: 100 });
    expect(rows[0]!.action).toBe('token.revoke');
    const byAction = (a: string) => rows.filter((r) => r.action === a);
    for (const a of ['user.create', 'user.quota', 'token.issue', 'token.revoke'])
      expect(
        byAction(a).map((r) => r.actor),
        a,
      ).toEqual(['admin:root']);
    expect(byAction('user.quota')[0]!.details).toEqual({
      daily_tokens: { from: null, to: DAILY_TOKENS },
      daily_requests: { from: null, to: null },
      monthly_tokens: { from: null, to: null },
    });
    expect(byAction('token.issue')[0]!.details).toMatchObject({ user: USER, name: TOKEN_NAME });
    await shot('audit-en');
  });

  it('speaks English and 简体中文 (toggle remembered in a cookie, antd locale too); screenshots of every page', async () => {
    const pages = ['dashboard', 'users', `users/${USER}`, 'tokens', 'usage', 'audit'];
    for (const locale of ['zh', 'en'] as const) {
      await go('/users');
      await page
        .getByTestId('language-toggle')
        .getByText(locale === 'zh' ? '简体中文' : 'English')
        .click();
      await expect.poll(() => page.getByTestId('nav-users').textContent()).toBe(locale === 'zh' ? '用户' : 'Users');
      expect(await page.locator('html').getAttribute('lang')).toBe(locale === 'zh' ? 'zh-CN' : 'en');
      expect((await ctx.cookies()).find((c) => c.name === 'dsp_locale')?.value).toBe(locale);
      // antd's own locale: the pagination size changer
      expect(await page.locator('.ant-pagination').textContent()).toContain(locale === 'zh' ? '条/页' : '/ page');
      for (const p of pages) {
        await go('/' + p);
        if (p === 'dashboard') await expect.poll(() => page.getByTestId('host-up').count()).toBe(1);
        await shot(`${p.replace('/', '-')}-${locale}`);
      }
    }
    // the sign-in page in both languages, in a fresh browser context
    const anon = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const p = await anon.newPage();
    await p.goto(admin.url + '/login');
    await hydrated(p);
    await p.getByTestId('language-toggle').getByText('简体中文').click();
    await expect.poll(() => p.getByTestId('page-title').textContent()).toBe('登录');
    await shot('login-zh', p);
    await anon.close();
  });

  it('signs out', async () => {
    await page.getByTestId('sign-out').click();
    await page.waitForURL(/\/login/);
    await page.goto(admin.url + '/users');
    await page.waitForURL(/\/login\?next=/);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
