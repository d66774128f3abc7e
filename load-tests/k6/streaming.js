// streaming: SSE chat streams, one token per VU. Measures the time to the first chunk (time to
// first byte) and the mean gap between chunks, and fails on any incomplete stream.
//   k6 run -e BASE_URL=... -e TOKENS_FILE=$PWD/load-tests/tokens.json -e VUS=20 -e DURATION=30s load-tests/k6/streaming.js
// Against the mock upstream each chunk is delayed MOCK_CHUNK_DELAY_MS (default 20; 0 against a real upstream).
import { chatBody, judgeStream, loadTokens, mockKnob, post, thresholds, tokenOfVu } from './lib.js';

const tokens = loadTokens();
const BODY = chatBody({ stream: true, mock: mockKnob(20) });

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    streaming: { executor: 'constant-vus', vus: Math.min(Number(__ENV.VUS || 20), tokens.length), duration: __ENV.DURATION || '30s' },
  },
  thresholds: thresholds('streaming'),
};

export default function () {
  judgeStream(post('/v1/chat/completions', BODY, tokenOfVu(tokens), { kind: 'stream' }), []);
}
