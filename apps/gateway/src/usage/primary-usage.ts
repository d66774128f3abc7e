// The primary's side of usage: one BullMQ queue for the host, fed by the outbox mover (every slot's
// outbox) and by the workers' refusal counts (IPC). Stopped after the workers exited, so the
// outboxes it drains then are complete.
import { Counter, Gauge, type Registry } from 'prom-client';
import { instanceId, workerCount, type Config } from '@dsp/config';
import { USAGE_QUEUE, keys } from '@dsp/core';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Logger } from '../log.js';
import { Queue } from './bullmq-queue.js';
import { OutboxMover } from './outbox-mover.js';
import { queueConnection } from './queue.js';
import { refusalsToQueue, type SendRefusals } from './refusal-tally.js';

/** Slots looked at for outboxes a host with fewer workers left behind. */
const MAX_SLOTS_CHECKED = 64;

export interface PrimaryUsage {
  /** a worker's refusal counts of one interval */
  refusals: SendRefusals;
  /** move what the outboxes still hold (within `deadlineMs`), then close */
  stop(deadlineMs: number): Promise<void>;
}

export function startPrimaryUsage(config: Config, registry: Registry, log: Logger): PrimaryUsage {
  const { key_prefix: prefix, url, cluster } = config.redis;
  const instance = instanceId(config);
  const queue = new Queue(USAGE_QUEUE, { connection: queueConnection(url, cluster), prefix: keys.queuePrefix(prefix, cluster) });
  queue.on('error', (e) => log.debug({ err: e.message }, 'usage queue error'));
  const redis = redisClient(url, cluster, redisPolicies.background);
  const slots = workerCount(config);
  const slotKeys = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => keys.outbox(prefix, instance, from + i));
  const queued = new Counter({ name: 'dsp_usage_events_queued_total', help: 'Usage events moved from the outboxes to the usage queue', registers: [registry] });
  const backlog = new Gauge({
    name: 'dsp_usage_outbox_events',
    help: "Usage events waiting in this host's outboxes after the mover's last tick (-1: Redis unreachable)",
    registers: [registry],
  });
  const mover = new OutboxMover({
    redis,
    queue,
    outboxKeys: slotKeys(0, slots),
    orphanKeys: slotKeys(slots, MAX_SLOTS_CHECKED),
    batchSize: config.usage.batch_size,
    flushIntervalMs: config.usage.flush_interval_ms,
    log,
    onMoved: (events) => queued.inc(events),
    onBacklog: (events) => backlog.set(events),
  });
  mover.start();
  const dropped = new Counter({
    name: 'dsp_refusals_dropped_total',
    help: 'Refusal counts that could not be queued for the console (Redis unreachable)',
    registers: [registry],
  });
  const toQueue = refusalsToQueue(queue, dropped);
  // the workers' last counts arrive while they exit: stop() waits for those adds before closing
  const adding = new Set<Promise<void>>();
  return {
    refusals(refusals) {
      const p = toQueue(refusals).finally(() => adding.delete(p));
      adding.add(p);
      return p;
    },
    async stop(deadlineMs) {
      await Promise.all(adding);
      const left = await mover.drain(deadlineMs);
      if (left !== 0) log.error({ events: left < 0 ? 'unknown' : left }, 'usage outboxes not empty at exit: moved at the next start');
      await queue.close().catch(() => {});
      redis.disconnect();
    },
  };
}
