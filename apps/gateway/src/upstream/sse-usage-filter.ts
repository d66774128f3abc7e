// Finds DeepSeek's usage in an SSE stream without buffering it, and strips the usage-only chunk
// (`"choices":[]` + usage) when the client did not ask for it. Complete events pass through byte
// for byte, `: keep-alive` comments included; only an incomplete trailing event is held back, and
// the final `data: [DONE]` (with anything after it), which the gateway sends only once the
// request's usage is durable — SDKs stop reading at [DONE].
import { usageCounts, type UpstreamUsage, type UsageCounts } from '@dsp/core';

const EVENT_END = Buffer.from('\n\n');
const USAGE = Buffer.from('"usage":{');
const EMPTY_CHOICES = Buffer.from('"choices":[]');
const DATA = Buffer.from('data:');
const DONE = Buffer.from('data: [DONE]');
/** a malformed upstream that never ends an event must not grow memory */
const MAX_CARRY = 1 << 20;
const EMPTY = Buffer.alloc(0);

export class SseUsageFilter {
  usage: UpstreamUsage | null = null;
  private carry: Buffer | null = null;
  /** from `data: [DONE]` on: sent by the finish stage, after the usage is durable */
  private held: Buffer[] | null = null;

  constructor(private readonly strip: boolean) {}

  /** Bytes to forward now (possibly empty). */
  push(chunk: Buffer): Buffer {
    if (this.held) {
      if (this.held.length < 64) this.held.push(chunk);
      return EMPTY;
    }
    // fast path: whole events, none of which mentions usage or ends the stream
    if (
      this.carry === null &&
      chunk.length >= 2 &&
      chunk[chunk.length - 1] === 10 &&
      chunk[chunk.length - 2] === 10 &&
      chunk.indexOf(USAGE) === -1 &&
      chunk.indexOf(DONE) === -1
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
      if (startsWith(buf, start, DONE)) {
        this.held = [Buffer.from(buf.subarray(start))];
        break;
      }
      if (this.inspect(buf, start, end)) {
        out ??= [];
        if (start > kept) out.push(buf.subarray(kept, start));
        kept = end;
      }
      start = end;
    }
    if (out && start > kept) out.push(buf.subarray(kept, start));
    if (start < buf.length && !this.held) {
      const rest = buf.subarray(start);
      if (rest.length > MAX_CARRY) {
        // not SSE as we know it: give up filtering this part, forward it as is
        return out ? Buffer.concat([...out, rest]) : buf;
      }
      this.carry = Buffer.from(rest);
    }
    if (out) return Buffer.concat(out);
    return start === buf.length ? buf : buf.subarray(0, start);
  }

  counts(): UsageCounts {
    return usageCounts(this.usage);
  }

  /** What is left when the upstream ends: the held [DONE] tail, or an unterminated last event. */
  flush(): Buffer | null {
    const parts = [...(this.carry ? [this.carry] : []), ...(this.held ?? [])];
    this.carry = null;
    this.held = null;
    return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Records usage; returns true when the event must be dropped. */
  private inspect(buf: Buffer, start: number, end: number): boolean {
    const u = buf.indexOf(USAGE, start);
    if (u === -1 || u >= end) return false;
    if (!startsWith(buf, start, DATA)) return false;
    let event: { usage?: UpstreamUsage; choices?: unknown[] };
    try {
      event = JSON.parse(buf.toString('utf8', start + DATA.length, end));
    } catch {
      return false;
    }
    if (event.usage) this.usage = event.usage;
    const c = buf.indexOf(EMPTY_CHOICES, start);
    return this.strip && c !== -1 && c < end && Array.isArray(event.choices) && event.choices.length === 0;
  }
}

function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  return buf.length - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}
