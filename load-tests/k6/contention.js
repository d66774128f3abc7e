// contention: many VUs share a few tokens (concurrency 1 each), so most requests find their token
// busy. Every answer must be a 200 with a complete stream or a proper 429 — code
// concurrency_limit_exceeded, Retry-After: 1 — and never a 5xx.
//   k6 run -e BASE_URL=... -e TOKENS_FILE=$PWD/load-tests/tokens.json -e VUS=50 -e SHARED_TOKENS=3 load-tests/k6/contention.js
import http from 'k6/http';
import { sleep } from 'k6';
import { chatBody, judgeStream, loadTokens, mockKnob, post, thresholds } from './lib.js';

const tokens = loadTokens();
const shared = Math.min(Number(__ENV.SHARED_TOKENS || 3), tokens.length);
const BODY = chatBody({ stream: true, mock: mockKnob(5) });

// a 429 is an expected answer here, not a failed request
http.setResponseCallback(http.expectedStatuses(200, 429));

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { contention: { executor: 'constant-vus', vus: Number(__ENV.VUS || 50), duration: __ENV.DURATION || '30s' } },
  thresholds: thresholds('contention'),
};

export default function () {
  const token = tokens[(__VU - 1) % shared];
  const kind = judgeStream(post('/v1/chat/completions', BODY, token, { kind: 'stream' }), ['concurrency']);
  if (kind === 'concurrency_429') sleep(0.01);
}
