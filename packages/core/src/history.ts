// The dashboard's 24-hour history: once a minute each gateway host adds what it served in the last
// minute to one Redis hash per minute (HINCRBY, so hosts sum), kept 25 hours. Fields:
//   req            requests answered (every status, aborted included)
//   s4xx, s5xx     of which 4xx / 5xx (aborted requests, recorded as 499, are not in s4xx)
//   aborted        requests the client abandoned before the answer ended
//   tin, tout      prompt / completion tokens reported by the upstream
//   le:<seconds>   cumulative request-duration buckets of answered (not aborted) requests, the
//                  gateway's dsp_request_duration_seconds buckets; le:+Inf is their count
// The console reads the hashes back as points (p95 from the summed buckets, like histogram_quantile).

export const HISTORY_MINUTES = 24 * 60;
export const HISTORY_TTL_SECONDS = 25 * 3600;

export interface MinutePoint {
  /** start of the minute, ms since the epoch */
  at: number;
  requests: number;
  s4xx: number;
  s5xx: number;
  aborted: number;
  tokensIn: number;
  tokensOut: number;
  /** p95 duration of answered requests, ms (linear inside the bucket); null without any */
  p95Ms: number | null;
}

/** Minute index (minutes since the epoch) of a time. */
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

const num = (v: string | undefined): number => {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
};

/** The q-quantile of cumulative buckets (upper bound → count), in the buckets' unit; null when empty. */
export function bucketQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? (bounds.length ? buckets.get(bounds[bounds.length - 1]!)! : 0);
  if (!total) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of bounds) {
    const count = buckets.get(b)!;
    if (count >= rank) {
      // past the last finite bound nothing is known: answer that bound, as histogram_quantile does
      if (b === Infinity) return lower;
      return count === below ? b : lower + ((b - lower) * (rank - below)) / (count - below);
    }
    lower = b;
    below = count;
  }
  return lower;
}

/** One minute's hash (HGETALL; empty when nothing was served) as a point. */
export function minutePoint(minute: number, h: Readonly<Record<string, string>>): MinutePoint {
  const buckets = new Map<number, number>();
  for (const [k, v] of Object.entries(h)) if (k.startsWith('le:')) buckets.set(k === 'le:+Inf' ? Infinity : Number(k.slice(3)), num(v));
  const p95 = bucketQuantile(0.95, buckets);
  return {
    at: minute * 60_000,
    requests: num(h.req),
    s4xx: num(h.s4xx),
    s5xx: num(h.s5xx),
    aborted: num(h.aborted),
    tokensIn: num(h.tin),
    tokensOut: num(h.tout),
    p95Ms: p95 === null ? null : Math.round(p95 * 1000 * 10) / 10,
  };
}
