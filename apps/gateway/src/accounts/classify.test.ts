import { describe, expect, it } from 'vitest';
import { decideFailover } from '@dsp/core';
import { failureOfError, failureOfStatus, outcomeOfFailure } from './classify.js';

const err = (code: string) => Object.assign(new Error(code), { code });
const fresh = { attempts: 1, maxAttempts: 3, clientHasBytes: false, clientGone: false, msLeft: 1000 };

describe('failureOfError', () => {
  it('retries connection failures and resets before the headers', () => {
    for (const e of [err('ECONNREFUSED'), err('UND_ERR_CONNECT_TIMEOUT'), err('ENOTFOUND'), err('UND_ERR_SOCKET'), err('ECONNRESET')]) {
      expect(decideFailover(failureOfError(e, false), fresh), e.message).toEqual({ retry: true });
    }
  });
  it('never retries a timeout waiting for the headers, nor anything after them', () => {
    expect(failureOfError(err('UND_ERR_HEADERS_TIMEOUT'), false)).toEqual({ kind: 'headers_timeout' });
    expect(failureOfError(new Error('deadline'), false, true)).toEqual({ kind: 'headers_timeout' });
    expect(failureOfError(err('ECONNRESET'), true)).toEqual({ kind: 'reset', code: 'ECONNRESET', afterHeaders: true });
    expect(failureOfError(err('ECONNREFUSED'), true)).toMatchObject({ kind: 'reset', afterHeaders: true });
    for (const f of [
      failureOfError(err('UND_ERR_HEADERS_TIMEOUT'), false),
      failureOfError(err('UND_ERR_SOCKET'), true),
      failureOfError(err('UND_ERR_BODY_TIMEOUT'), true),
    ]) {
      expect(decideFailover(f, fresh).retry).toBe(false);
    }
  });
});

describe('failureOfStatus', () => {
  it('treats overload, errors and refused keys as account failures, the rest as answers', () => {
    expect([401, 402, 429, 500, 502, 503, 504].map((s) => failureOfStatus(s)?.kind)).toEqual(Array(7).fill('status'));
    expect([200, 400, 404, 413, 422].map((s) => failureOfStatus(s))).toEqual([null, null, null, null, null]);
  });
  it('labels each failure', () => {
    expect(outcomeOfFailure({ kind: 'status', status: 401 })).toBe('key_refused');
    expect(outcomeOfFailure({ kind: 'status', status: 402 })).toBe('no_balance');
    expect(outcomeOfFailure({ kind: 'status', status: 429 })).toBe('rate_limited');
    expect(outcomeOfFailure({ kind: 'status', status: 503 })).toBe('server_error');
    expect(outcomeOfFailure({ kind: 'connect', code: 'ECONNREFUSED' })).toBe('connect_error');
    expect(outcomeOfFailure({ kind: 'headers_timeout' })).toBe('timeout');
  });
});
