// The fallback's verdict logic: the same thresholds.json k6 uses must fail a run on a 5xx, on an
// incomplete stream and on an error that is not a proper 429.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM modules without type declarations
import { Metrics, THRESHOLDS, evaluate, percentile } from './lib/thresholds.mjs';
// @ts-expect-error plain ESM modules without type declarations
import { OUTCOME_COUNTERS, classify, parseSse, record, streamProblem } from './lib/checks.js';

type Snapshot = Record<string, unknown>;
interface Verdict {
  ok: boolean;
  results: { metric: string; expr: string; ok: boolean; actual: number }[];
}

const GOOD_STREAM = [
  'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}',
  'data: {"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}',
  'data: {"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]}',
  'data: [DONE]',
  '',
].join('\n\n');

/** Build a run's metrics from (status, headers, body) answers the way the runners do. */
function run(answers: [number, Record<string, string>, string][], allow: string[], opts: { stream?: boolean } = {}) {
  const m = new Metrics();
  const counters = Object.fromEntries((OUTCOME_COUNTERS as string[]).map((n) => [n, m.counter(n)]));
  for (const [status, headers, body] of answers) {
    const c = classify(status, headers, body, allow) as { kind: string };
    record(counters, c.kind);
    if (c.kind === 'ok_200' && opts.stream) m.counter('incomplete_streams').add(streamProblem(parseSse(body)) ? 1 : 0);
    m.trend('http_req_duration').add(5);
    m.trend('stream_first_chunk').add(2);
    m.trend('chunk_gap_ms').add(20);
  }
  return m.snapshot() as Snapshot;
}

const failedMetrics = (v: Verdict) => v.results.filter((r) => !r.ok).map((r) => r.metric);
const ok200: [number, Record<string, string>, string] = [200, {}, GOOD_STREAM];
const concurrency429: [number, Record<string, string>, string] = [
  429,
  { 'Retry-After': '1' },
  '{"error":{"message":"busy","type":"rate_limit_error","code":"concurrency_limit_exceeded"}}',
];

describe('load-test thresholds', () => {
  it('passes a clean contention run (200s and proper 429s)', () => {
    const v = evaluate(THRESHOLDS.contention, run([ok200, concurrency429, ok200, concurrency429], ['concurrency'], { stream: true })) as Verdict;
    expect(failedMetrics(v)).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('fails on a single 5xx', () => {
    for (const scenario of ['smoke', 'throughput', 'streaming', 'contention', 'quota', 'soak']) {
      const v = evaluate(
        THRESHOLDS[scenario],
        run([ok200, [502, {}, '{"error":{"code":"upstream_unreachable"}}'], ok200], ['concurrency', 'quota'], { stream: true }),
      ) as Verdict;
      expect(v.ok, scenario).toBe(false);
      expect(failedMetrics(v), scenario).toContain('server_errors');
    }
  });

  it('fails on an incomplete stream (no finish_reason / no [DONE] / an error frame)', () => {
    const cut = GOOD_STREAM.split('\n\n').slice(0, 2).join('\n\n');
    const noDone = GOOD_STREAM.replace('data: [DONE]', '');
    const errored = GOOD_STREAM.replace('data: [DONE]', 'data: {"error":{"message":"upstream went silent","code":"upstream_timeout"}}\n\ndata: [DONE]');
    for (const body of [cut, noDone, errored]) {
      const v = evaluate(THRESHOLDS.streaming, run([ok200, [200, {}, body]], [], { stream: true })) as Verdict;
      expect(v.ok).toBe(false);
      expect(failedMetrics(v)).toEqual(['incomplete_streams']);
    }
  });

  it('fails contention on an error that is not a proper concurrency 429', () => {
    const cases: [number, Record<string, string>, string][] = [
      [403, {}, '{"error":{"code":"user_disabled"}}'],
      [400, {}, '{"error":{"code":"invalid_request"}}'],
      [429, {}, '{"error":{"code":"concurrency_limit_exceeded"}}'], // no Retry-After
      [429, { 'retry-after': '1' }, '{"error":{"code":"rate_limited"}}'], // wrong code
      [429, { 'retry-after': '1' }, 'Too Many Requests'], // not OpenAI-shaped
    ];
    for (const answer of cases) {
      const v = evaluate(THRESHOLDS.contention, run([ok200, concurrency429, answer], ['concurrency'], { stream: true })) as Verdict;
      expect(v.ok, JSON.stringify(answer)).toBe(false);
      expect(
        failedMetrics(v).some((m) => m === 'wrong_429' || m === 'unexpected_status'),
        JSON.stringify(answer),
      ).toBe(true);
    }
  });

  it('counts a well-formed concurrency 429 as unexpected where the per-token limit must not be hit', () => {
    const v = evaluate(THRESHOLDS.throughput, run([ok200, concurrency429], [])) as Verdict;
    expect(failedMetrics(v)).toEqual(['unexpected_status']);
  });

  it('quota: needs a quota_exceeded 429 with a positive Retry-After, and no 200 past the quota', () => {
    const q429: [number, Record<string, string>, string] = [429, { 'Retry-After': '3600' }, '{"error":{"code":"quota_exceeded"}}'];
    expect((evaluate(THRESHOLDS.quota, run([ok200, q429], ['quota'])) as Verdict).ok).toBe(true);
    const bad: [number, Record<string, string>, string] = [429, { 'Retry-After': '0' }, '{"error":{"code":"quota_exceeded"}}'];
    expect(failedMetrics(evaluate(THRESHOLDS.quota, run([ok200, bad], ['quota'])) as Verdict)).toEqual(['wrong_429', 'quota_429']);
    const snap = run([ok200, q429], ['quota']);
    const m = new Metrics();
    m.counter('over_quota_200').add(1);
    expect(failedMetrics(evaluate(THRESHOLDS.quota, { ...snap, ...m.snapshot() }) as Verdict)).toEqual(['over_quota_200']);
  });

  it('fails a trend threshold without samples, and a counter that must be > 0 but stayed 0', () => {
    const v = evaluate({ http_req_duration: ['p(95)<500'], concurrency_429: ['count>0'] }, {}) as Verdict;
    expect(v.results.map((r) => r.ok)).toEqual([false, false]);
  });

  it('evaluates k6 expressions like k6 (percentile by linear interpolation)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    const m = new Metrics();
    for (let i = 1; i <= 100; i++) m.trend('t').add(i);
    m.rate('r').add(true);
    m.rate('r').add(false);
    const v = evaluate({ t: ['p(95)<96', 'p(95)>95', 'avg==50.5', 'max<=100', 'med<51'], r: ['rate==0.5'] }, m.snapshot()) as Verdict;
    expect(v.results.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
    expect(() => evaluate({ t: ['p95<1'] }, m.snapshot())).toThrow(/unsupported/);
  });
});
