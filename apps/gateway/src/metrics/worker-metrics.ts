// The worker's metrics of the table in docs/ARCHITECTURE.md "Metrics", created once per worker. The
// cluster primary sums them over all workers (prom-client's AggregatorRegistry over IPC). No user or
// token id is ever a label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** From sub-millisecond gateway overhead to minutes-long streams. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const CONNECT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RATIO_BUCKETS = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1];

export interface PoolStatsSource {
  stats(): { active: number; idle: number; total: number };
}

export function createWorkerMetrics(pool: PoolStatsSource, worker: string) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, labels: { worker } });
  const r = [registry];
  const m = {
    registry,
    poolActive: new Gauge({
      name: 'dsp_pool_active_connections',
      help: 'Upstream connections with a request in flight',
      registers: r,
      collect() {
        this.set(pool.stats().active);
      },
    }),
    poolIdle: new Gauge({
      name: 'dsp_pool_idle_connections',
      help: 'Upstream connections open and idle (kept alive for reuse)',
      registers: r,
      collect() {
        this.set(pool.stats().idle);
      },
    }),
    poolTotal: new Gauge({
      name: 'dsp_pool_total_connections',
      help: 'Upstream connections open',
      registers: r,
      collect() {
        this.set(pool.stats().total);
      },
    }),
    upstreamRequests: new Counter({ name: 'dsp_upstream_requests_total', help: 'Requests sent to the upstream', registers: r }),
    connectionsOpened: new Counter({ name: 'dsp_upstream_connections_opened_total', help: 'New upstream connections opened', registers: r }),
    requestDuration: new Histogram({
      name: 'dsp_request_duration_seconds',
      help: 'Gateway request duration, from request start to the last byte',
      labelNames: ['route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: r,
    }),
    connectDuration: new Histogram({
      name: 'dsp_upstream_connect_duration_seconds',
      help: 'Time to open a new upstream connection (reused connections are not observed)',
      buckets: CONNECT_BUCKETS,
      registers: r,
    }),
    firstByteDuration: new Histogram({
      name: 'dsp_upstream_first_byte_duration_seconds',
      help: 'Time from dispatch to the upstream response headers',
      buckets: DURATION_BUCKETS,
      registers: r,
    }),
    inFlight: new Gauge({ name: 'dsp_token_concurrent_requests', help: 'Admitted requests in flight (holding a token slot)', registers: r }),
    blocked: new Counter({
      name: 'dsp_requests_blocked_total',
      help: 'Requests refused at admission: 429 (concurrency, quota) or 402 (budget)',
      labelNames: ['reason'],
      registers: r,
    }),
    quotaUsage: new Histogram({
      name: 'dsp_quota_usage_ratio',
      help: 'Highest used/limit of the user quotas at admission',
      buckets: RATIO_BUCKETS,
      registers: r,
    }),
    requests: new Counter({ name: 'dsp_requests_total', help: 'Requests answered', labelNames: ['route', 'status'], registers: r }),
    usageTokens: new Counter({ name: 'dsp_usage_tokens_total', help: 'Tokens reported by the upstream', labelNames: ['kind'], registers: r }),
    eventsPending: new Gauge({ name: 'dsp_usage_events_pending', help: 'Usage events waiting in memory for Redis', registers: r }),
    eventsDropped: new Counter({ name: 'dsp_usage_events_dropped_total', help: 'Usage events dropped (buffer full)', registers: r }),
    spend: new Counter({
      name: 'dsp_spend_total',
      help: 'What finished requests cost, in currency units ([pricing]; the exact figures are in the ledger)',
      labelNames: ['model', 'currency'] as const,
      registers: r,
    }),
    unpriced: new Counter({
      name: 'dsp_unpriced_requests_total',
      help: 'Finished requests whose model has no [pricing] entry (they cost nothing)',
      labelNames: ['model'] as const,
      registers: r,
    }),
  };
  // The ratio is derived from the two counters summed over the cluster, by the primary.
  m.blocked.inc({ reason: 'concurrency' }, 0);
  m.blocked.inc({ reason: 'quota' }, 0);
  m.blocked.inc({ reason: 'budget' }, 0);
  // labelled children resolved once: prom-client hashes the label object on every call otherwise
  const tokens = {
    prompt: m.usageTokens.labels('prompt'),
    completion: m.usageTokens.labels('completion'),
    cacheHit: m.usageTokens.labels('cache_hit'),
    reasoning: m.usageTokens.labels('reasoning'),
  };
  for (const t of Object.values(tokens)) t.inc(0);
  const byRouteStatus = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  return {
    ...m,
    tokens,
    /** One answered request, counted and timed under the same labels (so their _count agree). */
    observeRequest(route: string, status: number | string, seconds: number): void {
      const key = `${route} ${status}`;
      let c = byRouteStatus.get(key);
      if (!c) {
        const labels = { route, status: String(status) };
        c = { count: m.requests.labels(labels), time: m.requestDuration.labels(labels) };
        byRouteStatus.set(key, c);
      }
      c.count.inc();
      c.time.observe(seconds);
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
