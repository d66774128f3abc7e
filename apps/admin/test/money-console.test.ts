// Money in the console, in Debian's Chromium against real Postgres and Redis: the user page shows
// the budgets and what was spent against them (the live Redis counters), edits them with exact
// decimals and refuses a negative with a message; the usage page charts spend per day by user or
// by model, one currency at a time, with exact totals; a token's own budget is set from the user
// page's tokens table (spend shown, bad amounts refused, nothing for a viewer to press, in zh-CN too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { keys, periodAt } from '@dsp/core';
import { insertUsageEvents } from '@dsp/db';
import { login, sessionFrom, startConsoleOnly, type ConsoleOnly } from './helpers.js';
import { hydrated, launchChromium, signedIn } from './browser.js';

const PASSWORD = 'operator-password-1';

describe('console: budgets and spend', () => {
  let fx: ConsoleOnly;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const today = new Date().toISOString().slice(0, 10);
  let jti = '';

  beforeAll(async () => {
    fx = await startConsoleOnly(async (be) => {
      await be.services.admins.create('root', PASSWORD);
      await be.services.admins.create('watcher', PASSWORD, { role: 'viewer' });
      await be.services.users.create({ id: 'spender' });
      await be.services.users.create({ id: 'saver' });
      await be.services.budgets.setUser('spender', { dailyBudget: '2', monthlyBudget: null });
      const base = { route: '/chat/completions', stream: false, status: 200, cache_hit_tokens: 0, cache_miss_tokens: 0, reasoning_tokens: 0 };
      const ev = (user: string, model: string, nanos: string, currency: string) => ({
        ...base,
        request_id: randomUUID(),
        token_id: 't',
        user_id: user,
        model,
        prompt_tokens: 10,
        completion_tokens: 5,
        first_byte_ms: 1,
        total_ms: 2,
        aborted: false,
        instance: 'x',
        started_at: Date.now() - 60_000,
        cost_nanos: nanos,
        currency,
      });
      await insertUsageEvents(be.pool, [
        ev('spender', 'deepseek-chat', '1500000000', 'CNY'),
        ev('spender', 'deepseek-reasoner', '100000000', 'CNY'),
        ev('saver', 'deepseek-chat', '1', 'CNY'),
        ev('saver', 'deepseek-reasoner', '2000000000', 'USD'),
      ]);
    });
    // the live counters the gateway enforces against (the finish script writes them): the user's and
    // its token's
    // (issued through the console: it holds the signing key)
    const cookie = sessionFrom(await login(fx.admin.url, 'root', PASSWORD));
    const issued = await fetch(`${fx.admin.url}/api/tokens`, {
      method: 'POST',
      headers: { cookie, origin: fx.admin.url, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'spender', name: 'ci' }),
    });
    expect(issued.status).toBe(201);
    jti = ((await issued.json()) as { record: { id: string } }).record.id;
    const p = periodAt('UTC', Date.now());
    await fx.be.redis.hset(keys.day(fx.prefix, 'spender', p.day), { spend: '1600000000', [`spend:${jti}`]: '250000000' });
    await fx.be.redis.hset(keys.month(fx.prefix, 'spender', p.month), { [`spend:${jti}`]: '7250000000' });
    browser = await launchChromium();
    ({ ctx, page } = await signedIn(browser, fx.admin.url, { user: 'root', password: PASSWORD, errors }));
  }, 180_000);

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await fx?.stop();
  });

  const go = async (path: string) => {
    await page.goto(fx.admin.url + path);
    await page.getByTestId('page-title').waitFor();
    await hydrated(page);
  };

  it('the user page shows spend against the budget, edits it exactly and refuses a negative', async () => {
    await go('/users/spender');
    const daily = page.getByTestId('budget-daily');
    await expect.poll(() => daily.getAttribute('data-spent')).toBe('1.6');
    expect(await daily.getAttribute('data-budget')).toBe('2');
    expect(await daily.textContent()).toContain('CNY 1.6 / 2 (0.4 left)');
    expect(await page.getByTestId('budget-monthly').textContent()).toContain('no budget');

    await page.getByTestId('edit-budgets').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('budget-dailyBudget').fill('-1');
    await page.getByTestId('save-budgets').click();
    await dialog.getByText('An amount >= 0 with at most 9 decimal places').waitFor();
    expect((await fx.be.services.users.get('spender')).dailyBudget).toBe('2');

    await dialog.getByTestId('budget-dailyBudget').fill('1.5');
    await dialog.getByTestId('budget-monthlyBudget').fill('100.000000001');
    await page.getByTestId('save-budgets').click();
    await dialog.waitFor({ state: 'hidden' });
    const u = await fx.be.services.users.get('spender');
    expect([u.dailyBudget, u.monthlyBudget]).toEqual(['1.5', '100.000000001']);
    expect(await fx.be.redis.hget(keys.user(fx.prefix, 'spender'), 'daily_budget')).toBe('1500000000');
    // spent is over the new budget: shown as such
    await expect.poll(() => page.getByTestId('budget-daily').textContent()).toContain('CNY 1.6 / 1.5 (0 left)');
  });

  it("a token's budget: set from the tokens table with its spend shown; negative and non-numeric amounts refused, nothing saved", async () => {
    await go('/users/spender');
    expect(await page.getByTestId('token-budget-ci').textContent()).toBe('no budget');
    await page.getByTestId('budget-ci').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Budget of token ci').waitFor();
    const daily = dialog.getByTestId('token-budget-daily');
    expect([await daily.getAttribute('data-spent'), await daily.getAttribute('data-budget')]).toEqual(['0.25', '']);
    expect(await daily.textContent()).toContain('CNY 0.25');
    expect(await dialog.getByTestId('token-budget-monthly').getAttribute('data-spent')).toBe('7.25');
    expect(await dialog.textContent()).toContain('Daily budget (CNY)');

    await dialog.getByTestId('token-budget-dailyBudget').fill('-1');
    await dialog.getByTestId('token-budget-monthlyBudget').fill('ten');
    await page.getByTestId('save-token-budget').click();
    await expect.poll(() => dialog.getByText('An amount >= 0 with at most 9 decimal places').count(), { timeout: 10_000 }).toBe(2);
    const before = await fx.be.services.budgets.getToken(jti);
    expect([before.dailyBudget, before.monthlyBudget]).toEqual([null, null]);

    await dialog.getByTestId('token-budget-dailyBudget').fill('0.5');
    await dialog.getByTestId('token-budget-monthlyBudget').fill('');
    await page.getByTestId('save-token-budget').click();
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(false);
    const after = await fx.be.services.budgets.getToken(jti);
    expect([after.dailyBudget, after.monthlyBudget]).toEqual(['0.5', null]);
    expect(await fx.be.redis.hget(keys.user(fx.prefix, 'spender'), `daily_budget:${jti}`)).toBe('500000000');
    expect((await fx.be.services.audit.list({ action: 'token.budget' })).rows.map((r) => r.target)).toEqual([jti]);
    await expect.poll(() => page.getByTestId('token-budget-ci').textContent(), { timeout: 10_000 }).toBe('0.5/day');

    // opened again: the budget in the field, spend against it
    await page.getByTestId('budget-ci').click();
    await dialog.getByText('Budget of token ci').waitFor();
    expect(await dialog.getByTestId('token-budget-dailyBudget').inputValue()).toBe('0.5');
    expect(await dialog.getByTestId('token-budget-daily').textContent()).toContain('CNY 0.25 / 0.5 (0.25 left)');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(false);
  });

  it("a viewer sees the user's and the token's budgets but nothing to change them with (in zh-CN)", async () => {
    const viewer = await signedIn(browser, fx.admin.url, { user: 'watcher', password: PASSWORD, locale: 'zh-CN', errors });
    try {
      await viewer.page.goto(fx.admin.url + '/users/spender');
      await viewer.page.getByTestId('page-title').waitFor();
      await hydrated(viewer.page);
      expect(await viewer.page.getByTestId('token-budget-ci').textContent()).toBe('每日 0.5');
      expect(await viewer.page.getByTestId('tokens-table').textContent()).toContain('预算 (CNY)');
      expect(await viewer.page.getByTestId('budget-ci').count()).toBe(0);
      // the user's own budgets: shown, with no edit button
      expect(await viewer.page.getByTestId('budget-daily').getAttribute('data-budget')).toBe('1.5'); // as the first test left it
      expect(await viewer.page.getByTestId('edit-budgets').count()).toBe(0);
    } finally {
      await viewer.ctx.close();
    }
  });

  it('the usage page charts spend per day by user or model, one currency at a time, with exact totals', async () => {
    await go(`/usage?from=${today}&to=${today}`);
    const chart = page.getByTestId('spend-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-currency')).toBe('CNY');
    expect(await chart.getAttribute('data-series')).toBe('spender,saver');
    expect(JSON.parse((await chart.getAttribute('data-totals'))!)).toEqual({ spender: '1.6', saver: '0.000000001' });
    await page.getByTestId('spend-by').getByText('Model').click();
    await expect.poll(() => chart.getAttribute('data-series')).toBe('deepseek-chat,deepseek-reasoner');
    expect(JSON.parse((await chart.getAttribute('data-totals'))!)).toEqual({ 'deepseek-chat': '1.500000001', 'deepseek-reasoner': '0.1' });
    await page.getByTestId('spend-currency').click();
    await page.locator('.ant-select-item-option[title="USD"]').click();
    await expect.poll(() => chart.getAttribute('data-currency')).toBe('USD');
    expect(JSON.parse((await chart.getAttribute('data-totals'))!)).toEqual({ 'deepseek-reasoner': '2' });
    expect(await chart.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
  });

  it('threw no uncaught error', () => {
    expect(errors).toEqual([]);
  });
});
