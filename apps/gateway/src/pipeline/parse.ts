// parse: the client's JSON body → what goes upstream. Parsed once; the upstream body is the
// client's with the route format's additions (OpenAI: stream_options.include_usage forced on for
// streams, `user_id`; Anthropic: `metadata.user_id`) and the model renamed by a `[models]` alias.
import { isUtf8 } from 'node:buffer';
import { GatewayError } from '@dsp/core';
import type { CompletionRoute, Identity, ModelPolicy, ParsedRequest } from './types.js';

function bad(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}

export function parseRequest(raw: Buffer, route: CompletionRoute, identity: Identity, policy: ModelPolicy): ParsedRequest {
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
  if (route.kind !== 'fim') {
    if (!Array.isArray(b.messages) || b.messages.length === 0) throw bad('`messages` is required and must be a non-empty array');
  } else if (typeof b.prompt !== 'string') {
    throw bad('`prompt` is required and must be a string');
  }
  const upstreamModel = policy.aliases.get(model) ?? model;
  // a token may use a model by either of its names (the alias, or what it stands for)
  const allowed = identity.models ?? policy.models;
  if (!allowed.has(model) && !allowed.has(upstreamModel)) throw new GatewayError('model_not_allowed', `this token may not use model ${model}`);
  if (upstreamModel !== model) b.model = upstreamModel;
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw bad('`stream` must be a boolean');
  const stream = b.stream === true;
  const clientWantsUsage = stream ? route.format.prepareStream(b) : false;
  if (policy.sendUserId) route.format.setUserId(b, identity.upstreamUserId);
  let text: string;
  try {
    text = JSON.stringify(b);
  } catch {
    // JSON.parse takes any depth, JSON.stringify overflows the stack on ~10^4 levels
    throw bad('request body is nested too deeply');
  }
  return { model, upstreamModel, stream, clientWantsUsage, body: Buffer.from(text) };
}
