// The state of one request as it moves through the stages. One object per request.
import { performance } from 'node:perf_hooks';
import type { HttpResponse } from 'uWebSockets.js';
import type { RequestHead } from '../http/request-head.js';
import type { Deps } from '../deps.js';
import type { Identity } from './authenticate.js';
import type { Upstream } from './parse.js';
import type { Lease } from './admit.js';
import type { ApiFormat } from '../formats/api-format.js';
import type { RequestTrace } from '../tracing/tracing.js';

/** A completion route as data: the one pipeline serves every route from this description. */
export interface Route {
  /** label for metrics and the ledger: the route template */
  name: string;
  /** upstream path below base_url */
  upstreamPath: string;
  /** body must carry messages (chat, Anthropic messages) or prompt (FIM) */
  kind: 'chat' | 'fim' | 'messages';
  /** credentials, headers, user id, usage and error shape of the route's API */
  format: ApiFormat;
}

export class Exchange {
  readonly startedAt = Date.now();
  readonly t0 = performance.now();
  aborted = false;
  headersSent = false;
  /** the request body is still arriving */
  receiving = false;
  identity: Identity | null = null;
  request: Upstream | null = null;
  lease: Lease | null = null;
  /** cancels the upstream request (set by the proxy stage) */
  cancelUpstream: ((reason: Error) => void) | null = null;
  /** ms spent opening an upstream connection for this request, 0 when one was reused (debug log only) */
  connectMs: number | null = null;
  /** upstream attempts made (failover adds one per account tried) */
  attempts = 0;
  /** the request's span; null when tracing is off (or for this request) */
  trace: RequestTrace | null = null;

  constructor(
    readonly res: HttpResponse,
    readonly head: RequestHead,
    readonly route: Route,
    readonly deps: Deps,
  ) {}
}
