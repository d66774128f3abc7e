// The durability point of usage. finish() releases the lease and the account slot, charges the
// counters and appends the usage event to this worker's outbox in Redis — all before the client gets its last byte — so a
// worker killed right after a response cannot lose the record. A mover hands outbox batches to
// BullMQ; a replacement worker in the same slot drains what its predecessor left. When Redis is
// unreachable the work waits in a bounded buffer and is retried; what does not fit is counted.
import type { Queue } from 'bullmq';
import { USAGE_JOB_OPTIONS } from './job-options.js';
import type { Logger } from '../log.js';
import type { GatewayRedis } from '../redis.js';
import { ACCOUNT_RELEASE, FINISH, FINISH_NO_OUTBOX, type ScriptRunner } from '@dsp/core';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { Lease } from '../pipeline/types.js';

interface Pending {
  lease: Lease;
  tokens: number;
  /** nanos of the budget currency, a decimal integer */
  spend: string;
  event: string;
}

export interface UsageSinkOptions {
  /** outbox reads and trims */
  redis: GatewayRedis;
  /** the finish script */
  scripts: ScriptRunner;
  queue: Queue;
  outboxKey: string;
  /**
   * Outboxes of worker slots this host no longer runs (it restarted with fewer workers): drained
   * by this sink too, so their events are not stranded. Only slot 0 is given any.
   */
  orphanKeys: readonly string[];
  /** Redis Cluster: the outbox cannot be written inside the finish script */
  cluster: boolean;
  batchSize: number;
  flushIntervalMs: number;
  bufferMax: number;
  log: Logger;
  metrics: WorkerMetrics;
}

const QUEUE_CALL_DEADLINE_MS = 5000;
const ORPHAN_CHECK_MS = 30_000;
const MAX_BATCHES_PER_TICK = 50;

export class UsageSink {
  private readonly buffer: Pending[] = [];
  private moverTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private moving = false;
  private orphanTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: UsageSinkOptions) {}

  start(): void {
    this.moverTimer = setInterval(() => void this.moveBacklog(), this.o.flushIntervalMs);
    this.retryTimer = setInterval(() => void this.retryBuffered(), 1000);
    if (this.o.orphanKeys.length > 0) {
      void this.adoptOrphans();
      this.orphanTimer = setInterval(() => void this.adoptOrphans(), ORPHAN_CHECK_MS);
    }
  }

  /** Move whatever the outboxes of vanished slots hold (one LLEN per key, single-slot commands). */
  private async adoptOrphans(): Promise<void> {
    for (const key of this.o.orphanKeys) {
      const left = await this.o.redis.llen(key).catch(() => 0);
      if (left === 0) continue;
      this.o.log.warn({ outbox: key, events: left }, 'draining the usage outbox of a worker slot this host no longer runs');
      while ((await this.move(key)) > 0);
    }
  }

  /** Release (token and account slots) + charge (tokens, spend) + enqueue, in one round trip. Never throws. */
  async finish(lease: Lease, tokens: number, spend: bigint, event: string): Promise<void> {
    const p: Pending = { lease, tokens, spend: spend.toString(), event };
    try {
      await this.send(p);
    } catch {
      this.keep(p);
    }
  }

  /** `retry`: the first attempt failed, possibly after it ran (see the finish script). */
  private send(p: Pending, retry = false): Promise<unknown> {
    const { redis, scripts, outboxKey } = this.o;
    const l = p.lease;
    const input = {
      leaseKey: l.key,
      dayKey: l.dayKey,
      monthKey: l.monthKey,
      accountLeaseKey: l.accountHeld ? l.account.leaseKey : null,
      leaseId: l.id,
      tokens: p.tokens,
      dayTtl: l.dayTtl,
      monthTtl: l.monthTtl,
      retry,
      spend: p.spend,
      jti: l.jti,
    };
    if (!this.o.cluster) return scripts.run(FINISH, { ...input, outboxKey, event: p.event });
    // on Redis Cluster the outbox and the account slot are in other slots: commands of their own,
    // sent in the same pipeline
    const calls: Promise<unknown>[] = [scripts.run(FINISH_NO_OUTBOX, { ...input, accountLeaseKey: null }), redis.rpush(outboxKey, p.event)];
    if (l.accountHeld) calls.push(scripts.run(ACCOUNT_RELEASE, { key: l.account.leaseKey, leaseId: l.id }));
    return Promise.all(calls);
  }

  private keep(p: Pending): void {
    if (this.buffer.length >= this.o.bufferMax) {
      this.o.metrics.eventsDropped.inc();
      this.o.log.error({ request_id: p.lease.id }, 'usage event dropped: the in-memory buffer is full and Redis is unreachable');
      return;
    }
    this.buffer.push(p);
    this.o.metrics.eventsPending.set(this.buffer.length);
  }

  private async retryBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      const p = this.buffer[0]!;
      try {
        await this.send(p, true);
      } catch {
        return;
      }
      this.buffer.shift();
      this.o.metrics.eventsPending.set(this.buffer.length);
    }
  }

  /**
   * Every tick moves batches until the outbox is below one batch (at most MAX_BATCHES_PER_TICK):
   * one batch per tick would cap a worker at batch_size / flush_interval events a second, and
   * under load the outbox would grow without bound.
   */
  private async moveBacklog(): Promise<void> {
    for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) if ((await this.move()) < this.o.batchSize) return;
  }

  /** Move one batch from the outbox to BullMQ. At-least-once: the recorder ignores duplicates. */
  private async move(outboxKey = this.o.outboxKey): Promise<number> {
    if (this.moving) return 0;
    this.moving = true;
    try {
      const { redis, queue, batchSize } = this.o;
      const items = await redis.lrange(outboxKey, 0, batchSize - 1);
      if (items.length === 0) return 0;
      // the events travel as the JSON text the finish script stored: the recorder parses them once
      await withDeadline(queue.add('usage', { events: items }, USAGE_JOB_OPTIONS), QUEUE_CALL_DEADLINE_MS);
      await redis.ltrim(outboxKey, items.length, -1);
      return items.length;
    } catch (e) {
      this.o.log.debug({ err: (e as Error).message }, 'usage outbox move failed; will retry');
      return 0;
    } finally {
      this.moving = false;
    }
  }

  /** On shutdown: retry what is buffered and move the whole outbox, within a deadline. */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    if (this.moverTimer) clearInterval(this.moverTimer);
    if (this.retryTimer) clearInterval(this.retryTimer);
    if (this.orphanTimer) clearInterval(this.orphanTimer);
    while (Date.now() < until) {
      await this.retryBuffered();
      while (this.moving) await sleep(10);
      const moved = await this.move();
      if (moved === 0 && this.buffer.length === 0) {
        if ((await this.o.redis.llen(this.o.outboxKey).catch(() => 1)) === 0) return;
      }
      if (moved === 0) await sleep(100);
    }
    if (this.buffer.length > 0) this.o.log.error({ events: this.buffer.length }, 'usage events still buffered at exit (Redis unreachable)');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error('queue call timed out')), ms);
    }),
  ]);
}
