import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startMockDeepSeek, type MockDeepSeek } from '../src/index.js';

export interface Piece {
  t: number;
  data: Buffer;
}

export interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  pieces: Piece[];
  text: string;
  /** performance.now() when the request was sent */
  sentAt: number;
  /** error seen after the response started (socket reset, abort) */
  error: Error | null;
}

export interface RawOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** give up (destroy the request) after this many ms; rejects with Error('client timeout') if no response yet */
  timeoutMs?: number;
  /** called for every piece; return true to abort the request there */
  onPiece?: (p: Piece, all: Piece[]) => boolean | void;
}

/** One request on a fresh connection; keeps every body piece with its arrival time. */
export function raw(base: string, o: RawOptions = {}): Promise<RawResult> {
  const url = new URL(o.path ?? '/v1/chat/completions', base);
  const payload = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (payload !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = request(url, { method: o.method ?? (payload === undefined ? 'GET' : 'POST'), headers, agent: false });
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    let result: RawResult | null = null;
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (result === null) {
        reject(err ?? new Error('no response'));
        return;
      }
      result.error = err;
      result.text = Buffer.concat(result.pieces.map((p) => p.data)).toString('utf8');
      resolve(result);
    };
    if (o.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        req.destroy(new Error('client timeout'));
      }, o.timeoutMs);
    }
    req.on('error', (e) => finish(e));
    req.on('response', (res) => {
      result = { status: res.statusCode ?? 0, headers: res.headers, pieces: [], text: '', sentAt, error: null };
      const r = result;
      res.on('data', (d: Buffer) => {
        const p = { t: performance.now(), data: d };
        r.pieces.push(p);
        if (o.onPiece?.(p, r.pieces) === true) {
          req.destroy(new Error('client abort'));
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('aborted')));
      res.on('close', () => finish(res.complete ? null : new Error('closed before complete')));
    });
    if (payload !== undefined) req.end(payload);
    else req.end();
  });
}

/** Splits an SSE body into events (separated by a blank line); asserts nothing. */
export function sseEvents(text: string): string[] {
  const parts = text.split('\n\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** The JSON payloads of the `data:` events, excluding [DONE]. */
export function dataChunks(text: string): any[] {
  return sseEvents(text)
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)));
}

export function chat(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello, how are you?' }], ...extra };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs = 2000, stepMs = 2): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error('waitFor timed out');
    await sleep(stepMs);
  }
}

/** One mock for a test file: started before its tests, reset before each, closed after. */
export function withMock(set: (m: MockDeepSeek) => void): void {
  let mock: MockDeepSeek;
  beforeAll(async () => {
    mock = await startMockDeepSeek();
    set(mock);
  });
  afterAll(() => mock.close());
  beforeEach(() => {
    mock.reset();
    mock.setBehaviour({});
  });
}
