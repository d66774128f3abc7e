// Test harness: a real gateway cluster (child process) with its own config, key pair, Redis key
// prefix and (optionally) database, in front of a real mock DeepSeek. Traffic stays on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createSigner, type MintOptions, type Signer } from '@dsp/core';
import { startMockDeepSeek, type MockDeepSeek, type MockOptions } from '@dsp/mock-deepseek';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { createPool, createServices, type Pool, type Services } from '@dsp/db';
// the same stack helpers the load tests and the benchmark use
import { authSettings, freePort, makeKeys as makeKeyFiles, merge, toToml } from '../../../load-tests/lib/stack.mjs';

export { authSettings, freePort, toToml };

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const GATEWAY_MAIN = join(REPO, 'apps/gateway/dist/main.js');

/**
 * An address nothing listens on, for an upstream that refuses connections. Port 1 is privileged and
 * unused here; a port freed by freePort() is not safe: a test running beside this one can listen on it
 * before the request (a mock answering 401 turned a "502 refused" into a 401 in CI).
 */
export const REFUSED_URL = 'http://127.0.0.1:1';

export interface Keys {
  dir: string;
  publicKeyFile: string;
  privateKeyFile: string;
}

/** A fresh ES256 key pair in a new temp dir (the gateway's config and scratch files go there too). */
export async function makeKeys(): Promise<Keys> {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-test-'));
  return { dir, ...(await makeKeyFiles(dir)) };
}

export const randomPrefix = () => `dsp-test-${randomBytes(4).toString('hex')}:`;

export interface GatewayOptions {
  workers?: number;
  /** extra config sections merged over the defaults below */
  config?: Record<string, Record<string, unknown>>;
  /** share one Redis prefix / keys / mock between two gateways */
  prefix?: string;
  keys?: Keys;
  mock?: MockDeepSeek;
  mockOptions?: MockOptions;
  /** use this database (shared between gateways); default: a fresh temp database, dropped on stop */
  databaseUrl?: string;
  /** run the usage recorder (default true) */
  recorder?: boolean;
  /** upstream base URL instead of the mock (fault tests) */
  baseUrl?: string;
  env?: Record<string, string>;
}

export interface Gateway {
  url: string;
  port: number;
  metricsUrl: string;
  prefix: string;
  keys: Keys;
  mock: MockDeepSeek;
  signer: Signer;
  configFile: string;
  databaseUrl: string;
  proc: ChildProcess;
  logs: string[];
  mint(o: MintOptions): Promise<string>;
  redis: Redis;
  /** pids of the HTTP workers, from the primary's log */
  workerPids(): Promise<number[]>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options for another gateway host beside `gw`: the same Redis prefix, signing keys, mock upstream and database. */
export function besides(gw: Gateway): Pick<GatewayOptions, 'prefix' | 'keys' | 'mock' | 'databaseUrl'> {
  return { prefix: gw.prefix, keys: gw.keys, mock: gw.mock, databaseUrl: gw.databaseUrl };
}

export async function startGateway(o: GatewayOptions = {}): Promise<Gateway> {
  const keys = o.keys ?? (await makeKeys());
  const mock = o.mock ?? (await startMockDeepSeek({ ...o.mockOptions }));
  const prefix = o.prefix ?? randomPrefix();
  const tempDb: TempDatabase | null = o.databaseUrl ? null : await createTempDatabase();
  const databaseUrl = o.databaseUrl ?? tempDb!.url;
  const port = await freePort();
  const metricsPort = await freePort();
  const sections: Record<string, Record<string, unknown>> = {
    server: { host: '127.0.0.1', port, workers: o.workers ?? 2, shutdown_grace_seconds: 10, instance_id: `test-${port}` },
    deepseek: { base_url: o.baseUrl ?? mock.url, api_key: 'sk-upstream-secret-key' },
    // tests mint tokens for users they never create in Postgres; hardening.test.ts checks the default (reject)
    auth: { algorithms: ['ES256'], public_key_file: keys.publicKeyFile, private_key_file: keys.privateKeyFile, unknown_users: 'allow' },
    redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
    database: { url: databaseUrl },
    metrics: { host: '127.0.0.1', port: metricsPort, pool_log_interval_seconds: 0 },
    log: { level: 'debug' },
    usage: { recorder: o.recorder ?? true, flush_interval_ms: 50 },
  };
  for (const [s, t] of Object.entries(o.config ?? {})) sections[s] = merge(sections[s] ?? {}, t);
  const configFile = join(keys.dir, `gateway-${port}.toml`);
  writeFileSync(configFile, toToml(sections));
  const logs: string[] = [];
  const proc = spawn(process.execPath, [GATEWAY_MAIN, '--config', configFile], {
    cwd: keys.dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // a line may arrive split over two reads: keep the unterminated tail of each stream
  const collector = () => {
    let carry = '';
    return (b: Buffer) => {
      const parts = (carry + b.toString('utf8')).split('\n');
      carry = parts.pop()!;
      logs.push(...parts.filter(Boolean));
    };
  };
  proc.stdout!.on('data', collector());
  proc.stderr!.on('data', collector());
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`gateway exited ${proc.exitCode}:\n${logs.join('\n')}`);
      const r = await fetch(`${url}/readyz`).catch(() => null);
      if (!r || r.status !== 200) return false;
      return (await workerPidsOf(logs)).length >= (o.workers ?? 2);
    },
    // generous: on a CI host shared by many jobs, starting the workers alone has taken over 20 s
    60_000,
    () => logs.join('\n'),
  ).catch(async (e: unknown) => {
    // a gateway that did not come up in time must not outlive the test (it would keep its workers)
    proc.kill('SIGKILL');
    if (!o.mock) await mock.close();
    await tempDb?.drop();
    throw e;
  });
  const signer = await createSigner(authSettings(keys));
  const redis = new Redis('redis://127.0.0.1:6379');
  return {
    url,
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    prefix,
    keys,
    mock,
    signer,
    configFile,
    databaseUrl,
    proc,
    logs,
    redis,
    mint: async (m) => (await signer.mint(m)).token,
    workerPids: () => workerPidsOf(logs),
    async stop(signal = 'SIGTERM') {
      const code = await new Promise<number | null>((res) => {
        if (proc.exitCode !== null) return res(proc.exitCode);
        proc.once('exit', (c) => res(c));
        proc.kill(signal);
      });
      if (!o.mock) await mock.close();
      await cleanPrefix(redis, prefix);
      redis.disconnect();
      await tempDb?.drop();
      return code;
    },
  };
}

async function workerPidsOf(logs: string[]): Promise<number[]> {
  const pids = new Set<number>();
  const dead = new Set<number>();
  for (const l of logs) {
    if (!l.startsWith('{')) continue;
    try {
      const j = JSON.parse(l) as { msg?: string; pid?: number; role?: string };
      if (j.role === 'worker' && j.msg === 'worker listening' && j.pid) pids.add(j.pid);
      if (j.role === 'worker' && j.msg === 'worker stopped' && j.pid) dead.add(j.pid);
    } catch {
      /* not a log line */
    }
  }
  return [...pids].filter((p) => !dead.has(p) && alive(p));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function cleanPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

export async function waitFor(fn: () => Promise<boolean> | boolean, timeoutMs: number, describe?: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms${describe ? `\n${describe().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const chatBody = (o: Record<string, unknown> = {}) => JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello' }], ...o });

/** The service layer (what `dsp` uses) on a started gateway's Postgres and Redis, budgets in UTC and CNY. */
export function budgetServices(gw: Gateway, actor = 'test'): { pool: Pool; svc: Services } {
  const pool = createPool({ url: gw.databaseUrl });
  const svc = createServices({
    pool,
    redis: gw.redis,
    signer: gw.signer,
    config: {
      redis: { key_prefix: gw.prefix },
      quota: { timezone: 'UTC', default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0, budget_currency: 'CNY' },
    },
    actor,
  });
  return { pool, svc };
}
