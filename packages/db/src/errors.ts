// The one error type of the service layer. Callers (CLI, admin console) branch on `code`; the
// message is a plain sentence fit to show an operator as is.

export const SERVICE_ERROR_CODES = [
  'not_found',
  'duplicate',
  'invalid_argument',
  'conflict',
  'unauthorized',
  'forbidden',
  'not_configured',
  'redis_unavailable',
] as const;

export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  /** a finer reason within `code`, for callers that map it (e.g. 'idempotency_key_reused') */
  readonly reason?: string;
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    super(message, options);
    if (options?.reason) this.reason = options.reason;
  }
}

export function isServiceError(e: unknown): e is ServiceError {
  return (
    e instanceof Error &&
    e.name === 'ServiceError' &&
    typeof (e as ServiceError).code === 'string' &&
    (SERVICE_ERROR_CODES as readonly string[]).includes((e as ServiceError).code)
  );
}

/** Postgres SQLSTATE of an error thrown by `pg`, if any. */
export function pgCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
