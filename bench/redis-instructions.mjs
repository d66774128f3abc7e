#!/usr/bin/env node
// What the request path's Redis scripts cost redis-server, in instructions: a private redis-server
// runs under valgrind's callgrind, which counts executed instructions, so the figure is the same
// run after run whatever else the host is doing (CPU-time figures on this shared 2-core host swing
// by ±30 %). Each case runs `--pairs` requests' admission + finish through the gateway's own script
// client, `--concurrency` in flight (so replies are pipelined as in the worker), after a warm-up;
// callgrind's counters are zeroed before and dumped after, and the total is divided by the pairs.
// The instructions include redis-server's whole handling of the two calls (reading, parsing,
// running the Lua, replying), not the kernel's.
//
//   node bench/redis-instructions.mjs [--pairs 2000] [--concurrency 32] [--lua FILE.mjs]
//
// Cases: the single-key form (no account); three capped accounts as a worker admits on them (its
// guess passed alone, the slot released by the finish); three capped accounts all passed (the full
// pick, when a guess was refused); and the admission and the finish of the single-key form alone.
// --lua FILE.mjs: a module exporting `variants`, a map of name → { admit?: LuaScript, finish?: LuaScript }
// run as extra cases next to the current scripts (how a script change is measured before it is made).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIT, FINISH, keys, pickInputs, soloInputs } from '@dsp/core';
import { ScriptClient } from '../apps/gateway/dist/redis/script-client.js';
import { requestScripts } from './script-inputs.mjs';
import { waitFor } from '../load-tests/lib/stack.mjs';
import { needTools, startCallgrindRedis } from './callgrind-redis.mjs';

const { values: o } = parseArgs({
  options: { pairs: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '32' }, lua: { type: 'string' } },
});
const PAIRS = Number(o.pairs);
const CONCURRENCY = Number(o.concurrency);

needTools('redis-instructions');
const redis = await startCallgrindRedis();
const { url, ctl } = redis;

const prefix = 'dsp-instr:';
const accounts = ['a', 'b', 'c'].map((name) => ({ name, cap: 1_000_000, weight: 1, leaseKey: keys.accountLeases(prefix, name) }));

/** The account inputs of request `n`: none, the worker's guess alone (round robin here), or all three. */
function accountInputs(mode, n) {
  if (mode === 'guess') return soloInputs(keys.accountsDisabled(prefix), accounts[n % accounts.length]);
  if (mode === 'all') return pickInputs(keys.accountsDisabled(prefix), accounts, Math.random());
  return null;
}

/** Request `n` of loop `loop` (the admission-alone case keeps its leases: no concurrency limit in the way). */
const pair = (loop, n, mode) =>
  requestScripts(prefix, loop, n, {
    concurrency: 1_000_000,
    accounts: accountInputs(mode, n),
    spend: '1000',
    event: `{"request_id":"l${loop}-${n}","model":"deepseek-chat","prompt_tokens":12,"completion_tokens":30}`,
  });

const client = new ScriptClient({ url, timeoutMs: 60_000, onState: () => {} });
await waitFor(() => client.status === 'ready', 30_000);

/** Runs `count` requests of a case; returns instructions per request when measuring. */
async function run(c, count, measure) {
  if (measure) redis.zero();
  let started = 0;
  const loop = async (i) => {
    for (let n = 0; started < count; n++) {
      started++;
      const p = pair(i, n, c.accounts);
      if (c.admit) {
        const a = await client.run(c.admit, p.admit);
        if (!a.ok) throw new Error(`${c.name}: admission refused ${JSON.stringify(a)}`);
        if (c.accounts) p.finish.accountLeaseKey = accounts[c.accounts === 'guess' ? n % accounts.length : a.account].leaseKey;
      }
      if (c.finish) await client.run(c.finish, p.finish);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => loop(i)));
  const per = measure ? (await redis.instructions()) / count : 0;
  // the finish leaves a lease behind when a case has no admission: clear the run's keys
  await ctl.flushdb();
  return per;
}

const cases = [
  { name: 'single key: admission + finish', admit: ADMIT, finish: FINISH, accounts: false },
  { name: "3 capped accounts: admission on the worker's guess + finish with the slot", admit: ADMIT, finish: FINISH, accounts: 'guess' },
  { name: '3 capped accounts, all passed (the full pick) + finish with the slot', admit: ADMIT, finish: FINISH, accounts: 'all' },
  { name: 'single key: admission alone', admit: ADMIT, finish: null, accounts: false },
  { name: 'single key: finish alone', admit: null, finish: FINISH, accounts: false },
];
if (o.lua) {
  const { variants } = await import(resolve(o.lua));
  for (const [name, v] of Object.entries(variants)) {
    cases.push({ name: `${name} (single key)`, admit: v.admit ?? ADMIT, finish: v.finish ?? FINISH, accounts: false });
    cases.push({ name: `${name} (3 accounts, guess)`, admit: v.admit ?? ADMIT, finish: v.finish ?? FINISH, accounts: 'guess' });
    cases.push({ name: `${name} (3 accounts, all)`, admit: v.admit ?? ADMIT, finish: v.finish ?? FINISH, accounts: 'all' });
  }
}

try {
  for (const c of cases) for (const s of [c.admit, c.finish]) if (s) await ctl.script('LOAD', s.lua);
  const rows = [];
  for (const c of cases) {
    await run(c, 200, false); // warm-up: script cache, key encodings, allocator
    rows.push([c.name, await run(c, PAIRS, true)]);
  }
  const base = rows[0][1];
  console.log(`\nredis-server instructions per request (callgrind; ${PAIRS} requests per case, ${CONCURRENCY} in flight):\n`);
  console.log('| case | instructions per request | vs single key |');
  console.log('|---|---:|---:|');
  for (const [name, per] of rows) console.log(`| ${name} | ${Math.round(per).toLocaleString('en-US')} | ${(per / base).toFixed(3)}× |`);
} finally {
  client.disconnect();
  await redis.stop();
}
