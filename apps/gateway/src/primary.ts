// The cluster primary: forks the HTTP workers (and the usage recorder), restarts any that dies with
// backoff, moves the workers' usage outboxes to the usage queue, serves the host's summed metrics,
// and drains everything on SIGTERM/SIGINT.
import cluster, { type Worker } from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { Gauge, Counter, Registry } from 'prom-client';
import { instanceId, workerCount, type Config } from '@dsp/config';
import { loadVerifyKeys } from '@dsp/core';
import { createLogger, type Logger } from './log.js';
import { loadNativeUws } from './http/uws.js';
import { clusterMetricObjects, scrapeCluster } from './metrics/cluster-metrics.js';
import { startHistoryWriter } from './metrics/history-writer.js';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import { watchSyncMarker } from './sync-marker.js';
import { startPrimaryAccounts } from './accounts/primary-accounts.js';
import { VERSION } from './version.js';
import { RELOAD_MESSAGE, REFUSALS_MESSAGE, ROLE_ENV, SLOT_ENV } from './roles.js';
import { startPrimaryUsage } from './usage/primary-usage.js';
import type { RefusalCount } from './usage/refusal-tally.js';

interface Member {
  role: 'http' | 'recorder';
  slot: number;
  worker: Worker;
  startedAt: number;
  crashes: number;
}

/**
 * Node flags of the usage recorder, before the primary's own (which win): a 1 MB young generation
 * and an old generation grown by 25 % over the live data. The recorder allocates fast under load
 * (JSON events, INSERT parameters) but is on no request's path, and V8's defaults, tuned for
 * throughput, let it sit at about 130 MB. Measured at 12,000–13,000 events/s: about 52 MB PSS
 * instead, for about 2 µs more CPU per event (about 9 instead of 7).
 */
const RECORDER_NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=25'];

/** After the workers exited: how long the outboxes may take to reach the usage queue (what is left is moved at the next start). */
const OUTBOX_DRAIN_MS = 5000;

/** a worker that lived this long is healthy again: its backoff resets */
const HEALTHY_AFTER_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

export async function runPrimary(config: Config): Promise<void> {
  const log = createLogger(config.log.level, { role: 'primary', pid: process.pid }, config.log.pretty);
  // refuse early, in one place, what every worker would refuse
  loadNativeUws();
  await loadVerifyKeys(config.auth);

  const own = new Registry();
  new Gauge({ name: 'dsp_build_info', help: 'Gateway build', labelNames: ['version', 'node'], registers: [own] }).set(
    { version: VERSION, node: process.version },
    1,
  );
  const restarts = new Counter({ name: 'dsp_worker_restarts_total', help: 'Workers restarted after dying', labelNames: ['role'], registers: [own] });

  const usage = startPrimaryUsage(config, own, log);
  cluster.on('message', (_worker, m: { type?: string; refusals?: RefusalCount[] }) => {
    if (m?.type === REFUSALS_MESSAGE && Array.isArray(m.refusals)) void usage.refusals(m.refusals);
  });

  const members = new Map<number, Member>(); // by worker id
  let stopping = false;
  const spawn = (role: Member['role'], slot: number, crashes = 0) => {
    cluster.setupPrimary({ execArgv: role === 'recorder' ? [...RECORDER_NODE_FLAGS, ...process.execArgv] : process.execArgv });
    const worker = cluster.fork({ [ROLE_ENV]: role, [SLOT_ENV]: String(slot) });
    members.set(worker.id, { role, slot, worker, startedAt: Date.now(), crashes });
  };

  cluster.on('exit', (worker, code, signal) => {
    const m = members.get(worker.id);
    members.delete(worker.id);
    if (!m || stopping) return;
    const crashes = Date.now() - m.startedAt > HEALTHY_AFTER_MS ? 0 : m.crashes + 1;
    const delay = crashes === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** crashes);
    log.error({ role: m.role, slot: m.slot, code, signal, restart_in_ms: delay }, 'worker died; restarting');
    restarts.inc({ role: m.role });
    setTimeout(() => !stopping && spawn(m.role, m.slot, crashes), delay);
  });

  // uWS listens with SO_REUSEPORT, so a second gateway on the same port would silently share it
  await assertPortFree(config.server.host, config.server.port);
  const n = workerCount(config);
  for (let slot = 0; slot < n; slot++) spawn('http', slot);
  if (config.usage.recorder) spawn('recorder', 0);

  const metricsServer = config.metrics.port > 0 ? await serveMetrics(config, own, log) : null;
  const stopMarker = watchSyncMarker(config, log);
  const accounts = startPrimaryAccounts({
    config,
    registry: own,
    log,
    broadcast() {
      for (const m of members.values()) if (m.role === 'http' && m.worker.isConnected()) m.worker.send({ type: RELOAD_MESSAGE });
    },
  });
  // the console's 24-hour dashboard: this host's last minute, added to Redis once a minute
  const stopHistory = startHistory(config, log);
  log.info(
    { workers: n, port: config.server.port, metrics_port: config.metrics.port, instance: instanceId(config) },
    `deepseek-proxy gateway listening on http://${config.server.host}:${config.server.port}`,
  );

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining workers');
    const graceMs = config.server.shutdown_grace_seconds * 1000;
    const exited = [...members.values()].map(
      (m) =>
        new Promise<void>((resolve) => {
          if (m.worker.isDead()) return resolve();
          m.worker.once('exit', () => resolve());
          try {
            m.worker.send({ type: 'dsp:shutdown' });
          } catch {
            resolve();
          }
        }),
    );
    const hardStop = setTimeout(() => {
      log.error('workers did not stop in time; killing them');
      for (const m of members.values()) m.worker.process.kill('SIGKILL');
    }, graceMs + 10_000);
    await Promise.all(exited);
    clearTimeout(hardStop);
    await usage.stop(OUTBOX_DRAIN_MS);
    await stopMarker();
    stopHistory();
    accounts.stop();
    metricsServer?.close();
    log.info('gateway stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function startHistory(config: Config, log: Logger): () => void {
  if (config.metrics.history_interval_seconds <= 0) return () => {};
  const redis = redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);
  const stop = startHistoryWriter({
    redis,
    prefix: config.redis.key_prefix,
    log,
    scrape: clusterMetricObjects,
    intervalMs: config.metrics.history_interval_seconds * 1000,
  });
  return () => {
    stop();
    redis.disconnect();
  };
}

function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (another gateway running?)` : `cannot listen on ${host}:${port}: ${e.message}`,
        ),
      ),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** `Authorization: Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = createHash('sha256').update(m[1]!).digest();
  return timingSafeEqual(given, createHash('sha256').update(token).digest());
}

async function serveMetrics(config: Config, own: Registry, log: Logger): Promise<Server> {
  const token = config.metrics.bearer_token;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('unauthorized\n');
      return;
    }
    scrapeCluster(own).then(
      (text) => res.writeHead(200, { 'content-type': own.contentType }).end(text),
      (e: Error) => {
        log.error({ err: e.message }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metrics.port, config.metrics.host, () => resolve());
  });
  return server;
}
