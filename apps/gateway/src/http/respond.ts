// The only place that writes responses to uWS. Every write outside the synchronous handler is
// corked; nothing is written after the client went away.
import type { HttpResponse } from 'uWebSockets.js';
import { errorBody, type GatewayError } from '@dsp/core';

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
  431: 'Request Header Fields Too Large',
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

/** Status line, content type and request id: what every response starts with. Call inside cork. */
export function writeHead(res: HttpResponse, status: number, requestId: string, contentType = 'application/json'): HttpResponse {
  return res.writeStatus(statusLine(status)).writeHeader('content-type', contentType).writeHeader('x-request-id', requestId);
}

/** What a response needs to know about its exchange. */
export interface Replyable {
  res: HttpResponse;
  aborted: boolean;
  /** set once the status line is written */
  headersSent: boolean;
  head: { echoRequestId: string };
}

/** An error the gateway answers with; `body` in the route's format (OpenAI's shape by default). */
export function sendError(x: Replyable, err: GatewayError, body = errorBody(err.code, err.message)): void {
  sendJson(x, err.status, body, Object.entries(err.headers));
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
    writeHead(x.res, status, x.head.echoRequestId, contentType);
    if (extra) for (const [k, v] of extra) x.res.writeHeader(k, v);
    x.res.end(body);
  });
}
