// The node fallback's threshold evaluator: k6's threshold expressions (`count==0`, `rate<0.01`,
// `p(95)<500`, `avg`, `min`, `max`, `med`) over k6-like metrics (Counter, Trend, Rate), so the
// node runner and k6 judge a run by the very same thresholds.json.
import { readFileSync } from 'node:fs';

export const THRESHOLDS = JSON.parse(readFileSync(new URL('../thresholds.json', import.meta.url), 'utf8'));

/** k6-like metrics: every metric has add(); snapshot() gives what the evaluator reads. */
export class Metrics {
  constructor() {
    this.map = new Map();
  }
  counter(name) {
    return this.get(name, () => ({
      type: 'counter',
      count: 0,
      samples: 0,
      add(v = 1) {
        this.count += v;
        this.samples++;
      },
    }));
  }
  trend(name) {
    return this.get(name, () => ({
      type: 'trend',
      values: [],
      add(v) {
        this.values.push(v);
      },
    }));
  }
  rate(name) {
    return this.get(name, () => ({
      type: 'rate',
      passes: 0,
      fails: 0,
      add(ok) {
        if (ok) this.passes++;
        else this.fails++;
      },
    }));
  }
  get(name, make) {
    let m = this.map.get(name);
    if (!m) this.map.set(name, (m = make()));
    return m;
  }
  snapshot() {
    return Object.fromEntries(this.map);
  }
}

const EXPR = /^\s*(count|rate|avg|min|max|med|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|==|===|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** k6's percentile: linear interpolation between the closest ranks of the sorted samples. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  if (sorted.length === 1) return sorted[0];
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function aggregate(metric, agg, p, durationSeconds) {
  if (metric.type === 'counter') {
    if (agg === 'count') return metric.count;
    if (agg === 'rate') return durationSeconds > 0 ? metric.count / durationSeconds : NaN;
  } else if (metric.type === 'rate') {
    if (agg === 'rate') return metric.passes + metric.fails === 0 ? NaN : metric.passes / (metric.passes + metric.fails);
  } else if (metric.type === 'trend') {
    const v = metric.sorted ?? (metric.sorted = [...metric.values].sort((a, b) => a - b));
    if (v.length === 0) return NaN;
    if (agg === 'avg') return v.reduce((s, x) => s + x, 0) / v.length;
    if (agg === 'min') return v[0];
    if (agg === 'max') return v[v.length - 1];
    if (agg === 'med') return percentile(v, 50);
    if (agg.startsWith('p(')) return percentile(v, Number(p));
  }
  throw new Error(`aggregation ${agg} does not apply to a ${metric.type} metric`);
}

function compare(a, op, b) {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
    case '===':
      return a === b;
    case '!=':
      return a !== b;
  }
  return false;
}

/**
 * Evaluate a scenario's thresholds. A counter nobody fed counts as 0; a trend or rate without
 * samples fails (a scenario that measured nothing must not pass).
 * Returns { ok, results: [{ metric, expr, ok, actual }] }.
 */
export function evaluate(spec, snapshot, durationSeconds = 0) {
  const results = [];
  for (const [metric, exprs] of Object.entries(spec)) {
    for (const expr of exprs) {
      const m = EXPR.exec(expr);
      if (!m) throw new Error(`unsupported threshold expression ${JSON.stringify(expr)} on ${metric}`);
      const [, agg, p, op, value] = m;
      const data = snapshot[metric] ?? (agg === 'count' ? { type: 'counter', count: 0 } : null);
      const actual = data ? aggregate(data, agg, p, durationSeconds) : NaN;
      results.push({ metric, expr, ok: !Number.isNaN(actual) && compare(actual, op, Number(value)), actual });
    }
  }
  return { ok: results.every((r) => r.ok), results };
}

/** Human-readable lines: `✓ http_req_duration p(95)<500 (12.3)`. */
export function formatResults(results) {
  return results.map((r) => `  ${r.ok ? '✓' : '✗'} ${r.metric} ${r.expr}  (actual ${Number.isNaN(r.actual) ? 'no samples' : round(r.actual)})`).join('\n');
}

const round = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
