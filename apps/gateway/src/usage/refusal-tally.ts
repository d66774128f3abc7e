// Refused requests (401, 403, 429, … answered before the upstream was called), counted in memory
// per user, token, reason and status; once a second a worker sends its counts to the primary (IPC),
// which adds them to the usage queue as one job (workers load no BullMQ, see outbox-mover.ts); the
// recorder adds them to Postgres's daily refusal counters. Unlike usage, refusals are not charged
// to anyone, so they take no Redis round trip on the request path and are not made durable: a
// worker that dies loses at most its last second of counts, and a Redis outage drops them (counted
// in dsp_refusals_dropped_total).
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { USAGE_JOB_OPTIONS } from './job-options.js';
import { REFUSALS_MESSAGE } from '../roles.js';

/** What the recorder receives: one entry per (user, token, reason, status) of the interval. */
export interface RefusalCount {
  /** epoch ms of the last refusal counted */
  at: number;
  userId: string;
  tokenId: string;
  reason: string;
  status: number;
  count: number;
}

/** Where a worker's counts of one interval go. */
export type SendRefusals = (refusals: RefusalCount[]) => Promise<void>;

/** Distinct (user, token, reason) entries kept per interval; more are folded into an anonymous one. */
const MAX_ENTRIES = 10_000;
const FLUSH_MS = 1000;

export class RefusalTally {
  private counts = new Map<string, RefusalCount>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: SendRefusals,
    private readonly flushMs = FLUSH_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  add(userId: string, tokenId: string, reason: string, status: number, at = Date.now()): void {
    let key = `${userId}\n${tokenId}\n${reason}`;
    let entry = this.counts.get(key);
    if (!entry && this.counts.size >= MAX_ENTRIES) {
      // a flood of distinct forged tokens must not grow this map: count them without a name
      userId = tokenId = '';
      key = `\n\n${reason}`;
      entry = this.counts.get(key);
    }
    if (entry) {
      entry.count++;
      entry.at = at;
      entry.status = status;
    } else this.counts.set(key, { at, userId, tokenId, reason, status, count: 1 });
  }

  /** Sends the interval's counts on; returns how many entries went. */
  async flush(): Promise<number> {
    if (this.counts.size === 0) return 0;
    const refusals = [...this.counts.values()];
    this.counts = new Map();
    await this.send(refusals);
    return refusals.length;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

/** A worker's end: the counts go to the primary over the cluster's IPC channel. */
export const refusalsToPrimary: SendRefusals = (refusals) =>
  new Promise((resolve) => {
    // without a channel (the primary is gone) the counts are lost, as with a dead worker's
    if (!process.send?.({ type: REFUSALS_MESSAGE, refusals }, undefined, undefined, () => resolve())) resolve();
  });

/** The primary's end: each worker's counts of an interval become one usage-queue job; what the queue refuses is counted. */
export function refusalsToQueue(queue: { add(name: string, data: unknown, opts: object): Promise<unknown> }, dropped: Pick<Counter, 'inc'>): SendRefusals {
  return async (refusals) => {
    try {
      // the batch id makes the recorder add this job's counts once, even if BullMQ runs it twice
      await queue.add('refusals', { batch: randomUUID(), refusals }, USAGE_JOB_OPTIONS);
    } catch {
      dropped.inc(refusals.reduce((n, r) => n + r.count, 0));
    }
  };
}
