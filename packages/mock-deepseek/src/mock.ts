// A fake of the DeepSeek HTTP API on node:http: faithful framing, fault injection, bookkeeping.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { applyBehaviour, BUILTIN_DEFAULTS, resolveBehaviour, type Behaviour, type MockBehaviour } from './behaviour.js';
import {
  BALANCE_JSON,
  chatPromptTokens,
  contentTextJson,
  contentWordJson,
  errorJson,
  fimPromptTokens,
  fimTextJson,
  fimWordJson,
  makeUsage,
  MODELS_JSON,
  reasoningTextJson,
  reasoningWordJson,
  SYSTEM_FINGERPRINT,
  usageJson,
  type Usage,
} from './content.js';

export interface MockOptions extends MockBehaviour {
  /** [127.0.0.1] */
  host?: string;
  /** [0] 0 picks a random free port. */
  port?: number;
  /** [true] keep received requests in `received`. */
  record?: boolean;
  /** if set, `Authorization` must be `Bearer <key>`, else 401. */
  requireKey?: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  /** parsed JSON, the raw string when it is not JSON, null when there was no body */
  body: any;
  /** body `user_id` when it is a string */
  userId: string | null;
  /** performance.now() at arrival */
  at: number;
  /** the client went away before the mock finished its answer */
  aborted: boolean;
  /** `x-request-id` header */
  requestId: string | null;
}

export interface IssuedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  requests: number;
}

export interface MockDeepSeek {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** peak in-flight requests seen, overall or for one body `user_id` */
  peakConcurrency(userId?: string): number;
  inFlight(): number;
  /** sum of the usage of every completed answer (streams: counted whether or not the usage chunk was sent) */
  issuedUsage(): IssuedUsage;
  /** requests whose client went away before the mock finished */
  abortedCount(): number;
  /** performance.now() of the last abort seen */
  lastAbortAt(): number | null;
  /** sets the run-time defaults: the startup options overlaid with `b` (so `setBehaviour({})` restores them) */
  setBehaviour(b: MockBehaviour): void;
  /** clears records and counters (not the behaviour) */
  reset(): void;
  /** closes the server and destroys open sockets */
  close(): Promise<void>;
}

type Out = DirectOut | TrickleOut;
type Finish = 'end' | 'reset' | 'hang';

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  rec: ReceivedRequest | null;
  userId: string | null;
  closed: boolean;
  /** the mock destroyed the socket itself (reset knob), so the close is not a client abort */
  selfKill: boolean;
  timer: NodeJS.Timeout | null;
  out: Out | null;
}

interface UserCount {
  cur: number;
  peak: number;
}

const JSON_TYPE = 'application/json';
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const KEEP_ALIVE_SSE = ': keep-alive\n\n';
const DONE = 'data: [DONE]\n\n';
const RESET_GRACE_MS = 20;

function sleep(ctx: Ctx, ms: number): Promise<void> {
  return new Promise((resolve) => {
    ctx.timer = setTimeout(() => {
      ctx.timer = null;
      resolve();
    }, ms);
  });
}

/** Resolves when the response can take more data (or is gone). */
function drain(ctx: Ctx): Promise<void> {
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

function killSocket(ctx: Ctx): void {
  ctx.selfKill = true;
  const s = ctx.req.socket as Socket & { resetAndDestroy?: () => Socket };
  try {
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  } catch {
    s.destroy();
  }
}

/** Writes go straight to the response, one res.write per call. */
class DirectOut {
  constructor(
    private readonly ctx: Ctx,
    private readonly graceMs: number,
  ) {}
  /** false when the socket buffer is full: wait for drain() before producing more */
  write(s: string): boolean {
    return this.ctx.closed ? true : this.ctx.res.write(s);
  }
  finish(kind: Finish): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    if (kind === 'end') ctx.res.end();
    else if (kind === 'reset') {
      // let the bytes already written reach the client before the RST discards them
      ctx.timer = setTimeout(() => {
        ctx.timer = null;
        if (!ctx.closed) killSocket(ctx);
      }, this.graceMs);
    }
  }
  cancel(): void {}
}

/** Buffers everything and sends it one byte per `ms`. */
class TrickleOut {
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
    else if (p === 'reset') {
      ctx.timer = setTimeout(() => {
        ctx.timer = null;
        if (!ctx.closed) killSocket(ctx);
      }, RESET_GRACE_MS);
    }
    if (p !== null) this.pending = null;
  };
}

function makeOut(ctx: Ctx, b: Behaviour): Out {
  const out = b.trickleMs > 0 ? new TrickleOut(ctx, b.trickleMs) : new DirectOut(ctx, Math.max(RESET_GRACE_MS, b.chunkDelayMs));
  ctx.out = out;
  return out;
}

type Route = 'chat' | 'fim' | 'models' | 'balance';

const ROUTES = new Map<string, Route>();
for (const prefix of ['', '/v1']) {
  ROUTES.set(prefix + '/chat/completions', 'chat');
  ROUTES.set(prefix + '/beta/chat/completions', 'chat');
  ROUTES.set(prefix + '/beta/completions', 'fim');
  ROUTES.set(prefix + '/models', 'models');
  ROUTES.set(prefix + '/user/balance', 'balance');
}

interface ChatPlan {
  kind: 'chat' | 'fim';
  id: string;
  created: number;
  modelJson: string;
  stream: boolean;
  includeUsage: boolean;
  reasoning: number; // reasoning chunks emitted
  content: number; // content chunks emitted
  finish: 'stop' | 'length';
  thinking: boolean;
  usage: Usage;
}

export async function startMockDeepSeek(opts: MockOptions = {}): Promise<MockDeepSeek> {
  const host = opts.host ?? '127.0.0.1';
  const record = opts.record ?? true;
  const requireAuth = opts.requireKey !== undefined ? 'Bearer ' + opts.requireKey : null;
  const startup: Behaviour = applyBehaviour(BUILTIN_DEFAULTS, opts as Record<string, unknown>);
  let defaults: Behaviour = startup;

  const received: ReceivedRequest[] = [];
  let inflight = 0;
  let peak = 0;
  let users = new Map<string, UserCount>();
  let aborted = 0;
  let lastAbort: number | null = null;
  const issued: IssuedUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, requests: 0 };
  const sockets = new Set<Socket>();

  function countUsage(u: Usage): void {
    issued.prompt_tokens += u.prompt_tokens;
    issued.completion_tokens += u.completion_tokens;
    issued.total_tokens += u.total_tokens;
    issued.requests++;
  }

  function onClose(ctx: Ctx): void {
    ctx.closed = true;
    if (ctx.timer !== null) {
      clearTimeout(ctx.timer);
      ctx.timer = null;
    }
    if (ctx.out !== null) ctx.out.cancel();
    inflight--;
    if (ctx.userId !== null) {
      const u = users.get(ctx.userId);
      if (u !== undefined && u.cur > 0) u.cur--;
    }
    if (!ctx.res.writableFinished && !ctx.selfKill) {
      aborted++;
      lastAbort = performance.now();
      if (ctx.rec !== null) ctx.rec.aborted = true;
    }
  }

  function sendJson(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body))]);
    res.end(body);
  }

  function sendError(ctx: Ctx, status: number, message?: string): void {
    sendJson(ctx.res, status, errorJson(status, message));
  }

  /** Runs the before-headers part of a behaviour; returns false when the request must not be answered now. */
  async function preamble(ctx: Ctx, b: Behaviour): Promise<boolean> {
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
      sendError(ctx, b.status);
      return false;
    }
    return true;
  }

  /** Answers a fixed JSON document honouring the behaviour (GET routes). */
  async function answerFixed(ctx: Ctx, b: Behaviour, body: string): Promise<void> {
    if (b.firstByteDelayMs <= 0 && b.hang === null && b.reset === null && b.status === 200 && b.trickleMs <= 0 && b.keepAliveLines <= 0) {
      sendJson(ctx.res, 200, body);
      return;
    }
    if (!(await preamble(ctx, b))) return;
    await slowJson(ctx, b, b.status, body, null);
  }

  /** Non-stream JSON answer with headers first, keep-alive newlines, trickle, mid-body faults. */
  async function slowJson(ctx: Ctx, b: Behaviour, status: number, body: string, usage: Usage | null): Promise<void> {
    const res = ctx.res;
    res.writeHead(status, { 'content-type': JSON_TYPE });
    res.flushHeaders();
    const out = makeOut(ctx, b);
    for (let i = 0; i < b.keepAliveLines; i++) {
      out.write('\n');
      if (b.keepAliveIntervalMs > 0) {
        await sleep(ctx, b.keepAliveIntervalMs);
        if (ctx.closed) return;
      }
    }
    const fault = b.reset === 'mid-stream' ? 'reset' : b.hang === 'mid-stream' ? 'hang' : null;
    if (fault !== null) {
      out.write(body.slice(0, body.length >> 1));
      out.finish(fault);
      return;
    }
    out.write(body);
    if (usage !== null) countUsage(usage);
    out.finish('end');
  }

  function nonStreamBody(p: ChatPlan): string {
    if (p.kind === 'fim') {
      return (
        '{"id":"' +
        p.id +
        '","object":"text_completion","created":' +
        p.created +
        ',"model":' +
        p.modelJson +
        ',"choices":[{"text":' +
        fimTextJson(p.content) +
        ',"index":0,"logprobs":null,"finish_reason":"' +
        p.finish +
        '"}],"usage":' +
        usageJson(p.usage) +
        ',"system_fingerprint":"' +
        SYSTEM_FINGERPRINT +
        '"}'
      );
    }
    return (
      '{"id":"' +
      p.id +
      '","object":"chat.completion","created":' +
      p.created +
      ',"model":' +
      p.modelJson +
      ',"choices":[{"index":0,"message":{"role":"assistant","content":' +
      contentTextJson(p.content) +
      (p.thinking ? ',"reasoning_content":' + reasoningTextJson(p.reasoning) : '') +
      '},"logprobs":null,"finish_reason":"' +
      p.finish +
      '"}],"usage":' +
      usageJson(p.usage) +
      ',"system_fingerprint":"' +
      SYSTEM_FINGERPRINT +
      '"}'
    );
  }

  async function streamAnswer(ctx: Ctx, b: Behaviour, p: ChatPlan): Promise<void> {
    const res = ctx.res;
    res.writeHead(b.status, SSE_HEADERS);
    res.flushHeaders();
    const out = makeOut(ctx, b);
    for (let i = 0; i < b.keepAliveLines; i++) {
      out.write(KEEP_ALIVE_SSE);
      if (b.keepAliveIntervalMs > 0) {
        await sleep(ctx, b.keepAliveIntervalMs);
        if (ctx.closed) return;
      }
    }
    const head =
      'data: {"id":"' +
      p.id +
      (p.kind === 'fim' ? '","object":"text_completion","created":' : '","object":"chat.completion.chunk","created":') +
      p.created +
      ',"model":' +
      p.modelJson +
      ',"system_fingerprint":"' +
      SYSTEM_FINGERPRINT +
      '","choices":[';
    const fim = p.kind === 'fim';
    const frame = (delta: string, finish: string): string =>
      fim
        ? head + '{"text":' + delta + ',"index":0,"logprobs":null,"finish_reason":' + finish + '}]}\n\n'
        : head + '{"index":0,"delta":' + delta + ',"logprobs":null,"finish_reason":' + finish + '}]}\n\n';

    const total = p.reasoning + p.content;
    const fault = b.reset === 'mid-stream' ? 'reset' : b.hang === 'mid-stream' ? 'hang' : null;
    const stopAfter = fault === null ? -1 : total > 0 ? Math.max(1, total >> 1) : 0;
    const finishJson = '"' + p.finish + '"';

    if (!fim) {
      out.write(frame(p.thinking ? '{"role":"assistant","content":null,"reasoning_content":""}' : '{"role":"assistant","content":""}', 'null'));
    }
    if (stopAfter === 0) {
      out.finish(fault!);
      return;
    }
    let sent = 0;
    for (let i = 0; i < total; i++) {
      if (b.chunkDelayMs > 0) {
        await sleep(ctx, b.chunkDelayMs);
        if (ctx.closed) return;
      }
      const last = i === total - 1 && i >= p.reasoning;
      let delta: string;
      if (fim) delta = fimWordJson(i);
      else if (i < p.reasoning) delta = '{"content":null,"reasoning_content":' + reasoningWordJson(i) + '}';
      else if (p.thinking) delta = '{"content":' + contentWordJson(i - p.reasoning) + ',"reasoning_content":null}';
      else delta = '{"content":' + contentWordJson(i) + '}';
      if (!out.write(frame(delta, last ? finishJson : 'null'))) {
        await drain(ctx);
        if (ctx.closed) return;
      }
      sent++;
      if (sent === stopAfter) {
        out.finish(fault!);
        return;
      }
    }
    if (p.content === 0) {
      // nothing carried the finish_reason yet (no content chunks, or max_tokens spent on reasoning)
      out.write(frame(fim ? '""' : p.thinking ? '{"content":"","reasoning_content":null}' : '{"content":""}', finishJson));
    }
    countUsage(p.usage);
    if (p.includeUsage) out.write(head + '],"usage":' + usageJson(p.usage) + '}\n\n');
    out.write(DONE);
    out.finish('end');
  }

  function plan(kind: 'chat' | 'fim', body: Record<string, any>, b: Behaviour, promptTokens: number): ChatPlan {
    const model: string = body.model;
    const thinkingType = body.thinking !== null && typeof body.thinking === 'object' ? body.thinking.type : undefined;
    const thinking = kind === 'chat' && (thinkingType === 'enabled' || (model === 'deepseek-reasoner' && thinkingType !== 'disabled'));
    const wantContent = b.chunks;
    const wantReasoning = thinking ? b.chunks : 0;
    let reasoning = wantReasoning;
    let content = wantContent;
    const max = body.max_tokens;
    if (typeof max === 'number' && max < reasoning + content) {
      reasoning = Math.min(reasoning, max);
      content = Math.min(content, max - reasoning);
    }
    const stream = body.stream === true;
    const so = body.stream_options;
    return {
      kind,
      id: kind === 'fim' ? 'cmpl-' + randomUUID() : randomUUID(),
      created: Math.floor(Date.now() / 1000),
      modelJson: JSON.stringify(model),
      stream,
      includeUsage: stream && so !== null && typeof so === 'object' && so.include_usage === true,
      reasoning,
      content,
      finish: reasoning + content < wantReasoning + wantContent ? 'length' : 'stop',
      thinking,
      usage: makeUsage(promptTokens, reasoning, content),
    };
  }

  async function completion(ctx: Ctx, kind: 'chat' | 'fim', body: Record<string, any>): Promise<void> {
    // validation, like DeepSeek: 422 for missing or ill-typed parameters
    if (typeof body.model !== 'string' || body.model === '') {
      sendError(ctx, 422, 'Failed to deserialize the JSON body into the target type: missing field `model`');
      return;
    }
    let promptTokens: number;
    if (kind === 'chat') {
      const messages = body.messages;
      if (!Array.isArray(messages) || messages.length === 0) {
        sendError(
          ctx,
          422,
          Array.isArray(messages)
            ? 'Invalid messages: the messages list must not be empty'
            : 'Failed to deserialize the JSON body into the target type: missing field `messages`',
        );
        return;
      }
      promptTokens = chatPromptTokens(messages);
    } else {
      if (typeof body.prompt !== 'string') {
        sendError(ctx, 422, 'Failed to deserialize the JSON body into the target type: missing field `prompt`');
        return;
      }
      promptTokens = fimPromptTokens(body.prompt, typeof body.suffix === 'string' ? body.suffix : '');
    }
    const max = body.max_tokens;
    if (max !== undefined && max !== null && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) {
      sendError(ctx, 422, 'Invalid max_tokens value, the valid range of max_tokens is [1, 393216]');
      return;
    }
    const b = resolveBehaviour(defaults, ctx.req.headers, body.mock);
    const p = plan(kind, body, b, promptTokens);

    if (!p.stream && b.firstByteDelayMs <= 0 && b.status === 200 && b.hang === null && b.reset === null && b.keepAliveLines <= 0 && b.trickleMs <= 0) {
      // fast path: one write, content-length
      sendJson(ctx.res, 200, nonStreamBody(p));
      countUsage(p.usage);
      return;
    }
    if (!(await preamble(ctx, b))) return;
    if (p.stream) await streamAnswer(ctx, b, p);
    else await slowJson(ctx, b, b.status, nonStreamBody(p), p.usage);
  }

  function handleBody(ctx: Ctx, route: Route, raw: string): void {
    const rec = ctx.rec;
    let body: any = null;
    let parsed = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
        parsed = true;
      } catch {
        body = raw;
      }
    }
    if (parsed && body !== null && typeof body === 'object' && typeof body.user_id === 'string') {
      const id: string = body.user_id;
      ctx.userId = id;
      let u = users.get(id);
      if (u === undefined) {
        u = { cur: 0, peak: 0 };
        users.set(id, u);
      }
      if (++u.cur > u.peak) u.peak = u.cur;
      if (rec !== null) rec.userId = id;
    }
    if (rec !== null) rec.body = body;

    if (requireAuth !== null && ctx.req.headers.authorization !== requireAuth) {
      const auth = ctx.req.headers.authorization;
      const key = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : '';
      sendError(ctx, 401, key === '' ? undefined : 'Authentication Fails, Your api key: ****' + key.slice(-4) + ' is invalid');
      return;
    }
    if (route === 'models' || route === 'balance') {
      void answerFixed(ctx, resolveBehaviour(defaults, ctx.req.headers, null), route === 'models' ? MODELS_JSON : BALANCE_JSON);
      return;
    }
    if (!parsed || body === null || typeof body !== 'object' || Array.isArray(body)) {
      sendError(ctx, 400, 'Failed to parse the request body as JSON');
      return;
    }
    void completion(ctx, route, body);
  }

  const server = createServer((req, res) => {
    const now = performance.now();
    if (++inflight > peak) peak = inflight;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    let rec: ReceivedRequest | null = null;
    if (record) {
      const rid = req.headers['x-request-id'];
      rec = {
        method,
        path,
        headers: req.headers as Record<string, string | string[]>,
        body: null,
        userId: null,
        at: now,
        aborted: false,
        requestId: typeof rid === 'string' ? rid : null,
      };
      received.push(rec);
    }
    const ctx: Ctx = { req, res, rec, userId: null, closed: false, selfKill: false, timer: null, out: null };
    res.once('close', () => onClose(ctx));

    const route = ROUTES.get(path);
    if (route === undefined) {
      sendError(ctx, 404, 'Not Found: ' + method + ' ' + path);
      return;
    }
    const isGet = route === 'models' || route === 'balance';
    if (isGet ? method !== 'GET' && method !== 'HEAD' : method !== 'POST') {
      sendError(ctx, 405);
      return;
    }
    if (isGet) {
      handleBody(ctx, route, '');
      return;
    }
    req.setEncoding('utf8');
    let raw = '';
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => {
      if (!ctx.closed) handleBody(ctx, route, raw);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? '[' + host + ']' : host;

  const mock: MockDeepSeek = {
    url: 'http://' + urlHost + ':' + port,
    port,
    received,
    peakConcurrency(userId?: string): number {
      if (userId === undefined) return peak;
      return users.get(userId)?.peak ?? 0;
    },
    inFlight: () => inflight,
    issuedUsage: () => ({ ...issued }),
    abortedCount: () => aborted,
    lastAbortAt: () => lastAbort,
    setBehaviour(b: MockBehaviour): void {
      defaults = applyBehaviour(startup, b as Record<string, unknown>);
    },
    reset(): void {
      received.length = 0;
      peak = inflight;
      const next = new Map<string, UserCount>();
      for (const [id, u] of users) if (u.cur > 0) next.set(id, { cur: u.cur, peak: u.cur });
      users = next;
      aborted = 0;
      lastAbort = null;
      issued.prompt_tokens = 0;
      issued.completion_tokens = 0;
      issued.total_tokens = 0;
      issued.requests = 0;
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
  return mock;
}
