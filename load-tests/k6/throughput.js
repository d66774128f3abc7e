// throughput: non-stream chat at a constant arrival rate, one token per VU (so the per-token
// concurrency limit is never what is measured). Thresholds: no 5xx, no non-200, p95/p99 latency.
//   k6 run -e BASE_URL=... -e TOKENS_FILE=$PWD/load-tests/tokens.json -e RATE=500 -e DURATION=30s load-tests/k6/throughput.js
// Mint at least MAX_VUS tokens (default 200): k6 never runs more VUs than there are tokens.
import { chatBody, judge, loadTokens, post, thresholds, tokenOfVu } from './lib.js';

const tokens = loadTokens();
const maxVUs = Math.min(Number(__ENV.MAX_VUS || 200), tokens.length);
const BODY = chatBody();

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    throughput: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 500),
      timeUnit: '1s',
      duration: __ENV.DURATION || '30s',
      preAllocatedVUs: Math.min(Number(__ENV.PRE_VUS || 50), maxVUs),
      maxVUs: maxVUs,
    },
  },
  thresholds: thresholds('throughput'),
};

export default function () {
  judge(post('/v1/chat/completions', BODY, tokenOfVu(tokens), { kind: 'chat' }), []);
}
