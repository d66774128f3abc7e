// Keys the upstream refuses or cannot bill: a 401 takes the account out of rotation (back after a
// reload), a 402 too (back once its balance is positive); balances are metrics, a low one warns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Gateway } from './harness.js';
import { complete, deepseekWith } from './accounts-lib.js';
import { logLines, metric, scrape } from './util.js';

const BAD = 'sk-bad-00000000000000001';
const POOR = 'sk-poor-0000000000000002';
const GOOD = 'sk-good-0000000000000003';

describe('refused and spent keys, balances', () => {
  let gw: Gateway;
  const disabled = () => gw.redis.hgetall(`${gw.prefix}{acct}:disabled`);

  beforeAll(async () => {
    gw = await startGateway({
      workers: 2,
      recorder: false,
      mockOptions: { keys: { [BAD]: { refused: true }, [POOR]: { spent: true, balance: '0.00' }, [GOOD]: { balance: '42.50' } } },
      config: {
        deepseek: deepseekWith(
          [
            { name: 'bad', api_key: BAD, weight: 100 },
            { name: 'poor', api_key: POOR, weight: 100 },
            { name: 'good', api_key: GOOD, weight: 0.01, low_balance: 50 },
          ],
          { balance_interval_seconds: 1 },
        ),
      },
    });
  }, 200_000);
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('serves every request while taking the refused and the spent key out of rotation', async () => {
    const token = await gw.mint({ sub: 'keys' });
    for (let i = 0; i < 12; i++) expect((await complete(gw.url, token)).status).toBe(200);
    // one request each found out; none after
    expect(gw.mock.keyStats(BAD).requests).toBe(1);
    expect(gw.mock.keyStats(POOR).requests).toBe(1);
    const off = await disabled();
    expect(Object.keys(off).sort()).toEqual(['bad', 'poor']);
    expect(off.bad).toMatch(/^key_refused /);
    expect(off.poor).toMatch(/^balance /);
    const s = await scrape(gw);
    expect(metric(s, 'dsp_upstream_account_disabled_total', { account: 'bad', reason: 'key_refused' })).toBe(1);
    expect(logLines(gw).some((l) => l.account === 'bad' && String(l.msg).includes('refused'))).toBe(true);
  });

  it('exports balances as metrics and warns about a low one', async () => {
    await waitFor(async () => metric(await scrape(gw), 'dsp_upstream_account_balance', { account: 'good', currency: 'CNY' }) === 42.5, 10_000);
    expect(logLines(gw).some((l) => l.account === 'good' && l.msg === 'upstream account balance is low')).toBe(true);
    expect(JSON.stringify(logLines(gw))).not.toContain(GOOD);
  });

  it('puts the spent account back once its balance is positive', async () => {
    gw.mock.setKey(POOR, { balance: '5.00' });
    await waitFor(async () => !('poor' in (await disabled())), 10_000);
    const token = await gw.mint({ sub: 'keys-2' });
    // a worker that saw the account out of rotation skips it in its guesses for up to a second
    // (the admission script is what decides; the guess only saves it a round trip)
    const until = Date.now() + 5000;
    while (gw.mock.keyStats(POOR).requests <= 1 && Date.now() < until) expect((await complete(gw.url, token)).status).toBe(200);
    expect(gw.mock.keyStats(POOR).requests).toBeGreaterThan(1);
  });

  it('puts the refused account back on SIGHUP (the configuration was reloaded)', async () => {
    expect((await disabled()).bad).toBeDefined();
    gw.proc.kill('SIGHUP');
    await waitFor(async () => !('bad' in (await disabled())), 10_000);
  });
});
