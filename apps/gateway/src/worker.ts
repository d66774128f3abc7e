// An HTTP worker's life: build its services, wait (bounded) for Redis, serve the route table on
// the shared port, and drain on shutdown.
import type { Config } from '@dsp/config';
import { createLogger } from './log.js';
import { whenReady } from './redis.js';
import { startServer } from './http/server.js';
import type { WorkerState } from './deps.js';
import { RELOAD_MESSAGE } from './roles.js';
import { buildWorkerServices } from './worker-services.js';

const REDIS_READY_WAIT_MS = 5000;

export async function runHttpWorker(config: Config, slot: number): Promise<void> {
  const log = createLogger(config.log.level, { role: 'worker', slot, pid: process.pid }, config.log.pretty);
  const state: WorkerState = { draining: false, active: 0, redisReady: false, upstreamReachable: true };
  const services = await buildWorkerServices(config, slot, log, state);
  const { deps } = services;

  // take traffic once Redis answers (bounded: with Redis down the worker still starts and answers
  // per on_redis_error); else a fresh worker refuses, or with "allow" admits blind, for a moment
  await whenReady(() => state.redisReady, REDIS_READY_WAIT_MS);
  services.start();
  const server = await startServer(deps);
  log.info({ port: config.server.port }, 'worker listening');
  process.send?.({ type: 'dsp:listening', slot });

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    state.draining = true;
    log.info({ reason, active: state.active }, 'worker draining');
    server.stopListening();
    const until = Date.now() + config.server.shutdown_grace_seconds * 1000;
    while (state.active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    if (state.active > 0) log.warn({ active: state.active }, 'grace period over: closing remaining requests');
    await services.stop(until);
    server.close();
    log.info('worker stopped');
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'dsp:shutdown') void shutdown('primary asked');
    if (m?.type === RELOAD_MESSAGE) deps.accounts.reload();
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
