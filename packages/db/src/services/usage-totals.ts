// The totals every usage report is made of: one SQL select list, its row turned into UsageTotals
// (costs exact, per currency), and rows of several currencies merged into one per key.
import { decimalToNanos, nanosToDecimal } from '@dsp/core';
import { toNum } from './context.js';
import type { UsageTotals } from './usage-types.js';

export const TOTALS_SQL = `
  count(*) AS requests,
  coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(completion_tokens), 0) AS completion_tokens,
  coalesce(sum(cache_hit_tokens), 0) AS cache_hit_tokens,
  coalesce(sum(cache_miss_tokens), 0) AS cache_miss_tokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
  coalesce(sum(prompt_tokens::bigint + completion_tokens), 0) AS total_tokens,
  count(*) FILTER (WHERE status >= 400) AS errors,
  count(*) FILTER (WHERE aborted) AS aborted,
  currency,
  coalesce(sum(cost), 0)::text AS cost`;

export type TotalsRow = Record<
  | 'requests'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'cache_hit_tokens'
  | 'cache_miss_tokens'
  | 'reasoning_tokens'
  | 'total_tokens'
  | 'errors'
  | 'aborted'
  | 'currency'
  | 'cost',
  string
>;

/** A NUMERIC's text without trailing zeros: "1.250000000" → "1.25". */
export function canonicalAmount(s: string): string {
  return nanosToDecimal(decimalToNanos(s));
}

/** One row's totals (one currency). */
export function totals(r: TotalsRow | undefined): UsageTotals {
  const priced = r !== undefined && r.currency !== '';
  return {
    requests: toNum(r?.requests),
    promptTokens: toNum(r?.prompt_tokens),
    completionTokens: toNum(r?.completion_tokens),
    cacheHitTokens: toNum(r?.cache_hit_tokens),
    cacheMissTokens: toNum(r?.cache_miss_tokens),
    reasoningTokens: toNum(r?.reasoning_tokens),
    totalTokens: toNum(r?.total_tokens),
    errors: toNum(r?.errors),
    aborted: toNum(r?.aborted),
    cost: priced ? { [r.currency]: canonicalAmount(r.cost) } : {},
    unpriced: priced ? 0 : toNum(r?.requests),
  };
}

/** The counts of a totals row, in CSV column order; `unpriced` is a count too. */
export const TOTAL_COLUMNS = [
  'requests',
  'promptTokens',
  'completionTokens',
  'cacheHitTokens',
  'cacheMissTokens',
  'reasoningTokens',
  'totalTokens',
  'errors',
  'aborted',
] as const;
const COUNT_FIELDS = [...TOTAL_COLUMNS, 'unpriced'] as const;

/**
 * Rows grouped by (key, currency), ordered by key, merged into one per key: counts added, each
 * currency's cost kept (a key has one row per currency, so no amount is added in JS).
 */
export function mergeByKey<R extends TotalsRow>(rows: readonly R[], keyOf: (r: R) => string): { row: R; totals: UsageTotals }[] {
  const out: { row: R; totals: UsageTotals }[] = [];
  const byKey = new Map<string, UsageTotals>();
  for (const r of rows) {
    const t = totals(r);
    const k = keyOf(r);
    const into = byKey.get(k);
    if (!into) {
      byKey.set(k, t);
      out.push({ row: r, totals: t });
      continue;
    }
    for (const f of COUNT_FIELDS) into[f] += t[f];
    Object.assign(into.cost, t.cost);
  }
  return out;
}

export const EMPTY_TOTALS = (): UsageTotals => totals(undefined);
