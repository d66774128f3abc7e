// Sending an answer under a behaviour: delays, keep-alives, error statuses, faults, and SSE frame by frame.

import type { Behaviour } from './behaviour.js';
import type { Usage } from './content.js';
import { errorBody, type Dialect } from './errors.js';
import { drain, JSON_TYPE, killSocket, makeOut, sendJson, sleep, type Ctx } from './http-out.js';
import type { Records } from './records.js';

/** An SSE answer: `head` frames, then `count` frames (delayed, cut by faults), then `tail` frames. */
export interface StreamFrames {
  head: string[];
  count: number;
  frame(i: number): string;
  tail: string[];
  usage: Usage;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const KEEP_ALIVE_SSE = ': keep-alive\n\n';

/** True when the behaviour asks for nothing but a plain, immediate answer. */
export function plain(b: Behaviour): boolean {
  return b.firstByteDelayMs <= 0 && b.status === 200 && b.hang === null && b.reset === null && b.keepAliveLines <= 0 && b.trickleMs <= 0;
}

/** Runs the before-headers part of a behaviour; returns false when the request must not be answered now. */
export async function preamble(ctx: Ctx, b: Behaviour, dialect: Dialect): Promise<boolean> {
  if (b.firstByteDelayMs > 0) {
    await sleep(ctx, b.firstByteDelayMs);
    if (ctx.closed) return false;
  }
  if (b.reset === 'before-headers') {
    killSocket(ctx);
    return false;
  }
  if (b.hang === 'before-headers') return false;
  if (b.status >= 400) {
    sendJson(ctx.res, b.status, errorBody(dialect, b.status));
    return false;
  }
  return true;
}

function midFault(b: Behaviour): 'reset' | 'hang' | null {
  return b.reset === 'mid-stream' ? 'reset' : b.hang === 'mid-stream' ? 'hang' : null;
}

/** Non-stream JSON answer with headers first, keep-alive newlines, trickle, mid-body faults. */
export async function slowJson(ctx: Ctx, b: Behaviour, body: string, usage: Usage | null, records: Records): Promise<void> {
  ctx.res.writeHead(b.status, { 'content-type': JSON_TYPE });
  ctx.res.flushHeaders();
  const out = makeOut(ctx, b);
  for (let i = 0; i < b.keepAliveLines; i++) {
    out.write('\n');
    if (b.keepAliveIntervalMs > 0) {
      await sleep(ctx, b.keepAliveIntervalMs);
      if (ctx.closed) return;
    }
  }
  const fault = midFault(b);
  if (fault !== null) {
    out.write(body.slice(0, body.length >> 1));
    out.finish(fault);
    return;
  }
  out.write(body);
  if (usage !== null) records.countUsage(usage);
  out.finish('end');
}

/** Answers a JSON document: in one write when the behaviour is plain, else through preamble and slowJson. */
export async function answerJson(ctx: Ctx, b: Behaviour, dialect: Dialect, body: string, usage: Usage | null, records: Records): Promise<void> {
  if (plain(b)) {
    sendJson(ctx.res, 200, body);
    if (usage !== null) records.countUsage(usage);
    return;
  }
  if (!(await preamble(ctx, b, dialect))) return;
  await slowJson(ctx, b, body, usage, records);
}

/** SSE answer; a mid-stream fault cuts it after half of the counted frames. Each frame is its own write. */
export async function answerStream(ctx: Ctx, b: Behaviour, dialect: Dialect, f: StreamFrames, records: Records): Promise<void> {
  if (!(await preamble(ctx, b, dialect))) return;
  ctx.res.writeHead(b.status, SSE_HEADERS);
  ctx.res.flushHeaders();
  const out = makeOut(ctx, b);
  for (let i = 0; i < b.keepAliveLines; i++) {
    out.write(KEEP_ALIVE_SSE);
    if (b.keepAliveIntervalMs > 0) {
      await sleep(ctx, b.keepAliveIntervalMs);
      if (ctx.closed) return;
    }
  }
  const fault = midFault(b);
  const stopAfter = fault === null ? -1 : f.count > 0 ? Math.max(1, f.count >> 1) : 0;
  for (const h of f.head) out.write(h);
  if (stopAfter === 0) {
    out.finish(fault!);
    return;
  }
  for (let i = 0; i < f.count; i++) {
    if (b.chunkDelayMs > 0) {
      await sleep(ctx, b.chunkDelayMs);
      if (ctx.closed) return;
    }
    if (!out.write(f.frame(i))) {
      await drain(ctx);
      if (ctx.closed) return;
    }
    if (i + 1 === stopAfter) {
      out.finish(fault!);
      return;
    }
  }
  records.countUsage(f.usage);
  for (const t of f.tail) out.write(t);
  out.finish('end');
}
