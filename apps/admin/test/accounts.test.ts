// The console's Accounts page in Debian's Chromium against a real gateway with three upstream
// accounts on the mock (one whose key the upstream refuses, one with a low balance): keys masked
// and never in the page, rotation state and balances from the gateway, disable / enable taking an
// account out of rotation on the gateway itself (audited), the reload reaching the gateway host,
// and a viewer who sees the state but can change nothing.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { startGateway, waitFor, type Gateway } from '../../gateway/test/harness.js';
import { complete, deepseekWith } from '../../gateway/test/accounts-lib.js';
import { ARTIFACTS, backend, startAdmin, type AdminServer, type Backend } from './helpers.js';
import { hydrated, launchChromium, signedIn } from './browser.js';

const MAIN = 'sk-main-key-000000000000aaaa';
const LOW = 'sk-lowbal-key-0000000000bbbb';
const BAD = 'sk-refused-key-000000000cccc';

describe('console: upstream accounts', () => {
  let db: TempDatabase;
  let gw: Gateway;
  let be: Backend;
  let admin: AdminServer;
  let browser: Browser;
  const pageErrors: string[] = [];
  const disabled = () => gw.redis.hgetall(`${gw.prefix}{acct}:disabled`);

  const signIn = (user: string, password: string) => signedIn(browser, admin.url, { user, password, errors: pageErrors });
  const openAccounts = async (page: Page) => {
    await page.goto(admin.url + '/accounts');
    await page.getByTestId('accounts-table').waitFor();
    await hydrated(page);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTempDatabase();
    gw = await startGateway({
      databaseUrl: db.url,
      workers: 1,
      mockOptions: { keys: { [MAIN]: { balance: '120.00' }, [LOW]: { balance: '3.50' }, [BAD]: { refused: true } } },
      config: {
        deepseek: deepseekWith(
          [
            { name: 'main', api_key: MAIN, max_concurrency: 8 },
            { name: 'lowbal', api_key: LOW, low_balance: 10, weight: 0.01 },
            { name: 'refused', api_key: BAD, weight: 100 },
          ],
          { balance_interval_seconds: 1 },
        ),
      },
    });
    be = backend(db.url, gw.prefix);
    await be.services.admins.create('root', 'operator-password-1');
    await be.services.admins.create('watcher', 'viewer-password-1', { role: 'viewer' });
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
    // traffic: the refused key is found out on its first request and leaves the rotation
    const token = await gw.mint({ sub: 'acct-console' });
    for (let i = 0; i < 6; i++) expect((await complete(gw.url, token)).status).toBe(200);
    await waitFor(async () => 'refused' in (await disabled()), 10_000);
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
    await gw?.stop();
    await be?.close();
    await db?.drop();
  });

  describe('an admin', () => {
    let ctx: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ ctx, page } = await signIn('root', 'operator-password-1'));
    });
    afterAll(async () => ctx?.close());

    it('sees every account with its key masked, its state, load against its cap and its balance', async () => {
      await openAccounts(page);
      const html = await page.content();
      for (const key of [MAIN, LOW, BAD]) {
        expect(html).not.toContain(key);
        expect(html).toContain(key.slice(-4)); // the masked form ends with the key's last four
      }
      await page.getByTestId('account-active-main').waitFor();
      expect(await page.getByTestId('account-disabled-refused').textContent()).toMatch(/refused/i);
      expect(await page.getByTestId('account-load-main').textContent()).toMatch(/^0 \/ 8$/);
      expect(await page.getByTestId('account-breaker-main').textContent()).toMatch(/closed/i);
      // balances come from the gateway's poller (metrics); the low one is flagged
      await expect
        .poll(
          async () => {
            await openAccounts(page);
            return page.getByTestId('account-balance-lowbal-CNY').count();
          },
          { timeout: 15_000, interval: 500 },
        )
        .toBe(1);
      expect(await page.getByTestId('account-balance-lowbal-CNY').textContent()).toMatch(/3\.5.*low/i);
      expect(await page.getByTestId('account-balance-main-CNY').textContent()).not.toMatch(/low/i);
    });

    it('disables an account from the console: the gateway stops sending to it, and it is audited', async () => {
      await openAccounts(page);
      await page.getByTestId('account-disable-main').click();
      await page.getByTestId('confirm-disable').click();
      await page.getByTestId('account-disabled-main').waitFor();
      expect((await disabled()).main).toMatch(/^operator /);
      const before = gw.mock.keyStats(MAIN).requests;
      const lowBefore = gw.mock.keyStats(LOW).requests;
      const token = await gw.mint({ sub: 'acct-console-2' });
      for (let i = 0; i < 4; i++) expect((await complete(gw.url, token)).status).toBe(200);
      expect(gw.mock.keyStats(MAIN).requests).toBe(before);
      expect(gw.mock.keyStats(LOW).requests).toBe(lowBefore + 4);
      const audit = await be.pool.query<{ actor: string; action: string; target: string }>(
        "SELECT actor, action, target FROM audit_log WHERE action LIKE 'account.%' ORDER BY id",
      );
      expect(audit.rows).toContainEqual(expect.objectContaining({ actor: 'admin:root', action: 'account.disable', target: 'main' }));
    });

    it('enables it again and reloads every host from the console', async () => {
      await openAccounts(page);
      await page.getByTestId('account-enable-main').click();
      await page.getByTestId('confirm-enable').click();
      await page.getByTestId('account-active-main').waitFor();
      expect((await disabled()).main).toBeUndefined();
      // the reload is heard by the one gateway host, which puts the refused key back (as SIGHUP does)
      await page.getByTestId('accounts-reload').click();
      await page.getByTestId('confirm-reload').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), { timeout: 10_000 }).toMatch(/1/);
      await waitFor(async () => !('refused' in (await disabled())), 10_000);
      await openAccounts(page);
      await page.getByTestId('account-active-refused').waitFor();
    });
  });

  describe('a viewer', () => {
    it('sees the accounts but no action, and the API refuses a change', async () => {
      const { ctx, page } = await signIn('watcher', 'viewer-password-1');
      try {
        await openAccounts(page);
        await page.getByTestId('account-active-main').waitFor();
        expect(await page.getByTestId('accounts-reload').count()).toBe(0);
        expect(await page.getByTestId('account-disable-main').count()).toBe(0);
        const refused = await page.evaluate(async () => {
          const res = await fetch('/api/accounts/main/status', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"status":"disabled"}',
          });
          return { status: res.status, body: (await res.json()) as { error: { code: string } } };
        });
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('forbidden');
        expect((await disabled()).main).toBeUndefined();
      } finally {
        await ctx.close();
      }
    });
  });

  it('threw no uncaught error on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
