// An HTTP worker's services, built once at start: upstream pools and accounts, metrics, the two
// Redis connections, the usage sink, the lease keeper, token cache and tracing. `start` begins
// their background work, `stop` drains it on shutdown. No BullMQ here: the primary moves the
// outboxes to the usage queue (usage/outbox-mover.ts).
import { instanceId, type Config } from '@dsp/config';
import { PeriodClock, keys, loadVerifyKeys } from '@dsp/core';
import type { Logger } from './log.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics/worker-metrics.js';
import { serveMetricsToPrimary } from './metrics/cluster-metrics.js';
import { createUpstreamPool, type UpstreamPool } from './upstream/pool.js';
import { connectWorkerRedis } from './redis.js';
import { TokenCache } from './services/token-cache.js';
import { LeaseKeeper } from './services/lease-keeper.js';
import { WarnLimiter } from './warn-limiter.js';
import { UsageSink } from './usage/usage-sink.js';
import { RefusalTally, refusalsToPrimary } from './usage/refusal-tally.js';
import type { Deps, WorkerState } from './deps.js';
import { Pricer } from './usage/pricer.js';
import { startPoolLog } from './upstream/pool-log.js';
import { WorkerAccounts } from './accounts/worker-accounts.js';
import { createAccountMetrics } from './accounts/account-metrics.js';
import { createTracing } from './tracing/tracing.js';
import { request } from './upstream/undici-core.js';

const TOKEN_CACHE_SIZE = 10_000;

export interface WorkerServices {
  deps: Deps;
  /** background work that needs Redis answering: refusal tally, retries of buffered finishes */
  start(): void;
  /** after the last request: renewals stop, buffered finishes are retried within `until`, connections close */
  stop(until: number): Promise<void>;
}

export async function buildWorkerServices(config: Config, slot: number, log: Logger, state: WorkerState): Promise<WorkerServices> {
  const instance = instanceId(config);
  let metrics: WorkerMetrics | null = null;
  const poolEvents = {
    connectionOpened(seconds: number) {
      metrics?.connectionsOpened.inc();
      metrics?.connectDuration.observe(seconds);
      state.upstreamReachable = true;
    },
    connectionFailed(err: Error) {
      if (state.upstreamReachable) log.warn({ err: err.message }, 'upstream connection failed: not ready until a connection succeeds');
      state.upstreamReachable = false;
    },
  };
  const upstream = createUpstreamPool(config, poolEvents);
  // one pool per base URL the accounts use; deepseek.base_url's is the one above
  const accounts = new WorkerAccounts({
    config,
    log,
    createPool: (url) =>
      url === config.deepseek.base_url ? upstream : createUpstreamPool({ ...config, deepseek: { ...config.deepseek, base_url: url } }, poolEvents),
    onBreaker: (account, state, why) => log.warn({ account, state, why }, `circuit breaker of upstream account ${account}: ${state}`),
  });
  metrics = createWorkerMetrics(accounts, String(slot));
  const accountMetrics = createAccountMetrics(metrics.registry, () => accounts.current);
  serveMetricsToPrimary([metrics.registry]);

  const cluster = config.redis.cluster;
  const { redis, scripts, disconnect: disconnectRedis } = connectWorkerRedis(config, log, (ready) => (state.redisReady = ready));
  const leaseMs = Math.round(config.limits.lock_lease_seconds * 1000);
  const leases = new LeaseKeeper(scripts, leaseMs, { batch: !cluster });
  const usage = new UsageSink({
    redis,
    scripts,
    outboxKey: keys.outbox(config.redis.key_prefix, instance, slot),
    cluster,
    bufferMax: config.usage.buffer_max_events,
    log,
    metrics,
  });

  const refusals = new RefusalTally(refusalsToPrimary);

  const deps: Deps = {
    config,
    log,
    metrics,
    upstream,
    redis,
    scripts,
    verifyKeys: await loadVerifyKeys(config.auth),
    tokenCache: new TokenCache(TOKEN_CACHE_SIZE),
    refusalWarnings: new WarnLimiter(),
    refusals,
    clock: new PeriodClock(config.quota.timezone),
    leases,
    usage,
    pricer: new Pricer(config, metrics, log),
    accounts,
    accountMetrics,
    modelPolicy: {
      models: new Set(config.deepseek.models),
      aliases: new Map(Object.entries(config.models.aliases)),
      sendUserId: config.deepseek.send_user_id,
    },
    instance,
    state,
    tracing: await createTracing(config, log, instance),
    probeUpstream: upstreamProber(upstream, config),
  };
  leases.start();
  const stopPoolLog = startPoolLog(upstream, metrics, log, config.metrics.pool_log_interval_seconds);
  return {
    deps,
    start() {
      refusals.start();
      usage.start();
    },
    async stop(until) {
      leases.stop();
      stopPoolLog();
      await usage.drain(Math.max(1000, until - Date.now()));
      await refusals.stop();
      await Promise.allSettled([accounts.close(), upstream.close(), deps.tracing.shutdown()]);
      disconnectRedis();
    },
  };
}

/** GET /models once a second at most: a successful connect marks the upstream reachable again. */
function upstreamProber(upstream: UpstreamPool, config: Config): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 1000) return;
    last = now;
    request(upstream.pool, { path: `${upstream.basePath}/models`, method: 'GET', headers: upstreamHeaders(config), headersTimeout: 5000, bodyTimeout: 5000 })
      .then((r) => r.body.dump())
      .catch(() => {});
  };
}

function upstreamHeaders(config: Config): string[] {
  const h = ['content-type', 'application/json'];
  if (config.deepseek.api_key) h.push('authorization', `Bearer ${config.deepseek.api_key}`);
  return h;
}
