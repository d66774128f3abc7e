import { describe, expect, it } from 'vitest';
import { lowMarkValue, parseLowMark } from './low.js';

describe('low balance marks', () => {
  it('round-trip', () => {
    const m = { since: 1733149200000, currency: 'CNY', balance: '3.20', low_balance: 10 };
    expect(parseLowMark(lowMarkValue(m))).toEqual(m);
  });
  it('anything else is not a mark', () => {
    for (const v of [
      '',
      'x',
      '{}',
      '{"since":"1","currency":"CNY","balance":"1","low_balance":2}',
      '{"since":1,"currency":"CNY","balance":1,"low_balance":2}',
      'null',
    ]) {
      expect(parseLowMark(v), v).toBeNull();
    }
  });
});
