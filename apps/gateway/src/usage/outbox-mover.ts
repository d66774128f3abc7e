// The primary's outbox mover (primary-usage.ts starts it): it hands the usage events the workers'
// finish scripts appended to their outboxes to the usage queue, in batches. It is not in the
// workers: a batch's job is a string of a few hundred kB, allocated in V8's large-object space,
// which only a full GC frees; in a worker it kept about 30 MB of the heap under load
// (docs/PERFORMANCE.md, optimisation log). The outbox of every slot of this host is moved, so a
// worker that died or was replaced loses nothing, and outboxes of slots the host no longer runs (it
// restarted with fewer workers) are drained too.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { USAGE_JOB_OPTIONS } from './job-options.js';

export interface OutboxMoverOptions {
  /** LRANGE, LTRIM, LLEN */
  redis: Pick<Redis, 'lrange' | 'ltrim' | 'llen'>;
  queue: Pick<Queue, 'add'>;
  /** outboxes of the slots this host runs: moved every tick */
  outboxKeys: readonly string[];
  /** outboxes of slots beyond them: looked at at start and every ORPHAN_CHECK_MS */
  orphanKeys: readonly string[];
  batchSize: number;
  flushIntervalMs: number;
  log: Logger;
  /** after each batch handed to the queue */
  onMoved?(events: number): void;
  /** after each tick: events left in the live outboxes (-1: Redis unreachable) */
  onBacklog?(events: number): void;
}

const QUEUE_CALL_DEADLINE_MS = 5000;
const ORPHAN_CHECK_MS = 30_000;
const MAX_BATCHES_PER_TICK = 50;

export class OutboxMover {
  private tickTimer: NodeJS.Timeout | null = null;
  private orphanTimer: NodeJS.Timeout | null = null;
  /** the pass under way: a tick or the orphan check; another one due meanwhile is skipped */
  private pass: Promise<unknown> | null = null;

  constructor(private readonly o: OutboxMoverOptions) {}

  start(): void {
    this.tickTimer = setInterval(() => this.once(() => this.tick()), this.o.flushIntervalMs);
    if (this.o.orphanKeys.length > 0) {
      const adopt = () => this.once(() => this.adoptOrphans());
      adopt();
      this.orphanTimer = setInterval(adopt, ORPHAN_CHECK_MS);
    }
  }

  /** One pass at a time, so no outbox is moved twice at once. */
  private once(pass: () => Promise<unknown>): void {
    if (this.pass) return;
    this.pass = pass().finally(() => (this.pass = null));
  }

  private async tick(): Promise<void> {
    await this.moveAll(this.o.outboxKeys);
    this.o.onBacklog?.(await this.left(this.o.outboxKeys));
  }

  /**
   * Each outbox is moved until it holds less than one batch (at most MAX_BATCHES_PER_TICK): one
   * batch per tick would cap a slot at batch_size / flush_interval events a second, and under load
   * the outbox would grow without bound. Returns how many events were moved.
   */
  private async moveAll(keys: readonly string[]): Promise<number> {
    let moved = 0;
    for (const key of keys) {
      for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
        const n = await this.move(key);
        moved += n;
        if (n < this.o.batchSize) break;
      }
    }
    return moved;
  }

  /** Outboxes of vanished slots: one LLEN each, moved only when not empty. */
  private async adoptOrphans(): Promise<void> {
    for (const key of this.o.orphanKeys) {
      const left = await this.o.redis.llen(key).catch(() => 0);
      if (left === 0) continue;
      this.o.log.warn({ outbox: key, events: left }, 'draining the usage outbox of a worker slot this host no longer runs');
      while ((await this.move(key)) > 0);
    }
  }

  /** One batch from an outbox to BullMQ. At-least-once: the recorder ignores duplicates. */
  private async move(key: string): Promise<number> {
    try {
      const { redis, queue, batchSize } = this.o;
      const items = await redis.lrange(key, 0, batchSize - 1);
      if (items.length === 0) return 0;
      // the events travel as the JSON text the finish script stored: the recorder parses them once
      await withDeadline(queue.add('usage', { events: items }, USAGE_JOB_OPTIONS), QUEUE_CALL_DEADLINE_MS);
      await redis.ltrim(key, items.length, -1);
      this.o.onMoved?.(items.length);
      return items.length;
    } catch (e) {
      this.o.log.debug({ err: (e as Error).message }, 'usage outbox move failed; will retry');
      return 0;
    }
  }

  /**
   * On shutdown, after the workers exited (nothing appends any more): move every outbox, orphans
   * included, until all are empty or the deadline passes. Returns the events left behind (-1: unknown,
   * Redis unreachable); they stay in Redis for the next start.
   */
  async drain(deadlineMs: number): Promise<number> {
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.orphanTimer) clearInterval(this.orphanTimer);
    await this.pass;
    const until = Date.now() + deadlineMs;
    const all = [...this.o.outboxKeys, ...this.o.orphanKeys];
    for (;;) {
      const left = await this.left(all);
      if (left === 0 || Date.now() >= until) return left;
      if ((await this.moveAll(all)) === 0) await sleep(100);
    }
  }

  private async left(keys: readonly string[]): Promise<number> {
    try {
      let n = 0;
      for (const key of keys) n += await this.o.redis.llen(key);
      return n;
    } catch {
      return -1;
    }
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error('queue call timed out')), ms);
    }),
  ]);
}
