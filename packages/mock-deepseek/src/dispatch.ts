// Answers a routed request once its body is read: the account checks (gate.ts), then the key's
// behaviour over the run-time defaults, then the route's answer (models, balance, or a completion
// in the OpenAI or Anthropic format, streamed or not).

import { answerJson, answerStream } from './answer.js';
import { resolveBehaviour, type Behaviour } from './behaviour.js';
import { completionBody, completionFrames } from './chat-encode.js';
import { checkCompletion, planCompletion } from './chat-plan.js';
import { messageBody, messageFrames } from './anthropic-encode.js';
import { checkMessages, planMessages } from './anthropic-plan.js';
import { errorBody, Refusal, type Dialect } from './errors.js';
import { sendJson, type Ctx } from './http-out.js';
import type { Gate } from './gate.js';
import { balanceJson, keyDefaults } from './keys.js';
import { MODELS_JSON } from './models.js';
import type { Records } from './records.js';
import type { Route } from './routes.js';

/** What every request is answered from; `defaults` changes with setBehaviour(). */
export interface MockCore {
  records: Records;
  gate: Gate;
  defaults: Behaviour;
}

export function refuse(ctx: Ctx, dialect: Dialect, r: Refusal): void {
  sendJson(ctx.res, r.status, errorBody(dialect, r.status, r.message));
}

function parseBody(raw: string): { body: any; parsed: boolean } {
  if (raw.length === 0) return { body: null, parsed: false };
  try {
    return { body: JSON.parse(raw), parsed: true };
  } catch {
    return { body: raw, parsed: false };
  }
}

/** The end user a body names (`user_id`, or Anthropic's `metadata.user_id`), counted while in flight. */
function noteUser(core: MockCore, ctx: Ctx, body: any): void {
  const userId = typeof body.user_id === 'string' ? body.user_id : typeof body.metadata?.user_id === 'string' ? body.metadata.user_id : null;
  if (userId === null) return;
  ctx.userId = userId;
  core.records.userArrive(userId);
  if (ctx.rec !== null) ctx.rec.userId = userId;
}

export function dispatch(core: MockCore, ctx: Ctx, route: Route, raw: string): void {
  const { records, gate } = core;
  const { body, parsed } = parseBody(raw);
  const obj = parsed && body !== null && typeof body === 'object' && !Array.isArray(body);
  if (obj) noteUser(core, ctx, body);
  if (ctx.rec !== null) ctx.rec.body = body;

  const refusal = gate.check(ctx, route);
  if (refusal !== null) return refuse(ctx, route.dialect, refusal);
  const keyB = keyDefaults(core.defaults, gate.keys.get(ctx.key));
  if (route.kind === 'models' || route.kind === 'balance') {
    if (route.kind === 'balance' && ctx.key !== '') records.key(ctx.key).balanceChecks++;
    const json = route.kind === 'models' ? MODELS_JSON : balanceJson(gate.keys.get(ctx.key));
    void answerJson(ctx, resolveBehaviour(keyB, ctx.req.headers, null), 'openai', json, null, records);
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
