// The console items an operator stumbled over (issue 19), in Debian's Chromium against a real
// gateway, Redis and Postgres, at desktop width and at 390 px: explicit "unlimited" quotas and
// refused negatives (with no uncaught error), the empty-search message, the token expiry default,
// errors translated in zh-CN, the 30-day chart labels, the live charts, and every page usable on a
// phone (menu, names, tables).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { insertUsageEvents } from '@dsp/db';
import { startGateway, type Gateway } from '../../gateway/test/harness.js';
import { ARTIFACTS, backend, startAdmin, type AdminServer, type Backend } from './helpers.js';
import { hydrated, launchChromium, signedIn, type SignInOptions } from './browser.js';

const PASSWORD = 'operator-password-1';
const LONG_NAME = 'Maximiliane Konstantinopoulou-Wetherington';

/**
 * `DSP_SCREENSHOTS=DIR` (scripts/screenshots.sh sets docs/screenshots): the README's screenshots
 * are taken from this run, of the pages as the tests leave them.
 */
const SCREENSHOTS = process.env.DSP_SCREENSHOTS;
async function readmeShot(p: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await p.waitForLoadState('networkidle').catch(() => {});
  await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), timeout: 60_000, animations: 'disabled' });
}

describe('admin console: what misled or broke (desktop and 390 px)', () => {
  let db: TempDatabase;
  let gw: Gateway;
  let be: Backend;
  let admin: AdminServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  const signIn = (o: Omit<SignInOptions, 'user' | 'password'> & { user?: string; password?: string }) =>
    signedIn(browser, admin.url, { ...o, user: o.user ?? 'root', password: o.password ?? PASSWORD, errors: pageErrors });
  /** "Done" on the issued-token dialog, again until it is gone (a click during its animation can be lost) */
  const closeIssued = async (p: Page) => {
    await expect
      .poll(
        async () => {
          const done = p.getByTestId('token-done');
          if (await done.isVisible()) await done.click({ timeout: 2000 }).catch(() => {});
          return p.getByTestId('issued-token').count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(0);
  };
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
    // the dashboard's 24-hour history written every second instead of every minute
    gw = await startGateway({ databaseUrl: db.url, workers: 1, config: { metrics: { history_interval_seconds: 1 } } });
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
    browser = await launchChromium();
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
      ({ ctx, page } = await signIn({ width: 1440, height: 900 }));
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
      await readmeShot(page, 'users');
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
      // a click during the dialog's opening animation can be lost on a loaded machine: click until it closes
      await expect
        .poll(
          async () => {
            if (await dialog.isVisible())
              await dialog
                .getByRole('button', { name: 'Cancel' })
                .click({ timeout: 2000 })
                .catch(() => {});
            return dialog.isVisible();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe(false);
    });

    it('rotates a token from the console with a grace period and new claims (how a token is edited)', async () => {
      await go(page, '/tokens');
      await page.getByTestId('issue-token').click();
      let dialog = page.getByRole('dialog');
      await dialog.getByTestId('issue-user').click();
      await page.locator('.ant-select-dropdown:visible').getByTitle('maximiliane.k-w', { exact: false }).first().click();
      await dialog.getByTestId('issue-name').fill('laptop');
      await page.getByTestId('issue-token-submit').click();
      const first = (await page.getByTestId('issued-token').inputValue()).trim();
      await closeIssued(page);
      await page.getByTestId('rotate-laptop').click();
      dialog = page.getByRole('dialog');
      await dialog.getByTestId('rotate-grace').click();
      await page.locator('.ant-select-dropdown:visible').getByTitle('for 1 hour').click();
      await dialog.locator('input[data-testid="rotate-concurrency"], [data-testid="rotate-concurrency"] input').first().fill('3');
      await page.getByTestId('rotate-submit').click();
      const second = (await page.getByTestId('issued-token').inputValue()).trim();
      expect(second).toMatch(/^eyJ/);
      expect(second).not.toBe(first);
      await closeIssued(page);
      const tokens = (await be.services.tokens.list('maximiliane.k-w')).filter((x) => x.name === 'laptop');
      const old = tokens.find((x) => x.retireAt)!;
      const fresh = tokens.find((x) => !x.retireAt)!;
      expect(old.status).toBe('active');
      expect(old.retireAt!.getTime() - Date.now()).toBeGreaterThan(3500_000);
      expect(fresh).toMatchObject({ status: 'active', concurrency: 3 });
      // both work at the gateway during the grace period
      for (const tok of [first, second]) {
        const r = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await r.text();
        expect(r.status).toBe(200);
      }
      await page.reload();
      await page.getByTestId(`token-retires-${old.id}`).waitFor();
      expect(await page.getByTestId('rotate-laptop').count()).toBe(1); // the retiring one cannot be rotated again
      // each token's own use, from the ledger (the recorder writes it within moments)
      await expect
        .poll(
          async () => {
            await go(page, '/tokens');
            return [
              await page.getByTestId(`token-usage-${old.id}`).getAttribute('data-requests'),
              await page.getByTestId(`token-usage-${fresh.id}`).getAttribute('data-requests'),
            ];
          },
          { timeout: 20_000, interval: 1000 },
        )
        .toEqual(['1', '1']);
    });

    it('notes and labels on a user, search by label, soft delete and restore', async () => {
      await be.services.users.create({ id: 'lab-user', name: 'Labelled' });
      await go(page, '/users/lab-user');
      await page.getByTestId('edit-profile').click();
      const dialog = page.getByRole('dialog');
      const labels = dialog.locator('[data-testid="profile-labels"] input, input[data-testid="profile-labels"]').first();
      for (const l of ['team-red', 'eu']) {
        await labels.fill(l);
        await labels.press('Enter');
      }
      await dialog.locator('textarea[data-testid="profile-notes"], [data-testid="profile-notes"] textarea').first().fill('pays by invoice');
      await page.getByTestId('save-profile').click();
      await expect.poll(() => page.getByTestId('user-labels').textContent()).toBe('euteam-red');
      expect(await page.getByTestId('user-notes').textContent()).toBe('pays by invoice');
      expect((await be.services.users.get('lab-user')).labels).toEqual(['eu', 'team-red']);
      // the users search finds labels
      await go(page, '/users?q=team-red');
      await page.getByTestId('user-link-lab-user').waitFor();
      expect(await page.getByTestId('user-link-maximiliane.k-w').count()).toBe(0);
      // soft delete: out of the list, shown under "deleted", restorable
      await go(page, '/users/lab-user');
      await page.getByTestId('delete-user').click();
      await page.getByTestId('confirm-delete-user').click();
      await page.waitForURL(/\/users$/);
      await hydrated(page);
      expect(await page.getByTestId('user-link-lab-user').count()).toBe(0);
      expect((await be.services.users.get('lab-user')).status).toBe('disabled');
      await go(page, '/users?status=deleted');
      await page.getByTestId('deleted-lab-user').waitFor();
      await go(page, '/users/lab-user');
      await page.getByTestId('user-deleted').waitFor();
      await page.getByTestId('restore-user').click();
      await page.getByTestId('user-deleted').waitFor({ state: 'detached' });
      expect((await be.services.users.get('lab-user')).deletedAt).toBeNull();
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
      await readmeShot(page, 'usage');
    });

    it('the dashboard labels latency as of answered requests and shows abandoned requests on their own', async () => {
      await go(page, '/dashboard');
      await page.getByTestId('stat-aborted').waitFor({ state: 'attached' });
      expect(await page.locator('body').textContent()).toContain('Latency p95 (answered)');
      expect(await page.locator('body').textContent()).toContain('Abandoned by client (499) /s');
      // a time axis to scale: the x axis is numeric time (ticks are clock times)
      const ticks = page.getByTestId('live-charts').locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
      await expect.poll(() => ticks.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await ticks.first().textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
      await readmeShot(page, 'dashboard');
    });

    it('the dashboard shows the last 24 hours, per minute, from what the gateway hosts wrote to Redis', async () => {
      const token = await gw.mint({ sub: 'history-h' });
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(r.status).toBe(200);
        await r.text();
      }
      // the primary adds each second's figures to the minute's hash; the page reads 1,440 minutes
      await expect
        .poll(
          async () => {
            await go(page, '/dashboard');
            return Number(await page.getByTestId('day-requests').getAttribute('data-value'));
          },
          { timeout: 20_000, interval: 1000 },
        )
        .toBeGreaterThanOrEqual(3);
      expect(Number(await page.getByTestId('day-tokens').getAttribute('data-value'))).toBeGreaterThan(0);
      const api = await page.evaluate(
        async () => (await (await fetch('/api/metrics/history')).json()) as { points: { at: number; requests: number; p95Ms: number | null }[] },
      );
      expect(api.points.length).toBe(1440);
      const busy = api.points.filter((p) => p.requests > 0);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy.every((p) => p.p95Ms !== null && p.p95Ms > 0)).toBe(true);
      expect(api.points.at(-1)!.at - api.points[0]!.at).toBe(1439 * 60_000);
      expect(await page.getByTestId('day-history').locator('.recharts-line').count()).toBeGreaterThan(0);
    });
  });

  describe('operators and roles', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signIn({ width: 1280, height: 900 }));
    });
    afterAll(async () => ctx?.close());

    it('an admin adds a viewer from the console', async () => {
      await go(page, '/operators');
      await page.getByTestId('new-operator').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByTestId('new-operator-username').fill('watcher');
      await dialog.getByTestId('new-operator-password').fill('short');
      await page.getByTestId('new-operator-submit').click();
      await expect.poll(() => dialog.textContent()).toContain('At least 8 characters.');
      await dialog.getByTestId('new-operator-password').fill('viewer-password-1');
      await page.getByTestId('new-operator-submit').click();
      await page.getByTestId('operator-watcher').waitFor();
      expect((await be.services.admins.get('watcher')).role).toBe('viewer');
      // root cannot demote or disable itself from the table
      expect(await page.getByTestId('role-root').count()).toBe(0);
      expect(await page.getByTestId('disable-operator-root').count()).toBe(0);
    });

    it('a viewer reads everything, changes nothing but their own password', async () => {
      const v = await signIn({ width: 1280, height: 900, user: 'watcher', password: 'viewer-password-1' });
      try {
        await go(v.page, '/operators');
        expect(await v.page.getByTestId('new-operator').count()).toBe(0);
        expect(await v.page.locator('body').textContent()).toContain('Your role is viewer');
        await go(v.page, '/users');
        const refused = await v.page.evaluate(async () => {
          const res = await fetch('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'by-viewer' }) });
          return { status: res.status, body: await res.json() };
        });
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('forbidden');
        await expect(be.services.users.get('by-viewer')).rejects.toThrow(/does not exist/);
        // no button that would only fail: create, edit quotas, disable, issue, rotate, revoke
        expect(await v.page.getByTestId('new-user').count()).toBe(0);
        await go(v.page, '/users/maximiliane.k-w');
        for (const id of ['edit-quotas-maximiliane.k-w', 'disable-maximiliane.k-w', 'issue-token']) expect(await v.page.getByTestId(id).count(), id).toBe(0);
        await go(v.page, '/tokens');
        expect(await v.page.getByTestId('tokens-table').count()).toBe(1);
        for (const id of ['issue-token', 'rotate-laptop', 'revoke-laptop']) expect(await v.page.getByTestId(id).count(), id).toBe(0);
        // their own password: the current one is checked first
        await go(v.page, '/operators');
        await v.page.getByTestId('change-password').click();
        const d = v.page.getByRole('dialog');
        await d.getByTestId('current-password').fill('not-my-password');
        await d.getByTestId('new-password').fill('viewer-password-2');
        await v.page.getByTestId('change-password-submit').click();
        await expect.poll(() => v.page.locator('.ant-message-notice').last().textContent()).toContain('current password is wrong');
        expect(await be.services.admins.verify('watcher', 'viewer-password-1')).not.toBeNull();
        await d.getByTestId('current-password').fill('viewer-password-1');
        await v.page.getByTestId('change-password-submit').click();
        await expect.poll(async () => (await be.services.admins.verify('watcher', 'viewer-password-2')) !== null).toBe(true);
      } finally {
        await v.ctx.close();
      }
    });

    it('an admin changes a role and disables an operator', async () => {
      await go(page, '/operators');
      await page.getByTestId('role-watcher').click();
      await page.locator('.ant-select-item-option[title="admin"]').click();
      await expect.poll(async () => (await be.services.admins.get('watcher')).role).toBe('admin');
      await page.getByTestId('disable-operator-watcher').click();
      await page.locator('.ant-popconfirm .ant-btn-primary').click();
      await expect.poll(async () => (await be.services.admins.get('watcher')).disabledAt !== null).toBe(true);
    });
  });

  describe('the settings page and the token dialog', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signIn({ width: 1280, height: 900 }));
    });
    afterAll(async () => ctx?.close());

    it('shows the effective config with secrets redacted, and the gateway hosts', async () => {
      await go(page, '/settings');
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).toContain(admin.configFile);
      expect(text).toContain(gw.metricsUrl);
      expect(await page.getByTestId('settings-server').textContent()).toContain(String(gw.port));
      expect(text).toContain('<redacted>');
      expect(text).not.toContain('sk-upstream-secret-key');
      await readmeShot(page, 'settings');
    });

    it('the token-issued dialog gives the base URL and snippets that work', async () => {
      await go(page, '/users/maximiliane.k-w');
      await page.getByTestId('issue-token').click();
      await page.getByTestId('issue-token-submit').click();
      const jwt = await page.getByTestId('issued-token').inputValue();
      expect(jwt).toMatch(/^eyJ/);
      const base = await page.getByTestId('gateway-base-url').textContent();
      expect(base).toBe(`http://127.0.0.1:${gw.port}/v1`);
      expect(await page.getByTestId('snippet-curl').textContent()).toContain(`curl -N http://127.0.0.1:${gw.port}/v1/chat/completions`);
      // the dialog's zoom-in animation and the tab bar's first measurement can swallow one click
      // on a loaded machine: click until the tab is selected, then read the now-visible snippet
      const claudeTab = page.getByRole('tab', { name: 'Claude Code' });
      for (let i = 0; i < 10 && (await claudeTab.getAttribute('aria-selected')) !== 'true'; i++) {
        await claudeTab.click();
        await page.waitForTimeout(100);
      }
      await page.getByTestId('snippet-claude').waitFor({ state: 'visible' });
      expect(await page.getByTestId('snippet-claude').textContent()).toContain(`ANTHROPIC_BASE_URL=http://127.0.0.1:${gw.port}/anthropic`);
      // the base URL shown answers with the token
      const r = await fetch(`${base}/models`, { headers: { authorization: `Bearer ${jwt}` } });
      expect(r.status).toBe(200);
      await readmeShot(page, 'token-issued');
      await page.getByTestId('token-done').click();
    });
  });

  describe('refused requests', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signIn({ width: 1440, height: 900 }));
    });
    afterAll(async () => ctx?.close());

    it('the usage page and the user page show what the gateway refused, by reason', async () => {
      await be.services.users.create({ id: 'refused-r', name: 'Refused', quotas: { dailyRequests: 0 } });
      const token = await gw.mint({ sub: 'refused-r' });
      const send = async (auth: string | null) => {
        const r = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
          body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await r.text();
        return r.status;
      };
      expect([await send(token), await send(token), await send(null)]).toEqual([429, 429, 401]);
      // the worker hands its counts over once a second; the recorder writes them
      await expect.poll(async () => (await be.services.refusals.list()).total, { timeout: 20_000 }).toBe(3);

      await go(page, '/usage');
      const card = page.getByTestId('refusals');
      expect(await card.getAttribute('data-total')).toBe('3');
      expect(await page.getByTestId('refusals-by-quota_exceeded').getAttribute('data-count')).toBe('2');
      expect(await page.getByTestId('refusals-by-invalid_token').getAttribute('data-count')).toBe('1');
      await go(page, '/usage?reason=invalid_token');
      expect(await page.getByTestId('refusals').getAttribute('data-total')).toBe('1');

      await go(page, '/users/refused-r');
      expect(await page.getByTestId('refusals').getAttribute('data-total')).toBe('2');
      expect(await page.getByTestId('refusals-by-quota_exceeded').getAttribute('data-count')).toBe('2');
    });
  });

  describe('request log', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signIn({ width: 1440, height: 900 }));
      const base = {
        token_id: 'tok-console-a',
        user_id: 'maximiliane.k-w',
        model: 'deepseek-chat',
        route: '/v1/chat/completions',
        stream: false,
        status: 200,
        prompt_tokens: 30,
        completion_tokens: 7,
        cache_hit_tokens: 20,
        cache_miss_tokens: 10,
        reasoning_tokens: 4,
        first_byte_ms: 12.5,
        total_ms: 40,
        started_at: Date.now() - 60_000,
        aborted: false,
        instance: 'host-a',
        cost_nanos: '1250000',
        currency: 'CNY',
      };
      await insertUsageEvents(be.pool, [
        { ...base, request_id: 'rl-ok', account: 'main', attempts: 2, upstream_model: 'deepseek-v4-flash' },
        { ...base, request_id: 'rl-pro', model: 'deepseek-v4-pro', route: '/anthropic/v1/messages', stream: true, token_id: 'tok-console-b' },
        { ...base, request_id: 'rl-429', status: 429, prompt_tokens: 0, completion_tokens: 0 },
        { ...base, request_id: 'rl-gone', aborted: true, stream: true },
      ]);
    });
    afterAll(async () => ctx?.close());
    const rows = async () => (await page.getByTestId('request-id').allTextContents()).filter((id) => id.startsWith('rl-')).sort();
    const pick = async (select: string, option: string) => {
      await page.getByTestId(select).click();
      await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
    };

    it('filters by model, route, status and token; the filters live in the URL and the CSV export follows them', async () => {
      await go(page, '/usage');
      expect(await rows()).toEqual(['rl-429', 'rl-gone', 'rl-ok', 'rl-pro']);
      await pick('log-filter-model', 'deepseek-v4-pro');
      await page.waitForURL(/model=deepseek-v4-pro/);
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-pro']);
      await page.getByTestId('log-clear').click();
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-429', 'rl-gone', 'rl-ok', 'rl-pro']);
      await pick('log-filter-status', 'aborted by the client');
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-gone']);
      await pick('log-filter-status', '4xx client / quota errors');
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-429']);
      await page.getByTestId('log-clear').click();
      await pick('log-filter-route', '/anthropic/v1/messages');
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-pro']);
      await page.getByTestId('log-clear').click();
      await page.getByTestId('log-filter-token').locator('input').fill('tok-console-b');
      await page.getByTestId('log-filter-token').locator('input').press('Enter');
      await page.waitForURL(/token=tok-console-b/);
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-pro']);
      // the export link carries the same filters
      const href = (await page.getByTestId('log-export').getAttribute('href'))!;
      const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
      const lines = csv.trim().split('\n');
      expect(lines.length).toBe(2);
      expect(lines[1]).toMatch(/^rl-pro,/);
      // a filter that makes no sense is a message, not a crash
      await go(page, '/usage?status=sometimes');
      expect(await page.locator('.ant-alert-error').textContent()).toContain('status filter must be one of');
    });

    it('a row opens a drawer with every field of the request', async () => {
      await go(page, '/usage?token=tok-console-a&status=2xx');
      await expect.poll(rows, { timeout: 15_000 }).toEqual(['rl-ok']);
      await page.getByTestId('log-row-rl-ok').click();
      const drawer = page.getByTestId('log-details');
      await drawer.waitFor();
      expect(await page.getByTestId('detail-upstream-model').textContent()).toBe('deepseek-v4-flash');
      expect(await page.getByTestId('detail-account').textContent()).toBe('main');
      expect(await page.getByTestId('detail-attempts').textContent()).toBe('2');
      expect(await page.getByTestId('detail-cost').textContent()).toBe('CNY 0.00125');
      const text = (await drawer.textContent())!;
      for (const s of ['tok-console-a', 'host-a', 'Prompt tokens from cache', 'Reasoning tokens', 'First byte']) expect(text).toContain(s);
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'detached' });
    });
  });

  describe('390 px (phone)', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signIn({ width: 390, height: 844, mobile: true }));
    });
    afterAll(async () => ctx?.close());

    const PAGES = [
      '/dashboard',
      '/users',
      '/users/maximiliane.k-w',
      '/tokens',
      '/usage',
      '/usage?status=2xx&model=deepseek-v4-pro',
      '/accounts',
      '/operators',
      '/settings',
      '/audit',
    ];

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

    it('the request drawer, the rotate dialog and the profile dialog fit the phone', async () => {
      // once its opening animation (a slide or a zoom) is over, the box lies within the 390 px
      const fits = async (what: string, locator: ReturnType<Page['locator']>) => {
        await locator.waitFor();
        await expect
          .poll(
            async () => {
              const box = (await locator.boundingBox())!;
              return box.x >= 0 && box.x + box.width <= 390 ? 'fits' : `${Math.round(box.x)}..${Math.round(box.x + box.width)}`;
            },
            { timeout: 5000, interval: 250, message: what },
          )
          .toBe('fits');
      };
      await go(page, '/usage?token=tok-console-a&status=2xx');
      await page.getByTestId('log-row-rl-ok').click();
      await page.getByTestId('log-details').waitFor();
      await fits('request drawer', page.getByTestId('log-details'));
      await page.keyboard.press('Escape');
      await go(page, '/tokens');
      await page.getByTestId('rotate-laptop').click();
      await fits('rotate dialog', page.locator('.ant-modal:visible'));
      await page.keyboard.press('Escape');
      await go(page, '/users/maximiliane.k-w');
      await page.getByTestId('edit-profile').click();
      await fits('profile dialog', page.locator('.ant-modal:visible'));
      await page.keyboard.press('Escape');
    });

    it('names stay on one or two lines, not a letter per line', async () => {
      await go(page, '/users');
      const link = page.getByTestId('user-link-maximiliane.k-w');
      const box = (await link.boundingBox())!;
      expect(box.width).toBeGreaterThan(80);
      expect(box.height).toBeLessThan(50);
      await readmeShot(page, 'phone-users');
    });

    it('threw no uncaught error on any page', () => {
      expect(pageErrors).toEqual([]);
    });
  });
});
