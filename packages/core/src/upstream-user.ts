import { createHash } from 'node:crypto';

/**
 * The stable opaque id sent to DeepSeek as `user_id` for a gateway user: DeepSeek can isolate and
 * schedule per user without learning who the user is. Derived, so nothing needs storing.
 */
export function upstreamUserId(issuer: string, sub: string): string {
  return 'dsp_' + createHash('sha256').update(`${issuer}\0${sub}`).digest('base64url').slice(0, 32);
}

/**
 * The `user_id` sent to DeepSeek when the client names its own end user: the gateway user's id
 * plus a digest of the client's value. End users stay apart upstream (DeepSeek isolates by
 * `user_id`), two gateway users can never share one, and the client's raw value never leaves
 * (it may be an e-mail address). 53 characters of `[A-Za-z0-9_-]`, as DeepSeek requires.
 */
export function endUserId(gatewayUserId: string, clientUserId: string): string {
  return gatewayUserId + '_' + createHash('sha256').update(`${gatewayUserId}\0${clientUserId}`).digest('base64url').slice(0, 16);
}
