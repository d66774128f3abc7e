// The per-request context and the ways bytes leave the mock: straight, trickled, or cut by a fault.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Behaviour } from './behaviour.js';
import type { ReceivedRequest } from './records.js';

export type Finish = 'end' | 'reset' | 'hang';

export interface Out {
  /** false when the socket buffer is full: wait for drain() before producing more */
  write(s: string): boolean;
  finish(kind: Finish): void;
  cancel(): void;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  rec: ReceivedRequest | null;
  userId: string | null;
  /** the upstream API key the request carried (Bearer or x-api-key), '' when none */
  key: string;
  /** counted against the key's in-flight cap */
  admitted: boolean;
  closed: boolean;
  /** the mock destroyed the socket itself (reset knob), so the close is not a client abort */
  selfKill: boolean;
  timer: NodeJS.Timeout | null;
  out: Out | null;
}

export const JSON_TYPE = 'application/json';
export const RESET_GRACE_MS = 20;

export function sleep(ctx: Ctx, ms: number): Promise<void> {
  return new Promise((resolve) => {
    ctx.timer = setTimeout(() => {
      ctx.timer = null;
      resolve();
    }, ms);
  });
}

/** Resolves when the response can take more data (or is gone). */
export function drain(ctx: Ctx): Promise<void> {
  return new Promise((resolve) => {
    const res = ctx.res;
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function killSocket(ctx: Ctx): void {
  ctx.selfKill = true;
  const s = ctx.req.socket as Socket & { resetAndDestroy?: () => Socket };
  try {
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  } catch {
    s.destroy();
  }
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body))]);
  res.end(body);
}

function resetLater(ctx: Ctx, ms: number): void {
  // let the bytes already written reach the client before the RST discards them
  ctx.timer = setTimeout(() => {
    ctx.timer = null;
    if (!ctx.closed) killSocket(ctx);
  }, ms);
}

/** Writes go straight to the response, one res.write per call. */
class DirectOut implements Out {
  constructor(
    private readonly ctx: Ctx,
    private readonly graceMs: number,
  ) {}
  write(s: string): boolean {
    return this.ctx.closed ? true : this.ctx.res.write(s);
  }
  finish(kind: Finish): void {
    if (this.ctx.closed) return;
    if (kind === 'end') this.ctx.res.end();
    else if (kind === 'reset') resetLater(this.ctx, this.graceMs);
  }
  cancel(): void {}
}

/** Buffers everything and sends it one byte per `ms`. */
class TrickleOut implements Out {
  private bufs: Buffer[] = [];
  private cur: Buffer | null = null;
  private pos = 0;
  private pending: Finish | null = null;
  private t: NodeJS.Timeout | null = null;
  constructor(
    private readonly ctx: Ctx,
    private readonly ms: number,
  ) {}
  write(s: string): boolean {
    this.bufs.push(Buffer.from(s));
    this.arm();
    return true;
  }
  finish(kind: Finish): void {
    this.pending = kind;
    this.arm();
  }
  cancel(): void {
    if (this.t) clearTimeout(this.t);
    this.t = null;
  }
  private arm(): void {
    if (this.t === null && !this.ctx.closed) this.t = setTimeout(this.tick, this.ms);
  }
  private readonly tick = (): void => {
    this.t = null;
    const ctx = this.ctx;
    if (ctx.closed) return;
    if (this.cur === null || this.pos >= this.cur.length) {
      this.cur = this.bufs.shift() ?? null;
      this.pos = 0;
    }
    if (this.cur !== null) {
      ctx.res.write(this.cur.subarray(this.pos, this.pos + 1));
      this.pos++;
      if (this.pos < this.cur.length || this.bufs.length > 0) {
        this.t = setTimeout(this.tick, this.ms);
        return;
      }
    }
    // drained
    const p = this.pending;
    if (p === 'end') ctx.res.end();
    else if (p === 'reset') resetLater(ctx, RESET_GRACE_MS);
    if (p !== null) this.pending = null;
  };
}

export function makeOut(ctx: Ctx, b: Behaviour): Out {
  const out = b.trickleMs > 0 ? new TrickleOut(ctx, b.trickleMs) : new DirectOut(ctx, Math.max(RESET_GRACE_MS, b.chunkDelayMs));
  ctx.out = out;
  return out;
}
