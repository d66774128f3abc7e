// An upstream attempt's failure, as the failover policy sees it, from what undici reported.
import type { AttemptFailure } from '@dsp/core';
import type { AttemptOutcome } from './account-metrics.js';

/** Errors of the connection attempt itself: the request was never sent. */
const CONNECT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

/**
 * The failure behind an upstream error. `afterHeaders`: the response headers had arrived.
 * `ownTimeout`: the gateway's own first-byte deadline fired (reported like undici's headers timeout).
 */
export function failureOfError(err: Error, afterHeaders: boolean, ownTimeout = false): AttemptFailure {
  const code = (err as { code?: string }).code ?? '';
  if (ownTimeout) return afterHeaders ? { kind: 'body_timeout' } : { kind: 'headers_timeout' };
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return { kind: 'headers_timeout' };
  if (code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'body_timeout' };
  if (!afterHeaders && CONNECT_CODES.has(code)) return { kind: 'connect', code };
  return { kind: 'reset', code: code || err.name, afterHeaders };
}

/** The failure of an answer with this status, or null when it is an answer (2xx, or the request's own fault). */
export function failureOfStatus(status: number): AttemptFailure | null {
  if (status === 401 || status === 402 || status === 429 || status >= 500) return { kind: 'status', status };
  return null;
}

/** The `outcome` label of a failed attempt. */
export function outcomeOfFailure(f: AttemptFailure): AttemptOutcome {
  switch (f.kind) {
    case 'connect':
      return 'connect_error';
    case 'reset':
      return 'server_error';
    case 'headers_timeout':
    case 'body_timeout':
      return 'timeout';
    case 'status':
      if (f.status === 401) return 'key_refused';
      if (f.status === 402) return 'no_balance';
      if (f.status === 429) return 'rate_limited';
      return 'server_error';
  }
}
