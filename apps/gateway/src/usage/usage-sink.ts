// The durability point of usage. finish() releases the lease and the account slot, charges the
// counters and appends the usage event to this worker's outbox in Redis — all before the client gets its last byte — so a
// worker killed right after a response cannot lose the record. The primary's outbox mover
// (outbox-mover.ts) hands outbox batches to BullMQ. When Redis is unreachable the work waits in a
// bounded buffer and is retried; what does not fit is counted.
import { setTimeout as sleep } from 'node:timers/promises';
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
  outboxKey: string;
  /** Redis Cluster: the outbox cannot be written inside the finish script */
  cluster: boolean;
  bufferMax: number;
  log: Logger;
  metrics: WorkerMetrics;
}

export class UsageSink {
  private readonly buffer: Pending[] = [];
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: UsageSinkOptions) {}

  start(): void {
    this.retryTimer = setInterval(() => void this.retryBuffered(), 1000);
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

  /** On shutdown: retry what is buffered within a deadline (the primary moves the outbox after). */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    if (this.retryTimer) clearInterval(this.retryTimer);
    for (;;) {
      await this.retryBuffered();
      if (this.buffer.length === 0) return;
      if (Date.now() >= until) break;
      await sleep(100);
    }
    this.o.log.error({ events: this.buffer.length }, 'usage events still buffered at exit (Redis unreachable)');
  }
}
