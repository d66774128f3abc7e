// The uWS app and the whole route table, on one screen. Each request gets its head copied out of
// uWS and a client-stream port; the routes' handlers see only those.
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GatewayError, errorBody } from '@dsp/core';
import { loadNativeUws, type Uws } from './uws.js';
import type { Deps } from '../deps.js';
import { handleCompletion } from '../pipeline/completion.js';
import { handleModels } from '../pipeline/models.js';
import type { CompletionRoute, Route } from '../pipeline/types.js';
import { writeHead } from './respond.js';
import { framingError } from './framing.js';
import { readHead, type RequestHead } from './request-head.js';
import { UwsClientStream } from './uws-client-stream.js';
import type { ClientStream } from './client-stream.js';
import { OPENAI } from '../formats/openai.js';
import { ANTHROPIC } from '../formats/anthropic.js';
import { anthropicErrorBody } from '../upstream/anthropic-errors.js';

const CHAT: CompletionRoute = { name: '/chat/completions', upstreamPath: '/chat/completions', kind: 'chat', format: OPENAI };
const CHAT_V1: CompletionRoute = { name: '/v1/chat/completions', upstreamPath: '/chat/completions', kind: 'chat', format: OPENAI };
const BETA_CHAT: CompletionRoute = { name: '/beta/chat/completions', upstreamPath: '/beta/chat/completions', kind: 'chat', format: OPENAI };
const FIM: CompletionRoute = { name: '/beta/completions', upstreamPath: '/beta/completions', kind: 'fim', format: OPENAI };
const MESSAGES: CompletionRoute = { name: '/anthropic/v1/messages', upstreamPath: '/anthropic/v1/messages', kind: 'messages', format: ANTHROPIC };

/** Every completion route is served at its own name. */
const COMPLETIONS: readonly CompletionRoute[] = [CHAT, CHAT_V1, BETA_CHAT, FIM, MESSAGES];
const MODELS: readonly Route[] = [
  { name: '/models', format: OPENAI },
  { name: '/v1/models', format: OPENAI },
];
const KNOWN_PATHS = [...COMPLETIONS, ...MODELS].map((r) => r.name).concat('/healthz', '/readyz');

type Handler = (res: HttpResponse, req: HttpRequest) => void;
type RouteHandler<R extends Route> = (client: ClientStream, head: RequestHead, route: R, deps: Deps) => void;

/** A route's handler on uWS: the head copied out of uWS's request, the response behind the port. */
const served = <R extends Route>(route: R, handle: RouteHandler<R>, deps: Deps): Handler => {
  const traceContext = deps.config.tracing.otlp_endpoint !== '';
  return (res, req) => {
    const head = readHead(req, route.format.readHeaders, traceContext);
    handle(new UwsClientStream(res, head.echoRequestId), head, route, deps);
  };
};

export interface Server {
  /** no new connections; requests in flight go on */
  stopListening(): void;
  close(): void;
}

/** Loads uWS's native binary, builds the app and listens on server.host:server.port. */
export async function startServer(deps: Deps): Promise<Server> {
  const uws = loadNativeUws();
  const app = createApp(uws, deps);
  const { host, port } = deps.config.server;
  const socket = await new Promise<unknown>((resolve, reject) => {
    app.listen(host, port, (s) => (s ? resolve(s) : reject(new Error(`cannot listen on ${host}:${port}`))));
  });
  return {
    stopListening: () => uws.us_listen_socket_close(socket as never),
    close: () => (app as unknown as { close?: () => void }).close?.(),
  };
}

function createApp(uws: Uws, deps: Deps): TemplatedApp {
  const app = uws.App();
  // every route, the fallbacks included, checks the request's framing first
  const maxHeaderBytes = deps.config.server.max_header_bytes;
  const guarded =
    (handler: Handler): Handler =>
    (res, req) => {
      const bad = framingError(req, maxHeaderBytes);
      if (bad) return rejectFraming(res, req, bad);
      handler(res, req);
    };
  for (const route of COMPLETIONS) app.post(route.name, guarded(served(route, handleCompletion, deps)));
  for (const route of MODELS) app.get(route.name, guarded(served(route, handleModels, deps)));
  app.get(
    '/healthz',
    guarded((res) => plain(res, 200, '{"status":"ok"}')),
  );
  app.get(
    '/readyz',
    guarded((res) => ready(res, deps)),
  );
  for (const path of KNOWN_PATHS)
    app.any(
      path,
      guarded((res, req) => refuse(res, req, 'method_not_allowed')),
    );
  app.any(
    '/*',
    guarded((res, req) => refuse(res, req, 'not_found')),
  );
  return app;
}

/** Ambiguous framing or oversized headers: answer and close, since the rest of the stream cannot be trusted. */
function rejectFraming(res: HttpResponse, req: HttpRequest, e: GatewayError): void {
  const body = isAnthropicPath(req.getUrl()) ? anthropicErrorBody(e.code, e.message) : errorBody(e.code, e.message);
  res.cork(() => writeHead(res, e.status, randomUUID()).writeHeader('connection', 'close').end(body, true));
}

/** Under /anthropic (messages, count_tokens, …) the gateway's own errors are in Anthropic's shape, for its SDKs. */
function isAnthropicPath(url: string): boolean {
  return url === '/anthropic' || url.startsWith('/anthropic/');
}

function plain(res: HttpResponse, status: number, body: string): void {
  res.cork(() => writeHead(res, status, randomUUID()).end(body));
}

function ready(res: HttpResponse, deps: Deps): void {
  const { redisReady, upstreamReachable, draining } = deps.state;
  const ok = redisReady && upstreamReachable && !draining;
  if (!upstreamReachable) deps.probeUpstream();
  const body = JSON.stringify({ status: ok ? 'ready' : 'not_ready', redis: redisReady, upstream: upstreamReachable, draining });
  plain(res, ok ? 200 : 503, body);
}

function refuse(res: HttpResponse, req: HttpRequest, code: 'not_found' | 'method_not_allowed'): void {
  const url = req.getUrl();
  const anthropic = isAnthropicPath(url);
  const e =
    code === 'method_not_allowed'
      ? new GatewayError('method_not_allowed', `${req.getCaseSensitiveMethod()} is not allowed on ${url}`)
      : new GatewayError('not_found', notFoundMessage(url, anthropic));
  res.cork(() => {
    writeHead(res, e.status, randomUUID());
    if (req.getMethod() === 'head') return res.endWithoutBody();
    res.end(anthropic ? anthropicErrorBody(e.code, e.message) : errorBody(e.code, e.message));
  });
}

/** The 404's message: where the client probably meant to go. */
function notFoundMessage(url: string, anthropic: boolean): string {
  if (anthropic) return `no route for ${url}: this gateway serves POST /anthropic/v1/messages only`;
  // the openai SDK's legacy completions: at DeepSeek that is FIM, and only under /beta
  if (url === '/completions' || url === '/v1/completions') return `no route for ${url}: completions (FIM) are served at POST /beta/completions`;
  return `no route for ${url}`;
}
