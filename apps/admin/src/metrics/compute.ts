// Live gateway figures from successive scrapes of each host's /metrics. Rates and latency
// quantiles come from the deltas between a host's last two scrapes (counter resets handled);
// gauges are the latest values. Hosts that are down are reported as down and left out of the sums.
// Latency quantiles are of answered requests only: a request the client abandoned (status 499)
// ends when the client left, not when the answer was complete; those are counted on their own.
import { bucketQuantile } from '@dsp/core/history';
import { parsePrometheus, seriesKey, type Sample } from './prom';

/** What one scrape of one host tells us. */
export interface Digest {
  at: number;
  /** cumulative counters per series (name + labels) */
  counters: Map<string, number>;
  /** request duration histogram buckets: series (labels but le) → le → cumulative count */
  duration: Map<string, Map<number, number>>;
  firstByte: Map<string, Map<number, number>>;
  blocked: Map<string, number>;
  requestsTotal: number;
  /** cumulative requests the client abandoned (status 499) */
  abortedTotal: number;
  inFlight: number;
  poolActive: number;
  poolIdle: number;
  poolTotal: number;
  reuseGauge: number | null;
  upstreamRequests: number;
  connectionsOpened: number;
}

const REQUESTS = 'dsp_requests_total';
const DURATION = 'dsp_request_duration_seconds_bucket';
const FIRST_BYTE = 'dsp_upstream_first_byte_duration_seconds_bucket';
const BLOCKED = 'dsp_requests_blocked_total';
/** The status the gateway records when the client went away before the answer was complete. */
export const ABORTED_STATUS = '499';

export function digest(samples: Sample[], at: number): Digest {
  const d: Digest = {
    at,
    counters: new Map(),
    duration: new Map(),
    firstByte: new Map(),
    blocked: new Map(),
    requestsTotal: 0,
    abortedTotal: 0,
    inFlight: 0,
    poolActive: 0,
    poolIdle: 0,
    poolTotal: 0,
    reuseGauge: null,
    upstreamRequests: 0,
    connectionsOpened: 0,
  };
  const bucket = (into: Map<string, Map<number, number>>, s: Sample) => {
    const le = s.labels.le === undefined ? NaN : s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le)) return;
    const k = seriesKey(s.name, s.labels, 'le');
    let m = into.get(k);
    if (!m) into.set(k, (m = new Map()));
    m.set(le, s.value);
  };
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    switch (s.name) {
      case REQUESTS:
        d.counters.set(seriesKey(s.name, s.labels), s.value);
        d.requestsTotal += s.value;
        if (s.labels.status === ABORTED_STATUS) d.abortedTotal += s.value;
        break;
      case DURATION:
        if (s.labels.status !== ABORTED_STATUS) bucket(d.duration, s);
        break;
      case FIRST_BYTE:
        bucket(d.firstByte, s);
        break;
      case BLOCKED: {
        const reason = s.labels.reason ?? 'other';
        d.blocked.set(reason, (d.blocked.get(reason) ?? 0) + s.value);
        break;
      }
      case 'dsp_token_concurrent_requests':
        d.inFlight += s.value;
        break;
      case 'dsp_pool_active_connections':
        d.poolActive += s.value;
        break;
      case 'dsp_pool_idle_connections':
        d.poolIdle += s.value;
        break;
      case 'dsp_pool_total_connections':
        d.poolTotal += s.value;
        break;
      case 'dsp_connection_reuse_ratio':
        d.reuseGauge = s.value;
        break;
      case 'dsp_upstream_requests_total':
        d.upstreamRequests += s.value;
        break;
      case 'dsp_upstream_connections_opened_total':
        d.connectionsOpened += s.value;
        break;
    }
  }
  return d;
}

export function digestText(text: string, at: number): Digest {
  return digest(parsePrometheus(text).samples, at);
}

/** cur − prev of a counter; a counter that went down was reset (process restart): count from 0. */
export function counterDelta(cur: number, prev: number | undefined): number {
  if (prev === undefined) return cur;
  return cur >= prev ? cur - prev : cur;
}

/** Per-le bucket deltas of one histogram between two scrapes, summed over its series. */
export function histogramDelta(cur: Map<string, Map<number, number>>, prev: Map<string, Map<number, number>> | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, buckets] of cur) {
    const before = prev?.get(k);
    // a reset series (its +Inf count went down) counts from zero
    const reset = before !== undefined && (buckets.get(Infinity) ?? 0) < (before.get(Infinity) ?? 0);
    for (const [le, v] of buckets) {
      const d = reset || !before ? v : Math.max(0, v - (before.get(le) ?? 0));
      out.set(le, (out.get(le) ?? 0) + d);
    }
  }
  return out;
}

export function addBuckets(into: Map<number, number>, from: Map<number, number>): Map<number, number> {
  for (const [le, v] of from) into.set(le, (into.get(le) ?? 0) + v);
  return into;
}

/** histogram_quantile over cumulative buckets (le → count), linear within a bucket; null when empty. */
export const quantile = bucketQuantile;

export interface Figures {
  /** cumulative requests answered (sum of dsp_requests_total) */
  requestsTotal: number;
  /** null until two scrapes exist */
  requestsPerSec: number | null;
  /** requests abandoned by their client (499): since start, and per second over the last interval */
  abortedTotal: number;
  abortedPerSec: number | null;
  /** latency of answered requests (499s left out) */
  p50Ms: number | null;
  p95Ms: number | null;
  firstByteP50Ms: number | null;
  inFlight: number;
  /** 429s by reason since the gateway started */
  blockedTotal: Record<string, number>;
  /** 429s by reason per second over the last interval; null until two scrapes exist */
  blockedPerSec: Record<string, number> | null;
  poolActive: number;
  poolIdle: number;
  poolTotal: number;
  /** 0..1; null when no upstream request has been made */
  reuseRatio: number | null;
}

export interface HostFigures extends Figures {
  url: string;
  up: true;
  at: number;
}

export interface HostDown {
  url: string;
  up: false;
  at: number;
  error: string;
}

export interface Snapshot {
  at: number;
  hosts: (HostFigures | HostDown)[];
  /** sums over the hosts that are up; null when every host is down */
  total: (Figures & { hostsUp: number; hostsDown: number }) | null;
  hostsDown: number;
}

interface Interval {
  seconds: number | null;
  requests: number;
  aborted: number;
  duration: Map<number, number>;
  firstByte: Map<number, number>;
  blocked: Map<string, number>;
}

function interval(cur: Digest, prev: Digest | undefined): Interval {
  if (!prev || !(cur.at > prev.at)) return { seconds: null, requests: 0, aborted: 0, duration: new Map(), firstByte: new Map(), blocked: new Map() };
  let requests = 0;
  for (const [k, v] of cur.counters) requests += counterDelta(v, prev.counters.get(k));
  const blocked = new Map<string, number>();
  for (const [r, v] of cur.blocked) blocked.set(r, counterDelta(v, prev.blocked.get(r)));
  return {
    seconds: (cur.at - prev.at) / 1000,
    requests,
    aborted: counterDelta(cur.abortedTotal, prev.abortedTotal),
    duration: histogramDelta(cur.duration, prev.duration),
    firstByte: histogramDelta(cur.firstByte, prev.firstByte),
    blocked,
  };
}

const ms = (s: number | null) => (s === null ? null : s * 1000);

function figures(cur: Digest[], iv: Interval[]): Figures {
  const known = iv.filter((i) => i.seconds !== null);
  const duration = new Map<number, number>();
  const firstByte = new Map<number, number>();
  // rates are summed host by host (each over its own interval)
  let rps = 0;
  let aps = 0;
  const bps: Record<string, number> = { concurrency: 0, quota: 0 };
  for (const i of known) {
    const secs = i.seconds!;
    addBuckets(duration, i.duration);
    addBuckets(firstByte, i.firstByte);
    rps += i.requests / secs;
    aps += i.aborted / secs;
    for (const [r, v] of i.blocked) bps[r] = (bps[r] ?? 0) + v / secs;
  }
  const requestsPerSec = known.length ? rps : null;
  const blockedPerSec = known.length ? bps : null;
  const blockedTotal: Record<string, number> = { concurrency: 0, quota: 0 };
  let upstream = 0;
  let opened = 0;
  const f = { requestsTotal: 0, abortedTotal: 0, inFlight: 0, poolActive: 0, poolIdle: 0, poolTotal: 0 };
  for (const d of cur) {
    f.requestsTotal += d.requestsTotal;
    f.abortedTotal += d.abortedTotal;
    f.inFlight += d.inFlight;
    f.poolActive += d.poolActive;
    f.poolIdle += d.poolIdle;
    f.poolTotal += d.poolTotal;
    upstream += d.upstreamRequests;
    opened += d.connectionsOpened;
    for (const [r, v] of d.blocked) blockedTotal[r] = (blockedTotal[r] ?? 0) + v;
  }
  // from the counters (the gauge reads 0 before the first upstream request); the gauge only when a
  // gateway exposes no counters
  const gauges = cur.map((d) => d.reuseGauge).filter((g): g is number => g !== null && g > 0);
  const reuseRatio = upstream > 0 ? Math.max(0, 1 - opened / upstream) : gauges.length ? gauges.reduce((a, b) => a + b, 0) / gauges.length : null;
  return {
    ...f,
    requestsPerSec,
    abortedPerSec: known.length ? aps : null,
    p50Ms: ms(quantile(0.5, duration)),
    p95Ms: ms(quantile(0.95, duration)),
    firstByteP50Ms: ms(quantile(0.5, firstByte)),
    blockedTotal,
    blockedPerSec,
    reuseRatio,
  };
}

export type ScrapeResult = { url: string; at: number; ok: true; digest: Digest } | { url: string; at: number; ok: false; error: string };

/**
 * One snapshot from this round of scrapes and each host's previous digest. The reuse ratio is
 * 1 − Σ connections opened / Σ upstream requests (per host, and over the hosts that are up).
 */
export function snapshot(results: ScrapeResult[], previous: ReadonlyMap<string, Digest>, at: number): Snapshot {
  const hosts: Snapshot['hosts'] = [];
  const upDigests: Digest[] = [];
  const upIntervals: Interval[] = [];
  for (const r of results) {
    if (!r.ok) {
      hosts.push({ url: r.url, up: false, at: r.at, error: r.error });
      continue;
    }
    const iv = interval(r.digest, previous.get(r.url));
    upDigests.push(r.digest);
    upIntervals.push(iv);
    hosts.push({ url: r.url, up: true, at: r.at, ...figures([r.digest], [iv]) });
  }
  const hostsDown = hosts.length - upDigests.length;
  const total = upDigests.length ? { ...figures(upDigests, upIntervals), hostsUp: upDigests.length, hostsDown } : null;
  return { at, hosts, total, hostsDown };
}

/** A compact point of the totals for the charts. */
export interface HistoryPoint {
  at: number;
  rps: number | null;
  aborted: number | null;
  p50: number | null;
  p95: number | null;
  fb50: number | null;
  inFlight: number | null;
  blockedConcurrency: number | null;
  blockedQuota: number | null;
  poolActive: number | null;
  poolIdle: number | null;
  hostsUp: number;
  hostsDown: number;
}

export function historyPoint(s: Snapshot): HistoryPoint {
  const t = s.total;
  return {
    at: s.at,
    rps: t?.requestsPerSec ?? null,
    aborted: t?.abortedPerSec ?? null,
    p50: t?.p50Ms ?? null,
    p95: t?.p95Ms ?? null,
    fb50: t?.firstByteP50Ms ?? null,
    inFlight: t ? t.inFlight : null,
    blockedConcurrency: t?.blockedPerSec?.concurrency ?? null,
    blockedQuota: t?.blockedPerSec?.quota ?? null,
    poolActive: t ? t.poolActive : null,
    poolIdle: t ? t.poolIdle : null,
    hostsUp: t?.hostsUp ?? 0,
    hostsDown: s.hostsDown,
  };
}

/** A scrape missed for longer than this shows as a gap in the lines, not as a straight segment. */
const GAP_MS = 3500;

/** History points with an empty point inside each gap, so the lines break there. */
export function withGaps(history: HistoryPoint[]): Partial<HistoryPoint>[] {
  const out: Partial<HistoryPoint>[] = [];
  for (let i = 0; i < history.length; i++) {
    const p = history[i]!;
    const prev = history[i - 1];
    if (prev && p.at - prev.at > GAP_MS) out.push({ at: prev.at + 1 });
    out.push(p);
  }
  return out;
}
