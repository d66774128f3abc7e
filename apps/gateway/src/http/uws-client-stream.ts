// The client-stream port on uWS: the only place a request's response is written. Every write
// outside the synchronous handler is corked; nothing is written after the client went away.
import type { HttpResponse } from 'uWebSockets.js';
import { AbortListeners, type BodyResult, type ClientStream, type Headers } from './client-stream.js';
import { writeHead } from './respond.js';

export class UwsClientStream implements ClientStream {
  aborted = false;
  headersSent = false;
  /** a committed stream's head, written with its first bytes */
  private pendingHead: { contentType: string; headers: Headers } | null = null;
  private readonly abortListeners = new AbortListeners();

  constructor(
    private readonly res: HttpResponse,
    /** what the response's x-request-id carries */
    private readonly requestId: string,
  ) {
    // uWS needs this before the handler returns, when the answer comes later
    res.onAborted(() => {
      this.aborted = true;
      this.abortListeners.fire();
    });
  }

  onAbort(listener: () => void): () => void {
    return this.abortListeners.add(listener);
  }

  readBody(limit: number, done: (r: BodyResult) => void): () => void {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    this.res.onData((ab, isLast) => {
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
    // what already arrived is dropped, and the rest is discarded as it arrives
    return () => {
      over = true;
      parts.length = 0;
    };
  }

  reply(status: number, body: string | Buffer, headers?: Headers, contentType = 'application/json'): void {
    if (this.aborted || this.headersSent) return;
    this.headersSent = true;
    const { res } = this;
    res.cork(() => {
      writeHead(res, status, this.requestId, contentType);
      if (headers) for (const [k, v] of headers) res.writeHeader(k, v);
      res.end(body);
    });
  }

  beginStream(contentType: string, headers: Headers): void {
    this.headersSent = true;
    this.pendingHead = { contentType, headers };
  }

  flushHead(): void {
    if (this.pendingHead && !this.aborted) this.res.cork(() => this.writePendingHead());
  }

  write(bytes: Buffer): boolean {
    if (this.aborted) return true;
    let ok = true;
    this.res.cork(() => {
      this.writePendingHead();
      ok = this.res.write(bytes);
    });
    return ok;
  }

  onDrain(listener: () => void): void {
    this.res.onWritable(() => {
      listener();
      return true;
    });
  }

  endStream(tail: Buffer | null): void {
    if (this.aborted) return;
    this.res.cork(() => {
      this.writePendingHead();
      if (tail) this.res.end(tail);
      else this.res.end();
    });
  }

  /** Inside cork: the stream's status line and headers, once. */
  private writePendingHead(): void {
    const head = this.pendingHead;
    if (!head) return;
    this.pendingHead = null;
    writeHead(this.res, 200, this.requestId, head.contentType);
    for (const [k, v] of head.headers) this.res.writeHeader(k, v);
  }
}
