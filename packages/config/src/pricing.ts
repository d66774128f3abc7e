// [pricing."<model>"]: prices per 1M tokens, with optional off-peak hours and dated changes.
// Validated by hand (not by zod shapes) so that every problem names its exact key, e.g.
// pricing."deepseek-v4-flash".changes[1].from, and all of them are reported at once. Amounts come
// out as canonical decimal strings (never binary floats): a TOML 0.2 becomes "0.2".
import { Decimal } from 'decimal.js';
import { isValidTimeZone } from './timezone.js';

export interface OffPeak {
  /** local wall-clock start, "HH:MM" (inclusive) */
  from: string;
  /** local wall-clock end, "HH:MM" (exclusive); before `from` = the window spans midnight */
  to: string;
  tz: string;
  /** multiplier of the three prices inside the window, a decimal string in [0, 1] */
  factor: string;
}

export interface PriceChange {
  /** ISO 8601 instant (UTC) from which these prices apply */
  from: string;
  input_cache_hit: string;
  input_cache_miss: string;
  output: string;
  /** the off-peak window from then on: a table, null (none any more), or undefined (unchanged) */
  off_peak?: OffPeak | null;
}

export interface ModelPricing {
  currency: string;
  input_cache_hit: string;
  input_cache_miss: string;
  output: string;
  off_peak: OffPeak | null;
  changes: PriceChange[];
}

export type Pricing = Record<string, ModelPricing>;

export interface PricingProblem {
  /** path below [pricing]: [model, 'changes', 1, 'from'] */
  path: (string | number)[];
  message: string;
}

/** Most decimal places a price may have (per 1M tokens); a factor may have FACTOR_DECIMALS. */
export const PRICE_DECIMALS = 6;
export const FACTOR_DECIMALS = 4;

const PRICE_KEYS = ['input_cache_hit', 'input_cache_miss', 'output'] as const;
const MODEL_KEYS = ['currency', ...PRICE_KEYS, 'off_peak', 'changes'];
const CHANGE_KEYS = ['from', ...PRICE_KEYS, 'off_peak'];
const OFF_PEAK_KEYS = ['from', 'to', 'tz', 'factor'];
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

let currencies: Set<string> | undefined;
/** ISO 4217 codes this runtime knows (Intl), e.g. CNY, USD. */
export function isKnownCurrency(code: unknown): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return typeof code === 'string' && currencies.has(code);
}

const isPlainTable = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** A decimal from a TOML number, integer or string; undefined when it is not one. */
export function toDecimal(v: unknown): Decimal | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? new Decimal(String(v)) : undefined;
  if (typeof v === 'bigint') return new Decimal(v.toString());
  if (typeof v === 'string' && DECIMAL_RE.test(v.trim())) return new Decimal(v.trim());
  return undefined;
}

/** An amount (price, budget) as a canonical string: a decimal >= 0 with at most `decimals` places. */
export function parseAmount(v: unknown, decimals: number, max?: Decimal.Value): { value: string } | { error: string } {
  const d = toDecimal(v);
  const what = `a decimal number >= 0${max !== undefined ? ` and <= ${String(max)}` : ''} with at most ${decimals} decimal places`;
  if (d === undefined || d.isNegative() || (max !== undefined && d.gt(max))) return { error: what };
  if (d.decimalPlaces() > decimals) return { error: what };
  return { value: d.toFixed() };
}

class Collector {
  readonly problems: PricingProblem[] = [];
  add(path: (string | number)[], message: string): void {
    this.problems.push({ path, message });
  }
  unknownKeys(t: Record<string, unknown>, allowed: readonly string[], path: (string | number)[]): void {
    for (const k of Object.keys(t)) if (!allowed.includes(k)) this.add([...path, k], `no such key (known: ${allowed.join(', ')})`);
  }
  amount(t: Record<string, unknown>, key: string, path: (string | number)[], decimals = PRICE_DECIMALS, max?: number): string {
    if (!(key in t)) {
      this.add([...path, key], 'a price per 1M tokens (required)');
      return '0';
    }
    const r = parseAmount(t[key], decimals, max);
    if ('error' in r) {
      this.add([...path, key], r.error);
      return '0';
    }
    return r.value;
  }
}

function parseOffPeak(v: unknown, path: (string | number)[], c: Collector): OffPeak | null {
  if (!isPlainTable(v)) {
    c.add(path, 'a table { from = "HH:MM", to = "HH:MM", tz = "<IANA zone>", factor = <0..1> }');
    return null;
  }
  c.unknownKeys(v, OFF_PEAK_KEYS, path);
  const time = (k: 'from' | 'to'): string => {
    const s = v[k];
    if (typeof s === 'string' && TIME_RE.test(s)) return s;
    c.add([...path, k], 'a time of day "HH:MM" (00:00 to 23:59)');
    return '';
  };
  const from = time('from');
  const to = time('to');
  if (from !== '' && from === to) c.add([...path, 'to'], 'a time different from `from` (an empty window)');
  const tz = v.tz ?? 'UTC';
  if (typeof tz !== 'string' || !isValidTimeZone(tz)) c.add([...path, 'tz'], 'an IANA time zone (e.g. "UTC", "Asia/Shanghai")');
  const factor = c.amount({ factor: v.factor ?? 0.5, ...v }, 'factor', path, FACTOR_DECIMALS, 1);
  return { from, to, tz: String(tz), factor };
}

function parseChangeFrom(v: unknown, path: (string | number)[], c: Collector): number | undefined {
  let t: number | undefined;
  if (v instanceof Date) {
    // TOML local date-times have no offset: ambiguous for a price change
    const isLocal = (v as unknown as { isLocal?: () => boolean }).isLocal;
    const local = typeof isLocal === 'function' && isLocal.call(v);
    if (!local) t = v.getTime();
  } else if (typeof v === 'string' && /(Z|[+-]\d{2}:\d{2})$/i.test(v) && /^\d{4}-\d{2}-\d{2}T/.test(v)) t = Date.parse(v);
  if (t === undefined || Number.isNaN(t)) {
    c.add(path, 'a date-time with a UTC offset, e.g. 2027-01-01T00:00:00Z or 2027-01-01T08:00:00+08:00');
    return undefined;
  }
  return t;
}

function parseModel(model: string, v: unknown, c: Collector): ModelPricing | undefined {
  const path = [model];
  if (!isPlainTable(v)) {
    c.add(path, 'a table of prices: currency, input_cache_hit, input_cache_miss, output');
    return undefined;
  }
  c.unknownKeys(v, MODEL_KEYS, path);
  const currency = v.currency ?? 'CNY';
  if (!isKnownCurrency(currency)) c.add([...path, 'currency'], 'an ISO 4217 currency code in capitals, e.g. "CNY" or "USD"');
  const out: ModelPricing = {
    currency: String(currency),
    input_cache_hit: c.amount(v, 'input_cache_hit', path),
    input_cache_miss: c.amount(v, 'input_cache_miss', path),
    output: c.amount(v, 'output', path),
    off_peak: v.off_peak === undefined ? null : parseOffPeak(v.off_peak, [...path, 'off_peak'], c),
    changes: [],
  };
  const changes = v.changes ?? [];
  if (!Array.isArray(changes)) {
    c.add([...path, 'changes'], 'an array of tables ([[pricing."<model>".changes]])');
    return out;
  }
  let previous: { t: number; i: number } | undefined;
  changes.forEach((ch: unknown, i) => {
    const cp = [...path, 'changes', i];
    if (!isPlainTable(ch)) return c.add(cp, 'a table with from, input_cache_hit, input_cache_miss, output');
    c.unknownKeys(ch, CHANGE_KEYS, cp);
    const t = parseChangeFrom(ch.from, [...cp, 'from'], c);
    if (t !== undefined && previous !== undefined && t <= previous.t)
      c.add([...cp, 'from'], `a time after changes[${previous.i}].from (changes must not overlap: list them in time order, each from a later instant)`);
    if (t !== undefined) previous = { t, i };
    const change: PriceChange = {
      from: t === undefined ? '' : new Date(t).toISOString(),
      input_cache_hit: c.amount(ch, 'input_cache_hit', cp),
      input_cache_miss: c.amount(ch, 'input_cache_miss', cp),
      output: c.amount(ch, 'output', cp),
    };
    if (ch.off_peak === false) change.off_peak = null;
    else if (ch.off_peak !== undefined) change.off_peak = parseOffPeak(ch.off_peak, [...cp, 'off_peak'], c);
    out.changes.push(change);
  });
  return out;
}

/** Validate the [pricing] table; every problem is collected, none stops the others. */
export function parsePricing(raw: unknown): { pricing: Pricing; problems: PricingProblem[] } {
  const c = new Collector();
  const pricing: Pricing = {};
  if (raw === undefined) return { pricing, problems: [] };
  if (!isPlainTable(raw)) {
    c.add([], 'a table of [pricing."<model>"] tables');
    return { pricing, problems: c.problems };
  }
  for (const [model, v] of Object.entries(raw)) {
    const m = parseModel(model, v, c);
    if (m) pricing[model] = m;
  }
  return { pricing, problems: c.problems };
}
