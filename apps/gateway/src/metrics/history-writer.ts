// The primary's once-a-minute contribution to the dashboard's 24-hour history (format in
// @dsp/core history.ts): the host's summed worker counters, minus what they were a minute ago,
// added to the Redis hash of the minute that just ended. Counters that went down (a worker was
// replaced) count from zero. Redis trouble loses that minute's figures, nothing else.
import type { Redis } from 'ioredis';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { HISTORY_TTL_SECONDS, keys, minuteOf } from '@dsp/core';
import type { Logger } from '../log.js';

type Metrics = MetricObjectWithValues<MetricValue<string>>[];
/** cumulative figures by history field (req, s4xx, …, le:<s>) */
export type Cumulative = Map<string, number>;

const ABORTED = '499';

/** The history fields of one summed scrape. */
export function cumulativeOf(metrics: Metrics): Cumulative {
  const c: Cumulative = new Map();
  const add = (k: string, v: number) => c.set(k, (c.get(k) ?? 0) + v);
  for (const m of metrics) {
    if (m.name === 'dsp_requests_total') {
      for (const v of m.values) {
        const status = String(v.labels.status ?? '');
        add('req', v.value);
        if (status === ABORTED) add('aborted', v.value);
        else if (status.startsWith('4')) add('s4xx', v.value);
        else if (status.startsWith('5')) add('s5xx', v.value);
      }
    } else if (m.name === 'dsp_request_duration_seconds') {
      for (const v of m.values as (MetricValue<string> & { metricName?: string })[]) {
        if (v.metricName !== 'dsp_request_duration_seconds_bucket' || String(v.labels.status) === ABORTED) continue;
        add(`le:${v.labels.le === Infinity || v.labels.le === '+Inf' ? '+Inf' : String(v.labels.le)}`, v.value);
      }
    } else if (m.name === 'dsp_usage_tokens_total') {
      for (const v of m.values) {
        if (v.labels.kind === 'prompt') add('tin', v.value);
        else if (v.labels.kind === 'completion') add('tout', v.value);
      }
    }
  }
  return c;
}

/** What happened between two scrapes, field by field (a counter that went down restarted from 0). */
export function minuteDelta(cur: Cumulative, prev: Cumulative | null): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, v] of cur) {
    const before = prev?.get(k) ?? 0;
    const delta = v >= before ? v - before : v;
    if (delta > 0) d.set(k, delta);
  }
  return d;
}

export interface HistoryWriterOptions {
  redis: Redis;
  prefix: string;
  log: Logger;
  scrape(): Promise<Metrics>;
  /** default one minute; tests shorten it */
  intervalMs?: number;
}

/** Starts the writer on minute boundaries; returns its stop function. */
export function startHistoryWriter(o: HistoryWriterOptions): () => void {
  const interval = o.intervalMs ?? 60_000;
  let prev: Cumulative | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const tick = async () => {
    const now = Date.now();
    try {
      const cur = cumulativeOf(await o.scrape());
      // the first scrape is the baseline: what the workers served before it belongs to no minute we saw
      const delta = prev ? minuteDelta(cur, prev) : new Map<string, number>();
      prev = cur;
      if (delta.size > 0) {
        const key = keys.historyMinute(o.prefix, minuteOf(now - interval / 2));
        const multi = o.redis.multi();
        for (const [k, v] of delta) multi.hincrby(key, k, v);
        multi.expire(key, HISTORY_TTL_SECONDS);
        await multi.exec();
      }
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'dashboard history: this minute was not recorded');
    }
    schedule();
  };
  const schedule = () => {
    if (stopped) return;
    // just after the next boundary, so a minute's figures land in that minute's hash
    const wait = interval - (Date.now() % interval) + 200;
    timer = setTimeout(() => void tick(), wait);
    timer.unref();
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
