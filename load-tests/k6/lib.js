// Shared by the k6 scripts: target, tokens, thresholds, metrics and the request helpers. The
// response classification and the SSE parser are ../lib/checks.js, which the node fallback uses too.
//
// Env: BASE_URL (default http://127.0.0.1:8877), TOKENS_FILE (default ../tokens.json, i.e.
// load-tests/tokens.json; give an absolute path to be safe: k6 resolves relative paths against the
// script), MOCK_CHUNK_DELAY_MS (per-request knob of the mock upstream; 0 = do not send it).
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import { Counter, Trend } from 'k6/metrics';
import { OUTCOME_COUNTERS, classify, header, parseSse, record, streamProblem } from '../lib/checks.js';

export { chatBody, fimBody } from '../lib/checks.js';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8877').replace(/\/+$/, '');
const THRESHOLDS = JSON.parse(open('../thresholds.json'));

/** The pass/fail criteria of a scenario: thresholds.json, shared with the node fallback. */
export function thresholds(name) {
  return THRESHOLDS[name];
}

/**
 * Tokens minted by mint-tokens.mjs, loaded once and shared by every VU.
 * @returns {string[]}
 */
export function loadTokens(file, name) {
  return new SharedArray(name || 'tokens', function () {
    const doc = JSON.parse(open(file || __ENV.TOKENS_FILE || '../tokens.json'));
    return doc.tokens.map(function (t) {
      return t.token;
    });
  });
}

/** This VU's own token, so a VU never competes with another for the per-token limit. */
export function tokenOfVu(tokens) {
  return tokens[(__VU - 1) % tokens.length];
}

export const counters = {};
for (let i = 0; i < OUTCOME_COUNTERS.length; i++) counters[OUTCOME_COUNTERS[i]] = new Counter(OUTCOME_COUNTERS[i]);
export const incompleteStreams = new Counter('incomplete_streams');
export const streamFirstChunk = new Trend('stream_first_chunk', true);
export const chunkGap = new Trend('chunk_gap_ms', true);

export function mockKnob(defaultDelayMs) {
  const ms = Number(__ENV.MOCK_CHUNK_DELAY_MS === undefined ? defaultDelayMs : __ENV.MOCK_CHUNK_DELAY_MS);
  return ms > 0 ? { chunkDelayMs: ms } : null;
}

export function post(path, body, token, tags) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  return http.post(BASE_URL + path, body, { headers: headers, tags: tags || {} });
}

/** A POST authenticated the Anthropic way (`x-api-key`), as Claude Code and the Anthropic SDKs send it. */
export function postWithApiKey(path, body, key, tags) {
  const headers = { 'Content-Type': 'application/json', 'anthropic-version': '2023-06-01' };
  if (key) headers['x-api-key'] = key;
  return http.post(BASE_URL + path, body, { headers: headers, tags: tags || {} });
}

export function get(path, token) {
  return http.get(BASE_URL + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
}

/** Classify and count one answer; returns the outcome kind. */
export function judge(res, allow) {
  const c = classify(res.status, res.headers, res.body, allow);
  record(counters, c.kind);
  return c.kind;
}

/**
 * Judge a streamed answer. k6's http API buffers the body, so the time to the first chunk is the
 * time to the first byte (timings.waiting: the gateway sends the headers as soon as the upstream's
 * arrive, the first chunk right behind them) and the per-chunk gap is the mean gap of the stream
 * (timings.receiving / frames after the first). The node fallback times every chunk.
 */
export function judgeStream(res, allow) {
  const kind = judge(res, allow);
  if (kind !== 'ok_200') return kind;
  const sse = parseSse(res.body);
  const problem = streamProblem(sse);
  incompleteStreams.add(problem ? 1 : 0);
  check(res, {
    'stream is complete ([DONE], finish_reason, no error frame)': function () {
      return !problem;
    },
  });
  streamFirstChunk.add(res.timings.waiting);
  if (sse.frames > 1) chunkGap.add(res.timings.receiving / (sse.frames - 1));
  return kind;
}

export { check, header, parseSse, streamProblem };
