// What happened between two scrapes: counter and histogram deltas (a counter that went down was
// reset by a restart) and the quantiles of the bucket deltas.
import { bucketQuantile } from '@dsp/core/history';

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
