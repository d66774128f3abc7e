// The only place that writes responses to uWS. Every write outside the synchronous handler is
// corked; nothing is written after the client went away.
import type { HttpResponse } from 'uWebSockets.js';
import { ERRORS, errorBody, type GatewayError } from '@dsp/core';

const STATUS_LINES = new Map<number, string>();
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusLine(status: number): string {
  let s = STATUS_LINES.get(status);
  if (!s) {
    s = `${status} ${REASONS[status] ?? 'Status'}`;
    STATUS_LINES.set(status, s);
  }
  return s;
}

/** What a response needs to know about its exchange. */
export interface Replyable {
  res: HttpResponse;
  aborted: boolean;
  /** set once the status line is written */
  headersSent: boolean;
  head: { echoRequestId: string };
}

export function sendError(x: Replyable, err: GatewayError): void {
  if (x.aborted || x.headersSent) return;
  x.headersSent = true;
  x.res.cork(() => {
    x.res.writeStatus(statusLine(ERRORS[err.code].status)).writeHeader('content-type', 'application/json').writeHeader('x-request-id', x.head.echoRequestId);
    for (const k in err.headers) x.res.writeHeader(k, err.headers[k]!);
    x.res.end(errorBody(err.code, err.message));
  });
}

export function sendJson(
  x: Replyable,
  status: number,
  body: string | Buffer,
  extra?: readonly (readonly [string, string])[],
  contentType = 'application/json',
): void {
  if (x.aborted || x.headersSent) return;
  x.headersSent = true;
  x.res.cork(() => {
    x.res.writeStatus(statusLine(status)).writeHeader('content-type', contentType).writeHeader('x-request-id', x.head.echoRequestId);
    if (extra) for (const [k, v] of extra) x.res.writeHeader(k, v);
    x.res.end(body);
  });
}
