// Shared pieces of the fault suite: private Redis / Redis Cluster / Postgres instances (the shared
// 6379 and 5432 are never stopped), a steady light load from several tokens, SSE reading, ledger
// queries. Everything listens and connects on 127.0.0.1 only.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Client } from 'undici';
import { migrate } from '@dsp/db';
import { freePort, waitFor, type Gateway } from '../../apps/gateway/test/harness.js';
import { isRedisUp, startPrivateRedis as startServerOnly, type PrivateRedis as ServerOnly } from '../../apps/gateway/test/private-redis.js';

export { freePort, waitFor };
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const UPSTREAM_KEY = 'sk-upstream-secret-key';

/** A measured value for docs/RELIABILITY.md: printed as one greppable line. */
export function report(what: string, value: number | string, unit = 'ms'): void {
  console.log(`[measured] ${what}: ${typeof value === 'number' ? Math.round(value) : value} ${unit}`);
}

// ---- private Redis ----------------------------------------------------------------------------

export interface PrivateRedis extends ServerOnly {
  /** a client of the test's own (lease inspection) */
  client: Redis;
}

/** The shared private redis-server helper, plus a client that rides out the outage. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const server = await startServerOnly();
  const client = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on('error', () => {});
  return {
    ...server,
    client,
    async destroy() {
      client.disconnect();
      await server.destroy();
    },
  };
}

// ---- private Redis Cluster (3 masters) ---------------------------------------------------------

export interface PrivateCluster {
  ports: number[];
  seedUrl: string;
  destroy(): void;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-faults-cluster-'));
  const ports: number[] = [];
  // cluster bus ports are port + 10000: pick ports whose bus port is free too
  while (ports.length < 3) {
    const p = await freePort();
    if (p > 55_000 || ports.includes(p)) continue;
    ports.push(p);
  }
  for (const p of ports) {
    execFileSync('redis-server', [
      '--port',
      String(p),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${p}.conf`),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'yes',
      '--pidfile',
      join(dir, `redis-${p}.pid`),
      '--logfile',
      join(dir, `redis-${p}.log`),
    ]);
  }
  for (const p of ports) await waitFor(() => isRedisUp(p), 10_000);
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe' });
  await waitFor(
    () => ports.every((p) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout)),
    15_000,
  );
  return {
    ports,
    seedUrl: `redis://127.0.0.1:${ports[0]}`,
    destroy() {
      for (const p of ports) spawnSync('redis-cli', ['-p', String(p), 'shutdown', 'nosave']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- private Postgres ---------------------------------------------------------------------------

export interface PrivatePostgres {
  port: number;
  /** URL of the migrated database `dsp_faults` */
  url: string;
  stop(): void;
  start(): Promise<void>;
  destroy(): void;
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  throw new Error(`no ${name} under ${root}`);
}

/** Runs a Postgres binary as the `postgres` user when we are root (initdb refuses root). */
function asPg(bin: string, args: string[]): void {
  const cmd = [bin, ...args];
  const r =
    process.getuid?.() === 0
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd.map(shq).join(' ')], { encoding: 'utf8' })
      : spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${r.stdout}\n${r.stderr}`);
}
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dsp-faults-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  asPg(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = async () => {
    asPg(pgBin('pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'pg.log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`,
      'start',
    ]);
  };
  await start();
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE dsp_faults');
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:${port}/dsp_faults`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await migrate(pool);
  await pool.end();
  return {
    port,
    url,
    stop: () => asPg(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    start,
    destroy() {
      try {
        asPg(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- the ledger -------------------------------------------------------------------------------

export async function ledgerIds(databaseUrl: string, ids: readonly string[]): Promise<Set<string>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ request_id: string }>('SELECT request_id FROM usage_ledger WHERE request_id = ANY($1)', [ids]);
    return new Set(r.rows.map((x) => x.request_id));
  } finally {
    await c.end();
  }
}

/** Waits until every id is in the ledger; returns how long that took. */
export async function waitForLedger(databaseUrl: string, ids: readonly string[], timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  let missing: string[] = [...ids];
  await waitFor(
    async () => {
      const have = await ledgerIds(databaseUrl, missing).catch(() => new Set<string>());
      missing = missing.filter((id) => !have.has(id));
      return missing.length === 0;
    },
    timeoutMs,
    () => `${missing.length} of ${ids.length} request ids not in the ledger: ${missing.slice(0, 5).join(', ')}`,
  );
  return performance.now() - t0;
}

// ---- Redis inspection -----------------------------------------------------------------------------

export async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    out.push(...found);
  } while (cursor !== '0');
  return out;
}

/**
 * Every lease under the prefix: member, expiry (ms, Redis clock) and Redis's own now, read after
 * the leases (so `expiresAt - now` never exceeds the lease time for a lease taken meanwhile).
 */
export async function leases(redis: Redis, prefix: string): Promise<{ key: string; member: string; expiresAt: number; now: number }[]> {
  const found: { key: string; member: string; expiresAt: number }[] = [];
  for (const key of await scanKeys(redis, `${prefix}*:lease:*`)) {
    const z = await redis.zrange(key, 0, -1, 'WITHSCORES');
    for (let i = 0; i < z.length; i += 2) found.push({ key, member: z[i]!, expiresAt: Number(z[i + 1]) });
  }
  const [s, us] = (await redis.time()) as [string, string];
  const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
  return found.map((l) => ({ ...l, now }));
}

// ---- requests -------------------------------------------------------------------------------------

export const chat = (o: Record<string, unknown> = {}) => JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello' }], ...o });

export interface Result {
  token: number;
  startedAt: number;
  endedAt: number;
  status: number;
  /** x-request-id of the answer (the gateway's request id: the ledger key) */
  rid: string | null;
  /** a stream answer ended with data: [DONE]; a JSON answer parsed */
  complete: boolean;
  error: string | null;
  body: string;
}

/** One request over a given undici Client (so its connection, and so its worker, is known). */
export async function requestOver(client: Client, token: string, body: string, tokenIndex = 0, headers: Record<string, string> = {}): Promise<Result> {
  const startedAt = performance.now();
  try {
    const r = await client.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body,
    });
    const text = await r.body.text();
    const rid = typeof r.headers['x-request-id'] === 'string' ? r.headers['x-request-id'] : null;
    const sse = String(r.headers['content-type'] ?? '').startsWith('text/event-stream');
    const complete = r.statusCode === 200 && (sse ? text.endsWith('data: [DONE]\n\n') && !text.includes('"error"') : isJson(text));
    return { token: tokenIndex, startedAt, endedAt: performance.now(), status: r.statusCode, rid, complete, error: null, body: text };
  } catch (e) {
    return {
      token: tokenIndex,
      startedAt,
      endedAt: performance.now(),
      status: 0,
      rid: null,
      complete: false,
      error: (e as { code?: string }).code ?? (e as Error).message,
      body: '',
    };
  }
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

export interface Load {
  results: Result[];
  /** stops the loops and waits for the requests in flight */
  stop(): Promise<Result[]>;
  clients: Client[];
}

/**
 * A steady light load: one loop per token, each on its own keep-alive connection (undici Client,
 * one request at a time), pausing `gapMs` between requests. A connection that failed is replaced.
 */
export function steadyLoad(gw: { url: string }, tokens: string[], body: (i: number, n: number) => string, gapMs = 20): Load {
  const results: Result[] = [];
  let running = true;
  const clients: Client[] = [];
  const loops = tokens.map(async (token, i) => {
    let client = new Client(gw.url, { pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
    clients[i] = client;
    for (let n = 0; running; n++) {
      const r = await requestOver(client, token, body(i, n), i);
      results.push(r);
      if (r.error) {
        await client.destroy().catch(() => {});
        client = new Client(gw.url, { pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
        clients[i] = client;
      }
      await sleep(r.status === 429 ? 50 : gapMs);
    }
    await client.close().catch(() => {});
  });
  return {
    results,
    clients,
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

/** Mint `n` tokens of `n` users (`<base>-<i>`), concurrency 1 each. */
export async function mintTokens(gw: Gateway, base: string, n: number): Promise<{ subs: string[]; tokens: string[]; jtis: string[] }> {
  const subs: string[] = [];
  const tokens: string[] = [];
  const jtis: string[] = [];
  for (let i = 0; i < n; i++) {
    const sub = `${base}-${i}`;
    const m = await gw.signer.mint({ sub, jti: `${base}-t${i}` });
    subs.push(sub);
    tokens.push(m.token);
    jtis.push(m.jti);
  }
  return { subs, tokens, jtis };
}

/** The pid of the worker that logged the request line of `rid` (the harness logs at debug). */
export function pidOfRequest(gw: Gateway, rid: string): number | null {
  for (let i = gw.logs.length - 1; i >= 0; i--) {
    const l = gw.logs[i]!;
    if (!l.includes(rid) || !l.includes('"msg":"request"')) continue;
    try {
      return (JSON.parse(l) as { pid: number }).pid;
    } catch {
      return null;
    }
  }
  return null;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
