// Live gateway figures from successive scrapes of each host's /metrics. Rates and latency
// quantiles come from the deltas between a host's last two scrapes (counter resets handled);
// gauges are the latest values. Hosts that are down are reported as down and left out of the sums.
// Latency quantiles are of answered requests only (see digest.ts).
import { addBuckets, counterDelta, histogramDelta, quantile } from './deltas';
import type { Digest } from './digest';

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
