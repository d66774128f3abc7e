// The one registry of client-facing errors (README.md "Error codes"). Every failure the gateway
// answers with is a GatewayError carrying one of these stable codes; callers branch on `code`.

export const ERRORS = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_token: { status: 401, type: 'authentication_error' },
  user_disabled: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  unknown_user: { status: 403, type: 'permission_error' },
  budget_exceeded: { status: 402, type: 'insufficient_quota' },
  not_found: { status: 404, type: 'not_found_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  concurrency_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  quota_exceeded: { status: 429, type: 'rate_limit_error' },
  upstream_capacity: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'api_error' },
  upstream_unreachable: { status: 502, type: 'api_error' },
  service_unavailable: { status: 503, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;
  readonly type: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** extra response headers, e.g. Retry-After */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = ERRORS[code].status;
    this.type = ERRORS[code].type;
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof Error && e.name === 'GatewayError' && typeof (e as GatewayError).code === 'string';
}

/** The OpenAI-shaped body: {"error":{"message","type","code"}}. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { message, type: ERRORS[code].type, code } });
}
