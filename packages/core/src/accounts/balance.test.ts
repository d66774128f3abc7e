import { describe, expect, it } from 'vitest';
import { canPay, isPositiveAmount, lowBalances, parseBalance } from './balance.js';

const body = (infos: unknown[], available = true) => JSON.stringify({ is_available: available, balance_infos: infos });
const cny = (total: string) => ({ currency: 'CNY', total_balance: total, granted_balance: '0.00', topped_up_balance: total });

describe('parseBalance', () => {
  it("reads DeepSeek's answer, keeping the amounts as strings", () => {
    const b = parseBalance(body([cny('110.00'), { currency: 'USD', total_balance: '3.5', granted_balance: '1', topped_up_balance: '2.5' }]));
    expect(b).toEqual({
      available: true,
      balances: [
        { currency: 'CNY', total: '110.00', granted: '0.00', toppedUp: '110.00' },
        { currency: 'USD', total: '3.5', granted: '1', toppedUp: '2.5' },
      ],
    });
    expect(canPay(b)).toBe(true);
    expect(lowBalances(b, 5)).toEqual(['USD']);
    expect(lowBalances(b, 0)).toEqual([]);
  });
  it('says an empty or unavailable account cannot pay', () => {
    expect(canPay(parseBalance(body([cny('0.00')])))).toBe(false);
    expect(canPay(parseBalance(body([cny('10.00')], false)))).toBe(false);
    expect(canPay(parseBalance(body([])))).toBe(false);
  });
  it('refuses malformed answers with a reason', () => {
    expect(() => parseBalance('<html>')).toThrow('not JSON');
    expect(() => parseBalance('{}')).toThrow('lacks is_available');
    expect(() => parseBalance(body([{ currency: 'CNY', total_balance: 1, granted_balance: '0', topped_up_balance: '0' }]))).toThrow(
      'balance_infos[0].total_balance is not a decimal string',
    );
    expect(() => parseBalance(body([{ total_balance: '1', granted_balance: '0', topped_up_balance: '0' }]))).toThrow('currency is missing');
  });
});

describe('isPositiveAmount', () => {
  it('decides on the digits', () => {
    expect(isPositiveAmount('0.01')).toBe(true);
    expect(isPositiveAmount('0.00')).toBe(false);
    expect(isPositiveAmount('-3.00')).toBe(false);
    expect(isPositiveAmount('000')).toBe(false);
    expect(isPositiveAmount('abc')).toBe(false);
  });
});
