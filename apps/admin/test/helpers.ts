// Test helpers of the admin console: a built admin server (scripts/start.mjs, as `pnpm start`
// runs it) on its own port, configured with a TOML file that shares the database, Redis prefix
// and key files with a gateway; the first operator account made through the service layer.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, createServices, type Pool, type Services } from '@dsp/db';
import { Redis } from 'ioredis';
import { cleanPrefix, freePort, makeKeys, randomPrefix, toToml, waitFor } from '../../gateway/test/harness.js';
import { createTempDatabase } from '@dsp/db/testing';

export const ADMIN_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const REPO = resolve(ADMIN_DIR, '../..');
export const ARTIFACTS = join(REPO, 'test-artifacts/admin');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface AdminServer {
  url: string;
  port: number;
  configFile: string;
  proc: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

export interface AdminConfig {
  databaseUrl: string;
  prefix: string;
  publicKeyFile: string;
  privateKeyFile: string;
  metricsUrls: string[];
  dir: string;
  /** TOML text to start from (e.g. the gateway's own file); [admin] is appended */
  baseToml?: string;
  sessionTtlHours?: number;
  /** more [admin] keys (e.g. trusted_proxies) */
  adminExtra?: Record<string, unknown>;
  /** more sections (e.g. [tracing]) */
  sections?: Record<string, Record<string, unknown>>;
}

export function assertBuilt(): void {
  if (!existsSync(join(ADMIN_DIR, '.next/BUILD_ID'))) throw new Error('the admin console is not built: run `pnpm turbo run build --filter @dsp/admin` first');
}

export async function startAdmin(c: AdminConfig): Promise<AdminServer> {
  assertBuilt();
  // a test may pick the port itself (e.g. to register the console's URL at an OpenID provider first)
  const port = typeof c.adminExtra?.port === 'number' ? c.adminExtra.port : await freePort();
  const admin = { host: '127.0.0.1', port, gateway_metrics_urls: c.metricsUrls, session_ttl_hours: c.sessionTtlHours ?? 12, ...c.adminExtra };
  const toml =
    c.baseToml !== undefined
      ? c.baseToml + '\n' + toToml({ admin })
      : toToml({
          auth: { algorithms: ['ES256'], public_key_file: c.publicKeyFile, private_key_file: c.privateKeyFile },
          redis: { url: 'redis://127.0.0.1:6379', key_prefix: c.prefix },
          database: { url: c.databaseUrl },
          ...c.sections,
          admin,
        });
  const configFile = join(c.dir, `admin-${port}.toml`);
  writeFileSync(configFile, toml);
  const logs: string[] = [];
  const proc = spawn(process.execPath, [join(ADMIN_DIR, 'scripts/start.mjs'), '--config', configFile], {
    cwd: c.dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (b: Buffer) => logs.push(...b.toString('utf8').split('\n').filter(Boolean));
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`admin exited ${proc.exitCode}:\n${logs.join('\n')}`);
      const r = await fetch(`${url}/login`).catch(() => null);
      return r?.status === 200;
    },
    30_000,
    () => logs.join('\n'),
  );
  return {
    url,
    port,
    configFile,
    proc,
    logs,
    async stop() {
      if (proc.exitCode !== null) return;
      await new Promise<void>((res) => {
        proc.once('exit', () => res());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}

export interface Backend {
  pool: Pool;
  redis: Redis;
  services: Services;
  close(): Promise<void>;
}

/** The service layer on the test database (to create the first operator, as `dsp admin create` does). */
export function backend(databaseUrl: string, prefix: string, timezone = 'UTC'): Backend {
  const pool = createPool({ url: databaseUrl }, { max: 2 });
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const services = createServices({
    pool,
    redis,
    config: { redis: { key_prefix: prefix }, quota: { timezone, default_daily_requests: 0, default_daily_tokens: 0, default_monthly_tokens: 0 } },
    actor: 'test',
  });
  return {
    pool,
    redis,
    services,
    async close() {
      await pool.end();
      redis.disconnect();
    },
  };
}

/** A cookie jar of one: the session cookie from a Set-Cookie header. */
export function sessionFrom(res: Response): string {
  const sc = res.headers.getSetCookie().find((c) => c.startsWith('dsp_admin_session='));
  if (!sc) throw new Error(`no session cookie (status ${res.status})`);
  return sc.split(';')[0]!;
}

export async function login(adminUrl: string, username: string, password: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${adminUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: adminUrl, ...extra },
    body: JSON.stringify({ username, password }),
  });
}

/**
 * A sign-in over a connection from another loopback address (`127.0.0.2`, …), with node:http:
 * the console sees that address as the TCP peer.
 */
export function loginFrom(
  localAddress: string,
  adminUrl: string,
  username: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; retryAfter: string | null; body: string }> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${adminUrl}/api/auth/login`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', origin: adminUrl, 'content-length': Buffer.byteLength(body), ...extra } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
            body: Buffer.concat(parts).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A built console on its own database and Redis prefix, no gateway behind it. */
export interface ConsoleOnly {
  admin: AdminServer;
  be: Backend;
  prefix: string;
  stop(): Promise<void>;
}

/**
 * Start a console with `seed` run against its backend first (operators, users, API keys);
 * `adminExtra` adds [admin] keys. `stop` ends the console and drops its database and keys.
 */
export async function startConsoleOnly(
  seed: (be: Backend) => Promise<void>,
  adminExtra?: Record<string, unknown>,
  sections?: Record<string, Record<string, unknown>>,
): Promise<ConsoleOnly> {
  const db = await createTempDatabase();
  const keys = await makeKeys();
  const prefix = randomPrefix();
  const be = backend(db.url, prefix);
  let admin: AdminServer | undefined;
  const stop = async () => {
    await admin?.stop();
    await cleanPrefix(be.redis, prefix).catch(() => {});
    await be.close();
    await db.drop();
  };
  try {
    await seed(be);
    admin = await startAdmin({
      databaseUrl: db.url,
      prefix,
      publicKeyFile: keys.publicKeyFile,
      privateKeyFile: keys.privateKeyFile,
      metricsUrls: ['http://127.0.0.1:9/metrics'],
      dir: keys.dir,
      adminExtra,
      sections,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { admin, be, prefix, stop };
}
