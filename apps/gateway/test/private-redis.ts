// A redis-server of the test's own on a random port (fault and outage tests stop and restart it;
// the shared Redis on 6379 is never touched). No persistence unless a stop asks to save.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './harness.js';

const exec = promisify(execFile);

export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  start(): Promise<void>;
  /** SHUTDOWN NOSAVE (everything in it is gone), or SAVE to keep it as a persistent Redis would */
  stop(o?: { save?: boolean }): Promise<void>;
  /** stop (if running) and remove its directory */
  destroy(): Promise<void>;
}

export async function isRedisUp(port: number): Promise<boolean> {
  return exec('redis-cli', ['-p', String(port), 'ping']).then(
    (r) => r.stdout.trim() === 'PONG',
    () => false,
  );
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dsp-redis-'));
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes'];
    await exec('redis-server', [...args, '--dir', dir, '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log')]);
    await waitFor(() => isRedisUp(port), 10_000);
  };
  const stop = async (o: { save?: boolean } = {}) => {
    // redis-cli exits non-zero when the server closes the connection on shutdown
    await exec('redis-cli', ['-p', String(port), 'shutdown', o.save ? 'save' : 'nosave']).catch(() => {});
    await waitFor(async () => !(await isRedisUp(port)), 5000);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
