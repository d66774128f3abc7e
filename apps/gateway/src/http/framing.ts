// Request framing checks that run before any route: the uWS build this gateway ships with takes the
// first of two Content-Length headers and treats any Transfer-Encoding that mentions "chunked" as
// chunked, so a front proxy that reads the framing differently could be made to smuggle a request
// past it. Ambiguous framing is refused (400, connection closed) instead of guessed. Oversized
// header blocks get 431: uWS's own parser only resets the connection, and only past ~72 KB.
import type { HttpRequest } from 'uWebSockets.js';
import { GatewayError } from '@dsp/core';

/** A GatewayError to answer (and close the connection with), or null when the framing is sound. */
export function framingError(req: HttpRequest, maxHeaderBytes: number): GatewayError | null {
  let bytes = 0;
  let contentLength: string | null = null;
  let lengths = 0;
  let encodings = 0;
  let encoding = '';
  let conflict = false;
  req.forEach((name, value) => {
    // name, ": ", value, CRLF: what the block cost on the wire
    bytes += name.length + value.length + 4;
    if (name === 'content-length') {
      lengths++;
      if (contentLength !== null && value.trim() !== contentLength) conflict = true;
      contentLength = value.trim();
    } else if (name === 'transfer-encoding') {
      encodings++;
      encoding = value;
    }
  });
  if (bytes > maxHeaderBytes) {
    return new GatewayError('headers_too_large', `the request's headers are larger than ${maxHeaderBytes} bytes`);
  }
  if (conflict) return new GatewayError('invalid_request', 'conflicting Content-Length headers');
  if (encodings > 1 || (encodings === 1 && encoding.trim().toLowerCase() !== 'chunked')) {
    return new GatewayError('invalid_request', 'unsupported Transfer-Encoding (only a single "chunked" is accepted)');
  }
  if (encodings === 1 && lengths > 0) return new GatewayError('invalid_request', 'both Transfer-Encoding and Content-Length are set');
  return null;
}
