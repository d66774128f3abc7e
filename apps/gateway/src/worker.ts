// An HTTP worker: builds its dependencies once (pool, Redis, queue, keys, metrics), serves the
// route table on the shared port, and drains on shutdown.
import { Queue } from 'bullmq';
import { instanceId, workerCount, type Config } from '@dsp/config';
import { PeriodClock, USAGE_QUEUE, keys, loadVerifyKeys } from '@dsp/core';
import { loadNativeUws } from './uws.js';
import { createLogger } from './log.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics/worker-metrics.js';
import { serveMetricsToPrimary } from './metrics/cluster-metrics.js';
import { createUpstreamPool, type UpstreamPool } from './upstream/pool.js';
import { connectRedis, whenReady } from './redis.js';
import { ScriptClient, type HotScripts } from './redis/script-client.js';
import { TokenCache } from './pipeline/token-cache.js';
import { WarnLimiter } from './warn-limiter.js';
import { LeaseKeeper } from './pipeline/lease-keeper.js';
import { UsageSink } from './usage/usage-sink.js';
import { RefusalTally } from './usage/refusal-tally.js';
import { createApp } from './server.js';
import type { Deps, WorkerState } from './deps.js';
import { Pricer } from './usage/pricer.js';
import { queueConnection } from './usage/queue.js';
import { startPoolLog } from './upstream/pool-log.js';
import { WorkerAccounts, RELOAD_MESSAGE } from './accounts/worker-accounts.js';
import { createAccountMetrics } from './accounts/account-metrics.js';
import { createTracing } from './tracing/tracing.js';

const TOKEN_CACHE_SIZE = 10_000;
const REDIS_READY_WAIT_MS = 5000;

export async function runHttpWorker(config: Config, slot: number): Promise<void> {
  const uws = loadNativeUws();
  const instance = instanceId(config);
  const log = createLogger(config.log.level, { role: 'worker', slot, pid: process.pid }, config.log.pretty);
  const state: WorkerState = { draining: false, active: 0, redisReady: false, upstreamReachable: true };

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
  // single-node Redis over TCP: the lean script client runs the scripts; TLS and Cluster: ioredis
  const ownScriptClient = !cluster && new URL(config.redis.url).protocol === 'redis:';
  // ready when both connections are: ioredis (outbox, revocations) and the script client
  const up = { client: false, scripts: !ownScriptClient };
  const onRedisState = (which: keyof typeof up) => (ready: boolean) => {
    up[which] = ready;
    const both = up.client && up.scripts;
    if (both !== state.redisReady) log.info({ ready: both }, both ? 'redis ready' : 'redis connection lost');
    state.redisReady = both;
  };
  const redis = connectRedis(config.redis.url, config.limits.redis_timeout_ms, onRedisState('client'), cluster);
  const scriptClient = ownScriptClient
    ? new ScriptClient({ url: config.redis.url, timeoutMs: config.limits.redis_timeout_ms, onState: onRedisState('scripts') })
    : null;
  const scripts: HotScripts = scriptClient ?? redis;
  const queue = new Queue(USAGE_QUEUE, { connection: queueConnection(config.redis.url, cluster), prefix: keys.queuePrefix(config.redis.key_prefix, cluster) });
  queue.on('error', (e) => log.debug({ err: e.message }, 'usage queue error'));
  const leaseMs = Math.round(config.limits.lock_lease_seconds * 1000);
  const leases = new LeaseKeeper(scripts, leaseMs);
  const usage = new UsageSink({
    redis,
    scripts,
    queue,
    outboxKey: keys.outbox(config.redis.key_prefix, instance, slot),
    orphanKeys: slot === 0 ? orphanOutboxes(config, instance) : [],
    cluster,
    batchSize: config.usage.batch_size,
    flushIntervalMs: config.usage.flush_interval_ms,
    bufferMax: config.usage.buffer_max_events,
    log,
    metrics,
  });

  const refusals = new RefusalTally(queue, metrics.refusalsDropped);

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

  // take traffic once Redis answers (bounded: with Redis down the worker still starts and answers
  // per on_redis_error); else a fresh worker refuses, or with "allow" admits blind, for a moment
  await whenReady(() => state.redisReady, REDIS_READY_WAIT_MS);
  refusals.start();
  usage.start(); // after Redis answers: its first look at orphaned outboxes must not fail for nothing
  const app = createApp(uws, deps);
  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(config.server.host, config.server.port, (s) =>
      s ? resolve(s) : reject(new Error(`cannot listen on ${config.server.host}:${config.server.port}`)),
    );
  });
  log.info({ port: config.server.port }, 'worker listening');
  process.send?.({ type: 'dsp:listening', slot });

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    state.draining = true;
    log.info({ reason, active: state.active }, 'worker draining');
    uws.us_listen_socket_close(listenSocket as never);
    const graceMs = config.server.shutdown_grace_seconds * 1000;
    const until = Date.now() + graceMs;
    while (state.active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    if (state.active > 0) log.warn({ active: state.active }, 'grace period over: closing remaining requests');
    leases.stop();
    stopPoolLog();
    await usage.drain(Math.max(1000, until - Date.now()));
    await refusals.stop();
    await Promise.allSettled([queue.close(), accounts.close(), upstream.close(), deps.tracing.shutdown()]);
    redis.disconnect();
    scriptClient?.disconnect();
    (app as unknown as { close?: () => void }).close?.();
    log.info('worker stopped');
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'dsp:shutdown') void shutdown('primary asked');
    if (m?.type === RELOAD_MESSAGE) accounts.reload();
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Outbox keys of slots beyond this host's worker count (up to a bound), for slot 0 to drain. */
const MAX_SLOTS_CHECKED = 64;
function orphanOutboxes(config: Config, instance: string): string[] {
  const out: string[] = [];
  for (let s = workerCount(config); s < MAX_SLOTS_CHECKED; s++) out.push(keys.outbox(config.redis.key_prefix, instance, s));
  return out;
}

/** GET /models once a second at most: a successful connect marks the upstream reachable again. */
function upstreamProber(upstream: UpstreamPool, config: Config): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 1000) return;
    last = now;
    upstream.pool
      .request({ path: `${upstream.basePath}/models`, method: 'GET', headers: upstreamHeaders(config), headersTimeout: 5000, bodyTimeout: 5000 })
      .then((r) => r.body.dump())
      .catch(() => {});
  };
}

function upstreamHeaders(config: Config): string[] {
  const h = ['content-type', 'application/json'];
  if (config.deepseek.api_key) h.push('authorization', `Bearer ${config.deepseek.api_key}`);
  return h;
}
