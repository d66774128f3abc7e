// soak: a long, flat load (80 % non-stream, 20 % stream, one token per VU) with thresholds on
// errors, latency and memory growth. A second scenario scrapes the gateway's /metrics every 10 s
// and records how far the summed RSS of its processes has grown since the end of the warm-up.
//   k6 run -e BASE_URL=... -e TOKENS_FILE=$PWD/load-tests/tokens.json -e METRICS_URL=http://127.0.0.1:9464/metrics \
//          -e RATE=200 -e DURATION=30m load-tests/k6/soak.js
import http from 'k6/http';
import { sleep } from 'k6';
import { Trend } from 'k6/metrics';
import { chatBody, judge, judgeStream, loadTokens, post, thresholds, tokenOfVu } from './lib.js';

const tokens = loadTokens();
// one VU is the memory sampler; the traffic VUs each keep their own token
const maxVUs = Math.max(1, Math.min(Number(__ENV.MAX_VUS || 200), tokens.length) - 1);
const DURATION = __ENV.DURATION || '30m';
const METRICS_URL = __ENV.METRICS_URL || 'http://127.0.0.1:9464/metrics';
const WARMUP_S = Number(__ENV.WARMUP_SECONDS || 60);
const CHAT = chatBody();
const STREAM = chatBody({ stream: true });
const rssGrowth = new Trend('rss_growth_mb');
const rss = new Trend('gateway_rss_mb');

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 200),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.min(50, maxVUs),
      maxVUs: maxVUs,
      exec: 'traffic',
    },
    memory: { executor: 'constant-vus', vus: 1, duration: DURATION, exec: 'memory' },
  },
  thresholds: Object.assign({}, thresholds('soak'), { rss_growth_mb: ['max<64'] }),
};

export function traffic() {
  const token = tokenOfVu(tokens);
  if (Math.random() < 0.2) judgeStream(post('/v1/chat/completions', STREAM, token, { kind: 'stream' }), []);
  else judge(post('/v1/chat/completions', CHAT, token, { kind: 'chat' }), []);
}

let baseline = null;
let startedAt = null;

/** Sum of process_resident_memory_bytes over the gateway's processes, in MB (null if unreachable). */
function scrapeRss() {
  const res = http.get(METRICS_URL, { tags: { kind: 'metrics' }, responseCallback: http.expectedStatuses(200) });
  if (res.status !== 200) return null;
  let sum = 0;
  String(res.body)
    .split('\n')
    .forEach(function (line) {
      if (line.indexOf('process_resident_memory_bytes') === 0) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    });
  return sum / 1048576;
}

export function memory() {
  if (startedAt === null) startedAt = Date.now();
  const mb = scrapeRss();
  if (mb !== null) {
    rss.add(mb);
    if (Date.now() - startedAt >= WARMUP_S * 1000) {
      if (baseline === null) baseline = mb;
      rssGrowth.add(mb - baseline);
    }
  }
  sleep(10);
}
