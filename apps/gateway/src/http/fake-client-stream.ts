// The client-stream port in memory, for the stages' unit tests: it records what a stage answered
// and lets a test deliver the body, go away, or refuse writes like a full socket.
import { AbortListeners, type BodyResult, type ClientStream, type Headers } from './client-stream.js';

export interface Answer {
  status: number;
  headers: Headers;
  contentType: string;
  body: string;
}

export class FakeClientStream implements ClientStream {
  aborted = false;
  headersSent = false;
  /** the whole answer (reply) or the stream's head and bytes so far */
  answer: Answer | null = null;
  streamed: Buffer[] = [];
  ended = false;
  /** write() returns this (false: the socket is full until drain()) */
  writable = true;
  readingStopped = false;
  private onBody: ((r: BodyResult) => void) | null = null;
  private drainListener: (() => void) | null = null;
  private readonly abortListeners = new AbortListeners();

  onAbort(listener: () => void): () => void {
    return this.abortListeners.add(listener);
  }

  readBody(_limit: number, done: (r: BodyResult) => void): () => void {
    this.onBody = done;
    return () => {
      this.readingStopped = true;
    };
  }

  reply(status: number, body: string | Buffer, headers: Headers = [], contentType = 'application/json'): void {
    if (this.aborted || this.headersSent) return;
    this.headersSent = true;
    this.ended = true;
    this.answer = { status, headers, contentType, body: body.toString() };
  }

  beginStream(contentType: string, headers: Headers): void {
    this.headersSent = true;
    this.answer = { status: 200, headers, contentType, body: '' };
  }

  flushHead(): void {}

  write(bytes: Buffer): boolean {
    if (!this.aborted) this.streamed.push(bytes);
    return this.writable;
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  endStream(tail: Buffer | null): void {
    if (this.aborted) return;
    if (tail) this.streamed.push(tail);
    this.ended = true;
  }

  /** test side: the body arrived */
  deliver(body: string): void {
    if (!this.readingStopped) this.onBody?.({ ok: true, body: Buffer.from(body) });
  }

  /** test side: the client went away */
  goAway(): void {
    this.aborted = true;
    this.abortListeners.fire();
  }

  /** test side: the socket drained */
  drain(): void {
    this.writable = true;
    this.drainListener?.();
  }
}
