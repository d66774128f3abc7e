#!/usr/bin/env node
// What renewing the leases of many long streams costs: the worker's event-loop time for one
// renewal round and redis-server's instructions per renewed lease (callgrind: a private
// redis-server, counted exactly), for the lease keeper with one RENEW call per lease (as on Redis
// Cluster, and as every renewal was before RENEW_MANY) and with RENEW_MANY batches. Every lease also
// holds a capped account's slot (two zsets to renew), the costlier case.
//
//   node bench/lease-renewals.mjs [--leases 10000] [--rounds 3]
//
// A round renews every lease at once (all held at the same instant): the worst case. Streams that
// start at different times are renewed by their own age, a tenth or so of them per tick.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { keys } from '@dsp/core';
import { ScriptClient } from '../apps/gateway/dist/redis/script-client.js';
import { LeaseKeeper } from '../apps/gateway/dist/services/lease-keeper.js';
import { waitFor } from '../load-tests/lib/stack.mjs';
import { needTools, startCallgrindRedis } from './callgrind-redis.mjs';

const { values: o } = parseArgs({ options: { leases: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(o.leases);
const ROUNDS = Number(o.rounds);
const LEASE_MS = 30_000;

needTools('lease-renewals');
const redis = await startCallgrindRedis();
const client = new ScriptClient({ url: redis.url, timeoutMs: 120_000, onState: () => {} });
await waitFor(() => client.status === 'ready', 30_000);

const prefix = 'dsp-renew:';
const accounts = ['a', 'b', 'c'].map((name) => ({ name, leaseKey: keys.accountLeases(prefix, name) }));
const [s, us] = await redis.ctl.time();
const expiry = Number(s) * 1000 + Math.floor(Number(us) / 1000) + LEASE_MS;
const leases = [];
for (let i = 0; i < N; i += 1000) {
  const m = redis.ctl.multi();
  for (let j = i; j < Math.min(N, i + 1000); j++) {
    const lease = { id: `l${j}`, key: keys.leases(prefix, `u${j}`, 't'), held: true, account: accounts[j % 3], accountHeld: true };
    m.zadd(lease.key, expiry, lease.id).pexpire(lease.key, LEASE_MS);
    m.zadd(lease.account.leaseKey, expiry, lease.id);
    leases.push(lease);
  }
  await m.exec();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
try {
  for (const [name, batch] of [
    ['one RENEW call per lease', false],
    ['RENEW_MANY batches', true],
  ]) {
    const sync = [];
    const total = [];
    const instr = [];
    for (let round = 0; round <= ROUNDS; round++) {
      let now = 0;
      const keeper = new LeaseKeeper(client, LEASE_MS, { batch, now: () => now });
      for (const l of leases) keeper.hold(l);
      now = LEASE_MS; // every lease is due
      redis.zero();
      const t0 = performance.now();
      const done = keeper.renewDue();
      const t1 = performance.now();
      await done;
      const t2 = performance.now();
      const per = (await redis.instructions()) / N;
      if (round === 0) continue; // warm-up: script cache, JIT
      sync.push(t1 - t0);
      total.push(t2 - t0);
      instr.push(per);
    }
    rows.push([name, median(sync), median(total), median(instr)]);
  }
  console.log(`\nrenewing ${N.toLocaleString('en-US')} streams' leases (token + capped account slot), medians of ${ROUNDS} rounds:\n`);
  console.log('| keeper | event-loop time of the round (ms) | until Redis answered (ms, under callgrind) | redis-server instructions per stream |');
  console.log('|---|---:|---:|---:|');
  for (const [name, a, b, c] of rows) console.log(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(0)} | ${Math.round(c).toLocaleString('en-US')} |`);
  console.log(
    `\nbatched / one call each: event-loop time ${(rows[1][1] / rows[0][1]).toFixed(2)}×, Redis instructions ${(rows[1][3] / rows[0][3]).toFixed(2)}×`,
  );
} finally {
  client.disconnect();
  await redis.stop();
}
