// Shared by the accounting-*.test.ts files: a mixed client load against a real gateway, and the
// ledger / Redis / mock reads that prove every request was accounted for exactly once.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { keys, periodAt } from '@dsp/core';
import { migrate } from '@dsp/db';
import { cacheHitTokens, chatPromptTokens } from '@dsp/mock-deepseek';
import { freePort, type Gateway } from './harness.js';
import { sleep } from './util.js';

export type Kind =
  /** non-stream, 200 */
  | 'json'
  /** stream, client did not ask for usage */
  | 'stream'
  /** stream with stream_options.include_usage */
  | 'stream-usage'
  /** stream, the client goes away after a few chunks */
  | 'abort-stream'
  /** non-stream, the client goes away before the (delayed) answer */
  | 'abort-early'
  /** upstream 500 / 429 (non-stream and stream requests) */
  | 'err500'
  | 'err429'
  | 'err500-stream';

/** weights of the default mix (sum 100) */
export const DEFAULT_MIX: Record<Kind, number> = {
  json: 30,
  stream: 22,
  'stream-usage': 22,
  'abort-stream': 10,
  'abort-early': 3,
  err500: 5,
  err429: 4,
  'err500-stream': 4,
};

export interface Expected {
  prompt: number;
  completion: number;
  reasoning: number;
  cacheHit: number;
}

export interface Result {
  i: number;
  kind: Kind;
  user: string;
  /** null when no response head arrived */
  status: number | null;
  /** the response's x-request-id (= the gateway's id, since clients send none) */
  rid: string | null;
  /** the whole response arrived: body ended cleanly; a stream carried [DONE] */
  complete: boolean;
  /** a stream's [DONE] arrived, whether or not the body then ended cleanly */
  sawDone: boolean;
  /** the client aborted on purpose */
  clientAborted: boolean;
  /** a usage chunk was in the SSE the client got */
  sawUsageChunk: boolean;
  /** what the mock bills for this request if it completes */
  expected: Expected;
  error: string | null;
  body: string;
}

export interface Lane {
  user: string;
  token: string;
}

/** `users` users, `lanes` tokens (one per client lane, round-robin over the users). */
export async function makeLanes(gw: Gateway, o: { users: number; lanes: number; tag: string; concurrency?: number }): Promise<Lane[]> {
  const out: Lane[] = [];
  for (let l = 0; l < o.lanes; l++) {
    const user = `${o.tag}-u${l % o.users}`;
    out.push({ user, token: await gw.mint({ sub: user, jti: `${o.tag}-t${l}`, concurrency: o.concurrency ?? 4 }) });
  }
  return out;
}

/** A deterministic pseudo-random generator, so a failing run can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickKind(r: number, mix: Record<Kind, number>): Kind {
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  let x = r * total;
  for (const [k, w] of Object.entries(mix) as [Kind, number][]) {
    if ((x -= w) < 0) return k;
  }
  return 'json';
}

interface Plan {
  kind: Kind;
  body: Record<string, unknown>;
  expected: Expected;
}

const WORDS = 'the quick brown fox jumps over a lazy dog while gateways count every token twice '.split(' ');

function plan(i: number, kind: Kind, rand: () => number): Plan {
  const chars = 20 + Math.floor(rand() * 1800);
  let content = '';
  while (content.length < chars) content += WORDS[Math.floor(rand() * WORDS.length)] + ' ';
  const messages =
    rand() < 0.3
      ? [
          { role: 'system', content: `req ${i}` },
          { role: 'user', content },
        ]
      : [{ role: 'user', content }];
  const reasoner = rand() < 0.2;
  const chunks = 4 + Math.floor(rand() * 60);
  const body: Record<string, unknown> = { model: reasoner ? 'deepseek-reasoner' : 'deepseek-chat', messages };
  const mock: Record<string, unknown> = { chunks };
  switch (kind) {
    case 'json':
      break;
    case 'stream':
      body.stream = true;
      break;
    case 'stream-usage':
      body.stream = true;
      body.stream_options = { include_usage: true };
      break;
    case 'abort-stream':
      // long enough that the client is gone well before the mock reaches its finish frame
      body.stream = true;
      mock.chunks = 40;
      mock.chunkDelayMs = 15;
      break;
    case 'abort-early':
      mock.firstByteDelayMs = 1500;
      break;
    case 'err500':
      mock.status = 500;
      break;
    case 'err429':
      mock.status = 429;
      break;
    case 'err500-stream':
      body.stream = true;
      mock.status = 500;
      break;
  }
  body.mock = mock;
  const prompt = chatPromptTokens(messages);
  const n = mock.chunks as number;
  const reasoning = reasoner ? n : 0;
  return { kind, body, expected: { prompt, completion: n + reasoning, reasoning, cacheHit: cacheHitTokens(prompt) } };
}

const ABORT_EARLY_MS = 700;

/** One request, read to its end (or aborted as its kind says). Never throws. */
export async function runOne(url: string, lane: Lane, i: number, p: Plan): Promise<Result> {
  const r: Result = {
    i,
    kind: p.kind,
    user: lane.user,
    status: null,
    rid: null,
    complete: false,
    sawDone: false,
    clientAborted: false,
    sawUsageChunk: false,
    expected: p.expected,
    error: null,
    body: '',
  };
  const ac = new AbortController();
  let early: NodeJS.Timeout | null = null;
  if (p.kind === 'abort-early') {
    // after the gateway admitted the request (the ledger must hold it) and before the mock's first
    // byte at 1.5 s; under a loaded CI host admission has taken over 150 ms, so the margin is wide
    early = setTimeout(() => {
      r.clientAborted = true;
      ac.abort();
    }, ABORT_EARLY_MS);
  }
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lane.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(p.body),
      signal: ac.signal,
    });
    r.status = res.status;
    r.rid = res.headers.get('x-request-id');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      if (p.kind === 'abort-stream' && (text.match(/\n\n/g)?.length ?? 0) >= 3) {
        r.clientAborted = true;
        ac.abort();
        await reader.cancel().catch(() => {});
        break;
      }
    }
    r.body = text;
    const stream = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    r.sawDone = stream && text.includes('data: [DONE]');
    r.sawUsageChunk = stream && /"choices":\[\],"usage":\{/.test(text);
    if (!r.clientAborted) r.complete = stream ? r.sawDone : res.status !== 200 || isJson(text);
  } catch (e) {
    r.sawDone = r.body.includes('data: [DONE]');
    if (!r.clientAborted) r.error = (e as Error).message + ((e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : '');
  } finally {
    if (early) clearTimeout(early);
  }
  return r;
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

export interface LoadOptions {
  n: number;
  concurrency: number;
  lanes: Lane[];
  seed?: number;
  mix?: Record<Kind, number>;
  /** called after each finished request (for fault injection at a point of the run) */
  onProgress?: (done: number) => void;
}

/** n requests over the lanes, at most `concurrency` in flight (lane k serves requests k, k+c, …). */
export async function runLoad(url: string, o: LoadOptions): Promise<Result[]> {
  const rand = rng(o.seed ?? 1);
  const plans = Array.from({ length: o.n }, (_, i) => plan(i, pickKind(rand(), o.mix ?? DEFAULT_MIX), rand));
  const results: Result[] = new Array(o.n);
  let next = 0;
  let done = 0;
  const lane = async (k: number) => {
    const ln = o.lanes[k % o.lanes.length]!;
    while (next < o.n) {
      const i = next++;
      results[i] = await runOne(url, ln, i, plans[i]!);
      o.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, k) => lane(k)));
  return results;
}

// ---- the ledger ------------------------------------------------------------------------------

export interface LedgerRow {
  request_id: string;
  user_id: string;
  token_id: string;
  stream: boolean;
  status: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hit_tokens: number;
  cache_miss_tokens: number;
  reasoning_tokens: number;
  aborted: boolean;
}

export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function ledgerCount(url: string): Promise<number> {
  return withDb(url, async (c) => Number((await c.query('SELECT count(*) AS n FROM usage_ledger')).rows[0].n));
}

export async function ledgerRows(url: string): Promise<LedgerRow[]> {
  return withDb(
    url,
    async (c) =>
      (
        await c.query<LedgerRow>(
          'SELECT request_id, user_id, token_id, stream, status, prompt_tokens, completion_tokens, cache_hit_tokens, cache_miss_tokens, reasoning_tokens, aborted FROM usage_ledger',
        )
      ).rows,
  );
}

/** Wait (bounded) until the ledger holds at least `n` rows and stops growing; returns the count. */
export async function waitLedger(url: string, n: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const count = await ledgerCount(url).catch(() => -1);
    if (count >= n) break;
    if (Date.now() > until) return count;
    await sleep(200);
  }
  // settle: anything doubled or late would show up now
  await sleep(500);
  return ledgerCount(url);
}

/** Sum of the `tok` and `req` fields of today's day counters of `users` (UTC periods unless told). */
export async function dayCounters(redis: Redis, prefix: string, users: string[], timeZone = 'UTC'): Promise<{ tok: number; req: number }> {
  const day = periodAt(timeZone, Date.now()).day;
  let tok = 0;
  let req = 0;
  for (const u of users) {
    const [t, q] = await redis.hmget(keys.day(prefix, u, day), 'tok', 'req');
    tok += Number(t ?? 0);
    req += Number(q ?? 0);
  }
  return { tok, req };
}

export function sums(rows: LedgerRow[]): { prompt: number; completion: number; reasoning: number; cacheHit: number; cacheMiss: number; total: number } {
  const s = { prompt: 0, completion: 0, reasoning: 0, cacheHit: 0, cacheMiss: 0, total: 0 };
  for (const r of rows) {
    s.prompt += r.prompt_tokens;
    s.completion += r.completion_tokens;
    s.reasoning += r.reasoning_tokens;
    s.cacheHit += r.cache_hit_tokens;
    s.cacheMiss += r.cache_miss_tokens;
    s.total += r.prompt_tokens + r.completion_tokens;
  }
  return s;
}

/** The gateway ids the mock saw (the gateway forwards its own request id upstream). */
export function upstreamIds(gw: Gateway): string[] {
  return gw.mock.received.filter((q) => q.method === 'POST').map((q) => q.requestId ?? '<none>');
}

/** Duplicated values of a list (none expected). */
export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

export function summarise(results: Result[]): Record<string, number> {
  const s: Record<string, number> = {};
  for (const r of results) {
    const k = `${r.kind}:${r.status ?? 'none'}${r.complete ? '' : r.clientAborted ? ':aborted' : ':incomplete'}`;
    s[k] = (s[k] ?? 0) + 1;
  }
  return s;
}

/** pid of the live recorder, from its log lines */
export function recorderPid(gw: Gateway): number | null {
  let pid: number | null = null;
  for (const l of gw.logs) {
    if (!l.startsWith('{') || !l.includes('"recorder"')) continue;
    try {
      const j = JSON.parse(l) as { role?: string; pid?: number; msg?: string };
      if (j.role === 'recorder' && j.msg === 'usage recorder started' && j.pid) pid = j.pid;
    } catch {
      /* partial */
    }
  }
  return pid;
}

// ---- private processes -------------------------------------------------------------------------

const exec = promisify(execFile);

/** Runs a command as the postgres OS user when we are root (initdb refuses root). */
async function asPostgresUser(cmd: string[], owner: string): Promise<string> {
  const root = process.getuid?.() === 0;
  if (!root) return (await exec(cmd[0]!, cmd.slice(1))).stdout;
  await exec('chown', ['-R', 'postgres:postgres', owner]);
  const line = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return (await exec('su', ['postgres', '-s', '/bin/sh', '-c', line])).stdout;
}

export interface PrivatePostgres {
  port: number;
  /** URL of the gateway database on it (created and migrated) */
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** A throwaway Postgres cluster of its own (initdb + pg_ctl), with a migrated database. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  const bin = join('/usr/lib/postgresql', versions[0]!, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'dsp-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgresUser([join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], dir);
  const pgCtl = (...args: string[]) => asPostgresUser([join(bin, 'pg_ctl'), '-D', data, ...args], dir);
  const start = async () => {
    await pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start');
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/deepseek_proxy`;
  await withDb(`postgres://postgres@127.0.0.1:${port}/postgres`, (c) => c.query('CREATE DATABASE deepseek_proxy'));
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  let running = true;
  return {
    port,
    url,
    async start() {
      await start();
      running = true;
    },
    async stop() {
      await pgCtl('-m', 'fast', '-w', 'stop');
      running = false;
    },
    async destroy() {
      if (running) await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { startPrivateRedis, type PrivateRedis } from './private-redis.js';

// ---- the verdict -------------------------------------------------------------------------------

/**
 * Everything the exact-accounting runs assert: one row per request (the mock saw every gateway
 * id), the per-row facts, and the sums against the mock and the Redis day counters.
 */
export async function expectExactAccounting(gw: Gateway, lanes: Lane[], results: Result[], rows: LedgerRow[], n: number): Promise<void> {
  const byId = new Map(rows.map((r) => [r.request_id, r]));
  expect(results.filter((r) => r.error !== null).map((r) => `${r.i} ${r.kind}: ${r.error}`)).toEqual([]);
  expect(rows.length).toBe(n);
  expect(byId.size).toBe(n);
  const upstream = upstreamIds(gw);
  // clients that left early may have gone before their request was sent upstream
  expect(upstream.length).toBeGreaterThanOrEqual(n - results.filter((r) => r.kind === 'abort-early').length);
  expect(duplicates(upstream)).toEqual([]);
  expect(upstream.filter((id) => !byId.has(id))).toEqual([]);
  for (const r of results) {
    if (r.kind === 'abort-early') continue;
    const what = `request ${r.i} ${r.kind}`;
    expect(r.rid, what).toBeTruthy();
    const row = byId.get(r.rid!);
    expect(row, `${what}: no ledger row`).toBeDefined();
    if (r.kind === 'abort-stream') expect(row!.aborted, what).toBe(true);
    else if (r.status === 200)
      expect({ aborted: row!.aborted, prompt: row!.prompt_tokens, completion: row!.completion_tokens }, what).toEqual({
        aborted: false,
        prompt: r.expected.prompt,
        completion: r.expected.completion,
      });
    else expect({ status: row!.status, tokens: row!.prompt_tokens + row!.completion_tokens }, what).toEqual({ status: r.status, tokens: 0 });
  }
  const s = sums(rows);
  const issued = gw.mock.issuedUsage();
  expect({ prompt: s.prompt, completion: s.completion, total: s.total }).toEqual({
    prompt: issued.prompt_tokens,
    completion: issued.completion_tokens,
    total: issued.total_tokens,
  });
  const users = [...new Set(lanes.map((l) => l.user))];
  expect(await dayCounters(gw.redis, gw.prefix, users)).toEqual({ tok: s.total, req: n });
}
