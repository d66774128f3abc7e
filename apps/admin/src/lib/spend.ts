// Spend over time for the console's chart: per day and per user or model, in one currency, summed
// exactly (bigint nanos) and only then turned into numbers for plotting. The biggest spenders get a
// series each, the rest one "other" series, so the chart stays legible with many users.
import { fromNanos, toNanos } from './amounts';

export interface SpendRow {
  day: string;
  userId: string;
  model: string;
  currency: string;
  amount: string;
}

export const OTHER = '(other)';

export interface SpendSeries {
  /** currencies present, sorted; the chart shows one at a time */
  currencies: string[];
  /** the series, biggest total first; OTHER last when present */
  keys: string[];
  /** one point per day of `days`: day, then key → amount in currency units (for plotting only) */
  data: Record<string, string | number>[];
  /** exact totals per key (decimal strings) */
  totals: Record<string, string>;
}

export function spendSeries(rows: readonly SpendRow[], days: readonly string[], by: 'user' | 'model', currency: string | null, maxSeries = 8): SpendSeries {
  const currencies = [...new Set(rows.filter((r) => r.currency !== '').map((r) => r.currency))].sort();
  const cur = currency !== null && currencies.includes(currency) ? currency : (currencies[0] ?? null);
  const perKey = new Map<string, bigint>();
  const cell = new Map<string, bigint>(); // `${day}\n${key}`
  for (const r of rows) {
    if (r.currency !== cur) continue;
    const k = by === 'user' ? r.userId : r.model;
    const n = toNanos(r.amount);
    perKey.set(k, (perKey.get(k) ?? 0n) + n);
    cell.set(`${r.day}\n${k}`, (cell.get(`${r.day}\n${k}`) ?? 0n) + n);
  }
  const ranked = [...perKey].filter(([, n]) => n > 0n).sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0].localeCompare(b[0])));
  const shown = ranked.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked;
  const shownKeys = new Set(shown.map(([k]) => k));
  const rest = ranked.filter(([k]) => !shownKeys.has(k));
  const keys = [...shown.map(([k]) => k), ...(rest.length ? [OTHER] : [])];
  const totals: Record<string, string> = {};
  for (const [k, n] of shown) totals[k] = fromNanos(n);
  if (rest.length) totals[OTHER] = fromNanos(rest.reduce((s, [, n]) => s + n, 0n));
  const data = days.map((day) => {
    const point: Record<string, string | number> = { day };
    let other = 0n;
    for (const [k] of ranked) {
      const n = cell.get(`${day}\n${k}`) ?? 0n;
      if (shownKeys.has(k)) point[k] = Number(fromNanos(n));
      else other += n;
    }
    if (rest.length) point[OTHER] = Number(fromNanos(other));
    return point;
  });
  return { currencies, keys, data, totals };
}
