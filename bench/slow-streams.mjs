#!/usr/bin/env node
// Concurrent slow streams (issue 21: "20,000 concurrent slow streams on one host (2 workers) with
// ≤ 1 GB total PSS and no error, time to open them reported"). Its own mock (node:cluster workers
// on one port), its own gateway (SLOW_WORKERS HTTP workers + primary + recorder), load generators
// in child processes over raw sockets; everything on 127.0.0.1. Every process holds one socket per
// stream on each side it serves, and a process cannot hold more sockets than its open-files hard
// limit, so the sides are split into processes of at most 10,000 streams each; a gateway worker
// holds two sockets per stream (client + upstream).
// `pnpm bench` runs it as a section; alone: `node bench/slow-streams.mjs` (prints the section;
// BENCH_OUT=docs/PERFORMANCE.md replaces the section there). Env: BENCH_SLOW_STREAMS (20000),
// BENCH_SLOW_WORKERS (2), BENCH_SLOW_HOLD_SECONDS (10), BENCH_SLOW_RATE (new streams per second, 2500),
// BENCH_SLOW_PENDING (most streams sent and not answered yet, 256), BENCH_SLOW_CHUNK_MS (the mock's
// gap between chunks, 5000: at 1000, 20,000 streams are 20,000 chunks/s, a throughput test of its
// own on a 2-core host that also runs the mock and the load generators).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REDIS_URL,
  REPO,
  authSettings,
  clusterMembers,
  cpuSeconds,
  createDatabase,
  freePort,
  makeKeys,
  openFilesLimit,
  pssBytes,
  redisServerCpu,
  requireBuilt,
  rssBytes,
  scrape,
  sleep,
  startGateway,
  stopChild,
  waitFor,
} from '../load-tests/lib/stack.mjs';
import { openRedis } from '../load-tests/lib/resp.mjs';
import { mintTokens } from '../load-tests/mint-tokens.mjs';

const MB = 1024 * 1024;
/** issue 21's bound on the gateway processes' total PSS (1 GB = 1,024 MB here, as every MB on this page is 2^20 bytes) */
export const SLOW_PSS_BOUND = 1024 * MB;
export const SLOW_TARGET = { streams: 20_000, workers: 2 };
/** streams one mock worker or one load-generator process takes (fewer when its limit is lower) */
const PER_PROCESS = 10_000;
/** a token's `dsp.concurrency` claim: tokens = streams / 10 */
const PER_TOKEN = 10;
/** the kernel spreads connections over the workers' SO_REUSEPORT sockets by a hash, a few % unevenly */
const SPREAD = 1.05;
/** fds a gateway worker holds besides the streams (Redis, listen sockets, IPC, files) */
const WORKER_BASE_FDS = 300;

const fmt = (x, d = 0) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const mb = (b) => fmt(b / MB, 1);
const log = (...a) => console.error(...a);

/** [soft, hard] open-files limit of a process */
function nofileLimits(pid) {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const n = (s) => (s === 'unlimited' ? Infinity : Number(s));
  return m ? [n(m[1]), n(m[2])] : [0, 0];
}

const openFds = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};

/** How many processes each side needs for `n` streams under this host's open-files hard limit. */
export function slowPlan(n, workers) {
  const hard = nofileLimits(process.pid)[1];
  const perProcess = Math.min(PER_PROCESS, hard - 500);
  const workerNeed = (w) => 2 * Math.ceil((n / w) * SPREAD) + WORKER_BASE_FDS;
  let fitWorkers = workers;
  while (workerNeed(fitWorkers) > hard) fitWorkers++;
  return {
    hard,
    portRange: readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number),
    somaxconn: Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')),
    clients: Math.ceil(n / perProcess),
    mocks: Math.ceil(n / perProcess),
    workers,
    workerNeed: workerNeed(workers),
    fits: workerNeed(workers) <= hard,
    fitWorkers,
    /** the most streams `workers` workers can hold under `hard` */
    maxStreams: Math.floor(((hard - WORKER_BASE_FDS) / 2 / SPREAD) * workers),
  };
}

/** `argv` with its soft open-files limit raised to the hard limit (a shell that execs it: same pid). */
function spawnNofile(argv, opts) {
  return spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$@"', 'sh', ...argv], opts);
}

async function startMockCluster(workers) {
  const port = await freePort();
  const proc = spawnNofile([process.execPath, join(REPO, 'bench/mock-cluster.mjs'), String(workers), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (b) => (out += b));
  proc.stderr.on('data', (b) => (out += b));
  await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`mock cluster exited ${proc.exitCode}: ${out}`);
      return out.includes('listening on');
    },
    20_000,
    'the mock cluster',
  );
  return { url: `http://127.0.0.1:${port}`, pid: proc.pid, proc, stop: () => stopChild(proc, 5000) };
}

function startClient() {
  const proc = spawnNofile([process.execPath, join(REPO, 'bench/slow-client.mjs')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const c = { proc, pid: proc.pid, state: null, waiters: [] };
  proc.on('message', (m) => {
    if (m.type === 'state') c.state = m;
    const w = c.waiters.findIndex((x) => x.type === m.type);
    if (w >= 0) c.waiters.splice(w, 1)[0].resolve(m);
  });
  c.next = (type) => new Promise((res) => c.waiters.push({ type, resolve: res }));
  c.ready = c.next('ready');
  return c;
}

function pssOf(m) {
  const pids = [m.primary, ...m.http, ...m.recorder];
  const parts = pids.map(pssBytes);
  return { total: parts.reduce((a, b) => a + b, 0), primary: parts[0], http: parts.slice(1, 1 + m.http.length), recorder: parts.at(-1) };
}

/**
 * Hold `n` slow streams (mock: one chunk a second for 10 minutes) through a gateway with `workers`
 * HTTP workers. `ctx`: { dir, keys, auth, prefix, db } of the caller's stack.
 */
export async function runSlowStreams(ctx, o) {
  const plan = slowPlan(o.n, o.workers);
  if (plan.fits) return runOne(ctx, { ...o, plan });
  // the requested count on the fewest workers that fit, then the requested workers with the most
  // streams that fit (rounded down to a thousand)
  const S = await runOne(ctx, { ...o, plan, workers: plan.fitWorkers });
  S.requestedWorkers = o.workers;
  S.note = `${fmt(o.workers)} workers cannot hold ${fmt(o.n)} streams here: a worker holds a client and an upstream socket per stream (${fmt(plan.workerNeed)} fds with a 5 % uneven spread) and the open-files hard limit is ${fmt(plan.hard)} (raising it needs CAP_SYS_RESOURCE, which this host does not give; ${fmt(o.workers)} workers fit about ${fmt(plan.maxStreams)} streams). So ${fmt(o.n)} streams ran on ${fmt(plan.fitWorkers)} workers, the fewest that fit, and then ${fmt(Math.floor(plan.maxStreams / 1000) * 1000)} streams on ${fmt(o.workers)} workers.`;
  log(`slow streams: ${S.note}`);
  const n2 = Math.floor(plan.maxStreams / 1000) * 1000;
  S.alt = await runOne(ctx, { ...o, n: n2, plan: slowPlan(n2, o.workers) });
  return S;
}

async function runOne(ctx, { n, workers, plan, holdSeconds, perSecond, maxPending = 256, chunkMs, config = {}, nodeArgs, main }) {
  const S = { n, workers, requestedWorkers: workers, plan, holdSeconds, perSecond, maxPending, chunkMs };
  log(`slow streams: ${fmt(n)} on ${workers} workers`);
  const mock = await startMockCluster(plan.mocks);
  let gateway = null;
  const clients = [];
  try {
    gateway = await startGateway({
      dir: ctx.dir,
      keys: ctx.keys,
      prefix: ctx.prefix,
      databaseUrl: ctx.db.url,
      upstreamUrl: mock.url,
      workers: S.workers,
      config: { usage: { recorder: true }, ...config },
      nofile: plan.hard,
      nodeArgs,
      main,
    });
    const m0 = clusterMembers(gateway.pid);
    S.limits = { worker: Math.min(...m0.http.map(openFilesLimit)), mock: Math.min(...readChildren(mock.pid).map(openFilesLimit)) };
    const { tokens } = await mintTokens({
      auth: ctx.auth,
      count: Math.ceil(n / PER_TOKEN),
      userPrefix: `bench-slow-${randomBytes(2).toString('hex')}`,
      concurrency: PER_TOKEN,
    });
    const body = JSON.stringify({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'slow' }],
      stream: true,
      mock: { chunkDelayMs: chunkMs, chunks: Math.ceil(600_000 / chunkMs) },
    });
    await sleep(2000);
    S.before = pssOf(m0);
    S.rssBefore = [m0.primary, ...m0.http, ...m0.recorder].reduce((s, p) => s + rssBytes(p), 0);
    for (let i = 0; i < plan.clients; i++) clients.push(startClient());
    await Promise.all(clients.map((c) => c.ready));
    S.limits.client = Math.min(...clients.map((c) => openFilesLimit(c.pid)));
    const cpu0 = [...m0.http, m0.primary].reduce((s, p) => s + cpuSeconds(p), 0);
    const tcp0 = tcpCounters();
    // the workers' event-loop lag (prom-client's max since the previous scrape), every second while opening
    S.loopLagMax = 0;
    let lagBusy = false;
    const lagTimer = setInterval(async () => {
      if (lagBusy) return;
      lagBusy = true;
      const m = await scrape(gateway.metricsUrl).catch(() => ({}));
      for (const [k, v] of Object.entries(m)) if (k.startsWith('nodejs_eventloop_lag_max_seconds') && v > S.loopLagMax) S.loopLagMax = v;
      lagBusy = false;
    }, 1000);
    // client i takes a contiguous slice of tokens, PER_TOKEN streams on each
    const tokensPer = Math.ceil(tokens.length / clients.length);
    let left = n;
    const t0 = performance.now();
    const done = clients.map((c, i) => {
      const slice = tokens.slice(i * tokensPer, (i + 1) * tokensPer).map((t) => t.token);
      const share = Math.min(left, slice.length * PER_TOKEN);
      left -= share;
      c.proc.send({
        cmd: 'open',
        port: gateway.port,
        body,
        tokens: slice,
        n: share,
        perSecond: perSecond / clients.length,
        maxPending: Math.max(1, Math.floor(maxPending / clients.length)),
        timeoutMs: 180_000,
      });
      return c.next('state').then(function wait(st) {
        return st.firstData + st.non200 + st.errors >= st.n || performance.now() - t0 > 180_000 ? st : c.next('state').then(wait);
      });
    });
    const states = await Promise.all(done);
    clearInterval(lagTimer);
    S.tcp = Object.fromEntries(Object.entries(tcpCounters()).map(([k, v]) => [k, v - tcp0[k]]));
    S.openSeconds = Math.max(...states.map((s) => s.openedInMs ?? 0)) / 1000;
    S.openCpu = [...m0.http, m0.primary].reduce((s, p) => s + cpuSeconds(p), 0) - cpu0;
    const sum = (k) => states.reduce((s, x) => s + x[k], 0);
    Object.assign(S, { connected: sum('connected'), ok: sum('ok'), firstData: sum('firstData'), non200: sum('non200'), errors: sum('errors') });
    S.errorCodes = states.reduce((o, s) => {
      for (const [k, v] of Object.entries(s.errorCodes)) o[k] = (o[k] ?? 0) + v;
      return o;
    }, {});
    S.statuses = states.reduce((o, s) => {
      for (const [k, v] of Object.entries(s.statuses)) o[k] = (o[k] ?? 0) + v;
      return o;
    }, {});
    S.sample = states.find((s) => s.sample)?.sample ?? null;
    if (S.sample) {
      log(`slow streams: statuses ${JSON.stringify(S.statuses)}; a non-200 answer:\n${S.sample}`);
      // what the gateway logged about them, by message
      const seen = {};
      for (const l of gateway.lines) {
        const j = /"level":"?(warn|error|40|50)/.test(l) ? l : null;
        if (!j) continue;
        const key = (/"msg":"([^"]*)"/.exec(j)?.[1] ?? j.slice(0, 80)) + ' ' + (/"err":"([^"]*)"/.exec(j)?.[1] ?? '');
        seen[key] = (seen[key] ?? 0) + 1;
      }
      log(`slow streams: the gateway's warnings (last ${gateway.lines.length} log lines): ${JSON.stringify(seen, null, 1)}`);
      S.warnings = seen;
    }
    S.firstChunk = {
      p50: Math.max(...states.map((s) => s.firstChunkP50 ?? 0)),
      p99: Math.max(...states.map((s) => s.firstChunkP99 ?? 0)),
      max: Math.max(...states.map((s) => s.firstChunkMax ?? 0)),
    };
    log(`slow streams: TCP while opening (machine-wide): ${JSON.stringify(S.tcp)}`);
    log(`slow streams: ${fmt(S.firstData)} of ${fmt(n)} got their first chunk in ${fmt(S.openSeconds, 1)} s (${S.non200} non-200, ${S.errors} errors)`);
    // the hold: every process's PSS every 2 s
    const samples = [];
    const groups = () => {
      const m = clusterMembers(gateway.pid);
      const sumCpu = (pids) => pids.reduce((a, p) => a + cpuSeconds(p), 0);
      return {
        at: performance.now(),
        workers: sumCpu(m.http),
        others: sumCpu([m.primary, ...m.recorder]),
        mock: sumCpu([mock.pid, ...readChildren(mock.pid)]),
        clients: sumCpu(clients.map((c) => c.pid)),
        redis: redisServerCpu(),
      };
    };
    const cpuHold0 = groups();
    for (let t = 0; t <= holdSeconds; t += 2) {
      const m = clusterMembers(gateway.pid);
      samples.push({ t, ...pssOf(m) });
      if (t < holdSeconds) await sleep(2000);
    }
    S.samples = samples;
    const cpuHold1 = groups();
    const wall = (cpuHold1.at - cpuHold0.at) / 1000;
    // share of one core each group used during the hold
    S.holdCpu = Object.fromEntries(
      Object.keys(cpuHold0)
        .filter((k) => k !== 'at')
        .map((k) => [k, (cpuHold1[k] - cpuHold0[k]) / wall]),
    );
    S.peak = samples.reduce((a, b) => (b.total > a.total ? b : a));
    S.end = samples.at(-1);
    const m = clusterMembers(gateway.pid);
    S.rssPeak = [m.primary, ...m.http, ...m.recorder].reduce((s, p) => s + rssBytes(p), 0);
    S.workerFds = m.http.map(openFds);
    S.mockPss = [mock.pid, ...readChildren(mock.pid)].reduce((s, p) => s + pssBytes(p), 0);
    S.clientPss = clients.reduce((s, c) => s + pssBytes(c.pid), 0);
    // still receiving: a chunk in the 2.5 chunk intervals after the hold
    await Promise.all(clients.map((c) => (c.proc.send({ cmd: 'mark' }), c.next('state'))));
    await sleep(2.5 * chunkMs);
    S.alive = (await Promise.all(clients.map((c) => (c.proc.send({ cmd: 'check' }), c.next('check'))))).reduce((s, x) => s + x.alive, 0);
    S.inFlight = (await scrape(gateway.metricsUrl)).dsp_token_concurrent_requests ?? null;
    await Promise.all(clients.map((c) => (c.proc.send({ cmd: 'close' }), c.next('closed'))));
    const until = Date.now() + 30_000;
    S.leftAfterClose = S.inFlight;
    while (Date.now() < until) {
      S.leftAfterClose = (await scrape(gateway.metricsUrl)).dsp_token_concurrent_requests ?? 0;
      if (S.leftAfterClose === 0) break;
      await sleep(250);
    }
    S.afterClose = pssOf(clusterMembers(gateway.pid));
    if (nodeArgs?.includes('--trace-gc')) {
      // the longest GC pauses the workers printed (V8: "<kind> a (b) -> c (d) MB, <pause> / <external> ms")
      const pauses = gateway.lines
        .map((l) => /(Mark-Compact|Scavenge|Mark-sweep)[^,]*, ([\d.]+) \/ ([\d.]+) ms/.exec(l))
        .filter(Boolean)
        .map((m) => ({ kind: m[1], ms: Number(m[2]) + Number(m[3]), line: m.input.slice(0, 160) }))
        .sort((a, b) => b.ms - a.ms);
      S.gcPauses = pauses.slice(0, 8);
      log(`slow streams: ${pauses.length} GC lines; longest:\n${S.gcPauses.map((x) => x.line).join('\n')}`);
    }
    S.met = metSlow(S);
    return S;
  } finally {
    for (const c of clients) await stopChild(c.proc, 2000);
    if (gateway) await gateway.stop();
    await mock.stop();
  }
}

/** Machine-wide TCP counters (/proc/net/netstat): accept queues that overflowed, SYNs retransmitted. */
function tcpCounters() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  const names = lines[i].split(/\s+/);
  const values = lines[i + 1].split(/\s+/).map(Number);
  const get = (k) => values[names.indexOf(k)] ?? 0;
  return { listenOverflows: get('ListenOverflows'), synRetrans: get('TCPSynRetrans'), timeouts: get('TCPTimeouts') };
}

function readChildren(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function metSlow(S) {
  const noError = S.errors === 0 && S.non200 === 0 && S.firstData === S.n && S.alive === S.n;
  const shape = S.n >= SLOW_TARGET.streams && S.workers <= SLOW_TARGET.workers;
  return { noError, memory: S.peak.total <= SLOW_PSS_BOUND && S.end.total <= SLOW_PSS_BOUND, shape, all: noError && shape && S.peak.total <= SLOW_PSS_BOUND };
}

/** The target line for the targets tables. */
export function slowTargetRow(S) {
  const runs = S.skipped ? [] : [S, ...(S.alt ? [S.alt] : [])];
  const one = (x) =>
    `${fmt(x.alive)} of ${fmt(x.n)} held on ${x.workers} workers, ${fmt(x.errors + x.non200)} errors, ${mb(x.peak.total)} MB PSS at the peak, opened in ${fmt(x.openSeconds, 1)} s`;
  return {
    name: `${fmt(SLOW_TARGET.streams)} concurrent slow streams on one host (${SLOW_TARGET.workers} workers), ≤ 1 GB total PSS, no error (issue 21)`,
    measured: S.skipped
      ? S.skipped
      : runs.map(one).join('; ') +
        (S.met.shape
          ? ''
          : S.note
            ? ` (${fmt(SLOW_TARGET.workers)} workers cannot hold ${fmt(S.n)} under this host's open-files limit)`
            : ` (not the target's shape: ${fmt(S.n)} streams on ${S.workers} workers)`),
    met: !S.skipped && S.met.all,
  };
}

/** The section's Markdown lines. */
export function renderSlowStreams(S) {
  const out = [];
  const p = (s = '') => out.push(s);
  p(`## ${fmt(S.n)} concurrent slow streams`);
  p();
  if (S.skipped) {
    p(S.skipped);
    p();
    return out;
  }
  const P = S.plan;
  const runs = [S, ...(S.alt ? [S.alt] : [])];
  const label = (x) => `${fmt(x.n)} on ${x.workers} workers`;
  p(
    `Issue 21's case: ${fmt(S.n)} streams held at once through one gateway with ${S.requestedWorkers} HTTP workers (+ primary + recorder), the full pipeline (JWT auth, admission + token lock in Redis, usage recording); ` +
      `the mock sends one chunk every ${fmt(S.chunkMs / 1000, 1)} s for 10 minutes (the first ${fmt(S.chunkMs / 1000, 1)} s after the request). Load generator: ${P.clients} child process${P.clients > 1 ? 'es' : ''} over raw sockets (no HTTP client), opening streams as fast as the gateway answers them — at most ${fmt(S.maxPending)} sent and not yet answered, and at most ${fmt(S.perSecond)} a second; ` +
      `mock upstream: ${P.mocks} node:cluster worker${P.mocks > 1 ? 's' : ''} on one port; one token with \`concurrency: 10\` per 10 streams. Everything on 127.0.0.1, one run after the other. Held ${S.holdSeconds} s after the last stream opened, PSS (smaps_rollup) of every gateway process every 2 s.`,
  );
  p();
  if (S.note) {
    p(`**${S.note}**`);
    p();
  }
  p(
    `Limits on this host: open files (RLIMIT_NOFILE) hard limit ${fmt(P.hard)} per process — the soft limit of every process here is raised to it (gateway workers ${fmt(S.limits.worker)}, mock workers ${fmt(S.limits.mock)}, load generators ${fmt(S.limits.client)}); ` +
      `ephemeral ports ${P.portRange.join('–')} (${fmt(P.portRange[1] - P.portRange[0] + 1)} ports; the ${fmt(S.n)} client → gateway and the ${fmt(S.n)} gateway → mock connections each go to one address and port, so each set needs ${fmt(S.n)} of them); \`net.core.somaxconn\` ${fmt(P.somaxconn)}. ` +
      `Host memory ${fmt(totalmem() / 1024 ** 3, 1)} GB.`,
  );
  p();
  p(
    '| streams | workers | opened in s | first chunk p50 / p99 / max ms | 200 + first chunk | still receiving at the end | non-200 | socket errors | in flight (metrics) | gateway CPU while opening, per stream |',
  );
  p('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of runs)
    p(
      `| ${fmt(x.n)} | ${x.workers} | ${fmt(x.openSeconds, 1)} | ${fmt(x.firstChunk.p50, 1)} / ${fmt(x.firstChunk.p99, 1)} / ${fmt(x.firstChunk.max, 1)} | ${fmt(x.firstData)} | ${fmt(x.alive)} | ${fmt(x.non200)}${x.non200 ? ` (${JSON.stringify(x.statuses)})` : ''} | ${fmt(x.errors)}${
        x.errors
          ? ` (${Object.entries(x.errorCodes)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`
          : ''
      } | ${fmt(x.inFlight)} | ${fmt((x.openCpu / x.n) * 1e6)} µs |`,
    );
  p();
  const widest = Math.max(...runs.map((x) => x.before.http.length));
  p('| PSS MB | total | primary | ' + Array.from({ length: widest }, (_, i) => `worker ${i + 1}`).join(' | ') + ' | recorder |');
  p('|---|---:|---:|' + '---:|'.repeat(widest) + '---:|');
  const row = (name, x) =>
    p(
      `| ${name} | ${mb(x.total)} | ${mb(x.primary)} | ${Array.from({ length: widest }, (_, i) => (x.http[i] === undefined ? '–' : mb(x.http[i]))).join(' | ')} | ${mb(x.recorder)} |`,
    );
  for (const x of runs) {
    row(`${label(x)}: before the streams`, x.before);
    row(`${label(x)}: **peak** (t = ${x.peak.t} s of the hold)`, x.peak);
    row(`${label(x)}: end of the hold (t = ${x.end.t} s)`, x.end);
    row(`${label(x)}: after closing them all`, x.afterClose);
  }
  p();
  for (const x of runs) {
    const perStream = x.peak.http.reduce((a, v, i) => a + v - x.before.http[i], 0) / x.n;
    p(
      `${label(x)}: ${fmt(perStream / 1024, 1)} KB of worker PSS per stream (peak minus before); open fds per worker at the hold ${x.workerFds.map((v) => fmt(v)).join(', ')}; ` +
        `RSS sum of the gateway processes ${mb(x.rssBefore)} MB before, ${mb(x.rssPeak)} MB at the hold (counts the shared node binary once per process); ` +
        `CPU during the hold, in cores: gateway workers ${fmt(x.holdCpu.workers, 2)}, primary + recorder ${fmt(x.holdCpu.others, 2)}, mock ${fmt(x.holdCpu.mock, 2)}, load generators ${fmt(x.holdCpu.clients, 2)}, redis-server ${fmt(x.holdCpu.redis, 2)} (${fmt((x.n * 1000) / x.chunkMs)} chunks/s through the gateway); ` +
        `TCP while opening (machine-wide): ${fmt(x.tcp.listenOverflows)} accept-queue overflows, ${fmt(x.tcp.synRetrans)} SYN retransmits;${x.loopLagMax === undefined ? '' : ` the workers' longest event-loop delay while opening ${fmt(x.loopLagMax * 1000)} ms;`} not counted above: mock workers ${mb(x.mockPss)} MB PSS, load generators ${mb(x.clientPss)} MB.` +
        (x.warnings
          ? ` The gateway's warnings while opening: ${Object.entries(x.warnings)
              .filter(([k]) => !/lost its state|no \[pricing\]/.test(k))
              .map(([k, v]) => `"${k.trim()}" × ${v}`)
              .join('; ')}.`
          : ''),
    );
    p();
  }
  const memOk = runs.every((x) => x.met.memory);
  const errOk = runs.every((x) => x.met.noError);
  p('| target (issue 21) | bound | measured | met |');
  p('|---|---:|---:|:---:|');
  p(
    `| ${fmt(SLOW_TARGET.streams)} streams on ${SLOW_TARGET.workers} workers | ${fmt(SLOW_TARGET.streams)} × ${SLOW_TARGET.workers} | ${runs.map((x) => `${fmt(x.n)} × ${x.workers}`).join('; ')} | ${S.met.shape ? 'yes' : '**no**'} |`,
  );
  p(
    `| total PSS of the gateway processes | ≤ 1,024 MB | ${runs.map((x) => `${label(x)}: ${mb(x.peak.total)} MB at the peak, ${mb(x.end.total)} at the end of the hold`).join('; ')} | ${memOk ? 'yes' : '**no**'} |`,
  );
  p(
    `| no error: every stream 200, first chunk, still receiving | 0 | ${runs.map((x) => `${label(x)}: ${fmt(x.errors + x.non200)} errors, ${fmt(x.n - x.firstData)} without a first chunk, ${fmt(x.firstData - x.alive)} of the opened ones not receiving at the end`).join('; ')} | ${errOk ? 'yes' : '**no**'} |`,
  );
  p(`| time to open them | reported | ${runs.map((x) => `${label(x)}: ${fmt(x.openSeconds, 1)} s (${fmt(x.n / x.openSeconds)} streams/s)`).join('; ')} | – |`);
  p();
  return out;
}

/** Replace the slow-streams section of a page written by `pnpm bench`. */
export function spliceSection(page, lines) {
  const all = page.split('\n');
  const start = all.findIndex((l) => /^## [\d,]+ concurrent slow streams/.test(l));
  if (start < 0) throw new Error('no "## N concurrent slow streams" section in the page');
  let end = all.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = all.length;
  return [...all.slice(0, start), ...lines, ...all.slice(end)].join('\n');
}

export const slowSettings = (env) => ({
  n: Number(env('BENCH_SLOW_STREAMS', SLOW_TARGET.streams)),
  workers: Number(env('BENCH_SLOW_WORKERS', SLOW_TARGET.workers)),
  holdSeconds: Number(env('BENCH_SLOW_HOLD_SECONDS', 10)),
  perSecond: Number(env('BENCH_SLOW_RATE', 2500)),
  maxPending: Number(env('BENCH_SLOW_PENDING', 256)),
  chunkMs: Number(env('BENCH_SLOW_CHUNK_MS', 5000)),
  // e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" (the workers inherit it)
  nodeArgs: env('BENCH_SLOW_NODE_ARGS', '').split(' ').filter(Boolean),
  // another build's apps/gateway/dist/main.js (A/B)
  main: env('BENCH_SLOW_MAIN', undefined),
  // JSON merged into the gateway's config, as in bench/run.mjs
  config: { usage: { recorder: true }, ...JSON.parse(env('BENCH_GATEWAY_CONFIG', '{}')) },
});

async function main() {
  requireBuilt();
  const env = (k, d) => (process.env[k] !== undefined && process.env[k] !== '' ? process.env[k] : d);
  const settings = slowSettings(env);
  const out = env('BENCH_OUT', '-');
  const dir = mkdtempSync(join(tmpdir(), 'dsp-slow-'));
  const ctx = { dir, prefix: `dsp-slow-${randomBytes(4).toString('hex')}:` };
  ctx.keys = await makeKeys(dir);
  ctx.auth = authSettings(ctx.keys);
  ctx.db = await createDatabase();
  let S;
  try {
    S = await runSlowStreams(ctx, settings);
  } finally {
    await ctx.db.drop().catch((e) => log(`slow streams: drop ${ctx.db.name}: ${e.message}`));
    const redis = await openRedis(REDIS_URL);
    await redis.deletePrefix(ctx.prefix);
    redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (env('BENCH_SLOW_JSON', '')) writeFileSync(env('BENCH_SLOW_JSON', ''), JSON.stringify(S));
  const lines = renderSlowStreams(S);
  const commit = (await import('node:child_process')).spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim();
  lines.splice(
    lines.length - 1,
    0,
    '',
    `This section: \`${['BENCH_SLOW_STREAMS', 'BENCH_SLOW_WORKERS', 'BENCH_SLOW_HOLD_SECONDS', 'BENCH_SLOW_RATE', 'BENCH_SLOW_PENDING', 'BENCH_SLOW_CHUNK_MS']
      .filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]} `)
      .join(
        '',
      )}node bench/slow-streams.mjs\` (alone; \`pnpm bench\` runs the same), ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, gateway build ${commit}.`,
  );
  console.log(lines.join('\n'));
  if (out !== '-') {
    writeFileSync(resolve(out), spliceSection(readFileSync(resolve(out), 'utf8'), lines));
    log(`slow streams: wrote the section into ${out}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(`slow streams: ${e.stack ?? e.message}`);
    process.exit(1);
  });
