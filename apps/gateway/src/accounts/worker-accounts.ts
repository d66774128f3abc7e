// A worker's current AccountSet and the pools behind it. On reload (SIGHUP or the console, relayed
// by the primary) the worker re-reads the configuration and swaps in a new set: a request in flight
// keeps the Account (and pool) it started with, so no stream is cut; a pool whose base URL no
// account uses any more is closed, which waits for its requests to finish.
import { loadConfig, type Config } from '@dsp/config';
import type { BreakerState } from '@dsp/core';
import type { Logger } from '../log.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { AccountSet } from './account-set.js';

export interface WorkerAccountsOptions {
  config: Config;
  log: Logger;
  /** the pool for a base URL (the worker's main pool for deepseek.base_url) */
  createPool(baseUrl: string): UpstreamPool;
  onBreaker(account: string, state: BreakerState, why: string): void;
  /** re-reads the configuration (default: as at start, from argv and the environment) */
  load?: () => Config;
}

export class WorkerAccounts {
  current: AccountSet;
  readonly pools = new Map<string, UpstreamPool>();

  constructor(private readonly o: WorkerAccountsOptions) {
    this.current = this.build(o.config);
  }

  private build(config: Config, previous?: AccountSet): AccountSet {
    return new AccountSet(
      config,
      {
        poolFor: (url) => {
          let p = this.pools.get(url);
          if (!p) {
            p = this.o.createPool(url);
            this.pools.set(url, p);
          }
          return p;
        },
        onBreaker: this.o.onBreaker,
      },
      previous,
    );
  }

  /** Re-reads the accounts; keeps the current set (and logs why) when the configuration is invalid. */
  reload(): boolean {
    let config: Config;
    try {
      config = (this.o.load ?? (() => loadConfig().config))();
    } catch (e) {
      this.o.log.error({ err: (e as Error).message }, 'accounts reload refused: the configuration is invalid; keeping the current accounts');
      return false;
    }
    const next = this.build(config, this.current);
    this.current = next;
    const used = next.baseUrls();
    for (const [url, pool] of this.pools) {
      if (used.has(url)) continue;
      this.pools.delete(url);
      // the worker's own pool (deepseek.base_url) also probes readiness: the worker closes it
      if (url !== config.deepseek.base_url) void pool.close().catch(() => {});
    }
    this.o.log.info({ accounts: next.list.map((a) => ({ name: a.name, key: a.masked, max_concurrency: a.config.maxConcurrency })) }, 'accounts reloaded');
    return true;
  }

  /** Summed stats of every pool (the dsp_pool_* gauges). */
  stats(): { active: number; idle: number; total: number } {
    const s = { active: 0, idle: 0, total: 0 };
    for (const p of this.pools.values()) {
      const x = p.stats();
      s.active += x.active;
      s.idle += x.idle;
      s.total += x.total;
    }
    return s;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
  }
}
