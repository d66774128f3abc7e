import { describe, expect, it } from 'vitest';
import { addAmounts, addCosts, formatCosts, fromNanos, toNanos } from './amounts';

describe('console amounts', () => {
  it('adds exactly: ten thousand nano amounts make 0.00001', () => {
    let sum = '0';
    for (let i = 0; i < 10_000; i++) sum = addAmounts(sum, '0.000000001');
    expect(sum).toBe('0.00001');
    expect(addAmounts('0.1', '0.2')).toBe('0.3');
  });
  it('round-trips and refuses what is not an amount', () => {
    expect(fromNanos(toNanos('12.000000500'))).toBe('12.0000005');
    expect(fromNanos(toNanos('7'))).toBe('7');
    expect(() => toNanos('1e3')).toThrow(/not an amount/);
    expect(() => toNanos('-1')).toThrow(/not an amount/);
    expect(() => toNanos('0.0000000001')).toThrow(/not an amount/);
  });
  it('keeps currencies apart', () => {
    const into: Record<string, string> = { CNY: '1.5' };
    addCosts(into, { CNY: '0.25', USD: '2' });
    expect(into).toEqual({ CNY: '1.75', USD: '2' });
    expect(formatCosts(into)).toBe('CNY 1.75 · USD 2');
    expect(formatCosts({})).toBe('');
  });
});
