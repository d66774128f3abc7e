// A throwaway stack for the load tests and the benchmark: the mock upstream (its CLI), a gateway
// cluster (its dist/main.js) with its own config, key pair, Redis key prefix and temp database.
// Everything is spawned as a child process and torn down by stop().
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateKeyPairPem } from '@dsp/core';
import { openRedis } from './resp.mjs';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const GATEWAY_MAIN = join(REPO, 'apps/gateway/dist/main.js');
export const MOCK_CLI = join(REPO, 'packages/mock-deepseek/dist/cli.js');
const DB_TESTING = join(REPO, 'packages/db/dist/testing.js');
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Fail early, with the command that fixes it, when a build output is missing. */
export function requireBuilt() {
  const missing = [GATEWAY_MAIN, MOCK_CLI, DB_TESTING].filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`not built: ${missing.map((f) => f.slice(REPO.length + 1)).join(', ')} (run \`pnpm build\` first)`);
}

/** Keep the last lines of a child's output (for error messages and pid discovery). */
function tail(proc, max = 2000) {
  const lines = [];
  let partial = '';
  const take = (b) => {
    const parts = (partial + b.toString('utf8')).split('\n');
    partial = parts.pop();
    for (const l of parts) {
      if (!l) continue;
      lines.push(l);
      if (lines.length > max) lines.splice(0, lines.length - max);
    }
  };
  proc.stdout?.on('data', take);
  proc.stderr?.on('data', take);
  return lines;
}

/** The mock DeepSeek upstream (CLI: record off). */
export async function startMock(args = [], o = {}) {
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), MOCK_CLI, '--host', '127.0.0.1', '--port', String(o.port ?? 0), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = tail(proc);
  let url = null;
  await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`mock-deepseek exited ${proc.exitCode}: ${lines.join('\n')}`);
      const l = lines.find((x) => x.includes('listening on http://'));
      if (l) url = /http:\/\/[^\s]+/.exec(l)[0];
      return url !== null;
    },
    10_000,
    'mock-deepseek to listen',
  );
  return { url, port: Number(new URL(url).port), proc, pid: proc.pid, lines, stop: () => stopChild(proc, 5000) };
}

export async function stopChild(proc, graceMs = 15_000, signal = 'SIGTERM') {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  return new Promise((res) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', (code) => {
      clearTimeout(t);
      res(code);
    });
    proc.kill(signal);
  });
}

export async function makeKeys(dir) {
  const { publicKey, privateKey } = await generateKeyPairPem('ES256');
  const publicKeyFile = join(dir, 'jwt.pub.pem');
  const privateKeyFile = join(dir, 'jwt.key.pem');
  writeFileSync(publicKeyFile, publicKey);
  writeFileSync(privateKeyFile, privateKey, { mode: 0o600 });
  return { publicKeyFile, privateKeyFile };
}

/** TOML from nested sections ({ deepseek: { http_client: {...} } } becomes [deepseek.http_client]). */
export function toToml(sections) {
  const lines = [];
  const isTable = (v) => v && typeof v === 'object' && !Array.isArray(v);
  const emit = (name, table, header = `[${name}]`) => {
    const nested = [];
    const lists = [];
    lines.push(header);
    for (const [k, v] of Object.entries(table)) {
      if (isTable(v)) nested.push([`${name}.${k}`, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every(isTable)) lists.push([`${name}.${k}`, v]);
      else lines.push(`${k} = ${JSON.stringify(v)}`);
    }
    for (const [n, t] of nested) emit(n, t);
    // arrays of tables ([[deepseek.accounts]]) after the table's own keys and sub-tables
    for (const [n, items] of lists) for (const item of items) emit(n, item, `[[${n}]]`);
  };
  for (const [name, table] of Object.entries(sections)) emit(name, table);
  return lines.join('\n') + '\n';
}

/** `b` deep-merged over `a` (tables merge, anything else replaces). */
export function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof a[k] === 'object' ? merge(a[k], v) : v;
  }
  return out;
}

/** A fresh, migrated database (what `dsp migrate` runs), from @dsp/db's build output. */
export async function createDatabase() {
  const { createTempDatabase } = await import(pathToFileURL(DB_TESTING).href);
  return createTempDatabase();
}

/**
 * A gateway cluster. `config` sections are merged over the defaults; `nodeArgs` go to the gateway's
 * node only (e.g. --cpu-prof, which NODE_OPTIONS refuses); cluster workers inherit them (execArgv).
 */
export async function startGateway(o) {
  const port = o.port ?? (await freePort());
  const metricsPort = await freePort();
  const sections = merge(
    {
      server: { host: '127.0.0.1', port, workers: o.workers ?? 2, shutdown_grace_seconds: 5, instance_id: `load-${port}` },
      deepseek: { base_url: o.upstreamUrl, api_key: 'sk-load-test-upstream' },
      // load tests and benches mint tokens for users they never create in Postgres
      auth: { algorithms: ['ES256'], public_key_file: o.keys.publicKeyFile, private_key_file: o.keys.privateKeyFile, unknown_users: 'allow' },
      redis: { url: REDIS_URL, key_prefix: o.prefix },
      database: { url: o.databaseUrl },
      metrics: { host: '127.0.0.1', port: metricsPort, pool_log_interval_seconds: 0 },
      log: { level: 'info' },
      usage: { recorder: o.recorder ?? true },
    },
    o.config,
  );
  const configFile = join(o.dir, `gateway-${port}.toml`);
  writeFileSync(configFile, toToml(sections));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...o.env };
  const argv = [process.execPath, ...(o.nodeArgs ?? []), o.main ?? GATEWAY_MAIN, '--config', configFile];
  // `nofile`: raise the open-files limit in a shell that then execs node (same pid), as far as
  // the hard limit allows
  const proc = o.nofile
    ? spawn('/bin/sh', ['-c', `ulimit -n ${Number(o.nofile)} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`, 'sh', ...argv], {
        cwd: o.dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(argv[0], argv.slice(1), { cwd: o.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = tail(proc);
  const url = `http://127.0.0.1:${port}`;
  const gw = {
    url,
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    configFile,
    proc,
    pid: proc.pid,
    lines,
    config: sections,
    /** { http: [pids], recorder: [pids] } from the primary's children and their DSPW_ROLE */
    members: () => clusterMembers(proc.pid),
    stop: () => stopChild(proc, 20_000),
  };
  const want = sections.server.workers || 1;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`gateway exited ${proc.exitCode}:\n${lines.slice(-40).join('\n')}`);
      const r = await fetch(`${url}/readyz`).catch(() => null);
      if (!r || r.status !== 200) return false;
      return gw.members().http.length >= want;
    },
    30_000,
    `the gateway on ${url}`,
  );
  return gw;
}

/** The `[auth]` settings a token signer needs for `makeKeys` keys (what the gateway verifies). */
export function authSettings(keys) {
  return {
    issuer: 'deepseek-proxy',
    audience: 'deepseek-proxy',
    algorithms: ['ES256'],
    public_key_file: keys.publicKeyFile,
    private_key_file: keys.privateKeyFile,
    secret: '',
    key_id: '',
    previous_public_key_files: [],
  };
}

/**
 * The whole stack: keys, mock (unless `upstreamUrl`), temp database, gateway. stop() also deletes
 * the Redis prefix and drops the database.
 */
export async function startStack(o = {}) {
  requireBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'dsp-load-'));
  const keys = await makeKeys(dir);
  const prefix = `dsp-load-${randomBytes(4).toString('hex')}:`;
  const mock = o.upstreamUrl ? null : await startMock(o.mockArgs ?? []);
  let db = null;
  let gateway = null;
  try {
    db = await createDatabase();
    gateway = await startGateway({ ...o, dir, keys, prefix, databaseUrl: db.url, upstreamUrl: o.upstreamUrl ?? mock.url });
  } catch (e) {
    await mock?.stop();
    await db?.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    keys,
    prefix,
    mock,
    db,
    gateway,
    auth: authSettings(keys),
    async stop() {
      await gateway.stop();
      await mock?.stop();
      const redis = await openRedis(REDIS_URL).catch(() => null);
      if (redis) {
        await redis.deletePrefix(prefix).catch(() => {});
        redis.close();
      }
      await db.drop().catch((e) => console.error(`could not drop ${db.name}: ${e.message}`));
      if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- /proc readers (Linux) ----

export const CLK_TCK = 100;

export function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function clusterMembers(primary) {
  const out = { primary, http: [], recorder: [] };
  for (const pid of childrenOf(primary)) {
    let role;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      role = env.find((e) => e.startsWith('DSPW_ROLE='))?.slice(10) ?? 'http';
    } catch {
      continue; // gone already
    }
    (role === 'recorder' ? out.recorder : out.http).push(pid);
  }
  return out;
}

/** A `<field>: <n> kB` line of a /proc/<pid> file, in bytes (0 when the process is gone). */
function procKb(pid, file, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes (VmRSS). */
export const rssBytes = (pid) => procKb(pid, 'status', 'VmRSS');

/** Private (anonymous) resident memory in bytes (RssAnon: the heap, not the mapped binary). */
export const rssAnonBytes = (pid) => procKb(pid, 'status', 'RssAnon');

/**
 * Proportional set size in bytes (smaps_rollup Pss): pages shared with other processes (the node
 * binary, libraries) divided among them, so a sum over processes counts each page once.
 */
export const pssBytes = (pid) => procKb(pid, 'smaps_rollup', 'Pss');

/** Read and write system calls so far (/proc/<pid>/io syscr, syscw; writev counts as a write). */
export function syscalls(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { reads: Number(/syscr:\s+(\d+)/.exec(t)[1]), writes: Number(/syscw:\s+(\d+)/.exec(t)[1]) };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

/** CPU seconds used so far (utime + stime). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Every descendant pid of `pid` (e.g. nginx's workers). */
export function descendants(pid) {
  const out = [];
  for (const c of childrenOf(pid)) out.push(c, ...descendants(c));
  return out;
}

/** The soft open-files limit of a running process. */
export function openFilesLimit(pid) {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : 0;
  } catch {
    return 0;
  }
}

export function listProfiles(dir) {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Scrape a Prometheus text endpoint into { name{labels}: value }. */
export async function scrape(url) {
  const text = await fetch(url).then((r) => r.text());
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** CPU seconds of every redis-server on the machine (the shared one serves everything measured) */
export function redisServerCpu() {
  return execFileSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' })
    .split(/\s+/)
    .filter(Boolean)
    .reduce((sum, pid) => sum + cpuSeconds(Number(pid)), 0);
}

export const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
