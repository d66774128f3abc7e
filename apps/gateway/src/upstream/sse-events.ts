// What both API formats' stream readers share: complete SSE events pass through byte for byte as
// they arrive, only an incomplete trailing event is carried to the next chunk, and from the
// format's end-of-stream event on (`data: [DONE]`, `event: message_stop`) everything is held back
// for the gateway to send once the request's usage is durable. A subclass looks at the events that
// mention its usage marker and may drop one.

/** a malformed upstream that never ends an event must not grow memory */
const MAX_CARRY = 1 << 20;
const EVENT_END = Buffer.from('\n\n');
const EMPTY = Buffer.alloc(0);

export abstract class SseEvents {
  private carry: Buffer | null = null;
  /** from the end-of-stream event on */
  private held: Buffer[] | null = null;

  constructor(
    /** events without it are not inspected (fast path) */
    private readonly marker: Buffer,
    /** the event that ends the stream */
    private readonly stop: Buffer,
  ) {}

  /** Reads the event buf[start, end); true when it must not reach the client. */
  protected abstract inspect(buf: Buffer, start: number, end: number): boolean;

  /** Bytes to forward now (possibly empty). */
  push(chunk: Buffer): Buffer {
    if (this.held) {
      if (this.held.length < 64) this.held.push(chunk);
      return EMPTY;
    }
    // fast path: whole events, none of which mentions the marker or ends the stream
    if (
      this.carry === null &&
      chunk.length >= 2 &&
      chunk[chunk.length - 1] === 10 &&
      chunk[chunk.length - 2] === 10 &&
      chunk.indexOf(this.marker) === -1 &&
      chunk.indexOf(this.stop) === -1
    ) {
      return chunk;
    }
    const buf = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = null;
    let start = 0;
    let kept = 0; // start of the run of kept bytes not yet copied to out
    let out: Buffer[] | null = null; // only allocated when an event is dropped
    let end: number;
    while ((end = buf.indexOf(EVENT_END, start)) !== -1) {
      end += 2;
      if (startsWith(buf, start, this.stop)) {
        this.held = [Buffer.from(buf.subarray(start))];
        break;
      }
      if (this.mentions(buf, start, end) && this.inspect(buf, start, end)) {
        out ??= [];
        if (start > kept) out.push(buf.subarray(kept, start));
        kept = end;
      }
      start = end;
    }
    if (out && start > kept) out.push(buf.subarray(kept, start));
    if (start < buf.length && !this.held) {
      const rest = buf.subarray(start);
      // not SSE as we know it: forward it as is rather than grow memory
      if (rest.length > MAX_CARRY) return out ? Buffer.concat([...out, rest]) : buf;
      this.carry = Buffer.from(rest);
    }
    if (out) return Buffer.concat(out);
    return start === buf.length ? buf : buf.subarray(0, start);
  }

  /** What is left when the upstream ends: the held end-of-stream tail, or an unterminated last event. */
  flush(): Buffer | null {
    const parts = [...(this.carry ? [this.carry] : []), ...(this.held ?? [])];
    this.carry = null;
    this.held = null;
    return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private mentions(buf: Buffer, start: number, end: number): boolean {
    const at = buf.indexOf(this.marker, start);
    return at !== -1 && at < end;
  }
}

export function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  return buf.length - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}
