// The one upstream connection pool of a worker, built once at start from [deepseek.http_client].
// Connect time is measured in our own connector, so only new connections are observed.
import type { Pool as PoolType } from 'undici';
import { buildConnector, errors } from './undici-core.js';
import { createIndexedPool } from './indexed-pool.js';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Config } from '@dsp/config';
import { ConnectTimes } from './connect-time.js';

export interface PoolEvents {
  connectionOpened(seconds: number): void;
  /** a connection attempt failed (readiness: the upstream is unreachable from here) */
  connectionFailed(err: Error): void;
}

export interface UpstreamPool {
  pool: PoolType;
  origin: string;
  /** path prefix of base_url, e.g. "" or "/v1" */
  basePath: string;
  /** per-request connect times, only when the per-request debug line is logged */
  connectTimes: ConnectTimes | null;
  stats(): { active: number; idle: number; total: number };
  close(): Promise<void>;
}

export function createUpstreamPool(config: Config, events: PoolEvents): UpstreamPool {
  const hc = config.deepseek.http_client;
  const url = new URL(config.deepseek.base_url);
  const connectTimeout = Math.round(hc.connect_timeout_seconds * 1000);
  const base = buildConnector({ timeout: connectTimeout, keepAlive: true, keepAliveInitialDelay: 30_000 });
  const idleMs = Math.round(hc.pool_idle_timeout_seconds * 1000);
  const connectTimes = config.log.level === 'debug' || config.log.level === 'trace' ? new ConnectTimes() : null;
  const pool = createIndexedPool(url.origin, {
    connections: hc.max_connections > 0 ? hc.max_connections : null,
    pipelining: 1,
    keepAliveTimeout: idleMs,
    keepAliveMaxTimeout: idleMs,
    headersTimeout: Math.round(hc.timeout_seconds * 1000),
    bodyTimeout: Math.round(hc.stream_timeout_seconds * 1000),
    allowH2: hc.http2_adaptive_window && url.protocol === 'https:',
    connect(opts, cb) {
      const started = performance.now();
      let timer: NodeJS.Timeout | null = null;
      let settled = false;
      const pending = base(opts, (err, socket) => {
        settled = true;
        if (timer) clearTimeout(timer);
        if (!err && socket) {
          if (hc.tcp_nodelay) socket.setNoDelay(true);
          const ms = performance.now() - started;
          events.connectionOpened(ms / 1000);
          connectTimes?.stamp(socket, ms);
        } else if (err) {
          events.connectionFailed(err);
        }
        // undici's connector callback types are a union of (err, null) and (null, socket)
        (cb as (e: Error | null, s: typeof socket) => void)(err, socket);
      });
      // undici's own connect timer ticks at ~0.5 s resolution; this one keeps connect_timeout_seconds exact.
      // It acts after this turn's I/O (setImmediate): when the worker's event loop stalled past the
      // deadline, a connection that completed meanwhile is taken, not destroyed
      const socket = pending as unknown as Socket | undefined;
      if (socket && !settled && connectTimeout > 0) {
        timer = setTimeout(
          () =>
            setImmediate(() => {
              if (!settled) socket.destroy(new errors.ConnectTimeoutError(`connecting to the upstream timed out after ${connectTimeout} ms`));
            }),
          connectTimeout,
        );
      }
    },
  });
  return {
    pool,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    connectTimes,
    stats() {
      const s = pool.stats;
      return { active: s.connected - s.free, idle: s.free, total: s.connected };
    },
    close: () => pool.close(),
  };
}
