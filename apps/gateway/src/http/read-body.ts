// Read a request body with a byte limit: 413 as soon as the limit is passed, not after buffering.
import type { HttpResponse } from 'uWebSockets.js';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true };

/** Stops buffering: what already arrived is dropped, and the rest is discarded as it arrives. */
export type StopReading = () => void;

export function readBody(res: HttpResponse, limit: number, done: (r: BodyResult) => void): StopReading {
  const parts: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((ab, isLast) => {
    if (over) return;
    size += ab.byteLength;
    if (size > limit) {
      over = true;
      parts.length = 0;
      done({ ok: false, tooLarge: true });
      return;
    }
    // uWS empties the ArrayBuffer when this callback returns: copy it
    if (ab.byteLength > 0) parts.push(Buffer.from(ab.slice(0)));
    if (isLast) done({ ok: true, body: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size) });
  });
  return () => {
    over = true;
    parts.length = 0;
  };
}
