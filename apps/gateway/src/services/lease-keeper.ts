// Keeps the leases of this worker's requests alive: a stream keeps its slots (the token's, and the
// upstream account's when it has a cap) while a dead worker's slots expire by themselves.
//
// Each lease is renewed once it is a third of the lease time old, so the renewals follow the
// requests' own start times instead of coming all at once: with thousands of streams, one burst
// every third of the lease time stalled the event loop and kept Redis busy for every other
// worker's admissions. The due leases of a tick go in batches (RENEW_MANY: one call per
// RENEW_BATCH leases); on Redis Cluster, where a batch's keys would span hash slots, one call each.
import { RENEW, RENEW_MANY, type ScriptRunner } from '@dsp/core';
import type { Lease } from '../pipeline/types.js';

/** leases per RENEW_MANY call: large enough to amortise a call, small enough not to hold Redis long */
export const RENEW_BATCH = 256;

export interface LeaseKeeperOptions {
  /** one RENEW_MANY call per batch (single Redis); false: one RENEW call per lease (Redis Cluster) */
  batch: boolean;
  now?: () => number;
}

export class LeaseKeeper {
  /** live leases → when last taken or renewed; a renewed lease moves to the end, so the oldest come first */
  private readonly live = new Map<Lease, number>();
  private timer: NodeJS.Timeout | null = null;
  /** a lease is renewed once it is this old */
  private readonly every: number;
  private readonly now: () => number;

  constructor(
    private readonly scripts: ScriptRunner,
    private readonly leaseMs: number,
    private readonly opts: LeaseKeeperOptions,
  ) {
    this.every = Math.max(100, Math.floor(leaseMs / 3));
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    // ticks at a tenth of the renewal age (at most a second apart): a lease is renewed within
    // 1.1 × a third of the lease time, well before it expires
    this.timer = setInterval(() => void this.renewDue(), Math.min(1000, Math.max(10, Math.floor(this.every / 10))));
    this.timer.unref();
  }

  hold(lease: Lease): void {
    if (lease.held) this.live.set(lease, this.now());
  }

  drop(lease: Lease): void {
    this.live.delete(lease);
  }

  /** Renews every lease that is due; resolves when Redis answered (the tests and the benchmark wait on it). */
  async renewDue(): Promise<void> {
    const now = this.now();
    const due: Lease[] = [];
    for (const [lease, at] of this.live) {
      if (now - at < this.every) break; // the rest are younger
      due.push(lease);
    }
    if (due.length === 0) return;
    for (const lease of due) {
      this.live.delete(lease);
      this.live.set(lease, now);
    }
    const { leaseMs } = this;
    // made in one turn of the event loop: sent in one write
    const calls: Promise<unknown>[] = [];
    if (!this.opts.batch) {
      for (const l of due) {
        calls.push(this.scripts.run(RENEW, { key: l.key, leaseId: l.id, leaseMs }));
        if (l.accountHeld) calls.push(this.scripts.run(RENEW, { key: l.account.leaseKey, leaseId: l.id, leaseMs }));
      }
    } else {
      // a batch: the token zsets, then the account slots (the upstream account's slot lives as
      // long as the token's)
      for (let i = 0; i < due.length;) {
        const tokenKeys: string[] = [];
        const tokenIds: string[] = [];
        const accountKeys: string[] = [];
        const accountIds: string[] = [];
        for (; i < due.length && tokenKeys.length + accountKeys.length < RENEW_BATCH; i++) {
          const l = due[i]!;
          tokenKeys.push(l.key);
          tokenIds.push(l.id);
          if (l.accountHeld) {
            accountKeys.push(l.account.leaseKey);
            accountIds.push(l.id);
          }
        }
        const input = { keys: tokenKeys.concat(accountKeys), tokenKeys: tokenKeys.length, leaseIds: tokenIds.concat(accountIds), leaseMs };
        calls.push(this.scripts.run(RENEW_MANY, input));
      }
    }
    await Promise.allSettled(calls);
  }

  /** leases held now (tests) */
  get size(): number {
    return this.live.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
