#!/usr/bin/env node
// Where a gateway process's allocations come from under load, garbage included (issue 21): V8's
// sampling heap profiler over the inspector protocol, with the objects later freed by minor and
// major GCs kept in the profile. A heap snapshot shows only what is alive; this shows what fills
// the young generation and the large-object space between GCs. One stack (mock, database, 1
// worker + recorder) started with --inspect on 127.0.0.1; the load is the bench's non-stream
// request at 64 connections. Prints the top allocation sites (4 frames) in bytes per request, the
// process's heap spaces at the end, and the allocations over 100 kB (V8's large-object space).
//
//   node bench/heap-profile.mjs                    # the HTTP worker, 10 s
//   node bench/heap-profile.mjs --role primary --seconds 20 --top 20
//   node bench/heap-profile.mjs --stream
import { parseArgs } from 'node:util';
import { startStack, sleep } from '../load-tests/lib/stack.mjs';
import { hammer } from '../load-tests/lib/loadgen.mjs';
import { mintTokens } from '../load-tests/mint-tokens.mjs';
import { WebSocket } from 'undici';

const { values: o } = parseArgs({
  options: {
    role: { type: 'string', default: 'http' },
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    interval: { type: 'string', default: '16384' },
    stream: { type: 'boolean', default: false },
  },
});
const ROLE = o.role === 'worker' ? 'http' : o.role;
const body = JSON.stringify({
  model: 'deepseek-chat',
  messages: [{ role: 'user', content: 'Hello from the benchmark' }],
  ...(o.stream ? { stream: true } : {}),
});

/** One inspector session: call(method, params) → result. */
async function session(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', reject);
  });
  let id = 0;
  const waiting = new Map();
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (m.id && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    }
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const i = ++id;
      waiting.set(i, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  return { call, close: () => ws.close() };
}

const frame = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*node_modules\/\.pnpm\//, '').replace(/^file:\/\/.*?\/(apps|packages)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

const stack = await startStack({ workers: 1, nodeArgs: ['--inspect=127.0.0.1:0'] });
try {
  const tokens = (await mintTokens({ auth: stack.auth, count: 256, userPrefix: 'heap-profile' })).tokens.map((t) => t.token);
  await sleep(500);
  // every process of the cluster listens on its own inspector port: find the one of the role
  const urls = stack.gateway.lines.map((l) => /Debugger listening on (ws:\S+)/.exec(l)?.[1]).filter(Boolean);
  let s = null;
  for (const url of urls) {
    const c = await session(url);
    const r = await c.call('Runtime.evaluate', { expression: `process.env.DSPW_ROLE ?? 'primary'` });
    if (r.result.value === ROLE) s = c;
    else c.close();
  }
  if (!s) throw new Error(`no ${ROLE} process among ${urls.length} inspector ports`);
  await hammer({ url: stack.gateway.url, body, connections: 64, seconds: 3, tokens }); // warm-up
  await s.call('HeapProfiler.enable');
  await s.call('HeapProfiler.startSampling', {
    samplingInterval: Number(o.interval),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const load = await hammer({ url: stack.gateway.url, body, connections: 64, seconds: Number(o.seconds), tokens });
  const { profile } = await s.call('HeapProfiler.stopSampling');
  const spaces = await s.call('Runtime.evaluate', {
    includeCommandLineAPI: true,
    expression: `JSON.stringify(require('v8').getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size, x.space_used_size]))`,
  });
  s.close();

  const parent = new Map();
  const bySite = new Map();
  const walk = (n, up, path) => {
    parent.set(n.id, { node: n, up });
    const here = [frame(n), ...path].slice(0, 4);
    if (n.selfSize) bySite.set(here.join(' < '), (bySite.get(here.join(' < ')) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, n.id, here);
  };
  walk(profile.head, null, []);
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  const perReq = (b) => Math.round(b / load.requests);
  console.log(
    `${ROLE}: ${load.requests} requests (${load.rps.toFixed(0)} req/s); ${(total / 2 ** 20).toFixed(1)} MB allocated, ${perReq(total)} B per request`,
  );
  console.log('\n| % | B/req | site (innermost first) |\n|---:|---:|---|');
  for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(o.top)))
    console.log(`| ${((v / total) * 100).toFixed(1)} | ${perReq(v)} | ${k.replaceAll('|', '\\|')} |`);
  console.log('\nheap spaces at the end (MB size / used):');
  for (const [name, size, used] of JSON.parse(spaces.result.value))
    if (size > 0) console.log(`  ${name}: ${(size / 2 ** 20).toFixed(1)} / ${(used / 2 ** 20).toFixed(1)}`);
  const large = new Map();
  for (const x of profile.samples.filter((x) => x.size > 100_000)) {
    const path = [];
    for (let id = x.nodeId; id && path.length < 5; id = parent.get(id)?.up) path.push(frame(parent.get(id).node));
    const e = large.get(path.join(' < ')) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += x.size;
    large.set(path.join(' < '), e);
  }
  console.log(`\nallocations over 100 kB (large-object space): ${[...large.values()].reduce((a, e) => a + e.n, 0)}`);
  for (const [k, e] of [...large].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 5))
    console.log(`  ${e.n} × ${(e.bytes / e.n / 1024).toFixed(0)} kB avg: ${k}`);
} finally {
  await stack.stop();
}
