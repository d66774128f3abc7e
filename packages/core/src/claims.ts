// Token claims (docs/ARCHITECTURE.md "Tokens"): sub = user id, jti = token id, iss, aud, iat, optional exp,
// optional dsp = { concurrency, models } overriding the defaults for that token.
import { ID_PATTERN } from './keys.js';

export interface TokenClaims {
  sub: string;
  jti: string;
  /** epoch seconds, or null for a token that never expires */
  exp: number | null;
  concurrency: number | null;
  models: readonly string[] | null;
}

export const MAX_TOKEN_CONCURRENCY = 1000;

/** Check a verified payload's shape; returns a reason string when it is not a gateway token. */
export function readClaims(payload: Record<string, unknown>): TokenClaims | string {
  const { sub, jti, exp, dsp } = payload;
  if (typeof sub !== 'string' || !ID_PATTERN.test(sub)) return 'sub must be a user id of [A-Za-z0-9._@:-]{1,128}';
  if (typeof jti !== 'string' || !ID_PATTERN.test(jti)) return 'jti must be a token id of [A-Za-z0-9._@:-]{1,128}';
  let concurrency: number | null = null;
  let models: string[] | null = null;
  if (dsp !== undefined) {
    if (typeof dsp !== 'object' || dsp === null || Array.isArray(dsp)) return 'dsp must be an object';
    const d = dsp as Record<string, unknown>;
    if (d.concurrency !== undefined) {
      const c = d.concurrency;
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_TOKEN_CONCURRENCY)
        return `dsp.concurrency must be an integer 1..${MAX_TOKEN_CONCURRENCY}`;
      concurrency = c;
    }
    if (d.models !== undefined) {
      if (!Array.isArray(d.models) || d.models.length > 100 || !d.models.every((m) => typeof m === 'string' && m.length <= 128))
        return 'dsp.models must be a list of model names';
      models = d.models as string[];
    }
  }
  return { sub, jti, exp: typeof exp === 'number' ? exp : null, concurrency, models };
}
