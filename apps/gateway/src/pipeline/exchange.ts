// The skeleton every route runs on: an exchange opens when the request's head arrived (counted in
// `state.active`, so a drain waits for it) and concludes exactly once, answering an error in the
// route's format if there is one, then counting and logging the request.
import { performance } from 'node:perf_hooks';
import { GatewayError, isGatewayError } from '@dsp/core';
import type { ClientStream } from '../http/client-stream.js';
import type { RequestHead } from '../http/request-head.js';
import type { Deps } from '../deps.js';
import type { RequestTrace } from '../tracing/tracing.js';
import type { Outcome, Route } from './types.js';

/** One request: its client, head and route, and when it started. */
export class Exchange {
  readonly startedAt = Date.now();
  readonly t0 = performance.now();
  /** ms spent opening an upstream connection for this request, 0 when one was reused (debug log only) */
  connectMs: number | null = null;

  constructor(
    readonly client: ClientStream,
    readonly head: RequestHead,
    readonly route: Route,
    /** the request's span; null when tracing is off (or for this request) */
    readonly trace: RequestTrace | null,
  ) {}
}

type SkeletonServices = Pick<Deps, 'state' | 'metrics' | 'log'>;

export function openExchange(client: ClientStream, head: RequestHead, route: Route, deps: SkeletonServices, trace: RequestTrace | null = null): Exchange {
  deps.state.active++;
  return new Exchange(client, head, route, trace);
}

/** How a request ended: an error to answer, or the status the client got. */
export type Conclusion = { error: GatewayError; user?: string; outcome?: Outcome } | { error?: null; status: number; user?: string; outcome?: Outcome };

export function conclude(x: Exchange, c: Conclusion, deps: SkeletonServices): void {
  const err = c.error ?? null;
  if (err) x.client.reply(err.status, x.route.format.errorBody(err), Object.entries(err.headers));
  deps.state.active--;
  const seconds = (performance.now() - x.t0) / 1000;
  const status = err ? err.status : (c as { status: number }).status;
  deps.metrics.observeRequest(x.route.name, status, seconds);
  x.trace?.end(status, err, c.outcome ?? null);
  if (deps.log.isLevelEnabled('debug')) {
    const o = c.outcome;
    deps.log.debug(
      {
        rid: x.head.requestId,
        user: c.user,
        route: x.route.name,
        status: String(status),
        total_ms: round(seconds * 1000),
        connect_ms: x.connectMs === null ? null : round(x.connectMs),
        first_byte_ms: o?.firstByteMs == null ? null : round(o.firstByteMs),
      },
      'request',
    );
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** A stage's failure as the error to answer: its own GatewayError, else a logged 500. */
export function asGatewayError(x: Exchange, e: unknown, log: Deps['log']): GatewayError {
  if (isGatewayError(e)) return e;
  log.error({ rid: x.head.requestId, err: (e as Error)?.stack ?? String(e) }, 'unexpected error');
  return new GatewayError('internal_error', 'internal error');
}
