// The seed's periodic pool status line: active, idle, reuse rate.
import type { Logger } from '../log.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { UpstreamPool } from './pool.js';

export function startPoolLog(pool: UpstreamPool, metrics: WorkerMetrics, log: Logger, intervalSeconds: number): () => void {
  if (intervalSeconds <= 0) return () => {};
  const timer = setInterval(async () => {
    const s = pool.stats();
    const requests = (await metrics.upstreamRequests.get()).values[0]?.value ?? 0;
    const opened = (await metrics.connectionsOpened.get()).values[0]?.value ?? 0;
    const reuse = requests > 0 ? 1 - opened / requests : 0;
    log.info(
      { active: s.active, idle: s.idle, total: s.total, requests, reuse_rate: Math.round(reuse * 1000) / 1000 },
      `pool status: active=${s.active} idle=${s.idle} reuse rate=${(reuse * 100).toFixed(1)}%`,
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
