// Copy what the pipeline needs out of uWS's stack-allocated request before any await.
import { randomUUID } from 'node:crypto';
import type { HttpRequest } from 'uWebSockets.js';

export interface RequestHead {
  method: string;
  url: string;
  authorization: string;
  contentLength: number;
  accept: string;
  userAgent: string;
  /** the gateway's own id: the ledger key and the lease owner */
  requestId: string;
  /** what the response's x-request-id carries: the client's id when well-formed, else ours */
  echoRequestId: string;
  /** the further headers the route's format reads (e.g. x-api-key), '' when absent */
  extra: Readonly<Record<string, string>>;
  /** W3C trace context from the client, '' when absent or tracing is off */
  traceparent: string;
  tracestate: string;
}

const NONE: Readonly<Record<string, string>> = Object.freeze({});

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `traceContext`: read the W3C trace headers too (only tracing uses them). */
export function readHead(req: HttpRequest, extraHeaders: readonly string[] = [], traceContext = false): RequestHead {
  const requestId = randomUUID();
  const clientId = req.getHeader('x-request-id');
  const cl = req.getHeader('content-length');
  let extra = NONE;
  if (extraHeaders.length > 0) {
    const e: Record<string, string> = {};
    for (const h of extraHeaders) e[h] = req.getHeader(h);
    extra = e;
  }
  return {
    method: req.getCaseSensitiveMethod(),
    url: req.getUrl(),
    authorization: req.getHeader('authorization'),
    contentLength: cl === '' ? -1 : Number(cl),
    accept: req.getHeader('accept'),
    userAgent: req.getHeader('user-agent'),
    requestId,
    echoRequestId: clientId !== '' && CLIENT_REQUEST_ID.test(clientId) ? clientId : requestId,
    extra,
    traceparent: traceContext ? req.getHeader('traceparent') : '',
    tracestate: traceContext ? req.getHeader('tracestate') : '',
  };
}
