// Anthropic's format (/anthropic/v1/messages, what Claude Code and the Anthropic SDKs speak): the
// token as `x-api-key` or Bearer, the account's key upstream as `x-api-key`, `metadata.user_id`,
// usage from message_start and the last message_delta, errors as {"type":"error","error":{…}}.
import { GatewayError, endUserId } from '@dsp/core';
import { bearerToken, plainToken } from '../pipeline/authenticate.js';
import { AnthropicUsageReader, anthropicJsonUsage } from '../upstream/anthropic-usage.js';
import { anthropicError, anthropicErrorEvent } from '../upstream/anthropic-errors.js';
import type { ApiFormat } from './api-format.js';

export const ANTHROPIC: ApiFormat = {
  name: 'anthropic',
  readHeaders: ['x-api-key', 'anthropic-version', 'anthropic-beta'],
  forward: ['anthropic-version', 'anthropic-beta'],
  credential(head) {
    // x-api-key counts when both are sent (the Anthropic SDKs send one or the other)
    const key = head.extra['x-api-key'] ?? '';
    if (key !== '') return plainToken(key);
    if (head.authorization === '') throw new GatewayError('invalid_token', 'missing x-api-key (or Authorization: Bearer <token>)');
    return bearerToken(head.authorization);
  },
  accountHeaders: (a) => a.anthropicHeaders,
  setUserId(body, gatewayUserId) {
    const m = body.metadata;
    if (m !== undefined && (typeof m !== 'object' || m === null || Array.isArray(m))) return; // the upstream refuses it
    const own = (m as { user_id?: unknown } | undefined)?.user_id;
    const id = typeof own === 'string' && own !== '' ? endUserId(gatewayUserId, own) : gatewayUserId;
    body.metadata = { ...(m as object | undefined), user_id: id };
  },
  // the usage events are part of every Anthropic stream: nothing to ask for, nothing to strip
  prepareStream: () => true,
  streamReader: () => new AnthropicUsageReader(),
  jsonUsage: anthropicJsonUsage,
  errorBody: anthropicError,
  streamError: anthropicErrorEvent,
};
