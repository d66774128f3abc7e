import { describe, expect, it } from 'vitest';
import { OTHER, spendSeries, type SpendRow } from './spend';

const row = (day: string, userId: string, model: string, amount: string, currency = 'CNY'): SpendRow => ({ day, userId, model, currency, amount });

describe('spend series', () => {
  it('sums exactly per day and key in one currency; other currencies and unpriced rows stay out', () => {
    const rows = [
      row('2026-12-01', 'a', 'm1', '0.1'),
      row('2026-12-01', 'a', 'm2', '0.2'),
      row('2026-12-02', 'b', 'm1', '0.000000001'),
      row('2026-12-02', 'a', 'm1', '5', 'USD'),
      row('2026-12-02', 'c', 'm3', '0', ''),
    ];
    const s = spendSeries(rows, ['2026-12-01', '2026-12-02', '2026-12-03'], 'user', null);
    expect(s.currencies).toEqual(['CNY', 'USD']);
    expect(s.keys).toEqual(['a', 'b']);
    expect(s.totals).toEqual({ a: '0.3', b: '0.000000001' }); // 0.1 + 0.2, exactly
    expect(s.data).toEqual([
      { day: '2026-12-01', a: 0.3, b: 0 },
      { day: '2026-12-02', a: 0, b: 1e-9 },
      { day: '2026-12-03', a: 0, b: 0 },
    ]);
    const usd = spendSeries(rows, ['2026-12-02'], 'model', 'USD');
    expect(usd.keys).toEqual(['m1']);
    expect(usd.data).toEqual([{ day: '2026-12-02', m1: 5 }]);
  });

  it('the biggest spenders get a series each, the rest one "other" series', () => {
    const rows = Array.from({ length: 12 }, (_, i) => row('2026-12-01', `u${String(i).padStart(2, '0')}`, 'm', String(i + 1)));
    const s = spendSeries(rows, ['2026-12-01'], 'user', 'CNY', 4);
    expect(s.keys).toEqual(['u11', 'u10', 'u09', OTHER]);
    expect(s.totals[OTHER]).toBe(String((9 * 10) / 2)); // 1 + … + 9
    expect(s.data[0]![OTHER]).toBe(45);
  });
});
