// Everything a worker builds once at start and every request shares.
import type { Config } from '@dsp/config';
import type { PeriodClock, ScriptRunner, VerifyKeys } from '@dsp/core';
import type { Logger } from './log.js';
import type { WorkerMetrics } from './metrics/worker-metrics.js';
import type { UpstreamPool } from './upstream/pool.js';
import type { GatewayRedis } from './redis.js';
import type { TokenCache } from './services/token-cache.js';
import type { LeaseKeeper } from './services/lease-keeper.js';
import type { UsageSink } from './usage/usage-sink.js';
import type { Pricer } from './usage/pricer.js';
import type { WorkerAccounts } from './accounts/worker-accounts.js';
import type { AccountMetrics } from './accounts/account-metrics.js';
import type { WarnLimiter } from './warn-limiter.js';
import type { RefusalTally } from './usage/refusal-tally.js';
import type { ModelPolicy } from './pipeline/types.js';
import type { Tracing } from './tracing/tracing.js';

export interface Deps {
  config: Config;
  log: Logger;
  metrics: WorkerMetrics;
  upstream: UpstreamPool;
  redis: GatewayRedis;
  /** admit / finish / renew: the script client on single-node Redis, ioredis on a Cluster */
  scripts: ScriptRunner;
  verifyKeys: VerifyKeys;
  tokenCache: TokenCache;
  /** 429 warn lines: at most one per token per second */
  refusalWarnings: WarnLimiter;
  /** requests refused before the upstream, counted for the console */
  refusals: RefusalTally;
  clock: PeriodClock;
  leases: LeaseKeeper;
  usage: UsageSink;
  /** prices finished requests ([pricing]) */
  pricer: Pricer;
  /** the upstream accounts (keys, pools, breakers); swapped on reload */
  accounts: WorkerAccounts;
  accountMetrics: AccountMetrics;
  /** the configured model list (for tokens without a models claim), aliases and the user-id switch */
  modelPolicy: ModelPolicy;
  instance: string;
  state: WorkerState;
  /** request spans ([tracing]); NO_TRACING when off */
  tracing: Tracing;
  /** try one upstream connection (at most once a second) so a failed upstream can become ready again */
  probeUpstream(): void;
}

export interface WorkerState {
  draining: boolean;
  /** requests between head and last byte (every route: a drain waits for them) */
  active: number;
  redisReady: boolean;
  /** false after a failed upstream connect, until one succeeds */
  upstreamReachable: boolean;
}
