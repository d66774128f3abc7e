// The console items an operator stumbled over (issue 19), in Debian's Chromium against a real
// gateway, Redis and Postgres, at desktop width and at 390 px: explicit "unlimited" quotas and
// refused negatives (with no uncaught error), the empty-search message, the token expiry default,
// errors translated in zh-CN, the 30-day chart labels, the live charts, and every page usable on a
// phone (menu, names, tables).
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { startGateway, type Gateway } from '../../gateway/test/harness.js';
import { ARTIFACTS, CHROMIUM_ARGS, backend, startAdmin, type AdminServer, type Backend } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'operator-password-1';
const LONG_NAME = 'Maximiliane Konstantinopoulou-Wetherington';

const hydrated = (p: Page) => p.locator('html[data-hydrated]').waitFor({ state: 'attached' });

describe('admin console: what misled or broke (desktop and 390 px)', () => {
  let db: TempDatabase;
  let gw: Gateway;
  let be: Backend;
  let admin: AdminServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  async function signedIn(o: { width: number; height: number; locale?: string; mobile?: boolean }): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({
      viewport: { width: o.width, height: o.height },
      locale: o.locale ?? 'en-US',
      isMobile: o.mobile ?? false,
      hasTouch: o.mobile ?? false,
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(`${o.width}px: ${e.message}`));
    await page.goto(admin.url + '/login');
    await hydrated(page);
    await page.getByTestId('login-username').fill('root');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/(dashboard|users)?$/);
    return { ctx, page };
  }
  const go = async (page: Page, path: string) => {
    await page.goto(admin.url + path);
    await page.getByTestId('page-title').waitFor();
    await hydrated(page);
  };
  const quotaInput = (dialog: ReturnType<Page['getByRole']>, f: string) =>
    dialog.locator(`input[data-testid="quota-${f}"], [data-testid="quota-${f}"] input`).first();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTempDatabase();
    gw = await startGateway({ databaseUrl: db.url, workers: 1 });
    be = backend(db.url, gw.prefix);
    await be.services.admins.create('root', PASSWORD);
    await be.services.users.create({ id: 'maximiliane.k-w', name: LONG_NAME });
    admin = await startAdmin({
      databaseUrl: db.url,
      prefix: gw.prefix,
      publicKeyFile: gw.keys.publicKeyFile,
      privateKeyFile: gw.keys.privateKeyFile,
      baseToml: readFileSync(gw.configFile, 'utf8'),
      metricsUrls: [gw.metricsUrl],
      dir: gw.keys.dir,
    });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
    await gw?.stop();
    await be?.close();
    await db?.drop();
  });

  describe('desktop', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signedIn({ width: 1440, height: 900 }));
    });
    afterAll(async () => ctx?.close());

    it('creates a user with an explicit unlimited quota and a 0 that blocks', async () => {
      await go(page, '/users');
      await page.getByTestId('new-user').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByTestId('new-user-id').fill('quota-q');
      await dialog.getByTestId('quota-dailyRequests-unlimited').check();
      expect(await quotaInput(dialog, 'dailyRequests').isDisabled()).toBe(true);
      await quotaInput(dialog, 'dailyTokens').fill('0');
      await page.getByTestId('create-user-submit').click();
      await page.getByTestId('user-link-quota-q').waitFor();
      const u = await be.services.users.get('quota-q');
      expect(u).toMatchObject({ dailyRequests: 'unlimited', dailyTokens: 0, monthlyTokens: null });
      expect(await be.redis.hgetall(`${gw.prefix}{u:quota-q}:user`)).toMatchObject({ daily_requests: '-1', daily_tokens: '0' });
      expect(await page.getByTestId('usage-dr-quota-q').getAttribute('data-limit')).toBe('unlimited');
      expect(await page.getByTestId('usage-dt-quota-q').getAttribute('data-limit')).toBe('0');
      expect(await page.getByTestId('usage-dt-quota-q').textContent()).toContain('blocked');
    });

    it('refuses a negative quota with a message, saves nothing and throws no uncaught error', async () => {
      const before = pageErrors.length;
      await page.getByTestId('edit-quotas-quota-q').click();
      const dialog = page.getByRole('dialog');
      // the form shows the saved values: unlimited ticked, 0 kept
      expect(await dialog.getByTestId('quota-dailyRequests-unlimited').isChecked()).toBe(true);
      expect(await quotaInput(dialog, 'dailyTokens').inputValue()).toBe('0');
      await quotaInput(dialog, 'monthlyTokens').fill('-5');
      await page.getByTestId('save-quotas').click();
      await expect.poll(() => dialog.textContent()).toContain('Must be 0 or more');
      expect(await dialog.isVisible()).toBe(true);
      expect((await be.services.users.get('quota-q')).monthlyTokens).toBeNull();
      // untick unlimited and give a number: saved
      await quotaInput(dialog, 'monthlyTokens').fill('');
      await dialog.getByTestId('quota-dailyRequests-unlimited').uncheck();
      await quotaInput(dialog, 'dailyRequests').fill('25');
      await page.getByTestId('save-quotas').click();
      await expect.poll(async () => (await be.services.users.get('quota-q')).dailyRequests).toBe(25);
      expect(pageErrors.slice(before)).toEqual([]);
    });

    it('the API refuses negatives too, with the rule in the message', async () => {
      const r = await page.evaluate(async () => {
        const res = await fetch('/api/users/quota-q/quota', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ dailyTokens: -1 }),
        });
        return { status: res.status, body: await res.json() };
      });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/whole number >= 0 \(0 blocks every request\), "unlimited"/);
    });

    it('an empty search says nothing matched (not "no users yet")', async () => {
      await go(page, '/users?q=zzz-nobody');
      expect(await page.getByTestId('users-table').textContent()).toContain('No users match “zzz-nobody”.');
      await go(page, '/users');
      expect(await page.getByTestId('users-table').textContent()).not.toContain('No users');
    });

    it('a new token never expires by default, as with `dsp token issue`', async () => {
      await go(page, '/tokens');
      await page.getByTestId('issue-token').click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.getByTestId('issue-expiry').textContent()).toContain('Never');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
    });

    it('translates a server error by its code in zh-CN', async () => {
      await go(page, '/users');
      await page.getByTestId('language-toggle').getByText('简体中文').click();
      await expect.poll(() => page.getByTestId('nav-users').textContent()).toBe('用户');
      await go(page, '/users');
      await page.getByTestId('new-user').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByTestId('new-user-id').fill('quota-q');
      await page.getByTestId('create-user-submit').click();
      const msg = page.locator('.ant-message-notice').last();
      await expect.poll(() => msg.textContent()).toContain('已存在。');
      expect(await msg.textContent()).toContain('already exists');
      await page.keyboard.press('Escape');
      await page.getByTestId('language-toggle').getByText('English').click();
      await expect.poll(() => page.getByTestId('nav-users').textContent()).toBe('Users');
    });

    it('the 30-day usage chart has readable, separate date labels', async () => {
      const to = new Date();
      const from = new Date(to.getTime() - 29 * 86_400_000);
      const day = (d: Date) => d.toISOString().slice(0, 10);
      await go(page, `/usage?from=${day(from)}&to=${day(to)}`);
      const ticks = page.locator('[data-testid="usage-chart"] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
      await expect.poll(() => ticks.count(), { timeout: 15_000 }).toBeGreaterThan(3);
      const boxes = (await ticks.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right })))).sort(
        (a, b) => a.left - b.left,
      );
      for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.left, `tick ${i} overlaps the one before`).toBeGreaterThanOrEqual(boxes[i - 1]!.right);
      expect(await ticks.first().textContent()).toMatch(/^\d\d-\d\d$/);
    });

    it('the dashboard labels latency as of answered requests and shows abandoned requests on their own', async () => {
      await go(page, '/dashboard');
      await page.getByTestId('stat-aborted').waitFor({ state: 'attached' });
      expect(await page.locator('body').textContent()).toContain('Latency p95 (answered)');
      expect(await page.locator('body').textContent()).toContain('Abandoned by client (499) /s');
      // a time axis to scale: the x axis is numeric time (ticks are clock times)
      const ticks = page.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
      await expect.poll(() => ticks.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await ticks.first().textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
    });
  });

  describe('390 px (phone)', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signedIn({ width: 390, height: 844, mobile: true }));
    });
    afterAll(async () => ctx?.close());

    const PAGES = ['/dashboard', '/users', '/users/maximiliane.k-w', '/tokens', '/usage', '/audit'];

    it('every page fits the width (tables scroll inside their cards) and the menu reaches every page', async () => {
      for (const path of PAGES) {
        await go(page, path);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} is wider than the phone`).toBeLessThanOrEqual(0);
        expect(await page.getByTestId('nav-open').isVisible(), `${path}: the menu button`).toBe(true);
        await page.screenshot({ path: join(ARTIFACTS, `phone${path.replace(/[/.]/g, '-')}.png`), fullPage: true, timeout: 60_000 });
      }
      await page.getByTestId('nav-open').click();
      await page.getByTestId('nav-tokens').click();
      await page.waitForURL(/\/tokens$/);
      await page.getByTestId('nav-open').click();
      await page.getByTestId('nav-users').click();
      await page.waitForURL(/\/users$/);
    });

    it('names stay on one or two lines, not a letter per line', async () => {
      await go(page, '/users');
      const link = page.getByTestId('user-link-maximiliane.k-w');
      const box = (await link.boundingBox())!;
      expect(box.width).toBeGreaterThan(80);
      expect(box.height).toBeLessThan(50);
    });

    it('threw no uncaught error on any page', () => {
      expect(pageErrors).toEqual([]);
    });
  });
});
