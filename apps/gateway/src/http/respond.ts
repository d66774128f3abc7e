// Status lines and the head every response starts with (uWS).
import type { HttpResponse } from 'uWebSockets.js';

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
