// Token lifetimes as operators write them: "90m", "12h", "30d", "2w", "3600s", or "never".
import { ServiceError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 31_536_000;

/** Seconds, or null for "never". Throws invalid_argument on anything else. */
export function parseDuration(text: string): number | null {
  const t = String(text).trim().toLowerCase();
  if (t === 'never' || t === 'none') return null;
  const m = /^(\d{1,9})\s*([smhdwy])$/.exec(t);
  if (!m) throw new ServiceError('invalid_argument', `invalid duration ${JSON.stringify(text)}: use e.g. 90m, 12h, 30d, 2w, 1y or never`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds < 1) throw new ServiceError('invalid_argument', `duration ${JSON.stringify(text)} must be positive`);
  if (seconds > MAX_TOKEN_LIFETIME_SECONDS)
    throw new ServiceError('invalid_argument', `duration ${JSON.stringify(text)} is too long (at most 10 years; use never)`);
  return seconds;
}
