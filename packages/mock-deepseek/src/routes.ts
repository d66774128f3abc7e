// The route table: every path the mock answers, its method and the API format it speaks.

import type { Dialect } from './errors.js';

export type RouteKind = 'chat' | 'fim' | 'messages' | 'models' | 'balance';

export interface Route {
  kind: RouteKind;
  dialect: Dialect;
  /** GET routes carry no body */
  get: boolean;
  /** under /beta: `strict` tools are accepted */
  beta: boolean;
}

const ROUTES = new Map<string, Route>();
const route = (kind: RouteKind, beta = false, dialect: Dialect = 'openai'): Route => ({ kind, dialect, get: kind === 'models' || kind === 'balance', beta });
for (const prefix of ['', '/v1']) {
  ROUTES.set(prefix + '/chat/completions', route('chat'));
  ROUTES.set(prefix + '/beta/chat/completions', route('chat', true));
  ROUTES.set(prefix + '/beta/completions', route('fim', true));
  ROUTES.set(prefix + '/models', route('models'));
  ROUTES.set(prefix + '/user/balance', route('balance'));
}
ROUTES.set('/anthropic/v1/messages', route('messages', false, 'anthropic'));

export function findRoute(path: string): Route | undefined {
  return ROUTES.get(path);
}

/** The format of an unknown path's 404: Anthropic's under /anthropic, else OpenAI's. */
export function dialectOf(path: string): Dialect {
  return path.startsWith('/anthropic/') ? 'anthropic' : 'openai';
}

export function isCompletion(r: Route): boolean {
  return r.kind === 'chat' || r.kind === 'fim' || r.kind === 'messages';
}
