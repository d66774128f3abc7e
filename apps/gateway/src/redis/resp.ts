// RESP2 on the wire, for the hot-path script client: encode EVALSHA/EVAL commands as one string,
// and read replies incrementally from a socket's chunks.

export type RespValue = string | number | null | RespError | RespValue[];

export class RespError extends Error {
  override readonly name = 'ReplyError';
}

/** A command: the `*<n>` array header, then its parts. */
export function encodeCommand(parts: readonly (string | number)[]): string {
  return `*${parts.length}\r\n${encodeParts(parts)}`;
}

/** `$<bytes>\r\n<s>\r\n` for every part (no array header: callers may prepend pre-encoded parts). */
export function encodeParts(parts: readonly (string | number)[]): string {
  let out = '';
  for (const p of parts) out += encodePart(p);
  return out;
}

/** `$<bytes>\r\n<s>\r\n` */
export function encodePart(p: string | number): string {
  const s = typeof p === 'string' ? p : String(p);
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

const NEED_MORE = Symbol('need more bytes');
const CR = 13;

/**
 * Feeds chunks in, hands complete replies out in order. A reply split across chunks is parsed
 * again from its start once the rest arrived (replies to the gateway's scripts are a few bytes).
 */
export class RespReader {
  private buf: Buffer | null = null;
  private pos = 0;

  constructor(private readonly onReply: (v: RespValue) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
    const buf = this.buf;
    while (this.pos < buf.length) {
      const start = this.pos;
      const v = this.value(buf);
      if (v === NEED_MORE) {
        this.pos = start;
        return;
      }
      this.onReply(v);
    }
    this.buf = null;
    this.pos = 0;
  }

  reset(): void {
    this.buf = null;
    this.pos = 0;
  }

  private value(buf: Buffer): RespValue | typeof NEED_MORE {
    const type = buf[this.pos];
    const end = buf.indexOf(CR, this.pos + 1);
    if (end < 0 || end + 1 >= buf.length) return NEED_MORE;
    const lineStart = this.pos + 1;
    this.pos = end + 2;
    switch (type) {
      case 0x3a: // ':' integer
        return integer(buf, lineStart, end);
      case 0x2b: // '+' simple string
        return buf.toString('utf8', lineStart, end);
      case 0x2d: // '-' error
        return new RespError(buf.toString('utf8', lineStart, end));
      case 0x24: {
        // '$' bulk string
        const len = integer(buf, lineStart, end);
        if (len < 0) return null;
        if (this.pos + len + 2 > buf.length) return NEED_MORE;
        const s = buf.toString('utf8', this.pos, this.pos + len);
        this.pos += len + 2;
        return s;
      }
      case 0x2a: {
        // '*' array
        const n = integer(buf, lineStart, end);
        if (n < 0) return null;
        const out: RespValue[] = new Array(n);
        for (let i = 0; i < n; i++) {
          if (this.pos >= buf.length) return NEED_MORE;
          const v = this.value(buf);
          if (v === NEED_MORE) return NEED_MORE;
          out[i] = v;
        }
        return out;
      }
      default:
        throw new Error(`unexpected RESP type byte ${type}`);
    }
  }
}

function integer(buf: Buffer, from: number, to: number): number {
  let i = from;
  let sign = 1;
  if (buf[i] === 0x2d) {
    sign = -1;
    i++;
  }
  let n = 0;
  for (; i < to; i++) n = n * 10 + (buf[i]! - 0x30);
  return sign * n;
}
