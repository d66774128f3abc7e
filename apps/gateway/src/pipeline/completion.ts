// The request path of every completion route (chat, FIM, Anthropic messages), read top
// to bottom: read → authenticate → parse → admit → proxy/stream → finish → end.
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { GatewayError, ZERO_USAGE, isGatewayError } from '@dsp/core';
import { readHead } from '../http/request-head.js';
import { readBody } from '../http/read-body.js';
import { sendError, sendJson } from '../http/respond.js';
import type { Deps } from '../deps.js';
import { Exchange, type Route } from './exchange.js';
import { authenticate, type Identity } from './authenticate.js';
import { parseRequest } from './parse.js';
import { admitWaiting, serveUpstream } from '../accounts/serve.js';
import type { Outcome } from './proxy.js';
import { finish } from './finish.js';

export function handleCompletion(res: HttpResponse, req: HttpRequest, route: Route, deps: Deps): void {
  const x = new Exchange(res, readHead(req, route.format.readHeaders), route, deps);
  x.trace = deps.tracing.begin(req, route);
  res.onAborted(() => onClientGone(x));
  deps.state.active++;
  const limit = deps.config.server.max_body_bytes;
  if (x.head.contentLength > limit) return void done(x, tooLarge(limit));
  // A missing or malformed Authorization is refused before a byte of the body is read (uWS then
  // discards the unread body without buffering it): strangers cost no memory.
  let auth: Identity | Promise<Identity>;
  try {
    auth = authenticate(route.format.credential(x.head), deps);
  } catch (e) {
    return void done(x, asGatewayError(x, e));
  }
  x.receiving = true;
  const stopReading = readBody(res, limit, (body) => {
    x.receiving = false;
    if (!body.ok) return void done(x, tooLarge(limit));
    void run(x, auth, body.body);
  });
  // verification (or the cache) runs while the body arrives; a token that fails it ends the read at
  // once (once the body is complete, run() reports the failure instead)
  if (auth instanceof Promise) {
    auth.catch((e: unknown) => {
      if (!x.receiving) return;
      x.receiving = false;
      stopReading();
      done(x, asGatewayError(x, e));
    });
  }
}

async function run(x: Exchange, auth: Identity | Promise<Identity>, raw: Buffer): Promise<void> {
  const { deps } = x;
  try {
    x.identity = auth instanceof Promise ? await auth : auth;
    x.trace?.event('auth');
    x.request = parseRequest(raw, x.route, x.identity, deps.modelPolicy);
    x.trace?.request(x.request, x.identity.sub);
    if (x.aborted) return done(x, null);
    x.lease = await admitWaiting(x, x.request);
    x.trace?.event('admission');
  } catch (e) {
    return done(x, asGatewayError(x, e));
  }
  // admitted: from here the slot is held and finish runs exactly once
  deps.metrics.inFlight.inc();
  deps.leases.hold(x.lease);
  const outcome = x.aborted ? abortedBeforeStart() : await serveUpstream(x, x.request);
  await finish(x, outcome);
  deps.metrics.inFlight.dec();
  end(x, outcome);
}

/** The last byte goes out only after finish made the usage durable. */
function end(x: Exchange, o: Outcome): void {
  if (o.error) return done(x, o.error, o.error.status, o);
  if (!x.aborted) {
    if (o.streamed) x.res.cork(() => (o.tail ? x.res.end(o.tail) : x.res.end()));
    else sendJson(x, o.status, o.body ?? '', o.headers, o.contentType);
  }
  done(x, null, o.aborted ? 499 : o.status, o);
}

function done(x: Exchange, err: GatewayError | null, status = err?.status ?? 200, o?: Outcome): void {
  const { deps } = x;
  if (err) sendError(x, err, x.route.format.errorBody(err));
  deps.state.active--;
  const seconds = (performance.now() - x.t0) / 1000;
  const answered = err ? err.status : status;
  deps.metrics.observeRequest(x.route.name, answered, seconds);
  x.trace?.end(answered, err, o, x.attempts);
  // refused before any upstream call (nothing admitted): counted for the console, as the ledger
  // holds every admitted request
  if (!x.lease && (err || answered === 499))
    deps.refusals.add(x.identity?.sub ?? '', x.identity?.jti ?? '', err ? err.code : 'client_closed_request', answered);
  if (deps.log.isLevelEnabled('debug')) {
    deps.log.debug(
      {
        rid: x.head.requestId,
        user: x.identity?.sub,
        route: x.route.name,
        status: String(answered),
        total_ms: round(seconds * 1000),
        connect_ms: x.connectMs === null ? null : round(x.connectMs),
        first_byte_ms: o?.firstByteMs == null ? null : round(o.firstByteMs),
      },
      'request',
    );
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

function onClientGone(x: Exchange): void {
  x.aborted = true;
  x.cancelUpstream?.(new Error('client went away'));
  // gone before its body was complete: run() never starts, so the request ends here (a drain
  // would otherwise wait for it until the grace period is over)
  if (x.receiving) {
    x.receiving = false;
    done(x, null, 499);
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('request_too_large', `request body is larger than ${limit} bytes`);
}

function abortedBeforeStart(): Outcome {
  return {
    status: 499,
    usage: ZERO_USAGE,
    firstByteMs: null,
    body: null,
    contentType: '',
    headers: [],
    streamed: false,
    tail: null,
    error: null,
    aborted: true,
    failure: null,
  };
}

/** A stage's failure as the error to answer: its own GatewayError, else a logged 500. */
function asGatewayError(x: Exchange, e: unknown): GatewayError {
  return isGatewayError(e) ? e : internal(x, e);
}

function internal(x: Exchange, e: unknown): GatewayError {
  x.deps.log.error({ rid: x.head.requestId, err: (e as Error)?.stack ?? String(e) }, 'unexpected error');
  return new GatewayError('internal_error', 'internal error');
}
