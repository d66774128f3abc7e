#!/usr/bin/env node
// The hot path's Redis client, re-measured (issue 21): the gateway's own RESP script client
// against ioredis (auto-pipelining on, as the worker would configure it) and node-redis
// (@redis/client), each running the request path's two scripts — an admission and a finish per
// request — on distinct users, `CONCURRENCY` calls in flight, in interleaved rounds (A, B, C,
// C, B, A, …) so drift in the host's speed hits all alike. Reports the medians of client CPU per
// admit + finish pair (this process's user + system time), pairs per second and redis-server CPU
// per pair, and the ratios to the script client.
//
//   node bench/redis-clients.mjs [--rounds 6] [--seconds 3] [--concurrency 64]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ADMIT, FINISH, evalRunner, flatArgs, scriptSha } from '@dsp/core';
import { requestScripts } from './script-inputs.mjs';
import { ScriptClient } from '../apps/gateway/dist/redis/script-client.js';
import { REDIS_URL, median, redisServerCpu, sleep } from '../load-tests/lib/stack.mjs';

const { values: o } = parseArgs({
  options: { rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '64' } },
});
const ROUNDS = Number(o.rounds);
const SECONDS = Number(o.seconds);
const CONCURRENCY = Number(o.concurrency);
const prefix = `dsp-bench-clients-${randomBytes(4).toString('hex')}:`;

const pair = (loop, n) => requestScripts(prefix, loop, n);

/** node-redis speaks strings: its runner for the same typed scripts. */
function nodeRedisRunner(client) {
  return {
    async run(script, input) {
      const c = script.encode(input);
      const args = flatArgs(c.args).map(String);
      const reply = await client.evalSha(scriptSha(script.lua), { keys: args.slice(0, c.keys), arguments: args.slice(c.keys) });
      return script.decode(reply);
    },
  };
}

async function clients() {
  const out = [];
  const own = new ScriptClient({ url: REDIS_URL, timeoutMs: 2000, onState: () => {} });
  out.push({ name: 'script client (ours)', runner: own, close: () => own.disconnect() });
  const io = new Redis(REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: 0 });
  out.push({ name: 'ioredis, auto-pipelining', runner: evalRunner(io), close: () => io.disconnect() });
  try {
    const { createClient } = await import('@redis/client');
    const nr = createClient({ url: REDIS_URL });
    await nr.connect();
    out.push({ name: 'node-redis (@redis/client)', runner: nodeRedisRunner(nr), close: () => nr.destroy() });
  } catch (e) {
    console.log(`node-redis not measured: ${e.message}`);
  }
  return out;
}

async function round(runner) {
  const until = performance.now() + SECONDS * 1000;
  let pairs = 0;
  const loop = async (i) => {
    for (let n = 0; performance.now() < until; n++) {
      const p = pair(i, n);
      const a = await runner.run(ADMIT, p.admit);
      if (!a.ok) throw new Error(`admission refused: ${JSON.stringify(a)}`);
      await runner.run(FINISH, p.finish);
      pairs++;
    }
  };
  const cpu0 = process.cpuUsage();
  const redis0 = redisServerCpu();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => loop(i)));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    pairsPerSecond: pairs / wall,
    clientUs: (cpu.user + cpu.system) / pairs,
    redisUs: ((redisServerCpu() - redis0) / pairs) * 1e6,
  };
}

const cleanup = new Redis(REDIS_URL);
const list = await clients();
try {
  // load both scripts into Redis's cache once (EVALSHA then finds them)
  for (const s of [ADMIT, FINISH]) await cleanup.script('LOAD', s.lua);
  while (list.some((c) => c.runner.status === 'connecting')) await sleep(10);
  for (const c of list) await round(c.runner); // warm-up
  const runs = new Map(list.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...list].reverse() : list;
    for (const c of order) {
      const m = await round(c.runner);
      runs.get(c.name).push(m);
      console.log(`${c.name}: ${m.pairsPerSecond.toFixed(0)} pairs/s, client ${m.clientUs.toFixed(1)} µs/pair, redis ${m.redisUs.toFixed(1)} µs/pair`);
    }
  }
  const med = (name, k) => median(runs.get(name).map((m) => m[k]));
  const base = list[0].name;
  console.log(`\nmedians of ${ROUNDS} rounds of ${SECONDS} s, ${CONCURRENCY} in flight:`);
  console.log('| client | pairs/s | client CPU µs per admit + finish | redis-server CPU µs per pair | client CPU vs ours | pairs/s vs ours |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const c of list) {
    console.log(
      `| ${c.name} | ${med(c.name, 'pairsPerSecond').toFixed(0)} | ${med(c.name, 'clientUs').toFixed(1)} | ${med(c.name, 'redisUs').toFixed(1)} | ${(med(c.name, 'clientUs') / med(base, 'clientUs')).toFixed(2)}× | ${(med(c.name, 'pairsPerSecond') / med(base, 'pairsPerSecond')).toFixed(2)}× |`,
    );
  }
} finally {
  for (const c of list) c.close();
  const found = await cleanup.keys(`${prefix}*`);
  if (found.length) await cleanup.del(...found);
  cleanup.disconnect();
}
