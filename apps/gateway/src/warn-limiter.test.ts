import { describe, expect, it } from 'vitest';
import { WarnLimiter } from './warn-limiter.js';

describe('WarnLimiter', () => {
  it('lets one line per key per interval through, then reports how many were held back', () => {
    let now = 0;
    const l = new WarnLimiter(1000, 100, () => now);
    expect(l.admit('t1')).toBe(0);
    for (let i = 0; i < 5; i++) expect(l.admit('t1')).toBeNull();
    // another key is not affected
    expect(l.admit('t2')).toBe(0);
    now = 999;
    expect(l.admit('t1')).toBeNull();
    now = 1000;
    expect(l.admit('t1')).toBe(6);
    expect(l.admit('t1')).toBeNull();
    now = 5000;
    expect(l.admit('t1')).toBe(1);
    expect(l.admit('t2')).toBe(0);
  });

  it('stays bounded in keys', () => {
    let now = 0;
    const l = new WarnLimiter(1000, 3, () => now);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(l.admit(k)).toBe(0);
    expect((l as unknown as { slots: Map<string, unknown> }).slots.size).toBeLessThanOrEqual(3);
    now = 2000;
    expect(l.admit('f')).toBe(0);
    expect((l as unknown as { slots: Map<string, unknown> }).slots.size).toBe(1);
  });
});
