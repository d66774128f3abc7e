// Money in the console, in Debian's Chromium against real Postgres and Redis: the user page shows
// the budgets and what was spent against them (the live Redis counters), edits them with exact
// decimals and refuses a negative with a message; the usage page charts spend per day by user or
// by model, one currency at a time, with exact totals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { keys, periodAt } from '@dsp/core';
import { insertUsageEvents } from '@dsp/db';
import { startConsoleOnly, type ConsoleOnly } from './helpers.js';
import { hydrated, launchChromium, signedIn } from './browser.js';

const PASSWORD = 'operator-password-1';

describe('console: budgets and spend', () => {
  let fx: ConsoleOnly;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    fx = await startConsoleOnly(async (be) => {
      await be.services.admins.create('root', PASSWORD);
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
    // the live counter the gateway enforces against (the finish script writes it)
    await fx.be.redis.hset(keys.day(fx.prefix, 'spender', periodAt('UTC', Date.now()).day), 'spend', '1600000000');
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
