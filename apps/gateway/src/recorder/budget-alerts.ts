// Budget alerts, off the request path: after the recorder wrote a batch to the ledger, it reads the
// spend counters and budgets of the batch's users (the finish script charged Redis before it queued
// the events, so the counters already hold them) and records each threshold crossed — once per
// user, period and threshold (a unique row in Postgres, with its audit entry). Each new crossing is
// a BullMQ job that POSTs the signed JSON to [alerts] webhook_url, with retries and exponential
// backoff from 1 s; the delivery is audited too.
import { createHmac } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Config } from '@dsp/config';
import { Dec, keys, nanosToDecimal, periodAt, type UsageEvent } from '@dsp/core';
import { markBudgetAlertDelivered, markBudgetAlertFailed, recordBudgetAlert, undeliveredBudgetAlerts, type BudgetAlert } from '@dsp/db';
import type { Pool } from '@dsp/db';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Logger } from 'pino';
import { queueConnection } from '../usage/queue.js';

export const ALERTS_QUEUE = 'alerts';
/** The signature header: `sha256=` + hex HMAC-SHA256 of the raw body with [alerts] secret. */
export const SIGNATURE_HEADER = 'x-dsp-signature';
/** The alert's id: a receiver that sees one twice (a reply lost after it was taken) can drop it. */
export const ALERT_ID_HEADER = 'x-dsp-alert-id';
const DELIVERY_TIMEOUT_MS = 10_000;
const BACKOFF_MS = 1000;

export function signAlert(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface BudgetAlerts {
  /** check the users of a batch just written to the ledger; never throws (logged instead) */
  check(events: readonly UsageEvent[]): Promise<void>;
  close(): Promise<void>;
}

interface AlertJob {
  id: string;
  alert: BudgetAlert;
}

/** null when no webhook is configured. */
export function startBudgetAlerts(config: Config, pool: Pool, log: Logger): BudgetAlerts | null {
  const { webhook_url: url, secret, budget_thresholds: thresholds, delivery_attempts: attempts } = config.alerts;
  if (!url) return null;
  const prefix = config.redis.key_prefix;
  const currency = config.quota.budget_currency;
  const tz = config.quota.timezone;
  const redis = redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);
  const queueOpts = { connection: queueConnection(config.redis.url, config.redis.cluster), prefix: keys.queuePrefix(prefix, config.redis.cluster) };
  const queue = new Queue<AlertJob>(ALERTS_QUEUE, queueOpts);
  queue.on('error', (e) => log.debug({ err: e.message }, 'alerts queue error'));

  const worker = new Worker<AlertJob>(
    ALERTS_QUEUE,
    async (job: Job<AlertJob>) => {
      const body = JSON.stringify(job.data.alert);
      const headers: Record<string, string> = { 'content-type': 'application/json', [ALERT_ID_HEADER]: job.data.id };
      if (secret) headers[SIGNATURE_HEADER] = signAlert(secret, body);
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      await markBudgetAlertDelivered(pool, job.data.id, job.attemptsMade + 1);
      log.info({ alert: job.data.id, user: job.data.alert.user, period: job.data.alert.period, threshold: job.data.alert.threshold }, 'budget alert delivered');
    },
    { ...queueOpts, concurrency: 2 },
  );
  worker.on('error', (e) => log.debug({ err: e.message }, 'alerts worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= attempts;
    log[final ? 'error' : 'warn'](
      { alert: job.data.id, attempt: job.attemptsMade, err: err.message },
      final ? 'budget alert given up' : 'budget alert delivery failed; retrying',
    );
    if (final) void markBudgetAlertFailed(pool, job.data.id, job.attemptsMade, err.message).catch(() => {});
  });

  // jobId: queueing the same alert again is a no-op while its job exists (waiting, retrying, given up)
  const enqueue = (id: string, alert: BudgetAlert) =>
    queue.add(
      'budget',
      { id, alert },
      { jobId: `budget-${id}`, attempts, backoff: { type: 'exponential', delay: BACKOFF_MS }, removeOnComplete: 1000, removeOnFail: 1000 },
    );

  async function fire(alert: BudgetAlert, periodKey: string): Promise<void> {
    const id = await recordBudgetAlert(pool, alert, periodKey);
    if (id === null) return; // fired before
    log.info({ alert: id, user: alert.user, period: alert.period, threshold: alert.threshold, spent: alert.spent, budget: alert.budget }, 'budget alert');
    await enqueue(id, alert);
  }

  // a recorder that died between recording an alert and queueing it: its alert is queued now
  void (async () => {
    try {
      const pending = await undeliveredBudgetAlerts(pool);
      for (const p of pending) await enqueue(p.id, p.alert);
      if (pending.length) log.info({ alerts: pending.length }, 'undelivered budget alerts queued again');
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'could not queue undelivered budget alerts');
    }
  })();

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
      await Promise.allSettled([worker.close(), queue.close()]);
      redis.disconnect();
    },
  };
}
