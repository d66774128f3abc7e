// The port between the request path and the client's connection. Stages answer, stream and learn
// that the client went away through this interface only; the uWS adapter (uws-client-stream.ts)
// is its one implementation in the product, a recording fake its implementation in unit tests; both
// keep their abort listeners in AbortListeners below.

export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true };

export type Headers = readonly (readonly [string, string])[];

export interface ClientStream {
  /** the client went away; nothing is written after it */
  readonly aborted: boolean;
  /** the status line is out, or committed to (a stream's head waits for its first bytes) */
  readonly headersSent: boolean;
  /** called once when the client goes away; returns what removes the listener */
  onAbort(listener: () => void): () => void;
  /** reads the body, refusing it as soon as it passes `limit` bytes; returns what stops reading */
  readBody(limit: number, done: (r: BodyResult) => void): () => void;
  /** a whole answer: status line, headers, body and end, in one write */
  reply(status: number, body: string | Buffer, headers?: Headers, contentType?: string): void;
  /** commits to a 200 stream; its head goes out with the first bytes, or at flushHead */
  beginStream(contentType: string, headers: Headers): void;
  flushHead(): void;
  /** false when the client cannot take more now: `onDrain` fires once it can */
  write(bytes: Buffer): boolean;
  onDrain(listener: () => void): void;
  /** ends a stream, with its last bytes */
  endStream(tail: Buffer | null): void;
}

/** Who is told that the client went away: each listener once, removable before that. */
export class AbortListeners {
  private readonly list: (() => void)[] = [];

  add(listener: () => void): () => void {
    this.list.push(listener);
    return () => {
      const i = this.list.indexOf(listener);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  fire(): void {
    for (const l of this.list.splice(0)) l();
  }
}
