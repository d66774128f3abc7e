import { describe, expect, it } from 'vitest';
import { bucketQuantile, minuteOf, minutePoint } from './history.js';

describe('dashboard history points', () => {
  it('interpolates the p95 inside its bucket and answers the last finite bound past it', () => {
    const b = new Map([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Infinity, 100],
    ]);
    // rank 95 lies halfway between 90 (≤0.5 s) and 100 (≤1 s)
    expect(bucketQuantile(0.95, b)).toBeCloseTo(0.75);
    expect(bucketQuantile(0.5, b)).toBeCloseTo(0.1);
    expect(
      bucketQuantile(
        0.95,
        new Map([
          [0.1, 0],
          [Infinity, 10],
        ]),
      ),
    ).toBe(0.1);
    expect(bucketQuantile(0.95, new Map())).toBeNull();
    expect(bucketQuantile(0.95, new Map([[Infinity, 0]]))).toBeNull();
  });

  it('reads a minute hash, missing fields as 0 and an empty hash as an idle minute', () => {
    const p = minutePoint(29_000_000, {
      req: '12',
      s4xx: '2',
      s5xx: '1',
      aborted: '1',
      tin: '300',
      tout: '80',
      'le:0.05': '6',
      'le:0.1': '10',
      'le:+Inf': '10',
    });
    expect(p).toEqual({ at: 29_000_000 * 60_000, requests: 12, s4xx: 2, s5xx: 1, aborted: 1, tokensIn: 300, tokensOut: 80, p95Ms: 93.8 });
    expect(minutePoint(5, {})).toEqual({ at: 300_000, requests: 0, s4xx: 0, s5xx: 0, aborted: 0, tokensIn: 0, tokensOut: 0, p95Ms: null });
    expect(minuteOf(120_001)).toBe(2);
  });
});
