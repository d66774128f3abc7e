// A fake of the DeepSeek HTTP API on node:http: faithful framing, fault injection, per-key accounts, bookkeeping.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerJson, answerStream } from './answer.js';
import type { MockDeepSeek, MockOptions } from './api.js';
import { applyBehaviour, BUILTIN_DEFAULTS, resolveBehaviour, type Behaviour, type MockBehaviour } from './behaviour.js';
import { completionBody, completionFrames } from './chat-encode.js';
import { checkCompletion, planCompletion } from './chat-plan.js';
import { messageBody, messageFrames } from './anthropic-encode.js';
import { checkMessages, planMessages } from './anthropic-plan.js';
import { CONTROL_PREFIX, handleControl, type MockStats } from './control.js';
import { errorBody, Refusal, type Dialect } from './errors.js';
import { sendJson, type Ctx } from './http-out.js';
import { Gate, type DownMode } from './gate.js';
import { balanceJson, keyDefaults, requestKey, type KeyBehaviour } from './keys.js';
import { MODELS_JSON } from './models.js';
import { Records } from './records.js';
import { dialectOf, findRoute, type Route } from './routes.js';

export type { ReceivedRequest, IssuedUsage, KeyStats } from './records.js';
export type { MockOptions, MockDeepSeek } from './api.js';

export type { DownMode } from './gate.js';

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
  const records = new Records();
  const gate = new Gate(records, opts.requireKey, opts.keys, opts.down ?? false);
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

    const refusal = gate.check(ctx, route);
    if (refusal !== null) return refuse(ctx, route.dialect, refusal);
    const keyB = keyDefaults(defaults, gate.keys.get(ctx.key));
    if (route.kind === 'models' || route.kind === 'balance') {
      if (route.kind === 'balance' && ctx.key !== '') records.key(ctx.key).balanceChecks++;
      void answerJson(
        ctx,
        resolveBehaviour(keyB, ctx.req.headers, null),
        'openai',
        route.kind === 'models' ? MODELS_JSON : balanceJson(gate.keys.get(ctx.key)),
        null,
        records,
      );
      return;
    }
    if (!obj) {
      const why = route.dialect === 'anthropic' ? 'The request body is not valid JSON' : 'Failed to parse the request body as JSON';
      return refuse(ctx, route.dialect, new Refusal(400, why));
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
    if (route === undefined) return refuse(ctx, dialectOf(path), new Refusal(404, 'Not Found: ' + method + ' ' + path));
    if (route.get ? method !== 'GET' && method !== 'HEAD' : method !== 'POST') return refuse(ctx, route.dialect, new Refusal(405));
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
    down: gate.down,
    keys: records.allKeyStats(),
  });
  const controls = {
    stats,
    setKey: (key: string, b: KeyBehaviour | null) => gate.setKey(key, b),
    async setDown(mode: DownMode): Promise<void> {
      const was = gate.down;
      if (mode === was) return;
      gate.down = mode;
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
