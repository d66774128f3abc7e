import { createHash } from 'node:crypto';

/**
 * The stable opaque id sent to DeepSeek as `user_id` for a gateway user: DeepSeek can isolate and
 * schedule per user without learning who the user is. Derived, so nothing needs storing.
 */
export function upstreamUserId(issuer: string, sub: string): string {
  return 'dsp_' + createHash('sha256').update(`${issuer}\0${sub}`).digest('base64url').slice(0, 32);
}
