// The gateway's own errors in Anthropic's shape, for the /anthropic front door: the official
// @anthropic-ai/sdk picks its typed error by status, and clients read `error.type`. Statuses stay
// those of the OpenAI routes; only the body differs.
import type { ErrorCode, GatewayError } from '@dsp/core';

const TYPES: Record<ErrorCode, string> = {
  invalid_request: 'invalid_request_error',
  invalid_token: 'authentication_error',
  user_disabled: 'permission_error',
  model_not_allowed: 'permission_error',
  unknown_user: 'permission_error',
  budget_exceeded: 'billing_error',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  request_too_large: 'request_too_large',
  headers_too_large: 'invalid_request_error',
  concurrency_limit_exceeded: 'rate_limit_error',
  quota_exceeded: 'rate_limit_error',
  upstream_capacity: 'rate_limit_error',
  internal_error: 'api_error',
  upstream_unreachable: 'api_error',
  service_unavailable: 'overloaded_error',
  upstream_timeout: 'api_error',
};

/** `{"type":"error","error":{"type","message"}}` */
export function anthropicErrorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ type: 'error', error: { type: TYPES[code], message } });
}

export function anthropicError(e: GatewayError): string {
  return anthropicErrorBody(e.code, e.message);
}

/** The event that ends a stream the upstream broke off, as Anthropic's API ends one. */
export function anthropicErrorEvent(e: GatewayError): Buffer {
  return Buffer.from(`event: error\ndata: ${anthropicError(e)}\n\n`);
}
