// Budget alerts, off the request path: after the recorder wrote a batch to the ledger, it reads the
// spend counters and budgets of the batch's users (the finish script charged Redis before it queued
// the events, so the counters already hold them) and records each threshold crossed — once per
// user, period and threshold (a unique row in Postgres, with its audit entry). Each new crossing is
// delivered by alert-delivery.ts (BullMQ, signed POST, retries; audited).
import type { Config } from '@dsp/config';
import { Dec, keys, nanosToDecimal, periodAt, type UsageEvent } from '@dsp/core';
import { recordBudgetAlert, type BudgetAlert } from '@dsp/db';
import type { Pool } from '@dsp/db';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Logger } from 'pino';
import type { AlertDelivery } from './alert-delivery.js';

export interface BudgetAlerts {
  /** check the users of a batch just written to the ledger; never throws (logged instead) */
  check(events: readonly UsageEvent[]): Promise<void>;
  close(): Promise<void>;
}

export function startBudgetAlerts(config: Config, pool: Pool, log: Logger, delivery: AlertDelivery): BudgetAlerts {
  const thresholds = config.alerts.budget_thresholds;
  const prefix = config.redis.key_prefix;
  const currency = config.quota.budget_currency;
  const tz = config.quota.timezone;
  const redis = redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);

  async function fire(alert: BudgetAlert, periodKey: string): Promise<void> {
    const id = await recordBudgetAlert(pool, alert, periodKey);
    if (id === null) return; // fired before
    log.info({ alert: id, user: alert.user, period: alert.period, threshold: alert.threshold, spent: alert.spent, budget: alert.budget }, 'budget alert');
    await delivery.enqueue('budget', id, alert);
  }

  async function checkUser(user: string, startedAt: number): Promise<void> {
    const p = periodAt(tz, startedAt);
    const [b, d, m] = await Promise.all([
      redis.hmget(keys.user(prefix, user), 'daily_budget', 'monthly_budget'),
      redis.hget(keys.day(prefix, user, p.day), 'spend'),
      redis.hget(keys.month(prefix, user, p.month), 'spend'),
    ]);
    const periods = [
      { period: 'daily' as const, key: p.day, budget: b[0], spent: d },
      { period: 'monthly' as const, key: p.month, budget: b[1], spent: m },
    ];
    for (const x of periods) {
      if (!x.budget || x.budget === '0') continue; // no budget; 0 blocks outright, nothing to warn of
      const spent = BigInt(x.spent ?? '0');
      for (const t of thresholds) {
        // exact: spent >= budget × threshold, in nanos
        if (new Dec(spent.toString()).lt(new Dec(x.budget).times(String(t)))) continue;
        await fire(
          {
            type: 'budget',
            user,
            period: x.period,
            threshold: t,
            spent: nanosToDecimal(spent),
            budget: nanosToDecimal(BigInt(x.budget)),
            currency,
            at: new Date().toISOString(),
          },
          x.key,
        );
      }
    }
  }

  return {
    async check(events) {
      // the latest request of each user whose spend moved (priced in the budget currency)
      const latest = new Map<string, number>();
      for (const e of events) {
        if (e.currency !== undefined && (e.currency !== currency || e.cost_nanos === '0')) continue;
        latest.set(e.user_id, Math.max(latest.get(e.user_id) ?? 0, e.started_at));
      }
      for (const [user, at] of latest) {
        try {
          await checkUser(user, at);
        } catch (e) {
          log.warn({ err: (e as Error).message, user }, 'budget alert check failed');
        }
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
