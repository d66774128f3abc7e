// quota: users with a daily request quota (mint them with `mint-tokens.mjs --daily-requests N`)
// each send N + EXTRA requests: the first N succeed, then every answer must be a 429 with code
// quota_exceeded and a positive Retry-After (seconds to the reset), and no 200 past the quota.
//   node load-tests/mint-tokens.mjs --config deepseek-proxy.toml --count 20 --daily-requests 3 --out load-tests/quota-tokens.json
//   k6 run -e BASE_URL=... -e QUOTA_TOKENS_FILE=$PWD/load-tests/quota-tokens.json load-tests/k6/quota.js
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import { chatBody, judge, post, thresholds } from './lib.js';

const doc = JSON.parse(open(__ENV.QUOTA_TOKENS_FILE || '../quota-tokens.json'));
if (doc.dailyRequests === null || doc.dailyRequests === undefined)
  throw new Error('the quota tokens file has no dailyRequests: mint it with --daily-requests N');
const QUOTA = Number(doc.dailyRequests);
const EXTRA = Number(__ENV.EXTRA || 2);
const BODY = chatBody();
const overQuota = new Counter('over_quota_200');

http.setResponseCallback(http.expectedStatuses(200, 429));

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { quota: { executor: 'per-vu-iterations', vus: doc.tokens.length, iterations: 1, maxDuration: '2m' } },
  thresholds: thresholds('quota'),
};

export default function () {
  const token = doc.tokens[__VU - 1].token;
  let ok = 0;
  let refused = false;
  for (let i = 0; i < QUOTA + EXTRA; i++) {
    const kind = judge(post('/v1/chat/completions', BODY, token, { kind: 'chat' }), ['quota']);
    if (kind === 'ok_200') {
      ok++;
      overQuota.add(refused || ok > QUOTA ? 1 : 0);
    } else if (kind === 'quota_429') refused = true;
  }
}
