#!/usr/bin/env node
// Idle memory of each gateway process (primary, one HTTP worker, recorder) at several times after
// start, for one or two builds: how the primary's and the recorder's lean imports and flags were
// measured (issue 21). Each round starts a fresh stack (mock, database, 1 worker + recorder), takes
// RSS / PSS / anon at each time, stops it; variants alternate A, B, B, A, ... and the table shows
// medians. V8's memory reducer runs a few seconds after start, so later figures can be lower.
// PSS depends on how many other node processes share the binary's pages (others' work on the host).
//
//   node bench/idle-memory.mjs --a /tmp/base/apps/gateway/dist/main.js   # A = base, B = this checkout
//   node bench/idle-memory.mjs --b-node-args="--max-semi-space-size=1"    # same build, B with flags
// Options: --a MAIN, --b MAIN (default: this checkout; without --a and --b-node-args only B runs),
// --a-node-args, --b-node-args (the primary's node flags; the workers inherit them), --rounds N (3),
// --at "5,15,30" (seconds after the gateway is ready).
import { parseArgs } from 'node:util';
import { GATEWAY_MAIN, clusterMembers, median, pssBytes, rssAnonBytes, rssBytes, sleep, startStack } from '../load-tests/lib/stack.mjs';

const { values: o } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: GATEWAY_MAIN },
    'a-node-args': { type: 'string', default: '' },
    'b-node-args': { type: 'string', default: '' },
    rounds: { type: 'string', default: '3' },
    at: { type: 'string', default: '5,15,30' },
  },
});
const AT = o.at.split(',').map(Number);
const split = (s) => s.split(' ').filter(Boolean);
const variants = [{ name: 'B', main: o.b, nodeArgs: split(o['b-node-args']) }];
if (o.a || o['a-node-args']) variants.unshift({ name: 'A', main: o.a ?? GATEWAY_MAIN, nodeArgs: split(o['a-node-args']) });
const MB = 2 ** 20;
const ROLES = ['primary', 'worker', 'recorder'];

/** samples[variant][role][at] = [{ rss, pss, anon }, ...] */
const samples = Object.fromEntries(variants.map((v) => [v.name, Object.fromEntries(ROLES.map((r) => [r, Object.fromEntries(AT.map((t) => [t, []]))]))]));

/** freePort() can lose its port to another process on a shared host before the gateway binds it */
async function start(v, attempts = 3) {
  try {
    return await startStack({ workers: 1, main: v.main, nodeArgs: v.nodeArgs });
  } catch (e) {
    if (attempts <= 1) throw e;
    process.stderr.write(`start failed, again: ${e.message.split('\n')[0]}\n`);
    return start(v, attempts - 1);
  }
}

async function round(v) {
  const stack = await start(v);
  const t0 = Date.now();
  try {
    for (const t of AT) {
      await sleep(Math.max(0, t0 + t * 1000 - Date.now()));
      const m = clusterMembers(stack.gateway.pid);
      const pids = { primary: m.primary, worker: m.http[0], recorder: m.recorder[0] };
      for (const r of ROLES) if (pids[r]) samples[v.name][r][t].push({ rss: rssBytes(pids[r]), pss: pssBytes(pids[r]), anon: rssAnonBytes(pids[r]) });
    }
  } finally {
    await stack.stop();
  }
}

const order = [];
for (let i = 0; i < Number(o.rounds); i++) order.push(...(i % 2 ? [...variants].reverse() : variants));
for (const [i, v] of order.entries()) {
  process.stderr.write(`round ${i + 1}/${order.length}: ${v.name}\n`);
  await round(v);
}

const fmt = (xs, k) => (xs.length ? (median(xs.map((x) => x[k])) / MB).toFixed(1) : '–');
console.log(`Idle memory, medians of ${o.rounds} starts per variant (RSS / PSS / anon MB), at ${AT.join(', ')} s after ready`);
for (const v of variants) console.log(`${v.name}: ${v.main}${v.nodeArgs.length ? ` (${v.nodeArgs.join(' ')})` : ''}`);
console.log();
console.log(`| process | variant | ${AT.map((t) => `${t} s`).join(' | ')} |`);
console.log(`|---|---|${AT.map(() => '---:').join('|')}|`);
for (const r of ROLES)
  for (const v of variants)
    console.log(`| ${r} | ${v.name} | ${AT.map((t) => ['rss', 'pss', 'anon'].map((k) => fmt(samples[v.name][r][t], k)).join(' / ')).join(' | ')} |`);
