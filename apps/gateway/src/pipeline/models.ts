// GET /models and /v1/models: the models this token may use, in DeepSeek's list shape.
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { GatewayError, isGatewayError } from '@dsp/core';
import { readHead } from '../http/request-head.js';
import { sendError, sendJson } from '../http/respond.js';
import type { Deps } from '../deps.js';
import { authenticate, bearerToken, type Identity } from './authenticate.js';
import { stateIsSynced, unknownUser } from './admit.js';

export function handleModels(res: HttpResponse, req: HttpRequest, route: string, deps: Deps): void {
  const x = { res, head: readHead(req), aborted: false, headersSent: false };
  const t0 = performance.now();
  const count = (status: number) => deps.metrics.observeRequest(route, status, (performance.now() - t0) / 1000);
  res.onAborted(() => {
    x.aborted = true;
  });
  const answer = async (identity: Identity) => {
    // revocation and the user's status live in Redis, as for completions (both sent at once)
    const [revoked, status] = await Promise.all([deps.redis.sismember(identity.keyRevoked, identity.jti), deps.redis.hget(identity.keyUser, 'status')]);
    if (revoked === 1) throw new GatewayError('invalid_token', 'invalid token: revoked');
    if (status === 'disabled') throw new GatewayError('user_disabled', 'this user is disabled');
    if (status === null && deps.config.auth.unknown_users === 'reject' && (await stateIsSynced(deps))) throw unknownUser(identity);
    const names = modelNames(identity.models ?? deps.modelPolicy.models, deps.modelPolicy.aliases);
    const body = JSON.stringify({ object: 'list', data: names.map((id) => ({ id, object: 'model', owned_by: 'deepseek' })) });
    sendJson(x, 200, body);
    count(200);
  };
  const fail = (e: unknown) => {
    if (!isGatewayError(e)) e = new GatewayError('service_unavailable', 'the gateway cannot reach its state store; try again shortly');
    sendError(x, e as GatewayError);
    count((e as GatewayError).status);
  };
  try {
    const auth = authenticate(bearerToken(x.head.authorization), deps);
    Promise.resolve(auth).then(answer).catch(fail);
  } catch (e) {
    fail(e);
  }
}

/** The allowed models and every alias naming one of them (an alias is usable by either name). */
export function modelNames(allowed: ReadonlySet<string>, aliases: ReadonlyMap<string, string>): string[] {
  const names = new Set(allowed);
  for (const [alias, target] of aliases) if (allowed.has(alias) || allowed.has(target)) names.add(alias);
  return [...names];
}
