import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, decimalToNanos, nanosToDecimal } from './money.js';
import { PriceBook, type ModelPricingInput } from './pricing.js';

const FLASH: ModelPricingInput = {
  currency: 'CNY',
  input_cache_hit: '0.2',
  input_cache_miss: '2',
  output: '3',
  off_peak: { from: '16:30', to: '00:30', tz: 'UTC', factor: '0.5' },
  changes: [
    { from: '2027-01-01T00:00:00.000Z', input_cache_hit: '0.1', input_cache_miss: '1', output: '2' },
    { from: '2027-06-01T00:00:00.000Z', input_cache_hit: '0.1', input_cache_miss: '1', output: '2.5', off_peak: null },
  ],
};
const book = new PriceBook({ 'deepseek-v4-flash': FLASH });
const T = { prompt: 3000, cacheHit: 1000, cacheMiss: 2000, completion: 500 };
const at = (iso: string) => Date.parse(iso);
const nanos = (iso: string, tokens = T) => book.cost('deepseek-v4-flash', at(iso), tokens)?.nanos;

describe('PriceBook', () => {
  it('prices hit, miss and output tokens per 1M, exactly, in nanos', () => {
    // 1000 × 0.2 + 2000 × 2 + 500 × 3 = 5700 per 1M tokens = 0.0057 CNY
    expect(book.cost('deepseek-v4-flash', at('2026-12-02T10:00:00Z'), T)).toEqual({ currency: 'CNY', nanos: 5_700_000n, offPeak: false });
  });

  it('applies the off-peak factor inside [from, to), across midnight', () => {
    expect(nanos('2026-12-02T16:29:59.999Z')).toBe(5_700_000n);
    expect(nanos('2026-12-02T16:30:00Z')).toBe(2_850_000n);
    expect(nanos('2026-12-02T23:59:59Z')).toBe(2_850_000n);
    expect(nanos('2026-12-03T00:29:59Z')).toBe(2_850_000n);
    expect(nanos('2026-12-03T00:30:00Z')).toBe(5_700_000n);
  });

  it('switches to a change at its instant, keeping the window, until a change ends it', () => {
    expect(nanos('2026-12-31T16:29:59.999Z')).toBe(5_700_000n);
    // 2027-01-01 00:00 is off-peak: (1000 × 0.1 + 2000 × 1 + 500 × 2) × 0.5 = 1550
    expect(nanos('2027-01-01T00:00:00Z')).toBe(1_550_000n);
    expect(nanos('2027-01-01T12:00:00Z')).toBe(3_100_000n);
    // from June on the window is gone: 100 + 2000 + 1250 at every hour
    expect(nanos('2027-06-01T00:00:00Z')).toBe(3_350_000n);
    expect(nanos('2027-06-01T17:00:00Z')).toBe(3_350_000n);
  });

  it('reads the window in its own time zone', () => {
    const sh = new PriceBook({ m: { ...FLASH, changes: [], off_peak: { from: '00:30', to: '08:30', tz: 'Asia/Shanghai', factor: '0.25' } } });
    // 00:30 in Shanghai is 16:30 UTC the day before
    expect(sh.cost('m', at('2026-12-02T16:29:00Z'), T)!.offPeak).toBe(false);
    expect(sh.cost('m', at('2026-12-02T16:30:00Z'), T)).toEqual({ currency: 'CNY', nanos: 1_425_000n, offPeak: true });
    expect(sh.cost('m', at('2026-12-03T00:30:00Z'), T)!.offPeak).toBe(false);
  });

  it('gives null for a model without a price, and bills unsplit prompt tokens as misses', () => {
    expect(book.cost('deepseek-v4-pro', Date.now(), T)).toBeNull();
    expect(book.has('deepseek-v4-pro')).toBe(false);
    // 3000 prompt tokens, no split: 3000 × 2 = 6000 per 1M
    expect(nanos('2026-12-02T10:00:00Z', { prompt: 3000, cacheHit: 0, cacheMiss: 0, completion: 0 })).toBe(6_000_000n);
    expect(nanos('2026-12-02T10:00:00Z', { prompt: 0, cacheHit: 0, cacheMiss: 0, completion: 0 })).toBe(0n);
  });

  it('equals the exact decimal cost rounded half-up to 1e-9, for any prices and tokens', () => {
    const price = fc.integer({ min: 0, max: 50_000_000 }).map((n) => new Dec(n).div(1e6).toFixed());
    const factor = fc.integer({ min: 0, max: 10_000 }).map((n) => new Dec(n).div(1e4).toFixed());
    const tokens = fc.integer({ min: 0, max: 2_000_000 });
    fc.assert(
      fc.property(price, price, price, factor, tokens, tokens, tokens, (hit, miss, out, f, h, m, c) => {
        const b = new PriceBook({
          x: {
            currency: 'USD',
            input_cache_hit: hit,
            input_cache_miss: miss,
            output: out,
            off_peak: { from: '00:00', to: '23:59', tz: 'UTC', factor: f },
            changes: [],
          },
        });
        const exact = new Dec(h).times(hit).plus(new Dec(m).times(miss)).plus(new Dec(c).times(out)).times(f).div(1e6);
        const expected = BigInt(exact.times(1e9).toDecimalPlaces(0, Dec.ROUND_HALF_UP).toFixed(0));
        return b.cost('x', at('2026-12-02T10:00:00Z'), { prompt: h + m, cacheHit: h, cacheMiss: m, completion: c })!.nanos === expected;
      }),
      { numRuns: 300 },
    );
  });
});

describe('nanos', () => {
  it('convert both ways exactly', () => {
    expect(decimalToNanos('5')).toBe(5_000_000_000n);
    expect(decimalToNanos('0.000000001')).toBe(1n);
    expect(decimalToNanos('92233720.368547758')).toBe(92_233_720_368_547_758n);
    expect(nanosToDecimal(5_700_000n)).toBe('0.0057');
    expect(nanosToDecimal(5_700_000n, true)).toBe('0.005700000');
    expect(nanosToDecimal(12_000_000_000n)).toBe('12');
    expect(nanosToDecimal(-1n)).toBe('-0.000000001');
    expect(() => decimalToNanos('0.0000000001')).toThrow(RangeError);
    expect(() => decimalToNanos('abc')).toThrow();
  });
});
