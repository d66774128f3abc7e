// Which failed upstream attempts are tried again on another account, and which are final.
//
// A request is retried only when both are true:
//   1. nothing of the answer has reached the client yet (no status line, no byte): after the first
//      byte the client has a half answer that a second attempt could not continue;
//   2. the upstream cannot have done the work, so a second attempt never doubles a completion (and
//      its bill). That holds when
//      - the connection failed (refused, DNS, connect timeout, TLS): the request was never sent;
//      - the connection was reset or closed before any response header arrived: the upstream did
//        not answer; DeepSeek sends its status line at once (then keep-alive lines while it waits),
//        so a request it is working on has headers long before it can have completed;
//      - the upstream answered 429 (account's concurrency / rate limit), 500, 502, 503, 504 (it
//        refused or failed without producing an answer), or 401 / 402 (this account's key is refused
//        or its balance is spent — the request itself is fine, and another account may serve it).
// Never retried:
//   - a first-byte (headers) timeout: the upstream may still be working and finish the first
//     attempt, so a second one could complete twice;
//   - any failure after the response headers arrived (a reset or stall mid-body): the upstream has
//     begun (maybe finished) the answer;
//   - 400, 404, 413, 422 and other statuses: the request itself is at fault, every account would
//     answer the same;
//   - a request whose client went away, whose deadline has passed, or that has used max_attempts.

export type AttemptFailure =
  | { kind: 'connect'; code: string }
  | { kind: 'reset'; code: string; afterHeaders: boolean }
  | { kind: 'headers_timeout' }
  | { kind: 'body_timeout' }
  | { kind: 'status'; status: number };

export interface AttemptContext {
  /** attempts made so far, this one included */
  attempts: number;
  maxAttempts: number;
  /** anything (status line included) already sent to the client */
  clientHasBytes: boolean;
  clientGone: boolean;
  /** milliseconds left before the request's deadline (Infinity when none) */
  msLeft: number;
}

export type FailoverDecision = { retry: true } | { retry: false; why: string };

/** Statuses that say "this account cannot serve now", not "this request is wrong". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([401, 402, 429, 500, 502, 503, 504]);

/** Does this failure count against the account's circuit breaker? (401/402 disable it instead) */
export function countsAsFailure(f: AttemptFailure): boolean {
  if (f.kind !== 'status') return true;
  return f.status === 429 || f.status >= 500;
}

/** Whether the upstream may have done (part of) the work of this attempt. */
export function upstreamMayHaveWorked(f: AttemptFailure): boolean {
  switch (f.kind) {
    case 'connect':
      return false;
    case 'reset':
      return f.afterHeaders;
    case 'status':
      return !RETRYABLE_STATUSES.has(f.status);
    case 'headers_timeout':
    case 'body_timeout':
      return true;
  }
}

export function decideFailover(f: AttemptFailure, ctx: AttemptContext): FailoverDecision {
  if (ctx.clientHasBytes) return { retry: false, why: 'the client already has part of the answer' };
  if (ctx.clientGone) return { retry: false, why: 'the client went away' };
  if (upstreamMayHaveWorked(f)) return { retry: false, why: 'the upstream may have done the work' };
  if (ctx.attempts >= ctx.maxAttempts) return { retry: false, why: `max_attempts (${ctx.maxAttempts}) used` };
  if (ctx.msLeft <= 0) return { retry: false, why: 'the request deadline has passed' };
  return { retry: true };
}
