// A fake of the DeepSeek HTTP API on node:http: faithful framing, fault injection, per-key accounts, bookkeeping.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerJson, answerStream } from './answer.js';
import { applyBehaviour, BUILTIN_DEFAULTS, resolveBehaviour, type Behaviour, type MockBehaviour } from './behaviour.js';
import { completionBody, completionFrames } from './chat-encode.js';
import { checkCompletion, planCompletion } from './chat-plan.js';
import { messageBody, messageFrames } from './anthropic-encode.js';
import { checkMessages, planMessages } from './anthropic-plan.js';
import { CONTROL_PREFIX, handleControl, type MockStats } from './control.js';
import { errorBody, type Dialect, type Refusal } from './errors.js';
import { sendJson, type Ctx } from './http-out.js';
import { balanceJson, keyDefaults, maskKey, requestKey, validateKeys, type KeyBehaviour } from './keys.js';
import { MODELS_JSON } from './models.js';
import { Records, type IssuedUsage, type KeyStats, type ReceivedRequest } from './records.js';
import { dialectOf, findRoute, isCompletion, type Route } from './routes.js';

export type { ReceivedRequest, IssuedUsage, KeyStats } from './records.js';

/** `503`: every request gets 503 (overloaded); `refuse`: the port is closed (connection refused). */
export type DownMode = false | '503' | 'refuse';

export interface MockOptions extends MockBehaviour {
  /** [127.0.0.1] */
  host?: string;
  /** [0] 0 picks a random free port. */
  port?: number;
  /** [true] keep received requests in `received`. */
  record?: boolean;
  /** if set, the request's key (`Authorization: Bearer <key>` or `x-api-key`) must be this, else 401. */
  requireKey?: string;
  /** per-API-key behaviour: caps, refused or spent keys, balances, behaviour overrides. */
  keys?: Record<string, KeyBehaviour>;
  /** [false] start down: `503` answers every request with 503. */
  down?: false | '503';
}

export interface MockDeepSeek {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** peak in-flight requests seen, overall or for one body `user_id` */
  peakConcurrency(userId?: string): number;
  inFlight(): number;
  /** counts for one upstream API key (zeros for a key never seen) */
  keyStats(key: string): KeyStats;
  /** sum of the usage of every completed answer (streams: counted whether or not the usage chunk was sent) */
  issuedUsage(): IssuedUsage;
  /** requests whose client went away before the mock finished */
  abortedCount(): number;
  /** performance.now() of the last abort seen */
  lastAbortAt(): number | null;
  /** sets the run-time defaults: the startup options overlaid with `b` (so `setBehaviour({})` restores them) */
  setBehaviour(b: MockBehaviour): void;
  /** replaces one key's behaviour (null: back to an ordinary key) */
  setKey(key: string, b: KeyBehaviour | null): void;
  /** takes the mock down or brings it back; `refuse` closes the port and drops open connections */
  setDown(mode: DownMode): Promise<void>;
  /** counters and per-key stats in one object (also GET /_mock/stats) */
  stats(): MockStats;
  /** clears records and counters (not the behaviour) */
  reset(): void;
  /** closes the server and destroys open sockets */
  close(): Promise<void>;
}

function parseBody(raw: string): { body: any; parsed: boolean } {
  if (raw.length === 0) return { body: null, parsed: false };
  try {
    return { body: JSON.parse(raw), parsed: true };
  } catch {
    return { body: raw, parsed: false };
  }
}

export async function startMockDeepSeek(opts: MockOptions = {}): Promise<MockDeepSeek> {
  const host = opts.host ?? '127.0.0.1';
  const record = opts.record ?? true;
  const startup: Behaviour = applyBehaviour(BUILTIN_DEFAULTS, opts as Record<string, unknown>);
  let defaults: Behaviour = startup;
  const keys = new Map<string, KeyBehaviour>();
  for (const [k, v] of Object.entries(validateKeys(opts.keys ?? {}))) if (v !== null) keys.set(k, v);
  let down: DownMode = opts.down ?? false;
  const records = new Records();
  const sockets = new Set<Socket>();

  function onClose(ctx: Ctx): void {
    ctx.closed = true;
    if (ctx.timer !== null) {
      clearTimeout(ctx.timer);
      ctx.timer = null;
    }
    if (ctx.out !== null) ctx.out.cancel();
    records.leave();
    if (ctx.userId !== null) records.userLeave(ctx.userId);
    if (ctx.admitted) records.keyLeave(ctx.key);
    if (!ctx.res.writableFinished && !ctx.selfKill) records.abort(ctx.rec);
  }

  function refuse(ctx: Ctx, dialect: Dialect, r: Refusal): void {
    sendJson(ctx.res, r.status, errorBody(dialect, r.status, r.message));
  }

  /** Account checks, in DeepSeek's order: down, authentication, balance, the key's concurrency cap. */
  function gate(ctx: Ctx, route: Route): Refusal | null {
    if (down === '503') return { status: 503 };
    const k = keys.get(ctx.key);
    const completion = isCompletion(route);
    if (completion && ctx.key !== '') records.key(ctx.key).requests++;
    if ((opts.requireKey !== undefined && ctx.key !== opts.requireKey) || k?.refused === true) {
      return { status: 401, message: ctx.key === '' ? undefined : 'Authentication Fails, Your api key: ' + maskKey(ctx.key) + ' is invalid' };
    }
    if (!completion) return null;
    if (k?.spent === true) return { status: 402 };
    if (k?.maxConcurrency !== undefined && k.maxConcurrency > 0 && records.key(ctx.key).inFlight >= k.maxConcurrency) {
      records.key(ctx.key).overCap++;
      return { status: 429, message: 'Rate Limit Reached: too many requests in flight on this API key' };
    }
    if (ctx.key !== '') {
      records.keyAdmit(ctx.key);
      ctx.admitted = true;
    }
    return null;
  }

  function handleBody(ctx: Ctx, route: Route, raw: string): void {
    const { body, parsed } = parseBody(raw);
    const obj = parsed && body !== null && typeof body === 'object' && !Array.isArray(body);
    const userId = !obj ? null : typeof body.user_id === 'string' ? body.user_id : typeof body.metadata?.user_id === 'string' ? body.metadata.user_id : null;
    if (userId !== null) {
      ctx.userId = userId;
      records.userArrive(userId);
      if (ctx.rec !== null) ctx.rec.userId = userId;
    }
    if (ctx.rec !== null) ctx.rec.body = body;

    const refusal = gate(ctx, route);
    if (refusal !== null) return refuse(ctx, route.dialect, refusal);
    const keyB = keyDefaults(defaults, keys.get(ctx.key));
    if (route.kind === 'models' || route.kind === 'balance') {
      if (route.kind === 'balance' && ctx.key !== '') records.key(ctx.key).balanceChecks++;
      void answerJson(ctx, resolveBehaviour(keyB, ctx.req.headers, null), 'openai', route.kind === 'models' ? MODELS_JSON : balanceJson(keys.get(ctx.key)), null, records);
      return;
    }
    if (!obj) {
      return refuse(ctx, route.dialect, { status: 400, message: route.dialect === 'anthropic' ? 'The request body is not valid JSON' : 'Failed to parse the request body as JSON' });
    }
    if (route.kind === 'messages') {
      const bad = checkMessages(body);
      if (bad !== null) return refuse(ctx, 'anthropic', bad);
      const b = resolveBehaviour(keyB, ctx.req.headers, body.mock);
      const p = planMessages(body, b);
      void (p.stream ? answerStream(ctx, b, 'anthropic', messageFrames(p), records) : answerJson(ctx, b, 'anthropic', messageBody(p), p.usage, records));
      return;
    }
    const kind = route.kind as 'chat' | 'fim';
    const bad = checkCompletion(kind, body, route.beta);
    if (bad !== null) return refuse(ctx, 'openai', bad);
    const b = resolveBehaviour(keyB, ctx.req.headers, body.mock);
    const p = planCompletion(kind, body, b);
    void (p.stream ? answerStream(ctx, b, 'openai', completionFrames(p), records) : answerJson(ctx, b, 'openai', completionBody(p), p.usage, records));
  }

  function readBody(req: IncomingMessage, done: (raw: string) => void): void {
    req.setEncoding('utf8');
    let raw = '';
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => done(raw));
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const ctx: Ctx = { req, res, path, rec: null, userId: null, key: '', admitted: false, closed: false, selfKill: false, timer: null, out: null };
    if (path.startsWith(CONTROL_PREFIX)) {
      readBody(req, (raw) => void handleControl(ctx, method, raw, controls));
      return;
    }
    records.arrive();
    ctx.key = requestKey(req.headers);
    if (record) {
      const rid = req.headers['x-request-id'];
      ctx.rec = {
        method,
        path,
        headers: req.headers as Record<string, string | string[]>,
        body: null,
        userId: null,
        key: ctx.key === '' ? null : ctx.key,
        at: performance.now(),
        aborted: false,
        requestId: typeof rid === 'string' ? rid : null,
      };
      records.received.push(ctx.rec);
    }
    res.once('close', () => onClose(ctx));

    const route = findRoute(path);
    if (route === undefined) return refuse(ctx, dialectOf(path), { status: 404, message: 'Not Found: ' + method + ' ' + path });
    if (route.get ? method !== 'GET' && method !== 'HEAD' : method !== 'POST') return refuse(ctx, route.dialect, { status: 405 });
    if (route.get) return handleBody(ctx, route, '');
    readBody(req, (raw) => {
      if (!ctx.closed) handleBody(ctx, route, raw);
    });
  }

  const server = createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const dropAll = (): void => {
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
  };
  await listen(opts.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? '[' + host + ']' : host;

  const stats = (): MockStats => ({
    inFlight: records.inflight,
    peak: records.peak,
    aborted: records.aborted,
    issued: { ...records.issued },
    down,
    keys: records.allKeyStats(),
  });
  const controls = {
    stats,
    setKey(key: string, b: KeyBehaviour | null): void {
      validateKeys({ [key]: b });
      if (b === null) keys.delete(key);
      else keys.set(key, b);
    },
    async setDown(mode: DownMode): Promise<void> {
      if (mode === down) return;
      const was = down;
      down = mode;
      if (mode === 'refuse') {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          dropAll();
        });
      } else if (was === 'refuse') {
        await listen(port);
      }
    },
    reset: () => records.reset(),
  };

  return {
    url: 'http://' + urlHost + ':' + port,
    port,
    received: records.received,
    peakConcurrency: (userId?: string) => (userId === undefined ? records.peak : records.userPeak(userId)),
    inFlight: () => records.inflight,
    keyStats: (key: string) => records.keyStats(key),
    issuedUsage: () => ({ ...records.issued }),
    abortedCount: () => records.aborted,
    lastAbortAt: () => records.lastAbort,
    setBehaviour(b: MockBehaviour): void {
      defaults = applyBehaviour(startup, b as Record<string, unknown>);
    },
    ...controls,
    close(): Promise<void> {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        dropAll();
      });
    },
  };
}
