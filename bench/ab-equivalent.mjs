#!/usr/bin/env node
// The seed's `ab -n 1000 -c 10` without ab: 1000 POSTs, 10 concurrent, a new HTTP/1.1
// connection per request (as ab without -k). ab speaks only HTTP/1.0, which the gateway's
// uWebSockets build does not answer (docs/OPERATIONS.md, "Front proxy"), so this is the row
// `pnpm bench` always reports; it also records whether an HTTP/1.0 request is answered at all.
//
//   node bench/ab-equivalent.mjs        # alone: its own stack (mock, database, 1-worker gateway)
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startStack } from '../load-tests/lib/stack.mjs';
import { oneShots } from '../load-tests/lib/loadgen.mjs';
import { mintTokens } from '../load-tests/mint-tokens.mjs';

export const AB_EQUIVALENT = 'node (undici): 1000 requests, 10 concurrent, a new HTTP/1.1 connection per request';
const CHAT = JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello from the benchmark' }] });

/** Does the server answer an HTTP/1.0 request (all ab speaks) within 2 s? */
export function answersHttp10(port) {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'));
    const t = setTimeout(() => {
      s.destroy();
      res(false);
    }, 2000);
    s.once('data', () => {
      clearTimeout(t);
      s.destroy();
      res(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      res(false);
    });
  });
}

/** ab's figures (req/s, percentiles in ms, failures) for the same case. */
export async function abEquivalent({ url, token, body = CHAT }) {
  const h = await oneShots({ url, body, connections: 10, amount: 1000, token });
  return { rps: h.rps, p50: h.p50, p95: h.p95, p99: h.p99, failed: h.errors, non2xx: h.requests - h.ok, complete: h.requests, seconds: h.elapsed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stack = await startStack({ workers: 1 });
  try {
    const { tokens } = await mintTokens({ auth: stack.auth, count: 1, userPrefix: 'bench-ab', concurrency: 10 });
    const http10 = await answersHttp10(stack.gateway.port);
    const r = await abEquivalent({ url: stack.gateway.url, token: tokens[0].token });
    console.log(`${AB_EQUIVALENT}, 1 worker`);
    console.log(
      `${r.complete} complete, ${r.failed} failed, ${r.non2xx} non-2xx in ${r.seconds.toFixed(3)} s: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
    );
    console.log(`HTTP/1.0 request answered: ${http10 ? 'yes' : 'no (ignored; the connection stays open until the client gives up)'}`);
  } finally {
    await stack.stop();
  }
}
