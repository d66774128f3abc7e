// The uWS app and the whole route table, on one screen.
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GatewayError, errorBody } from '@dsp/core';
import type { Uws } from './uws.js';
import type { Deps } from './deps.js';
import { handleCompletion } from './pipeline/chat-completion.js';
import type { Route } from './pipeline/exchange.js';
import { handleModels } from './pipeline/models.js';
import { writeHead } from './http/respond.js';
import { framingError } from './http/framing.js';
import { OPENAI } from './formats/openai.js';
import { ANTHROPIC } from './formats/anthropic.js';
import { anthropicErrorBody } from './upstream/anthropic-errors.js';

const CHAT: Route = { name: '/chat/completions', upstreamPath: '/chat/completions', kind: 'chat', format: OPENAI };
const CHAT_V1: Route = { name: '/v1/chat/completions', upstreamPath: '/chat/completions', kind: 'chat', format: OPENAI };
const BETA_CHAT: Route = { name: '/beta/chat/completions', upstreamPath: '/beta/chat/completions', kind: 'chat', format: OPENAI };
const FIM: Route = { name: '/beta/completions', upstreamPath: '/beta/completions', kind: 'fim', format: OPENAI };
const MESSAGES: Route = { name: '/anthropic/v1/messages', upstreamPath: '/anthropic/v1/messages', kind: 'messages', format: ANTHROPIC };

/** Every completion route is served at its own name. */
const COMPLETIONS: readonly Route[] = [CHAT, CHAT_V1, BETA_CHAT, FIM, MESSAGES];
const MODELS = ['/models', '/v1/models'];
const KNOWN_PATHS = [...COMPLETIONS.map((r) => r.name), ...MODELS, '/healthz', '/readyz'];

type Handler = (res: HttpResponse, req: HttpRequest) => void;

export function createApp(uws: Uws, deps: Deps): TemplatedApp {
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
  for (const route of COMPLETIONS)
    app.post(
      route.name,
      guarded((res, req) => handleCompletion(res, req, route, deps)),
    );
  for (const path of MODELS)
    app.get(
      path,
      guarded((res, req) => handleModels(res, req, path, deps)),
    );
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
