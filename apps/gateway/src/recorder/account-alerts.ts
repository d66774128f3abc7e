// Upstream account alerts, off the request path: the recorder reads the two account hashes every
// second — `{acct}:disabled` (written with HSETNX by the worker whose request the upstream answered
// 401 or 402) and `{acct}:low` (written with HSETNX by the balance poller of a primary) — and
// records each entry as one alert, keyed by the account, its type and the entry's `since`. So a
// disabled account that stays disabled alerts once, however many workers saw the 401 and however
// many recorders (gateway hosts) read the hash; one put back and disabled again is a new entry, a
// new alert. An operator's disable is the operator's own doing (audited as such): no alert. The
// API key is never read here: only the account's name goes out.
import type { Config } from '@dsp/config';
import { keys, parseDisabled, parseLowMark } from '@dsp/core';
import { recordAccountAlert, type AccountAlert, type Pool } from '@dsp/db';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Logger } from 'pino';
import type { AlertDelivery } from './alert-delivery.js';

/** How often the hashes are read: an alert goes out within about this much of its transition. */
export const ACCOUNT_CHECK_MS = 1000;

const REASONS = { key_refused: 'key_refused', balance: 'balance_spent' } as const;

/** The alerts the two hashes hold now, with the `since` each is keyed by. */
export function accountAlertsOf(disabled: Record<string, string>, low: Record<string, string>): { alert: AccountAlert; since: number }[] {
  const out: { alert: AccountAlert; since: number }[] = [];
  for (const [account, v] of Object.entries(disabled)) {
    const d = parseDisabled(v);
    if (d.reason === 'operator') continue;
    out.push({ since: d.since, alert: { type: 'account_disabled', account, reason: REASONS[d.reason], at: new Date(d.since).toISOString() } });
  }
  for (const [account, v] of Object.entries(low)) {
    const m = parseLowMark(v);
    if (!m) continue;
    out.push({
      since: m.since,
      alert: {
        type: 'account_low_balance',
        account,
        balance: m.balance,
        currency: m.currency,
        low_balance: m.low_balance,
        at: new Date(m.since).toISOString(),
      },
    });
  }
  return out;
}

export function startAccountAlerts(config: Config, pool: Pool, log: Logger, delivery: AlertDelivery): { close(): void } {
  const redis = redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);
  const disabledKey = keys.accountsDisabled(config.redis.key_prefix);
  const lowKey = keys.accountsLow(config.redis.key_prefix);
  /** transitions recorded by this recorder (or found recorded): not sent to Postgres again */
  const seen = new Set<string>();
  let failing = false;
  let running = false;

  async function check(): Promise<void> {
    const [disabled, low] = await Promise.all([redis.hgetall(disabledKey), redis.hgetall(lowKey)]);
    const now = accountAlertsOf(disabled, low).map((x) => ({ ...x, key: `${x.alert.type} ${x.alert.account} ${x.since}` }));
    // transitions no longer in the hashes cannot come back (a new one has a new since)
    const live = new Set(now.map((x) => x.key));
    for (const k of seen) if (!live.has(k)) seen.delete(k);
    for (const { alert, since, key } of now) {
      if (seen.has(key)) continue;
      const id = await recordAccountAlert(pool, alert, since);
      seen.add(key);
      if (id === null) continue; // another recorder (or an earlier run) recorded it
      log.warn({ alert: id, ...alert }, 'upstream account alert');
      await delivery.enqueue('account', id, alert);
    }
  }

  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check().then(
      () => {
        if (failing) log.info('account alert check works again');
        failing = false;
        running = false;
      },
      (e: Error) => {
        if (!failing) log.warn({ err: e.message }, 'account alert check failed; retrying every second');
        failing = true;
        running = false;
      },
    );
  }, ACCOUNT_CHECK_MS);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}
