import { describe, expect, it } from 'vitest';
import { accountScore, eligibleAccounts, weightedPick, type AccountView } from './select.js';

const acct = (name: string, o: Partial<AccountView> = {}): AccountView => ({ name, enabled: true, models: [], weight: 1, maxConcurrency: 0, ...o });

describe('eligibleAccounts', () => {
  const list = [acct('a'), acct('b', { enabled: false }), acct('c', { models: ['deepseek-v4-pro'] }), acct('d'), acct('e')];
  it('keeps enabled, healthy accounts that serve the model, in order', () => {
    expect(eligibleAccounts(list, 'deepseek-v4-flash', () => true)).toEqual([0, 3, 4]);
    expect(eligibleAccounts(list, 'deepseek-v4-pro', () => true)).toEqual([0, 2, 3, 4]);
    expect(eligibleAccounts(list, 'deepseek-v4-pro', (i) => i !== 3)).toEqual([0, 2, 4]);
    expect(eligibleAccounts(list, 'deepseek-v4-pro', () => true, new Set([0, 4]))).toEqual([2, 3]);
  });
});

describe('accountScore', () => {
  it('is weight × the free fraction of the cap, weight when uncapped, 0 when full', () => {
    expect(accountScore(2, 0, 1000)).toBe(2);
    expect(accountScore(2, 10, 0)).toBe(2);
    expect(accountScore(2, 10, 5)).toBe(1);
    expect(accountScore(2, 10, 10)).toBe(0);
    expect(accountScore(2, 10, 12)).toBe(0);
  });
});

describe('weightedPick', () => {
  it('maps r onto the cumulative scores', () => {
    expect(weightedPick([1, 3], 0)).toBe(0);
    expect(weightedPick([1, 3], 0.2499)).toBe(0);
    expect(weightedPick([1, 3], 0.25)).toBe(1);
    expect(weightedPick([1, 3], 0.9999)).toBe(1);
    expect(weightedPick([0, 3, 0], 0.5)).toBe(1);
  });
  it('returns -1 when every account is full', () => {
    expect(weightedPick([0, 0], 0.5)).toBe(-1);
    expect(weightedPick([], 0.5)).toBe(-1);
  });
  it('spreads picks in proportion to the scores', () => {
    const counts = [0, 0, 0];
    const n = 3000;
    for (let i = 0; i < n; i++) counts[weightedPick([1, 2, 3], (i + 0.5) / n)]!++;
    expect(counts).toEqual([500, 1000, 1500]);
  });
});
