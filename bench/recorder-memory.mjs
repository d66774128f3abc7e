#!/usr/bin/env node
// The usage recorder's memory and CPU per event under sustained load: a 1-worker stack, 5 rounds of
// 8 s at 64 connections (non-stream), then 11 s idle. How the recorder's node flags
// (RECORDER_NODE_FLAGS in apps/gateway/src/primary.ts) were chosen: edit them, `pnpm build`, rerun.
//
//   pnpm build && node bench/recorder-memory.mjs
import { clusterMembers, cpuSeconds, pssBytes, rssAnonBytes, sleep, startStack } from '../load-tests/lib/stack.mjs';
import { hammer } from '../load-tests/lib/loadgen.mjs';
import { mintTokens } from '../load-tests/mint-tokens.mjs';

const ROUNDS = 5;
const SECONDS = 8;
const stack = await startStack({ workers: 1 });
const mb = (b) => (b / 2 ** 20).toFixed(1);
const recorder = () => clusterMembers(stack.gateway.pid).recorder[0];
let requests = 0;
const cpu0 = cpuSeconds(recorder());
const show = (label) => {
  const cpu = cpuSeconds(recorder()) - cpu0;
  const perEvent = requests ? `, ${((cpu / requests) * 1e6).toFixed(1)} µs CPU per event so far` : '';
  console.log(`${label}: recorder PSS ${mb(pssBytes(recorder()))} MB, anon ${mb(rssAnonBytes(recorder()))} MB${perEvent}`);
};
try {
  const tokens = (await mintTokens({ auth: stack.auth, count: 256, userPrefix: 'rec' })).tokens.map((t) => t.token);
  const body = JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello' }] });
  show('idle');
  for (let i = 0; i < ROUNDS; i++) {
    const r = await hammer({ url: stack.gateway.url, body, connections: 64, seconds: SECONDS, tokens });
    requests += r.requests;
    show(`after ${requests} requests (${r.rps.toFixed(0)} req/s)`);
  }
  // the recorder may still be catching up with the queue: its CPU keeps counting
  await sleep(11_000);
  show('11 s idle');
} finally {
  await stack.stop();
}
