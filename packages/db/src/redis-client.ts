// The one way every process makes a Redis client: single node or Cluster (`redis.cluster`), from
// `redis.url`, with the retry policy of its role. The policies of all roles sit side by side below.
// A Cluster is typed as a single-node client: it speaks every command the callers use the same way
// (the few differences — SCAN per master, single-slot pipelines — are handled where they matter).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export interface RedisPolicy {
  /** delay before reconnect attempt `times` (ms), null to give up; absent: ioredis's default */
  retry?: (times: number) => number | null;
  /** options of each node's connection: timeouts, retries per command */
  node: RedisOptions;
  /** options of the client as a whole */
  client?: Pick<RedisOptions & ClusterOptions, 'enableOfflineQueue' | 'enableAutoPipelining' | 'lazyConnect'>;
}

/** The gateway's reconnect backoff on the request path (its own script client uses it too). */
export const hotPathRetry = (times: number): number => Math.min(50 * 2 ** times, 1000);

export const redisPolicies = {
  /**
   * A gateway worker's request path: no offline queue (a request never waits for a reconnect; it
   * gets 503 or is admitted per config), a deadline per command, auto-pipelining, fast reconnect.
   */
  hotPath: (timeoutMs: number): RedisPolicy => ({
    retry: hotPathRetry,
    node: { commandTimeout: timeoutMs, connectTimeout: Math.max(timeoutMs, 2000), maxRetriesPerRequest: 0 },
    client: { enableOfflineQueue: false, enableAutoPipelining: true, lazyConnect: false },
  }),
  /** The gateway primary's watchers (sync marker, accounts) and outbox mover: reconnect forever, a command retried once. */
  background: { retry: (times: number) => Math.min(100 * 2 ** times, 2000), node: { maxRetriesPerRequest: 1 } } satisfies RedisPolicy,
  /** BullMQ: commands wait for a reconnect (its blocking calls require maxRetriesPerRequest: null). */
  queue: { node: { maxRetriesPerRequest: null }, client: { enableOfflineQueue: true } } satisfies RedisPolicy,
  /**
   * Operator tools (CLI, `pnpm start`): connect lazily (commands that never touch Redis never
   * connect) and, failing fast, give up after a few reconnects instead of queueing a command forever.
   */
  tool: (failFast: boolean): RedisPolicy => ({
    ...(failFast ? { retry: (times: number) => (times > 2 ? null : 200 * times) } : {}),
    node: { connectTimeout: 3000, maxRetriesPerRequest: failFast ? 1 : 20 },
    client: { lazyConnect: true },
  }),
  /** Long-running services (the console): keep reconnecting, but fail each command within a few seconds. */
  server: {
    retry: (times: number) => Math.min(200 * times, 2000),
    node: { connectTimeout: 3000, commandTimeout: 3000, maxRetriesPerRequest: 1 },
    client: { lazyConnect: true },
  } satisfies RedisPolicy,
};

/** A client for `url` (a Cluster seeded from it when `cluster`), with `policy`. Errors surface through failed commands. */
export function redisClient(url: string, cluster: boolean, policy: RedisPolicy): Redis {
  const { retry, node, client } = policy;
  const r = cluster
    ? clusterFromUrl(url, { ...client, redisOptions: node, ...(retry ? { clusterRetryStrategy: retry } : {}) })
    : new Redis(url, { ...node, ...client, ...(retry ? { retryStrategy: retry } : {}) });
  r.on('error', () => {});
  // the one place a Cluster is typed as a single-node client (see the header)
  return r as Redis;
}

/** A Cluster from a seed URL; its credentials (and TLS for rediss:) apply to every node discovered. */
export function clusterFromUrl(url: string, options: ClusterOptions): Cluster {
  const u = new URL(url);
  const auth = {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], { ...options, redisOptions: { ...auth, ...options.redisOptions } });
}
