// The request path of every completion route (chat, FIM, Anthropic messages), read top to bottom:
// read → authenticate → parse → admit → proxy/stream (with failover) → record → deliver.
import { GatewayError, ZERO_USAGE } from '@dsp/core';
import type { ClientStream } from '../http/client-stream.js';
import type { RequestHead } from '../http/request-head.js';
import type { Deps } from '../deps.js';
import { Exchange, asGatewayError, conclude, openExchange } from './exchange.js';
import { authenticate } from './authenticate.js';
import { parseRequest } from './parse.js';
import { admitWaiting, serveUpstream } from '../accounts/serve.js';
import { record } from './record.js';
import type { CompletionRoute, Identity, Lease, Outcome, ParsedRequest } from './types.js';

export function handleCompletion(client: ClientStream, head: RequestHead, route: CompletionRoute, deps: Deps): void {
  const x = openExchange(client, head, route, deps, deps.tracing.begin(head, route));
  const limit = deps.config.server.max_body_bytes;
  if (head.contentLength > limit) return refused(x, null, tooLarge(limit), deps);
  // A missing or malformed credential is refused before a byte of the body is read (uWS then
  // discards the unread body without buffering it): strangers cost no memory.
  let auth: Identity | Promise<Identity>;
  try {
    auth = authenticate(route.format.credential(head), deps);
  } catch (e) {
    return refused(x, null, asGatewayError(x, e, deps.log), deps);
  }
  let receiving = true;
  // gone before its body was complete: nothing else runs, so the request ends here (a drain
  // would otherwise wait for it until the grace period is over)
  const stopWatching = client.onAbort(() => {
    if (!receiving) return;
    receiving = false;
    refused(x, null, null, deps);
  });
  const stopReading = client.readBody(limit, (body) => {
    receiving = false;
    stopWatching();
    if (!body.ok) return refused(x, null, tooLarge(limit), deps);
    void serve(x, route, auth, body.body, deps);
  });
  // verification (or the cache) runs while the body arrives; a token that fails it ends the read at
  // once (once the body is complete, serve() reports the failure instead)
  if (auth instanceof Promise) {
    auth.catch((e: unknown) => {
      if (!receiving) return;
      receiving = false;
      stopWatching();
      stopReading();
      refused(x, null, asGatewayError(x, e, deps.log), deps);
    });
  }
}

async function serve(x: Exchange, route: CompletionRoute, auth: Identity | Promise<Identity>, raw: Buffer, deps: Deps): Promise<void> {
  let identity: Identity | null = null;
  let request: ParsedRequest;
  let lease: Lease;
  try {
    identity = await auth;
    x.trace?.event('auth');
    request = parseRequest(raw, route, identity, deps.modelPolicy);
    x.trace?.request(request, identity.sub);
    if (x.client.aborted) return refused(x, identity, null, deps);
    lease = await admitWaiting(x, identity, request, deps);
    x.trace?.event('admission');
  } catch (e) {
    return refused(x, identity, asGatewayError(x, e, deps.log), deps);
  }
  // admitted: from here the slots are held and record runs exactly once
  deps.metrics.inFlight.inc();
  deps.leases.hold(lease);
  const outcome = x.client.aborted ? abortedBeforeStart() : await serveUpstream(x, route, request, lease, deps);
  await record(x, identity, request, lease, outcome, deps);
  deps.metrics.inFlight.dec();
  deliver(x, identity, outcome, deps);
}

/** The last byte goes out only after record made the usage durable. */
function deliver(x: Exchange, identity: Identity, o: Outcome, deps: Deps): void {
  const user = identity.sub;
  if (o.error) return conclude(x, { error: o.error, user, outcome: o }, deps);
  if (o.streamed) x.client.endStream(o.tail);
  else x.client.reply(o.status, o.body ?? '', o.headers, o.contentType);
  conclude(x, { status: o.aborted ? 499 : o.status, user, outcome: o }, deps);
}

/**
 * Ended before anything was admitted: answered with `error` (none when the client went away),
 * and counted for the console, as the ledger holds every admitted request.
 */
function refused(x: Exchange, identity: Identity | null, error: GatewayError | null, deps: Deps): void {
  deps.refusals.add(identity?.sub ?? '', identity?.jti ?? '', error ? error.code : 'client_closed_request', error ? error.status : 499);
  conclude(x, error ? { error, user: identity?.sub } : { status: 499, user: identity?.sub }, deps);
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
    attempts: 0,
  };
}
