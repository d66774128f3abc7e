#!/usr/bin/env node
// The upstream pool's cost of finding a connection while N requests are in flight: undici's Pool
// (which scans every client it holds, twice per request) against the gateway's pool with a free
// list (apps/gateway/src/upstream/indexed-pool.ts). Dispatches N requests to a local server that
// accepts and never answers, and times the synchronous dispatch loop (which includes creating each
// client and starting its connect); rounds interleaved, medians. `node bench/pool-dispatch.mjs [N…]`
// (default 1000 4000 8000; a process holds 2 fds per request here, so N ≤ about half of `ulimit -n`).
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GATEWAY_MAIN, REPO, median, requireBuilt, sleep } from '../load-tests/lib/stack.mjs';

requireBuilt();
const require = createRequire(GATEWAY_MAIN);
const Pool = require('undici/lib/dispatcher/pool.js');
const { createIndexedPool } = await import(pathToFileURL(join(REPO, 'apps/gateway/dist/upstream/indexed-pool.js')).href);
const sizes = process.argv.slice(2).map(Number);
const ROUNDS = 3;

const held = [];
const server = createServer((s) => held.push(s));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const handler = { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete() {}, onError() {} };
const make = { 'undici Pool': () => new Pool(origin, { pipelining: 1 }), 'free list': () => createIndexedPool(origin, { pipelining: 1 }) };

console.log('| requests in flight | undici Pool µs per request | free list µs per request | ratio |');
console.log('|---:|---:|---:|---:|');
for (const n of sizes.length ? sizes : [1000, 4000, 8000]) {
  const us = { 'undici Pool': [], 'free list': [] };
  for (let r = 0; r < ROUNDS; r++)
    for (const kind of r % 2 ? ['free list', 'undici Pool'] : ['undici Pool', 'free list']) {
      const pool = make[kind]();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) pool.dispatch({ path: '/', method: 'GET' }, handler);
      us[kind].push(((performance.now() - t0) / n) * 1000);
      await pool.destroy();
      for (const s of held.splice(0)) s.destroy();
      await sleep(200);
    }
  const a = median(us['undici Pool']);
  const b = median(us['free list']);
  console.log(`| ${n} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}× |`);
}
server.close();
