// Alert delivery, shared by the budget and the upstream account alerts: each recorded alert is a
// BullMQ job that POSTs its signed JSON to [alerts] webhook_url, with retries and exponential
// backoff from 1 s, never on a request's path; the delivery (or giving up) is audited. Alerts
// recorded but never queued (a recorder that died in between) are queued again at start.
import { createHmac } from 'node:crypto';
import type { Job } from 'bullmq';
import { Queue } from '../usage/bullmq-queue.js';
import { Worker } from './bullmq-worker.js';
import type { Config } from '@dsp/config';
import { keys } from '@dsp/core';
import {
  markAccountAlertDelivered,
  markAccountAlertFailed,
  markBudgetAlertDelivered,
  markBudgetAlertFailed,
  undeliveredAccountAlerts,
  undeliveredBudgetAlerts,
  type AccountAlert,
  type BudgetAlert,
  type Pool,
} from '@dsp/db';
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

/** Which table an alert's row is in: the job's name (jobs queued before account alerts are `budget`). */
export type AlertKind = 'budget' | 'account';
type AnyAlert = BudgetAlert | AccountAlert;

interface AlertJob {
  id: string;
  alert: AnyAlert;
}

export interface AlertDelivery {
  /** queue a recorded alert; queueing one again while its job exists is a no-op */
  enqueue(kind: AlertKind, id: string, alert: AnyAlert): Promise<unknown>;
  close(): Promise<void>;
}

const marks = {
  budget: { delivered: markBudgetAlertDelivered, failed: markBudgetAlertFailed },
  account: { delivered: markAccountAlertDelivered, failed: markAccountAlertFailed },
};

/** What a log line says of an alert (never a key: alerts hold none). */
function describe(alert: AnyAlert): Record<string, unknown> {
  return alert.type === 'budget' ? { user: alert.user, period: alert.period, threshold: alert.threshold } : { type: alert.type, account: alert.account };
}

/** null when no webhook is configured. */
export function startAlertDelivery(config: Config, pool: Pool, log: Logger): AlertDelivery | null {
  const { webhook_url: url, secret, delivery_attempts: attempts } = config.alerts;
  if (!url) return null;
  const queueOpts = {
    connection: queueConnection(config.redis.url, config.redis.cluster),
    prefix: keys.queuePrefix(config.redis.key_prefix, config.redis.cluster),
  };
  const queue = new Queue<AlertJob>(ALERTS_QUEUE, queueOpts);
  queue.on('error', (e) => log.debug({ err: e.message }, 'alerts queue error'));
  const kindOf = (job: Job<AlertJob>): AlertKind => (job.name === 'account' ? 'account' : 'budget');

  const worker = new Worker<AlertJob>(
    ALERTS_QUEUE,
    async (job: Job<AlertJob>) => {
      const body = JSON.stringify(job.data.alert);
      // budget and account alerts are numbered apart: an account alert's id says so
      const alertId = kindOf(job) === 'account' ? `account-${job.data.id}` : job.data.id;
      const headers: Record<string, string> = { 'content-type': 'application/json', [ALERT_ID_HEADER]: alertId };
      if (secret) headers[SIGNATURE_HEADER] = signAlert(secret, body);
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      await marks[kindOf(job)].delivered(pool, job.data.id, job.attemptsMade + 1);
      log.info({ alert: job.data.id, ...describe(job.data.alert) }, `${kindOf(job)} alert delivered`);
    },
    { ...queueOpts, concurrency: 2 },
  );
  worker.on('error', (e) => log.debug({ err: e.message }, 'alerts worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= attempts;
    const kind = kindOf(job);
    log[final ? 'error' : 'warn'](
      { alert: job.data.id, attempt: job.attemptsMade, err: err.message },
      final ? `${kind} alert given up` : `${kind} alert delivery failed; retrying`,
    );
    if (final) void marks[kind].failed(pool, job.data.id, job.attemptsMade, err.message).catch(() => {});
  });

  // jobId: queueing the same alert again is a no-op while its job exists (waiting, retrying, given up)
  const enqueue = (kind: AlertKind, id: string, alert: AnyAlert) =>
    queue.add(
      kind,
      { id, alert },
      { jobId: `${kind}-${id}`, attempts, backoff: { type: 'exponential', delay: BACKOFF_MS }, removeOnComplete: 1000, removeOnFail: 1000 },
    );

  // a recorder that died between recording an alert and queueing it: its alert is queued now
  void (async () => {
    try {
      const budget = await undeliveredBudgetAlerts(pool);
      for (const p of budget) await enqueue('budget', p.id, p.alert);
      const account = await undeliveredAccountAlerts(pool);
      for (const p of account) await enqueue('account', p.id, p.alert);
      if (budget.length + account.length) log.info({ budget: budget.length, account: account.length }, 'undelivered alerts queued again');
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'could not queue undelivered alerts');
    }
  })();

  return {
    enqueue,
    async close() {
      await Promise.allSettled([worker.close(), queue.close()]);
    },
  };
}
