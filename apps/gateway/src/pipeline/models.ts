// GET /models and /v1/models: the models this token may use, in DeepSeek's list shape. Same
// skeleton as completions (counted in state.active, errors in the route's format, the same access
// rules as admission), without a slot or a count.
import type { ClientStream } from '../http/client-stream.js';
import type { RequestHead } from '../http/request-head.js';
import type { Deps } from '../deps.js';
import { asGatewayError, conclude, openExchange } from './exchange.js';
import { authenticate } from './authenticate.js';
import { checkAccess } from './access.js';
import type { Route } from './types.js';

export function handleModels(client: ClientStream, head: RequestHead, route: Route, deps: Deps): void {
  const x = openExchange(client, head, route, deps);
  let user: string | undefined;
  const answer = async () => {
    const identity = await authenticate(route.format.credential(head), deps);
    user = identity.sub;
    await checkAccess(identity, deps);
    const names = modelNames(identity.models ?? deps.modelPolicy.models, deps.modelPolicy.aliases);
    client.reply(200, JSON.stringify({ object: 'list', data: names.map((id) => ({ id, object: 'model', owned_by: 'deepseek' })) }));
  };
  answer().then(
    () => conclude(x, { status: 200, user }, deps),
    (e: unknown) => conclude(x, { error: asGatewayError(x, e, deps.log), user }, deps),
  );
}

/** The allowed models and every alias naming one of them (an alias is usable by either name). */
export function modelNames(allowed: ReadonlySet<string>, aliases: ReadonlyMap<string, string>): string[] {
  const names = new Set(allowed);
  for (const [alias, target] of aliases) if (allowed.has(alias) || allowed.has(target)) names.add(alias);
  return [...names];
}
