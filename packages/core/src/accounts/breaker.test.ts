import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';

const OPTS: BreakerOptions = { failureThreshold: 3, errorRatio: 0.5, windowSeconds: 10, minRequests: 6, cooldownMs: 5000 };

function make(opts = OPTS) {
  const changes: Array<[BreakerState, string]> = [];
  return { b: new CircuitBreaker(opts, (s, why) => changes.push([s, why])), changes };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and refuses until the cool-down is over', () => {
    const { b, changes } = make();
    b.failure(0);
    b.failure(1);
    expect(b.state).toBe('closed');
    expect(b.allow(2)).toBe(true);
    b.failure(2);
    expect(b.state).toBe('open');
    expect(changes).toEqual([['open', '3 consecutive failures']]);
    expect(b.allow(4999)).toBe(false);
    expect(b.peek(4999)).toBe(false);
  });

  it('a success resets the consecutive count', () => {
    const { b } = make();
    b.failure(0);
    b.failure(1);
    b.success(2);
    b.failure(3);
    b.failure(4);
    expect(b.state).toBe('closed');
  });

  it('half-open lets exactly one probe through; its success closes the breaker', () => {
    const { b, changes } = make();
    for (let i = 0; i < 3; i++) b.failure(i);
    expect(b.peek(5002)).toBe(true);
    expect(b.allow(5002)).toBe(true);
    expect(b.state).toBe('half_open');
    expect(b.allow(5003)).toBe(false);
    expect(b.peek(5003)).toBe(false);
    b.success(5100);
    expect(b.state).toBe('closed');
    expect(b.allow(5101)).toBe(true);
    expect(changes.map((c) => c[0])).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed probe opens it again for a whole cool-down', () => {
    const { b } = make();
    for (let i = 0; i < 3; i++) b.failure(i);
    expect(b.allow(6000)).toBe(true);
    b.failure(6001);
    expect(b.state).toBe('open');
    expect(b.allow(10000)).toBe(false);
    expect(b.allow(11001)).toBe(true);
  });

  it('a released probe lets the next request probe', () => {
    const { b } = make();
    for (let i = 0; i < 3; i++) b.failure(i);
    expect(b.allow(6000)).toBe(true);
    b.release();
    expect(b.allow(6001)).toBe(true);
  });

  it('opens on the error ratio over the window once there are enough requests', () => {
    const { b, changes } = make({ ...OPTS, failureThreshold: 100 });
    // alternate: never 3 in a row, but half of them fail
    for (let i = 0; i < 5; i++) {
      if (i % 2 === 0) b.success(i * 100);
      else b.failure(i * 100);
    }
    expect(b.state).toBe('closed'); // 5 < minRequests
    b.failure(600);
    expect(b.state).toBe('open');
    expect(changes[0]![1]).toBe('3 of 6 failed in 10 s');
  });

  it('forgets outcomes older than the window', () => {
    const { b } = make({ ...OPTS, failureThreshold: 100 });
    for (let i = 0; i < 5; i++) b.failure(i);
    for (let i = 0; i < 20; i++) b.success(20_000 + i);
    b.failure(20_100);
    expect(b.state).toBe('closed'); // 1 of 21 in the window
  });
});
