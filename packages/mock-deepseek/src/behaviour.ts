// Behaviour knobs: defaults, per-request overrides from `x-mock-*` headers or a body `mock` field.

import type { IncomingHttpHeaders } from 'node:http';

export type FaultPoint = 'before-headers' | 'mid-stream';

export interface MockBehaviour {
  /** [0] delay before the response headers are sent. */
  firstByteDelayMs?: number;
  /** [0] streams: N `: keep-alive\n\n` comment lines before the first data frame; non-stream: N `\n` lines before the JSON. */
  keepAliveLines?: number;
  /** [10] gap between keep-alive lines. */
  keepAliveIntervalMs?: number;
  /** [8] content delta chunks in a stream (and words of the non-stream answer). */
  chunks?: number;
  /** [0] delay before each content/reasoning chunk of a stream. */
  chunkDelayMs?: number;
  /** [200] 4xx/5xx: answer with that status and a DeepSeek-style error body. */
  status?: number;
  /** never answer (`before-headers`), or stop after half the chunks and keep the socket open (`mid-stream`). */
  hang?: FaultPoint | null;
  /** destroy the socket with a TCP RST at that point. */
  reset?: FaultPoint | null;
  /** send the body one byte at a time with this delay between bytes. */
  trickleMs?: number;
  /** [false] Anthropic format, thinking on: a `redacted_thinking` block follows the thinking block. */
  redactedThinking?: boolean;
}

/** Fully resolved behaviour (every field present). */
export interface Behaviour {
  firstByteDelayMs: number;
  keepAliveLines: number;
  keepAliveIntervalMs: number;
  chunks: number;
  chunkDelayMs: number;
  status: number;
  hang: FaultPoint | null;
  reset: FaultPoint | null;
  trickleMs: number;
  redactedThinking: boolean;
}

export const BUILTIN_DEFAULTS: Readonly<Behaviour> = Object.freeze({
  firstByteDelayMs: 0,
  keepAliveLines: 0,
  keepAliveIntervalMs: 10,
  chunks: 8,
  chunkDelayMs: 0,
  status: 200,
  hang: null,
  reset: null,
  trickleMs: 0,
  redactedThinking: false,
});

const MAX_CHUNKS = 100_000;

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0' || v === null) return false;
  return undefined;
}

function fault(v: unknown): FaultPoint | null | undefined {
  if (v === 'before-headers' || v === 'mid-stream') return v;
  if (v === null || v === 'none' || v === '' || v === false || v === 'false') return null;
  return undefined;
}

/** Applies the recognised fields of `src` (loose: numbers may be strings) over `base`, returning a new object. */
export function applyBehaviour(base: Behaviour, src: Record<string, unknown>): Behaviour {
  const out: Behaviour = { ...base };
  let n: number | undefined;
  if ((n = num(src.firstByteDelayMs)) !== undefined) out.firstByteDelayMs = n;
  if ((n = num(src.keepAliveLines)) !== undefined) out.keepAliveLines = Math.floor(n);
  if ((n = num(src.keepAliveIntervalMs)) !== undefined) out.keepAliveIntervalMs = n;
  if ((n = num(src.chunks)) !== undefined) out.chunks = Math.min(MAX_CHUNKS, Math.floor(n));
  if ((n = num(src.chunkDelayMs)) !== undefined) out.chunkDelayMs = n;
  if ((n = num(src.status)) !== undefined && n >= 100 && n <= 599) out.status = Math.floor(n);
  let f: FaultPoint | null | undefined;
  if ((f = fault(src.hang)) !== undefined) out.hang = f;
  if ((f = fault(src.reset)) !== undefined) out.reset = f;
  if ((n = num(src.trickleMs)) !== undefined) out.trickleMs = n;
  const r = bool(src.redactedThinking);
  if (r !== undefined) out.redactedThinking = r;
  return out;
}

const HEADER_KNOBS: ReadonlyArray<readonly [string, keyof Behaviour]> = [
  ['x-mock-first-byte-delay-ms', 'firstByteDelayMs'],
  ['x-mock-keep-alive-lines', 'keepAliveLines'],
  ['x-mock-keep-alive-interval-ms', 'keepAliveIntervalMs'],
  ['x-mock-chunks', 'chunks'],
  ['x-mock-chunk-delay-ms', 'chunkDelayMs'],
  ['x-mock-status', 'status'],
  ['x-mock-hang', 'hang'],
  ['x-mock-reset', 'reset'],
  ['x-mock-trickle-ms', 'trickleMs'],
  ['x-mock-redacted-thinking', 'redactedThinking'],
];

/**
 * Resolves the behaviour of one request: defaults, then `x-mock-*` headers, then the body's `mock`
 * object. Returns `defaults` itself (no allocation) when the request carries no knobs.
 */
export function resolveBehaviour(defaults: Behaviour, headers: IncomingHttpHeaders, bodyMock: unknown): Behaviour {
  let overrides: Record<string, unknown> | null = null;
  for (let i = 0; i < HEADER_KNOBS.length; i++) {
    const k = HEADER_KNOBS[i]!;
    const v = headers[k[0]];
    if (v !== undefined) {
      if (overrides === null) overrides = {};
      overrides[k[1]] = Array.isArray(v) ? v[v.length - 1] : v;
    }
  }
  let b = overrides === null ? defaults : applyBehaviour(defaults, overrides);
  if (bodyMock !== null && typeof bodyMock === 'object' && !Array.isArray(bodyMock)) {
    b = applyBehaviour(b, bodyMock as Record<string, unknown>);
  }
  return b;
}
