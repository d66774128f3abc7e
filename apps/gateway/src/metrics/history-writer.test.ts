import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { minutePoint } from '@dsp/core';
import { cumulativeOf, minuteDelta } from './history-writer.js';

// the gateway's own metric names and labels, in a real prom-client registry
function registry() {
  const r = new Registry();
  const requests = new Counter({ name: 'dsp_requests_total', help: 'x', labelNames: ['route', 'status'], registers: [r] });
  const duration = new Histogram({ name: 'dsp_request_duration_seconds', help: 'x', labelNames: ['route', 'status'], buckets: [0.05, 0.1, 1], registers: [r] });
  const tokens = new Counter({ name: 'dsp_usage_tokens_total', help: 'x', labelNames: ['kind'], registers: [r] });
  return { r, requests, duration, tokens };
}
const json = async (r: Registry) => (await r.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];

describe('dashboard history writer', () => {
  it('classifies statuses, keeps aborted requests out of the latency buckets, and counts tokens', async () => {
    const m = registry();
    const answer = (status: string, seconds: number) => {
      m.requests.inc({ route: '/v1/chat/completions', status });
      m.duration.observe({ route: '/v1/chat/completions', status }, seconds);
    };
    answer('200', 0.02);
    answer('200', 0.07);
    answer('429', 0.001);
    answer('502', 0.5);
    answer('499', 30); // abandoned: counted, but its duration is the client's patience
    m.tokens.inc({ kind: 'prompt' }, 120);
    m.tokens.inc({ kind: 'completion' }, 30);
    m.tokens.inc({ kind: 'cache_hit' }, 100);
    const c = cumulativeOf(await json(m.r));
    expect(Object.fromEntries(c)).toEqual({ req: 5, s4xx: 1, s5xx: 1, aborted: 1, tin: 120, tout: 30, 'le:0.05': 2, 'le:0.1': 3, 'le:1': 4, 'le:+Inf': 4 });
    const p = minutePoint(1, Object.fromEntries([...c].map(([k, v]) => [k, String(v)])));
    expect(p.p95Ms).toBeGreaterThan(100);
    expect(p.p95Ms).toBeLessThanOrEqual(1000);
  });

  it('writes only what changed since the last scrape; a counter that went down restarted from zero', async () => {
    const m = registry();
    m.requests.inc({ route: '/v1/chat/completions', status: '200' }, 10);
    const first = cumulativeOf(await json(m.r));
    m.requests.inc({ route: '/v1/chat/completions', status: '200' }, 4);
    m.tokens.inc({ kind: 'prompt' }, 7);
    expect(Object.fromEntries(minuteDelta(cumulativeOf(await json(m.r)), first))).toEqual({ req: 4, tin: 7 });
    // a replaced worker: the host's sum fell from 14 to 3 — those 3 are new
    const restarted = new Map([['req', 3]]);
    expect(Object.fromEntries(minuteDelta(restarted, cumulativeOf(await json(m.r))))).toEqual({ req: 3 });
    expect(minuteDelta(first, first).size).toBe(0);
  });
});
