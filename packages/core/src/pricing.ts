// The price of a request: [pricing] compiled once into integer rates, then one lookup per request
// (the price in force at its start: the last change at or before it, the off-peak factor if it
// started inside the window, local time in the window's zone) and a few bigint multiplications.
import { Dec } from './money.js';
import { localTime } from './periods.js';

/** The shape of one [pricing."<model>"] table as @dsp/config validates it (amounts as decimal strings). */
export interface OffPeakInput {
  readonly from: string;
  readonly to: string;
  readonly tz: string;
  readonly factor: string;
}
interface PricesInput {
  readonly input_cache_hit: string;
  readonly input_cache_miss: string;
  readonly output: string;
}
export interface ModelPricingInput extends PricesInput {
  readonly currency: string;
  readonly off_peak: OffPeakInput | null;
  readonly changes: readonly (PricesInput & { readonly from: string; readonly off_peak?: OffPeakInput | null })[];
}

/** Tokens a price applies to (the ledger's columns). */
export interface BillableTokens {
  prompt: number;
  cacheHit: number;
  cacheMiss: number;
  completion: number;
}

export interface Cost {
  currency: string;
  /** 1e-9 currency units, rounded half-up once per request */
  nanos: bigint;
  offPeak: boolean;
}

/**
 * Rates are price × factor per 1M tokens in units of 1e-10 (prices have at most 6 decimal places
 * and factors at most 4, so every rate is a whole number). tokens × rate is then in 1e-16
 * currency units; one nano is 1e7 of those.
 */
const RATE_SCALE = '1e10';
const PER_NANO = 10_000_000n;
const HALF = PER_NANO / 2n;

interface Rates {
  hit: bigint;
  miss: bigint;
  out: bigint;
}

interface Window {
  /** minutes after local midnight: [from, to), wrapping past midnight when to < from */
  from: number;
  to: number;
  tz: string;
  rates: Rates;
}

interface Period {
  /** epoch ms from which it applies (-Infinity for the base prices) */
  from: number;
  peak: Rates;
  offPeak: Window | null;
}

function rates(p: PricesInput, factor = '1'): Rates {
  const r = (price: string) => BigInt(new Dec(price).times(factor).times(RATE_SCALE).toFixed(0));
  return { hit: r(p.input_cache_hit), miss: r(p.input_cache_miss), out: r(p.output) };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function window(o: OffPeakInput | null, p: PricesInput): Window | null {
  return o ? { from: minutes(o.from), to: minutes(o.to), tz: o.tz, rates: rates(p, o.factor) } : null;
}

function inWindow(w: Window, minute: number): boolean {
  return w.from < w.to ? minute >= w.from && minute < w.to : minute >= w.from || minute < w.to;
}

/** Local minute of the day; Intl only for zones other than UTC, cached for the current minute. */
class MinuteClock {
  private readonly cache = new Map<string, { minute: number; value: number }>();
  at(tz: string, epochMs: number): number {
    if (tz === 'UTC' || tz === 'Etc/UTC') return Math.floor(epochMs / 60_000) % 1440;
    const minute = Math.floor(epochMs / 60_000);
    const c = this.cache.get(tz);
    if (c && c.minute === minute) return c.value;
    const l = localTime(tz, epochMs);
    const value = l.hour * 60 + l.minute;
    this.cache.set(tz, { minute, value });
    return value;
  }
}

export class PriceBook {
  private readonly models = new Map<string, { currency: string; periods: Period[] }>();
  private readonly clock = new MinuteClock();

  constructor(pricing: Readonly<Record<string, ModelPricingInput>>) {
    for (const [model, m] of Object.entries(pricing)) {
      const periods: Period[] = [{ from: -Infinity, peak: rates(m), offPeak: window(m.off_peak, m) }];
      let offPeak = m.off_peak;
      for (const c of m.changes) {
        if (c.off_peak !== undefined) offPeak = c.off_peak;
        periods.push({ from: Date.parse(c.from), peak: rates(c), offPeak: window(offPeak, c) });
      }
      periods.sort((a, b) => a.from - b.from);
      this.models.set(model, { currency: m.currency, periods });
    }
  }

  /** Whether the model has a price at all. */
  has(model: string): boolean {
    return this.models.has(model);
  }

  /** The cost of a request that started at `startedAt` (epoch ms); null when the model has no price. */
  cost(model: string, startedAt: number, t: BillableTokens): Cost | null {
    const m = this.models.get(model);
    if (!m) return null;
    let period = m.periods[0]!;
    for (let i = m.periods.length - 1; i > 0; i--) {
      if (m.periods[i]!.from <= startedAt) {
        period = m.periods[i]!;
        break;
      }
    }
    const w = period.offPeak;
    const offPeak = w !== null && inWindow(w, this.clock.at(w.tz, startedAt));
    const r = offPeak ? w.rates : period.peak;
    // prompt tokens DeepSeek did not split into hit and miss are billed as misses
    const hit = whole(t.cacheHit);
    const miss = whole(t.cacheMiss) + Math.max(0, whole(t.prompt) - whole(t.cacheHit) - whole(t.cacheMiss));
    const units = BigInt(hit) * r.hit + BigInt(miss) * r.miss + BigInt(whole(t.completion)) * r.out;
    return { currency: m.currency, nanos: (units + HALF) / PER_NANO, offPeak };
  }
}

const whole = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
