// parse: the client's JSON body → what goes upstream. Parsed once; the upstream body is the
// client's with stream_options.include_usage forced on for streams and DeepSeek's user_id set.
import { isUtf8 } from 'node:buffer';
import { GatewayError } from '@dsp/core';
import type { Identity } from './authenticate.js';
import type { Route } from './exchange.js';

export interface Upstream {
  model: string;
  stream: boolean;
  /** the client asked for the usage chunk itself; if not, the gateway strips it */
  clientWantsUsage: boolean;
  body: Buffer;
}

function bad(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}

export function parseRequest(raw: Buffer, route: Route, identity: Identity, models: ReadonlySet<string>, sendUserId: boolean): Upstream {
  // JSON text is UTF-8 (RFC 8259): never forward a prompt silently altered by U+FFFD replacement
  if (!isUtf8(raw)) throw bad('request body is not valid UTF-8');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw bad('request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const model = b.model;
  if (typeof model !== 'string' || model === '') throw bad('`model` is required and must be a string');
  if (route.kind === 'chat') {
    if (!Array.isArray(b.messages) || b.messages.length === 0) throw bad('`messages` is required and must be a non-empty array');
  } else if (typeof b.prompt !== 'string') {
    throw bad('`prompt` is required and must be a string');
  }
  const allowed = identity.models ?? models;
  if (!allowed.has(model)) throw new GatewayError('model_not_allowed', `this token may not use model ${model}`);
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw bad('`stream` must be a boolean');
  const stream = b.stream === true;
  let clientWantsUsage = false;
  if (stream) {
    const so = b.stream_options;
    if (so !== undefined && (typeof so !== 'object' || so === null || Array.isArray(so))) throw bad('`stream_options` must be an object');
    clientWantsUsage = (so as { include_usage?: unknown } | undefined)?.include_usage === true;
    b.stream_options = { ...(so as object | undefined), include_usage: true };
  }
  if (sendUserId) b.user_id = identity.upstreamUserId;
  let text: string;
  try {
    text = JSON.stringify(b);
  } catch {
    // JSON.parse takes any depth, JSON.stringify overflows the stack on ~10^4 levels
    throw bad('request body is nested too deeply');
  }
  return { model, stream, clientWantsUsage, body: Buffer.from(text) };
}
