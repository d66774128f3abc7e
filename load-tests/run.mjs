#!/usr/bin/env node
// Load tests: runs the scenarios with k6 when it is on PATH, else with the node fallback (autocannon
// + an undici runner), judged by the same thresholds.json. Exits 1 when any threshold fails.
//
//   node load-tests/run.mjs [--ci] [--runner k6|node] [--scenarios smoke,throughput,streaming,contention,quota]
//                           [--results FILE]   (writes {passed, failed, skipped} per scenario as JSON)
//   node load-tests/run.mjs --base-url http://127.0.0.1:8877 --tokens tokens.json [--quota-tokens quota-tokens.json]
//
// Without --base-url it starts its own stack: mock upstream, a gateway with 2 workers, a temp Redis
// key prefix and a temp database, and mints the tokens itself. --ci keeps the whole run under 60 s.
// Scale: LOAD_SECONDS (per timed scenario, default 5), LOAD_RATE (throughput req/s, default 1000),
// LOAD_CONNECTIONS (throughput, default 32), QUOTA (daily requests per quota user, default 3).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintTokens } from './mint-tokens.mjs';
import { REDIS_URL, startStack } from './lib/stack.mjs';
import { THRESHOLDS, evaluate, formatResults, percentile } from './lib/thresholds.mjs';
import * as node from './lib/node-runner.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ALL = SCENARIOS;
const CI_BUDGET_MS = 60_000;

function args(argv) {
  const o = { scenarios: ALL };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--ci') o.ci = true;
    else if (a === '--runner') o.runner = val();
    else if (a === '--scenarios')
      o.scenarios = val()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--base-url') o.baseUrl = val().replace(/\/+$/, '');
    else if (a === '--tokens') o.tokens = resolve(val());
    else if (a === '--quota-tokens') o.quotaTokens = resolve(val());
    else if (a === '--results') o.results = resolve(val());
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument ${a} (see --help)`);
  }
  for (const s of o.scenarios) if (!ALL.includes(s)) throw new Error(`unknown scenario ${s} (one of ${ALL.join(', ')})`);
  return o;
}

const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);

function k6Available() {
  const r = spawnSync('k6', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function describeMetrics(snapshot) {
  const rows = [];
  for (const [name, m] of Object.entries(snapshot)) {
    if (m.type === 'counter') {
      if (m.count) rows.push(`${name}=${m.count}`);
    } else if (m.type === 'trend' && m.values.length) {
      const v = [...m.values].sort((a, b) => a - b);
      rows.push(`${name} p50=${percentile(v, 50).toFixed(2)} p95=${percentile(v, 95).toFixed(2)} p99=${percentile(v, 99).toFixed(2)} ms (n=${v.length})`);
    } else if (m.type === 'rate') rows.push(`${name}=${((m.passes / Math.max(1, m.passes + m.fails)) * 100).toFixed(1)}%`);
  }
  return rows.map((r) => `  · ${r}`).join('\n');
}

async function runNode(name, ctx) {
  const seconds = num('LOAD_SECONDS', 5);
  switch (name) {
    case 'smoke':
      return node.smoke(ctx);
    case 'throughput':
      return node.throughput({ ...ctx, seconds, rate: num('LOAD_RATE', 1000), connections: num('LOAD_CONNECTIONS', 32) });
    case 'streaming':
      return node.streaming({ ...ctx, seconds, vus: 16 });
    case 'contention':
      return node.contention({ ...ctx, seconds, vus: 24, sharedTokens: 3 });
    case 'quota':
      return node.quota({ ...ctx, tokens: ctx.quotaTokens, quota: ctx.quota });
  }
  throw new Error(name);
}

function runK6(name, env) {
  const script = join(HERE, 'k6', `${name}.js`);
  return new Promise((res) => {
    const child = spawn('k6', ['run', '--no-usage-report', script], { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) => res(code ?? 1));
  });
}

async function main() {
  const o = args(process.argv.slice(2));
  if (o.help) {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(1, 11)
        .map((l) => l.replace(/^\/\/ ?/, ''))
        .join('\n'),
    );
    return 0;
  }
  const k6 = o.runner === 'node' ? null : k6Available();
  if (o.runner === 'k6' && !k6) throw new Error('--runner k6 but k6 is not on PATH');
  console.log(k6 ? `runner: k6 (${k6})` : `runner: node fallback (${o.runner === 'node' ? 'asked for with --runner node' : 'k6 not installed'})`);

  const started = Date.now();
  const budget = o.ci
    ? setTimeout(() => {
        console.error(`load tests: over the ${CI_BUDGET_MS / 1000} s CI budget; failing`);
        process.exit(1);
      }, CI_BUDGET_MS + 15_000)
    : null;
  budget?.unref();

  let stack = null;
  let baseUrl = o.baseUrl;
  let tokensFile = o.tokens;
  let quotaFile = o.quotaTokens;
  const quotaLimit = num('QUOTA', 3);
  if (!baseUrl) {
    stack = await startStack({ workers: 2 });
    baseUrl = stack.gateway.url;
    console.log(`stack: gateway ${baseUrl} (2 workers, Redis prefix ${stack.prefix}, database ${stack.db.name}), mock ${stack.mock.url}`);
    const main = await mintTokens({ auth: stack.auth, count: 100, userPrefix: 'load' });
    const q = await mintTokens({ auth: stack.auth, count: 10, userPrefix: 'quota', dailyRequests: quotaLimit, redisUrl: REDIS_URL, keyPrefix: stack.prefix });
    tokensFile = join(stack.dir, 'tokens.json');
    quotaFile = join(stack.dir, 'quota-tokens.json');
    writeFileSync(tokensFile, JSON.stringify(main));
    writeFileSync(quotaFile, JSON.stringify(q));
  } else if (!tokensFile) throw new Error('--base-url needs --tokens FILE (from mint-tokens.mjs)');

  const tokens = JSON.parse(readFileSync(tokensFile, 'utf8')).tokens;
  const quotaDoc = quotaFile ? JSON.parse(readFileSync(quotaFile, 'utf8')) : null;
  const failed = [];
  const passed = [];
  const skipped = [];
  try {
    for (const name of o.scenarios) {
      if (name === 'quota' && !quotaDoc) {
        console.log(`\n— quota: skipped (no --quota-tokens file; mint one with --daily-requests N)`);
        skipped.push(name);
        continue;
      }
      console.log(`\n— ${name}`);
      if (k6) {
        const code = await runK6(name, {
          BASE_URL: baseUrl,
          TOKENS_FILE: tokensFile,
          ...(quotaFile ? { QUOTA_TOKENS_FILE: quotaFile } : {}),
          DURATION: `${num('LOAD_SECONDS', 5)}s`,
          RATE: String(num('LOAD_RATE', 1000)),
        });
        console.log(`  ${code === 0 ? 'thresholds held' : `FAILED (k6 exit ${code})`}`);
        (code !== 0 ? failed : passed).push(name);
        continue;
      }
      const ctx = { baseUrl, tokens, quotaTokens: quotaDoc?.tokens ?? [], quota: quotaDoc?.dailyRequests ?? quotaLimit };
      const r = await runNode(name, ctx);
      const verdict = evaluate(THRESHOLDS[name], r.metrics.snapshot(), r.durationSeconds);
      console.log(`  ${r.summary} in ${r.durationSeconds.toFixed(1)} s`);
      console.log(describeMetrics(r.metrics.snapshot()));
      console.log(formatResults(verdict.results));
      for (const f of r.failures) console.log(`  ! ${f}`);
      console.log(`  ${verdict.ok ? 'thresholds held' : 'FAILED'}`);
      (verdict.ok ? passed : failed).push(name);
    }
    if (stack && stack.gateway.proc.exitCode !== null) {
      failed.push('gateway-alive');
      console.log(`\n! the gateway exited (${stack.gateway.proc.exitCode}) during the run`);
    }
  } finally {
    await stack?.stop();
    if (o.results)
      writeFileSync(o.results, JSON.stringify({ passed: passed.length, failed: failed.length, skipped: skipped.length, names: { passed, failed, skipped } }));
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nload tests (${k6 ? 'k6' : 'node fallback'}): ${failed.length ? `FAILED: ${failed.join(', ')}` : 'every threshold held'} (${secs} s)`);
  if (o.ci && Date.now() - started > CI_BUDGET_MS) console.log(`warning: over the ${CI_BUDGET_MS / 1000} s CI budget`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`load tests: ${e.message}`);
    process.exit(1);
  },
);
