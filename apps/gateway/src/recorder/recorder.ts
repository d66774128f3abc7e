// The usage recorder: a BullMQ worker that writes batches of usage events to the Postgres ledger
// with ON CONFLICT (request_id) DO NOTHING, so a retried or re-moved batch never double-counts.
// While Postgres is down, jobs fail and are retried; nothing leaves the queue unwritten.
import type { Job } from 'bullmq';
import { Worker } from './bullmq-worker.js';
import { Counter, Registry } from 'prom-client';
import { instanceId, type Config } from '@dsp/config';
import { PriceBook, USAGE_QUEUE, costOfEvent, keys, type UsageEvent } from '@dsp/core';
import { createPool, insertRefusals, insertUsageEvents, type RefusalEvent } from '@dsp/db';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import { createLogger } from '../log.js';
import { queueConnection } from '../usage/queue.js';
import { startTokenRetirer } from './token-retirer.js';
import { createBatchTracing } from '../tracing/tracing.js';
import { startBudgetAlerts } from './budget-alerts.js';
import { startAlertDelivery } from './alert-delivery.js';
import { startAccountAlerts } from './account-alerts.js';

export interface Recorder {
  close(): Promise<void>;
  registry: Registry;
}

const CLOSE_DEADLINE_MS = 5000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export async function startRecorder(config: Config): Promise<Recorder> {
  const log = createLogger(config.log.level, { role: 'recorder', pid: process.pid }, config.log.pretty);
  const pool = createPool(config.database);
  // events carry the cost the gateway priced; one from a gateway older than pricing is priced here
  const prices = new PriceBook(config.pricing);
  const costOf = (e: UsageEvent) => costOfEvent(prices, e);
  const registry = new Registry();
  const written = new Counter({
    name: 'dsp_usage_events_recorded_total',
    help: 'Usage events written to the ledger (duplicates excluded)',
    registers: [registry],
  });
  const failures = new Counter({ name: 'dsp_usage_record_failures_total', help: 'Ledger batch writes that failed and will be retried', registers: [registry] });
  let postgresDown = false;
  const tracing = await createBatchTracing(config, instanceId(config));
  // alerts only with [alerts] webhook_url: budget crossings after each ledger write, account transitions polled
  const delivery = startAlertDelivery(config, pool, log);
  const alerts = delivery ? startBudgetAlerts(config, pool, log, delivery) : null;
  const accountAlerts = delivery ? startAccountAlerts(config, pool, log, delivery) : null;

  const worker = new Worker(
    USAGE_QUEUE,
    async (job: Job<{ events?: (string | UsageEvent)[]; refusals?: RefusalEvent[]; batch?: string }>) => {
      if (job.name === 'refusals') return insertRefusals(pool, job.data.refusals ?? [], config.quota.timezone, job.data.batch);
      // JSON text from the outbox (objects: jobs queued by 0.1.0)
      const events = (job.data.events ?? []).map((e) => (typeof e === 'string' ? (JSON.parse(e) as UsageEvent) : e));
      const span = tracing?.batch(events) ?? null;
      try {
        const inserted = await insertUsageEvents(pool, events, costOf);
        span?.end(inserted, null);
        written.inc(inserted);
        if (postgresDown) log.info('postgres is back: recording resumed');
        postgresDown = false;
        // threshold crossings: checked after the ledger write, never on a request's path
        if (alerts) await alerts.check(events);
        return inserted;
      } catch (e) {
        span?.end(0, e as Error);
        failures.inc();
        if (!postgresDown) log.error({ err: (e as Error).message }, 'ledger write failed; the batch stays queued and is retried');
        postgresDown = true;
        throw e;
      }
    },
    {
      connection: queueConnection(config.redis.url, config.redis.cluster),
      prefix: keys.queuePrefix(config.redis.key_prefix, config.redis.cluster),
      concurrency: 4,
      // a batch held by a recorder that died is taken back within ~15 s (BullMQ's default is 30 + 30);
      // writes are idempotent, so a batch stalled any number of times is run again, never failed
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      settings: { backoffStrategy: (attempts: number) => Math.min(250 * 2 ** attempts, 5000) },
    },
  );
  worker.on('error', (e) => log.debug({ err: e.message }, 'recorder queue error'));
  const redis = redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);
  const stopRetirer = startTokenRetirer({ pool, redis, prefix: config.redis.key_prefix, log });
  log.info('usage recorder started');
  return {
    registry,
    async close() {
      // BullMQ's graceful close can wait forever when Redis restarted shortly before (bullmq#4656):
      // bounded; a batch cut short is taken back by the next recorder and written once
      const closed = await Promise.race([worker.close().then(() => true), sleep(CLOSE_DEADLINE_MS).then(() => false)]);
      if (!closed) log.warn({ deadline_ms: CLOSE_DEADLINE_MS }, 'usage queue did not close in time; stopping anyway');
      stopRetirer();
      await tracing?.shutdown().catch(() => {});
      redis.disconnect();
      accountAlerts?.close();
      await alerts?.close();
      await delivery?.close();
      await pool.end();
    },
  };
}
