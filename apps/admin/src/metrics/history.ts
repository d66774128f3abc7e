// The dashboard's chart history: one compact point of the totals per snapshot, gaps kept visible.
import type { Snapshot } from './snapshot';

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
