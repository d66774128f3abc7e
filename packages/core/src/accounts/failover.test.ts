import { describe, expect, it } from 'vitest';
import { countsAsFailure, decideFailover, upstreamMayHaveWorked, type AttemptContext, type AttemptFailure } from './failover.js';

const fresh: AttemptContext = { attempts: 1, maxAttempts: 3, clientHasBytes: false, clientGone: false, msLeft: 10_000 };

describe('decideFailover', () => {
  it('retries failures that happened before the upstream could do any work', () => {
    const retried: AttemptFailure[] = [
      { kind: 'connect', code: 'ECONNREFUSED' },
      { kind: 'connect', code: 'UND_ERR_CONNECT_TIMEOUT' },
      { kind: 'reset', code: 'ECONNRESET', afterHeaders: false },
      ...[401, 402, 429, 500, 502, 503, 504].map((status) => ({ kind: 'status', status }) as const),
    ];
    for (const f of retried) expect(decideFailover(f, fresh), JSON.stringify(f)).toEqual({ retry: true });
  });

  it('never retries what the upstream may have completed', () => {
    const final: AttemptFailure[] = [
      { kind: 'headers_timeout' },
      { kind: 'body_timeout' },
      { kind: 'reset', code: 'ECONNRESET', afterHeaders: true },
      ...[400, 404, 413, 422, 200].map((status) => ({ kind: 'status', status }) as const),
    ];
    for (const f of final) {
      expect(upstreamMayHaveWorked(f), JSON.stringify(f)).toBe(true);
      expect(decideFailover(f, fresh)).toEqual({ retry: false, why: 'the upstream may have done the work' });
    }
  });

  it('never retries once the client has a byte, is gone, or attempts / time are used up', () => {
    const f: AttemptFailure = { kind: 'status', status: 503 };
    expect(decideFailover(f, { ...fresh, clientHasBytes: true })).toMatchObject({ retry: false, why: 'the client already has part of the answer' });
    expect(decideFailover(f, { ...fresh, clientGone: true })).toMatchObject({ retry: false, why: 'the client went away' });
    expect(decideFailover(f, { ...fresh, attempts: 3 })).toMatchObject({ retry: false, why: 'max_attempts (3) used' });
    expect(decideFailover(f, { ...fresh, attempts: 2 })).toEqual({ retry: true });
    expect(decideFailover(f, { ...fresh, msLeft: 0 })).toMatchObject({ retry: false, why: 'the request deadline has passed' });
  });

  it('counts overload and errors against the breaker, not a refused key', () => {
    expect(countsAsFailure({ kind: 'status', status: 503 })).toBe(true);
    expect(countsAsFailure({ kind: 'status', status: 429 })).toBe(true);
    expect(countsAsFailure({ kind: 'connect', code: 'ECONNREFUSED' })).toBe(true);
    expect(countsAsFailure({ kind: 'status', status: 401 })).toBe(false);
    expect(countsAsFailure({ kind: 'status', status: 402 })).toBe(false);
    expect(countsAsFailure({ kind: 'status', status: 400 })).toBe(false);
  });
});
