// Error bodies in the two shapes DeepSeek answers with: OpenAI's on the OpenAI routes, Anthropic's on /anthropic.

/** Which API format a route speaks; decides the error shape. */
export type Dialect = 'openai' | 'anthropic';

interface ErrorKind {
  message: string;
  type: string;
  code: string;
}

const OPENAI: Record<number, ErrorKind> = {
  400: { message: 'Invalid request format', type: 'invalid_request_error', code: 'invalid_request_error' },
  401: { message: 'Authentication Fails (no such user)', type: 'authentication_error', code: 'invalid_request_error' },
  402: { message: 'Insufficient Balance', type: 'unknown_error', code: 'invalid_request_error' },
  404: { message: 'Not Found', type: 'invalid_request_error', code: 'not_found' },
  405: { message: 'Method Not Allowed', type: 'invalid_request_error', code: 'method_not_allowed' },
  422: { message: 'Invalid parameters', type: 'invalid_request_error', code: 'invalid_request_error' },
  429: { message: 'Rate Limit Reached', type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  500: { message: 'Internal Server Error', type: 'server_error', code: 'internal_error' },
  503: { message: 'Server Overloaded, please try again later', type: 'service_unavailable_error', code: 'server_overloaded' },
};

/** Anthropic's error `type` per status (what the official SDK maps to its typed errors). */
const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

function openaiKind(status: number): ErrorKind {
  return OPENAI[status] ?? (status >= 500 ? OPENAI[500]! : OPENAI[400]!);
}

/** DeepSeek-style error body `{"error":{"message","type","param":null,"code"}}`. */
export function errorJson(status: number, message?: string): string {
  const k = openaiKind(status);
  return JSON.stringify({ error: { message: message ?? k.message, type: k.type, param: null, code: k.code } });
}

/** Anthropic-style error body `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorJson(status: number, message?: string): string {
  const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({ type: 'error', error: { type, message: message ?? openaiKind(status).message } });
}

export function errorBody(dialect: Dialect, status: number, message?: string): string {
  return dialect === 'anthropic' ? anthropicErrorJson(status, message) : errorJson(status, message);
}

/** A request the mock refuses, with the status and message DeepSeek would use. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly message?: string,
  ) {}
}
