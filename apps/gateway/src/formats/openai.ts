// OpenAI's format (/chat/completions, /beta/completions): Bearer token, `user_id` in the body,
// usage from the final chunk the gateway asks for, errors as {"error":{message,type,code}}.
import { GatewayError, endUserId, errorBody } from '@dsp/core';
import { bearerToken } from '../pipeline/authenticate.js';
import { SseUsageFilter } from '../upstream/sse-usage-filter.js';
import { usageOfJson } from '../upstream/json-usage.js';
import type { ApiFormat } from './api-format.js';

const bad = (message: string) => new GatewayError('invalid_request', message);

export const OPENAI: ApiFormat = {
  name: 'openai',
  readHeaders: [],
  forward: [],
  credential: (head) => bearerToken(head.authorization),
  accountHeaders: (a) => a.headers,
  setUserId(body, gatewayUserId) {
    // the client's own end user (`user_id`, else OpenAI's `user`) stays apart upstream
    const own = typeof body.user_id === 'string' && body.user_id !== '' ? body.user_id : body.user;
    body.user_id = typeof own === 'string' && own !== '' ? endUserId(gatewayUserId, own) : gatewayUserId;
  },
  prepareStream(body) {
    const so = body.stream_options;
    if (so !== undefined && (typeof so !== 'object' || so === null || Array.isArray(so))) throw bad('`stream_options` must be an object');
    const wants = (so as { include_usage?: unknown } | undefined)?.include_usage === true;
    // the gateway always asks for the usage chunk (to charge it) and strips it when not asked for
    body.stream_options = { ...(so as object | undefined), include_usage: true };
    return wants;
  },
  streamReader: (clientWantsUsage) => new SseUsageFilter(!clientWantsUsage),
  jsonUsage: usageOfJson,
  errorBody: (e) => errorBody(e.code, e.message),
  streamError: (e) => Buffer.from(`data: ${errorBody(e.code, e.message)}\n\n`),
};
