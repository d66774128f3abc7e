#!/usr/bin/env node
// Interleaved A/B of two gateway builds (or two sets of node flags) on one mock upstream, one
// Redis prefix, one database: how an optimisation's effect was measured on this shared, noisy
// host. Both gateways run side by side with 1 HTTP worker each; rounds alternate A, B, B, A, ...
// so drift in the machine's speed hits both alike. Reports medians of req/s and of the worker's
// CPU per request (from /proc) and the worker's plus the primary's, redis-server's CPU per request, the worker's RSS (mean over each
// round, sampled every 250 ms) and PSS after each round (medians), and B/A ratios.
//
//   git worktree add /tmp/base <commit> && (cd /tmp/base && pnpm install && pnpm build)
//   node bench/ab.mjs --a /tmp/base/apps/gateway/dist/main.js            # A = base, B = this checkout
//   node bench/ab.mjs --b-node-args="--max-semi-space-size=2"            # same build, B with flags
//   node bench/ab.mjs --b-tracing 0.01                                    # B with [tracing] on at that sample_ratio
//   node bench/ab.mjs --b-accounts 3                                      # B with three capped upstream accounts
// Options: --a MAIN, --b MAIN (default: this checkout), --a-node-args, --b-node-args, --a-tracing,
// --b-tracing (sample_ratio; spans go to an OTLP/HTTP sink in this process), --a-accounts,
// --b-accounts (N capped accounts on the mock instead of the single key), --stream,
// --rounds N (6), --seconds S (5), --connections C (64).
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { GATEWAY_MAIN, clusterMembers, cpuSeconds, median, pssBytes, redisServerCpu, rssBytes, startGateway, startStack } from '../load-tests/lib/stack.mjs';
import { hammer } from '../load-tests/lib/loadgen.mjs';
import { mintTokens } from '../load-tests/mint-tokens.mjs';

const { values: o } = parseArgs({
  options: {
    a: { type: 'string', default: GATEWAY_MAIN },
    b: { type: 'string', default: GATEWAY_MAIN },
    'a-node-args': { type: 'string', default: '' },
    'b-node-args': { type: 'string', default: '' },
    'a-tracing': { type: 'string' },
    'b-tracing': { type: 'string' },
    'a-accounts': { type: 'string' },
    'b-accounts': { type: 'string' },
    stream: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
  },
});
const ROUNDS = Number(o.rounds);
const SECONDS = Number(o.seconds);
const CONNS = Number(o.connections);
const body = JSON.stringify({
  model: 'deepseek-chat',
  messages: [{ role: 'user', content: 'Hello from the benchmark' }],
  ...(o.stream ? { stream: true } : {}),
});
const split = (s) => s.split(' ').filter(Boolean);

// an OTLP/HTTP sink for a variant with tracing on: takes the export batches, counts them
let sink = null;
const exported = { batches: 0, bytes: 0 };
if (o['a-tracing'] !== undefined || o['b-tracing'] !== undefined) {
  sink = createServer((req, res) => {
    req.on('data', (b) => (exported.bytes += b.length));
    req.on('end', () => {
      exported.batches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
}
const tracing = (ratio) => (ratio === undefined ? {} : { tracing: { otlp_endpoint: `http://127.0.0.1:${sink.address().port}`, sample_ratio: Number(ratio) } });
/** N capped accounts on the mock: every admission runs the account pick, every finish releases a slot */
const accounts = (n) =>
  n === undefined
    ? {}
    : {
        deepseek: {
          api_key: '',
          accounts: Array.from({ length: Number(n) }, (_, i) => ({ name: `ab-${i}`, api_key: `sk-ab-${i}-0000000000000000`, max_concurrency: 10000 })),
        },
      };
const variant = (name) => {
  const config = { ...tracing(o[`${name}-tracing`]), ...accounts(o[`${name}-accounts`]) };
  return { main: o[name], nodeArgs: split(o[`${name}-node-args`]), ...(Object.keys(config).length ? { config } : {}) };
};
const variants = { a: variant('a'), b: variant('b') };
// A with the whole stack (mock, database, Redis prefix); B beside it on the same ones
const stack = await startStack({ workers: 1, ...variants.a });
const gw = { a: stack.gateway };
try {
  gw.b = await startGateway({
    dir: stack.dir,
    keys: stack.keys,
    prefix: stack.prefix,
    databaseUrl: stack.db.url,
    upstreamUrl: stack.mock.url,
    workers: 1,
    ...variants.b,
  });
  for (const [name, v] of Object.entries(variants))
    console.log(
      `${name}: ${v.main} ${v.nodeArgs.join(' ')}${v.config?.tracing ? ` tracing sample_ratio ${v.config.tracing.sample_ratio}` : ''}${v.config?.deepseek ? ` ${v.config.deepseek.accounts.length} capped accounts` : ''}`,
    );
  const tokens = (await mintTokens({ auth: stack.auth, count: 256, userPrefix: 'ab' })).tokens.map((t) => t.token);
  for (const name of ['a', 'b']) await hammer({ url: gw[name].url, body, connections: CONNS, seconds: 2, tokens });
  const runs = { a: [], b: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const name of i % 2 ? ['b', 'a'] : ['a', 'b']) {
      const worker = clusterMembers(gw[name].pid).http[0];
      const cpu0 = cpuSeconds(worker);
      const primary0 = cpuSeconds(gw[name].pid);
      const redis0 = redisServerCpu();
      // worker RSS sampled every 250 ms over the round: one reading depends on where the old
      // generation is in its GC cycle, the round's mean does much less
      const rssSamples = [];
      const primarySamples = [];
      const sampler = setInterval(() => {
        rssSamples.push(rssBytes(worker) / 2 ** 20);
        primarySamples.push(rssBytes(gw[name].pid) / 2 ** 20);
      }, 250);
      const r = await hammer({ url: gw[name].url, body, connections: CONNS, seconds: SECONDS, tokens });
      clearInterval(sampler);
      const us = ((cpuSeconds(worker) - cpu0) / r.requests) * 1e6;
      // the primary moves the outboxes to BullMQ: worker + primary is the host's cost of a request
      // before the recorder (whose work both variants share: one queue)
      const primaryUs = ((cpuSeconds(gw[name].pid) - primary0) / r.requests) * 1e6;
      const redisUs = ((redisServerCpu() - redis0) / r.requests) * 1e6;
      const bad = r.requests - r.ok;
      const mean = (xs) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
      const rss = mean(rssSamples);
      const primaryRss = mean(primarySamples);
      const pss = pssBytes(worker) / 2 ** 20;
      runs[name].push({ rps: r.rps, us, primaryUs, both: us + primaryUs, redisUs, rss, pss, primaryRss });
      console.log(
        `${name}: ${r.rps.toFixed(0)} req/s, worker ${us.toFixed(1)} µs/req, primary ${primaryUs.toFixed(1)} µs/req, redis ${redisUs.toFixed(1)} µs/req, p50 ${r.p50.toFixed(2)} ms, worker RSS mean ${rss.toFixed(1)} MB, primary ${primaryRss.toFixed(1)} MB${bad ? `, ${bad} non-200` : ''}`,
      );
    }
  }
  const m = (name, k) => median(runs[name].map((x) => x[k]));
  const max = (name, k) => Math.max(...runs[name].map((x) => x[k]));
  for (const name of ['a', 'b'])
    console.log(
      `median ${name}: ${m(name, 'rps').toFixed(0)} req/s, worker ${m(name, 'us').toFixed(1)} µs/req, worker + primary ${m(name, 'both').toFixed(1)} µs/req, redis ${m(name, 'redisUs').toFixed(1)} µs/req; worker RSS over a round ${m(name, 'rss').toFixed(1)} MB (largest round mean ${max(name, 'rss').toFixed(1)}), PSS after a round ${m(name, 'pss').toFixed(1)} MB; primary RSS over a round ${m(name, 'primaryRss').toFixed(1)} MB`,
    );
  if (sink) console.log(`OTLP sink: ${exported.batches} export requests, ${(exported.bytes / 2 ** 20).toFixed(1)} MB`);
  console.log(
    `B/A: req/s ${(m('b', 'rps') / m('a', 'rps')).toFixed(3)}, worker CPU per request ${(m('b', 'us') / m('a', 'us')).toFixed(3)}, worker + primary ${(m('b', 'both') / m('a', 'both')).toFixed(3)}, redis CPU per request ${(m('b', 'redisUs') / m('a', 'redisUs')).toFixed(3)}, worker RSS ${(m('b', 'rss') / m('a', 'rss')).toFixed(3)} (${(m('b', 'rss') - m('a', 'rss')).toFixed(1)} MB)`,
  );
} finally {
  await gw.b?.stop();
  await stack.stop();
  sink?.close();
}
