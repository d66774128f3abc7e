// The Prometheus parser and the live figures computed from successive scrapes.
import { describe, expect, it } from 'vitest';
import { counterDelta, histogramDelta, quantile } from '../src/metrics/deltas.js';
import { digestText, type Digest } from '../src/metrics/digest.js';
import { snapshot, type ScrapeResult } from '../src/metrics/snapshot.js';
import { parsePrometheus } from '../src/metrics/prom.js';

const BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, Infinity];

function exposition(o: {
  requests: number;
  durations: number[];
  firstBytes?: number[];
  inFlight?: number;
  blocked?: { concurrency: number; quota: number };
  pool?: [number, number];
  upstream?: [number, number];
  /** requests abandoned by the client (status 499) and how long each ran before the client left */
  aborted?: number[];
}): string {
  const hist = (name: string, values: number[], labels: string) =>
    BUCKETS.map((le) => `${name}_bucket{${labels}le="${le === Infinity ? '+Inf' : le}"} ${values.filter((v) => v <= le).length}`).join('\n') +
    `\n${name}_sum{${labels.replace(/,$/, '')}} ${values.reduce((a, b) => a + b, 0)}\n${name}_count{${labels.replace(/,$/, '')}} ${values.length}`;
  return [
    '# HELP dsp_requests_total Requests answered',
    '# TYPE dsp_requests_total counter',
    `dsp_requests_total{route="/v1/chat/completions",status="200"} ${o.requests}`,
    `dsp_requests_total{route="/v1/chat/completions",status="429"} 0`,
    '# TYPE dsp_request_duration_seconds histogram',
    hist('dsp_request_duration_seconds', o.durations, 'route="/v1/chat/completions",status="200",'),
    `dsp_requests_total{route="/v1/chat/completions",status="499"} ${o.aborted?.length ?? 0}`,
    hist('dsp_request_duration_seconds', o.aborted ?? [], 'route="/v1/chat/completions",status="499",'),
    hist('dsp_upstream_first_byte_duration_seconds', o.firstBytes ?? [], ''),
    `dsp_token_concurrent_requests ${o.inFlight ?? 0}`,
    `dsp_requests_blocked_total{reason="concurrency"} ${o.blocked?.concurrency ?? 0}`,
    `dsp_requests_blocked_total{reason="quota"} ${o.blocked?.quota ?? 0}`,
    `dsp_pool_active_connections ${o.pool?.[0] ?? 0}`,
    `dsp_pool_idle_connections ${o.pool?.[1] ?? 0}`,
    `dsp_upstream_requests_total ${o.upstream?.[0] ?? 0}`,
    `dsp_upstream_connections_opened_total ${o.upstream?.[1] ?? 0}`,
    `dsp_connection_reuse_ratio 0`,
  ].join('\n');
}

describe('prometheus text parser', () => {
  it('reads names, labels (with escapes), values and special values; skips comments', () => {
    const { samples, errors } = parsePrometheus(
      [
        '# HELP x help text',
        'a_total 3',
        'b{x="1",y="with \\"quote\\" and \\\\ and \\n"} 2.5 1700000000000',
        'c_bucket{le="+Inf"} +Inf',
        'd NaN',
        'e{} -Inf',
        'garbage line {',
        '',
      ].join('\n'),
    );
    expect(errors).toBe(1);
    expect(samples).toEqual([
      { name: 'a_total', labels: {}, value: 3 },
      { name: 'b', labels: { x: '1', y: 'with "quote" and \\ and \n' }, value: 2.5 },
      { name: 'c_bucket', labels: { le: '+Inf' }, value: Infinity },
      { name: 'd', labels: {}, value: NaN },
      { name: 'e', labels: {}, value: -Infinity },
    ]);
  });
});

describe('histogram quantiles', () => {
  it('interpolates within a bucket like histogram_quantile', () => {
    const b = new Map([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Infinity, 100],
    ]);
    expect(quantile(0.5, b)).toBeCloseTo(0.1);
    expect(quantile(0.95, b)).toBeCloseTo(0.75);
    expect(quantile(0.5, new Map([[Infinity, 0]]))).toBeNull();
    // everything above the highest finite bound: that bound
    expect(
      quantile(
        0.5,
        new Map([
          [1, 0],
          [Infinity, 4],
        ]),
      ),
    ).toBe(1);
  });

  it('handles counter resets', () => {
    expect(counterDelta(10, 4)).toBe(6);
    expect(counterDelta(3, 40)).toBe(3);
    expect(counterDelta(3, undefined)).toBe(3);
    const prev = new Map([
      [
        's',
        new Map([
          [1, 10],
          [Infinity, 10],
        ]),
      ],
    ]);
    const cur = new Map([
      [
        's',
        new Map([
          [1, 2],
          [Infinity, 3],
        ]),
      ],
    ]);
    expect([...histogramDelta(cur, prev)]).toEqual([
      [1, 2],
      [Infinity, 3],
    ]);
  });
});

describe('snapshots', () => {
  const URL_A = 'http://a/metrics';
  const URL_B = 'http://b/metrics';
  const ok = (url: string, at: number, text: string): ScrapeResult => ({ url, at, ok: true, digest: digestText(text, at) });

  it('computes rates and latency over the last interval and sums the hosts that are up', () => {
    const t0 = 1_000_000;
    const prev = new Map<string, Digest>([
      [URL_A, digestText(exposition({ requests: 10, durations: Array(10).fill(0.02) }), t0)],
      [URL_B, digestText(exposition({ requests: 5, durations: Array(5).fill(0.02) }), t0)],
    ]);
    const s = snapshot(
      [
        ok(
          URL_A,
          t0 + 1000,
          exposition({
            requests: 20,
            durations: [...Array(10).fill(0.02), ...Array(10).fill(0.3)],
            firstBytes: [0.04, 0.04],
            inFlight: 2,
            blocked: { concurrency: 3, quota: 1 },
            pool: [2, 5],
            upstream: [20, 2],
          }),
        ),
        ok(
          URL_B,
          t0 + 1000,
          exposition({ requests: 15, durations: [...Array(5).fill(0.02), ...Array(10).fill(0.3)], inFlight: 1, pool: [1, 3], upstream: [15, 3] }),
        ),
      ],
      prev,
      t0 + 1000,
    );
    expect(s.hostsDown).toBe(0);
    const a = s.hosts[0]!;
    expect(a.up && a.requestsPerSec).toBeCloseTo(10);
    expect(s.total!.requestsPerSec).toBeCloseTo(20);
    expect(s.total!.requestsTotal).toBe(35);
    // the last interval's 20 requests all took 0.3 s (bucket 0.1–0.5): p50 inside that bucket
    expect(s.total!.p50Ms).toBeGreaterThan(100);
    expect(s.total!.p50Ms).toBeLessThanOrEqual(500);
    expect(s.total!.firstByteP50Ms).toBeCloseTo(30);
    expect(s.total!.inFlight).toBe(3);
    expect(s.total!.poolActive).toBe(3);
    expect(s.total!.poolIdle).toBe(8);
    expect(s.total!.blockedTotal).toEqual({ concurrency: 3, quota: 1 });
    expect(s.total!.blockedPerSec).toEqual({ concurrency: 3, quota: 1 });
    expect(s.total!.reuseRatio).toBeCloseTo(1 - 5 / 35);
  });

  it('leaves requests the client abandoned (499) out of the latency and counts them on their own', () => {
    const t0 = 3_000_000;
    const prev = new Map<string, Digest>([[URL_A, digestText(exposition({ requests: 0, durations: [] }), t0)]]);
    // 10 answered in 20 ms; 10 abandoned after 30 s: with them, p95 would be seconds
    const s = snapshot([ok(URL_A, t0 + 2000, exposition({ requests: 10, durations: Array(10).fill(0.02), aborted: Array(10).fill(30) }))], prev, t0 + 2000);
    expect(s.total!.p95Ms).toBeLessThanOrEqual(50); // inside the 10-50 ms bucket; with the 499s it would be 1000
    expect(s.total!.abortedTotal).toBe(10);
    expect(s.total!.abortedPerSec).toBeCloseTo(5);
    expect(s.total!.requestsTotal).toBe(20);
  });

  it('shows a host that is down as down and leaves it out of the sums (not as zero)', () => {
    const t0 = 2_000_000;
    const prev = new Map<string, Digest>([[URL_A, digestText(exposition({ requests: 10, durations: [] }), t0)]]);
    const s = snapshot(
      [
        ok(URL_A, t0 + 1000, exposition({ requests: 12, durations: [0.02, 0.02], inFlight: 4 })),
        { url: URL_B, at: t0 + 1000, ok: false, error: 'ECONNREFUSED' },
      ],
      prev,
      t0 + 1000,
    );
    expect(s.hostsDown).toBe(1);
    expect(s.hosts[1]).toEqual({ url: URL_B, up: false, at: t0 + 1000, error: 'ECONNREFUSED' });
    expect(s.total!.hostsUp).toBe(1);
    expect(s.total!.requestsTotal).toBe(12);
    expect(s.total!.inFlight).toBe(4);
    expect(s.total!.requestsPerSec).toBeCloseTo(2);
    // every host down: no totals at all
    const none = snapshot([{ url: URL_A, at: t0, ok: false, error: 'timeout' }], new Map(), t0);
    expect(none.total).toBeNull();
  });

  it('has no rate until a host has been scraped twice, and no latency without traffic', () => {
    const s = snapshot([ok(URL_A, 1, exposition({ requests: 7, durations: [0.02] }))], new Map(), 1);
    const a = s.hosts[0]!;
    expect(a.up && a.requestsPerSec).toBeNull();
    expect(s.total!.requestsTotal).toBe(7);
    expect(s.total!.p50Ms).toBeNull();
    expect(s.total!.reuseRatio).toBeNull();
  });
});

describe('live chart points', () => {
  it('break the lines where scrapes are missing, so the time axis stays to scale', async () => {
    const { withGaps } = await import('../src/metrics/history.js');
    const p = (at: number) => ({
      at,
      rps: 1,
      aborted: 0,
      p50: 1,
      p95: 1,
      fb50: 1,
      inFlight: 0,
      blockedConcurrency: 0,
      blockedQuota: 0,
      poolActive: 0,
      poolIdle: 0,
      hostsUp: 1,
      hostsDown: 0,
    });
    const out = withGaps([p(0), p(1000), p(2000), p(60_000), p(61_000)]);
    expect(out.map((x) => [x.at, x.rps ?? null])).toEqual([
      [0, 1],
      [1000, 1],
      [2000, 1],
      [2001, null],
      [60_000, 1],
      [61_000, 1],
    ]);
  });
});
