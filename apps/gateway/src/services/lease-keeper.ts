// Renews the leases of every long request of this worker in one pipelined batch every third of
// the lease time, so a stream keeps its slot while a dead worker's slots expire by themselves.
import { RENEW, type ScriptRunner } from '@dsp/core';
import type { Lease } from '../pipeline/types.js';

export class LeaseKeeper {
  private readonly live = new Set<Lease>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly scripts: ScriptRunner,
    private readonly leaseMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  hold(lease: Lease): void {
    if (lease.held) this.live.add(lease);
  }

  drop(lease: Lease): void {
    this.live.delete(lease);
  }

  private async renewAll(): Promise<void> {
    if (this.live.size === 0) return;
    const { leaseMs } = this;
    // made in one turn of the event loop: sent in one write
    const calls: Promise<boolean>[] = [];
    for (const l of this.live) {
      calls.push(this.scripts.run(RENEW, { key: l.key, leaseId: l.id, leaseMs }));
      // the upstream account's slot lives as long as the token's
      if (l.accountHeld) calls.push(this.scripts.run(RENEW, { key: l.account.leaseKey, leaseId: l.id, leaseMs }));
    }
    await Promise.allSettled(calls);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
