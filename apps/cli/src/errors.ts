// One plain line (or, for a config error, its list of problems) for every handled failure.
import { isConfigError } from '@dsp/config';
import { isServiceError, redactUrl } from '@dsp/db';
import { CliError } from './command.js';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN']);

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  if (typeof c === 'string') return c;
  const inner = (e as { errors?: unknown[] } | null)?.errors;
  return Array.isArray(inner) && inner.length ? errCode(inner[0]) : undefined;
}

/** The message to print after `error: `, or null when the error is not one we know (a bug). */
export function describeError(e: unknown, databaseUrl?: string): string | null {
  if (e instanceof CliError) return e.message;
  if (isServiceError(e)) return e.message;
  if (isConfigError(e)) return e.message;
  const code = errCode(e);
  const db = databaseUrl ? redactUrl(databaseUrl) : 'Postgres';
  if (code === '3D000') return `the database of ${db} does not exist; run \`dsp migrate\` to create it`;
  if (code === '42P01') return `the database ${db} has no schema yet; run \`dsp migrate\``;
  if (code === '28P01' || code === '28000') return `Postgres refused the login for ${db}: ${(e as Error).message}`;
  if (code && CONNECT_CODES.has(code)) return `cannot connect to Postgres at ${db} (${code})`;
  if (e instanceof Error && /timeout exceeded when trying to connect/i.test(e.message)) return `cannot connect to Postgres at ${db} (timeout)`;
  return null;
}
